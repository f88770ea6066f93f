"""Two small services tested in this process: the demo accounts (`flask demo`), and the PDF
reader's own code (`pdf_worker`, which the app runs as a child process; here its functions are
called directly, with the limits it would set on itself left out)."""
from __future__ import annotations

import io
import json
import logging
import sys
import warnings

import pytest
from pdf_fixtures import make_pages_pdf, make_pdf
from support import PASSWORD

from interviewer.services import demo, pdf_worker
from interviewer.services import users as user_service

# --- demo accounts ------------------------------------------------------------------------------


def test_demo_creates_the_accounts_once_and_assigns_the_first_candidate(repos):
    lines = demo.ensure_demo(repos)
    assert lines == [
        "Demo accounts (e-mail / password):",
        "  admin     admin@example.com / admin-demo-pass   (created)",
        "  hr        hr@example.com / hr-demo-pass   (created)",
        "  candidate candidate@example.com / candidate-demo-pass   (created)",
        "  candidate candidate2@example.com / candidate-demo-pass   (created)",
        "  candidate@example.com is assigned to hr@example.com",
    ]
    cara, carl = repos.users.by_email("candidate@example.com"), repos.users.by_email("candidate2@example.com")
    hr = repos.users.by_email("hr@example.com")
    assert (cara.role, cara.name, cara.hr_id, cara.status) == ("candidate", "Cara Candidate", hr.id, "assigned")
    assert cara.resume_text == demo.DEMO_RESUME and cara.resume_filename == "resume.txt"
    assert (carl.resume_text, carl.resume_filename, carl.hr_id, carl.status) == ("", "", None, "registered")
    assert user_service.authenticate(repos, "hr@example.com", "hr-demo-pass").id == hr.id

    again = demo.ensure_demo(repos)
    assert again == ["Demo accounts (e-mail / password):",
                     "  admin     admin@example.com / admin-demo-pass",
                     "  hr        hr@example.com / hr-demo-pass",
                     "  candidate candidate@example.com / candidate-demo-pass",
                     "  candidate candidate2@example.com / candidate-demo-pass"]


def test_demo_keeps_accounts_that_exist_and_an_assignment_made_meanwhile(repos, make_user):
    other_hr = make_user("hr", email="other-hr@example.com")
    cara = user_service.create_user(repos, "candidate@example.com", "Own Name", PASSWORD, "candidate")
    user_service.assign(repos, cara.id, other_hr.id)
    lines = demo.ensure_demo(repos)
    assert "  candidate candidate@example.com / candidate-demo-pass" in lines
    assert not any("is assigned" in line for line in lines)
    kept = repos.users.by_email("candidate@example.com")
    assert (kept.name, kept.hr_id) == ("Own Name", other_hr.id)


# --- the PDF reader's own code ------------------------------------------------------------------

def test_extract_reads_the_first_pages_up_to_the_character_cap():
    data = make_pages_pdf(["first page", "second page", "third page"])
    assert pdf_worker.extract(data, 20, 1000).split() == ["first", "page", "second", "page", "third", "page"]
    assert pdf_worker.extract(data, 2, 1000).split() == ["first", "page", "second", "page"]
    assert pdf_worker.extract(data, 20, 5) == "first"


def test_extract_stops_reading_pages_once_the_cap_is_reached(monkeypatch):
    from pypdf import PageObject

    read = []
    original = PageObject.extract_text

    def counting(self, *args, **kwargs):
        read.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(PageObject, "extract_text", counting)
    data = make_pages_pdf(["a" * 10, "b" * 10, "c" * 10])  # each page reads as 11 characters
    assert pdf_worker.extract(data, 20, 12) == "a" * 10 + "\n"  # the page and its separator reach the cap
    assert len(read) == 1
    read.clear()
    assert pdf_worker.extract(data, 20, 13).split() == ["a" * 10, "b"]
    assert len(read) == 2


@pytest.fixture
def run_main(monkeypatch):
    """Call `pdf_worker.main` on `data` with its limits recorded instead of set; (exit status,
    stdout, the limits asked for). Logging and warnings are restored afterwards."""
    limits = []
    monkeypatch.setattr(pdf_worker, "set_limits", lambda cpu, memory: limits.append((cpu, memory)))

    def run(data, argv=("pdf_worker.py", "20", "1000", "2", "268435456")):
        out = io.StringIO()
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
        monkeypatch.setattr(sys, "stdout", out)
        with warnings.catch_warnings():
            try:
                status = pdf_worker.main(list(argv))
            finally:
                logging.disable(logging.NOTSET)
        return status, out.getvalue(), limits

    return run


def test_main_writes_the_text_as_json_within_the_arguments_limits(run_main):
    status, out, limits = run_main(make_pages_pdf(["one", "two", "three"]), ("w", "2", "1000", "3", "4096"))
    assert status == 0 and json.loads(out)["text"].split() == ["one", "two"]
    assert limits == [(3, 4096)]
    status, out, _ = run_main(make_pdf("Hello world"), ("w", "20", "4", "2", "1"))
    assert (status, json.loads(out)) == (0, {"text": "Hell"})  # the character cap


def test_main_reports_an_unreadable_file_and_a_file_too_big_for_memory(run_main, monkeypatch):
    status, out, _ = run_main(b"%PDF-1.4 not really a pdf")
    assert (status, out) == (pdf_worker.EXIT_UNREADABLE, "")

    def out_of_memory(*args):
        raise MemoryError

    monkeypatch.setattr(pdf_worker, "extract", out_of_memory)
    status, out, _ = run_main(make_pdf("Hello"))
    assert (status, out) == (pdf_worker.EXIT_TOO_COMPLEX, "")


def test_the_exit_statuses_are_neither_an_uncaught_error_nor_a_usage_error():
    assert {pdf_worker.EXIT_UNREADABLE, pdf_worker.EXIT_TOO_COMPLEX}.isdisjoint({0, 1, 2})
    assert pdf_worker.EXIT_UNREADABLE != pdf_worker.EXIT_TOO_COMPLEX


def _encrypted(data: bytes, user_password: str) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(io.BytesIO(data)).pages:
        writer.add_page(page)
    writer.encrypt(user_password=user_password, owner_password="owner-secret", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_pdf_locked_only_against_editing_is_read_and_a_password_protected_one_is_not():
    assert pdf_worker.extract(_encrypted(make_pdf("Hello world"), ""), 20, 1000).split() == ["Hello", "world"]
    with pytest.raises(Exception):  # noqa: B017  (pypdf's own error: main turns any into EXIT_UNREADABLE)
        pdf_worker.extract(_encrypted(make_pdf("Hello world"), "secret"), 20, 1000)


def test_a_page_without_text_adds_nothing():
    assert pdf_worker.extract(make_pages_pdf(["", "after"]), 20, 1000).split() == ["after"]
    assert pdf_worker.extract(make_pages_pdf([""]), 20, 1000).strip() == ""
