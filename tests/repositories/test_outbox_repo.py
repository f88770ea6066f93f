"""The `outbox` collection (repositories/outbox.py): what a new message holds, which messages are due
and in what order, claims and updates as compare-and-set, the admin's pages, erasure and counts."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from interviewer.repositories.outbox import STATES

T0 = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)


def add(repos, key, at=T0, to="u1", interview_id="i1", **extra):
    message = {"kind": "invitation", "key": key, "to_user_id": to, "refs": {"interview_id": interview_id},
               "message_id": f"<{key}@x>", "created_at": at, **extra}
    return repos.outbox.add(message)


def set_state(repos, message_id, **fields):
    message = repos.outbox.get(message_id)
    assert repos.outbox.update(message, fields) is not None
    return repos.outbox.get(message_id)


def test_a_new_message_is_queued_with_nothing_tried_and_due_when_created(repos):
    message_id = add(repos, "k1", at=datetime(2026, 5, 4, 11, 30, tzinfo=UTC))
    stored = repos.outbox.get(message_id)
    assert stored == {"id": message_id, "kind": "invitation", "key": "k1", "to_user_id": "u1",
                      "refs": {"interview_id": "i1"}, "message_id": "<k1@x>",
                      "created_at": datetime(2026, 5, 4, 11, 30, tzinfo=UTC),
                      "next_attempt_at": datetime(2026, 5, 4, 11, 30, tzinfo=UTC), "state": "queued", "rev": 0,
                      "attempts": 0, "rendered": None, "last_error": "", "lease_until": None, "finished_at": None}
    assert repos.outbox.by_key("k1") == stored


def test_a_given_first_attempt_time_is_kept_and_times_are_stored_in_utc(repos):
    later = datetime(2026, 5, 4, 13, 0, tzinfo=UTC)
    prague = T0.astimezone(ZoneInfo("Europe/Prague"))  # 11:30 +02:00, the same instant as T0
    stored = repos.outbox.get(add(repos, "k1", at=prague, next_attempt_at=later))
    assert (stored["created_at"], stored["next_attempt_at"]) == (T0, later)
    assert stored["created_at"].tzinfo == UTC
    assert [m["key"] for m in repos.outbox.due(later - timedelta(seconds=1), 10)] == []
    assert [m["key"] for m in repos.outbox.due(later, 10)] == ["k1"]


def test_a_second_message_with_the_same_key_is_not_queued(repos):
    assert add(repos, "k1") is not None
    assert add(repos, "k1", to="u2") is None
    assert repos.outbox.by_key("k1")["to_user_id"] == "u1"
    assert repos.outbox.counts()["queued"] == 1


@pytest.mark.parametrize("message_id", ["", "nope", "5f0c5a3e8e4b4c1a2b3c4d5e", None])
def test_an_unknown_or_malformed_id_finds_nothing(repos, message_id):
    add(repos, "k1")
    assert repos.outbox.get(message_id) is None
    assert repos.outbox.by_key("k2") is None


def test_due_messages_come_oldest_first_then_lapsed_claims(repos):
    now = T0 + timedelta(hours=1)
    for key, minutes in (("late", 30), ("early", 10), ("exact", 60), ("future", 61)):
        add(repos, key, at=T0 + timedelta(minutes=minutes))
    for key, lease in (("lease-exact", now), ("lease-old", now - timedelta(minutes=9)),
                       ("lease-live", now + timedelta(seconds=1))):
        message = repos.outbox.get(add(repos, key))
        assert repos.outbox.claim(message, T0, lease) is not None
    sent = repos.outbox.get(add(repos, "sent"))
    repos.outbox.update(sent, {"state": "sent"})
    assert [m["key"] for m in repos.outbox.due(now, 20)] == ["early", "late", "exact", "lease-old", "lease-exact"]
    assert [m["key"] for m in repos.outbox.due(now, 4)] == ["early", "late", "exact", "lease-old"]
    assert [m["key"] for m in repos.outbox.due(now, 3)] == ["early", "late", "exact"]
    assert [m["key"] for m in repos.outbox.due(now, 2)] == ["early", "late"]
    due = repos.outbox.due(now, 20)
    assert due[0]["next_attempt_at"] == T0 + timedelta(minutes=10) and due[0]["id"]
    assert due[-1]["lease_until"] == now and due[-1]["state"] == "sending"


def test_a_claim_takes_the_message_once(repos):
    message = repos.outbox.get(add(repos, "k1"))
    lease = T0 + timedelta(minutes=5)
    claimed = repos.outbox.claim(message, T0, lease)
    assert claimed == {**message, "state": "sending", "lease_until": lease, "rev": 1, "attempts": 1}
    assert repos.outbox.get(message["id"]) == claimed
    assert repos.outbox.claim(message, T0, lease) is None  # the same read, a second sender
    again = repos.outbox.claim(claimed, T0, lease + timedelta(minutes=1))
    assert (again["rev"], again["attempts"]) == (2, 2)
    assert repos.outbox.get(message["id"])["lease_until"] == lease + timedelta(minutes=1)


def test_an_update_is_written_only_over_the_version_it_was_read_from(repos):
    message = repos.outbox.get(add(repos, "k1"))
    finished = T0 + timedelta(minutes=3)
    updated = repos.outbox.update(message, {"state": "sent", "finished_at": finished, "last_error": ""})
    assert updated == {**message, "state": "sent", "finished_at": finished, "rev": 1}
    assert repos.outbox.get(message["id"]) == updated
    assert repos.outbox.update(message, {"state": "failed"}) is None
    assert repos.outbox.get(message["id"])["state"] == "sent"
    assert repos.outbox.update(updated, {"rendered": {"to": "a@example.com"}})["rev"] == 2
    assert repos.outbox.get(message["id"])["rendered"] == {"to": "a@example.com"}


def test_pages_are_newest_first_and_filter_by_a_known_state(repos):
    ids = [add(repos, f"k{n}", at=T0 + timedelta(minutes=n)) for n in range(5)]
    set_state(repos, ids[1], state="failed")
    set_state(repos, ids[3], state="failed")
    rows, more = repos.outbox.page(None)
    assert [r["key"] for r in rows] == ["k4", "k3", "k2", "k1", "k0"] and more is False
    assert rows[0]["created_at"] == T0 + timedelta(minutes=4)
    assert [r["key"] for r in repos.outbox.page("failed")[0]] == ["k3", "k1"]
    assert [r["key"] for r in repos.outbox.page("bogus")[0]] == ["k4", "k3", "k2", "k1", "k0"]
    assert repos.outbox.page("sent") == ([], False)
    rows, more = repos.outbox.page(None, 1, 2)
    assert [r["key"] for r in rows] == ["k4", "k3"] and more is True
    rows, more = repos.outbox.page(None, 3, 2)
    assert [r["key"] for r in rows] == ["k0"] and more is False
    rows, more = repos.outbox.page(None, 1, 5)
    assert len(rows) == 5 and more is False
    rows, more = repos.outbox.page(None, 1, 4)
    assert len(rows) == 4 and more is True


def test_erasure_counts_and_deletes_messages_to_a_person_and_about_their_interviews(repos):
    add(repos, "to-ann-1", to="ann", interview_id="i1")
    add(repos, "to-ann-2", to="ann", interview_id="i9")
    add(repos, "to-hr-about-i1", to="hr", interview_id="i1")
    add(repos, "to-hr-about-i2", to="hr", interview_id="i2")
    add(repos, "to-hr-other", to="hr", interview_id="i3")
    assert repos.outbox.count_about("ann", ["i1", "i2"]) == 4
    assert repos.outbox.count_about("", ["i1"]) == 2
    assert repos.outbox.count_about("ann", []) == 2
    assert repos.outbox.count_about("", []) == 0
    assert repos.outbox.delete_about("", ["i2"]) == 1
    assert repos.outbox.delete_about("ann", ["i1"]) == 3
    assert [m["key"] for m in repos.outbox.page(None)[0]] == ["to-hr-other"]
    assert repos.outbox.delete_about("ann", []) == 0


def test_counts_name_every_state(repos):
    ids = [add(repos, f"k{n}") for n in range(4)]
    set_state(repos, ids[0], state="sent")
    set_state(repos, ids[1], state="sent")
    set_state(repos, ids[2], state="dropped")
    assert repos.outbox.counts() == {"queued": 1, "sending": 0, "sent": 2, "kept": 0, "failed": 0, "dropped": 1}
    assert tuple(repos.outbox.counts()) == STATES


def test_a_page_holds_fifty_messages_unless_told(repos):
    for n in range(51):
        add(repos, f"k{n:02d}", at=T0 + timedelta(seconds=n))
    rows, more = repos.outbox.page(None)
    assert (len(rows), more, rows[0]["key"], rows[-1]["key"]) == (50, True, "k50", "k01")
    rows, more = repos.outbox.page(None, 2)
    assert ([r["key"] for r in rows], more) == (["k00"], False)
