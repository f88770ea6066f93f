"""The AI notice as a service: the built-in text until an admin publishes one, versions one above
the other, who must choose (candidates, until they chose under the version in force), what a
choice stores and audits, and the exact refusals (an out-of-date page, an empty or too long text)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from interviewer.errors import ValidationError
from interviewer.models import User
from interviewer.services import consent

pytestmark = pytest.mark.ai_notice

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_before_any_publication_the_built_in_text_is_version_0(repos):
    assert consent.current_notice(repos) == {"version": 0, "text": consent.DEFAULT_NOTICE, "created_at": None,
                                             "created_by": None}
    assert consent.DEFAULT_NOTICE.startswith("How your answers are evaluated\n\nPeople at this company")


def test_published_versions_count_up_and_the_newest_is_in_force(repos, world):
    admin = world["admin"]
    assert consent.publish(repos, admin, "  First wording.\n", T0) == 1
    assert consent.publish(repos, admin, "Second wording.", T0 + timedelta(days=1)) == 2
    assert consent.current_notice(repos) == {"version": 2, "text": "Second wording.",
                                             "created_at": T0 + timedelta(days=1), "created_by": admin.id}
    published = [e for e in repos.audit.in_order() if e["action"] == "ai_notice.publish"]
    assert [(e["object_type"], e["object_id"], e["after"], e["actor"]) for e in published] == [
        ("ai_notice", "1", {"version": 1}, admin.audit_ref), ("ai_notice", "2", {"version": 2}, admin.audit_ref)]


def test_an_empty_notice_is_refused(repos, world):
    for text in ("", "   \n ", None):
        with pytest.raises(ValidationError) as refused:
            consent.publish(repos, world["admin"], text, T0)
        assert (refused.value.message, refused.value.details) == ("Write the notice.", {"text": "Write the notice."})
    assert consent.current_notice(repos)["version"] == 0


def test_a_notice_of_up_to_10000_characters_is_published_and_a_longer_one_refused(repos, world):
    with pytest.raises(ValidationError) as refused:
        consent.publish(repos, world["admin"], "x" * 10_001, T0)
    assert (refused.value.message, refused.value.details) == (
        "The notice is too long.", {"text": "At most 10,000 characters."})
    assert consent.current_notice(repos)["version"] == 0
    assert consent.publish(repos, world["admin"], " " + "y" * 10_000 + " ", T0) == 1
    assert consent.current_notice(repos)["text"] == "y" * 10_000


def test_only_candidates_choose_and_only_until_they_chose_under_the_version_in_force(repos, world):
    cand, hr = world["cand_a"], world["hr_a"]
    assert consent.needs_choice(repos, cand) is True
    assert consent.needs_choice(repos, hr) is False and consent.needs_choice(repos, world["admin"]) is False
    chose = consent.record_choice(repos, cand, 0, False, T0)
    assert consent.needs_choice(repos, chose) is False
    consent.publish(repos, world["admin"], "New wording.", T0)
    assert consent.needs_choice(repos, chose) is True
    assert consent.needs_choice(repos, consent.record_choice(repos, chose, 1, True, T0)) is False


def test_a_choice_is_stored_on_the_account_and_in_the_audit_trail(repos, world):
    cand = world["cand_a"]
    chose = consent.record_choice(repos, cand, 0, 1, T0)
    assert chose.id == cand.id and chose.ai_consent == {"version": 0, "human_only": True, "at": T0}
    assert repos.users.get(cand.id).ai_consent == {"version": 0, "human_only": True, "at": T0}
    assert consent.is_human_only(chose) is True
    again = consent.record_choice(repos, chose, 0, 0, T0 + timedelta(minutes=1))
    assert again.ai_consent == {"version": 0, "human_only": False, "at": T0 + timedelta(minutes=1)}
    assert consent.is_human_only(again) is False
    events = [e for e in repos.audit.in_order() if e["action"] == "ai_notice.choice"]
    assert [(e["actor"], e["actor_role"], e["object_type"], e["object_id"], e["before"], e["after"], e["at"])
            for e in events] == [
        (cand.audit_ref, "candidate", "user", cand.audit_ref, {"human_only": False}, {"version": 0, "human_only": True},
         T0),
        (cand.audit_ref, "candidate", "user", cand.audit_ref, {"human_only": True},
         {"version": 0, "human_only": False}, T0 + timedelta(minutes=1)),
    ]


def test_a_choice_under_another_version_is_refused_and_nothing_is_kept(repos, world):
    cand = world["cand_a"]
    events = len(list(repos.audit.in_order()))
    for version in (1, -1):
        with pytest.raises(ValidationError) as refused:
            consent.record_choice(repos, cand, version, True, T0)
        assert (refused.value.message, refused.value.details) == (
            "The notice changed while you were reading it: please read the new one.", {"version": "Out of date."})
    assert repos.users.get(cand.id).ai_consent is None and len(list(repos.audit.in_order())) == events


def test_human_only_is_read_from_the_choice_kept_on_the_account():
    def user(ai_consent):
        return User(id="u", email="e", name="n", role="candidate", ai_consent=ai_consent)

    assert consent.is_human_only(None) is False
    assert consent.is_human_only(user(None)) is False
    assert consent.is_human_only(user({})) is False
    assert consent.is_human_only(user({"version": 0, "human_only": False})) is False
    assert consent.is_human_only(user({"version": 0, "human_only": True})) is True
