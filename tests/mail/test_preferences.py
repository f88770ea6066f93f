"""Candidates and staff turn reminders and notices off; invitations, cancellations and security
mail always go; every optional message says how to turn it off."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from support import PASSWORD

import interviewer.mail as mail
from interviewer.db import get_repos
from interviewer.services import interviews as svc
from interviewer.services import outbox
from interviewer.services import users as user_service


@pytest.fixture
def site(build_app, smtp):
    app = build_app(MAIL_URL=smtp.url, WTF_CSRF_ENABLED=False)
    repos = get_repos(app)
    hr = user_service.create_user(repos, "hr@acme.example", "Hana", PASSWORD, "hr")
    cand = user_service.assign(repos, user_service.create_user(repos, "zoe@example.com", "Zoë", PASSWORD,
                                                               "candidate").id, hr.id)
    return app, repos, hr, cand


def signed_in(app, user):
    client = app.test_client()
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    return client


def test_a_candidate_turns_off_shared_results_notices_but_still_gets_invitations(site, smtp):
    app, repos, hr, cand = site
    client = signed_in(app, cand)
    page = client.get("/account/notifications").get_data(as_text=True)
    assert 'value="reminder"' in page and 'value="results_shared"' in page and 'value="invitation"' not in page
    # Only reminders stay on (results notices off); a made-up or mandatory kind is ignored.
    client.post("/account/notifications", data={"on": ["reminder"]})
    client.post("/account/notifications", data={"on": ["reminder", "invitation", "nonsense"]})
    assert repos.users.get(cand.id).mail_off == ["results_shared"]
    now = datetime.now(UTC)
    req = svc.ScheduleRequest(cand.id, "Data engineer", "SQL", now - timedelta(hours=1), now + timedelta(days=3), 1)
    interview = svc.schedule(repos, hr, req, [q.__dict__ for q in svc.draft_questions(repos, hr, req, now).questions], now)
    mail.send_due(app)
    svc.save_answer(repos, cand, interview.id, interview.questions[0].id, "An answer.", now, seq=1)
    svc.submit(repos, cand, interview.id, now)
    svc.record_result(repos, hr, interview.id, "8", "Good.", now)
    svc.set_shared(repos, hr, interview.id, True, now)
    outcomes = mail.send_due(app)
    assert outcomes["dropped"] == 1 and outcomes["sent"] == 1  # results notice dropped; HR's hand-in notice sent
    subjects = [str(m["Subject"]) for _, _, m in smtp.messages]
    assert any(s.startswith("Written interview") for s in subjects) and not any("Your results" in s for s in subjects)
    dropped = [m for m in repos.outbox.page("dropped")[0]]
    assert dropped[0]["last_error"] == "The recipient turned these messages off."


def test_optional_messages_say_how_to_turn_them_off_and_mandatory_ones_do_not(site, smtp):
    app, repos, hr, cand = site
    now = datetime.now(UTC)
    req = svc.ScheduleRequest(cand.id, "Data engineer", "SQL", now - timedelta(hours=1), now + timedelta(days=3), 1)
    interview = svc.schedule(repos, hr, req, [q.__dict__ for q in svc.draft_questions(repos, hr, req, now).questions], now)
    mail.send_due(app)  # the invitation
    svc.submit(repos, cand, interview.id, now)  # nothing answered: still handed in
    mail.send_due(app)
    bodies = {str(m["Subject"]).split(":")[0]: m.get_body(("plain",)).get_content() for _, _, m in smtp.messages}
    assert set(bodies) == {"Written interview", "Handed in"}
    assert "/account/notifications" in bodies["Handed in"]
    assert all("/account/notifications" not in b for s, b in bodies.items() if s != "Handed in")


def test_staff_may_turn_off_only_hand_in_notices(site):
    app, repos, hr, _ = site
    assert [k for k, _ in outbox.optional_kinds("hr")] == ["handed_in"]
    assert outbox.set_mail_off(repos, hr, ["handed_in", "password_reset", "reminder"]) == ["handed_in"]
