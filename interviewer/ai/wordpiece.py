"""BERT's uncased WordPiece tokenizer in plain Python (standard library only).

It reproduces the ``tokenizers`` pipeline that all-MiniLM-L6-v2 ships with (BertNormalizer with
clean_text, handle_chinese_chars and lowercase, which also strips accents; BertPreTokenizer;
WordPiece with ``##`` continuations, ``[UNK]``, at most 100 characters a word), so the static
vectors in ``static_vectors.py`` need neither the Rust library nor its 10 MB in memory. The tests
hold it to the library's output on tricky strings (accents, CJK, punctuation, controls, long
words).
"""
from __future__ import annotations

import unicodedata
from collections.abc import Iterator

UNK = "[UNK]"
MAX_WORD_CHARS = 100

_CJK = (
    (0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF), (0x2A700, 0x2B73F),
    (0x2B740, 0x2B81F), (0x2B820, 0x2CEAF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F),
)


def _is_cjk(cp: int) -> bool:
    return any(lo <= cp <= hi for lo, hi in _CJK)


def _is_punct(ch: str) -> bool:
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _is_space(ch: str) -> bool:
    return ch in " \t\n\r" or unicodedata.category(ch) == "Zs" or ch in "\u2028\u2029"


def normalize(text: str) -> str:
    """BertNormalizer: drop controls and U+FFFD, whitespace to spaces, space out CJK
    ideographs, strip accents (NFD, no combining marks), lower case."""
    out = []
    for ch in text:
        cp = ord(ch)
        if ch in "\t\n\r":
            out.append(" ")
            continue
        if cp == 0 or cp == 0xFFFD or unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cs"):
            continue
        if _is_space(ch):
            out.append(" ")
        elif _is_cjk(cp):
            out.append(f" {ch} ")
        else:
            out.append(ch)
    text = unicodedata.normalize("NFD", "".join(out))
    return "".join(ch for ch in text if unicodedata.category(ch) != "Mn").lower()


def words(text: str) -> Iterator[str]:
    """BertPreTokenizer on normalised text: split on whitespace, punctuation on its own."""
    start = None
    for i, ch in enumerate(text):
        if _is_space(ch) or _is_punct(ch):
            if start is not None:
                yield text[start:i]
                start = None
            if not _is_space(ch):
                yield ch
        elif start is None:
            start = i
    if start is not None:
        yield text[start:]


class WordPiece:
    """Greedy longest-match-first WordPiece over a vocabulary (token -> id)."""

    def __init__(self, vocab: dict[str, int]) -> None:
        self.vocab = vocab
        self.unk = vocab[UNK]
        self._memo: dict[str, tuple[int, ...]] = {}

    def _word(self, word: str) -> tuple[int, ...]:
        if len(word) > MAX_WORD_CHARS:
            return (self.unk,)
        ids = []
        start = 0
        while start < len(word):
            end = len(word)
            while end > start:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                found = self.vocab.get(piece)
                if found is not None:
                    ids.append(found)
                    break
                end -= 1
            else:
                return (self.unk,)
            start = end
        return tuple(ids)

    def ids(self, text: str) -> list[int]:
        """Token ids of ``text`` without [CLS]/[SEP]."""
        out: list[int] = []
        memo = self._memo
        for word in words(normalize(text)):
            got = memo.get(word)
            if got is None:
                got = self._word(word)
                if len(memo) < 50_000:
                    memo[word] = got
            out.extend(got)
        return out
