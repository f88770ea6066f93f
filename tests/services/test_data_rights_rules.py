"""Data rights at their edges (services/privacy.py): exactly what a candidate's download holds
(HR's scores and notes only once shared), the exact counts the erasure page promises and the
erasure then reports, who can be erased, and retention's cut-off (older than the given days,
not at them), its dry run and what it removes."""
from __future__ import annotations

from datetime import timedelta

import pytest

from interviewer.errors import Forbidden, NotFound, ValidationError
from interviewer.repositories.base import oid
from interviewer.services import audit, privacy
from interviewer.services import interviews as svc
from interviewer.services import tokens as token_service


@pytest.fixture
def answered(repos, world, schedule, now):
    """cand_a's interview of two questions: the first answered, both handed in."""
    interview = schedule(world["hr_a"], world["cand_a"], n=2)
    svc.save_answer(repos, world["cand_a"], interview.id, interview.questions[0].id, "My answer.", now, seq=1)
    svc.submit(repos, world["cand_a"], interview.id, now)
    return repos.interviews.get(interview.id)


# --- the download ---------------------------------------------------------------------------------

def test_the_download_holds_the_account_resume_and_self_identification(repos, world, now):
    cand = world["cand_free"]
    repos.users.set_fields(cand.id, resume_text="Python since 2015.", resume_filename="cv.txt")
    repos.demographics.save(cand.id, {"sex": "female"}, now)
    cand = repos.users.get(cand.id)
    data = privacy.export_for(repos, cand)
    assert data == {
        "account": {"id": cand.id, "email": cand.email, "name": "Cand Free", "role": "candidate",
                    "created_at": cand.created_at, "email_verified": True, "e_mails_turned_off": []},
        "resume": {"filename": "cv.txt", "text": "Python since 2015."},
        "self_identification": {"answers": {"sex": "female"}, "updated_at": now},
        "interviews": [],
    }


def test_hr_results_are_in_the_download_only_once_shared(repos, world, answered, now):
    hr, cand = world["hr_a"], world["cand_a"]
    first, second = answered.questions
    svc.score_response(repos, hr, answered.id, first.id, "8", "Good.", now)
    svc.score_response(repos, hr, answered.id, second.id, "2", "Empty.", now)
    svc.record_result(repos, hr, answered.id, "7", "Solid.", now)
    interview = repos.interviews.get(answered.id)
    made = repos.responses.for_interview(answered.id)[second.id].saved_at  # the empty response's time
    [unshared] = privacy.export_for(repos, cand)["interviews"]
    assert unshared == {
        "id": interview.id, "job_title": "Backend engineer", "job_description": "Python, Flask, MongoDB",
        "status": "evaluated", "starts_at": interview.starts_at, "deadline": interview.deadline,
        "completed_at": interview.completed_at, "window_history": [], "overall_score": None,
        "overall_feedback": None,
        "answers": [{"question": first.text, "answer": "My answer.", "saved_at": now, "score": None, "feedback": None},
                    {"question": second.text, "answer": "", "saved_at": made, "score": None, "feedback": None}],
    }
    svc.set_shared(repos, hr, answered.id, True, now)
    [shared] = privacy.export_for(repos, cand)["interviews"]
    assert (shared["overall_score"], shared["overall_feedback"]) == (7.0, "Solid.")
    assert [(a["answer"], a["score"], a["feedback"]) for a in shared["answers"]] == [
        ("My answer.", 8.0, "Good."), ("", 2.0, "Empty.")]


def test_an_answer_with_no_stored_response_is_in_the_download_as_empty(repos, world, answered, now):
    svc.record_result(repos, world["hr_a"], answered.id, "7", "Solid.", now)
    svc.set_shared(repos, world["hr_a"], answered.id, True, now)
    repos.responses.col.delete_many({"question_id": answered.questions[0].id})
    [mine] = privacy.export_for(repos, world["cand_a"])["interviews"]
    assert mine["answers"][0] == {"question": answered.questions[0].text, "answer": "", "saved_at": None,
                                  "score": None, "feedback": None}


def test_only_a_candidates_data_is_downloaded_here(repos, world):
    for role in ("hr_a", "admin"):
        with pytest.raises(Forbidden) as refused:
            privacy.export_for(repos, world[role])
        assert refused.value.message == "Only a candidate's own data can be downloaded here."


# --- erasure --------------------------------------------------------------------------------------

