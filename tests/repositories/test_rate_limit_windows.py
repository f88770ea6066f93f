"""Rate-limit windows at their edges on every backend: a window ends exactly at its end (a hit then
starts a new one, a hit just before still counts), an ended window is restarted in place, a window
another process starts meanwhile is counted in, and erasure removes exactly one person's sign-in
counters."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
TICK = timedelta(microseconds=1000)


def stored(limits, key):
    doc = limits.col.find_one({"_id": key})
    return None if doc is None else (doc["count"], doc["expires_at"].replace(tzinfo=None))


def naive(moment):
    return moment.replace(tzinfo=None)


def test_the_first_hit_starts_a_window_of_the_given_length(repos):
    limits = repos.rate_limits
    assert limits.hit("k", T0, MINUTE, amount=3) == (3, T0 + MINUTE)
    assert stored(limits, "k") == (3, naive(T0 + MINUTE))
    assert limits.hit("k", T0, MINUTE) == (4, T0 + MINUTE)
    count, end = limits.hit("k", T0, MINUTE)
    assert (count, end, end.utcoffset()) == (5, T0 + MINUTE, timedelta(0))


def test_a_hit_just_before_the_end_counts_and_one_at_the_end_starts_again(repos):
    limits = repos.rate_limits
    limits.hit("k", T0, MINUTE)
    assert limits.hit("k", T0 + MINUTE - TICK, MINUTE) == (2, T0 + MINUTE)
    assert limits.get("k", T0 + MINUTE - TICK) == (2, T0 + MINUTE)
    assert limits.get("k", T0 + MINUTE) == (0, None)
    assert limits.hit("k", T0 + MINUTE, 2 * MINUTE, amount=5) == (5, T0 + 3 * MINUTE)
    assert stored(limits, "k") == (5, naive(T0 + 3 * MINUTE))
    assert limits.col.count_documents({}) == 1  # restarted in place


def test_an_ended_window_restarts_in_place_and_leaves_other_ended_windows(repos):
    limits = repos.rate_limits
    limits.hit("a", T0, MINUTE)
    limits.hit("b", T0, MINUTE)
    later = T0 + 10 * MINUTE
    assert limits.hit("a", later, MINUTE) == (1, later + MINUTE)
    assert stored(limits, "a") == (1, naive(later + MINUTE)) and stored(limits, "b") == (1, naive(T0 + MINUTE))
    assert limits.hit("c", later, MINUTE) == (1, later + MINUTE)  # a new key sweeps the ended ones
    assert stored(limits, "b") is None and stored(limits, "a") == (1, naive(later + MINUTE))


class AnotherProcessStartsTheWindowFirst:
    """The collection as seen while another worker inserts the same key just before our insert."""

    def __init__(self, col, theirs):
        self._col, self._theirs, self.raced = col, theirs, 0

    def __getattr__(self, name):
        return getattr(self._col, name)

    def insert_one(self, doc):
        if not self.raced:
            self.raced += 1
            self._col.insert_one({**doc, **self._theirs})
        return self._col.insert_one(doc)


def test_a_window_another_process_started_meanwhile_is_counted_in(repos):
    limits = repos.rate_limits
    racing = AnotherProcessStartsTheWindowFirst(limits.col, {"count": 4, "expires_at": naive(T0 + 2 * MINUTE)})
    limits.col = racing
    assert limits.hit("k", T0, MINUTE, amount=2) == (6, T0 + 2 * MINUTE)
    assert racing.raced == 1 and stored(limits, "k") == (6, naive(T0 + 2 * MINUTE))


def test_get_reads_only_the_live_window_of_the_key(repos):
    limits = repos.rate_limits
    limits.hit("k", T0, MINUTE, amount=2)
    assert limits.get("k", T0) == (2, T0 + MINUTE)
    assert limits.get("k", T0 - MINUTE) == (2, T0 + MINUTE)
    assert limits.get("other", T0) == (0, None)


def test_purge_counts_the_windows_ended_by_then_and_reset_everything(repos):
    limits = repos.rate_limits
    limits.hit("a", T0, MINUTE)
    limits.hit("b", T0, 2 * MINUTE)
    limits.hit("c", T0, 3 * MINUTE)
    assert limits.purge(T0 + MINUTE - TICK) == 0
    assert limits.purge(T0 + 2 * MINUTE) == 2
    assert stored(limits, "c") == (1, naive(T0 + 3 * MINUTE))
    limits.hit("d", T0, MINUTE)
    assert limits.reset() == 2 and limits.col.count_documents({}) == 0
    assert limits.reset() == 0


def test_clear_removes_one_key(repos):
    limits = repos.rate_limits
    limits.hit("a", T0, MINUTE)
    limits.hit("b", T0, MINUTE)
    limits.clear("a")
    limits.clear("never")
    assert limits.get("a", T0) == (0, None) and limits.get("b", T0) == (1, T0 + MINUTE)


def test_erasure_removes_exactly_one_persons_sign_in_counters(repos):
    limits = repos.rate_limits
    theirs = ["signin:account:a+b@example.com", "signin:next:a+b@example.com",
              "signin:pair:a+b@example.com:203.0.113.9"]
    others = ["signin:account:aab@example.com", "signin:account:ab@example.com",
              "signin:account:a+b@example.com.evil", "signin:account:a+b@example.comx:1",
              "signin:ip:203.0.113.9", "signin:other:a+b@example.com", "xsignin:account:a+b@example.com",
              "signin:account:z.a+b@example.com", "pwchange:a+b@example.com"]
    for key in theirs + others:
        limits.hit(key, T0, MINUTE)
    assert limits.delete_for_account("a+b@example.com") == 3
    assert sorted(d["_id"] for d in limits.col.find({})) == sorted(others)
    assert limits.delete_for_account("a+b@example.com") == 0
