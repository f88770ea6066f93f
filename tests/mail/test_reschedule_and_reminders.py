"""Moving an interview (HTML and API) sends an update of the same calendar entry; reminders go to
candidates who have not handed in, once per interview and offset, read from a real SMTP server."""
from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar
from support import PASSWORD

import interviewer.mail as mail
from interviewer.db import get_repos
from interviewer.errors import Conflict, InvalidTransition, ValidationError
from interviewer.services import interviews as svc
from interviewer.services import users as user_service


@pytest.fixture
def site(build_app, smtp):
    app = build_app(MAIL_URL=smtp.url, WTF_CSRF_ENABLED=False)
    repos = get_repos(app)
    hr = user_service.create_user(repos, "hr@acme.example", "Hana", PASSWORD, "hr")
    cand = user_service.assign(repos, user_service.create_user(repos, "zoe@example.com", "Zoë", PASSWORD,
                                                               "candidate").id, hr.id)
    return app, repos, hr, cand


def make(repos, hr, cand, opens_in=timedelta(hours=2), closes_in=timedelta(days=2)):
    now = datetime.now(UTC).replace(microsecond=0)
    req = svc.ScheduleRequest(cand.id, "Backend engineer", "Python", now + opens_in, now + closes_in, 2)
    return svc.schedule(repos, hr, req, [q.__dict__ for q in svc.draft_questions(repos, hr, req, now).questions], now)


def vevent(email, method):
    [part] = [p for p in email.iter_attachments() if p.get_content_type() == "text/calendar"]
    cal = Calendar.from_ical(part.get_content())
    assert str(cal["METHOD"]) == method
    return next(c for c in cal.walk() if c.name == "VEVENT")


def test_a_moved_interview_updates_the_same_calendar_entry(site, smtp):
    app, repos, hr, cand = site
    interview = make(repos, hr, cand)
    mail.send_due(app)
    now = datetime.now(UTC).replace(microsecond=0)
    moved = svc.reschedule(repos, hr, interview.id, interview.starts_at + timedelta(days=1),
                           interview.deadline + timedelta(days=1), now)
    assert moved.sequence == 1 and moved.starts_at == interview.starts_at + timedelta(days=1)
    [entry] = moved.window_history
    assert (entry["old_starts_at"], entry["old_deadline"]) == (interview.starts_at, interview.deadline)
    assert (entry["starts_at"], entry["deadline"], entry["changed_by"]) == (moved.starts_at, moved.deadline, hr.id)
    assert mail.send_due(app)["sent"] == 1
    first, update = (vevent(m, "REQUEST") for _, _, m in smtp.messages)
    assert update["UID"] == first["UID"] and int(update["SEQUENCE"]) == 1
    assert update.decoded("DTSTART") == moved.starts_at
    assert smtp.messages[1][2]["Subject"].startswith("New time:")
    svc.cancel(repos, hr, interview.id, now)
    mail.send_due(app)
    cancel = vevent(smtp.messages[2][2], "CANCEL")
    assert cancel["UID"] == first["UID"] and int(cancel["SEQUENCE"]) == 2


def test_an_interview_already_started_keeps_its_opening_time(site):
    app, repos, hr, cand = site
    interview = make(repos, hr, cand, opens_in=timedelta(hours=-1))
    svc.save_answer(repos, cand, interview.id, interview.questions[0].id, "Started.", datetime.now(UTC), seq=1)
    moved = svc.reschedule(repos, hr, interview.id, interview.starts_at + timedelta(hours=5),
                           interview.deadline + timedelta(hours=5), datetime.now(UTC))
    assert moved.status == "in_progress" and moved.starts_at == interview.starts_at
    assert moved.deadline == interview.deadline + timedelta(hours=5)


