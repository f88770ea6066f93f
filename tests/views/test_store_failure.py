"""A database that cannot read or write (sqlite locked, disk full, read-only; MongoDB unreachable or
without a majority) answers 503 with Retry-After and a clear message, in the form each client reads:
the one JSON error body for the API and autosave, a message htmx shows, an error page otherwise.
A duplicate key a repository failed to catch is a 409. Never a 500."""
from __future__ import annotations

import json
import logging
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from pymongo.errors import (
    AutoReconnect,
    DuplicateKeyError,
    NetworkTimeout,
    OperationFailure,
    ServerSelectionTimeoutError,
    WriteConcernError,
)
from support import PASSWORD, saved, sqlite_uri

from interviewer import create_app
from interviewer.db import get_repos
from interviewer.handlers import STORE_RETRY_AFTER
from interviewer.repositories.interviews import InterviewRepository
from interviewer.repositories.responses import ResponseRepository
from interviewer.repositories.tokens import TokenRepository
from interviewer.repositories.users import UserRepository
from interviewer.services import interviews as svc
from interviewer.services import tokens as token_service
from interviewer.services import users as user_service

STORE_ERRORS = [
    pytest.param(OperationFailure("the embedded database cannot do this now: database is locked"), id="sqlite-locked"),
    pytest.param(OperationFailure("the embedded database cannot do this now: database or disk is full"), id="disk-full"),
    pytest.param(OperationFailure("the embedded database failed: attempt to write a readonly database"), id="read-only"),
    pytest.param(AutoReconnect("connection reset by peer"), id="auto-reconnect"),
    pytest.param(ServerSelectionTimeoutError("No replica set members found yet"), id="no-server"),
    pytest.param(NetworkTimeout("timed out"), id="network-timeout"),
    pytest.param(WriteConcernError("waiting for replication timed out", 64, {}), id="write-concern"),
]
JSON = {"Accept": "application/json"}  # what static/app.js sends with every autosave
HX = {"HX-Request": "true"}


@pytest.fixture
def fail(monkeypatch):
    """``fail(Repository, "method", exc)``: that method raises ``exc``; returns the list of its calls."""

    def patch(cls, name, exc):
        calls = []

        def broken(self, *args, **kwargs):
            calls.append(args)
            raise exc

        monkeypatch.setattr(cls, name, broken)
        return calls

    return patch


@pytest.fixture
def store_log(caplog):
    caplog.set_level(logging.WARNING, logger="interviewer.handlers")
    return caplog


def assert_logged(caplog, level: int, exc: Exception) -> None:
    records = [r for r in caplog.records if r.name == "interviewer.handlers"]
    assert [r.levelno for r in records] == [level]
    assert records[0].exc_info and records[0].exc_info[1] is exc  # the traceback, not just a line


def assert_503_json(response, store_log, exc) -> None:
    assert response.status_code == 503
    assert response.headers["Retry-After"] == str(STORE_RETRY_AFTER)
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert error["code"] == "store_unavailable"
    assert "database" in error["message"] and "Try again" in error["message"]
    assert error["details"] is None
    assert_logged(store_log, logging.WARNING, exc)


@pytest.fixture
def cand(world, login):
    return login(world["cand_a"])


@pytest.fixture
def open_interview(repos, world, schedule, cand):
    """An interview the candidate has started: question 1 saved once through autosave (seq 1)."""
    interview = schedule(world["hr_a"], world["cand_a"])
    url = f"/candidate/interviews/{interview.id}/answers/{interview.questions[0].id}"
    assert cand.post(url, data={"answer": "First draft.", "seq": "1"}, headers=JSON).status_code == 200
    return interview, url


# --- autosave ------------------------------------------------------------------------------------

