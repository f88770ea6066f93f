"""API bearer tokens (services/tokens.py) at their limits: the expiry instant, a deactivated
owner (the token is revoked for good, at that time), values that are not tokens at all."""
from __future__ import annotations

from datetime import timedelta

from interviewer.services import tokens as svc


def test_a_token_stores_when_it_was_issued_and_names_its_user(repos, make_user, now):
    user = make_user("hr")
    issued = svc.issue(repos, user, now, timedelta(hours=1))
    assert issued.user.id == user.id
    assert issued.expires_at == now + timedelta(hours=1)
    stored = repos.tokens.by_hash(svc.hash_token(issued.access_token))
    assert (stored.created_at, stored.expires_at, stored.revoked_at) == (now, now + timedelta(hours=1), None)


def test_a_token_works_until_its_expiry_and_not_at_it(repos, make_user, now):
    user = make_user("hr")
    issued = svc.issue(repos, user, now, timedelta(hours=1))
    assert svc.resolve(repos, issued.access_token, now + timedelta(hours=1) - timedelta(seconds=1))[0].id == user.id
    assert svc.resolve(repos, issued.access_token, now + timedelta(hours=1)) is None


def test_the_token_of_a_deactivated_user_is_revoked_then_and_stays_dead(repos, make_user, now):
    user = make_user("hr")
    issued = svc.issue(repos, user, now, timedelta(hours=2))
    # Deactivated in the store without the service's sweep of tokens (a crash between the writes).
    repos.users.set_fields(user.id, active=False)
    later = now + timedelta(minutes=5)
    assert svc.resolve(repos, issued.access_token, later) is None
    stored = repos.tokens.by_hash(svc.hash_token(issued.access_token))
    assert stored.revoked_at == later
    repos.users.set_fields(user.id, active=True)
    assert svc.resolve(repos, issued.access_token, later + timedelta(minutes=1)) is None


def test_values_that_are_not_tokens_resolve_to_nothing(repos, now):
    for raw in (None, "", b"bytes", 12345, "x" * 201, "\ud800 lone surrogate"):
        assert svc.resolve(repos, raw, now) is None
