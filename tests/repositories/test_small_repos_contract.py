"""The contracts of the smaller repositories, on every backend: rate-limit windows, API tokens (by
hash, revocation), and the evaluation history with the job's compare-and-set."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from bson import ObjectId

from interviewer.repositories.evaluations import job_from_db, new_rev, summary_from_db
from interviewer.repositories.responses import Owner

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


# --- rate limits --------------------------------------------------------------------------------

def test_hits_count_in_one_window_until_it_ends(repos):
    limits = repos.rate_limits
    assert limits.get("k", T0) == (0, None)
    assert limits.hit("k", T0, MINUTE) == (1, T0 + MINUTE)
    assert limits.hit("k", T0 + timedelta(seconds=30), MINUTE, amount=3) == (4, T0 + MINUTE)
    assert limits.get("k", T0 + timedelta(seconds=59)) == (4, T0 + MINUTE)
    assert limits.get("k", T0 + MINUTE) == (0, None)  # the window ends at its end
    later = T0 + MINUTE
    assert limits.hit("k", later, MINUTE, amount=2) == (2, later + MINUTE)  # a new window
    assert limits.get("k", later) == (2, later + MINUTE)
    assert limits.get("other", later) == (0, None)


def test_a_new_key_sweeps_ended_windows_and_clear_and_reset_remove(repos):
    limits = repos.rate_limits
    limits.hit("old", T0, MINUTE)
    limits.hit("live", T0, timedelta(hours=1))
    later = T0 + timedelta(minutes=5)
    limits.hit("new", later, MINUTE)
    assert limits.col.count_documents({}) == 2  # "old" was swept
    assert limits.purge(later) == 0
    limits.clear("live")
    assert limits.get("live", later) == (0, None)
    assert limits.reset() == 1 and limits.get("new", later) == (0, None)


def test_purge_removes_only_ended_windows(repos):
    limits = repos.rate_limits
    limits.hit("a", T0, MINUTE)
    limits.hit("b", T0, timedelta(minutes=2))
    assert limits.purge(T0 + MINUTE) == 1
    assert limits.get("b", T0 + MINUTE) == (1, T0 + timedelta(minutes=2))


# --- API tokens ---------------------------------------------------------------------------------

def test_a_token_is_found_by_its_hash_and_revoked_once(repos):
    tokens = repos.tokens
    user = str(ObjectId())
    made = tokens.insert("h1", user, T0, T0 + timedelta(days=30))
    assert (made.user_id, made.created_at, made.expires_at, made.revoked_at) == (
        user, T0, T0 + timedelta(days=30), None)
    assert tokens.by_hash("h1") == made
    assert tokens.by_hash("h2") is None and tokens.by_hash(None) is None and tokens.by_hash({"$ne": ""}) is None
    assert tokens.revoke(made.id, T0 + MINUTE) is True
    assert tokens.revoke(made.id, T0 + 2 * MINUTE) is False  # already revoked: the first time stands
    assert tokens.by_hash("h1").revoked_at == T0 + MINUTE
    assert tokens.revoke("nope", T0) is False and tokens.revoke(str(ObjectId()), T0) is False


def test_a_users_tokens_are_listed_oldest_first_and_revoked_together(repos):
    tokens = repos.tokens
    user, other = str(ObjectId()), str(ObjectId())
    second = tokens.insert("b", user, T0 + MINUTE, T0 + timedelta(days=1))
    first = tokens.insert("a", user, T0, T0 + timedelta(days=1))
    theirs = tokens.insert("c", other, T0, T0 + timedelta(days=1))
    tokens.revoke(first.id, T0)
    assert [t.id for t in tokens.for_user(user)] == [first.id, second.id]
    assert tokens.revoke_for_user(user, T0 + 2 * MINUTE) == 1  # only the live one
    assert tokens.by_hash("b").revoked_at == T0 + 2 * MINUTE and tokens.by_hash("a").revoked_at == T0
    assert tokens.by_hash("c").revoked_at is None and tokens.for_user(other) == [theirs]


# --- evaluation history and the job on the response -----------------------------------------------

@pytest.fixture
def response_id(repos):
    owner = Owner(str(ObjectId()), str(ObjectId()), None)
    repos.responses.create_for(owner, [("q1", "g")], T0)
    return repos.responses.find(owner.interview_id, "q1").id


def test_the_job_is_written_only_over_the_revision_read(repos, response_id):
    evals = repos.evaluations
    assert evals.job_doc(response_id) == {} and evals.job_doc("nope") is None
    assert evals.job_doc(str(ObjectId())) is None
    first = {"state": "pending", "requested_at": T0, "rev": "r1"}
    assert evals.replace_job(response_id, "r0", first) is False  # no job yet: only None matches
    assert evals.replace_job(response_id, None, first) is True
    assert evals.replace_job(response_id, None, {**first, "rev": "r9"}) is False
    assert job_from_db(evals.job_doc(response_id)) == first
    assert evals.replace_job(response_id, "r1", {**first, "state": "done", "rev": "r2"},
                             {"score": 7.0, "created_at": T0}) is True
    stored = repos.responses.get(response_id)
    assert stored.ai_job["state"] == "done" and summary_from_db(stored.ai_evaluation) == {"score": 7.0,
                                                                                          "created_at": T0}
    assert evals.replace_job(response_id, "r1", first) is False
    assert evals.replace_job("nope", None, first) is False


def test_job_and_summary_read_with_aware_times():
    naive = datetime(2026, 3, 2, 9, 0)
    assert job_from_db(None) is None and job_from_db({}) is None
    assert job_from_db({"state": "running", "started_at": naive, "heartbeat_at": naive, "finished_at": None,
                        "requested_at": naive, "worker": "w"}) == {
        "state": "running", "started_at": T0, "heartbeat_at": T0, "finished_at": None, "requested_at": T0,
        "worker": "w"}
    assert summary_from_db(None) is None and summary_from_db({}) is None
    assert summary_from_db({"score": 1.0, "created_at": naive}) == {"score": 1.0, "created_at": T0}
    assert len(new_rev()) == 16 and new_rev() != new_rev()


def test_history_is_newest_first_limited_and_per_response(repos, response_id):
    evals = repos.evaluations
    interview_id = str(ObjectId())
    made = []
    for n in range(3):
        eid = evals.new_id()
        made.append(eid)
        assert evals.add(eid, {"response_id": response_id, "interview_id": interview_id, "score": float(n),
                               "created_at": T0 + n * MINUTE}) == eid
    evals.add(evals.new_id(), {"response_id": str(ObjectId()), "interview_id": interview_id, "score": 9.0,
                               "created_at": T0})
    history = evals.history(response_id)
    assert [h["id"] for h in history] == list(reversed(made))
    assert history[0] == {"id": made[2], "response_id": response_id, "interview_id": interview_id, "score": 2.0,
                          "created_at": T0 + 2 * MINUTE}
    assert [h["score"] for h in evals.history(response_id, limit=2)] == [2.0, 1.0]
    assert evals.count(response_id) == 3 and evals.count(str(ObjectId())) == 0


# --- page arguments from a query string -----------------------------------------------------------

def test_page_arguments_read_from_text_keep_any_page_and_size_in_range():
    from interviewer.repositories.base import page_args

    assert page_args("500", "95") == (499 * 95, 95)
    assert page_args(" 3 ", "100") == (200, 100)
    assert page_args("99999", "150") == (99998 * 100, 100)  # the size is capped, not refused


def test_the_largest_number_a_query_string_may_hold_is_still_read_and_then_capped():
    from interviewer.repositories.base import page_args

    assert page_args("999999999", "999999999") == ((100_000 - 1) * 100, 100)
    assert page_args("1000000000", "1000000000") == (0, 20)  # ten digits: not read, the defaults


@pytest.fixture
def server_in_new_york(monkeypatch):
    """The server's local time zone is not UTC (what a host's TZ may say)."""
    import time

    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_stored_times_are_utc_whatever_the_servers_time_zone(server_in_new_york):
    from datetime import timezone

    from interviewer.repositories.base import from_db, to_db

    noon_utc = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
    assert to_db(noon_utc) == datetime(2026, 1, 15, 12, 0)
    assert to_db(datetime(2026, 1, 15, 14, 0, tzinfo=timezone(timedelta(hours=2)))) == datetime(2026, 1, 15, 12, 0)
    read = from_db(datetime(2026, 1, 15, 14, 0, tzinfo=timezone(timedelta(hours=2))))
    assert read == noon_utc and read.utcoffset() == timedelta(0)
    assert from_db(datetime(2026, 1, 15, 12, 0)).utcoffset() == timedelta(0)
