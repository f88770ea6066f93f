"""Password reset by e-mail: the same answer for every address, a link that works once and
expires, every session and API token of the account ended, read from a real SMTP server."""
from __future__ import annotations

import re
import time

import pytest
from support import PASSWORD

import interviewer.mail as mail
from interviewer.db import get_repos
from interviewer.services import users as user_service


@pytest.fixture
def reset_app(build_app, smtp):
    return build_app(MAIL_URL=smtp.url, WTF_CSRF_ENABLED=False, BASE_URL="https://interviews.acme.example")


@pytest.fixture
def hana(reset_app):
    return user_service.create_user(get_repos(reset_app), "hana@acme.example", "Hana", PASSWORD, "hr")


def link_from(smtp) -> str:
    text = smtp.messages[-1][2].get_body(("plain",)).get_content()
    return re.search(r"https://interviews\.acme\.example(/password/reset/\S+)", text).group(1)


def ask(client, email):
    return client.post("/password/forgot", data={"email": email})


def test_the_answer_is_the_same_whether_or_not_the_address_has_an_account(reset_app, hana, smtp):
    client = reset_app.test_client()
    known, unknown = ask(client, "HANA@acme.example"), ask(client, "nobody@acme.example")
    assert known.status_code == unknown.status_code == 200
    def strip(reply, email):
        """The page without the address typed and without the CSRF token, which carries the second it
        was signed in (two requests a second apart differ there, whatever the address)."""
        text = re.sub(r'(X-CSRFToken": ")[^"]+', r"\1", reply.get_data(as_text=True).replace(email, ""))
        return re.sub(r'(name="csrf_token" value=")[^"]+', r"\1", text)

    assert strip(known, "HANA@acme.example") == strip(unknown, "nobody@acme.example")
    assert mail.send_due(reset_app)["sent"] == 1
    [(_, rcpt, email)] = smtp.messages
    assert rcpt == ["hana@acme.example"] and "Reset your password" in email["Subject"]
    assert "works once, for 60 minutes" in email.get_body(("plain",)).get_content()


def test_a_link_sets_a_new_password_once_and_signs_the_account_out_everywhere(reset_app, hana, smtp):
    repos = get_repos(reset_app)
    elsewhere = reset_app.test_client()
    assert elsewhere.post("/login", data={"email": hana.email, "password": PASSWORD}).status_code == 302
    token = elsewhere.post("/auth/token", json={"email": hana.email, "password": PASSWORD}).get_json()["access_token"]
    client = reset_app.test_client()
    ask(client, hana.email)
    mail.send_due(reset_app)
    link = link_from(smtp)
    assert client.get(link).status_code == 200
    short = client.post(link, data={"password": "short", "confirm": "short"})
    assert short.status_code == 422 and "at least 8" in short.get_data(as_text=True)
    done = client.post(link, data={"password": "a new long password", "confirm": "a new long password"})
    assert done.status_code == 302 and done.headers["Location"].endswith("/login")
    assert user_service.authenticate(repos, hana.email, "a new long password") is not None
    assert user_service.authenticate(repos, hana.email, PASSWORD) is None
    assert elsewhere.get("/hr/interviews").status_code == 302  # that browser's session ended
    assert elsewhere.get("/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    again = client.get(link)
    assert again.status_code == 400 and "already used" in again.get_data(as_text=True)
    assert client.post(link, data={"password": "another password", "confirm": "another password"}).status_code == 400


def test_an_expired_link_is_refused_with_a_clear_page(reset_app, hana, smtp, monkeypatch):
    import itsdangerous.timed

    ask(reset_app.test_client(), hana.email)
    mail.send_due(reset_app)
    link = link_from(smtp)
    monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp", lambda self: int(time.time()) + 61 * 60)
    page = reset_app.test_client().get(link)
    assert page.status_code == 400 and "expired" in page.get_data(as_text=True)


@pytest.mark.parametrize("mangle", [lambda t: t[:-3] + "abc", lambda t: t[:10], lambda t: "x", lambda t: t + "%00",
                                    lambda t: "é" * 300])
def test_a_tampered_link_gets_a_clear_page(reset_app, hana, smtp, mangle):
    ask(reset_app.test_client(), hana.email)
    mail.send_due(reset_app)
    prefix, token = link_from(smtp).rsplit("/", 1)
    page = reset_app.test_client().get(f"{prefix}/{mangle(token)}")
    assert page.status_code == 400 and "Ask for a new link" in page.get_data(as_text=True)


def test_a_deactivated_account_gets_no_link_and_its_old_link_stops_working(reset_app, hana, smtp):
    repos = get_repos(reset_app)
    ask(reset_app.test_client(), hana.email)
    mail.send_due(reset_app)
    link = link_from(smtp)
    user_service.set_active(repos, hana.id, False)
    page = reset_app.test_client().get(link)
    assert page.status_code == 400 and "not valid any more" in page.get_data(as_text=True)
    ask(reset_app.test_client(), hana.email)
    assert mail.send_due(reset_app) == {} and len(smtp.messages) == 1


def test_asking_for_links_is_throttled_per_address(reset_app, hana):
    client = reset_app.test_client()
    codes = [ask(client, f"someone{i}@example.com").status_code for i in range(11)]
    assert codes[:10] == [200] * 10 and codes[10] == 429


def test_the_sign_in_page_links_to_the_reset(reset_app):
    assert b'href="/password/forgot"' in reset_app.test_client().get("/login").data
