"""Autosave under a bad network: retries with backoff, survives a reload through localStorage,
and never lets an older save overwrite a newer one."""
from __future__ import annotations

import re
import time

import pytest

from . import playwright_expect

pytestmark = pytest.mark.browser
expect = playwright_expect()

ANSWERS = "**/answers/**"
SAVED = re.compile(r"^Saved \d")


@pytest.fixture
def on_question(live_server, make_user, schedule, page, sign_in):
    """A candidate on question 1 of a freshly opened interview: (page, interview, question)."""
    hr = make_user("hr")
    candidate = make_user("candidate", hr=hr)
    interview = schedule(hr, candidate)
    sign_in(page, candidate)
    page.goto(f"/candidate/interviews/{interview.id}")
    expect(page.get_by_test_id("position")).to_have_text("Question 1 of 3")
    return page, interview, interview.questions[0]


def stored(live_server, interview, question) -> str | None:
    response = live_server.repos.responses.find(interview.id, question.id)
    return response.answer if response else None


def backup(page, interview, question):
    return page.evaluate(f"localStorage.getItem('interviewer:answer:{interview.id}:{question.id}')")


def wait_until(predicate, page, timeout=5.0):
    """Poll `predicate` while letting the page (and Playwright's route handlers) run."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        page.wait_for_timeout(50)


def test_unreachable_server_retries_then_saves_without_more_typing(live_server, on_question):
    page, interview, question = on_question
    status = page.locator("[data-save-status]")
    page.route(ANSWERS, lambda route: route.abort())

    page.locator("#answer").fill("Typed while the network was down.")
    expect(status).to_have_text(re.compile(r"^Not saved.*retrying", re.S))
    expect(status).to_have_class(re.compile(r"\berror\b"))
    assert "Typed while the network was down." in backup(page, interview, question)
    assert stored(live_server, interview, question) == ""  # the empty response created with the interview

    # A reload while still offline loses nothing: the text comes back from localStorage.
    page.on("dialog", lambda dialog: dialog.accept())  # the "leave the page?" guard for unsaved text
    page.reload()
    expect(page.locator("#answer")).to_have_value("Typed while the network was down.")
    expect(status).to_have_text(re.compile(r"^Not saved.*retrying", re.S))

    page.unroute(ANSWERS)
    expect(status).to_have_text(SAVED, timeout=15_000)  # the backoff retry alone, no typing
    expect(status).not_to_have_class(re.compile(r"\berror\b"))
    assert stored(live_server, interview, question) == "Typed while the network was down."
    assert backup(page, interview, question) is None
    expect(page.get_by_role("button", name="Question 1, answered")).to_be_visible()


def test_an_edit_made_during_a_slow_save_is_saved_after_it(live_server, on_question):
    page, interview, question = on_question
    held = []

    def hold_the_first(route):
        # Unrouting would release a held request at once, so the handler stays and lets later ones pass.
        if held:
            route.continue_()
        else:
            held.append(route)

    page.route(ANSWERS, hold_the_first)
    page.locator("#answer").fill("First version.")
    wait_until(lambda: held, page)

    page.locator("#answer").fill("First version, then the second.")
    page.wait_for_timeout(1300)  # past the debounce: this save is queued behind the one in the air
    with page.expect_response(lambda r: "/answers/" in r.url and "second" in (r.request.post_data or "")) as second:
        held[0].continue_()
    assert second.value.ok
    expect(page.locator("[data-save-status]")).to_have_text(SAVED)
    assert stored(live_server, interview, question) == "First version, then the second."


def test_an_older_save_arriving_late_never_overwrites_a_newer_one(live_server, on_question):
    page, interview, question = on_question
    other = page.context.new_page()  # the same candidate in a second tab
    other.goto(page.url)

    held = []
    page.route(ANSWERS, lambda route: held.append(route))  # tab one sends exactly one save
    page.locator("#answer").fill("Older text from tab one.")
    wait_until(lambda: held, page)

    other.locator("#answer").fill("Newer text from tab two.")
    expect(other.locator("[data-save-status]")).to_have_text(SAVED)
    assert stored(live_server, interview, question) == "Newer text from tab two."

    held[0].continue_()  # tab one's save reaches the server last, with the lower sequence number
    expect(page.locator("[data-save-status]")).to_have_text(re.compile(r"newer version from another tab is kept"))
    assert stored(live_server, interview, question) == "Newer text from tab two."


def test_signing_in_again_in_another_tab_lets_the_pending_text_save(live_server, on_question, sign_in):
    page, interview, question = on_question
    candidate = live_server.repos.users.get(interview.candidate_id)
    status = page.locator("[data-save-status]")
    page.context.clear_cookies()  # the session is gone (signed out elsewhere, cookie lost, ...)

    page.locator("#answer").fill("Typed after the session ended.")
    expect(status).to_have_text(re.compile(r"session has expired; sign in again in another tab"))
    # As the status line says: sign in in another tab. That session has a new CSRF token,
    # which the page must pick up for its retry to be accepted.
    sign_in(page.context.new_page(), candidate)
    expect(status).to_have_text(SAVED, timeout=15_000)
    assert stored(live_server, interview, question) == "Typed after the session ended."
    assert backup(page, interview, question) is None


def test_a_busy_database_keeps_the_text_and_the_retry_saves_it(live_server, on_question, monkeypatch):
    """The server really answers 503 (its store raised "database is locked" once): the page keeps the
    text, says why, waits the Retry-After the server asked for, and saves it with no more typing."""
    from pymongo.errors import OperationFailure

    from interviewer.repositories.responses import ResponseRepository

    page, interview, question = on_question
    status = page.locator("[data-save-status]")
    original, failures = ResponseRepository.save_answer, []

    def locked_once(self, *args, **kwargs):
        if not failures:
            failures.append(args)
            raise OperationFailure("the embedded database cannot do this now: database is locked")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(ResponseRepository, "save_answer", locked_once)
    with page.expect_response(lambda r: "/answers/" in r.url) as first:
        page.locator("#answer").fill("Typed while the database was busy.")
    assert first.value.status == 503 and first.value.headers["retry-after"] == "5"
    expect(status).to_have_text(re.compile(r"^Not saved \(the database is busy\) — retrying in 5 s\. Your text is kept"))
    expect(status).to_have_class(re.compile(r"\berror\b"))
    expect(page.locator("#answer")).to_have_value("Typed while the database was busy.")
    assert "Typed while the database was busy." in backup(page, interview, question)
    assert stored(live_server, interview, question) == ""

    expect(status).to_have_text(SAVED, timeout=15_000)  # after the Retry-After wait, no typing
    assert len(failures) == 1
    assert stored(live_server, interview, question) == "Typed while the database was busy."
    assert backup(page, interview, question) is None
