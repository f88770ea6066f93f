"""The plain-Python WordPiece tokenizer (interviewer/ai/wordpiece.py) against BERT's.

The expected pieces below were produced by the ``tokenizers`` library with all-MiniLM-L6-v2's
tokenizer.json; the last test repeats the comparison on more strings when that library and the
model are installed (requirements-embeddings.txt).
"""
from __future__ import annotations

import os
import random

import pytest

from interviewer.ai import minilm
from interviewer.ai.static_vectors import StaticVectors
from interviewer.ai.wordpiece import WordPiece, normalize, words


@pytest.fixture(scope="module")
def wp() -> WordPiece:
    return StaticVectors().tokenizer


def pieces(wp: WordPiece, text: str) -> list[str]:
    inverse = {i: t for t, i in wp.vocab.items()}
    return [inverse[i] for i in wp.ids(text)]


CASES = [
    ("Héllo WORLD!! naïve café", ["hello", "world", "!", "!", "naive", "cafe"]),
    ("O(n log n) <br> i++; a->b 3.14e-10",
     ["o", "(", "n", "log", "n", ")", "<", "br", ">", "i", "+", "+", ";", "a", "-", ">", "b", "3", ".", "14",
      "##e", "-", "10"]),
    ("#include <stdio.h>", ["#", "include", "<", "st", "##dio", ".", "h", ">"]),
    ("“quotes” ‘x’ … — dash", ["“", "quotes", "”", "‘", "x", "’", "…", "—", "dash"]),
    ("日本語 中文テキスト", ["日", "本", "語", "中", "文", "テ", "##キ", "##ス", "##ト"]),
    ("a\x00b\ufffdc\u200bd\te\nf\r\u00a0g\u3000h", ["abc", "##d", "e", "f", "g", "h"]),
    ("x" * 101, ["[UNK]"]),
    ("unbelievably recursoin", ["un", "##bel", "##ie", "##va", "##bly", "rec", "##urs", "##oin"]),
    ("Ångström ﬁnal Straße", ["ang", "##strom", "ﬁ", "##nal", "st", "##raße"]),
    ("emoji 😀 ok", ["em", "##oj", "##i", "[UNK]", "ok"]),
    ("", []),
    ("   ", []),
    ("MongoDB's $lookup & ObjectId()",
     ["mon", "##go", "##db", "'", "s", "$", "look", "##up", "&", "object", "##id", "(", ")"]),
]


@pytest.mark.parametrize("text,expected", CASES, ids=[repr(c[0])[:30] for c in CASES])
def test_matches_bert_tokenizer(wp, text, expected):
    assert pieces(wp, text) == expected


def test_normalize_and_words():
    assert normalize("ÉCOLE\tx\u0301") == "ecole x"
    assert list(words("a,b  c!")) == ["a", ",", "b", "c", "!"]


def test_memo_gives_the_same_ids(wp):
    text = "Recursion calls itself; recursion needs a base case."
    assert wp.ids(text) == wp.ids(text)
    assert wp.ids("recursion")[0] == wp.ids(text)[0]


@pytest.mark.skipif(not minilm.available() and not os.environ.get("REQUIRE_EXTRA"),
                    reason="tokenizers / model not installed (requirements-embeddings.txt; make test-extra)")
def test_agrees_with_the_tokenizers_library_on_random_text(wp):
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(minilm.model_dir() / "tokenizer.json"))
    tok.no_truncation()
    tok.no_padding()
    rng = random.Random(7)
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,;:!?()[]{}<>-_'\"/\\\n\t"
    alphabet += "éèàçñüößÅÉ–—“”‘’…€£°±×÷µ中文日本"
    for _ in range(500):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60)))
        assert wp.ids(text) == tok.encode(text).ids[1:-1], repr(text)
