"""Static sentence vectors distilled from all-MiniLM-L6-v2: the local scorer's default semantics.

A sentence's vector is the normalised sum of its WordPiece tokens' vectors, looked up in a table
that ships with the app (``data/minilm-static-256.bin``, 7.9 MB). No model runs at scoring
time: tokenising (``wordpiece.py``) and adding 256-number rows is plain Python, so it needs no
third-party package, costs well under a millisecond an answer, and the table is memory-mapped
(read-only pages, shared by every worker process of the host; only the rows of words actually
seen are ever read).

How the table was made (``tools/build_static_vectors.py``, reproducible from the optional
``requirements-embeddings.txt``), following the "model2vec" recipe:

1. every token of the vocabulary is run through all-MiniLM-L6-v2 on its own (``[CLS] token
   [SEP]``) and the token's last hidden state is kept (384 numbers);
2. the 30,522 x 384 matrix is centred and projected on its first 256 principal components;
3. each row is multiplied by a SIF weight ``a / (a + p(token))``, a = 1e-3, with p from Zipf's law
   over the token's rank in the vocabulary (BERT's vocabulary lists whole words roughly by
   frequency from id 1996 on), so frequent words count little and the rare, topical ones a lot;
4. rows are stored as int8 with one float32 scale each.

Each choice was made by leave-one-assignment-out cross-validation on the dev split of the grading
benchmark (``bench/grading.py`` has the numbers); int8 and 256 components cost nothing measurable
there against float64 and 384.

File layout (little endian): ``MAGIC``, a uint32 header length and a JSON header (``rows``,
``dims``, ``vocab_bytes``, provenance), the vocabulary as UTF-8 tokens separated by newlines, one
float32 scale per row, then ``rows x dims`` int8 values.
"""
from __future__ import annotations

import json
import math
import mmap
import struct
from array import array
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from .wordpiece import WordPiece

MAGIC = b"IVSTATIC1\n"
TABLE = Path(__file__).resolve().parent / "data" / "minilm-static-256.bin"


def write_table(path: Path, header: dict, vocab: Sequence[str], scales: bytes, rows: bytes) -> None:
    """Write a table file (the builder's half of the format; ``StaticVectors`` reads it)."""
    vocab_blob = "\n".join(vocab).encode("utf-8")
    dims = header["dims"]
    if len(scales) != 4 * len(vocab) or len(rows) != dims * len(vocab):
        raise ValueError("scales/rows do not match the vocabulary")
    meta = json.dumps({**header, "rows": len(vocab), "vocab_bytes": len(vocab_blob)}, sort_keys=True).encode()
    with open(path, "wb") as fh:
        fh.write(MAGIC + struct.pack("<I", len(meta)) + meta + vocab_blob + scales + rows)


class StaticVectors:
    """Sentence vectors from the static table: ``vectors(texts)`` gives unit vectors (lists)."""

    name = "static-minilm-256"
    # Blend constants, fitted on the dev split (see embeddings.py and bench/grading.py).
    # single: dev least squares 0.2384*lexical + 1.6263*sqrt(cos), i.e. 0.2384 per lexical point
    # vs 0.1626 per 10*sqrt(cos) point.
    single_lexical_weight = 0.5944
    # batch, on 0..10: const, lexical, sqrt(cos reference), cos peer centroid, cos question.
    batch_fit = (-0.2761, 0.8402, 0.7305, 2.3073, -1.1758)

    def __init__(self, path: Path = TABLE) -> None:
        with open(path, "rb") as fh:
            self._map = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        view = memoryview(self._map)
        if bytes(view[:len(MAGIC)]) != MAGIC:
            raise ValueError(f"{path} is not a static vector table")
        at = len(MAGIC)
        (n,) = struct.unpack_from("<I", view, at)
        self.header = json.loads(bytes(view[at + 4:at + 4 + n]))
        at += 4 + n
        rows, self.dims = self.header["rows"], self.header["dims"]
        vocab = bytes(view[at:at + self.header["vocab_bytes"]]).decode("utf-8").split("\n")
        at += self.header["vocab_bytes"]
        if len(vocab) != rows or len(self._map) != at + 4 * rows + rows * self.dims:
            raise ValueError(f"{path} is truncated or inconsistent")
        self.tokenizer = WordPiece({token: i for i, token in enumerate(vocab)})
        self.vocabulary = self.tokenizer.vocab  # token → id: what the gates count as known words
        self._scales = view[at:at + 4 * rows].cast("f")
        self._rows = view[at + 4 * rows:].cast("b")
        self._memo: dict[str, list[float]] = {}

    def vector(self, text: str) -> array:
        """The unit vector of ``text`` as an ``array('d')`` (all zeros when no token carries
        weight); a compact array rather than a list: a file of answers is held at once."""
        d, scales, table = self.dims, self._scales, self._rows
        acc = [0.0] * d
        for token, count in Counter(self.tokenizer.ids(text)).items():
            s = scales[token] * count
            if s:
                acc = [a + s * x for a, x in zip(acc, table[token * d:(token + 1) * d])]
        norm = math.sqrt(sum(a * a for a in acc))
        return array("d", [a / norm for a in acc] if norm > 0 else acc)

    def vectors(self, texts: Sequence[str]) -> list[array]:
        return [self.vector(t or "") for t in texts]

    def cached_vectors(self, texts: Sequence[str]) -> list[array]:
        """``vectors`` with a small memo (questions and references recur across calls)."""
        memo = self._memo
        if len(memo) > 1024:
            memo.clear()
        out = []
        for t in texts:
            got = memo.get(t)
            if got is None:
                got = memo[t] = self.vector(t or "")
            out.append(got)
        return out
