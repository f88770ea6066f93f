"""Accounts (services/users.py) as their owners and the audit trail see them: which e-mail each step
queues (and once per what), sign-in of an unconfirmed address, password resets, staff invitations,
and the event every account change records."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from support import PASSWORD
from werkzeug.security import check_password_hash

from interviewer.errors import Forbidden, ValidationError
from interviewer.services import tokens as token_service
from interviewer.services import users as svc

T0 = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)
NEW = "another-horse-7"


def messages(repos, kind=None):
    rows = repos.outbox.page(None, 1, 100)[0]
    return [(m["kind"], m["to_user_id"], m["key"]) for m in reversed(rows) if kind in (None, m["kind"])]


def events(repos, action):
    return list(reversed(repos.audit.search(action=action)[0]))


# --- registration with a confirmation link ------------------------------------------------------

def test_a_new_registration_waits_for_its_link_and_queues_one_an_hour(repos):
    user = svc.register_candidate(repos, " carla@example.com ", " Carla ", PASSWORD, verify=True, now=T0)
    assert (user.email, user.name, user.email_verified, user.role) == ("carla@example.com", "Carla", False, "candidate")
    assert messages(repos) == [("verify_email", user.id, f"verify_email:{user.id}:2026050409")]


def test_a_registration_for_an_unconfirmed_address_sends_a_new_link_once_an_hour(repos):
    user = svc.register_candidate(repos, "carla@example.com", "Carla", PASSWORD, verify=True, now=T0)
    for at in (T0 + timedelta(minutes=29), T0 + timedelta(minutes=30)):
        assert svc.register_candidate(repos, "CARLA@example.com", "Other", PASSWORD, verify=True, now=at) is None
    assert svc.register_candidate(repos, "carla@example.com", "Other", PASSWORD, verify=True,
                                  now=T0 + timedelta(hours=1)) is None
    assert messages(repos) == [("verify_email", user.id, f"verify_email:{user.id}:2026050409"),
                               ("verify_email", user.id, f"verify_email:{user.id}:2026050410")]
    assert repos.users.count() == 1 and repos.users.get(user.id).name == "Carla"


def test_a_registration_for_a_confirmed_address_tells_its_owner(repos, make_user):
    owner = make_user("candidate", email="owner@example.com")
    assert svc.register_candidate(repos, "owner@example.com", "Mallory", PASSWORD, ("cv.txt", b"Python"),
                                  verify=True, now=T0) is None
    assert messages(repos) == [("registration_attempt", owner.id, f"registration_attempt:{owner.id}:2026050409")]
    assert repos.users.get(owner.id).resume_text == ""


def test_without_confirmation_a_taken_address_is_an_error_and_no_mail_is_queued(repos, make_user):
    make_user("candidate", email="owner@example.com")
    with pytest.raises(ValidationError) as caught:
        svc.register_candidate(repos, "owner@example.com", "Mallory", PASSWORD, now=T0)
    assert caught.value.details == {"email": "An account with this e-mail already exists."}
    assert messages(repos) == []


def test_an_address_registered_by_a_racing_request_gets_no_second_link(repos, monkeypatch):
    first = svc.register_candidate(repos, "carla@example.com", "Carla", PASSWORD, verify=True, now=T0)
    monkeypatch.setattr(repos.users, "by_email", lambda email: None)  # read before the other request wrote it
    assert svc.register_candidate(repos, "carla@example.com", "Carla", PASSWORD, verify=True,
                                  now=T0 + timedelta(hours=2)) is None
    assert messages(repos) == [("verify_email", first.id, f"verify_email:{first.id}:2026050409")]


def test_a_registration_refused_for_its_fields_queues_nothing(repos):
    with pytest.raises(ValidationError) as caught:
        svc.register_candidate(repos, "carla@example.com", "", PASSWORD, verify=True, now=T0)
    assert caught.value.details == {"name": "Enter a name."}
    assert messages(repos) == [] and repos.users.count() == 0


def test_a_registration_records_the_candidate_as_its_own_creator(repos):
    user = svc.register_candidate(repos, "carla@example.com", "Carla", PASSWORD)
    [event] = events(repos, "account.create")
    assert (event["actor"], event["actor_role"], event["object_type"], event["object_id"], event["after"]) == (
        user.audit_ref, "candidate", "user", user.audit_ref, {"role": "candidate"})


def test_staff_made_from_the_command_line_are_created_by_the_system(repos, make_user):
    hr = make_user("hr")
    admin = make_user("admin")
    [by_system, _] = events(repos, "account.create")
    assert (by_system["actor"], by_system["actor_role"], by_system["object_id"]) == (None, "system", hr.audit_ref)
    made = svc.create_user(repos, "x@example.com", "X", PASSWORD, "candidate", actor=admin)
    last = events(repos, "account.create")[-1]
    assert (last["actor"], last["actor_role"], last["object_id"]) == (admin.audit_ref, "admin", made.audit_ref)
    assert made.status == "registered" and hr.status == "active" and admin.status == "active"
    assert made.created_at is not None and made.audit_ref and made.audit_ref != hr.audit_ref


# --- sign-in ------------------------------------------------------------------------------------

def test_an_unconfirmed_address_cannot_sign_in_until_confirmed(repos):
    user = svc.register_candidate(repos, "carla@example.com", "Carla", PASSWORD, verify=True, now=T0)
    with pytest.raises(Forbidden) as caught:
        svc.authenticate(repos, "carla@example.com", PASSWORD, now=T0)
    assert caught.value.message == ("Confirm your e-mail address first: follow the link in the message we sent you. "
                                    "Registering again with the same address sends a new one.")
    confirmed = svc.confirm_email(repos, user)
    assert confirmed.id == user.id and confirmed.email_verified is True
    assert repos.users.get(user.id).email_verified is True
    assert svc.authenticate(repos, "carla@example.com", PASSWORD, now=T0).id == user.id


def test_sign_ins_and_failures_are_recorded_without_naming_an_unknown_address(repos, make_user):
    ann = make_user("hr", email="ann@example.com")
    assert svc.authenticate(repos, "ann@example.com", PASSWORD, now=T0, address="10.0.0.1").id == ann.id
    assert svc.authenticate(repos, "ann@example.com", "wrong-password", now=T0) is None
    assert svc.authenticate(repos, "nobody@example.com", PASSWORD, now=T0) is None
    [ok] = events(repos, "sign_in")
    assert (ok["actor"], ok["object_type"], ok["object_id"], ok["at"]) == (ann.audit_ref, "user", ann.audit_ref, T0)
    wrong, unknown = events(repos, "sign_in.failed")
    assert (wrong["actor"], wrong["object_type"], wrong["object_id"], wrong["reason"], wrong["at"]) == (
        None, "user", ann.audit_ref, "", T0)
    assert (unknown["actor"], unknown["object_id"], unknown["reason"]) == (None, None, "no account with this e-mail")
    assert "nobody" not in str(unknown)


# --- password reset and staff invitations -------------------------------------------------------

def test_a_reset_is_queued_only_for_an_active_account(repos, make_user):
    ann = make_user("hr", email="ann@example.com")
    assert svc.request_password_reset(repos, "  ANN@example.com ", T0) is True
    assert [(k, to) for k, to, _ in messages(repos)] == [("password_reset", ann.id)]
    [event] = events(repos, "password.reset_request")
    assert (event["actor"], event["object_type"], event["object_id"], event["at"]) == (None, "user", ann.audit_ref, T0)
    assert svc.request_password_reset(repos, "nobody@example.com", T0) is False
    assert svc.request_password_reset(repos, None, T0) is False
    svc.set_active(repos, ann.id, False)
    assert svc.request_password_reset(repos, "ann@example.com", T0) is False
    assert len(messages(repos)) == 1 and len(events(repos, "password.reset_request")) == 1


def test_a_reset_password_signs_everyone_out_and_revokes_every_token(repos, make_user, now):
    ann = make_user("hr", email="ann@example.com")
    repos.sessions.start(ann.id, now, "browser")
    token = token_service.issue(repos, ann, now, timedelta(hours=1))
    changed = svc.reset_password(repos, ann, NEW, T0)
    assert check_password_hash(changed.password_hash, NEW) and changed.id == ann.id
    assert repos.sessions.count_live(ann.id) == 0
    assert token_service.resolve(repos, token.access_token, now + timedelta(minutes=1)) is None
    [event] = events(repos, "password.reset")
    assert (event["actor"], event["object_type"], event["object_id"], event["at"]) == (
        ann.audit_ref, "user", ann.audit_ref, T0)
    assert svc.authenticate(repos, "ann@example.com", NEW, now=T0).id == ann.id


@pytest.mark.parametrize(("new", "problem"), [
    ("p" * 7, "A password has at least 8 characters."),
    ("p" * 1025, "A password has at most 1024 characters."),
])
def test_a_reset_with_a_bad_password_changes_nothing(repos, make_user, now, new, problem):
    ann = make_user("hr", email="ann@example.com")
    sid = repos.sessions.start(ann.id, now, "browser")
    with pytest.raises(ValidationError) as caught:
        svc.reset_password(repos, ann, new, T0)
    assert (caught.value.message, caught.value.details) == (problem, {"password": problem})
    assert repos.users.get(ann.id).password_hash == ann.password_hash and repos.sessions.is_live(sid, ann.id)
    assert events(repos, "password.reset") == []


def test_a_reset_password_of_8_characters_is_accepted(repos, make_user):
    ann = make_user("hr", email="ann@example.com")
    assert check_password_hash(svc.reset_password(repos, ann, "p" * 8, T0).password_hash, "p" * 8)


@pytest.mark.parametrize("role", ["hr", "admin"])
def test_invited_staff_get_a_link_to_choose_a_password_once(repos, make_user, role):
    admin = make_user("admin")
    user = svc.invite_staff(repos, " hana@acme.example ", "Hana", role, T0, actor=admin)
    assert (user.email, user.role, user.status, user.active) == ("hana@acme.example", role, "active", True)
    assert messages(repos) == [("account_created", user.id, f"account_created:{user.id}")]
    assert svc.authenticate(repos, "hana@acme.example", "") is None
    event = events(repos, "account.create")[-1]
    assert (event["actor"], event["object_type"], event["object_id"], event["after"]) == (
        admin.audit_ref, "user", user.audit_ref, {"role": role})


def test_only_staff_are_invited(repos):
    with pytest.raises(ValidationError) as caught:
        svc.invite_staff(repos, "c@example.com", "C", "candidate", T0)
    assert (caught.value.message, caught.value.details) == ("Only HR and admin accounts are invited.",
                                                            {"role": "Choose HR or admin."})
    assert repos.users.count() == 0 and messages(repos) == []


# --- the events of account changes --------------------------------------------------------------

def test_assignments_record_the_hr_user_before_and_after(repos, make_user):
    admin, hr_a, hr_b = make_user("admin"), make_user("hr"), make_user("hr")
    cand = make_user("candidate")
    svc.assign(repos, cand.id, hr_a.id, actor=admin)
    svc.assign(repos, cand.id, hr_b.id)
    first, second = events(repos, "candidate.assign")
    assert (first["actor"], first["object_type"], first["object_id"], first["before"], first["after"]) == (
        admin.audit_ref, "user", cand.audit_ref, {"hr": None}, {"hr": hr_a.audit_ref})
    assert (second["actor"], second["before"], second["after"]) == (None, {"hr": hr_a.audit_ref},
                                                                    {"hr": hr_b.audit_ref})
    svc.unassign(repos, cand.id, actor=admin)
    svc.unassign(repos, cand.id, actor=admin)  # already unassigned: nothing to record
    [event] = events(repos, "candidate.unassign")
    assert (event["actor"], event["object_type"], event["object_id"], event["before"], event["after"]) == (
        admin.audit_ref, "user", cand.audit_ref, {"hr": hr_b.audit_ref}, {"hr": None})


def test_deactivation_and_reactivation_are_recorded_once_each(repos, make_user):
    admin, user = make_user("admin"), make_user("hr")
    svc.set_active(repos, user.id, False, admin.id)
    svc.set_active(repos, user.id, False, admin.id)  # no change: no event
    svc.set_active(repos, user.id, True)
    [off] = events(repos, "account.deactivate")
    assert (off["actor"], off["object_type"], off["object_id"], off["before"], off["after"]) == (
        admin.audit_ref, "user", user.audit_ref, {"active": True}, {"active": False})
    [on] = events(repos, "account.reactivate")
    assert (on["actor"], on["actor_role"], on["before"], on["after"]) == (
        None, "system", {"active": False}, {"active": True})


def test_signing_an_account_out_everywhere_is_recorded_with_the_count(repos, make_user, now):
    admin, user = make_user("admin"), make_user("hr")
    repos.sessions.start(user.id, now, "one")
    repos.sessions.start(user.id, now, "two")
    svc.sign_out_everywhere(repos, user.id, admin.id)
    svc.sign_out_everywhere(repos, user.id)
    first, second = events(repos, "sessions.end_all")
    assert (first["actor"], first["object_type"], first["object_id"], first["after"]) == (
        admin.audit_ref, "user", user.audit_ref, {"ended": 2})
    assert (second["actor"], second["after"]) == (None, {"ended": 0})


def test_a_password_change_is_recorded(repos, make_user):
    ann = make_user("hr")
    svc.change_password(repos, ann, PASSWORD, NEW, address="10.0.0.1")
    [event] = events(repos, "password.change")
    assert (event["actor"], event["object_type"], event["object_id"]) == (ann.audit_ref, "user", ann.audit_ref)


def test_a_started_session_is_live_for_its_user(repos, make_user, now):
    ann = make_user("hr")
    sid = svc.start_session(repos, ann, now, "Firefox")
    assert repos.sessions.is_live(sid, ann.id) and svc.end_sessions(repos, ann.id, now) == 1
    assert not repos.sessions.is_live(sid, ann.id)
