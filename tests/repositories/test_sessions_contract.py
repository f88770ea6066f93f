"""The sessions repository's contract: what a sign-in stores (browser text cut at 200 characters),
ending a session once (a second end, or an unknown id, is False and changes nothing), live counts
per user."""
from __future__ import annotations

from datetime import timedelta

from interviewer.repositories.base import from_db, oid


def stored(repos, sid):
    return repos.sessions.col.find_one({"_id": oid(sid)})


def test_start_stores_the_user_the_time_and_at_most_200_characters_of_browser(repos, now):
    exact = repos.sessions.start("u1", now, "a" * 200)
    longer = repos.sessions.start("u1", now, "b" * 200 + "c")
    assert stored(repos, exact)["user_agent"] == "a" * 200
    assert stored(repos, longer)["user_agent"] == "b" * 200
    doc = stored(repos, exact)
    assert (doc["user_id"], from_db(doc["created_at"]), doc["ended_at"]) == ("u1", now, None)
    assert repos.sessions.is_live(exact, "u1")


def test_a_session_ends_once(repos, now):
    sid = repos.sessions.start("u1", now)
    assert repos.sessions.end(sid, now + timedelta(minutes=1)) is True
    assert repos.sessions.end(sid, now + timedelta(minutes=2)) is False
    assert from_db(stored(repos, sid)["ended_at"]) == now + timedelta(minutes=1)
    assert not repos.sessions.is_live(sid, "u1")


def test_ending_an_unknown_or_malformed_session_is_false(repos, now):
    assert repos.sessions.end("0" * 24, now) is False
    assert repos.sessions.end("not-an-id", now) is False
    assert repos.sessions.end(None, now) is False


def test_live_sessions_are_counted_per_user(repos, now):
    a1 = repos.sessions.start("u1", now)
    repos.sessions.start("u1", now)
    repos.sessions.start("u2", now)
    repos.sessions.end(a1, now)
    assert (repos.sessions.count_live("u1"), repos.sessions.count_live("u2"), repos.sessions.count_live("u3")) == (1, 1, 0)
