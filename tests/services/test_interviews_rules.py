"""The interview rules (services/interviews.py) as callers see them: the exact refusal each caller
shows (message, field, status), limits at the limit and one past it, what is stored after a refused
or raced write, ordering and paging of lists, progress counts, and interviews scheduled before
responses were created with them (legacy data without response documents)."""
from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta, timezone

import pytest
from bson import ObjectId

from interviewer.errors import Conflict, InvalidTransition, NotFound, ValidationError
from interviewer.models import CANCELLED, COMPLETED, EVALUATED, IN_PROGRESS, SCHEDULED, User
from interviewer.services import interviews as svc
from interviewer.services import questions as question_service

ONE = [{"text": "Explain a database index."}]


def request(world, now, **over):
    fields = dict(candidate_id=world["cand_a"].id, job_title="Engineer", job_description="Python",
                  starts_at=now - timedelta(hours=1), deadline=now + timedelta(days=1), num_questions=2)
    return svc.ScheduleRequest(**{**fields, **over})


def refusal(exc_type, call, *args, **kwargs):
    with pytest.raises(exc_type) as info:
        call(*args, **kwargs)
    return info.value


def forget_responses(repos, interview_id):
    """An interview scheduled before responses were created with it: no response documents."""
    repos.db.responses.delete_many({"interview_id": {"$in": [interview_id, ObjectId(interview_id)]}})


# --- the state machine ----------------------------------------------------------------------

@pytest.mark.parametrize(("current", "target", "message"), [
    (SCHEDULED, COMPLETED, "An interview must be started before it can be completed."),
    (SCHEDULED, EVALUATED, "Only a completed interview can be evaluated."),
    (IN_PROGRESS, EVALUATED, "Only a completed interview can be evaluated; the candidate has not submitted yet."),
    (COMPLETED, CANCELLED, "A completed interview cannot be cancelled."),
    (EVALUATED, CANCELLED, "An evaluated interview cannot be cancelled."),
    (CANCELLED, IN_PROGRESS, "This interview was cancelled."),
    (CANCELLED, COMPLETED, "This interview was cancelled."),
    (COMPLETED, IN_PROGRESS, "This interview is completed; its answers are read-only."),
    (EVALUATED, IN_PROGRESS, "This interview is evaluated; its answers are read-only."),
    (IN_PROGRESS, SCHEDULED, "An interview that is in progress cannot become scheduled."),
    (SCHEDULED, IN_PROGRESS + "_x", "An interview that is scheduled cannot become in progress x."),
])
def test_a_refused_transition_says_why_and_names_both_states(current, target, message):
    error = refusal(InvalidTransition, svc.check_transition, current, target)
    assert (error.message, error.details, error.status) == (message, {"from": current, "to": target}, 409)


def test_a_status_the_machine_does_not_know_leads_nowhere():
    error = refusal(InvalidTransition, svc.check_transition, "archived", COMPLETED)
    assert error.message == "An interview that is archived cannot become completed."


def test_a_transition_raced_by_another_one_is_refused_with_a_reload_hint(repos, world, schedule, now):
    interview = schedule(world["hr_a"], world["cand_a"])
    svc.save_answer(repos, world["cand_a"], interview.id, interview.questions[0].id, "started", now)
    error = refusal(InvalidTransition, svc.transition, repos, interview, CANCELLED)  # read while scheduled
    assert error.message == "The interview changed meanwhile; reload and try again."
    assert repos.interviews.get(interview.id).status == IN_PROGRESS


def test_a_transition_of_an_interview_deleted_meanwhile_is_not_found(repos, world, schedule):
    interview = schedule(world["hr_a"], world["cand_a"])
    repos.db.interviews.delete_one({"_id": ObjectId(interview.id)})
    assert refusal(NotFound, svc.transition, repos, interview, CANCELLED).message == "No such interview."


# --- access ---------------------------------------------------------------------------------

def test_a_role_the_service_does_not_know_sees_nothing(repos, world, schedule, now):
    interview = schedule(world["hr_a"], world["cand_a"])
    stranger = User(id=world["hr_a"].id, email="x@example.com", name="X", role="auditor")
    assert svc.may_see(repos, stranger, interview) is False
    assert refusal(NotFound, svc.get_visible, repos, stranger, interview.id, now).message == "No such interview."


def test_staff_cannot_answer_and_are_told_the_interview_does_not_exist(repos, world, schedule, now):
    interview = schedule(world["hr_a"], world["cand_a"])
    error = refusal(NotFound, svc.save_answer, repos, world["hr_a"], interview.id, interview.questions[0].id, "x", now)
    assert error.message == "No such interview."
    assert refusal(NotFound, svc.get_visible, repos, world["cand_b"], interview.id, now).message == "No such interview."