@pytest.mark.parametrize("exc", STORE_ERRORS)
def test_autosave_answers_503_json_and_changes_nothing(cand, repos, open_interview, fail, store_log, exc):
    interview, url = open_interview
    calls = fail(ResponseRepository, "save_answer", exc)
    response = cand.post(url, data={"answer": "Second draft.", "seq": "2"}, headers=JSON)
    assert_503_json(response, store_log, exc)
    assert len(calls) == 1
    kept = repos.responses.find(interview.id, interview.questions[0].id)
    assert (kept.answer, kept.seq) == ("First draft.", 1)
    assert saved(repos.responses.for_interview(interview.id)) == {interview.questions[0].id: "First draft."}
    assert repos.interviews.get(interview.id).status == "in_progress"


def test_autosave_after_the_store_recovers_saves_the_same_request(cand, repos, open_interview, monkeypatch, store_log):
    """What static/app.js does on 503: send the same text again later; it is then saved."""
    interview, url = open_interview
    original = ResponseRepository.save_answer
    monkeypatch.setattr(ResponseRepository, "save_answer", lambda *a, **k: (_ for _ in ()).throw(
        OperationFailure("database is locked")))
    assert cand.post(url, data={"answer": "Second draft.", "seq": "2"}, headers=JSON).status_code == 503
    monkeypatch.setattr(ResponseRepository, "save_answer", original)
    response = cand.post(url, data={"answer": "Second draft.", "seq": "2"}, headers=JSON)
    assert response.status_code == 200 and response.get_json()["saved"] is True
    assert repos.responses.find(interview.id, interview.questions[0].id).answer == "Second draft."


@pytest.mark.parametrize("exc", STORE_ERRORS[:1] + STORE_ERRORS[3:4])
def test_the_first_save_of_an_interview_failing_leaves_it_scheduled(cand, repos, world, schedule, fail, store_log, exc):
    interview = schedule(world["hr_a"], world["cand_a"])
    fail(ResponseRepository, "save_answer", exc)
    url = f"/candidate/interviews/{interview.id}/answers/{interview.questions[0].id}"
    assert_503_json(cand.post(url, data={"answer": "Hello", "seq": "1"}, headers=JSON), store_log, exc)
    assert repos.interviews.get(interview.id).status == "scheduled"
    assert saved(repos.responses.for_interview(interview.id)) == {}


# --- the JSON API ----------------------------------------------------------------------------------

def _token(repos, user) -> dict[str, str]:
    issued = token_service.issue(repos, user, datetime.now(UTC), timedelta(hours=1))
    return {"Authorization": f"Bearer {issued.access_token}"}


API_CALLS = [
    # (actor, method, path template, JSON body template, repository, method that fails)
    pytest.param("hr_a", "GET", "/interview/all", None, InterviewRepository, "search", id="list"),
    pytest.param("cand_a", "POST", "/interview/submit-response",
                 {"interview_id": "{iv}", "question_id": "{q}", "answer": "An answer."},
                 ResponseRepository, "save_answer", id="submit-response"),
    pytest.param("cand_a", "GET", "/auth/me", None, TokenRepository, "by_hash", id="token-lookup"),
    pytest.param("cand_a", "GET", "/auth/me", None, UserRepository, "get", id="token-user"),
    pytest.param(None, "POST", "/auth/token", {"email": "{email}", "password": "whatever-it-is"},
                 UserRepository, "by_email", id="sign-in"),
]


@pytest.mark.parametrize("exc", [STORE_ERRORS[0], STORE_ERRORS[3]])
@pytest.mark.parametrize(("actor", "method", "path", "body", "repo", "name"), API_CALLS)
def test_api_calls_answer_503_json(client, repos, world, schedule, fail, store_log, exc,
                                   actor, method, path, body, repo, name):
    interview = schedule(world["hr_a"], world["cand_a"])
    headers = _token(repos, world[actor]) if actor else {}
    if body is not None:
        body = json.loads(json.dumps(body).replace("{iv}", interview.id).replace("{q}", interview.questions[0].id)
                          .replace("{email}", world["cand_a"].email))
    fail(repo, name, exc)
    response = client.open(path, method=method, json=body, headers=headers)
    assert_503_json(response, store_log, exc)
    assert saved(repos.responses.for_interview(interview.id)) == {}