def test_moving_is_checked_like_scheduling(site):
    app, repos, hr, cand = site
    interview = make(repos, hr, cand)
    now = datetime.now(UTC)
    with pytest.raises(ValidationError) as bad:
        svc.reschedule(repos, hr, interview.id, interview.starts_at, interview.starts_at - timedelta(hours=1), now)
    assert "deadline" in bad.value.details
    with pytest.raises(ValidationError):
        svc.reschedule(repos, hr, interview.id, interview.starts_at, interview.deadline, now)  # the same window
    other_hr = user_service.create_user(repos, "hr2@acme.example", "Other", PASSWORD, "hr")
    with pytest.raises(Exception) as foreign:
        svc.reschedule(repos, other_hr, interview.id, None, interview.deadline + timedelta(days=1), now)
    assert foreign.value.status == 404
    svc.cancel(repos, hr, interview.id, now)
    with pytest.raises(InvalidTransition):
        svc.reschedule(repos, hr, interview.id, None, interview.deadline + timedelta(days=1), now)
    assert repos.interviews.get(interview.id).sequence == 0  # nothing was written by the refused moves


def test_a_move_read_before_another_one_is_refused(site):
    app, repos, hr, cand = site
    interview = make(repos, hr, cand)
    stale = repos.interviews.get(interview.id)
    svc.reschedule(repos, hr, interview.id, None, interview.deadline + timedelta(days=1), datetime.now(UTC))
    assert not repos.interviews.move_window(stale, stale.starts_at, stale.deadline + timedelta(days=2), {}, None)
    with pytest.raises(Conflict):
        import interviewer.services.interviews as module

        original = module.get_visible
        module.get_visible = lambda *a, **k: stale
        try:
            svc.reschedule(repos, hr, interview.id, None, interview.deadline + timedelta(days=3), datetime.now(UTC))
        finally:
            module.get_visible = original
    assert repos.interviews.get(interview.id).deadline == interview.deadline + timedelta(days=1)


def test_the_api_and_the_page_move_it(site):
    app, repos, hr, cand = site
    interview = make(repos, hr, cand)
    client = app.test_client()
    token = client.post("/auth/token", json={"email": hr.email, "password": PASSWORD}).get_json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    new_deadline = (interview.deadline + timedelta(days=1)).isoformat()
    moved = client.post(f"/interview/{interview.id}/reschedule", json={"deadline": new_deadline}, headers=auth)
    assert moved.status_code == 200 and moved.get_json()["sequence"] == 1
    past = client.post(f"/interview/{interview.id}/reschedule", headers=auth,
                       json={"deadline": (datetime.now(UTC) - timedelta(hours=1)).isoformat()})
    assert past.status_code == 422
    client.post("/login", data={"email": hr.email, "password": PASSWORD})
    page = client.get(f"/hr/interviews/{interview.id}/reschedule")
    assert page.status_code == 200 and "Move the interview" in page.get_data(as_text=True)
    wrong = client.post(f"/hr/interviews/{interview.id}/reschedule",
                        data={"starts_at": "2020-01-01T10:00", "deadline": "2020-01-01T09:00", "tz": "Europe/Paris"})
    assert wrong.status_code == 422 and "after the start" in wrong.get_data(as_text=True)
    local = (interview.deadline + timedelta(days=2)).astimezone(__import__("zoneinfo").ZoneInfo("Europe/Paris"))
    ok = client.post(f"/hr/interviews/{interview.id}/reschedule",
                     data={"starts_at": interview.starts_at.astimezone(local.tzinfo).strftime("%Y-%m-%dT%H:%M"),
                           "deadline": local.strftime("%Y-%m-%dT%H:%M"), "tz": "Europe/Paris"})
    assert ok.status_code in (302, 303)
    stored = repos.interviews.get(interview.id)
    assert stored.sequence == 2 and stored.deadline == (interview.deadline + timedelta(days=2)).replace(second=0)
    assert len(stored.window_history) == 2


def test_reminders_go_once_per_offset_to_candidates_who_have_not_handed_in(site, smtp, monkeypatch):
    app, repos, hr, cand = site
    interview = make(repos, hr, cand, opens_in=timedelta(hours=-1), closes_in=timedelta(hours=30))
    svc.save_answer(repos, cand, interview.id, interview.questions[0].id, "One answer.", datetime.now(UTC), seq=1)
    assert mail.send_due(app)["sent"] == 1  # the invitation; no reminder 30 hours before
    start = datetime.now(UTC)
    monkeypatch.setattr(mail, "utcnow", lambda: start + timedelta(hours=7))  # 23 hours before the deadline
    outcomes = mail.send_due(app)
    assert outcomes["reminders queued"] == 1 and outcomes["sent"] == 1
    text = smtp.messages[-1][2].get_body(("plain",)).get_content()
    assert "closes in about" in text and "answered 1 of 2 questions" in text
    assert mail.send_due(app) == {}  # nothing more until the 1-hour reminder
    monkeypatch.setattr(mail, "utcnow", lambda: start + timedelta(hours=29, minutes=10))
    assert mail.send_due(app)["reminders queued"] == 1
    assert mail.send_due(app) == {}
    svc.submit(repos, cand, interview.id, datetime.now(UTC))
    kinds = [m["kind"] for m in repos.outbox.page(None)[0]]
    assert kinds.count("reminder") == 2