def test_an_unknown_response_is_not_found(repos, world, now):
    error = refusal(NotFound, svc.visible_response, repos, world["hr_a"], str(ObjectId()), now)
    assert error.message == "No such response."


# --- the deadline ---------------------------------------------------------------------------

def test_an_interview_in_progress_closes_at_its_deadline_instant(repos, world, schedule, now):
    interview = schedule(world["hr_a"], world["cand_a"], deadline=now + timedelta(hours=1))
    svc.save_answer(repos, world["cand_a"], interview.id, interview.questions[0].id, "kept", now)
    deadline = now + timedelta(hours=1)
    closed = svc.get_visible(repos, world["hr_a"], interview.id, deadline)
    assert (closed.status, closed.closed_reason, closed.completed_at) == (COMPLETED, "deadline", deadline)


def test_closing_a_stale_copy_returns_the_interview_as_stored(repos, world, schedule, now):
    interview = schedule(world["hr_a"], world["cand_a"], deadline=now + timedelta(hours=1))
    svc.save_answer(repos, world["cand_a"], interview.id, interview.questions[0].id, "x", now)
    stale = repos.interviews.get(interview.id)
    svc.cancel(repos, world["hr_a"], interview.id, now)
    result = svc.close_if_expired(repos, stale, now + timedelta(hours=2))
    assert (result.id, result.status) == (interview.id, CANCELLED)


def test_close_expired_counts_every_interview_it_closed(repos, world, schedule, now):
    for candidate in (world["cand_a"], world["cand_b"]):
        hr = world["hr_a"] if candidate is world["cand_a"] else world["hr_b"]
        interview = schedule(hr, candidate, deadline=now + timedelta(hours=1))
        svc.save_answer(repos, candidate, interview.id, interview.questions[0].id, "x", now)
    assert svc.close_expired(repos, now + timedelta(hours=1)) == 2


def test_a_never_started_interview_is_missed_from_its_deadline_instant(world, schedule, now):
    interview = schedule(world["hr_a"], world["cand_a"], deadline=now + timedelta(hours=1))
    assert svc.is_missed(interview, now + timedelta(hours=1)) is True
    assert svc.is_missed(interview, now + timedelta(hours=1) - timedelta(seconds=1)) is False


def test_answers_are_accepted_from_the_opening_instant_until_just_before_the_deadline(repos, world, schedule, now):
    interview = schedule(world["hr_a"], world["cand_a"], start=now, deadline=now + timedelta(hours=1))
    q = interview.questions[0].id
    assert svc.save_answer(repos, world["cand_a"], interview.id, q, "at the opening", now).applied
    last = now + timedelta(hours=1) - timedelta(seconds=1)
    assert svc.save_answer(repos, world["cand_a"], interview.id, q, "last second", last).applied


def test_at_the_deadline_instant_a_never_started_interview_takes_no_answer(repos, world, schedule, now):
    interview = schedule(world["hr_a"], world["cand_a"], deadline=now + timedelta(hours=1))
    error = refusal(Conflict, svc.save_answer, repos, world["cand_a"], interview.id, interview.questions[0].id,
                    "too late", now + timedelta(hours=1))
    assert error.message == "The deadline has passed; no more answers are accepted."
    assert repos.responses.find(interview.id, interview.questions[0].id).answer == ""


def test_before_the_opening_the_candidate_is_told_when_it_opens_in_utc(repos, world, schedule, now, monkeypatch):
    opens = datetime(2031, 5, 6, 7, 8, tzinfo=UTC)
    interview = schedule(world["hr_a"], world["cand_a"], start=opens, deadline=opens + timedelta(days=1))
    local = interview.__class__(**{**interview.__dict__, "starts_at": opens.astimezone(timezone(timedelta(hours=5)))})
    monkeypatch.setenv("TZ", "Asia/Kolkata")
    time.tzset()
    try:
        message = svc.answering_problem(local, now)
    finally:
        monkeypatch.undo()
        time.tzset()
    assert message == "This interview opens at 2031-05-06 07:08 UTC."


