"""With REGISTRATION_EMAIL_VERIFY on, self-registration waits for the e-mailed link and answers
the same whether or not the address already has an account."""
from __future__ import annotations

import re

import pytest
from support import PASSWORD

import interviewer.mail as mail
from interviewer.db import get_repos
from interviewer.services import users as user_service


@pytest.fixture
def site(build_app, smtp):
    app = build_app(MAIL_URL=smtp.url, WTF_CSRF_ENABLED=False, REGISTRATION_EMAIL_VERIFY=True,
                    BASE_URL="https://interviews.acme.example")
    return app, get_repos(app)


def register(client, email, name="Carla"):
    return client.post("/register", data={"name": name, "email": email, "password": PASSWORD, "confirm": PASSWORD})


def test_a_new_account_waits_for_the_link(site, smtp):
    app, repos = site
    client = app.test_client()
    page = register(client, "carla@example.com")
    assert page.status_code == 200 and 'data-testid="check-inbox"' in page.get_data(as_text=True)
    carla = repos.users.by_email("carla@example.com")
    assert carla is not None and not carla.email_verified
    refused = client.post("/login", data={"email": carla.email, "password": PASSWORD})
    assert refused.status_code == 403 and "Confirm your e-mail address first" in refused.get_data(as_text=True)
    assert client.post("/auth/token", json={"email": carla.email, "password": PASSWORD}).status_code == 403
    assert client.get("/candidate/").status_code == 302  # not signed in
    assert mail.send_due(app)["sent"] == 1
    text = smtp.messages[0][2].get_body(("plain",)).get_content()
    link = re.search(r"https://interviews\.acme\.example(/register/verify/\S+)", text).group(1)
    confirmed = client.get(link)
    assert confirmed.status_code == 302 and confirmed.headers["Location"].endswith("/candidate/")
    assert client.get("/candidate/").status_code == 200 and repos.users.get(carla.id).email_verified
    other = app.test_client()
    assert other.post("/login", data={"email": carla.email, "password": PASSWORD}).status_code == 302


def test_a_taken_address_gets_the_same_answer_and_its_owner_is_told(site, smtp):
    app, repos = site
    owner = user_service.create_user(repos, "owner@example.com", "Owner", PASSWORD, "candidate")
    client = app.test_client()
    taken, fresh = register(client, "owner@example.com"), register(client, "someone@example.com")
    strip = lambda r, e: r.get_data(as_text=True).replace(e, "")  # noqa: E731
    assert taken.status_code == fresh.status_code == 200
    assert strip(taken, "owner@example.com") == strip(fresh, "someone@example.com")
    assert [u.email for u in [repos.users.by_email("owner@example.com")]] == [owner.email]  # nothing replaced
    register(client, "owner@example.com")  # again within the hour: no second message
    mail.send_due(app)
    by_rcpt = {tuple(rcpt): m for _, rcpt, m in smtp.messages}
    assert set(by_rcpt) == {("owner@example.com",), ("someone@example.com",)}
    assert "You already have one" in by_rcpt[("owner@example.com",)].get_body(("plain",)).get_content()


def test_a_bad_link_gets_a_clear_page(site):
    app, _ = site
    page = app.test_client().get("/register/verify/not-a-token")
    assert page.status_code == 400 and "not valid" in page.get_data(as_text=True)


def test_without_the_setting_registration_signs_in_at_once(build_app):
    app = build_app(WTF_CSRF_ENABLED=False)
    client = app.test_client()
    assert register(client, "dan@example.com").status_code == 302
    assert get_repos(app).users.by_email("dan@example.com").email_verified