# --- htmx --------------------------------------------------------------------------------------------

HTMX_CALLS = [
    pytest.param("hr_a", "GET", "/hr/interviews?q=backend", None, InterviewRepository, "search", id="filter"),
    pytest.param("hr_a", "GET", "/hr/interviews/{iv}/progress", None, InterviewRepository, "get", id="progress-poll"),
    pytest.param("hr_a", "POST", "/hr/interviews/{iv}/cancel", None, InterviewRepository, "get", id="cancel-button"),
    pytest.param("admin", "GET", "/admin/users?q=cand", None, UserRepository, "search", id="admin-filter"),
]


@pytest.mark.parametrize("exc", STORE_ERRORS)
@pytest.mark.parametrize(("actor", "method", "path", "data", "repo", "name"), HTMX_CALLS)
def test_htmx_requests_get_a_503_message_for_the_message_area(client, login, repos, world, schedule, fail, store_log,
                                                               exc, actor, method, path, data, repo, name):
    interview = schedule(world["hr_a"], world["cand_a"])
    login(world[actor])
    fail(repo, name, exc)
    response = client.open(path.replace("{iv}", interview.id), method=method, data=data, headers=HX)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == str(STORE_RETRY_AFTER)
    # static/app.js shows the fragment's alert in #messages (htmx swaps no 5xx by itself).
    assert response.headers["HX-Retarget"] == "#messages"
    assert "HX-Request" in response.headers["Vary"]
    html = response.get_data(as_text=True)
    assert '<p class="flash flash-error" role="alert">The database is busy or cannot be reached right now' in html
    assert "Nothing on this page was lost" in html and "<html" not in html
    assert_logged(store_log, logging.WARNING, exc)


# --- full pages ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("exc", STORE_ERRORS)
def test_a_page_answers_503_with_a_readable_page(client, login, world, fail, store_log, exc):
    login(world["hr_a"])
    fail(InterviewRepository, "search", exc)
    response = client.get("/hr/interviews?status=scheduled")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == str(STORE_RETRY_AFTER)
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "<h1>Database not available</h1>" in html
    assert "The database is not available right now, so this page cannot be shown. Nothing was lost" in html
    assert '<a href="/hr/interviews?status=scheduled">Try again</a>' in html
    assert world["hr_a"].name in html  # the user was read before the failure: the page keeps its menu
    assert_logged(store_log, logging.WARNING, exc)


@pytest.mark.parametrize("exc", STORE_ERRORS)
def test_when_even_the_signed_in_user_cannot_be_read_the_page_still_renders(cand, world, fail, store_log, exc):
    calls = fail(UserRepository, "get", exc)
    response = cand.get("/candidate/")
    assert response.status_code == 503
    assert "The database is not available right now" in response.get_data(as_text=True)
    assert len(calls) == 1  # the error page does not ask the failing store again
    assert_logged(store_log, logging.WARNING, exc)


@pytest.mark.parametrize("exc", STORE_ERRORS)
def test_a_form_post_without_javascript_says_to_go_back_and_send_again(cand, repos, open_interview, fail, store_log,
                                                                     exc):
    interview, _ = open_interview
    fail(ResponseRepository, "save_answer", exc)
    response = cand.post(f"/candidate/interviews/{interview.id}/q/1", data={"answer": "Typed without JS.", "go": "next"})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == str(STORE_RETRY_AFTER)
    html = response.get_data(as_text=True)
    assert "so this was not saved. Nothing you typed was lost: go back" in html
    assert "Try again</a>" not in html  # a link would be a GET: the text is in the page the browser goes back to
    assert repos.responses.find(interview.id, interview.questions[0].id).answer == "First draft."
    assert_logged(store_log, logging.WARNING, exc)


