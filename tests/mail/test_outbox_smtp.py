"""The outbox against a real SMTP server: what each message says, its calendar invitation, retries,
refusals, a server that is down, header injection, and senders that race or die."""
from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from datetime import UTC, datetime, timedelta
from email.headerregistry import Address

import pytest
from icalendar import Calendar
from support import PASSWORD

import interviewer.mail as mail
from interviewer.db import get_repos
from interviewer.services import interviews as svc
from interviewer.services import outbox
from interviewer.services import users as user_service


@pytest.fixture
def mail_app(build_app, smtp):
    return build_app(MAIL_URL=smtp.url, WTF_CSRF_ENABLED=False, MAIL_FROM="Hiring at Acme <jobs@acme.example>",
                     BASE_URL="https://interviews.acme.example")


@pytest.fixture
def people(mail_app):
    repos = get_repos(mail_app)
    hr = user_service.create_user(repos, "hr@acme.example", "Hana Recruiter", PASSWORD, "hr")
    cand = user_service.create_user(repos, "zoe@example.com", "Zoë Núñez", PASSWORD, "candidate")
    return repos, hr, user_service.assign(repos, cand.id, hr.id)


def schedule(repos, hr, cand, title="Backend engineer", draft_id=None):
    now = datetime.now(UTC).replace(microsecond=0)
    req = svc.ScheduleRequest(cand.id, title, "Python", now + timedelta(hours=2), now + timedelta(days=2), 3)
    items = [q.__dict__ for q in svc.draft_questions(repos, hr, req, now).questions]
    if draft_id:
        return svc.schedule_draft_once(repos, hr, req, items, now, draft_id)[0]
    return svc.schedule(repos, hr, req, items, now)


