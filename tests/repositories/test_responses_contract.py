"""The responses repository's contract, on every backend: what is stored and read back, which save
wins, what a closed response takes, the batch reads and the scored pairs of the agreement report."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from bson import ObjectId

from interviewer.repositories.responses import Owner

T0 = datetime(2026, 3, 2, 9, 30, 15, 250000, tzinfo=UTC)


def ids(n):
    return [str(ObjectId()) for _ in range(n)]


@pytest.fixture
def responses(repos):
    return repos.responses


@pytest.fixture
def owner():
    interview_id, candidate_id, hr_id = ids(3)
    return Owner(interview_id, candidate_id, hr_id)


def test_a_new_interviews_responses_are_empty_and_open(responses, owner):
    responses.create_for(owner, [("q1", "text:what is x"), ("q2", "bank:sql")], T0)
    stored = responses.for_interview(owner.interview_id)
    assert sorted(stored) == ["q1", "q2"]
    r = stored["q1"]
    assert (r.interview_id, r.question_id, r.candidate_id) == (owner.interview_id, "q1", owner.candidate_id)
    assert (r.answer, r.seq, r.score, r.feedback, r.scored_by, r.scored_at, r.closed) == ("", 0, None, "", None, None,
                                                                                         False)
    assert (r.ai_job, r.ai_evaluation) == (None, None)
    assert r.saved_at == T0.replace(microsecond=250000) and r.saved_at.tzinfo is not None
    assert responses.get(r.id) == r and responses.find(owner.interview_id, "q1") == r
    assert responses.count_answered(owner.interview_id) == 0


def test_creating_again_keeps_what_is_stored(responses, owner):
    responses.create_for(owner, [("q1", "g")], T0)
    responses.save_answer(owner, "q1", "g", "kept", 5, T0)
    responses.create_for(owner, [("q1", "g"), ("q2", "g")], T0 + timedelta(hours=1))
    stored = responses.for_interview(owner.interview_id)
    assert (stored["q1"].answer, stored["q1"].seq, stored["q2"].answer) == ("kept", 5, "")


def test_unknown_or_malformed_ids_find_nothing(responses, owner):
    assert responses.get("not-an-id") is None and responses.get(None) is None
    assert responses.get(str(ObjectId())) is None
    assert responses.find(owner.interview_id, "q1") is None
    assert responses.for_interview(owner.interview_id) == {}
    assert responses.set_fields(str(ObjectId()), score=3.0) is False


@pytest.mark.parametrize(("seq", "wins"), [(4, False), (5, False), (6, True)])
def test_a_save_wins_only_over_a_lower_sequence_number(responses, owner, seq, wins):
    responses.create_for(owner, [("q1", "g")], T0)
    first, won = responses.save_answer(owner, "q1", "g", "first", 5, T0)
    assert won and (first.answer, first.seq) == ("first", 5)
    later = T0 + timedelta(minutes=1)
    result, won = responses.save_answer(owner, "q1", "g", "second", seq, later)
    assert won is wins
    expected = ("second", seq, later) if wins else ("first", 5, T0)
    assert (result.answer, result.seq, result.saved_at) == expected
    stored = responses.find(owner.interview_id, "q1")
    assert (stored.answer, stored.seq, stored.saved_at) == expected


def test_a_save_for_a_response_not_created_yet_inserts_it(responses, owner):
    result, won = responses.save_answer(owner, "q9", "text:why", "an answer", 3, T0)
    assert won
    stored = responses.find(owner.interview_id, "q9")
    assert stored.id == result.id
    assert (stored.answer, stored.seq, stored.candidate_id, stored.saved_at) == ("an answer", 3, owner.candidate_id, T0)
    assert (result.answer, result.seq, result.question_id) == ("an answer", 3, "q9")
    assert responses.count_answered(owner.interview_id) == 1


def test_a_closed_response_takes_no_save(responses, owner):
    responses.create_for(owner, [("q1", "g"), ("q2", "g")], T0)
    responses.save_answer(owner, "q1", "g", "before", 1, T0)
    assert responses.close_for(owner.interview_id) == 2
    assert responses.close_for(owner.interview_id) == 0  # nothing was still open
    result, won = responses.save_answer(owner, "q1", "g", "after", 99, T0 + timedelta(minutes=5))
    assert not won and result.closed and (result.answer, result.seq) == ("before", 1)
    assert responses.find(owner.interview_id, "q2").closed is True


def test_closing_one_interview_leaves_the_others_open(responses, owner):
    other = Owner(str(ObjectId()), owner.candidate_id, owner.hr_id)
    responses.create_for(owner, [("q1", "g")], T0)
    responses.create_for(other, [("q1", "g")], T0)
    assert responses.close_for(owner.interview_id) == 1
    assert responses.find(other.interview_id, "q1").closed is False
    assert responses.save_answer(other, "q1", "g", "still open", 1, T0)[1] is True


def test_add_missing_adds_only_the_missing_responses(responses, owner):
    responses.create_for(owner, [("q1", "g")], T0)
    responses.save_answer(owner, "q1", "g", "kept", 2, T0)
    responses.add_missing(owner, [("q1", "g"), ("q2", "h")], T0 + timedelta(hours=1))
    stored = responses.for_interview(owner.interview_id)
    assert (stored["q1"].answer, stored["q1"].seq) == ("kept", 2)
    assert (stored["q2"].answer, stored["q2"].seq) == ("", 0)
    assert stored["q2"].saved_at == T0 + timedelta(hours=1)


def test_batch_reads_group_by_interview_and_count_non_empty_answers(responses, owner):
    other = Owner(str(ObjectId()), owner.candidate_id, None)
    nobody = str(ObjectId())
    responses.create_for(owner, [("q1", "g"), ("q2", "g"), ("q3", "g")], T0)
    responses.create_for(other, [("q1", "g")], T0)
    responses.save_answer(owner, "q1", "g", "one", 1, T0)
    responses.save_answer(owner, "q2", "g", "two", 1, T0)
    responses.save_answer(other, "q1", "g", "", 1, T0)  # saved blank: not an answer

    batch = responses.for_interviews([owner.interview_id, other.interview_id, nobody])
    assert sorted(batch) == sorted([owner.interview_id, other.interview_id, nobody])
    assert sorted(batch[owner.interview_id]) == ["q1", "q2", "q3"] and batch[nobody] == {}
    assert batch[owner.interview_id]["q2"].answer == "two"
    assert responses.answered_counts([owner.interview_id, other.interview_id, nobody]) == {
        owner.interview_id: 2, other.interview_id: 0, nobody: 0}
    assert responses.count_answered(owner.interview_id) == 2
    assert responses.count_answered(other.interview_id) == 0


def _score(responses, owner, question_id, hr_score, ai_score):
    r = responses.find(owner.interview_id, question_id)
    fields = {"score": hr_score, "scored_at": T0}
    if ai_score is not None:
        fields["ai_evaluation"] = {"score": ai_score}
    assert responses.set_fields(r.id, **fields) is True
    return r


def test_scored_pairs_need_both_scores_and_follow_the_hr_scope(responses, owner):
    hr_b = str(ObjectId())
    theirs = Owner(str(ObjectId()), str(ObjectId()), hr_b)
    responses.create_for(owner, [("q1", "text:a"), ("q2", "text:b"), ("q3", "text:c")], T0)
    responses.create_for(theirs, [("q1", "text:a")], T0)
    _score(responses, owner, "q1", 7, 6.5)
    _score(responses, owner, "q2", 0, 0)  # zero is a score
    _score(responses, owner, "q3", 5, None)  # no AI score
    _score(responses, theirs, "q1", 9, 1)

    mine = sorted(responses.iter_scored_pairs(owner.hr_id), key=lambda p: p["question_id"])
    assert mine == [
        {"interview_id": owner.interview_id, "question_id": "q1", "candidate_id": owner.candidate_id,
         "group": "text:a", "hr_score": 7.0, "ai_score": 6.5, "scored_at": T0},
        {"interview_id": owner.interview_id, "question_id": "q2", "candidate_id": owner.candidate_id,
         "group": "text:b", "hr_score": 0.0, "ai_score": 0.0, "scored_at": T0},
    ]
    assert all(isinstance(p["hr_score"], float) and isinstance(p["ai_score"], float) for p in mine)
    everyone = list(responses.iter_scored_pairs(None))
    assert len(everyone) == 3 and {p["candidate_id"] for p in everyone} == {owner.candidate_id, theirs.candidate_id}


def test_a_candidates_responses_move_with_them_to_a_new_hr_user(responses, owner):
    hr_b = str(ObjectId())
    responses.create_for(owner, [("q1", "g"), ("q2", "g")], T0)
    _score(responses, owner, "q1", 7, 6)
    assert responses.set_hr_for_candidate(owner.candidate_id, hr_b) == 2
    assert list(responses.iter_scored_pairs(owner.hr_id)) == []
    assert [p["question_id"] for p in responses.iter_scored_pairs(hr_b)] == ["q1"]
    assert responses.set_hr_for_candidate(owner.candidate_id, None) == 2
    assert list(responses.iter_scored_pairs(hr_b)) == []


def test_set_fields_stores_times_in_utc_and_reads_them_back_aware(responses, owner):
    responses.create_for(owner, [("q1", "g")], T0)
    r = responses.find(owner.interview_id, "q1")
    from datetime import timezone

    local = datetime(2026, 3, 2, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    assert responses.set_fields(r.id, score=4.5, feedback="ok", scored_by=owner.hr_id, scored_at=local)
    stored = responses.get(r.id)
    assert (stored.score, stored.feedback, stored.scored_by) == (4.5, "ok", owner.hr_id)
    assert stored.scored_at == datetime(2026, 3, 2, 10, 0, tzinfo=UTC) and stored.scored_at.utcoffset() == timedelta(0)


def test_a_save_that_loses_every_insert_race_returns_what_the_winner_stored(responses, owner):
    """Three rounds in a row, another save inserts the response between this save's read and its
    insert: the save gives up and returns the stored response, not won."""
    from pymongo.errors import DuplicateKeyError

    responses.create_for(owner, [("q1", "g")], T0)
    responses.save_answer(owner, "q1", "g", "the winner", 9, T0)
    real = responses.col

    class Racing:
        """The collection as this save sees it while other saves keep winning the insert."""

        def __init__(self):
            self.reads = 0

        def find_one_and_update(self, *args, **kwargs):
            return None  # the conditional update finds nothing yet ...

        def find_one(self, *args, **kwargs):
            self.reads += 1
            return None if self.reads <= 3 else real.find_one(*args, **kwargs)  # ... nor does the read

        def insert_one(self, doc):
            raise DuplicateKeyError("E11000 duplicate key")  # ... and the insert comes second

    responses.col = Racing()
    try:
        result, won = responses.save_answer(owner, "q1", "g", "late", 10, T0)
    finally:
        responses.col = real
    assert not won and (result.answer, result.seq) == ("the winner", 9)