def test_a_cancelled_or_finished_interview_says_so_to_the_candidate(repos, world, schedule, now):
    cancelled = schedule(world["hr_a"], world["cand_a"])
    svc.cancel(repos, world["hr_a"], cancelled.id, now)
    q = cancelled.questions[0].id
    assert refusal(Conflict, svc.save_answer, repos, world["cand_a"], cancelled.id, q, "x", now).message == (
        "This interview was cancelled.")
    done = schedule(world["hr_a"], world["cand_a"])
    svc.submit(repos, world["cand_a"], done.id, now)
    assert refusal(Conflict, svc.save_answer, repos, world["cand_a"], done.id, done.questions[0].id, "x", now).message == (
        "This interview is completed; its answers are read-only.")


def test_cancelling_records_when(repos, world, schedule, now):
    interview = schedule(world["hr_a"], world["cand_a"])
    assert svc.cancel(repos, world["hr_a"], interview.id, now).cancelled_at == now
    assert repos.interviews.get(interview.id).cancelled_at == now


# --- saving answers -------------------------------------------------------------------------

@pytest.mark.parametrize(("answer", "qid", "seq", "message", "details"), [
    (42, None, None, "The answer must be text.", {"answer": "The answer must be text."}),
    ("x" * 20_001, None, None, "An answer has at most 20,000 characters (this one has 20,001).",
     {"answer": "At most 20,000 characters."}),
    ("x", "nope", None, "This interview has no such question.", {"question_id": "Unknown question."}),
    ("x", None, "1.5", "Bad sequence number.", {"seq": "Must be a whole number."}),
    ("x", None, -1, "Bad sequence number.", {"seq": "Out of range."}),
    ("x", None, 2**53, "Bad sequence number.", {"seq": "Out of range."}),
])
def test_a_refused_save_names_the_field_and_stores_nothing(repos, world, schedule, now, answer, qid, seq, message,
                                                          details):
    interview = schedule(world["hr_a"], world["cand_a"])
    q = interview.questions[0].id
    error = refusal(ValidationError, svc.save_answer, repos, world["cand_a"], interview.id, qid or q, answer, now, seq=seq)
    assert (error.message, error.details, error.status) == (message, details, 422)
    assert repos.responses.find(interview.id, q).answer == ""
    assert repos.interviews.get(interview.id).status == SCHEDULED


def test_sequence_numbers_from_zero_to_just_under_two_to_the_53_are_accepted(repos, world, schedule, now):
    interview = schedule(world["hr_a"], world["cand_a"])
    q1, q2 = interview.questions[0].id, interview.questions[1].id
    forget_responses(repos, interview.id)  # seq 0 wins only over no stored save at all
    assert svc.save_answer(repos, world["cand_a"], interview.id, q1, "first", now, seq=0).applied
    assert repos.responses.find(interview.id, q1).answer == "first"
    top = svc.save_answer(repos, world["cand_a"], interview.id, q2, "top", now, seq=str(2**53 - 1))
    assert top.applied and top.response.seq == 2**53 - 1


def test_windows_line_ends_are_stored_as_newlines(repos, world, schedule, now):
    interview = schedule(world["hr_a"], world["cand_a"])
    q = interview.questions[0].id
    svc.save_answer(repos, world["cand_a"], interview.id, q, "one\r\ntwo\r\n", now, seq=1)
    assert repos.responses.find(interview.id, q).answer == "one\ntwo\n"


def test_an_empty_seq_is_a_form_post_and_counts_as_newest(repos, world, schedule, now):
    interview = schedule(world["hr_a"], world["cand_a"])
    q = interview.questions[0].id
    ahead = int(now.timestamp() * 1000) + 60_000  # a browser whose clock runs a minute ahead
    svc.save_answer(repos, world["cand_a"], interview.id, q, "autosaved", now, seq=ahead)
    posted = svc.save_answer(repos, world["cand_a"], interview.id, q, "posted", now, seq="")
    assert (posted.applied, posted.reason, posted.response.seq) == (True, "saved", ahead + 1)
    assert repos.responses.find(interview.id, q).answer == "posted"


def test_a_form_post_outranks_autosaves_sent_before_it_not_after_it(repos, world, schedule, now):
    interview = schedule(world["hr_a"], world["cand_a"])
    q = interview.questions[0].id
    now_ms = int(now.timestamp() * 1000)
    svc.save_answer(repos, world["cand_a"], interview.id, q, "early autosave", now, seq=now_ms - 5_000)
    assert svc.save_answer(repos, world["cand_a"], interview.id, q, "form post", now).applied
    late = svc.save_answer(repos, world["cand_a"], interview.id, q, "autosave sent before the post", now,
                           seq=now_ms - 1_000)
    assert (late.applied, late.reason) == (False, "stale")
    assert repos.responses.find(interview.id, q).answer == "form post"
    later = svc.save_answer(repos, world["cand_a"], interview.id, q, "typed a second later", now + timedelta(seconds=1),
                            seq=now_ms + 1_000)
    assert later.applied and repos.responses.find(interview.id, q).answer == "typed a second later"