def attachment(email, method):
    parts = [p for p in email.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1
    assert parts[0].get_param("method") == method
    return Calendar.from_ical(parts[0].get_content())


def event_of(cal):
    return next(c for c in cal.walk() if c.name == "VEVENT")


def stored(repos, kind):
    return [m for m in repos.outbox.page(None, 1, 100)[0] if m["kind"] == kind]


def test_the_invitation_reaches_the_candidate_as_a_calendar_request(mail_app, people, smtp):
    repos, hr, cand = people
    interview = schedule(repos, hr, cand)
    [queued] = stored(repos, "invitation")
    assert queued["state"] == "queued" and not smtp.messages  # the request did not wait for SMTP

    assert mail.send_due(mail_app)["sent"] == 1
    [(mail_from, rcpt, email)] = smtp.messages
    assert mail_from == "jobs@acme.example" and rcpt == ["zoe@example.com"]
    assert email["To"].addresses[0].display_name == "Zoë Núñez"
    assert email["Message-ID"].strip() == queued["message_id"]
    assert "Backend engineer" in email["Subject"]
    text = email.get_body(("plain",)).get_content()
    link = f"https://interviews.acme.example/candidate/interviews/{interview.id}"
    assert link in text and link in email.get_body(("html",)).get_content()
    assert interview.starts_at.strftime("%H:%M UTC") in text and "because an interview was scheduled for you" in text
    cal = attachment(email, "REQUEST")
    event = event_of(cal)
    assert str(cal["METHOD"]) == "REQUEST" and str(event["UID"]) == f"interview-{interview.id}@interviewer"
    assert int(event["SEQUENCE"]) == 0
    assert str(event["ORGANIZER"]) == "mailto:hr@acme.example" and str(event["ATTENDEE"]) == "mailto:zoe@example.com"
    assert event.decoded("DTSTART") == interview.starts_at
    assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(hours=1)
    assert any(c.name == "VALARM" for c in event.walk())
    assert repos.outbox.get(queued["id"])["state"] == "sent"


def test_a_cancellation_withdraws_the_same_calendar_entry(mail_app, people, smtp):
    repos, hr, cand = people
    interview = schedule(repos, hr, cand)
    mail.send_due(mail_app)
    svc.cancel(repos, hr, interview.id, datetime.now(UTC))
    assert mail.send_due(mail_app)["sent"] == 1
    invite, cancel = (event_of(attachment(m, method)) for (_, _, m), method in zip(smtp.messages, ("REQUEST", "CANCEL")))
    assert cancel["UID"] == invite["UID"] and int(cancel["SEQUENCE"]) == int(invite["SEQUENCE"]) + 1
    assert str(cancel["STATUS"]) == "CANCELLED"
    assert "cancelled" in smtp.messages[1][2].get_body(("plain",)).get_content()
    # The candidate's download now serves the cancellation instead of a 404.
    client = mail_app.test_client()
    client.post("/login", data={"email": cand.email, "password": PASSWORD})
    download = client.get(f"/candidate/interviews/{interview.id}/invite.ics")
    assert download.status_code == 200
    assert str(Calendar.from_ical(download.data)["METHOD"]) == "CANCEL"


def test_hand_in_and_shared_results_reach_their_recipients(mail_app, people, smtp):
    repos, hr, cand = people
    now = datetime.now(UTC)
    req = svc.ScheduleRequest(cand.id, "Data engineer", "SQL", now - timedelta(hours=1), now + timedelta(days=1), 2)
    interview = svc.schedule(repos, hr, req, [q.__dict__ for q in svc.draft_questions(repos, hr, req, now).questions], now)
    for q in interview.questions:
        svc.save_answer(repos, cand, interview.id, q.id, "An answer.", now, seq=1)
    svc.submit(repos, cand, interview.id, now)
    svc.record_result(repos, hr, interview.id, "7", "Solid.", now)
    svc.set_shared(repos, hr, interview.id, True, now)
    svc.set_shared(repos, hr, interview.id, False, now)
    svc.set_shared(repos, hr, interview.id, True, now)  # shared twice: one notice
    outcomes = mail.send_due(mail_app)
    # The invitation never went out (nor was a reminder queued): it was handed in before the sender ran.
    assert outcomes["sent"] == 2 and outcomes["dropped"] == 1
    by_kind = {m["kind"]: m for m in repos.outbox.page(None)[0]}
    received = {email["Message-ID"].strip(): (rcpt, email) for _, rcpt, email in smtp.messages}
    rcpt, handed_in = received[by_kind["handed_in"]["message_id"]]
    assert rcpt == ["hr@acme.example"] and "Zoë Núñez handed in" in handed_in.get_body(("plain",)).get_content()
    assert f"/hr/interviews/{interview.id}" in handed_in.get_body(("plain",)).get_content()
    rcpt, shared = received[by_kind["results_shared"]["message_id"]]
    body = shared.get_body(("plain",)).get_content()
    assert rcpt == ["zoe@example.com"] and f"/candidate/history/{interview.id}" in body
    assert "7" not in body.replace(interview.id, "")  # a link, never the score


def test_a_temporary_refusal_is_retried_with_the_same_message_id(mail_app, people, smtp, monkeypatch):
    repos, hr, cand = people
    schedule(repos, hr, cand)
    smtp.rcpt_reply = "451 4.3.0 Mailbox busy, try later"
    assert mail.send_due(mail_app)["retry"] == 1
    [message] = stored(repos, "invitation")
    assert message["state"] == "queued" and message["attempts"] == 1 and "451" in message["last_error"]
    assert message["next_attempt_at"] > datetime.now(UTC)
    assert mail.send_due(mail_app) == {}  # not due yet
    smtp.rcpt_reply = None
    monkeypatch.setattr(mail, "utcnow", lambda: datetime.now(UTC) + timedelta(minutes=2))
    assert mail.send_due(mail_app)["sent"] == 1
    [(_, _, email)] = smtp.messages
    assert email["Message-ID"].strip() == message["message_id"]
    assert repos.outbox.get(message["id"])["attempts"] == 2


def test_a_permanent_refusal_fails_visibly_and_can_be_sent_again(mail_app, people, smtp):
    repos, hr, cand = people
    schedule(repos, hr, cand)
    smtp.rcpt_reply = "550 5.1.1 No such user here"
    assert mail.send_due(mail_app)["failed"] == 1
    [message] = stored(repos, "invitation")
    assert message["state"] == "failed" and message["last_error"] == "550 5.1.1 No such user here"
    smtp.rcpt_reply = None
    outbox.resend(repos, message["id"], datetime.now(UTC))
    assert mail.send_due(mail_app)["sent"] == 1 and len(smtp.messages) == 1


def test_retries_stop_after_max_attempts(mail_app, people, smtp, monkeypatch):
    repos, hr, cand = people
    schedule(repos, hr, cand)
    smtp.data_reply = "452 4.3.1 Insufficient system storage"
    later = datetime.now(UTC)
    for _ in range(outbox.MAX_ATTEMPTS):
        later += timedelta(hours=7)
        monkeypatch.setattr(mail, "utcnow", lambda t=later: t)
        mail.send_due(mail_app)
    [message] = stored(repos, "invitation")
    assert message["state"] == "failed" and message["attempts"] == outbox.MAX_ATTEMPTS and "452" in message["last_error"]


def test_a_mail_server_that_is_down_never_fails_the_request(build_app, smtp):
    from smtp_recorder import free_port

    app = build_app(MAIL_URL=f"smtp://127.0.0.1:{free_port()}?starttls=off&timeout=2", WTF_CSRF_ENABLED=False,
                    MAIL_SENDER="inline")
    repos = get_repos(app)
    hr = user_service.create_user(repos, "hr@acme.example", "Hana", PASSWORD, "hr")
    cand = user_service.assign(repos, user_service.create_user(repos, "c@example.com", "C", PASSWORD, "candidate").id,
                               hr.id)
    interview = schedule(repos, hr, cand)
    client = app.test_client()
    client.post("/login", data={"email": hr.email, "password": PASSWORD})
    reply = client.post(f"/hr/interviews/{interview.id}/cancel")
    assert reply.status_code in (200, 302, 303)
    assert repos.interviews.get(interview.id).status == "cancelled"
    states = {m["kind"]: m for m in repos.outbox.page(None)[0]}
    assert states["cancellation"]["state"] == "queued" and "Could not reach the mail server" in \
        states["cancellation"]["last_error"]


def test_names_and_subjects_cannot_inject_headers():
    message = {"message_id": "<x@interviewer.invalid>"}
    rendered = {"to": "eve@example.com", "to_name": "Eve\r\nBcc: thief@example.com", "text": "t", "html": "<p>t</p>",
                "subject": "Job\r\nBcc: thief@example.com\nX-Evil: 1", "attachments": []}
    email = outbox.build(message, rendered, Address("A", addr_spec="a@example.com"), datetime.now(UTC))
    raw = email.as_bytes()
    assert b"\nBcc:" not in raw and b"\nX-Evil:" not in raw
    assert email["Subject"] == "Job Bcc: thief@example.com X-Evil: 1"


def test_a_message_whose_cause_was_never_written_is_dropped_after_the_grace(mail_app, people, smtp, monkeypatch):
    repos, _, cand = people
    now = datetime.now(UTC)
    outbox.queue(repos, "invitation", cand.id, {"interview_id": repos.interviews.new_id()}, now, key="invitation:x:0")
    assert mail.send_due(mail_app)["waiting"] == 1
    [message] = stored(repos, "invitation")
    assert message["state"] == "queued" and message["attempts"] == 0
    monkeypatch.setattr(mail, "utcnow", lambda: now + outbox.CAUSE_GRACE + timedelta(minutes=1))
    assert mail.send_due(mail_app)["dropped"] == 1
    assert repos.outbox.get(message["id"])["state"] == "dropped" and not smtp.messages


def test_an_invitation_cancelled_before_it_went_out_is_dropped(mail_app, people, smtp):
    repos, hr, cand = people
    interview = schedule(repos, hr, cand)
    svc.cancel(repos, hr, interview.id, datetime.now(UTC))
    outcomes = mail.send_due(mail_app)
    assert outcomes["dropped"] == 1 and outcomes["sent"] == 1
    assert [str(email["Subject"]).startswith("Cancelled") for _, _, email in smtp.messages] == [True]


def test_one_draft_scheduled_twice_sends_one_invitation(mail_app, people, smtp):
    repos, hr, cand = people
    draft_id = repos.interviews.new_id()
    first = schedule(repos, hr, cand, draft_id=draft_id)
    again = schedule(repos, hr, cand, draft_id=draft_id)
    assert first.id == again.id
    assert mail.send_due(mail_app)["sent"] == 1 and len(smtp.messages) == 1


def test_two_senders_racing_deliver_each_message_once(mail_app, people, smtp):
    repos, hr, _ = people
    cands = [user_service.assign(repos, user_service.create_user(repos, f"c{i}@example.com", f"C {i}", PASSWORD,
                                                                 "candidate").id, hr.id) for i in range(12)]
    for c in cands:
        schedule(repos, hr, c)
    results = []
    threads = [threading.Thread(target=lambda: results.append(mail.send_due(mail_app, limit=3))) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ids = [email["Message-ID"].strip() for _, _, email in smtp.messages]
    assert len(ids) == 12 and len(set(ids)) == 12
    assert sum(r["sent"] for r in results) == 12


def test_a_sender_killed_mid_batch_loses_nothing_and_never_changes_a_message_id(build_app, smtp, tmp_path,
                                                                               monkeypatch):
    """A real process sending over a slow server is killed -9 after the first delivery; a second
    sender, once the dead one's claim has lapsed, sends the rest."""
    import asyncio
    import os
    import time

    if not os.environ.get("TEST_BACKEND", "").startswith("sqlite"):
        pytest.skip("needs a store shared between processes (TEST_BACKEND=sqlite)")
    app = build_app(MAIL_URL=smtp.url, WTF_CSRF_ENABLED=False)
    repos = get_repos(app)
    hr = user_service.create_user(repos, "hr@acme.example", "Hana", PASSWORD, "hr")
    for i in range(6):
        c = user_service.create_user(repos, f"c{i}@example.com", f"C {i}", PASSWORD, "candidate")
        schedule(repos, hr, user_service.assign(repos, c.id, hr.id))
    expected = {m["message_id"] for m in repos.outbox.page(None)[0]}
    slow = smtp.handle_DATA

    async def slow_data(server, session, envelope):
        await asyncio.sleep(0.5)
        return await slow(server, session, envelope)

    smtp.handle_DATA = slow_data
    script = textwrap.dedent(f"""
        from interviewer import create_app, mail
        app = create_app({{"TESTING": True, "SECRET_KEY": "x", "MONGO_URI": {app.config["MONGO_URI"]!r},
                          "MONGO_DB": {app.config["MONGO_DB"]!r}, "MAIL_URL": {smtp.url!r}, "MAIL_SENDER": "manual"}})
        mail.send_due(app, limit=2)
    """)
    child = subprocess.Popen([sys.executable, "-c", script], cwd=os.getcwd())
    deadline = time.monotonic() + 60
    while not smtp.messages and time.monotonic() < deadline:
        time.sleep(0.05)
    child.kill()
    child.wait()
    assert smtp.messages, "the child sent nothing before it was killed"
    smtp.handle_DATA = slow
    monkeypatch.setattr(mail, "utcnow", lambda: datetime.now(UTC) + outbox.LEASE + timedelta(seconds=1))
    mail.send_due(app)
    received = [email["Message-ID"].strip() for _, _, email in smtp.messages]
    assert set(received) == expected  # nothing lost, no Message-ID that was not the stored one
    assert len(received) <= len(expected) + 1  # at most the one in flight at the kill, under its own Message-ID
    assert {m["state"] for m in repos.outbox.page(None)[0]} == {"sent"}