@pytest.fixture
def everything(repos, world, answered, now):
    """cand_a with an answer, two sign-ins, an API token, self-identification and sign-in counters."""
    cand = world["cand_a"]
    repos.sessions.start(cand.id, now, "a")
    repos.sessions.start(cand.id, now, "b")
    token_service.issue(repos, cand, now, timedelta(hours=1))
    repos.demographics.save(cand.id, {"sex": "male"}, now)
    email = cand.email
    for key in (f"signin:account:{email}", f"signin:pair:{email}:203.0.113.9", f"signin:next:{email}"):
        repos.rate_limits.hit(key, now, timedelta(hours=1))
    repos.rate_limits.hit("signin:ip:203.0.113.9", now, timedelta(hours=1))
    repos.outbox.add({"kind": "test", "key": "about-it", "to_user_id": world["hr_a"].id,
                      "refs": {"interview_id": answered.id}, "created_at": now})
    return cand


def test_the_erasure_page_counts_what_will_go(repos, world, everything, answered):
    # The invitation to the candidate, HR's hand-in notice and the message about the interview.
    assert sorted(d["kind"] for d in repos.outbox.col.find({})) == ["handed_in", "invitation", "test"]
    assert privacy.erasure_plan(repos, everything.id) == {
        "account": 1, "interviews": 1, "answers": 2, "AI evaluations": 0, "browser sessions": 2, "API tokens": 1,
        "self-identification": 1, "e-mails": 3}
    assert privacy.erasure_plan(repos, world["cand_free"].id) == {
        "account": 1, "interviews": 0, "answers": 0, "AI evaluations": 0, "browser sessions": 0, "API tokens": 0,
        "self-identification": 0, "e-mails": 0}


def test_erasure_removes_and_reports_exactly_what_the_page_counted(repos, world, everything, answered, now):
    admin = world["admin"]
    plan = privacy.erasure_plan(repos, everything.id)
    gone = privacy.erase_candidate(repos, admin, everything.id, now)
    assert gone == {**plan, "sign-in counters": 3}
    assert repos.users.get(everything.id) is None and repos.interviews.get(answered.id) is None
    assert repos.responses.count_for_interview(answered.id) == 0
    assert repos.sessions.count_for_user(everything.id) == 0 and repos.tokens.count_for_user(everything.id) == 0
    assert repos.outbox.count_about(everything.id, [answered.id]) == 0
    assert [d["_id"] for d in repos.rate_limits.col.find({})] == ["signin:ip:203.0.113.9"]
    last = repos.audit.last()
    assert (last["action"], last["actor"], last["actor_role"], last["object_type"], last["object_id"], last["after"]) \
        == ("candidate.erase", admin.audit_ref, "admin", "user", everything.audit_ref, gone)
    assert audit.verify(repos).ok


def test_erasure_takes_the_panel_ratings_and_ai_evaluations_of_the_interviews(repos, world, answered, now):
    response = repos.responses.find(answered.id, answered.questions[0].id)
    evaluation = repos.evaluations.new_id()
    repos.evaluations.add(evaluation, {"response_id": response.id, "interview_id": answered.id, "score": 5.0,
                                       "created_at": now})
    repos.panels.col.insert_one({"interview_id": answered.id, "rater_id": world["hr_b"].id, "notes": "quotes it"})
    plan = privacy.erasure_plan(repos, world["cand_a"].id)
    assert plan["AI evaluations"] == 1
    gone = privacy.erase_candidate(repos, world["admin"], world["cand_a"].id, now)
    assert gone["AI evaluations"] == 1 and gone["answers"] == 2 and gone["interviews"] == 1
    assert repos.evaluations.count(response.id) == 0 and repos.panels.col.count_documents({}) == 0


def test_only_an_existing_candidate_account_is_erased(repos, world, now):
    staff = "Only candidate accounts are erased here; deactivate a staff account instead."
    for who in ("hr_a", "admin"):
        user_id = world[who].id
        with pytest.raises(ValidationError, match=f"^{staff}$"):
            privacy.erasure_plan(repos, user_id)
        with pytest.raises(ValidationError, match=f"^{staff}$"):
            privacy.erase_candidate(repos, world["admin"], user_id, now)
        assert repos.users.get(user_id) is not None
    privacy.erase_candidate(repos, world["admin"], world["cand_free"].id, now)
    erased = "^There is no such account: it may have been erased already.$"
    with pytest.raises(NotFound, match=erased):
        privacy.erasure_plan(repos, world["cand_free"].id)
    with pytest.raises(NotFound, match=erased):
        privacy.erase_candidate(repos, world["admin"], world["cand_free"].id, now)


