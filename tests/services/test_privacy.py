"""Data rights: a candidate downloads everything stored about them; an admin erases a candidate
and no collection still holds their id, e-mail or name; retention removes old interviews."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from support import PASSWORD

import interviewer.mail as mail
from interviewer.ai import get_provider
from interviewer.db import get_db, get_repos
from interviewer.services import audit
from interviewer.services import evaluations as ev
from interviewer.services import interviews as svc
from interviewer.services import users as user_service

NAME, EMAIL = "Zoë Quintessa-Varga", "zoe.quintessa@example.com"
SELF_ID = {"sex": "female", "race_ethnicity": "Two or More Races"}


@pytest.fixture
def site(build_app):
    app = build_app(WTF_CSRF_ENABLED=False)
    repos = get_repos(app)
    admin = user_service.create_user(repos, "root@acme.example", "Root Admin", PASSWORD, "admin")
    hr = user_service.create_user(repos, "hr@acme.example", "Hana Recruiter", PASSWORD, "hr")
    return app, repos, admin, hr


def a_full_history(app, repos, hr):
    """A candidate who registered with a resume, answered, was evaluated by AI and HR, and shared."""
    client = app.test_client()
    client.post("/register", data={"name": NAME, "email": EMAIL, "password": PASSWORD, "confirm": PASSWORD,
                                   "resume": (__import__("io").BytesIO(b"Zoe: Python and Go since 2015."), "cv.txt")},
                content_type="multipart/form-data")
    cand = user_service.assign(repos, repos.users.by_email(EMAIL).id, hr.id)
    now = datetime.now(UTC)
    req = svc.ScheduleRequest(cand.id, "Backend engineer", "Python", now - timedelta(hours=1), now + timedelta(days=1), 2)
    interview = svc.schedule(repos, hr, req, [q.__dict__ for q in svc.draft_questions(repos, hr, req, now).questions],
                             now)
    for q in interview.questions:
        svc.save_answer(repos, cand, interview.id, q.id, f"{NAME} answers: a long answer about it.", now, seq=1)
    svc.submit(repos, cand, interview.id, now)
    response = repos.responses.find(interview.id, interview.questions[0].id)
    ev.request_evaluation(repos, hr, response.id, now, lambda rid: None)
    ev.run_job(repos, response.id, lambda: get_provider(app.config))
    svc.score_response(repos, hr, interview.id, interview.questions[0].id, "7", f"Good, {NAME}.", now)
    svc.record_result(repos, hr, interview.id, "7", f"Well done {NAME}.", now)
    svc.set_shared(repos, hr, interview.id, True, now)
    client.post("/login", data={"email": EMAIL, "password": "wrong password"})
    client.post("/login", data={"email": EMAIL, "password": PASSWORD})
    assert client.post("/candidate/self-identification", data=SELF_ID).status_code in (302, 303)
    client.post("/auth/token", json={"email": EMAIL, "password": PASSWORD})
    mail.send_due(app)  # rendered messages: the candidate's name in the invitation and HR's hand-in notice
    return repos.users.get(cand.id), interview


def holding(app, needles: list[str]) -> list[str]:
    """Every document of every collection whose text holds one of `needles` (case-insensitive)."""
    db = get_db(app)
    found = []
    for name in db.list_collection_names():
        for doc in db[name].find({}):
            text = str(doc).lower()
            found += [f"{name}: {n}" for n in needles if n.lower() in text]
    return found


def test_an_erased_candidate_is_in_no_collection(site):
    app, repos, admin, hr = site
    cand, interview = a_full_history(app, repos, hr)
    needles = [cand.id, EMAIL, NAME, "quintessa"]
    assert len(holding(app, needles)) > 10  # the history above really is everywhere
    client = app.test_client()
    client.post("/login", data={"email": admin.email, "password": PASSWORD})
    page = client.get(f"/admin/users/{cand.id}/erase").get_data(as_text=True)
    assert "1 interviews" in page and "2 answers" in page and "1 AI evaluations" in page
    assert "1 self-identification" in page and repos.demographics.get(cand.id) is not None
    refused = client.post(f"/admin/users/{cand.id}/erase", data={"confirm": "someone@else"})
    assert refused.status_code == 422 and repos.users.get(cand.id) is not None
    done = client.post(f"/admin/users/{cand.id}/erase", data={"confirm": EMAIL.upper()})
    assert done.status_code in (302, 303)
    assert holding(app, needles) == []
    assert repos.demographics.get(cand.id) is None and get_db(app).demographics.count_documents({}) == 0
    assert repos.interviews.get(interview.id) is None
    assert audit.verify(repos).ok and [e["action"] for e in repos.audit.in_order()][-1] == "candidate.erase"
    again = client.get(f"/admin/users/{cand.id}/erase")
    assert again.status_code == 404 and "erased already" in again.get_data(as_text=True)
    assert client.post(f"/admin/users/{cand.id}/erase", data={"confirm": EMAIL}).status_code == 404
    # The HR user's own account and history are untouched.
    assert repos.users.get(hr.id) is not None and user_service.authenticate(repos, hr.email, PASSWORD)


def test_staff_accounts_are_not_erased_here(site):
    app, repos, admin, hr = site
    client = app.test_client()
    client.post("/login", data={"email": admin.email, "password": PASSWORD})
    assert client.get(f"/admin/users/{hr.id}/erase").status_code == 422
    assert repos.users.get(hr.id) is not None


def test_a_candidate_downloads_everything_about_them_and_only_that(site):
    app, repos, admin, hr = site
    cand, interview = a_full_history(app, repos, hr)
    other = user_service.assign(repos, user_service.create_user(repos, "other@example.com", "Other Person", PASSWORD,
                                                                "candidate").id, hr.id)
    client = app.test_client()
    client.post("/login", data={"email": EMAIL, "password": PASSWORD})
    download = client.get("/candidate/data.json")
    assert download.status_code == 200 and "attachment" in download.headers["Content-Disposition"]
    data = json.loads(download.data)
    assert data["account"]["email"] == EMAIL and "Python and Go" in data["resume"]["text"]
    [mine] = data["interviews"]
    assert mine["id"] == interview.id and mine["overall_score"] == 7
    assert data["self_identification"]["answers"] == SELF_ID  # their own data: in their download
    assert [a["answer"] for a in mine["answers"]] == [f"{NAME} answers: a long answer about it."] * 2
    assert "Other Person" not in download.get_data(as_text=True) and other.id not in download.get_data(as_text=True)
    hr_client = app.test_client()
    hr_client.post("/login", data={"email": hr.email, "password": PASSWORD})
    assert hr_client.get("/candidate/data.json").status_code == 403


def test_retention_removes_old_closed_interviews_and_says_when_there_is_nothing(site):
    app, repos, admin, hr = site
    cand, interview = a_full_history(app, repos, hr)
    runner = app.test_cli_runner()
    none = runner.invoke(args=["retention", "purge"])
    assert none.exit_code == 2 and "RETENTION_DAYS" in none.output
    nothing = runner.invoke(args=["retention", "purge", "--days", "30"])
    assert nothing.exit_code == 0 and "Nothing to remove" in nothing.output
    later = datetime.now(UTC) + timedelta(days=31)
    import interviewer.clock

    real = interviewer.clock.utcnow
    interviewer.clock.utcnow = lambda: later
    try:
        dry = runner.invoke(args=["retention", "purge", "--days", "30", "--dry-run"])
        assert dry.exit_code == 0 and interview.id in dry.output and "Would remove 1 interview" in dry.output
        assert repos.interviews.get(interview.id) is not None
        done = runner.invoke(args=["retention", "purge", "--days", "30"])
        assert "Removed 1 interview" in done.output
    finally:
        interviewer.clock.utcnow = real
    assert repos.interviews.get(interview.id) is None and repos.responses.for_interview(interview.id) == {}
    assert repos.users.get(cand.id) is not None  # the account stays: retention is about interviews
    assert audit.verify(repos).ok
