"""Browser sessions and API tokens belong to one user, on every backend: a session is live only for
its own user and until it ends, ending all of a user's sessions leaves others' alone, and erasure
counts and deletes exactly that user's sessions and tokens (ended and revoked ones too)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bson import ObjectId

from interviewer.repositories.base import from_db, oid

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


def ended_at(repos, sid):
    return from_db(repos.sessions.col.find_one({"_id": oid(sid)})["ended_at"])


def test_a_session_is_live_only_for_its_own_user_and_only_until_it_ends(repos):
    user = ObjectId()
    sid = repos.sessions.start(user, T0, "Firefox")
    assert isinstance(sid, str) and repos.sessions.is_live(sid, str(user)) is True
    assert repos.sessions.is_live(sid, user) is True  # the id as ObjectId or text: the same user
    assert repos.sessions.is_live(sid, str(ObjectId())) is False
    assert repos.sessions.is_live(str(ObjectId()), str(user)) is False
    assert repos.sessions.is_live("not-an-id", str(user)) is False
    assert repos.sessions.is_live(None, str(user)) is False
    repos.sessions.end(sid, T0 + MINUTE)
    assert repos.sessions.is_live(sid, str(user)) is False


def test_ending_all_of_a_users_sessions_counts_the_live_ones_and_leaves_others(repos):
    sessions = repos.sessions
    mine = [sessions.start("u1", T0, "a"), sessions.start("u1", T0, "b"), sessions.start("u1", T0, "c")]
    theirs = sessions.start("u2", T0, "d")
    sessions.end(mine[0], T0)
    assert sessions.end_all("u1", T0 + MINUTE) == 2
    assert [ended_at(repos, s) for s in mine] == [T0, T0 + MINUTE, T0 + MINUTE]
    assert sessions.is_live(theirs, "u2") and ended_at(repos, theirs) is None
    assert sessions.end_all("u1", T0 + 2 * MINUTE) == 0
    assert sessions.count_live("u1") == 0 and sessions.count_live("u2") == 1


def test_erasure_counts_and_deletes_every_session_of_the_user_ended_or_not(repos):
    sessions = repos.sessions
    user = ObjectId()
    ended = sessions.start(str(user), T0, "a")
    sessions.start(str(user), T0, "b")
    other = sessions.start("u2", T0, "c")
    sessions.end(ended, T0)
    assert sessions.count_for_user(user) == 2 and sessions.count_for_user("u2") == 1
    assert sessions.delete_for_user(user) == 2
    assert sessions.count_for_user(str(user)) == 0 and sessions.is_live(other, "u2")
    assert sessions.delete_for_user(user) == 0


def test_erasure_counts_and_deletes_every_token_of_the_user_revoked_or_not(repos):
    tokens = repos.tokens
    user = ObjectId()
    revoked = tokens.insert("h1", user, T0, T0 + timedelta(days=1))
    tokens.insert("h2", str(user), T0, T0 + timedelta(days=1))
    theirs = tokens.insert("h3", "u2", T0, T0 + timedelta(days=1))
    tokens.revoke(revoked.id, T0)
    assert revoked.user_id == str(user) and tokens.by_hash("h2").user_id == str(user)
    assert tokens.count_for_user(user) == 2 and tokens.count_for_user("u2") == 1
    assert tokens.delete_for_user(str(user)) == 2
    assert tokens.count_for_user(user) == 0 and tokens.by_hash("h1") is None
    assert tokens.by_hash("h3") == theirs and tokens.delete_for_user(user) == 0


def test_revoking_a_users_tokens_takes_the_user_as_objectid_or_text(repos):
    tokens = repos.tokens
    user = ObjectId()
    tokens.insert("h1", user, T0, T0 + timedelta(days=1))
    assert tokens.revoke_for_user(user, T0 + MINUTE) == 1
    assert tokens.by_hash("h1").revoked_at == T0 + MINUTE
    assert [t.id for t in tokens.for_user(user)] == [tokens.by_hash("h1").id]
    assert tokens.revoke("", T0) is False and tokens.revoke(None, T0) is False
