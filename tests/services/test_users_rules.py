"""Account rules (services/users.py) as the forms and the API show them: each refusal's message and
field, every length limit at the limit and one past it, what a password change or a deactivation
ends (sessions, tokens) and what it keeps, and the store after a refusal."""
from __future__ import annotations

from datetime import timedelta

import pytest
from support import PASSWORD
from werkzeug.security import check_password_hash

from interviewer.errors import Conflict, NotFound, TooManyAttempts, ValidationError
from interviewer.services import tokens as token_service
from interviewer.services import users as svc

NEW = "another-horse-7"


def refusal(exc_type, call, *args, **kwargs):
    with pytest.raises(exc_type) as info:
        call(*args, **kwargs)
    return info.value


@pytest.mark.parametrize(("email", "name", "password", "details"), [
    ("bad", "Ann", PASSWORD, {"email": "Enter a valid e-mail address."}),
    ("a" * 243 + "@example.com", "Ann", PASSWORD, {"email": "Enter a valid e-mail address."}),  # 255
    ("ann@example.com", " ", PASSWORD, {"name": "Enter a name."}),
    ("ann@example.com", "\u200b\u202e\x00\n", PASSWORD, {"name": "Enter a name."}),  # nothing visible
    ("ann@example.com", "x" * 121, PASSWORD, {"name": "A name has at most 120 characters."}),
    ("ann@example.com", "Ann", "x" * 7, {"password": "A password has at least 8 characters."}),
    ("ann@example.com", "Ann", None, {"password": "A password has at least 8 characters."}),
    ("ann@example.com", "Ann", "x" * 1025, {"password": "A password has at most 1024 characters."}),
])
def test_each_bad_field_gets_its_own_message_and_nothing_is_stored(repos, email, name, password, details):
    for call in (lambda: svc.create_user(repos, email, name, password, "hr"),
                 lambda: svc.register_candidate(repos, email, name, password)):
        error = refusal(ValidationError, call)
        assert (error.message, error.details) == ("Please correct the highlighted fields.", details)
    assert repos.users.count() == 0


def test_every_limit_is_accepted_at_the_limit(repos):
    email = "a" * 242 + "@example.com"  # 254 characters
    user = svc.create_user(repos, email, "x" * 120, "p" * 8, "hr")
    assert (user.email, user.name) == (email, "x" * 120)
    assert svc.create_user(repos, "b@example.com", "B", "p" * 1024, "admin").role == "admin"


def test_a_name_is_stored_as_one_line_without_bidi_overrides_or_invisible_characters(repos):
    # U+202E would make every list show "Ann fdp.exe" backwards; the 120 limit counts what is kept.
    user = svc.register_candidate(repos, "ann@example.com", " Ann\u202e\u200b\n  exe.pdf\x07 " + " " * 200,
                                  PASSWORD)
    assert repos.users.get(user.id).name == "Ann exe.pdf"
    hr = svc.create_user(repos, "hr@example.com", "Zo\u00eb\tN\u00fa\u00f1ez\u2066", PASSWORD, "hr")
    assert repos.users.get(hr.id).name == "Zo\u00eb N\u00fa\u00f1ez"


def test_an_unknown_role_is_named_with_the_roles_there_are(repos):
    error = refusal(ValidationError, svc.create_user, repos, "ann@example.com", "Ann", PASSWORD, "root")
    assert (error.message, error.details) == ("Unknown role 'root': use one of candidate, hr, admin.",
                                              {"role": "Unknown role."})


def test_a_taken_email_is_refused_on_the_email_field(repos):
    svc.create_user(repos, "ann@example.com", "Ann", PASSWORD, "hr")
    error = refusal(ValidationError, svc.register_candidate, repos, "ANN@example.com", "Other", PASSWORD)
    assert (error.message, error.details) == ("An account with this e-mail already exists.",
                                              {"email": "An account with this e-mail already exists."})
    assert repos.users.count() == 1


def test_a_registration_with_an_empty_resume_file_stores_no_resume(repos):
    user = svc.register_candidate(repos, "ann@example.com", "Ann", PASSWORD, ("cv.txt", b""))
    assert (user.resume_text, user.resume_filename, user.role, user.status) == ("", "", "candidate", "registered")
    with_text = svc.register_candidate(repos, "bob@example.com", "Bob", PASSWORD, ("cv.txt", b"Flask"))
    assert (with_text.resume_text, with_text.resume_filename) == ("Flask", "cv.txt")


# --- changing one's password -----------------------------------------------------------------

@pytest.fixture
def ann(repos, make_user):
    return make_user("hr", email="ann@example.com")


def test_a_password_change_replaces_the_password_and_ends_every_session_and_token(repos, ann, now):
    repos.sessions.start(ann.id, now, "browser one")
    repos.sessions.start(ann.id, now, "browser two")
    token = token_service.issue(repos, ann, now, timedelta(hours=1))
    changed = svc.change_password(repos, ann, PASSWORD, NEW, address="10.0.0.1")
    assert changed.id == ann.id and check_password_hash(changed.password_hash, NEW)
    assert repos.sessions.count_live(ann.id) == 0
    assert token_service.resolve(repos, token.access_token, now + timedelta(minutes=1)) is None
    assert svc.authenticate(repos, ann.email, NEW) is not None
    assert svc.authenticate(repos, ann.email, PASSWORD) is None


