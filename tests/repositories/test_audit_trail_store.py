"""The audit collection's contract on every backend: events numbered 1, 2, 3 … each after the
previous hash (a number taken by another process meanwhile is retried, up to a limit), read back
oldest first in batches, per interview up to a limit, and searched newest first by actor,
action, object and a time range [start, end) one page at a time."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from interviewer.repositories.audit import APPEND_TRIES, GENESIS
from interviewer.services.audit import event_hash

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


def event(n=0, **over):
    return {"at": T0 + n * MINUTE, "actor": "ref-a", "actor_role": "hr", "action": "test.event",
            "object_type": "test", "object_id": f"o{n}", "interview_id": None, "before": None, "after": None,
            "reason": "", **over}


def add(repos, n=0, **over):
    return repos.audit.append(event(n, **over), event_hash)


def test_an_empty_trail_has_no_last_event(repos):
    assert repos.audit.last() is None
    assert list(repos.audit.in_order()) == []
    assert repos.audit.search() == ([], False)


def test_events_are_numbered_and_chained_and_read_back_with_aware_times(repos):
    first, second = add(repos, 0), add(repos, 1)
    assert (first["seq"], first["prev_hash"]) == (1, GENESIS)
    assert (second["seq"], second["prev_hash"]) == (2, first["hash"])
    assert first["hash"] == event_hash(first) and second["hash"] == event_hash(second)
    assert second["at"] == T0 + MINUTE and second["at"].utcoffset() == timedelta(0)
    assert repos.audit.last() == second and "_id" not in repos.audit.last()
    assert list(repos.audit.in_order()) == [first, second]


def test_a_number_taken_by_another_process_meanwhile_is_retried_after_its_event(repos):
    calls = []

    def racing_hasher(doc):
        calls.append(doc["seq"])
        if len(calls) == 1:  # another process appends event 1 between our read and our insert
            other = {**event(9, object_id="theirs"), "seq": 1, "prev_hash": GENESIS}
            other["hash"] = event_hash(other)
            repos.audit.col.insert_one({**other, "at": other["at"].replace(tzinfo=None)})
        return event_hash(doc)

    mine = repos.audit.append(event(1, object_id="mine"), racing_hasher)
    assert calls == [1, 2]
    theirs, stored = list(repos.audit.in_order())
    assert theirs["object_id"] == "theirs" and stored == mine
    assert (mine["seq"], mine["prev_hash"], mine["object_id"]) == (2, theirs["hash"], "mine")


def test_appending_gives_up_after_a_bounded_number_of_lost_races(repos):
    calls = []

    def always_beaten(doc):
        calls.append(doc["seq"])
        other = {**event(len(calls)), "seq": doc["seq"], "prev_hash": doc["prev_hash"]}
        other["hash"] = event_hash(other)
        repos.audit.col.insert_one({**other, "at": other["at"].replace(tzinfo=None)})
        return event_hash(doc)

    with pytest.raises(RuntimeError, match="^could not append to the audit trail: too many concurrent appends$"):
        repos.audit.append(event(), always_beaten)
    assert APPEND_TRIES == 50 and calls == list(range(1, 51))


@pytest.mark.parametrize("count", [3, 4, 5])
def test_every_event_is_read_in_order_whatever_the_batch_size(repos, count):
    for n in range(count):
        add(repos, n)
    assert [e["seq"] for e in repos.audit.in_order(batch=2)] == list(range(1, count + 1))
    assert [e["seq"] for e in repos.audit.in_order(batch=1)] == list(range(1, count + 1))
    assert [e["seq"] for e in repos.audit.in_order()] == list(range(1, count + 1))


def test_an_interviews_events_are_its_own_oldest_first_up_to_the_limit(repos):
    for n in range(4):
        add(repos, n, interview_id="i1")
    add(repos, 9, interview_id="i2")
    assert [e["object_id"] for e in repos.audit.for_interview("i1")] == ["o0", "o1", "o2", "o3"]
    assert [e["object_id"] for e in repos.audit.for_interview("i1", limit=3)] == ["o0", "o1", "o2"]
    assert [e["object_id"] for e in repos.audit.for_interview("i2")] == ["o9"]
    assert repos.audit.for_interview("i3") == []
    assert repos.audit.for_interview("i1")[0]["at"] == T0


def test_an_interview_shows_at_most_500_events_by_default(repos):
    col = repos.audit.col
    col.insert_many([{"seq": n, "interview_id": "i1", "at": datetime(2026, 3, 2, 9, 0)} for n in range(1, 502)])
    shown = repos.audit.for_interview("i1")
    assert len(shown) == 500 and shown[0]["seq"] == 1 and shown[-1]["seq"] == 500


@pytest.fixture
def trail(repos):
    add(repos, 0, actor="ref-a", action="answer.score", object_id="r1")
    add(repos, 1, actor="ref-b", action="answer.score", object_id="r2")
    add(repos, 2, actor="ref-a", action="interview.cancel", object_id="i1")
    add(repos, 3, actor="ref-b", action="interview.cancel", object_id="r1")
    return repos.audit


def seqs(found):
    rows, more = found
    return [e["seq"] for e in rows], more


def test_search_filters_by_actor_action_and_object_newest_first(trail):
    assert seqs(trail.search()) == ([4, 3, 2, 1], False)
    assert seqs(trail.search(actor="ref-a")) == ([3, 1], False)
    assert seqs(trail.search(action="answer.score")) == ([2, 1], False)
    assert seqs(trail.search(object_id="r1")) == ([4, 1], False)
    assert seqs(trail.search(actor="ref-b", action="interview.cancel", object_id="r1")) == ([4], False)
    assert seqs(trail.search(actor="", action="", object_id="")) == ([4, 3, 2, 1], False)
    assert seqs(trail.search(actor="nobody")) == ([], False)


def test_search_takes_times_from_start_up_to_but_not_including_end(trail):
    assert seqs(trail.search(start=T0 + MINUTE)) == ([4, 3, 2], False)
    assert seqs(trail.search(end=T0 + 2 * MINUTE)) == ([2, 1], False)
    assert seqs(trail.search(start=T0 + MINUTE, end=T0 + 3 * MINUTE)) == ([3, 2], False)
    assert seqs(trail.search(start=T0 + MINUTE, end=T0 + MINUTE)) == ([], False)
    assert trail.search(start=T0)[0][-1]["at"] == T0


def test_search_pages_say_whether_more_follow(trail):
    assert seqs(trail.search(per_page=3)) == ([4, 3, 2], True)
    assert seqs(trail.search(page=2, per_page=3)) == ([1], False)
    assert seqs(trail.search(per_page=4)) == ([4, 3, 2, 1], False)
    assert seqs(trail.search(page="2", per_page="2")) == ([2, 1], False)
    assert seqs(trail.search(page=1, per_page=2)) == ([4, 3], True)


def test_a_search_shows_50_events_a_page_by_default(repos):
    repos.audit.col.insert_many([{"seq": n, "action": "x", "at": datetime(2026, 3, 2, 9, 0)} for n in range(1, 52)])
    rows, more = repos.audit.search()
    assert len(rows) == 50 and more is True and rows[0]["seq"] == 51
    assert seqs(repos.audit.search(page=2)) == ([1], False)
