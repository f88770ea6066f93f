"""Account rules, called directly (no Flask request): validation, resumes, sign-in, assignment, activity."""
from __future__ import annotations

import functools
import time

import pytest
from pdf_fixtures import make_no_tounicode_pdf, make_operator_bomb_pdf, make_pdf
from pypdf import PdfReader
from support import PASSWORD

from interviewer.errors import Conflict, NotFound, ValidationError
from interviewer.services import resumes
from interviewer.services import users as svc

RESUME_PDF_TEXT = "Senior Python developer with Flask and MongoDB"


def test_the_hand_built_pdf_is_valid():
    reader = PdfReader(__import__("io").BytesIO(make_pdf(RESUME_PDF_TEXT)), strict=True)
    assert len(reader.pages) == 1
    assert RESUME_PDF_TEXT in reader.pages[0].extract_text()


# --- create_user -------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["candidate", "hr", "admin"])
def test_create_user_stores_a_hashed_password_and_the_role(repos, role):
    user = svc.create_user(repos, "  New.Person@Example.com ", "  New Person ", PASSWORD, role)

    stored = repos.users.get(user.id)
    assert (stored.email, stored.name, stored.role) == ("New.Person@Example.com", "New Person", role)
    assert stored.status == ("registered" if role == "candidate" else "active")
    assert stored.active is True
    assert stored.password_hash and PASSWORD not in stored.password_hash
    assert stored.created_at is not None
    assert repos.users.count() == 1


@pytest.mark.parametrize(("email", "name", "password", "fields"), [
    ("not-an-email", "Ann", PASSWORD, {"email"}),
    ("ann@", "Ann", PASSWORD, {"email"}),
    ("@example.com", "Ann", PASSWORD, {"email"}),
    ("ann@example", "Ann", PASSWORD, {"email"}),
    ("ann smith@example.com", "Ann", PASSWORD, {"email"}),
    ("", "Ann", PASSWORD, {"email"}),
    ("a" * 250 + "@example.com", "Ann", PASSWORD, {"email"}),
    ("ann@example.com", "", PASSWORD, {"name"}),
    ("ann@example.com", "   ", PASSWORD, {"name"}),
    ("ann@example.com", "x" * 121, PASSWORD, {"name"}),
    ("ann@example.com", "Ann", "short", {"password"}),
    ("ann@example.com", "Ann", "1234567", {"password"}),
    ("ann@example.com", "Ann", "", {"password"}),
    ("ann@example.com", "Ann", "x" * 1025, {"password"}),
    ("bad", "", "short", {"email", "name", "password"}),
])
def test_create_user_validation_names_each_bad_field(repos, email, name, password, fields):
    with pytest.raises(ValidationError) as caught:
        svc.create_user(repos, email, name, password, "hr")
    assert set(caught.value.details) == fields
    assert all(isinstance(message, str) and message for message in caught.value.details.values())
    assert repos.users.count() == 0


@pytest.mark.parametrize("role", ["superuser", "", "Admin", "candidates", None])
def test_create_user_refuses_an_unknown_role(repos, role):
    with pytest.raises(ValidationError) as caught:
        svc.create_user(repos, "ann@example.com", "Ann", PASSWORD, role)
    assert set(caught.value.details) == {"role"}
    assert repos.users.count() == 0


@pytest.mark.parametrize("second", ["ann@example.com", "ANN@EXAMPLE.COM", " Ann@example.com"])
def test_create_user_with_a_taken_email_is_a_validation_error_on_email(repos, second):
    svc.create_user(repos, "ann@example.com", "Ann", PASSWORD, "candidate")
    with pytest.raises(ValidationError) as caught:
        svc.create_user(repos, second, "Other Ann", PASSWORD, "hr")
    assert set(caught.value.details) == {"email"}
    assert "already exists" in caught.value.details["email"]
    assert repos.users.count() == 1


# --- registration and resumes ------------------------------------------------------------------

def test_register_candidate_without_a_resume(repos):
    user = svc.register_candidate(repos, "ann@example.com", "Ann", PASSWORD)
    stored = repos.users.get(user.id)
    assert (stored.role, stored.status, stored.hr_id) == ("candidate", "registered", None)
    assert (stored.resume_text, stored.resume_filename) == ("", "")