def test_a_save_records_when_it_was_saved(repos, world, schedule, now):
    interview = schedule(world["hr_a"], world["cand_a"])
    q = interview.questions[0].id
    result = svc.save_answer(repos, world["cand_a"], interview.id, q, "x", now + timedelta(minutes=3), seq=5)
    assert result.response.saved_at == now + timedelta(minutes=3)
    assert repos.responses.find(interview.id, q).saved_at == now + timedelta(minutes=3)


def test_saves_to_a_legacy_interview_create_its_responses_in_their_agreement_group(repos, world, schedule, now):
    interview = schedule(world["hr_a"], world["cand_a"], items=ONE)
    q = interview.questions[0]
    forget_responses(repos, interview.id)
    assert svc.save_answer(repos, world["cand_a"], interview.id, q.id, "posted", now).applied
    doc = repos.db.responses.find_one({"question_id": q.id})
    assert doc["answer"] == "posted"
    assert doc["group"] == question_service.question_key("custom", q.text)


def test_a_save_after_answering_closed_is_refused_as_not_saved(repos, world, schedule, now):
    interview = schedule(world["hr_a"], world["cand_a"])
    q = interview.questions[0].id
    svc.save_answer(repos, world["cand_a"], interview.id, q, "before", now, seq=1)
    repos.responses.close_for(interview.id)  # the hand-in's first write, its status not yet changed
    error = refusal(Conflict, svc.save_answer, repos, world["cand_a"], interview.id, q, "after", now, seq=2)
    assert error.message == "This interview was closed while you were typing: this last change was not saved."
    assert error.details == {"answer": "Not saved: the interview is closed."}
    assert repos.responses.find(interview.id, q).answer == "before"


# --- the candidate's views ------------------------------------------------------------------

def test_with_every_question_answered_the_candidate_resumes_at_the_last(repos, world, schedule, now):
    interview = schedule(world["hr_a"], world["cand_a"], n=3)
    for question in interview.questions:
        svc.save_answer(repos, world["cand_a"], interview.id, question.id, "answer", now)
    assert svc.first_unanswered(interview, repos.responses.for_interview(interview.id)) == 2
    one = schedule(world["hr_a"], world["cand_a"], items=ONE)
    svc.save_answer(repos, world["cand_a"], one.id, one.questions[0].id, "answer", now)
    assert svc.first_unanswered(one, repos.responses.for_interview(one.id)) == 0


def test_the_dashboard_lists_upcoming_soonest_first_and_sorts_every_status(repos, world, schedule, now):
    cand, hr = world["cand_a"], world["hr_a"]
    later = schedule(hr, cand, start=now + timedelta(days=2), deadline=now + timedelta(days=3))
    sooner = schedule(hr, cand, start=now + timedelta(days=1), deadline=now + timedelta(days=3))
    cancelled = schedule(hr, cand)
    svc.cancel(repos, hr, cancelled.id, now)
    expiring = schedule(hr, cand, deadline=now + timedelta(hours=1))
    svc.save_answer(repos, cand, expiring.id, expiring.questions[0].id, "x", now)
    board = svc.dashboard(repos, cand, now + timedelta(hours=2))
    assert [i.id for i in board.upcoming] == [sooner.id, later.id]
    assert [i.id for i in board.cancelled] == [cancelled.id]
    assert [(i.id, i.status) for i in board.history] == [(expiring.id, COMPLETED)]
    assert board.in_progress == []


# --- scheduling -----------------------------------------------------------------------------

def test_non_staff_find_no_schedulable_candidates_on_an_empty_first_page(repos, world):
    page = svc.find_schedulable(repos, world["cand_a"], limit=7)
    assert (page.items, page.page, page.per_page, page.total) == ([], 1, 7, 0)


def test_the_candidate_picker_shows_at_most_the_limit(repos, world, make_user):
    make_user("candidate", hr=world["hr_a"])
    page = svc.find_schedulable(repos, world["hr_a"], limit=1)
    assert len(page.items) == 1 and page.per_page == 1
    assert len(svc.find_schedulable(repos, world["hr_a"], limit=2).items) == 2


def test_the_candidate_search_text_is_cut_at_100_characters(repos, world, make_user):
    long_name = make_user("candidate", name="a" * 100, hr=world["hr_a"])
    found = svc.find_schedulable(repos, world["hr_a"], "a" * 100 + "b")
    assert [c.id for c in found.items] == [long_name.id]


