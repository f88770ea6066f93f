"""CSRF with protection on, as in production: forms carry the field, htmx sends the header."""
from __future__ import annotations

import time

import itsdangerous.timed
import pytest
from support import PASSWORD, csrf_token_from

from interviewer.db import get_repos
from interviewer.services import users as user_service

OUT_OF_DATE = "This form is out of date"
HX = {"HX-Request": "true"}


@pytest.fixture
def client(csrf_app):
    return csrf_app.test_client()


@pytest.fixture
def people(csrf_app):
    with csrf_app.app_context():
        repos = get_repos()
        admin = user_service.create_user(repos, "admin@example.com", "Admin", PASSWORD, "admin")
        hr = user_service.create_user(repos, "hr@example.com", "HR", PASSWORD, "hr")
        cand = user_service.create_user(repos, "cand@example.com", "Cand", PASSWORD, "candidate")
    return {"admin": admin, "hr": hr, "cand": cand, "repos": repos}


def sign_in(client, user):
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    return response


def test_the_token_never_expires_by_configuration(csrf_app):
    assert csrf_app.config["WTF_CSRF_TIME_LIMIT"] is None
    assert csrf_app.config.get("WTF_CSRF_ENABLED", True) is True


@pytest.mark.parametrize("token", [None, "", "forged-token"])
def test_form_post_without_a_valid_token_is_400_with_a_page(client, people, token):
    data = {"email": people["hr"].email, "password": PASSWORD}
    if token is not None:
        data["csrf_token"] = token
    response = client.post("/login", data=data)
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert OUT_OF_DATE in body
    assert "<html" in body
    assert "HX-Retarget" not in response.headers
    with client.session_transaction() as session:
        assert "_user_id" not in session


@pytest.mark.parametrize("header", [None, "", "forged-token"])
def test_htmx_post_without_a_valid_token_is_400_with_the_messages_fragment(client, people, header):
    sign_in(client, people["admin"])
    headers = dict(HX)
    if header is not None:
        headers["X-CSRFToken"] = header
    response = client.post(f"/admin/users/{people['cand'].id}/assign", data={"hr_id": people["hr"].id},
                           headers=headers)
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert OUT_OF_DATE in body
    assert "<html" not in body
    assert 'class="flash flash-error"' in body
    assert response.headers["HX-Retarget"] == "#messages"
    assert people["repos"].users.get(people["cand"].id).status == "registered"


def test_form_post_with_the_hidden_field_succeeds(client, people):
    response = sign_in(client, people["hr"])
    assert response.headers["Location"] == "/hr/interviews"
    with client.session_transaction() as session:
        assert session["_user_id"] == people["hr"].id


def test_body_hx_headers_carry_the_token_for_htmx(client, people):
    sign_in(client, people["admin"])
    page = client.get("/admin/users").get_data(as_text=True)
    token = csrf_token_from(page[page.index("<body"):page.index(">", page.index("<body"))])  # the hx-headers one
    response = client.post(f"/admin/users/{people['cand'].id}/assign", data={"hr_id": people["hr"].id},
                           headers={**HX, "X-CSRFToken": token})
    assert response.status_code == 200
    assert response.get_data(as_text=True).lstrip().startswith(f'<tr id="user-{people["cand"].id}">')
    assert people["repos"].users.get(people["cand"].id).status == "assigned"


def test_logout_needs_the_token(client, people):
    sign_in(client, people["hr"])
    assert client.post("/logout").status_code == 400
    assert client.get("/hr/interviews").status_code == 200  # still signed in
    token = csrf_token_from(client.get("/hr/interviews").get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/hr/interviews").status_code == 302


def test_a_token_from_before_sign_in_is_refused_after_it(client, people):
    """Signing in starts a new session, and with it a new token (no fixation)."""
    old = csrf_token_from(client.get("/login").get_data(as_text=True))
    sign_in(client, people["admin"])
    response = client.post(f"/admin/users/{people['cand'].id}/assign", data={"hr_id": people["hr"].id},
                           headers={**HX, "X-CSRFToken": old})
    assert response.status_code == 400


@pytest.fixture
def later(monkeypatch):
    """Move itsdangerous' clock (which signs and checks CSRF tokens) forward."""

    def move(seconds: float):
        real = time.time
        monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: real() + seconds)

    return move


@pytest.mark.parametrize("hours", [2, 12, 72])
def test_a_token_still_works_hours_later(client, people, later, hours):
    """A candidate may sit on one question for hours: the token must not expire under them."""
    sign_in(client, people["admin"])
    token = csrf_token_from(client.get("/admin/users").get_data(as_text=True))
    later(hours * 3600)
    response = client.post(f"/admin/users/{people['cand'].id}/assign", data={"hr_id": people["hr"].id},
                           headers={**HX, "X-CSRFToken": token})
    assert response.status_code == 200
    assert people["repos"].users.get(people["cand"].id).status == "assigned"


def test_with_a_time_limit_the_same_token_would_expire(csrf_app, client, people, later):
    """The control for the test above: it can fail."""
    csrf_app.config["WTF_CSRF_TIME_LIMIT"] = 3600
    sign_in(client, people["admin"])
    token = csrf_token_from(client.get("/admin/users").get_data(as_text=True))
    later(2 * 3600)
    response = client.post(f"/admin/users/{people['cand'].id}/assign", data={"hr_id": people["hr"].id},
                           headers={**HX, "X-CSRFToken": token})
    assert response.status_code == 400