# --- retention ------------------------------------------------------------------------------------

@pytest.fixture
def closed(repos, world, schedule, now):
    """One interview evaluated at `now` and one cancelled an hour later."""
    hr = world["hr_a"]
    evaluated = schedule(hr, world["cand_a"], n=1)
    svc.save_answer(repos, world["cand_a"], evaluated.id, evaluated.questions[0].id, "An answer.", now, seq=1)
    svc.submit(repos, world["cand_a"], evaluated.id, now)
    svc.record_result(repos, hr, evaluated.id, "6", "Fine.", now)
    cancelled = schedule(hr, world["cand_a"], n=1)
    svc.cancel(repos, hr, cancelled.id, now + timedelta(hours=1))
    open_one = schedule(hr, world["cand_a"], n=1)
    return repos.interviews.get(evaluated.id), repos.interviews.get(cancelled.id), open_one


def test_retention_keeps_interviews_closed_exactly_the_given_days_ago(repos, closed, now):
    assert privacy.purge_expired(repos, now + timedelta(days=30), 30) == []
    assert privacy.purge_expired(repos, now + timedelta(days=30, hours=1), 30) == [
        {"id": closed[0].id, "status": "evaluated", "since": now, "job_title": "Backend engineer"}]


def test_a_dry_run_lists_and_keeps_and_a_real_run_removes_and_audits(repos, closed, now):
    evaluated, cancelled, open_one = closed
    later = now + timedelta(days=31, hours=2)
    expected = [{"id": evaluated.id, "status": "evaluated", "since": now, "job_title": "Backend engineer"},
                {"id": cancelled.id, "status": "cancelled", "since": now + timedelta(hours=1),
                 "job_title": "Backend engineer"}]
    events = len(list(repos.audit.in_order()))
    assert privacy.purge_expired(repos, later, 31, dry_run=True) == expected
    assert repos.interviews.get(evaluated.id) is not None and repos.interviews.get(cancelled.id) is not None
    assert len(list(repos.audit.in_order())) == events
    response = repos.responses.find(evaluated.id, evaluated.questions[0].id)
    repos.evaluations.add(repos.evaluations.new_id(), {"response_id": response.id, "interview_id": evaluated.id,
                                                       "score": 5.0, "created_at": now})
    repos.panels.col.insert_one({"interview_id": evaluated.id, "rater_id": "r", "notes": "n"})
    assert repos.outbox.count_about("", [evaluated.id, cancelled.id]) >= 2
    assert privacy.purge_expired(repos, later, 31) == expected
    assert repos.interviews.get(evaluated.id) is None and repos.interviews.get(cancelled.id) is None
    assert repos.interviews.get(open_one.id) is not None
    assert repos.responses.for_interview(evaluated.id) == {} and repos.evaluations.count(response.id) == 0
    assert repos.panels.col.count_documents({}) == 0
    assert repos.outbox.count_about("", [evaluated.id, cancelled.id]) == 0
    purged = list(repos.audit.in_order())[events:]
    assert [(e["action"], e["actor"], e["actor_role"], e["object_type"], e["object_id"], e["interview_id"],
             e["reason"], e["at"]) for e in purged] == [
        ("interview.purge", None, "system", "interview", evaluated.id, evaluated.id, "retention: 31 days after evaluated",
         later),
        ("interview.purge", None, "system", "interview", cancelled.id, cancelled.id,
         "retention: 31 days after cancelled", later)]
    assert privacy.purge_expired(repos, later, 31) == []


def test_retention_takes_at_most_the_limit_of_each_kind_per_run(repos, closed, now):
    evaluated, cancelled, _ = closed
    later = now + timedelta(days=40)
    assert [i["id"] for i in privacy.purge_expired(repos, later, 30, dry_run=True, limit=1)] == [
        evaluated.id, cancelled.id]
    col = repos.interviews.col
    doc = col.find_one({"_id": oid(evaluated.id)})
    col.insert_many([{**{k: v for k, v in doc.items() if k != "_id"}} for _ in range(1000)])
    listed = privacy.purge_expired(repos, later, 30, dry_run=True)
    assert len(listed) == 1001 and [i["status"] for i in listed].count("evaluated") == 1000