class Recorder:
    """A question generator that records what it was given and returns `items`."""

    def __init__(self, items):
        self.items, self.calls = items, []

    def generate_questions(self, job, resume, n, hint, bank):
        self.calls.append((job, resume, n, hint, bank))
        return self.items


def test_generation_is_given_the_job_the_resume_and_the_enabled_bank(repos, world, now):
    from interviewer.ai.types import GeneratedQuestion

    bank = repos.questions.list()
    disabled = bank[0]
    question_service.set_enabled(repos, disabled.id, False)
    repos.users.set_fields(world["cand_a"].id, resume_text="Ten years of Flask.")
    good = GeneratedQuestion(text="How do you profile a Flask app?", category="technical", difficulty=3,
                             reference_answer="With a profiler.", key_points=["profiler"], tags=["flask"])
    bad = good.model_copy(update={"difficulty": 99})
    provider = Recorder([bad, good, good])
    req = request(world, now, source="generated", num_questions=3, job_description="Flask services")
    draft = svc.draft_questions(repos, world["hr_a"], req, now, provider)
    assert [q.text for q in draft.questions] == [good.text, good.text]
    assert len({q.id for q in draft.questions}) == 2 and all(q.id for q in draft.questions)
    job, resume, n, _, given = provider.calls[0]
    assert (job.title, job.description, resume, n) == ("Engineer", "Flask services", "Ten years of Flask.", 3)
    enabled = [q for q in repos.questions.list() if q.enabled]
    assert [q.key for q in given] == [q.key for q in enabled] and disabled.key not in {q.key for q in given}
    sample = next(q for q in given if q.key == enabled[0].key)
    assert (sample.tags, sample.reference_answer, sample.key_points) == (
        enabled[0].tags, enabled[0].reference_answer, enabled[0].key_points)


def test_a_bad_draft_id_is_refused_as_an_out_of_date_form(repos, world, now):
    error = refusal(ValidationError, svc.schedule_draft_once, repos, world["hr_a"], request(world, now), ONE, now, "x")
    assert error.message == "This form is out of date: go back to the details and draft the questions again."
    assert error.details == {"draft_id": "Missing or unreadable."}
    assert repos.interviews.search().total == 0


def test_a_draft_confirmed_twice_makes_one_interview_and_says_which_call_made_it(repos, world, now):
    draft_id = repos.interviews.new_id()
    first, created = svc.schedule_draft_once(repos, world["hr_a"], request(world, now), ONE, now, draft_id)
    # The repeat gets the interview back whatever the form now holds, even fields that would be refused.
    again, created_again = svc.schedule_draft_once(repos, world["hr_a"], request(world, now, job_title="Other"),
                                                   ONE, now, draft_id)
    stale_form = request(world, now, job_title="", deadline=now - timedelta(days=1))
    assert svc.schedule_draft_once(repos, world["hr_a"], stale_form, [], now, draft_id) == (first, False)
    assert (first.id, created, again.id, created_again, again.job_title) == (draft_id, True, draft_id, False, "Engineer")
    assert repos.interviews.search().total == 1
    error = refusal(Conflict, svc.schedule_draft_once, repos, world["admin"], request(world, now), ONE, now, draft_id)
    assert error.message == "This draft was already used for another interview: draft the questions again."


@pytest.mark.parametrize("racer", ["hr_a", "admin"])
def test_a_racing_post_of_the_same_draft_wins_and_this_one_returns_its_interview(repos, world, now, monkeypatch,
                                                                                 racer):
    draft_id = repos.interviews.new_id()
    real_insert = repos.interviews.insert
    state = {"raced": False}

    def insert_after_a_racing_post(interview):
        if not state["raced"]:
            state["raced"] = True  # the other post got in between this one's check and its insert
            svc.schedule_draft_once(repos, world[racer], request(world, now, job_title="Racer"), ONE, now, draft_id)
        return real_insert(interview)

    monkeypatch.setattr(repos.interviews, "insert", insert_after_a_racing_post)
    if racer == "admin":
        refusal(Conflict, svc.schedule_draft_once, repos, world["hr_a"], request(world, now), ONE, now, draft_id)
    else:
        interview, created = svc.schedule_draft_once(repos, world["hr_a"], request(world, now), ONE, now, draft_id)
        assert (interview.id, interview.job_title, created) == (draft_id, "Racer", False)
    assert repos.interviews.search().total == 1


