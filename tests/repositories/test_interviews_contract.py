"""The interviews repository's contract, on every backend: what an insert stores and reads back,
the compare-and-set writes, list filters, paging and order (several statuses merged), batch reads."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from bson import ObjectId

from interviewer.models import Interview, Question
from interviewer.repositories.interviews import scope_filter

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def oid():
    return str(ObjectId())


@pytest.fixture
def interviews(repos):
    return repos.interviews


@pytest.fixture
def people():
    return {"hr_a": oid(), "hr_b": oid(), "cand_a": oid(), "cand_b": oid()}


def make(interviews, candidate_id, hr_id, *, start=T0, status="scheduled", title="Data engineer", id=None, **extra):
    return interviews.insert(Interview(
        id=id or "", candidate_id=candidate_id, hr_id=hr_id, job_title=title, job_description="SQL",
        starts_at=start, deadline=start + timedelta(days=1), status=status,
        questions=[Question(id="q1", text="What is an index?", key_points=["speed"], source="bank:idx")], **extra))


def test_an_insert_reads_back_as_it_was_given(interviews, people):
    given_id = interviews.new_id()
    stored = make(interviews, people["cand_a"], people["hr_a"], id=given_id, created_by=people["hr_a"],
                  created_at=T0 - timedelta(hours=1), overall_feedback="", question_source="custom")
    assert stored.id == given_id and interviews.get(given_id) == stored
    assert (stored.candidate_id, stored.hr_id, stored.created_by) == (people["cand_a"], people["hr_a"], people["hr_a"])
    assert (stored.job_title, stored.job_description, stored.status, stored.question_source) == (
        "Data engineer", "SQL", "scheduled", "custom")
    assert stored.questions == [Question(id="q1", text="What is an index?", key_points=["speed"], source="bank:idx")]
    assert stored.starts_at == T0 and stored.deadline == T0 + timedelta(days=1)
    assert stored.created_at == T0 - timedelta(hours=1) and stored.started_at is None
    assert (stored.closed_reason, stored.overall_score, stored.overall_feedback, stored.shared) == (None, None, "", False)


def test_an_insert_without_an_id_gets_one_and_an_interview_may_have_no_hr_user(interviews, people):
    stored = make(interviews, people["cand_a"], None)
    assert ObjectId.is_valid(stored.id) and stored.hr_id is None and stored.created_by is None


def test_a_document_stored_before_the_optional_fields_existed_reads_with_their_defaults(interviews, people):
    key = interviews.col.insert_one({
        "candidate_id": ObjectId(people["cand_a"]), "hr_id": None, "job_title": "Old", "status": "completed",
        "starts_at": T0.replace(tzinfo=None), "deadline": (T0 + timedelta(days=1)).replace(tzinfo=None)}).inserted_id
    old = interviews.get(str(key))
    assert (old.job_description, old.questions, old.question_source, old.created_by, old.closed_reason) == (
        "", [], "default", None, None)
    assert (old.overall_score, old.overall_feedback, old.shared, old.completed_at) == (None, "", False, None)


def test_unknown_or_malformed_ids_find_nothing(interviews, people):
    assert interviews.get("nope") is None and interviews.get(oid()) is None
    assert interviews.by_ids([]) == {} and interviews.by_ids(["nope"]) == {}
    known = make(interviews, people["cand_a"], people["hr_a"])
    assert list(interviews.by_ids([known.id, known.id, oid(), "nope"])) == [known.id]


def test_a_transition_happens_only_from_the_given_statuses(interviews, people):
    iv = make(interviews, people["cand_a"], people["hr_a"])
    assert interviews.transition(iv.id, ("completed",), "evaluated") is False
    assert interviews.get(iv.id).status == "scheduled"
    started = T0 + timedelta(minutes=5)
    assert interviews.transition(iv.id, ("scheduled", "in_progress"), "in_progress", started_at=started) is True
    stored = interviews.get(iv.id)
    assert (stored.status, stored.started_at) == ("in_progress", started)
    assert interviews.transition(iv.id, ("scheduled",), "cancelled") is False


def test_a_result_is_replaced_only_while_it_is_the_one_recorded_at_that_time(interviews, people):
    iv = make(interviews, people["cand_a"], people["hr_a"], status="evaluated", evaluated_at=T0, overall_score=5.0)
    assert interviews.update_result(iv.id, T0 - timedelta(seconds=1), overall_score=9.0) is False
    assert interviews.update_result(iv.id, T0, overall_score=7.5, evaluated_at=T0 + timedelta(minutes=1)) is True
    stored = interviews.get(iv.id)
    assert (stored.overall_score, stored.evaluated_at) == (7.5, T0 + timedelta(minutes=1))
    assert interviews.update_result(iv.id, T0, overall_score=1.0) is False  # recorded again meanwhile
    pending = make(interviews, people["cand_a"], people["hr_a"], status="completed", evaluated_at=T0)
    assert interviews.update_result(pending.id, T0, overall_score=3.0) is False  # not evaluated


def test_set_fields_may_require_a_status(interviews, people):
    iv = make(interviews, people["cand_a"], people["hr_a"], status="evaluated")
    assert interviews.set_fields(iv.id, ("completed",), shared=True) is False
    assert interviews.get(iv.id).shared is False
    assert interviews.set_fields(iv.id, ("completed", "evaluated"), shared=True) is True
    assert interviews.set_fields(iv.id, None, last_activity_at=T0) is True
    stored = interviews.get(iv.id)
    assert stored.shared is True and stored.last_activity_at == T0
    assert interviews.set_fields(oid(), None, shared=True) is False


def test_the_scope_filter_selects_by_hr_user_candidates_status_and_title(interviews, people):
    a1 = make(interviews, people["cand_a"], people["hr_a"], title="Data Engineer", start=T0)
    a2 = make(interviews, people["cand_a"], people["hr_a"], title="Backend developer", status="completed",
              start=T0 + timedelta(days=1))
    b1 = make(interviews, people["cand_b"], people["hr_b"], title="data scientist", status="evaluated",
              start=T0 + timedelta(days=2))

    def found(**kw):
        return [i.id for i in interviews.search(scope_filter(**kw)).items]

    assert found() == [b1.id, a2.id, a1.id]
    assert found(hr_id=people["hr_a"]) == [a2.id, a1.id]
    assert found(candidate_ids=[people["cand_b"]]) == [b1.id]
    assert found(candidate_ids=[people["cand_a"], people["cand_b"], "nope"]) == [b1.id, a2.id, a1.id]
    assert found(candidate_ids=["nope"]) == []
    assert found(candidate_ids=[]) == []
    assert found(statuses=["completed"]) == [a2.id]
    assert found(statuses=["completed", "evaluated"]) == [b1.id, a2.id]
    assert found(job_title="DATA") == [b1.id, a1.id]
    assert found(job_title="data.") == []  # literal text, not a pattern
    assert found(hr_id=people["hr_a"], statuses=["scheduled"], job_title="engineer") == [a1.id]


def test_pages_count_every_match_and_keep_the_order_across_statuses(interviews, people):
    made = [make(interviews, people["cand_a"], people["hr_a"], status=("scheduled", "completed")[n % 2],
                 start=T0 + timedelta(hours=n)) for n in range(5)]
    both = scope_filter(statuses=["scheduled", "completed"])
    first = interviews.search(both, page=1, per_page=2)
    assert ([i.id for i in first.items], first.page, first.per_page, first.total) == (
        [made[4].id, made[3].id], 1, 2, 5)
    last = interviews.search(both, page=3, per_page=2)
    assert ([i.id for i in last.items], last.page, last.total) == ([made[0].id], 3, 5)
    oldest_first = interviews.search(both, descending=False, page=1, per_page=3)
    assert [i.id for i in oldest_first.items] == [made[0].id, made[1].id, made[2].id]
    assert [i.id for i in interviews.iter_matching(both)] == [m.id for m in reversed(made)]
    assert [i.id for i in interviews.iter_matching(scope_filter(statuses=["completed"]))] == [made[3].id, made[1].id]


def test_interviews_starting_together_are_ordered_by_id(interviews, people):
    ids = sorted(oid() for _ in range(3))
    for i in (ids[1], ids[0], ids[2]):
        make(interviews, people["cand_a"], people["hr_a"], id=i, status="scheduled" if i != ids[1] else "completed")
    both = scope_filter(statuses=["scheduled", "completed"])
    assert [i.id for i in interviews.search(both).items] == list(reversed(ids))
    assert [i.id for i in interviews.search(both, descending=False).items] == ids


def test_a_candidates_interviews_newest_first_and_their_move_to_another_hr_user(interviews, people):
    old = make(interviews, people["cand_a"], people["hr_a"], status="completed", start=T0)
    new = make(interviews, people["cand_a"], people["hr_a"], start=T0 + timedelta(days=3))
    make(interviews, people["cand_b"], people["hr_b"])
    assert [i.id for i in interviews.for_candidate(people["cand_a"])] == [new.id, old.id]
    assert [i.id for i in interviews.for_candidate(people["cand_a"], ["completed"])] == [old.id]
    assert interviews.set_hr_for_candidate(people["cand_a"], people["hr_b"]) == 2
    assert {i.hr_id for i in interviews.for_candidate(people["cand_a"])} == {people["hr_b"]}
    assert interviews.set_hr_for_candidate(people["cand_a"], None) == 2
    assert interviews.get(new.id).hr_id is None


def test_past_deadline_finds_the_given_statuses_due_by_now(interviews, people):
    due = make(interviews, people["cand_a"], people["hr_a"], status="in_progress", start=T0)  # due T0 + 1 day
    make(interviews, people["cand_a"], people["hr_a"], status="completed", start=T0)
    make(interviews, people["cand_a"], people["hr_a"], status="in_progress", start=T0 + timedelta(days=5))
    assert [i.id for i in interviews.past_deadline(T0 + timedelta(days=1), ["in_progress"])] == [due.id]
    assert interviews.past_deadline(T0 + timedelta(days=1) - timedelta(seconds=1), ["in_progress"]) == []


def test_a_page_holds_twenty_interviews_unless_told_and_its_number_is_whole(interviews, people):
    for n in range(21):
        make(interviews, people["cand_a"], people["hr_a"], start=T0 + timedelta(hours=n))
    first = interviews.search(scope_filter())
    assert (len(first.items), first.per_page, first.total) == (20, 20, 21)
    second = interviews.search(scope_filter(), page=2)
    assert (len(second.items), second.page) == (1, 2) and isinstance(second.page, int)


def test_a_result_recorded_with_an_aware_time_can_be_replaced_by_whoever_read_it(interviews, people):
    """Times written through the compare-and-set are stored as the inserted ones are, so the next
    writer that read the stored time matches it."""
    from datetime import timezone

    iv = make(interviews, people["cand_a"], people["hr_a"], status="evaluated", evaluated_at=T0, overall_score=5.0)
    local = datetime(2026, 3, 2, 12, 0, tzinfo=timezone(timedelta(hours=2)))  # 10:00 UTC
    assert interviews.update_result(iv.id, T0, overall_score=6.0, evaluated_at=local) is True
    read = interviews.get(iv.id).evaluated_at
    assert read == datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    assert interviews.update_result(iv.id, read, overall_score=7.0, evaluated_at=read + timedelta(minutes=1)) is True
    assert interviews.get(iv.id).overall_score == 7.0
