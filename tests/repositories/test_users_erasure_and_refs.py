"""The users repository's less travelled paths: erasing an account, naming people by their audit
pseudonym, the AI choice stored with its time, and account fields with their defaults."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from bson import ObjectId

from interviewer.models import User

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def _user(email, name="Someone", role="candidate", ref="", **extra):
    return User(id="", email=email, name=name, role=role, password_hash="x", status="registered", created_at=T0,
                audit_ref=ref, **extra)


@pytest.fixture
def users(repos):
    return repos.users


@pytest.mark.parametrize("bad_id", ["", "nope", None, "000000000000000000000000"])
def test_erasing_an_unknown_or_malformed_id_removes_nothing(users, bad_id):
    kept = users.insert(_user("ann@example.com"))
    assert users.delete(bad_id) == 0
    assert users.get(kept.id) == kept


def test_erasing_an_account_removes_only_that_one_for_good(users):
    ann, bob = users.insert(_user("ann@example.com")), users.insert(_user("bob@example.com"))
    assert users.delete(ann.id) == 1
    assert users.get(ann.id) is None and users.by_email("ann@example.com") is None
    assert users.get(bob.id) == bob
    assert users.delete(ann.id) == 0


def test_people_are_found_by_their_audit_pseudonyms(users):
    ann = users.insert(_user("ann@example.com", "Ann", ref="ref-ann"))
    bob = users.insert(_user("bob@example.com", "Bob", ref="ref-bob"))
    users.insert(_user("cy@example.com", "Cy", ref="ref-cy"))
    found = users.by_audit_refs(["ref-bob", "ref-ann", "ref-ann", "", None, "ref-erased"])
    assert found == {"ref-ann": ann, "ref-bob": bob}
    assert users.by_audit_refs(r for r in ["ref-cy"])["ref-cy"].name == "Cy"
    assert users.by_audit_refs([]) == {} and users.by_audit_refs(["", None]) == {}


def test_the_ai_choice_is_stored_with_its_time_in_utc(users):
    ann = users.insert(_user("ann@example.com"))
    prague = datetime(2024, 5, 1, 14, 0, tzinfo=ZoneInfo("Europe/Prague"))  # 12:00 UTC
    assert users.set_fields(ann.id, ai_consent={"version": 2, "human_only": True, "at": prague}) is True
    assert users.get(ann.id).ai_consent == {"version": 2, "human_only": True, "at": T0}
    assert users.get(ann.id).ai_consent["at"].tzinfo == UTC
    assert users.set_fields(ann.id, ai_consent=None) is True and users.get(ann.id).ai_consent is None


@pytest.mark.parametrize("bad_id", ["", "nope", None])
def test_fields_cannot_be_set_through_a_malformed_id(users, bad_id):
    ann = users.insert(_user("ann@example.com"))
    assert users.set_fields(bad_id, name="X") is False
    assert users.set_assignment(bad_id, None, "registered") is False
    assert users.get(ann.id).name == "Someone"


def test_a_stored_user_reads_back_its_mail_choices_zone_and_confirmation(users):
    ann = users.insert(_user("ann@example.com", ref="r1", email_verified=False))
    users.set_fields(ann.id, mail_off=["reminder"], timezone="Europe/Prague")
    stored = users.get(ann.id)
    assert (stored.mail_off, stored.timezone, stored.email_verified, stored.audit_ref) == (
        ["reminder"], "Europe/Prague", False, "r1")
    key = users.col.insert_one({"email": "old@example.com", "email_norm": "old@example.com", "role": "hr"}).inserted_id
    old = users.get(str(key))
    assert (old.mail_off, old.timezone, old.email_verified, old.audit_ref, old.ai_consent) == ([], "", True, "", None)


def test_by_ids_answers_each_id_once_with_its_user_or_none(users):
    ann = users.insert(_user("ann@example.com"))
    unknown = str(ObjectId())
    assert users.by_ids([ann.id, ann.id, unknown, "nope"]) == {ann.id: ann, unknown: None, "nope": None}
    assert users.by_ids(["nope"]) == {"nope": None} and users.by_ids([]) == {}


def test_users_are_created_newest_first_in_a_search(users):
    old = users.insert(_user("old@example.com", "Old"))
    new = users.insert(User(id="", email="new@example.com", name="New", role="candidate", password_hash="x",
                            status="registered", created_at=T0 + timedelta(days=1)))
    assert [u.id for u in users.search().items] == [new.id, old.id]


def test_the_password_hash_and_the_active_flag_read_back_as_stored(users):
    ann = users.insert(User(id="", email="ann@example.com", name="Ann", role="hr", password_hash="pbkdf2:sha256:1$x$y",
                            active=False, status="active", created_at=T0))
    stored = users.get(ann.id)
    assert (stored.password_hash, stored.active) == ("pbkdf2:sha256:1$x$y", False)
    assert (users.by_email("ann@example.com").password_hash, users.list(role="hr")[0].active) == (
        "pbkdf2:sha256:1$x$y", False)
