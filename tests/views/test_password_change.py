"""Changing one's own password (the Hardening issue: "a password change ends all of that user's
sessions"): the current password is checked like a sign-in (and throttled like one), every other
browser is signed out, this one stays signed in, and a refused change changes nothing."""
from __future__ import annotations

import pytest
from support import PASSWORD
from werkzeug.security import check_password_hash

NEW = "a-new-horse-battery-7"


def _change(client, current=PASSWORD, new=NEW, confirm=None):
    return client.post("/account/password", data={"current_password": current, "password": new,
                                                   "confirm": new if confirm is None else confirm})


@pytest.fixture
def two_browsers(app, make_user, login):
    """An HR user signed in on two browsers: (the user, this one, the other one)."""
    user = make_user("hr")
    return user, login(user, c=app.test_client()), login(user, c=app.test_client())


def test_the_page_is_linked_from_every_signed_in_page(app, make_user, login):
    client = login(make_user("candidate"))
    page = client.get("/candidate/").get_data(as_text=True)
    assert 'href="/account/password"' in page
    assert client.get("/account/password").status_code == 200


def test_a_change_signs_out_every_other_browser_and_keeps_this_one(repos, two_browsers, client):
    user, mine, other = two_browsers
    response = _change(mine)
    assert response.status_code == 302 and response.headers["Location"].endswith("/hr/interviews")
    assert "Every other browser" in mine.get("/hr/interviews").get_data(as_text=True)
    assert mine.get("/hr/interviews").status_code == 200
    assert other.get("/hr/interviews").status_code == 302  # to the sign-in page
    stored = repos.users.get(user.id)
    assert check_password_hash(stored.password_hash, NEW) and not check_password_hash(stored.password_hash, PASSWORD)
    assert repos.sessions.count_live(user.id) == 1
    fresh = client
    assert fresh.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 422
    assert fresh.post("/login", data={"email": user.email, "password": NEW}).status_code == 302


@pytest.mark.parametrize("current, new, confirm, field, message", [
    ("wrong-password-1", NEW, None, "current_password", "This is not your current password."),
    (PASSWORD, "short", None, "password", "Field must be between 8 and 1024 characters long."),
    (PASSWORD, PASSWORD, None, "password", "Choose a password different from the current one."),
    (PASSWORD, NEW, NEW + "x", "confirm", "The passwords differ."),
    (PASSWORD, "x" * 1025, None, "password", "Field must be between 8 and 1024 characters long."),
])
def test_a_refused_change_says_why_and_changes_nothing(repos, two_browsers, current, new, confirm, field, message):
    user, mine, other = two_browsers
    before = repos.users.get(user.id).password_hash
    response = _change(mine, current, new, confirm)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert repos.users.get(user.id).password_hash == before
    assert repos.sessions.count_live(user.id) == 2
    assert other.get("/hr/interviews").status_code == 200


def test_a_new_password_of_exactly_8_characters_is_accepted(repos, two_browsers):
    user, mine, _ = two_browsers
    assert _change(mine, new="12345678").status_code == 302
    assert check_password_hash(repos.users.get(user.id).password_hash, "12345678")


def test_guessing_the_current_password_is_throttled_like_a_sign_in(repos, two_browsers):
    user, mine, _ = two_browsers
    before = repos.users.get(user.id).password_hash
    statuses = [_change(mine, current=f"guess-{i:04d}").status_code for i in range(12)]
    assert statuses[0] == 422 and 429 in statuses, statuses
    refused = _change(mine, current=PASSWORD)  # even the right one waits while the account is throttled
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert repos.users.get(user.id).password_hash == before
