"""Sanity checks for the default question bank shipped with the app."""

import json
import pathlib
import re
from collections import Counter

import pytest

SEED_PATH = pathlib.Path(__file__).resolve().parents[1] / "interviewer/seed/questions.json"

CATEGORIES = ("technical", "behavioural", "situational")
STACKS = ("python", "javascript", "java", "go", "sql", "mongodb")
FIELDS = {"key", "text", "category", "difficulty", "tags", "reference_answer", "key_points"}
KEY_RE = re.compile(r"^[a-z0-9-]+$")


def _load():
    with SEED_PATH.open(encoding="utf-8") as fh:
        return json.load(fh)


QUESTIONS = _load()


def _ids(questions):
    return [q.get("key", f"#{i}") if isinstance(q, dict) else f"#{i}" for i, q in enumerate(questions)]


def test_is_a_list_with_enough_entries():
    assert isinstance(QUESTIONS, list)
    assert len(QUESTIONS) >= 40


def test_keys_are_unique():
    counts = Counter(q["key"] for q in QUESTIONS)
    duplicates = [key for key, n in counts.items() if n > 1]
    assert not duplicates, f"duplicate keys: {duplicates}"


@pytest.mark.parametrize("question", QUESTIONS, ids=_ids(QUESTIONS))
def test_question_shape(question):
    assert isinstance(question, dict)
    assert set(question) == FIELDS

    assert isinstance(question["key"], str) and KEY_RE.match(question["key"])

    assert isinstance(question["text"], str) and question["text"].strip()
    assert isinstance(question["reference_answer"], str) and question["reference_answer"].strip()

    assert question["category"] in CATEGORIES

    difficulty = question["difficulty"]
    assert isinstance(difficulty, int) and not isinstance(difficulty, bool)
    assert 1 <= difficulty <= 5

    tags = question["tags"]
    assert isinstance(tags, list) and len(tags) >= 1
    assert all(isinstance(t, str) and t.strip() and t == t.lower() for t in tags)

    points = question["key_points"]
    assert isinstance(points, list) and 3 <= len(points) <= 5
    assert all(isinstance(p, str) and p.strip() for p in points)


@pytest.mark.parametrize("category", CATEGORIES)
def test_each_category_has_at_least_eight_questions(category):
    assert sum(1 for q in QUESTIONS if q["category"] == category) >= 8


def test_difficulties_are_spread():
    levels = {q["difficulty"] for q in QUESTIONS}
    assert {1, 2, 3, 4, 5} <= levels


def test_covers_several_stacks():
    tags = {t for q in QUESTIONS for t in q["tags"]}
    present = [s for s in STACKS if s in tags]
    assert len(present) >= 5, f"stacks found among tags: {present}"