@pytest.mark.parametrize(("items", "message", "details"), [
    ([], "An interview needs at least one question.", {"questions": "Add at least one question."}),
    (ONE * 51, "An interview has at most 50 questions.", {"questions": "At most 50 questions."}),
    ([{"text": ""}, {"text": "ok"}, {"text": "ok", "difficulty": "9"}], "Some questions need attention.", None),
])
def test_a_refused_draft_says_what_is_wrong(repos, world, now, items, message, details):
    error = refusal(ValidationError, svc.schedule, repos, world["hr_a"], request(world, now), items, now)
    assert error.message == message
    if details:
        assert error.details == details
    else:
        assert set(error.details) == {"questions.1.text", "questions.3.difficulty"}
    assert repos.interviews.search().total == 0


def test_fifty_questions_make_an_interview(repos, world, now):
    assert len(svc.schedule(repos, world["hr_a"], request(world, now), ONE * 50, now).questions) == 50


def test_a_drafts_question_ids_are_kept_when_usable_and_replaced_otherwise(repos, world, now):
    items = [{"id": "a" * 40, "text": "Q1"}, {"id": "b" * 41, "text": "Q2"}, {"id": "q-1", "text": "Q3"},
             {"id": "a" * 40, "text": "Q4"}, {"text": "Q5"}, {"id": "q7", "text": "Q6", "source": "generated"}]
    questions = svc.schedule(repos, world["hr_a"], request(world, now), items, now).questions
    ids = [q.id for q in questions]
    assert ids[0] == "a" * 40 and ids[5] == "q7"
    assert all(i.isalnum() and 0 < len(i) <= 40 for i in ids) and len(set(ids)) == 6
    assert ids[1] != "b" * 41 and ids[2] != "q-1" and ids[3] != "a" * 40
    assert [q.source for q in questions] == ["custom"] * 5 + ["generated"]


# --- HR lists -------------------------------------------------------------------------------

def _many(repos, world, count, now, candidate="cand_a", hr="hr_a"):
    ids = []
    for n in range(count):
        start = now - timedelta(hours=1, minutes=n)
        ids.append(svc.schedule(repos, world[hr], request(world, now, candidate_id=world[candidate].id, starts_at=start),
                                ONE, now).id)
    return ids  # newest start first


def test_hr_lists_come_in_pages_of_20_by_default(repos, world, now):
    ids = _many(repos, world, 21, now)
    first = svc.list_for(repos, world["hr_a"], now)
    assert ([i.id for i in first.items], first.per_page, first.total) == (ids[:20], 20, 21)
    second = svc.list_for(repos, world["hr_a"], now, page=2)
    assert [i.id for i in second.items] == ids[20:]


def test_an_export_reads_in_batches_of_100_and_keeps_every_interview(repos, world, now):
    ids = _many(repos, world, 101, now)
    batches = list(svc.iter_all_for(repos, world["hr_a"], now))
    assert [len(b) for b in batches] == [100, 1]
    assert [i.id for b in batches for i in b] == ids


def test_a_candidate_name_search_covers_up_to_50_people(repos, world, make_user, now):
    people = [make_user("candidate", name=f"Needle {n}", hr=world["hr_a"]) for n in range(51)]
    for person in people:
        svc.schedule(repos, world["hr_a"], request(world, now, candidate_id=person.id), ONE, now)
    found = svc.list_for(repos, world["admin"], now, candidate="needle", per_page=100)
    assert found.total == 50


# --- progress -------------------------------------------------------------------------------

def test_progress_counts_answers_questions_and_the_last_activity(repos, world, schedule, now):
    interview = schedule(world["hr_a"], world["cand_a"], n=3)
    for question in interview.questions[:2]:
        svc.save_answer(repos, world["cand_a"], interview.id, question.id, "answer", now + timedelta(minutes=1))
    stored = repos.interviews.get(interview.id)
    p = svc.progress(repos, stored)
    assert (p.answered, p.total, p.last_activity_at) == (2, 3, now + timedelta(minutes=1))
    loaded = svc.progress(repos, stored, repos.responses.for_interview(interview.id))
    assert (loaded.answered, loaded.total) == (2, 3)


def test_progress_of_a_page_counts_each_interview(repos, world, schedule, now):
    busy = schedule(world["hr_a"], world["cand_a"], n=2)
    idle = schedule(world["hr_a"], world["cand_a"], n=3)
    svc.save_answer(repos, world["cand_a"], busy.id, busy.questions[0].id, "answer", now)
    found = svc.progress_of_page(repos, [repos.interviews.get(busy.id), repos.interviews.get(idle.id)])
    assert {k: (p.answered, p.total, p.last_activity_at) for k, p in found.items()} == {
        busy.id: (1, 2, now), idle.id: (0, 3, None)}
    assert svc.progress_of_page(repos, []) == {}