# --- a duplicate key that escaped its repository ----------------------------------------------------------

DUPLICATE = DuplicateKeyError("E11000 duplicate key error collection: responses index: key_1")


@pytest.mark.parametrize(("headers", "kind"), [(JSON, "json"), (HX, "htmx"), ({}, "page")])
def test_an_escaped_duplicate_key_is_a_409_conflict_never_a_503_or_500(cand, repos, open_interview, fail, store_log,
                                                                       headers, kind):
    interview, url = open_interview
    fail(ResponseRepository, "save_answer", DUPLICATE)
    if kind == "json":
        response = cand.post(url, data={"answer": "Raced.", "seq": "2"}, headers=headers)
    else:
        response = cand.post(f"/candidate/interviews/{interview.id}/q/1", data={"answer": "Raced."}, headers=headers)
    assert response.status_code == 409
    assert "Retry-After" not in response.headers
    # A repository should have caught it: an error in the log, unlike a busy database's warning.
    assert_logged(store_log, logging.ERROR, DUPLICATE)
    if kind == "json":
        error = response.get_json()["error"]
        assert error["code"] == "duplicate" and "another request at the same moment" in error["message"]
    else:
        html = response.get_data(as_text=True)
        assert "This was changed by another request at the same moment" in html
        assert (response.headers.get("HX-Retarget") == "#messages") == (kind == "htmx")
        assert ("<h1>Not possible now</h1>" in html) == (kind == "page")
    assert repos.responses.find(interview.id, interview.questions[0].id).answer == "First draft."


# --- the embedded store, really locked -------------------------------------------------------------------

def _embedded_interview(path, query: str = ""):
    """An app on a copy of the migrated store at `path` (`query` appended to its URI), an HR user, their
    candidate and an open interview of two questions: (app, repos, hr, candidate, interview)."""
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "WTF_CSRF_ENABLED": False, "AI_PROVIDER": "local",
                      "MONGO_URI": sqlite_uri(path) + query})
    repos = get_repos(app)
    hr = user_service.create_user(repos, "hr@example.com", "HR", PASSWORD, "hr")
    cand = user_service.assign(repos, user_service.create_user(repos, "c@example.com", "C", PASSWORD, "candidate").id,
                               hr.id)
    now = datetime.now(UTC)
    req = svc.ScheduleRequest(candidate_id=cand.id, job_title="Backend engineer", job_description="Python",
                              starts_at=now - timedelta(hours=1), deadline=now + timedelta(days=1), num_questions=2)
    interview = svc.schedule(repos, hr, req, [q.__dict__ for q in svc.draft_questions(repos, hr, req, now).questions], now)
    return app, repos, hr, cand, interview


