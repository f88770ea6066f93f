"""The admin's outbox page: every message with its state and the server's reply, resend, and no
sign-in link shown to anyone."""
from __future__ import annotations

import pytest
from support import PASSWORD

import interviewer.mail as mail
from interviewer.db import get_repos
from interviewer.services import users as user_service


@pytest.fixture
def site(build_app, smtp):
    app = build_app(MAIL_URL=smtp.url, WTF_CSRF_ENABLED=False)
    repos = get_repos(app)
    admin = user_service.create_user(repos, "root@acme.example", "Root", PASSWORD, "admin")
    hr = user_service.create_user(repos, "hr@acme.example", "Hana", PASSWORD, "hr")
    return app, repos, admin, hr


def signed_in(app, user):
    client = app.test_client()
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    return client


def test_a_refused_message_shows_the_reply_and_can_be_sent_again(site, smtp):
    app, repos, admin, hr = site
    app.test_client().post("/password/forgot", data={"email": hr.email})
    smtp.rcpt_reply = "550 5.1.1 Mailbox unavailable"
    mail.send_due(app)
    client = signed_in(app, admin)
    page = client.get("/admin/outbox?state=failed").get_data(as_text=True)
    assert "550 5.1.1 Mailbox unavailable" in page and 'data-state="failed"' in page
    [message] = repos.outbox.page("failed")[0]
    detail = client.get(f"/admin/outbox/{message['id']}").get_data(as_text=True)
    assert "Send again" in detail and "/password/reset/" not in detail and 'data-testid="body-hidden"' in detail
    smtp.rcpt_reply = None
    assert client.post(f"/admin/outbox/{message['id']}/resend").status_code in (302, 303)
    assert repos.outbox.get(message["id"])["state"] == "queued"
    mail.send_due(app)
    assert repos.outbox.get(message["id"])["state"] == "sent" and len(smtp.messages) == 1
    again = client.post(f"/admin/outbox/{message['id']}/resend", follow_redirects=True)
    assert "Only a failed or dropped message" in again.get_data(as_text=True)


def test_without_a_mail_server_messages_are_kept_and_the_page_says_so(build_app, capsys):
    app = build_app(WTF_CSRF_ENABLED=False, MAIL_URL="")
    repos = get_repos(app)
    admin = user_service.create_user(repos, "root@acme.example", "Root", PASSWORD, "admin")
    app.test_client().post("/password/forgot", data={"email": admin.email})
    assert mail.send_due(app)["kept"] == 1
    assert "e-mail not sent (no MAIL_URL)" in capsys.readouterr().err
    page = signed_in(app, admin).get("/admin/outbox").get_data(as_text=True)
    assert 'data-testid="no-mail-url"' in page and 'data-state="kept"' in page


@pytest.mark.parametrize("path", ["/admin/outbox", "/admin/outbox/{id}"])
def test_only_admins_see_the_outbox(site, path):
    app, repos, admin, hr = site
    app.test_client().post("/password/forgot", data={"email": hr.email})
    [message] = repos.outbox.page(None)[0]
    assert signed_in(app, hr).get(path.format(id=message["id"])).status_code == 403
    assert signed_in(app, admin).get(path.format(id=message["id"])).status_code == 200
    assert signed_in(app, admin).get("/admin/outbox/not-an-id").status_code == 404
    assert signed_in(app, hr).post(f"/admin/outbox/{message['id']}/resend").status_code == 403