# --- scores and the overall result ----------------------------------------------------------

SCORE_MESSAGE = "A score is a number from 0 to 10 (one decimal at most)."


@pytest.mark.parametrize("value", [None, "", True, "abc", "10.1", "0.05"])
def test_a_bad_score_is_refused_naming_the_field(value):
    error = refusal(ValidationError, svc.parse_score, value, "overall_score")
    assert (error.message, error.details) == (SCORE_MESSAGE, {"overall_score": SCORE_MESSAGE})


def test_a_score_may_be_off_a_tenth_by_float_noise_up_to_a_billionth():
    assert svc.parse_score("0.000000001") == 0.0
    assert svc.parse_score("7.2000000001") == 7.2
    with pytest.raises(ValidationError):
        svc.parse_score("0.0000000011")


@pytest.fixture
def completed(repos, world, schedule, now):
    interview = schedule(world["hr_a"], world["cand_a"], n=2)
    svc.save_answer(repos, world["cand_a"], interview.id, interview.questions[0].id, "answer", now)
    return svc.submit(repos, world["cand_a"], interview.id, now)


def test_scoring_refusals_say_what_is_wrong_and_store_nothing(repos, world, schedule, completed, now):
    q = completed.questions[0].id
    error = refusal(NotFound, svc.score_response, repos, world["hr_a"], completed.id, "nope", "5", "", now)
    assert error.message == "No such question in this interview."
    error = refusal(ValidationError, svc.score_response, repos, world["hr_a"], completed.id, q, "5", "x" * 5_001, now)
    assert (error.message, error.details) == ("Feedback is too long.", {"feedback": "At most 5,000 characters."})
    assert repos.responses.find(completed.id, q).score is None
    open_one = schedule(world["hr_a"], world["cand_a"])
    error = refusal(Conflict, svc.score_response, repos, world["hr_a"], open_one.id, open_one.questions[0].id, "5", "", now)
    assert error.message == "Answers can be scored once the interview is completed."


def test_a_score_records_who_scored_when_with_feedback_up_to_the_limit(repos, world, completed, now):
    q = completed.questions[0].id
    later = now + timedelta(minutes=5)
    scored = svc.score_response(repos, world["hr_a"], completed.id, q, "6.5", "f" * 5_000, later)
    assert (scored.score, scored.feedback, scored.scored_by, scored.scored_at) == (6.5, "f" * 5_000, world["hr_a"].id, later)
    assert svc.score_response(repos, world["hr_a"], completed.id, q, "7", None, later).feedback == ""


def test_an_unanswered_question_of_a_legacy_interview_can_be_scored(repos, world, schedule, now):
    interview = schedule(world["hr_a"], world["cand_a"], items=ONE)
    q = interview.questions[0]
    forget_responses(repos, interview.id)
    done = svc.submit(repos, world["cand_a"], interview.id, now + timedelta(minutes=1))
    forget_responses(repos, interview.id)  # materialising failed too (a crash right after the hand-in)
    scored = svc.score_response(repos, world["hr_a"], interview.id, q.id, "2", "No answer.", now + timedelta(hours=1))
    assert (scored.question_id, scored.interview_id, scored.candidate_id) == (q.id, interview.id, world["cand_a"].id)
    assert (scored.answer, scored.score, scored.saved_at) == ("", 2.0, done.completed_at)
    doc = repos.db.responses.find_one({"question_id": q.id})
    assert doc["group"] == question_service.question_key("custom", q.text)
    again = svc.score_response(repos, world["hr_a"], interview.id, q.id, "3", "", now + timedelta(hours=2))
    assert again.id == scored.id and repos.db.responses.count_documents({"question_id": q.id}) == 1


def test_a_legacy_interview_gets_its_responses_stamped_with_its_completion(repos, world, schedule, now):
    interview = schedule(world["hr_a"], world["cand_a"], items=ONE)
    forget_responses(repos, interview.id)
    done = svc.submit(repos, world["cand_a"], interview.id, now + timedelta(minutes=1))
    stored = repos.responses.find(interview.id, interview.questions[0].id)
    assert (stored.answer, stored.saved_at) == ("", done.completed_at)