def test_a_really_locked_embedded_store_answers_503_to_autosave(tmp_path, migrated_sqlite, store_log):
    """Another process holds sqlite's write lock longer than the busy timeout: the embedded store raises
    OperationFailure ("database is locked"), the candidate's save gets a 503, and a retry once the lock
    is gone saves it."""
    migrated_sqlite.backup_to(tmp_path / "locked.sqlite3")
    app, repos, _, cand, interview = _embedded_interview(tmp_path / "locked.sqlite3", "?busy_timeout_ms=50")
    client = app.test_client()
    assert client.post("/login", data={"email": cand.email, "password": PASSWORD}).status_code == 302
    url = f"/candidate/interviews/{interview.id}/answers/{interview.questions[0].id}"

    other = sqlite3.connect(tmp_path / "locked.sqlite3", isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # the write lock, as another worker's long write holds it
        response = client.post(url, data={"answer": "Typed while locked.", "seq": "1"}, headers=JSON)
        assert response.status_code == 503, response.get_data(as_text=True)
        assert response.get_json()["error"]["code"] == "store_unavailable"
        assert response.headers["Retry-After"] == str(STORE_RETRY_AFTER)
        records = [r for r in store_log.records if r.name == "interviewer.handlers"]
        assert records and isinstance(records[0].exc_info[1], OperationFailure)
        assert "locked" in str(records[0].exc_info[1])
    finally:
        other.execute("ROLLBACK")
        other.close()
    response = client.post(url, data={"answer": "Typed while locked.", "seq": "1"}, headers=JSON)
    assert response.status_code == 200
    assert repos.responses.find(interview.id, interview.questions[0].id).answer == "Typed while locked."


# --- the embedded store, on a disk that is really full ---------------------------------------------------

@pytest.fixture
def small_disk(tmp_path):
    """A 64 MiB tmpfs of the test's own (needs root, as the CI machine runs); unmounted afterwards."""
    import subprocess

    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(disk)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small disk here: {mounted.stderr.decode().strip()}")
    yield disk
    subprocess.run(["umount", "-l", str(disk)], check=False)


def _fill(disk) -> None:
    """Write a filler file until the disk refuses another byte."""
    import os

    fd = os.open(disk / "filler", os.O_WRONLY | os.O_CREAT)
    try:
        for size in (1 << 20, 4096, 1):
            try:
                while os.write(fd, b"\0" * size):
                    pass
            except OSError:
                pass
    finally:
        os.close(fd)


def test_a_full_disk_keeps_every_page_readable_and_refuses_saves_with_nothing_lost(small_disk, migrated_sqlite,
                                                                                   store_log):
    """The disk under the embedded store fills up: candidate and HR pages still render from the
    store, a save answers 503 (JSON for autosave, a page that says to send again for the plain
    form) and leaves the stored answer as it was; once there is room the same save is stored."""
    migrated_sqlite.backup_to(small_disk / "db.sqlite3")
    app, repos, hr, cand, interview = _embedded_interview(small_disk / "db.sqlite3")
    candidate, staff = app.test_client(), app.test_client()
    for client, user in ((candidate, cand), (staff, hr)):
        assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    question = interview.questions[0].id
    url = f"/candidate/interviews/{interview.id}/answers/{question}"
    assert candidate.post(url, data={"answer": "Saved before the disk filled.", "seq": "1"}, headers=JSON).status_code == 200
    repos.db._writer().execute("PRAGMA wal_checkpoint(TRUNCATE)")  # no spare room left in the write-ahead log
    _fill(small_disk)

    for client, path in ((candidate, f"/candidate/interviews/{interview.id}/q/1"), (candidate, "/candidate/"),
                         (staff, "/hr/interviews"), (staff, f"/hr/interviews/{interview.id}")):
        page = client.get(path, follow_redirects=True)
        assert page.status_code == 200, (path, page.status_code)
    assert "Saved before the disk filled." in candidate.get(
        f"/candidate/interviews/{interview.id}/q/1").get_data(as_text=True)

    big = "A long answer that needs new pages. " * 550  # 19,800 characters, under the 20,000 limit
    refused = candidate.post(url, data={"answer": big, "seq": "2"}, headers=JSON)
    assert refused.status_code == 503 and refused.get_json()["error"]["code"] == "store_unavailable"
    plain = candidate.post(f"/candidate/interviews/{interview.id}/q/1",
                           data={"answer": big, "seq": "2", "go": "next"})
    assert plain.status_code == 503
    assert "was not saved" in plain.get_data(as_text=True) and "send it again" in plain.get_data(as_text=True)
    assert repos.responses.find(interview.id, question).answer == "Saved before the disk filled."
    failures = [r.exc_info[1] for r in store_log.records if r.name == "interviewer.handlers"]
    assert failures and all("full" in str(exc) for exc in failures), failures

    (small_disk / "filler").unlink()
    assert candidate.post(url, data={"answer": big, "seq": "2"}, headers=JSON).status_code == 200
    assert repos.responses.find(interview.id, question).answer == big
