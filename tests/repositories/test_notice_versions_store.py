"""The ai_notices collection on every backend: versions one above the newest, the newest read back
whole, and a publication that races another takes the next number (up to a limit)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_no_notice_before_the_first_publication(repos):
    assert repos.notices.current() is None


def test_each_publication_is_one_above_the_newest_and_read_back_whole(repos):
    notices = repos.notices
    assert notices.publish("One.", "admin-1", T0) == 1
    assert notices.current() == {"version": 1, "text": "One.", "created_at": T0, "created_by": "admin-1"}
    assert notices.publish("Two.", None, T0 + timedelta(hours=1)) == 2
    current = notices.current()
    assert current == {"version": 2, "text": "Two.", "created_at": T0 + timedelta(hours=1), "created_by": None}
    assert current["created_at"].utcoffset() == timedelta(0)


def test_the_newest_version_is_current_whatever_order_they_were_stored_in(repos):
    repos.notices.col.insert_one({"version": 7, "text": "Seven.", "created_at": datetime(2026, 1, 1)})
    repos.notices.col.insert_one({"version": 3, "text": "Three.", "created_at": datetime(2026, 2, 1)})
    assert repos.notices.current() == {"version": 7, "text": "Seven.", "created_at": datetime(2026, 1, 1, tzinfo=UTC),
                                       "created_by": None}
    assert repos.notices.publish("Eight.", "a", T0) == 8


def test_a_publication_that_races_another_takes_the_next_version(repos, monkeypatch):
    notices = repos.notices
    notices.publish("One.", "a", T0)
    real, reads = notices.current, []

    def another_admin_publishes_meanwhile():
        seen = real()
        reads.append(seen["version"])
        if len(reads) == 1:
            notices.col.insert_one({"version": seen["version"] + 1, "text": "Theirs.", "created_at": T0,
                                    "created_by": "b"})
        return seen

    monkeypatch.setattr(notices, "current", another_admin_publishes_meanwhile)
    assert notices.publish("Mine.", "a", T0) == 3
    assert reads == [1, 2]
    assert [(d["version"], d["text"]) for d in notices.col.find({}).sort("version", 1)] == [
        (1, "One."), (2, "Theirs."), (3, "Mine.")]


def test_publishing_gives_up_after_twenty_lost_races(repos, monkeypatch):
    notices = repos.notices
    real, reads = notices.current, []

    def always_beaten():
        seen = real()
        reads.append(seen)
        notices.col.insert_one({"version": (seen["version"] if seen else 0) + 1, "text": "Theirs.",
                                "created_at": T0, "created_by": "b"})
        return seen

    monkeypatch.setattr(notices, "current", always_beaten)
    with pytest.raises(RuntimeError, match="^could not publish the notice: too many concurrent publications$"):
        notices.publish("Mine.", "a", T0)
    assert len(reads) == 20 and notices.col.count_documents({"text": "Mine."}) == 0