def test_an_expired_interview_can_be_scored_and_shared_without_anyone_opening_it(repos, world, schedule, now):
    interview = schedule(world["hr_a"], world["cand_a"], deadline=now + timedelta(hours=1))
    svc.save_answer(repos, world["cand_a"], interview.id, interview.questions[0].id, "x", now)
    later = now + timedelta(hours=2)
    assert svc.set_shared(repos, world["hr_a"], interview.id, False, later).shared is False
    other = schedule(world["hr_a"], world["cand_a"], deadline=now + timedelta(hours=1))
    svc.save_answer(repos, world["cand_a"], other.id, other.questions[0].id, "x", now)
    result = svc.record_result(repos, world["hr_a"], other.id, "6", "ok", later)
    assert (result.status, result.overall_score) == (EVALUATED, 6.0)


def test_result_refusals_name_the_field(repos, world, completed, now):
    error = refusal(ValidationError, svc.record_result, repos, world["hr_a"], completed.id, "11", "", now)
    assert error.details == {"overall_score": SCORE_MESSAGE}
    error = refusal(ValidationError, svc.record_result, repos, world["hr_a"], completed.id, "5", "x" * 5_001, now)
    assert (error.message, error.details) == ("Feedback is too long.", {"overall_feedback": "At most 5,000 characters."})
    error = refusal(Conflict, svc.set_shared, repos, world["hr_a"], completed.id, True, now)
    assert error.message == "Record an overall result before sharing it with the candidate."
    assert repos.interviews.get(completed.id).shared is False


def test_a_result_form_that_saw_a_result_the_interview_never_had_is_refused(repos, world, completed, now):
    error = refusal(Conflict, svc.record_result, repos, world["hr_a"], completed.id, "5", "", now,
                    seen="2030-01-01T00:00:00+00:00")
    assert error.message == "The interview changed meanwhile; reload and try again."
    assert repos.interviews.get(completed.id).status == COMPLETED


def _race(monkeypatch, repos, method, other):
    """Run `other` (another HR user's write) just before this request's own compare-and-set."""
    real = getattr(repos.interviews, method)
    state = {"done": False}

    def write(*args, **kwargs):
        if not state["done"]:
            state["done"] = True
            other()
        return real(*args, **kwargs)

    monkeypatch.setattr(repos.interviews, method, write)


def test_a_result_recorded_meanwhile_is_never_overwritten(repos, world, completed, now, monkeypatch):
    other = now + timedelta(minutes=1)
    _race(monkeypatch, repos, "transition",
          lambda: svc.record_result(repos, world["admin"], completed.id, "6", "Solid.", other))
    error = refusal(Conflict, svc.record_result, repos, world["hr_a"], completed.id, "4", "Solid.", now)
    assert error.message == ("Someone recorded a result meanwhile (6/10); yours was not saved. "
                             "Reload to see it, then record yours again if it should replace it.")
    assert error.details == {"overall_score": 6.0, "overall_feedback": "Solid.", "evaluated_at": other.isoformat()}
    stored = repos.interviews.get(completed.id)
    assert (stored.overall_score, stored.overall_feedback) == (6.0, "Solid.")


def test_the_same_result_sent_by_a_racing_double_click_is_accepted(repos, world, completed, now, monkeypatch):
    _race(monkeypatch, repos, "transition",
          lambda: svc.record_result(repos, world["hr_a"], completed.id, "6", "Solid.", now))
    result = svc.record_result(repos, world["hr_a"], completed.id, "6", "Solid.", now)
    assert (result.status, result.overall_score, result.overall_feedback) == (EVALUATED, 6.0, "Solid.")


def test_an_update_raced_by_another_update_is_refused_with_the_stored_result(repos, world, completed, now, monkeypatch):
    svc.record_result(repos, world["hr_a"], completed.id, "5", "First.", now)
    other = now + timedelta(minutes=2)
    _race(monkeypatch, repos, "update_result",
          lambda: svc.record_result(repos, world["admin"], completed.id, "8", "Better.", other))
    error = refusal(Conflict, svc.record_result, repos, world["hr_a"], completed.id, "3", "Worse.", now + timedelta(minutes=3))
    assert error.details == {"overall_score": 8.0, "overall_feedback": "Better.", "evaluated_at": other.isoformat()}


def test_a_result_for_an_interview_deleted_meanwhile_is_not_found(repos, world, completed, now, monkeypatch):
    _race(monkeypatch, repos, "transition", lambda: repos.db.interviews.delete_one({"_id": ObjectId(completed.id)}))
    assert refusal(NotFound, svc.record_result, repos, world["hr_a"], completed.id, "5", "", now).message == (
        "No such interview.")
