"""The challenge set (bench/challenge/*.json) is well-formed. Structure only: the scores are
bench/challenge.py's business (`make bench`), never the test suite's."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent.parent / "bench" / "challenge"
KINDS = {"good", "paraphrase", "partial", "wrong", "off_topic", "nonsense", "keyword_list", "empty_ish",
         "restates", "injected"}
CATEGORIES = {"technical", "behavioural", "situational"}


@pytest.fixture(scope="module")
def data() -> tuple[list[dict], list[dict]]:
    files = sorted(DATA.glob("*.json"))
    assert files, f"no challenge data in {DATA}"
    questions: list[dict] = []
    cases: list[dict] = []
    for f in files:
        doc = json.loads(f.read_text(encoding="utf-8"))
        questions += doc.get("questions", [])
        cases += doc.get("cases", [])
    return questions, cases


def test_questions(data):
    questions, _ = data
    assert len(questions) >= 15
    assert {q["category"] for q in questions} == CATEGORIES
    for q in questions:
        assert set(q) >= {"id", "category", "question", "reference", "key_points"}, q.get("id")
        assert q["question"].strip() and len(q["reference"].split()) >= 40, q["id"]
        assert 3 <= len(q["key_points"]) <= 6 and all(p.strip() for p in q["key_points"]), q["id"]


def test_ids_unique(data):
    questions, cases = data
    for ids in ([q["id"] for q in questions], [c["id"] for c in cases]):
        dupes = [i for i, n in Counter(ids).items() if n > 1]
        assert not dupes, dupes


def test_every_question_has_every_kind(data):
    questions, cases = data
    qids = {q["id"] for q in questions}
    kinds: dict[str, set[str]] = {qid: set() for qid in qids}
    for c in cases:
        assert set(c) >= {"id", "question_id", "kind", "answer"}, c.get("id")
        assert c["question_id"] in qids, c["id"]
        assert c["kind"] in KINDS, (c["id"], c["kind"])
        assert isinstance(c["answer"], str) and c["answer"].strip(), c["id"]
        kinds[c["question_id"]].add(c["kind"])
    missing = {qid: sorted(KINDS - k) for qid, k in kinds.items() if KINDS - k}
    assert not missing, missing


def test_injected_cases_have_style_and_twin(data):
    _, cases = data
    by_id = {c["id"]: c for c in cases}
    injected = [c for c in cases if c["kind"] == "injected"]
    for c in injected:
        assert (c.get("style") or "").strip(), c["id"]
        twin = by_id.get(c.get("twin"))
        assert twin is not None, (c["id"], c.get("twin"))
        assert twin["kind"] != "injected" and twin["question_id"] == c["question_id"], c["id"]
        assert twin["answer"] != c["answer"], c["id"]
    assert len({c["style"] for c in injected}) >= 10
