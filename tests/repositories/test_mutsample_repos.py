"""Interviews stored before evidence could be required (no `require_evidence` field: no migration
adds it) read as not requiring evidence — found untested by a sampled mutation run."""
from __future__ import annotations

from bson import ObjectId


def test_an_interview_stored_without_the_evidence_setting_does_not_require_evidence(repos, world, schedule):
    interview = schedule(world["hr_a"], world["cand_a"])
    repos.db.interviews.update_one({"_id": ObjectId(interview.id)}, {"$unset": {"require_evidence": ""}})
    assert "require_evidence" not in repos.db.interviews.find_one({"_id": ObjectId(interview.id)})
    assert repos.interviews.get(interview.id).require_evidence is False