@pytest.mark.parametrize(("current", "new", "details"), [
    ("wrong-password", NEW, {"current_password": "This is not your current password."}),
    (PASSWORD, "short", {"password": "A password has at least 8 characters."}),
    (PASSWORD, "x" * 1025, {"password": "A password has at most 1024 characters."}),
    (PASSWORD, PASSWORD, {"password": "Choose a password different from the current one."}),
])
def test_a_refused_password_change_changes_nothing(repos, ann, now, current, new, details):
    sid = repos.sessions.start(ann.id, now, "browser")
    error = refusal(ValidationError, svc.change_password, repos, ann, current, new)
    assert error.details == details
    assert error.message == ("Your current password is not right." if "current_password" in details
                             else details["password"])
    assert repos.users.get(ann.id).password_hash == ann.password_hash
    assert repos.sessions.is_live(sid, ann.id)


def test_a_new_password_of_exactly_8_or_1024_characters_is_accepted(repos, ann):
    changed = svc.change_password(repos, ann, PASSWORD, "p" * 8)
    assert check_password_hash(changed.password_hash, "p" * 8)
    assert check_password_hash(svc.change_password(repos, changed, "p" * 8, "q" * 1024).password_hash, "q" * 1024)


def test_guessing_through_the_password_form_is_throttled_like_a_sign_in(repos, ann):
    with pytest.raises(TooManyAttempts) as info:
        for _ in range(50):
            with pytest.raises(ValidationError):
                svc.change_password(repos, ann, "wrong-password", NEW, address="10.0.0.9")
    assert info.value.details["retry_after"] > 0
    assert repos.users.get(ann.id).password_hash == ann.password_hash


# --- deactivation and signing out ------------------------------------------------------------

def test_deactivating_ends_sessions_and_revokes_tokens_for_good(repos, make_user, now):
    admin, user = make_user("admin"), make_user("hr")
    repos.sessions.start(user.id, now, "browser")
    token = token_service.issue(repos, user, now, timedelta(hours=1))
    assert svc.set_active(repos, user.id, False, admin.id).active is False
    assert repos.sessions.count_live(user.id) == 0
    assert all(t.revoked_at is not None for t in repos.tokens.for_user(user.id))
    svc.set_active(repos, user.id, True, admin.id)
    assert token_service.resolve(repos, token.access_token, now + timedelta(minutes=1)) is None


def test_reactivating_ends_sessions_but_revokes_no_token(repos, make_user, now):
    admin, user = make_user("admin"), make_user("hr")
    token = token_service.issue(repos, user, now, timedelta(days=1))
    repos.sessions.start(user.id, now, "browser")
    svc.set_active(repos, user.id, True, admin.id)
    assert repos.sessions.count_live(user.id) == 0
    assert [t.revoked_at for t in repos.tokens.for_user(user.id)] == [None]
    assert token_service.resolve(repos, token.access_token, now + timedelta(minutes=1))[0].id == user.id


def test_refusals_of_account_changes_say_why(repos, make_user):
    admin = make_user("admin")
    assert refusal(Conflict, svc.set_active, repos, admin.id, False, admin.id).message == (
        "You cannot deactivate your own account.")
    assert refusal(NotFound, svc.set_active, repos, "000000000000000000000000", False).message == "No such user."
    assert refusal(NotFound, svc.sign_out_everywhere, repos, "000000000000000000000000").message == "No such user."
    assert refusal(NotFound, svc.unassign, repos, admin.id).message == "No such candidate."
    hr, candidate = make_user("hr"), make_user("candidate")
    error = refusal(ValidationError, svc.assign, repos, candidate.id, admin.id)
    assert (error.message, error.details) == ("Choose an HR user.", {"hr_id": "Choose an HR user."})
    svc.set_active(repos, hr.id, False, admin.id)
    error = refusal(ValidationError, svc.assign, repos, candidate.id, hr.id)
    assert (error.message, error.details) == ("This HR user is deactivated.", {"hr_id": "This HR user is deactivated."})
    svc.set_active(repos, hr.id, True, admin.id)
    svc.set_active(repos, candidate.id, False, admin.id)
    assert refusal(Conflict, svc.assign, repos, candidate.id, hr.id).message == "A deactivated candidate cannot be assigned."


def test_sign_out_everywhere_counts_the_sessions_it_ended(repos, make_user, now):
    admin, user = make_user("admin"), make_user("hr")
    for agent in ("one", "two", "three"):
        repos.sessions.start(user.id, now, agent)
    own = repos.sessions.start(admin.id, now, "admin")
    assert svc.sign_out_everywhere(repos, user.id, admin.id) == 3
    assert repos.sessions.count_live(user.id) == 0 and repos.sessions.is_live(own, admin.id)
    assert svc.sign_out_everywhere(repos, user.id, admin.id) == 0


def test_assignment_moves_the_candidates_interviews_into_the_new_scope(repos, world, schedule):
    interview = schedule(world["hr_a"], world["cand_a"])
    svc.assign(repos, world["cand_a"].id, world["hr_b"].id)
    assert repos.interviews.get(interview.id).hr_id == world["hr_b"].id
    svc.unassign(repos, world["cand_a"].id)
    assert repos.interviews.get(interview.id).hr_id is None