def test_an_interview_handed_in_without_a_result_is_removed_the_given_days_after_hand_in(repos, world, schedule,
                                                                                         now):
    interview = schedule(world["hr_a"], world["cand_a"], n=1)
    svc.save_answer(repos, world["cand_a"], interview.id, interview.questions[0].id, "An answer.", now, seq=1)
    svc.submit(repos, world["cand_a"], interview.id, now)
    repos.panels.col.insert_one({"interview_id": interview.id, "rater_id": "r", "status": "submitted"})
    assert privacy.purge_expired(repos, now + timedelta(days=30), 30) == []
    expected = [{"id": interview.id, "status": "completed", "since": now, "job_title": "Backend engineer"}]
    assert privacy.purge_expired(repos, now + timedelta(days=30, seconds=1), 30) == expected
    assert repos.interviews.get(interview.id) is None and repos.panels.col.count_documents({}) == 0
    assert repos.responses.for_interview(interview.id) == {}


def test_a_recorded_outcome_restarts_the_period_of_an_interview_without_a_result(repos, world, schedule, now):
    from interviewer.services import panels

    interview = schedule(world["hr_a"], world["cand_a"], n=1)
    svc.submit(repos, world["cand_a"], interview.id, now)
    decided = now + timedelta(days=20)
    panels.record_outcome(repos, world["hr_a"], interview.id, "reject", "", decided)
    assert privacy.purge_expired(repos, now + timedelta(days=31), 30) == []  # decided 11 days ago
    assert privacy.purge_expired(repos, decided + timedelta(days=30), 30) == []
    assert privacy.purge_expired(repos, decided + timedelta(days=30, seconds=1), 30, dry_run=True) == [
        {"id": interview.id, "status": "completed", "since": decided, "job_title": "Backend engineer"}]


def test_an_outcome_recorded_after_the_result_restarts_the_period_too(repos, world, closed, now):
    from interviewer.services import panels

    evaluated = closed[0]
    decided = now + timedelta(days=39)
    panels.record_outcome(repos, world["hr_a"], evaluated.id, "hire", "", decided)
    assert evaluated.id not in [i["id"] for i in privacy.purge_expired(repos, now + timedelta(days=40), 30)]
    assert privacy.purge_expired(repos, decided + timedelta(days=30, seconds=1), 30, dry_run=True)[0] == {
        "id": evaluated.id, "status": "evaluated", "since": decided, "job_title": "Backend engineer"}


def test_retention_leaves_interviews_not_yet_handed_in_whatever_their_age(repos, world, schedule, now):
    schedule(world["hr_a"], world["cand_a"], n=1)
    started = schedule(world["hr_a"], world["cand_a"], n=1)
    svc.save_answer(repos, world["cand_a"], started.id, started.questions[0].id, "Half.", now, seq=1)
    assert privacy.purge_expired(repos, now + timedelta(days=3650), 1, dry_run=True) == []


def test_erasure_counts_the_answers_of_every_interview_and_every_e_mail_to_the_candidate(repos, world, schedule, now):
    cand = world["cand_a"]
    first, second = schedule(world["hr_a"], cand, n=2), schedule(world["hr_a"], cand, n=3)
    for interview in (first, second):
        response = repos.responses.find(interview.id, interview.questions[0].id)
        repos.evaluations.add(repos.evaluations.new_id(), {"response_id": response.id, "interview_id": interview.id,
                                                           "score": 5.0, "created_at": now})
    repos.outbox.add({"kind": "password_reset", "key": "reset-1", "to_user_id": cand.id, "refs": {},
                      "created_at": now})
    repos.outbox.add({"kind": "password_reset", "key": "reset-2", "to_user_id": world["cand_b"].id, "refs": {},
                      "created_at": now})
    plan = privacy.erasure_plan(repos, cand.id)
    assert (plan["interviews"], plan["answers"], plan["AI evaluations"], plan["e-mails"]) == (2, 5, 2, 3)
    gone = privacy.erase_candidate(repos, world["admin"], cand.id, now)
    assert (gone["interviews"], gone["answers"], gone["AI evaluations"], gone["e-mails"]) == (2, 5, 2, 3)
    assert [d["key"] for d in repos.outbox.col.find({})] == ["reset-2"]


def test_retention_takes_at_most_the_limit_of_cancelled_interviews_too(repos, world, schedule, now):
    for _ in range(2):
        svc.cancel(repos, world["hr_a"], schedule(world["hr_a"], world["cand_a"], n=1).id, now)
    listed = privacy.purge_expired(repos, now + timedelta(days=2), 1, limit=1)
    assert [i["status"] for i in listed] == ["cancelled"]
    assert len(privacy.purge_expired(repos, now + timedelta(days=2), 1, limit=1)) == 1
    assert privacy.purge_expired(repos, now + timedelta(days=2), 1, limit=1) == []
