"""Password guessing is slowed: after 10 failures for one e-mail in 15 minutes, sign-in waits."""
from datetime import timedelta

import pytest
from support import PASSWORD

from interviewer.errors import TooManyAttempts
from interviewer.services import users as svc


@pytest.fixture
def user(make_user):
    return make_user("hr", email="Hana@Example.com")


def _fail(repos, email, now, times):
    for i in range(times):
        assert svc.authenticate(repos, email, "wrong password", now + timedelta(seconds=i)) is None


def test_the_eleventh_try_is_refused_even_with_the_right_password(repos, user, now):
    _fail(repos, "hana@example.com", now, svc.MAX_FAILURES)
    with pytest.raises(TooManyAttempts) as info:
        svc.authenticate(repos, "HANA@example.com ", PASSWORD, now + timedelta(minutes=1))
    assert info.value.status == 429 and "15 minutes" in info.value.message


def test_the_window_passes(repos, user, now):
    _fail(repos, user.email, now, svc.MAX_FAILURES)
    later = now + svc.FAILURE_WINDOW + timedelta(seconds=svc.MAX_FAILURES + 1)
    assert svc.authenticate(repos, user.email, PASSWORD, later).id == user.id


def test_a_success_clears_the_count(repos, user, now):
    _fail(repos, user.email, now, svc.MAX_FAILURES - 1)
    assert svc.authenticate(repos, user.email, PASSWORD, now + timedelta(minutes=1)) is not None
    _fail(repos, user.email, now + timedelta(minutes=2), svc.MAX_FAILURES - 1)
    assert svc.authenticate(repos, user.email, PASSWORD, now + timedelta(minutes=3)) is not None


def test_unknown_emails_are_throttled_alike_and_others_are_not_affected(repos, user, make_user, now):
    _fail(repos, "nobody@example.com", now, svc.MAX_FAILURES)
    with pytest.raises(TooManyAttempts):
        svc.authenticate(repos, "nobody@example.com", "x", now + timedelta(minutes=1))
    other = make_user("candidate")
    assert svc.authenticate(repos, other.email, PASSWORD, now + timedelta(minutes=1)).id == other.id


def test_old_failures_are_pruned(repos, user, now):
    _fail(repos, user.email, now, 3)
    _fail(repos, user.email, now + svc.FAILURE_WINDOW + timedelta(minutes=1), 1)
    assert repos.db.login_attempts.count_documents({}) == 1


def test_the_sign_in_page_says_so(client, repos, user):
    for _ in range(svc.MAX_FAILURES):
        assert client.post("/login", data={"email": user.email, "password": "nope"}).status_code == 422
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 429 and "Too many failed sign-ins" in response.get_data(as_text=True)


def test_the_token_endpoint_says_so(client, repos, user):
    for _ in range(svc.MAX_FAILURES):
        assert client.post("/auth/token", json={"email": user.email, "password": "nope"}).status_code == 401
    response = client.post("/auth/token", json={"email": user.email, "password": PASSWORD})
    assert response.status_code == 429 and response.get_json()["error"]["code"] == "too_many_attempts"
