"""The question bank: validation of question fields (bank and drafts), keys of new questions, admin
edits, the default set's spread over categories and difficulties, and the bank repository's reads."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from bson import ObjectId

from interviewer.errors import NotFound, ValidationError
from interviewer.models import BankQuestion, Question
from interviewer.services import questions as qs


def errors_of(data):
    with pytest.raises(ValidationError) as info:
        qs.clean_question_fields(data)
    assert info.value.message == "Please correct the highlighted fields."
    return info.value.details


# --- field validation ---------------------------------------------------------------------------

def test_clean_fields_trim_and_default():
    assert qs.clean_question_fields({"text": "  What is X?  "}) == {
        "text": "What is X?", "category": "technical", "difficulty": 3, "tags": [], "reference_answer": "",
        "key_points": []}


def test_clean_fields_keep_what_was_given():
    cleaned = qs.clean_question_fields({
        "text": "Tell me about a conflict.", "category": " behavioural ", "difficulty": "5",
        "tags": " Teamwork, ,SQL ,", "reference_answer": "  STAR story.  ", "key_points": "situation\n\n action \n"})
    assert cleaned == {"text": "Tell me about a conflict.", "category": "behavioural", "difficulty": 5,
                       "tags": ["teamwork", "sql"], "reference_answer": "STAR story.",
                       "key_points": ["situation", "action"]}


def test_lists_may_come_as_lists_and_are_capped():
    cleaned = qs.clean_question_fields({"text": "Q", "tags": [f"T{i}" for i in range(25)] + [" "],
                                        "key_points": [f"p{i}" for i in range(12)]})
    assert cleaned["tags"] == [f"t{i}" for i in range(20)]
    assert cleaned["key_points"] == [f"p{i}" for i in range(10)]
    assert qs.clean_question_fields({"text": "Q", "tags": ("a", "B")})["tags"] == ["a", "b"]


@pytest.mark.parametrize(("data", "errors"), [
    ({}, {"text": "Enter the question."}),
    ({"text": "   "}, {"text": "Enter the question."}),
    ({"text": "x" * 2001}, {"text": "A question has at most 2000 characters."}),
    ({"text": "Q", "category": "trivia"}, {"category": "Choose one of: technical, behavioural, situational."}),
    ({"text": "Q", "difficulty": "0"}, {"difficulty": "Difficulty is a whole number from 1 to 5."}),
    ({"text": "Q", "difficulty": "6"}, {"difficulty": "Difficulty is a whole number from 1 to 5."}),
    ({"text": "Q", "difficulty": "hard"}, {"difficulty": "Difficulty is a whole number from 1 to 5."}),
    ({"text": "Q", "difficulty": [1]}, {"difficulty": "Difficulty is a whole number from 1 to 5."}),
    ({"text": "Q", "reference_answer": "r" * 5001}, {"reference_answer": "A reference answer has at most 5000 characters."}),
    ({"text": "", "category": "x", "difficulty": 9}, {"text": "Enter the question.",
                                                      "category": "Choose one of: technical, behavioural, situational.",
                                                      "difficulty": "Difficulty is a whole number from 1 to 5."}),
])
def test_invalid_fields_are_named(data, errors):
    assert errors_of(data) == errors


@pytest.mark.parametrize(("difficulty", "expected"), [(1, 1), (5, 5), ("2", 2), (None, 3), ("", 3)])
def test_difficulty_bounds_are_inclusive(difficulty, expected):
    assert qs.clean_question_fields({"text": "Q", "difficulty": difficulty})["difficulty"] == expected


def test_limits_are_inclusive():
    cleaned = qs.clean_question_fields({"text": "x" * 2000, "reference_answer": "r" * 5000})
    assert len(cleaned["text"]) == 2000 and len(cleaned["reference_answer"]) == 5000


def test_form_fields_are_the_inverse_of_cleaning():
    question = Question(id="q1", text="What is X?", tags=["a", "b"], key_points=["one", "two"])
    fields = qs.form_fields(question)
    assert (fields["tags"], fields["key_points"], fields["text"], fields["id"]) == ("a, b", "one\ntwo", "What is X?", "q1")
    cleaned = qs.clean_question_fields(fields)
    assert (cleaned["tags"], cleaned["key_points"]) == (["a", "b"], ["one", "two"])


def test_question_key():
    assert qs.question_key("bank:sql-index", "Whatever") == "bank:sql-index"
    assert qs.question_key("custom", "  What  IS x? ") == "text:what is x?"
    assert qs.question_key("generated", "bank: not a key") == "text:bank: not a key"


# --- admin edits --------------------------------------------------------------------------------

def test_a_new_question_gets_a_key_from_its_first_six_words(repos):
    q = qs.add(repos, {"text": "What does an SQL index REALLY cost you, in writes?", "tags": "SQL"})
    assert q.key == "what-does-an-sql-index-really"
    assert (q.enabled, q.builtin, q.tags, q.category) == (True, False, ["sql"], "technical")
    assert q.updated_at is not None and q.updated_at.tzinfo is not None
    again = qs.add(repos, {"text": "What does an SQL index really cost you in reads?"})
    third = qs.add(repos, {"text": "what does an sql index really... matter"})
    assert (again.key, third.key) == ("what-does-an-sql-index-really-2", "what-does-an-sql-index-really-3")
    assert repos.questions.by_key("what-does-an-sql-index-really-2") == again


def test_a_question_without_words_is_keyed_question(repos):
    assert qs.add(repos, {"text": "???"}).key == "question"


def test_too_many_similar_questions_are_refused(repos, monkeypatch):
    from pymongo.errors import DuplicateKeyError

    tried = []

    def taken(question):
        tried.append(question.key)
        raise DuplicateKeyError("taken")

    monkeypatch.setattr(repos.questions, "insert", taken)
    with pytest.raises(ValidationError) as info:
        qs.add(repos, {"text": "Same text"})
    assert info.value.details == {"text": "Too many similar questions."}
    assert info.value.message == "Could not find a free key for this question."
    assert tried[:3] == ["same-text", "same-text-2", "same-text-3"] and len(tried) == 50 and tried[-1] == "same-text-50"


def test_update_set_enabled_and_get(repos):
    q = qs.add(repos, {"text": "Original?"})
    updated = qs.update(repos, q.id, {"text": "Changed?", "difficulty": 4, "key_points": "a\nb"})
    assert (updated.text, updated.difficulty, updated.key_points, updated.key) == ("Changed?", 4, ["a", "b"], q.key)
    assert updated.updated_at >= q.updated_at
    assert qs.set_enabled(repos, q.id, False).enabled is False
    assert qs.get(repos, q.id).enabled is False
    assert qs.set_enabled(repos, q.id, True).enabled is True
    with pytest.raises(ValidationError):
        qs.update(repos, q.id, {"text": ""})
    assert qs.get(repos, q.id).text == "Changed?"


@pytest.mark.parametrize("bad", ["nope", "65f1a2b3c4d5e6f708192a3b"])
def test_unknown_questions_are_not_found(repos, bad):
    for call in (lambda: qs.update(repos, bad, {"text": "X?"}), lambda: qs.set_enabled(repos, bad, False),
                 lambda: qs.get(repos, bad)):
        with pytest.raises(NotFound) as info:
            call()
        assert info.value.message == "No such question."


# --- the default set ----------------------------------------------------------------------------

def _bank(repos, spec):
    """Replace the bank by {category: [difficulty, ...]} (keys sort as the difficulties do)."""
    repos.questions.col.delete_many({})
    for category, difficulties in spec.items():
        for n, d in enumerate(difficulties):
            repos.questions.insert(BankQuestion(id="", key=f"{category[:3]}-{d}-{n:02d}", text=f"{category} {d} {n}?",
                                                category=category, difficulty=d))


def test_the_default_set_spreads_over_categories_and_difficulties(repos):
    _bank(repos, {"technical": [1, 1, 2, 2, 3, 3, 4, 4, 5, 5], "behavioural": [1, 2, 3, 4, 5],
                  "situational": [1, 2, 3, 4, 5]})
    picked = qs.default_set(repos, 10)
    assert [q.category for q in picked] == ["technical"] * 6 + ["behavioural"] * 2 + ["situational"] * 2
    assert [q.difficulty for q in picked[:6]] == [1, 1, 2, 3, 4, 5]  # items 0, 1, 3, 5, 6, 8: every 10/6th
    assert [q.difficulty for q in picked[6:8]] == [1, 3] and [q.difficulty for q in picked[8:]] == [1, 3]
    assert qs.default_set(repos, 10) == picked  # stable


def test_the_default_set_rounds_each_share(repos):
    _bank(repos, {"technical": [1, 2, 3, 4, 5], "behavioural": [1, 2, 3, 4, 5], "situational": [1, 2, 3, 4, 5]})
    assert [q.category for q in qs.default_set(repos, 4)] == ["technical"] * 2 + ["behavioural", "situational"]
    assert [q.category for q in qs.default_set(repos, 1)] == ["technical"]
    assert [q.category for q in qs.default_set(repos, 3)] == ["technical"] * 2 + ["behavioural"]
    assert qs.default_set(repos, 0) == []


def test_a_thin_category_is_topped_up_from_the_rest(repos):
    _bank(repos, {"technical": [1, 2], "behavioural": [1, 2, 3, 4], "situational": []})
    picked = qs.default_set(repos, 5)
    assert len(picked) == 5 and len({q.id for q in picked}) == 5
    assert [q.category for q in picked] == ["technical", "technical", "behavioural", "behavioural", "behavioural"]


def test_a_bank_smaller_than_asked_gives_what_it_has_and_skips_disabled(repos):
    _bank(repos, {"technical": [1, 2], "behavioural": [3], "situational": []})
    disabled = repos.questions.list(category="technical")[0]
    repos.questions.update(disabled.id, enabled=False)
    picked = qs.default_set(repos, 8)
    assert sorted(q.key for q in picked) == ["beh-3-00", "tec-2-01"]


# --- the bank repository ------------------------------------------------------------------------

def test_bank_reads_in_a_stable_order_and_by_ids_in_the_order_given(repos):
    _bank(repos, {"technical": [2, 1], "behavioural": [1]})
    listed = repos.questions.list()
    assert [q.key for q in listed] == ["beh-1-00", "tec-1-01", "tec-2-00"]
    assert [q.key for q in repos.questions.list(category="technical")] == ["tec-1-01", "tec-2-00"]
    off = listed[0]
    assert repos.questions.update(off.id, enabled=False) is True
    assert [q.key for q in repos.questions.list(enabled=None)] == ["beh-1-00", "tec-1-01", "tec-2-00"]
    assert [q.key for q in repos.questions.list(enabled=False)] == ["beh-1-00"]
    ids = [listed[2].id, "nope", off.id, str(ObjectId()), listed[1].id]
    assert [q.key for q in repos.questions.by_ids(ids)] == ["tec-2-00", "tec-1-01"]  # disabled and unknown skipped
    assert repos.questions.update("nope", enabled=True) is False
    assert repos.questions.update(str(ObjectId()), enabled=True) is False
    assert repos.questions.get("nope") is None and repos.questions.by_key("missing") is None


def test_a_bank_question_reads_back_every_field(repos):
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    stored = repos.questions.insert(BankQuestion(
        id="", key="k1", text="T?", category="situational", difficulty=4, tags=["x"], reference_answer="R",
        key_points=["p"], enabled=False, builtin=True, updated_at=when))
    assert stored == BankQuestion(id=stored.id, key="k1", text="T?", category="situational", difficulty=4, tags=["x"],
                                  reference_answer="R", key_points=["p"], enabled=False, builtin=True, updated_at=when)


def test_an_old_bank_document_reads_with_defaults(repos):
    key = repos.questions.col.insert_one({"key": "old", "text": "Old?"}).inserted_id
    assert repos.questions.get(str(key)) == BankQuestion(id=str(key), key="old", text="Old?", category="technical",
                                                         difficulty=3, tags=[], reference_answer="", key_points=[],
                                                         enabled=True, builtin=False, updated_at=None)


def test_every_edit_stamps_the_time_it_was_made(repos, monkeypatch):
    times = iter(datetime(2026, 5, 1, h, tzinfo=UTC) for h in range(9, 20))
    monkeypatch.setattr(qs, "utcnow", lambda: next(times))
    q = qs.add(repos, {"text": "Stamped?"})
    assert q.updated_at == datetime(2026, 5, 1, 9, tzinfo=UTC)
    assert qs.update(repos, q.id, {"text": "Stamped again?"}).updated_at == datetime(2026, 5, 1, 10, tzinfo=UTC)
    assert qs.set_enabled(repos, q.id, False).updated_at == datetime(2026, 5, 1, 11, tzinfo=UTC)


def test_a_thin_category_is_topped_up_before_any_category_gets_more_than_its_share(repos):
    _bank(repos, {"technical": [1], "behavioural": [1, 2, 3], "situational": [1, 2]})
    # 3 questions: 2 technical (only 1 exists), 1 behavioural, no situational; the missing one comes from
    # the rest in category order, so a second behavioural, not a situational one.
    assert [q.key for q in qs.default_set(repos, 3)] == ["tec-1-00", "beh-1-00", "beh-2-01"]
