"""The `ratings` collection and the panel fields of `interviews` (repositories/panels.py), on every backend."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from bson import ObjectId
from pymongo.errors import DuplicateKeyError

NOW = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_one_rating_per_interview_and_rater(repos):
    first = repos.panels.ensure("i1", "r1", NOW)
    assert repos.panels.ensure("i1", "r1", NOW + timedelta(hours=1)) == first
    with pytest.raises(DuplicateKeyError):
        repos.db.ratings.insert_one({"interview_id": "i1", "rater_id": "r1", "status": "draft", "version": 1})
    assert (first.status, first.version, first.items) == ("draft", 1, [])


def test_drafts_and_the_submission_are_compare_and_set(repos):
    rating = repos.panels.ensure("i1", "r1", NOW)
    items = [{"question_id": "q1", "competency_id": "general", "rating": 4, "evidence": "x"}]
    assert repos.panels.save_draft(rating, items, NOW)
    assert not repos.panels.save_draft(rating, [], NOW)  # read at version 1: stale now
    current = repos.panels.get("i1", "r1")
    assert (current.version, current.items) == (2, items)
    assert not repos.panels.submit(rating, items, NOW)
    assert repos.panels.submit(current, items, NOW)
    assert not repos.panels.submit(current, items, NOW)
    done = repos.panels.get("i1", "r1")
    assert (done.status, done.version, done.submitted_at) == ("submitted", 3, NOW)
    assert repos.panels.delete_draft("i1", "r1") == 0  # a submitted rating stays
    assert repos.panels.submitted_among("r1", ["i1", "i2"]) == {"i1"}


def test_a_raters_page_is_newest_first(repos):
    for n in range(5):
        repos.panels.ensure(f"i{n}", "r1", NOW + timedelta(minutes=n))
    repos.panels.ensure("i9", "r2", NOW)
    page = repos.panels.page_for_rater("r1", page=1, per_page=2)
    assert [r.interview_id for r in page.items] == ["i4", "i3"] and page.total == 5
    assert [r.interview_id for r in repos.panels.page_for_rater("r1", page=3, per_page=2).items] == ["i0"]


def test_the_panel_and_the_outcome_change_by_compare_and_set(repos, world, schedule):
    interview = schedule(world["hr_a"], world["cand_a"], n=1)
    assert repos.panels.panel_rev(interview.id) == 0
    assert repos.panels.set_panel(interview.id, 0, [world["hr_b"].id])
    assert not repos.panels.set_panel(interview.id, 0, [])
    assert repos.interviews.get(interview.id).panel == [world["hr_b"].id]
    assert repos.panels.panel_rev(interview.id) == 1
    assert repos.db.interviews.find_one({"_id": ObjectId(interview.id)})["panel"] == [ObjectId(world["hr_b"].id)]
    assert not repos.panels.set_outcome(interview.id, None, ("completed",), outcome="hire", outcome_at=NOW)
    assert repos.panels.set_outcome(interview.id, None, ("scheduled",), outcome="hire", outcome_at=NOW,
                                    outcome_by=world["hr_a"].id)
    assert not repos.panels.set_outcome(interview.id, None, ("scheduled",), outcome="reject", outcome_at=NOW)
    stored = repos.interviews.get(interview.id)
    assert (stored.outcome, stored.outcome_at, stored.outcome_by) == ("hire", NOW, world["hr_a"].id)


def test_the_migration_declares_the_indexes(repos):
    info = repos.db.ratings.index_information()
    keys = {tuple(k for k, _ in v["key"]): v.get("unique", False) for v in info.values()}
    assert keys[("interview_id", "rater_id")] is True
    assert ("rater_id", "added_at", "_id") in keys
