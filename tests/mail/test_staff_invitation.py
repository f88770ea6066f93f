"""A new staff account gets a link to choose its password by e-mail: the admin page and the CLI
need no password, and none travels anywhere."""
from __future__ import annotations

import re
import time

import itsdangerous.timed
import pytest
from support import PASSWORD

import interviewer.mail as mail
from interviewer.db import get_repos
from interviewer.errors import ValidationError
from interviewer.services import users as user_service


@pytest.fixture
def site(build_app, smtp):
    app = build_app(MAIL_URL=smtp.url, WTF_CSRF_ENABLED=False, BASE_URL="https://interviews.acme.example")
    repos = get_repos(app)
    admin = user_service.create_user(repos, "root@acme.example", "Root", PASSWORD, "admin")
    return app, repos, admin


def link(smtp) -> str:
    text = smtp.messages[-1][2].get_body(("plain",)).get_content()
    return re.search(r"https://interviews\.acme\.example(/password/reset/\S+)", text).group(1)


def test_an_admin_creates_an_hr_account_without_a_password_and_its_owner_chooses_one(site, smtp, monkeypatch):
    app, repos, admin = site
    client = app.test_client()
    client.post("/login", data={"email": admin.email, "password": PASSWORD})
    made = client.post("/admin/users", data={"name": "Hana", "email": "hana@acme.example", "role": "hr",
                                             "password": ""}, follow_redirects=True)
    assert made.status_code == 200 and "link to choose a password is queued" in made.get_data(as_text=True)
    hana = repos.users.by_email("hana@acme.example")
    assert hana.role == "hr" and user_service.authenticate(repos, hana.email, "") is None
    assert mail.send_due(app)["sent"] == 1
    [(_, rcpt, email)] = smtp.messages
    body = email.get_body(("plain",)).get_content()
    assert rcpt == ["hana@acme.example"] and "works once, for 72 hours" in body
    assert PASSWORD not in body
    url = link(smtp)
    # Still good a day later (a reset link would have expired after an hour) ...
    monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp", lambda self: int(time.time()) + 86400)
    owner = app.test_client()
    assert owner.get(url).status_code == 200
    done = owner.post(url, data={"password": "hana's own password", "confirm": "hana's own password"})
    assert done.status_code == 302
    assert user_service.authenticate(repos, hana.email, "hana's own password").id == hana.id
    assert owner.get(url).status_code == 400  # ... and good once
    monkeypatch.undo()


def test_an_unused_link_expires_after_its_hours(site, smtp, monkeypatch):
    app, repos, admin = site
    user_service.invite_staff(repos, "ivan@acme.example", "Ivan", "admin", __import__("datetime").datetime.now())
    mail.send_due(app)
    monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp", lambda self: int(time.time()) + 73 * 3600)
    page = app.test_client().get(link(smtp))
    assert page.status_code == 400 and "expired" in page.get_data(as_text=True)


def test_candidates_are_not_invited_this_way(site):
    app, repos, _ = site
    with pytest.raises(ValidationError):
        user_service.invite_staff(repos, "c@example.com", "C", "candidate", __import__("datetime").datetime.now())
    assert repos.users.by_email("c@example.com") is None


def test_the_cli_invites_without_a_password(site, smtp):
    app, repos, _ = site
    result = app.test_cli_runner().invoke(args=["users", "create", "kim@acme.example", "--role", "hr", "--name", "Kim",
                                                "--invite"])
    assert result.exit_code == 0, result.output
    assert "link to choose a password is queued" in result.output
    assert repos.users.get(result.stdout.strip().splitlines()[-1]).email == "kim@acme.example"
    assert mail.send_due(app)["sent"] == 1 and smtp.messages[0][1] == ["kim@acme.example"]
    both = app.test_cli_runner().invoke(args=["users", "create", "x@acme.example", "--role", "hr", "--name", "X",
                                              "--invite", "--password", PASSWORD])
    assert both.exit_code != 0 and repos.users.by_email("x@acme.example") is None