def test_after_an_outage_only_the_nearest_reminder_goes_and_two_scanners_queue_it_once(site, monkeypatch):
    app, repos, hr, cand = site
    interview = make(repos, hr, cand, opens_in=timedelta(hours=-1), closes_in=timedelta(hours=30))
    late = datetime.now(UTC) + timedelta(hours=29, minutes=30)  # both the 24 h and the 1 h reminder are due
    results = []
    threads = [threading.Thread(target=lambda: results.append(svc.queue_reminders(repos, late))) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    reminders = [m for m in repos.outbox.page(None)[0] if m["kind"] == "reminder"]
    assert sum(results) == 1 and len(reminders) == 1 and reminders[0]["refs"]["before_minutes"] == 60
    assert repos.interviews.get(interview.id).next_reminder_at is None


def test_no_reminder_for_an_interview_handed_in_or_cancelled(site):
    app, repos, hr, cand = site
    done = make(repos, hr, cand, opens_in=timedelta(hours=-1), closes_in=timedelta(hours=3))
    svc.submit(repos, cand, done.id, datetime.now(UTC))
    gone = make(repos, hr, cand, closes_in=timedelta(hours=3))
    svc.cancel(repos, hr, gone.id, datetime.now(UTC))
    assert svc.queue_reminders(repos, datetime.now(UTC) + timedelta(hours=2, minutes=30)) == 0


def test_two_processes_scanning_at_once_queue_each_reminder_once(build_app, tmp_path):
    """Two real processes run the reminder scan over the same embedded store at the same moment."""
    import os
    import subprocess
    import sys
    import textwrap

    if not os.environ.get("TEST_BACKEND", "").startswith("sqlite"):
        pytest.skip("needs a store shared between processes (TEST_BACKEND=sqlite)")
    app = build_app(WTF_CSRF_ENABLED=False)
    repos = get_repos(app)
    hr = user_service.create_user(repos, "hr@acme.example", "Hana", PASSWORD, "hr")
    for i in range(20):
        c = user_service.assign(repos, user_service.create_user(repos, f"c{i}@example.com", f"C{i}", PASSWORD,
                                                                "candidate").id, hr.id)
        make(repos, hr, c, opens_in=timedelta(hours=-1), closes_in=timedelta(hours=3))
    go = tmp_path / "go"
    script = textwrap.dedent(f"""
        import os, time
        from datetime import UTC, datetime, timedelta
        from interviewer import create_app
        from interviewer.db import get_repos
        from interviewer.services.interviews import queue_reminders
        app = create_app({{"TESTING": True, "SECRET_KEY": "x", "MONGO_URI": {app.config["MONGO_URI"]!r},
                          "MONGO_DB": {app.config["MONGO_DB"]!r}}})
        repos = get_repos(app)
        while not os.path.exists({str(go)!r}):
            time.sleep(0.01)
        print(queue_reminders(repos, datetime.now(UTC) + timedelta(hours=2, minutes=30), limit=5))
    """)
    children = [subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True) for _ in range(2)]
    go.write_text("go")
    counts = [int(child.communicate(timeout=120)[0].strip()) for child in children]
    # Each process took (up to) the same first 5; this process queues the rest.
    rest = 0
    while queued := svc.queue_reminders(repos, datetime.now(UTC) + timedelta(hours=2, minutes=30)):
        rest += queued
    reminders = [m for m in repos.outbox.page(None, 1, 100)[0] if m["kind"] == "reminder"]
    assert len(reminders) == 20 and len({m["key"] for m in reminders}) == 20
    assert sum(counts) + rest == 20 and sum(counts) >= 5  # no reminder counted as queued by two processes
