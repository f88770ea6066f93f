"""The shipped static vector table and its reader (interviewer/ai/static_vectors.py)."""
from __future__ import annotations

import math
from array import array

import pytest

from interviewer.ai.static_vectors import MAGIC, TABLE, StaticVectors, write_table


def dot(a, b):
    return sum(x * y for x, y in zip(a, b))


@pytest.fixture(scope="module")
def sv() -> StaticVectors:
    return StaticVectors()


def test_shipped_table_header(sv):
    assert sv.dims == 256 and sv.header["rows"] == len(sv.tokenizer.vocab) == 30522
    assert "all-MiniLM-L6-v2" in sv.header["source"]
    # header, vocabulary, one float32 scale and 256 int8 values a row, nothing else
    assert TABLE.stat().st_size == (len(MAGIC) + 4 + len(sv._map[len(MAGIC) + 4:].split(b"}", 1)[0]) + 1
                                    + sv.header["vocab_bytes"] + 30522 * (4 + 256))


def test_unit_vectors_and_meaning(sv):
    v = sv.vectors(["A stack is a last-in first-out data structure.", "Stacks are LIFO; the last item pushed is "
                    "popped first.", "The weather is nice today.", ""])
    assert all(isinstance(x, array) and len(x) == 256 for x in v)
    assert math.isclose(dot(v[0], v[0]), 1.0, rel_tol=1e-9)
    assert dot(v[0], v[1]) > dot(v[0], v[2])
    assert not any(v[3])  # nothing to embed: the zero vector, never a division by zero
    # frequent words carry almost no weight: "the the the" adds little to a sentence
    base = sv.vector("binary search halves the interval")
    assert dot(base, sv.vector("binary search halves the interval the the the")) > 0.99


def test_cached_vectors_equal_fresh_ones(sv):
    texts = ["What is a pointer?", "A variable holding an address.", "What is a pointer?"]
    assert [list(v) for v in sv.cached_vectors(texts)] == [list(v) for v in sv.vectors(texts)]


def _tiny_table(tmp_path, rows=b"\x7f\x00\x00\x7f\x81\x00"):
    path = tmp_path / "tiny.bin"
    scales = array("f", [0.0, 0.5, 2.0]).tobytes()
    write_table(path, {"dims": 2, "source": "test"}, ["[UNK]", "apple", "pear"], scales, rows)
    return path


def test_round_trip_sums_scaled_rows(tmp_path):
    sv = StaticVectors(_tiny_table(tmp_path))
    # apple = 0.5 * (0, 127), pear = 2 * (-127, 0): "apple apple pear" = (-254, 127) normalised
    got = sv.vector("apple apple pear")
    want = (-254 / math.hypot(254, 127), 127 / math.hypot(254, 127))
    assert got.tolist() == pytest.approx(want)
    assert sv.vector("banana").tolist() == [0.0, 0.0]  # [UNK] has scale 0


def test_rejects_broken_files(tmp_path):
    path = _tiny_table(tmp_path)
    data = path.read_bytes()
    (tmp_path / "short.bin").write_bytes(data[:-1])
    with pytest.raises(ValueError, match="truncated"):
        StaticVectors(tmp_path / "short.bin")
    (tmp_path / "other.bin").write_bytes(b"not a table" + data)
    with pytest.raises(ValueError, match="not a static vector table"):
        StaticVectors(tmp_path / "other.bin")
    with pytest.raises(ValueError, match="do not match"):
        write_table(tmp_path / "x.bin", {"dims": 2}, ["a"], b"\0" * 4, b"\0")