@pytest.mark.parametrize("filename", ["cv.txt", "CV.TXT", "notes.md"])
def test_register_candidate_with_a_text_resume_stores_its_text(repos, filename):
    text = "Python developer. Flask, MongoDB, htmx — 5 years.\n"
    user = svc.register_candidate(repos, "ann@example.com", "Ann", PASSWORD, (filename, text.encode("utf-8")))
    stored = repos.users.get(user.id)
    assert stored.resume_text == text.strip()
    assert stored.resume_filename == filename


@pytest.mark.parametrize("filename", ["cv.pdf", "CV.PDF", "resume"])
def test_register_candidate_with_a_pdf_stores_the_extracted_text(repos, filename):
    user = svc.register_candidate(repos, "ann@example.com", "Ann", PASSWORD, (filename, make_pdf(RESUME_PDF_TEXT)))
    stored = repos.users.get(user.id)
    assert RESUME_PDF_TEXT in stored.resume_text
    assert stored.resume_filename == filename


@pytest.mark.parametrize(("filename", "data"), [
    ("cv.pdf", b"%PDF-1.4 garbage"),
    ("cv.pdf", b"%PDF-1.4\n" + b"\x00" * 64),
    ("cv.pdf", b"not a pdf at all"),
    ("cv.txt", b"%PDF-1.7\ntruncated"),  # the content, not the name, says PDF
    ("cv.pdf", make_pdf(RESUME_PDF_TEXT)[:200]),
    ("scan.pdf", make_pdf("")),  # a PDF without text (a scan)
    ("cv.pdf", make_no_tounicode_pdf("Jane Roe, Senior Python Developer")),  # glyph numbers, not text
    ("cv.txt", "Python developer".encode("utf-16-le")),  # UTF-16 without a byte-order mark
    ("cv.txt", b"\x00\x01\x02 binary \xff"),
    ("cv.txt", "Müller".encode("latin-1")),  # not UTF-8
    ("cv.docx", b"PK\x03\x04 word document"),
    ("cv.exe", b"MZ"),
    ("photo.png", b"\x89PNG\r\n"),
])
def test_unreadable_or_unsupported_resume_is_a_validation_error_on_resume(repos, filename, data):
    with pytest.raises(ValidationError) as caught:
        svc.register_candidate(repos, "ann@example.com", "Ann", PASSWORD, (filename, data))
    assert set(caught.value.details) == {"resume"}
    assert repos.users.count() == 0


@pytest.mark.parametrize("filename", ["cv.txt", "cv.pdf"])
def test_resume_over_5_mib_is_refused(repos, filename):
    data = b"a" * (5 * 1024 * 1024 + 1)
    with pytest.raises(ValidationError) as caught:
        svc.register_candidate(repos, "ann@example.com", "Ann", PASSWORD, (filename, data))
    assert set(caught.value.details) == {"resume"}
    assert "5 MiB" in caught.value.details["resume"]
    assert repos.users.count() == 0


def test_resume_of_exactly_5_mib_is_accepted(repos):
    data = b"a" * (5 * 1024 * 1024)
    user = svc.register_candidate(repos, "ann@example.com", "Ann", PASSWORD, ("cv.txt", data))
    assert len(repos.users.get(user.id).resume_text) == 100_000  # the stored text is capped


def test_registration_with_a_pdf_too_complex_to_read_is_refused_in_bounded_time_and_stores_nothing(repos):
    start = time.perf_counter()
    with pytest.raises(ValidationError) as caught:
        svc.register_candidate(repos, "ann@example.com", "Ann", PASSWORD, ("cv.pdf", make_operator_bomb_pdf()))
    assert time.perf_counter() - start < 10  # was 28 s; ~2 s measured
    # Too complex; or, on a machine so loaded that the reader got under half its CPU budget within
    # its wall-clock limit, "busy, try again": refused either way, and nothing stored.
    assert caught.value.details in ({"resume": resumes.TOO_COMPLEX}, {"resume": resumes.BUSY})
    assert repos.users.count() == 0


