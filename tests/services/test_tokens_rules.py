"""API bearer tokens (services/tokens.py) at their limits: the expiry instant, a deactivated
owner (the token is revoked for good, at that time), values that are not tokens at all."""
from __future__ import annotations

import hashlib
import re
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


def test_an_issued_token_is_43_url_safe_characters_and_is_audited(repos, make_user, now):
    user = make_user("hr")
    issued = svc.issue(repos, user, now, timedelta(days=30))
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", issued.access_token)
    token = repos.tokens.by_hash(svc.hash_token(issued.access_token))
    assert svc.hash_token(issued.access_token) == hashlib.sha256(issued.access_token.encode()).hexdigest()
    event = repos.audit.last()
    assert (event["action"], event["actor"], event["object_type"], event["object_id"], event["after"], event["at"]) == (
        "token.issue", user.audit_ref, "token", token.id, {"expires_at": (now + timedelta(days=30)).isoformat()}, now)
    assert svc.resolve(repos, issued.access_token, now) == (repos.users.get(user.id), token.id)


def test_a_revoked_or_unknown_token_resolves_to_nothing(repos, make_user, now):
    user = make_user("hr")
    issued = svc.issue(repos, user, now, timedelta(hours=1))
    token = repos.tokens.by_hash(svc.hash_token(issued.access_token))
    assert svc.revoke(repos, token.id, now) is True
    assert svc.resolve(repos, issued.access_token, now) is None
    assert svc.resolve(repos, issued.access_token[:-1], now) is None


def test_the_token_of_an_erased_user_resolves_to_nothing_and_is_revoked(repos, make_user, now):
    user = make_user("candidate")
    issued = svc.issue(repos, user, now, timedelta(hours=1))
    repos.users.delete(user.id)
    assert svc.resolve(repos, issued.access_token, now) is None
    assert repos.tokens.by_hash(svc.hash_token(issued.access_token)).revoked_at == now


def test_a_revocation_by_someone_is_audited_once_and_by_the_system_not_at_all(repos, make_user, now):
    user = make_user("hr")
    first = repos.tokens.by_hash(svc.hash_token(svc.issue(repos, user, now, timedelta(hours=1)).access_token))
    second = repos.tokens.by_hash(svc.hash_token(svc.issue(repos, user, now, timedelta(hours=1)).access_token))
    events = len(list(repos.audit.in_order()))
    assert svc.revoke(repos, first.id, now, actor=user) is True
    assert svc.revoke(repos, first.id, now, actor=user) is False  # already revoked: nothing more to audit
    assert svc.revoke(repos, second.id, now) is True
    revoked = list(repos.audit.in_order())[events:]
    assert [(e["action"], e["actor"], e["object_type"], e["object_id"]) for e in revoked] == [
        ("token.revoke", user.audit_ref, "token", first.id)]


def test_revoking_all_of_a_users_tokens_counts_the_live_ones(repos, make_user, now):
    user, other = make_user("hr"), make_user("hr")
    live = [svc.issue(repos, user, now, timedelta(hours=1)) for _ in range(3)]
    theirs = svc.issue(repos, other, now, timedelta(hours=1))
    svc.revoke(repos, repos.tokens.by_hash(svc.hash_token(live[0].access_token)).id, now)
    assert svc.revoke_all(repos, user.id, now) == 2
    assert all(svc.resolve(repos, t.access_token, now) is None for t in live)
    assert svc.resolve(repos, theirs.access_token, now)[0].id == other.id
