"""The lifecycle rules, called as services (no Flask request)."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from support import saved

from interviewer.errors import Conflict, InvalidTransition, NotFound, ValidationError
from interviewer.models import CANCELLED, COMPLETED, EVALUATED, IN_PROGRESS, INTERVIEW_STATUSES, SCHEDULED
from interviewer.services import interviews as svc
from interviewer.services import questions as question_service

LEGAL = {
    (SCHEDULED, IN_PROGRESS), (SCHEDULED, CANCELLED), (IN_PROGRESS, COMPLETED), (IN_PROGRESS, CANCELLED),
    (COMPLETED, EVALUATED),
}


@pytest.mark.parametrize("current", INTERVIEW_STATUSES)
@pytest.mark.parametrize("target", INTERVIEW_STATUSES)
def test_every_transition_is_legal_or_refused_with_a_message(current, target):
    if (current, target) in LEGAL:
        svc.check_transition(current, target)
    else:
        with pytest.raises(InvalidTransition) as info:
            svc.check_transition(current, target)
        assert info.value.message and info.value.status == 409


@pytest.mark.parametrize("current", INTERVIEW_STATUSES)
@pytest.mark.parametrize("target", INTERVIEW_STATUSES)
def test_transition_applies_to_the_stored_interview(repos, world, schedule, current, target):
    interview = schedule(world["hr_a"], world["cand_a"])
    repos.interviews.set_fields(interview.id, status=current)
    interview = repos.interviews.get(interview.id)
    if (current, target) in LEGAL:
        assert svc.transition(repos, interview, target).status == target
    else:
        with pytest.raises(InvalidTransition):
            svc.transition(repos, interview, target)
        assert repos.interviews.get(interview.id).status == current


def test_transition_is_compare_and_set(repos, world, schedule):
    interview = schedule(world["hr_a"], world["cand_a"])
    stale = repos.interviews.get(interview.id)
    svc.transition(repos, interview, CANCELLED)
    with pytest.raises(InvalidTransition):
        svc.transition(repos, stale, IN_PROGRESS)
    assert repos.interviews.get(interview.id).status == CANCELLED


# --- scheduling -----------------------------------------------------------------------------

def _req(candidate, now, **over):
    base = dict(candidate_id=candidate.id, job_title="Engineer", job_description="Python",
                starts_at=now - timedelta(hours=1), deadline=now + timedelta(days=1), num_questions=5)
    base.update(over)
    return svc.ScheduleRequest(**base)


def test_default_draft_has_the_asked_number_and_a_category_spread(repos, world, now):
    draft = svc.draft_questions(repos, world["hr_a"], _req(world["cand_a"], now, num_questions=10), now)
    assert len(draft.questions) == 10
    assert {q.category for q in draft.questions} == {"technical", "behavioural", "situational"}
    assert len({q.id for q in draft.questions}) == 10
    assert all(q.reference_answer for q in draft.questions)


@pytest.mark.parametrize("over, field", [
    ({"job_title": " "}, "job_title"),
    ({"deadline_before_start": True}, "deadline"),
    ({"num_questions": 0}, "num_questions"),
    ({"num_questions": 51}, "num_questions"),
    ({"starts_at": None}, "starts_at"),
    ({"source": "magic"}, "question_source"),
    ({"source": "custom"}, "questions"),
    ({"deadline_in_past": True}, "deadline"),
])
def test_bad_schedule_requests_name_the_field_and_change_nothing(repos, world, now, over, field):
    over = dict(over)
    if over.pop("deadline_before_start", False):
        over.update(starts_at=now + timedelta(days=2), deadline=now + timedelta(days=1))
    if over.pop("deadline_in_past", False):
        over.update(starts_at=now - timedelta(days=2), deadline=now - timedelta(days=1))
    with pytest.raises(ValidationError) as info:
        svc.draft_questions(repos, world["hr_a"], _req(world["cand_a"], now, **over), now)
    assert field in info.value.details
    assert repos.interviews.search().total == 0


def test_scheduling_an_unassigned_candidate_is_a_conflict(repos, world, now):
    with pytest.raises(Conflict) as info:
        svc.draft_questions(repos, world["admin"], _req(world["cand_free"], now), now)
    assert "not assigned" in info.value.message
    with pytest.raises(Conflict):
        svc.schedule(repos, world["admin"], _req(world["cand_free"], now), [{"text": "Q?"}], now)
    assert repos.interviews.search().total == 0


def test_hr_cannot_schedule_another_hrs_candidate(repos, world, now):
    with pytest.raises(NotFound):
        svc.schedule(repos, world["hr_a"], _req(world["cand_b"], now), [{"text": "Q?"}], now)
    assert svc.find_schedulable(repos, world["hr_a"]).items == [world["cand_a"]]
    assert {c.id for c in svc.find_schedulable(repos, world["admin"]).items} == {world["cand_a"].id, world["cand_b"].id}
    assert svc.find_schedulable(repos, world["cand_a"]).items == []


@pytest.mark.parametrize("items, key", [
    ([], "questions"),
    ([{"text": ""}], "questions.1.text"),
    ([{"text": "ok"}, {"text": "ok", "difficulty": "9"}], "questions.2.difficulty"),
    ([{"text": "x"}] * 51, "questions"),
])
def test_bad_drafts_are_refused(repos, world, now, items, key):
    with pytest.raises(ValidationError) as info:
        svc.schedule(repos, world["hr_a"], _req(world["cand_a"], now), items, now)
    assert key in info.value.details
    assert repos.interviews.search().total == 0


def test_hand_picked_keeps_the_order_given(repos, world, now):
    bank = repos.questions.list()
    picks = [bank[5].id, bank[0].id, bank[9].id]
    draft = svc.draft_questions(repos, world["hr_a"], _req(world["cand_a"], now, source="custom", picked_ids=picks), now)
    assert [q.text for q in draft.questions] == [bank[5].text, bank[0].text, bank[9].text]


def test_generated_uses_the_provider_and_falls_back_visibly(repos, world, now):
    from interviewer.ai.local import LocalProvider

    req = _req(world["cand_a"], now, source="generated", job_description="Python Flask SQL developer")
    draft = svc.draft_questions(repos, world["hr_a"], req, now, LocalProvider())
    assert len(draft.questions) == 5 and not draft.notice
    assert all(q.source == "generated" for q in draft.questions)
    assert all(q.reference_answer or q.key_points for q in draft.questions)

    class Broken:
        def generate_questions(self, *args, **kwargs):
            raise RuntimeError("boom")

    fallback = svc.draft_questions(repos, world["hr_a"], req, now, Broken())
    assert len(fallback.questions) == 5 and "default set" in fallback.notice
    assert svc.draft_questions(repos, world["hr_a"], req, now, None).notice


def test_the_snapshot_ignores_later_bank_edits(repos, world, schedule):
    interview = schedule(world["hr_a"], world["cand_a"], n=3)
    first = interview.questions[0]
    bank_question = repos.questions.by_key(first.source.split(":", 1)[1])
    question_service.update(repos, bank_question.id, {**bank_question.__dict__, "text": "Changed in the bank"})
    again = repos.interviews.get(interview.id)
    assert again.questions[0].text == first.text
    assert again.questions[0].id == first.id


def test_cancel_only_before_completion(repos, world, schedule, now):
    interview = schedule(world["hr_a"], world["cand_a"])
    assert svc.cancel(repos, world["hr_a"], interview.id, now).status == CANCELLED
    done = schedule(world["hr_a"], world["cand_a"])
    svc.save_answer(repos, world["cand_a"], done.id, done.questions[0].id, "hi", now)
    svc.submit(repos, world["cand_a"], done.id, now)
    with pytest.raises(InvalidTransition):
        svc.cancel(repos, world["hr_a"], done.id, now)
    with pytest.raises(NotFound):
        svc.cancel(repos, world["hr_b"], interview.id, now)


# --- answers --------------------------------------------------------------------------------

def test_first_save_starts_the_interview(repos, world, schedule, now):
    interview = schedule(world["hr_a"], world["cand_a"])
    result = svc.save_answer(repos, world["cand_a"], interview.id, interview.questions[0].id, "An answer", now)
    assert result.applied
    stored = repos.interviews.get(interview.id)
    assert stored.status == IN_PROGRESS and stored.started_at is not None and stored.last_activity_at is not None


def test_saves_are_idempotent_and_ordered(repos, world, schedule, now):
    interview = schedule(world["hr_a"], world["cand_a"])
    qid, cand = interview.questions[0].id, world["cand_a"]
    assert svc.save_answer(repos, cand, interview.id, qid, "newest", now, seq=200).applied
    stale = svc.save_answer(repos, cand, interview.id, qid, "older", now, seq=100)
    assert not stale.applied and stale.reason == "stale"
    same = svc.save_answer(repos, cand, interview.id, qid, "replayed", now, seq=200)
    assert not same.applied
    assert repos.responses.find(interview.id, qid).answer == "newest"
    assert repos.db.responses.count_documents({"interview_id": interview.id, "question_id": qid}) == 1
    assert repos.db.responses.count_documents({}) == len(interview.questions)  # created with the interview
    # A form post without a sequence number is the newest by definition.
    assert svc.save_answer(repos, cand, interview.id, qid, "from the form", now).applied
    assert repos.responses.find(interview.id, qid).answer == "from the form"


def test_parallel_saves_of_one_answer_make_one_document_and_the_highest_seq_wins(app, repos, world, schedule, now):
    interview = schedule(world["hr_a"], world["cand_a"])
    qid = interview.questions[0].id
    errors = []

    def save(seq):
        try:
            with app.app_context():
                svc.save_answer(repos, world["cand_a"], interview.id, qid, f"text {seq}", now, seq=seq)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=save, args=(seq,)) for seq in range(1, 21)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert repos.db.responses.count_documents({"question_id": qid}) == 1
    assert repos.responses.find(interview.id, qid).answer == "text 20"


def test_an_empty_save_keeps_a_written_answer_unless_cleared_on_purpose(repos, world, schedule, now):
    interview = schedule(world["hr_a"], world["cand_a"])
    qid, cand = interview.questions[0].id, world["cand_a"]
    svc.save_answer(repos, cand, interview.id, qid, "Something", now, seq=1)
    kept = svc.save_answer(repos, cand, interview.id, qid, "  ", now, seq=2)
    assert kept.reason == "kept" and repos.responses.find(interview.id, qid).answer == "Something"
    cleared = svc.save_answer(repos, cand, interview.id, qid, "", now, seq=3, cleared=True)
    assert cleared.applied and repos.responses.find(interview.id, qid).answer == ""


def test_a_whitespace_answer_is_no_answer_everywhere(repos, world, schedule, now):
    interview = schedule(world["hr_a"], world["cand_a"])
    qid, cand = interview.questions[0].id, world["cand_a"]
    svc.save_answer(repos, cand, interview.id, qid, "Something", now, seq=1)
    svc.save_answer(repos, cand, interview.id, qid, "   \n ", now, seq=2, cleared=True)
    assert repos.responses.find(interview.id, qid).answer == ""
    # HR's progress (a database count) and the candidate's view (the loaded answers) agree
    responses = repos.responses.for_interview(interview.id)
    assert svc.progress(repos, interview).answered == svc.answered_count(interview, responses) == 0


@pytest.mark.parametrize("answer, qid, seq, field", [
    ("x" * 20_001, None, None, "answer"),
    ({"$ne": None}, None, None, "answer"),
    ("ok", "no-such-question", None, "question_id"),
    ("ok", {"$ne": None}, None, "question_id"),
    ("ok", None, "abc", "seq"),
    ("ok", None, -5, "seq"),
    ("ok", None, 2**60, "seq"),
])
def test_bad_answers_are_refused_and_change_nothing(repos, world, schedule, now, answer, qid, seq, field):
    interview = schedule(world["hr_a"], world["cand_a"])
    with pytest.raises(ValidationError) as info:
        svc.save_answer(repos, world["cand_a"], interview.id, qid or interview.questions[0].id, answer, now, seq=seq)
    assert field in info.value.details
    assert nothing_saved(repos, interview)
    assert repos.interviews.get(interview.id).status == SCHEDULED


def test_an_answer_of_exactly_the_limit_is_kept_whole(repos, world, schedule, now):
    interview = schedule(world["hr_a"], world["cand_a"])
    text = "é" * 20_000
    svc.save_answer(repos, world["cand_a"], interview.id, interview.questions[0].id, text, now)
    assert repos.responses.find(interview.id, interview.questions[0].id).answer == text


def nothing_saved(repos, interview) -> bool:
    """Every question still has its empty response from scheduling, and no save was applied."""
    stored = repos.responses.for_interview(interview.id)
    return sorted(stored) == sorted(q.id for q in interview.questions) and saved(stored) == {}


# --- the time window ------------------------------------------------------------------------

def test_no_answer_before_the_start(repos, world, schedule, now):
    interview = schedule(world["hr_a"], world["cand_a"], start=now + timedelta(hours=2), deadline=now + timedelta(days=1))
    with pytest.raises(Conflict) as info:
        svc.save_answer(repos, world["cand_a"], interview.id, interview.questions[0].id, "early", now)
    assert "opens at" in info.value.message
    assert nothing_saved(repos, interview)


def test_after_the_deadline_the_interview_closes_as_it_stands(repos, world, schedule, now):
    interview = schedule(world["hr_a"], world["cand_a"], start=now - timedelta(hours=2), deadline=now + timedelta(hours=1))
    qid = interview.questions[0].id
    svc.save_answer(repos, world["cand_a"], interview.id, qid, "Saved in time", now)
    later = now + timedelta(hours=2)
    with pytest.raises(Conflict) as info:
        svc.save_answer(repos, world["cand_a"], interview.id, qid, "Too late", later)
    assert "read-only" in info.value.message or "deadline" in info.value.message
    closed = repos.interviews.get(interview.id)
    assert closed.status == COMPLETED and closed.closed_reason == "deadline"
    assert closed.completed_at == interview.deadline
    assert repos.responses.find(interview.id, qid).answer == "Saved in time"


def test_close_expired_completes_only_started_interviews(repos, world, schedule, now):
    started = schedule(world["hr_a"], world["cand_a"], deadline=now + timedelta(minutes=5))
    svc.save_answer(repos, world["cand_a"], started.id, started.questions[0].id, "a", now)
    never = schedule(world["hr_a"], world["cand_a"], deadline=now + timedelta(minutes=5))
    assert svc.close_expired(repos, now + timedelta(minutes=10)) == 1
    assert repos.interviews.get(started.id).status == COMPLETED
    missed = repos.interviews.get(never.id)
    assert missed.status == SCHEDULED and svc.is_missed(missed, now + timedelta(minutes=10))


# --- submission and resuming ----------------------------------------------------------------

def test_submit_completes_and_makes_answers_read_only(repos, world, schedule, now):
    interview = schedule(world["hr_a"], world["cand_a"])
    qid = interview.questions[0].id
    svc.save_answer(repos, world["cand_a"], interview.id, qid, "Final", now)
    done = svc.submit(repos, world["cand_a"], interview.id, now)
    assert done.status == COMPLETED and done.closed_reason == "submitted" and done.completed_at is not None
    with pytest.raises(Conflict):
        svc.save_answer(repos, world["cand_a"], interview.id, qid, "Changed", now)
    with pytest.raises(Conflict):
        svc.submit(repos, world["cand_a"], interview.id, now)
    assert repos.responses.find(interview.id, qid).answer == "Final"


def test_submit_without_answers_still_follows_the_state_machine(repos, world, schedule, now):
    interview = schedule(world["hr_a"], world["cand_a"])
    done = svc.submit(repos, world["cand_a"], interview.id, now)
    assert done.status == COMPLETED and done.started_at is not None


def test_once_answering_is_over_every_question_has_a_response_to_score(repos, world, schedule, now):
    interview = schedule(world["hr_a"], world["cand_a"], n=3, deadline=now + timedelta(hours=1))
    svc.save_answer(repos, world["cand_a"], interview.id, interview.questions[1].id, "only this", now)
    svc.close_if_expired(repos, repos.interviews.get(interview.id), now + timedelta(hours=2))
    responses = repos.responses.for_interview(interview.id)
    assert set(responses) == {q.id for q in interview.questions}
    assert responses[interview.questions[1].id].answer == "only this"
    assert responses[interview.questions[0].id].answer == ""


def test_resume_at_the_first_unanswered_question(repos, world, schedule, now):
    interview = schedule(world["hr_a"], world["cand_a"], n=4)
    qs = interview.questions
    for q in (qs[0], qs[2]):
        svc.save_answer(repos, world["cand_a"], interview.id, q.id, "done", now)
    responses = repos.responses.for_interview(interview.id)
    assert svc.first_unanswered(interview, responses) == 1
    assert svc.answered_count(interview, responses) == 2


# --- access ---------------------------------------------------------------------------------

@pytest.mark.parametrize("viewer, visible", [
    ("admin", True), ("hr_a", True), ("cand_a", True), ("hr_b", False), ("cand_b", False), ("cand_free", False),
])
def test_who_sees_an_interview(repos, world, schedule, now, viewer, visible):
    interview = schedule(world["hr_a"], world["cand_a"])
    if visible:
        assert svc.get_visible(repos, world[viewer], interview.id, now).id == interview.id
    else:
        with pytest.raises(NotFound):
            svc.get_visible(repos, world[viewer], interview.id, now)


def test_another_candidate_cannot_answer(repos, world, schedule, now):
    interview = schedule(world["hr_a"], world["cand_a"])
    with pytest.raises(NotFound):
        svc.save_answer(repos, world["cand_b"], interview.id, interview.questions[0].id, "mine", now)


def test_reassignment_moves_visibility_to_the_new_hr(repos, world, schedule, now):
    from interviewer.services import users

    interview = schedule(world["hr_a"], world["cand_a"])
    users.assign(repos, world["cand_a"].id, world["hr_b"].id)
    assert svc.get_visible(repos, world["hr_b"], interview.id, now)
    with pytest.raises(NotFound):
        svc.get_visible(repos, world["hr_a"], interview.id, now)


def test_hr_lists_only_their_candidates(repos, world, schedule, now):
    mine = schedule(world["hr_a"], world["cand_a"])
    schedule(world["hr_b"], world["cand_b"])
    assert [i.id for i in svc.list_for(repos, world["hr_a"], now).items] == [mine.id]
    assert svc.list_for(repos, world["admin"], now).total == 2
    assert svc.list_for(repos, world["hr_a"], now, candidate_id=world["cand_b"].id).total == 0
    with pytest.raises(NotFound):
        svc.list_for(repos, world["cand_a"], now)


def test_list_filters_and_paginates(repos, world, schedule, now):
    for k in range(5):
        schedule(world["hr_a"], world["cand_a"], start=now - timedelta(hours=5 - k))
    page = svc.list_for(repos, world["hr_a"], now, page=2, per_page=2)
    assert page.total == 5 and page.pages == 3 and len(page.items) == 2
    first = svc.list_for(repos, world["hr_a"], now, per_page=5).items
    assert [i.starts_at for i in first] == sorted((i.starts_at for i in first), reverse=True)
    assert svc.list_for(repos, world["hr_a"], now, statuses=[COMPLETED]).total == 0
    assert svc.list_for(repos, world["hr_a"], now, job_title="backend").total == 5
    assert svc.list_for(repos, world["hr_a"], now, job_title=".*").total == 0


# --- HR review ------------------------------------------------------------------------------

@pytest.fixture
def completed(repos, world, schedule, now):
    interview = schedule(world["hr_a"], world["cand_a"])
    svc.save_answer(repos, world["cand_a"], interview.id, interview.questions[0].id, "An answer", now)
    return svc.submit(repos, world["cand_a"], interview.id, now)


@pytest.mark.parametrize("value, expected", [("7.5", 7.5), (0, 0.0), ("10", 10.0), ("3,5", 3.5)])
def test_scores_in_range_are_kept(value, expected):
    assert svc.parse_score(value) == expected


@pytest.mark.parametrize("value", ["-0.1", "10.1", "11", "abc", "", None, "7.25", "nan", "inf", True, {"$gt": 1}])
def test_scores_outside_0_10_are_refused(value):
    with pytest.raises(ValidationError) as info:
        svc.parse_score(value)
    assert "0 to 10" in info.value.message


def test_scoring_and_overall_result(repos, world, completed, now):
    q0, q1 = completed.questions[0], completed.questions[1]
    svc.score_response(repos, world["hr_a"], completed.id, q0.id, "8.5", "Good", now)
    unanswered = svc.score_response(repos, world["hr_a"], completed.id, q1.id, "0", "No answer", now)
    assert unanswered.answer == "" and unanswered.score == 0.0
    assert repos.responses.find(completed.id, q0.id).score == 8.5
    with pytest.raises(ValidationError):
        svc.score_response(repos, world["hr_a"], completed.id, q0.id, "12", "", now)
    assert repos.responses.find(completed.id, q0.id).score == 8.5
    result = svc.record_result(repos, world["hr_a"], completed.id, "7", "Solid", now)
    assert result.status == EVALUATED and result.overall_score == 7.0 and not result.shared
    again = svc.record_result(repos, world["hr_a"], completed.id, "7.5", "Solid+", now, share=True)
    assert again.status == EVALUATED and again.overall_score == 7.5 and again.shared


def test_scoring_needs_a_completed_interview(repos, world, schedule, now):
    interview = schedule(world["hr_a"], world["cand_a"])
    with pytest.raises(Conflict):
        svc.score_response(repos, world["hr_a"], interview.id, interview.questions[0].id, "5", "", now)
    with pytest.raises(Conflict):
        svc.record_result(repos, world["hr_a"], interview.id, "5", "", now)
    assert repos.interviews.get(interview.id).status == SCHEDULED


def test_other_hr_cannot_score(repos, world, completed, now):
    with pytest.raises(NotFound):
        svc.score_response(repos, world["hr_b"], completed.id, completed.questions[0].id, "5", "", now)
    with pytest.raises(NotFound):
        svc.record_result(repos, world["hr_b"], completed.id, "5", "", now)
    with pytest.raises(NotFound):
        svc.record_result(repos, world["cand_a"], completed.id, "10", "", now)


def test_the_candidate_sees_the_result_only_once_shared(repos, world, completed, now):
    assert svc.candidate_result(repos.interviews.get(completed.id)) == (None, "")
    with pytest.raises(Conflict):
        svc.set_shared(repos, world["hr_a"], completed.id, True, now)
    svc.record_result(repos, world["hr_a"], completed.id, "6", "Fine", now)
    assert svc.candidate_result(repos.interviews.get(completed.id)) == (None, "")
    shared = svc.set_shared(repos, world["hr_a"], completed.id, True, now)
    assert svc.candidate_result(shared) == (6.0, "Fine")
    hidden = svc.set_shared(repos, world["hr_a"], completed.id, False, now)
    assert svc.candidate_result(hidden) == (None, "")


def test_dashboard_groups(repos, world, schedule, now):
    upcoming = schedule(world["hr_a"], world["cand_a"], start=now + timedelta(hours=1), deadline=now + timedelta(days=1))
    going = schedule(world["hr_a"], world["cand_a"])
    svc.save_answer(repos, world["cand_a"], going.id, going.questions[0].id, "x", now)
    done = schedule(world["hr_a"], world["cand_a"])
    svc.submit(repos, world["cand_a"], done.id, now)
    board = svc.dashboard(repos, world["cand_a"], now)
    assert [i.id for i in board.upcoming] == [upcoming.id]
    assert [i.id for i in board.in_progress] == [going.id]
    assert [i.id for i in board.history] == [done.id]
    assert svc.dashboard(repos, world["cand_b"], now).upcoming == []