@pytest.mark.parametrize(("data", "stored"), [
    (b"\xef\xbb\xbfPython developer", "Python developer"),
    (b"\xff\xfe" + "Python developer, Zürich".encode("utf-16-le"), "Python developer, Zürich"),
])
def test_registration_stores_text_files_without_their_byte_order_mark(repos, data, stored):
    user = svc.register_candidate(repos, "ann@example.com", "Ann", PASSWORD, ("cv.txt", data))
    assert repos.users.get(user.id).resume_text == stored


def test_registration_with_bad_fields_does_not_read_the_resume(repos, monkeypatch):
    def fail(*args):
        raise AssertionError("the resume was read")

    monkeypatch.setattr(resumes, "read_pdf", fail)
    with pytest.raises(ValidationError) as caught:
        svc.register_candidate(repos, "not-an-email", "Ann", PASSWORD, ("cv.pdf", make_operator_bomb_pdf()))
    assert set(caught.value.details) == {"email"}
    assert repos.users.count() == 0


def test_registration_with_a_taken_email_reports_email_not_resume(repos):
    svc.register_candidate(repos, "ann@example.com", "Ann", PASSWORD)
    with pytest.raises(ValidationError) as caught:
        svc.register_candidate(repos, "ANN@example.com", "Ann 2", PASSWORD, ("cv.txt", b"Python"))
    assert set(caught.value.details) == {"email"}


# --- authenticate ------------------------------------------------------------------------------

@pytest.fixture
def ann(repos):
    return svc.create_user(repos, "ann@example.com", "Ann", PASSWORD, "candidate")


@pytest.mark.parametrize("email", ["ann@example.com", "ANN@example.com", " ann@example.com "])
def test_authenticate_with_the_right_password(repos, ann, email):
    assert svc.authenticate(repos, email, PASSWORD).id == ann.id


@pytest.mark.parametrize(("email", "password"), [
    ("ann@example.com", "wrong-password"),
    ("ann@example.com", PASSWORD.upper()),
    ("ann@example.com", ""),
    ("ann@example.com", None),
    ("nobody@example.com", PASSWORD),
    ("", PASSWORD),
    (None, None),
])
def test_authenticate_failures_are_all_none(repos, ann, email, password):
    assert svc.authenticate(repos, email, password) is None


def test_a_deactivated_user_cannot_authenticate(repos, ann):
    svc.set_active(repos, ann.id, False)
    assert svc.authenticate(repos, "ann@example.com", PASSWORD) is None
    svc.set_active(repos, ann.id, True)
    assert svc.authenticate(repos, "ann@example.com", PASSWORD).id == ann.id


# --- assignment ----------------------------------------------------------------------------------

@pytest.fixture
def team(repos):
    make = functools.partial(svc.create_user, repos, password=PASSWORD)
    return {
        "hr": make(email="hr@example.com", name="HR", role="hr"),
        "hr2": make(email="hr2@example.com", name="HR Two", role="hr"),
        "admin": make(email="admin@example.com", name="Admin", role="admin"),
        "cand": make(email="cand@example.com", name="Cand", role="candidate"),
        "cand2": make(email="cand2@example.com", name="Cand Two", role="candidate"),
    }


def test_assign_then_unassign_moves_the_status(repos, team):
    user = svc.assign(repos, team["cand"].id, team["hr"].id)
    assert (user.status, user.hr_id) == ("assigned", team["hr"].id)
    assert (repos.users.get(team["cand"].id).status, repos.users.get(team["cand"].id).hr_id) == (
        "assigned", team["hr"].id)

    user = svc.assign(repos, team["cand"].id, team["hr2"].id)  # reassigning is allowed
    assert (user.status, user.hr_id) == ("assigned", team["hr2"].id)

    user = svc.unassign(repos, team["cand"].id)
    stored = repos.users.get(team["cand"].id)
    assert (user.status, user.hr_id) == (stored.status, stored.hr_id) == ("registered", None)
    assert repos.users.get(team["cand2"].id).status == "registered"  # nobody else touched


