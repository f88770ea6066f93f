"""Guessing is throttled (interviewer/throttle.py): per (account, address) a refusal, per account
growing delays that never lock the owner out for long, per address and overall by Flask-Limiter;
every attempt is counted before its password is checked, so parallel attempts check at most the limit."""
from __future__ import annotations

from datetime import timedelta

import pytest
from support import PASSWORD, at_once

from interviewer import throttle
from interviewer.errors import TooManyAttempts
from interviewer.services import users as svc

GUESSER, OWNER = "203.0.113.7", "198.51.100.1"


@pytest.fixture
def user(make_user):
    return make_user("hr", email="Hana@Example.com")


def attempt(repos, email, password, now, address=GUESSER):
    return svc.authenticate(repos, email, password, now, address=address)


def test_one_address_is_refused_after_the_pair_limit_but_the_owner_elsewhere_is_not(repos, user, now):
    for n in range(throttle.PAIR_FAILURES):
        # spaced past each growing delay, so only the pair limit can refuse
        at = now + n * throttle.MAX_DELAY
        assert attempt(repos, user.email, "wrong", at) is None
    later = now + throttle.PAIR_FAILURES * throttle.MAX_DELAY
    with pytest.raises(TooManyAttempts) as refused:
        attempt(repos, user.email, PASSWORD, later)  # even the right password, from the guesser's address
    assert "from here" in refused.value.message and refused.value.details["retry_after"] > 0
    assert attempt(repos, user.email, PASSWORD, later, address=OWNER) == user  # the owner signs in


def test_failures_on_an_account_bring_delays_that_double_and_stop_at_a_minute(repos, user, now):
    addresses = (f"10.0.0.{i}" for i in range(100))  # a distributed guesser: the pair limit never applies
    for _ in range(throttle.FREE_FAILURES):
        assert attempt(repos, user.email, "wrong", now, next(addresses)) is None
    at, waits = now, []
    for _ in range(8):
        assert attempt(repos, user.email, "wrong", at, next(addresses)) is None
        with pytest.raises(TooManyAttempts) as refused:
            attempt(repos, user.email, PASSWORD, at, OWNER)
        waits.append(refused.value.details["retry_after"])
        at += timedelta(seconds=refused.value.details["retry_after"])
    assert waits[:3] == [3, 5, 9] and max(waits) == int(throttle.MAX_DELAY.total_seconds()) + 1
    assert attempt(repos, user.email, PASSWORD, at, OWNER) == user  # after the wait, the owner gets in
    assert attempt(repos, user.email, "wrong", at, OWNER) is None  # and a success started the count over
    assert attempt(repos, user.email, PASSWORD, at, OWNER) == user


def test_an_unknown_account_is_throttled_the_same_way(repos, now):
    for _ in range(throttle.FREE_FAILURES + 1):
        assert attempt(repos, "nobody@example.com", "wrong", now, OWNER) is None
    with pytest.raises(TooManyAttempts):
        attempt(repos, "nobody@example.com", "wrong", now, OWNER)


def test_parallel_attempts_check_at_most_the_limit(repos, user, monkeypatch, now):
    checked = []
    real = svc.check_password_hash
    monkeypatch.setattr(svc, "check_password_hash", lambda h, p: checked.append(p) or real(h, p))
    refused = at_once(40, lambda: attempt(repos, user.email, "wrong", now), TooManyAttempts)
    # Counted before checking: at most the pair limit reach a password check, however they interleave
    # (fewer when the account's growing delay starts meanwhile).
    assert len(checked) <= throttle.PAIR_FAILURES and len(checked) + refused == 40


def test_the_sign_in_page_refuses_with_retry_after(client, repos, user):
    for _ in range(throttle.FREE_FAILURES + 1):
        assert client.post("/login", data={"email": user.email, "password": "nope"}).status_code == 422
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 429 and "Too many failed sign-ins" in response.get_data(as_text=True)
    assert int(response.headers["Retry-After"]) >= 1


def test_the_token_endpoint_refuses_with_retry_after(client, repos, user):
    for _ in range(throttle.FREE_FAILURES + 1):
        assert client.post("/auth/token", json={"email": user.email, "password": "nope"}).status_code == 401
    response = client.post("/auth/token", json={"email": user.email, "password": PASSWORD})
    assert response.status_code == 429 and response.get_json()["error"]["code"] == "too_many_attempts"
    assert int(response.headers["Retry-After"]) >= 1


def test_a_password_spray_from_one_address_stops_at_the_address_limit(client, make_user):
    accounts = [make_user("candidate") for _ in range(25)]
    statuses = [client.post("/login", data={"email": a.email, "password": f"guess{n}"}).status_code
                for n in range(4) for a in accounts]
    allowed = int(throttle.SIGN_IN_PER_ADDRESS.split()[0])
    assert statuses[:allowed] == [422] * allowed and set(statuses[allowed:]) == {429}
    refused = client.post("/auth/token", json={"email": accounts[0].email, "password": "x"})
    assert refused.status_code == 429 and "Retry-After" in refused.headers  # the API shares the count


def test_registration_is_throttled_per_address(client):
    allowed = int(throttle.REGISTER_PER_ADDRESS.split()[0])
    statuses = [client.post("/register", data={"name": f"Person {i}", "email": f"p{i}@example.com",
                                               "password": PASSWORD}).status_code for i in range(allowed + 2)]
    assert 429 not in statuses[:allowed] and statuses[allowed:] == [429, 429]


def test_counts_are_shared_by_every_worker_through_the_database(app, repos):
    """Flask-Limiter's storage is the app's own database, not process memory."""
    storage = throttle.limiter.storage
    assert isinstance(storage, throttle.StoreStorage)
    with app.test_request_context():
        assert storage.incr("k", 60) == 1 and storage.incr("k", 60, 2) == 3 and storage.get("k") == 3
        assert repos.rate_limits.get("k", svc.utcnow())[0] == 3
        storage.clear("k")
        assert storage.get("k") == 0


def test_behind_a_proxy_the_browsers_address_is_counted(fresh_app):
    from interviewer import create_app

    seen = []
    for proxies, expected in ((1, "203.0.113.9"), (0, "10.0.0.1")):
        app = create_app({**fresh_app.config, "PROXY_FIX": proxies})
        app.before_request(lambda: seen.append(throttle.client_address()))
        app.test_client().get("/login", headers={"X-Forwarded-For": "203.0.113.9"},
                              environ_base={"REMOTE_ADDR": "10.0.0.1"})
        assert seen[-1] == expected