@pytest.mark.parametrize("hr_key", ["admin", "cand2", "unknown", "malformed", "empty"])
def test_assign_to_anyone_but_an_hr_user_is_a_validation_error(repos, team, hr_key):
    hr_id = {"unknown": "000000000000000000000000", "malformed": "xyz", "empty": ""}.get(hr_key)
    hr_id = hr_id if hr_id is not None else team[hr_key].id
    with pytest.raises(ValidationError) as caught:
        svc.assign(repos, team["cand"].id, hr_id)
    assert set(caught.value.details) == {"hr_id"}
    stored = repos.users.get(team["cand"].id)
    assert (stored.status, stored.hr_id) == ("registered", None)


def test_assign_to_a_deactivated_hr_user_is_a_validation_error(repos, team):
    svc.set_active(repos, team["hr"].id, False)
    with pytest.raises(ValidationError) as caught:
        svc.assign(repos, team["cand"].id, team["hr"].id)
    assert set(caught.value.details) == {"hr_id"}
    assert "deactivated" in caught.value.message
    assert repos.users.get(team["cand"].id).status == "registered"


def test_a_deactivated_candidate_cannot_be_assigned(repos, team):
    svc.set_active(repos, team["cand"].id, False)
    with pytest.raises(Conflict):
        svc.assign(repos, team["cand"].id, team["hr"].id)
    assert repos.users.get(team["cand"].id).status == "registered"


@pytest.mark.parametrize("who", ["unknown", "malformed", "hr", "admin"])
@pytest.mark.parametrize("action", ["assign", "unassign"])
def test_assign_or_unassign_a_non_candidate_is_not_found(repos, team, who, action):
    candidate_id = {"unknown": "000000000000000000000000", "malformed": "xyz"}.get(who) or team[who].id
    with pytest.raises(NotFound):
        if action == "assign":
            svc.assign(repos, candidate_id, team["hr"].id)
        else:
            svc.unassign(repos, candidate_id)
    if who in ("hr", "admin"):
        assert repos.users.get(team[who].id).status == "active"


# --- activity ------------------------------------------------------------------------------------

def test_set_active_deactivates_and_reactivates(repos, team):
    assert svc.set_active(repos, team["hr"].id, False, team["admin"].id).active is False
    assert repos.users.get(team["hr"].id).active is False
    assert svc.set_active(repos, team["hr"].id, True, team["admin"].id).active is True
    assert repos.users.get(team["hr"].id).active is True


def test_an_admin_cannot_deactivate_themself(repos, team):
    with pytest.raises(Conflict):
        svc.set_active(repos, team["admin"].id, False, team["admin"].id)
    assert repos.users.get(team["admin"].id).active is True
    # Reactivating oneself is harmless (and a no-op).
    assert svc.set_active(repos, team["admin"].id, True, team["admin"].id).active is True


@pytest.mark.parametrize("user_id", ["xyz", "000000000000000000000000", ""])
def test_set_active_on_an_unknown_user_is_not_found(repos, user_id):
    with pytest.raises(NotFound):
        svc.set_active(repos, user_id, False)


# --- stats ---------------------------------------------------------------------------------------

def test_stats_counts_roles_statuses_and_deactivated(repos, team):
    empty = svc.stats(repos)
    assert empty.per_role == {"candidate": 2, "hr": 2, "admin": 1}
    assert empty.candidates_per_status == {"registered": 2, "assigned": 0}
    assert empty.deactivated == 0

    svc.assign(repos, team["cand"].id, team["hr"].id)
    svc.set_active(repos, team["hr2"].id, False)
    svc.set_active(repos, team["cand2"].id, False)

    after = svc.stats(repos)
    assert after.per_role == {"candidate": 2, "hr": 2, "admin": 1}
    assert after.candidates_per_status == {"registered": 1, "assigned": 1}
    assert after.deactivated == 2


def test_stats_on_an_empty_database(repos):
    stats = svc.stats(repos)
    assert stats.per_role == {"candidate": 0, "hr": 0, "admin": 0}
    assert stats.candidates_per_status == {"registered": 0, "assigned": 0}
    assert stats.deactivated == 0
