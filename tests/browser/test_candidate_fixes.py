"""The candidate's side in a real browser: the question numbers save the text with and without
JavaScript, and text kept in localStorage after a tab closed too soon reaches the server from the
next page of the interview (or the dashboard), with the server's newest-wins rule deciding."""
from __future__ import annotations

import json
import re
import time

import pytest

from . import playwright_expect

pytestmark = pytest.mark.browser
expect = playwright_expect()

SAVED = re.compile(r"^Saved \d")


def stored(live_server, interview, question) -> str | None:
    response = live_server.repos.responses.find(interview.id, question.id)
    return response.answer if response else None


def draft_key(interview, question) -> str:
    return f"interviewer:answer:{interview.id}:{question.id}"


def wait_until(predicate, page, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        page.wait_for_timeout(50)


@pytest.fixture
def candidate_with_interview(make_user, schedule):
    hr = make_user("hr")
    candidate = make_user("candidate", hr=hr)
    return candidate, schedule(hr, candidate)


def overview_number(page, n: int):
    """Question n in the overview, whatever kind of element it is."""
    return page.get_by_role("navigation", name="Questions").locator("a, button").filter(
        has_text=re.compile(rf"^\s*{n}\s*$"))


# --- 3. the question numbers save the text -----------------------------------------------------------

def test_without_javascript_a_question_number_saves_the_typed_text(live_server, new_page, sign_in,
                                                                   candidate_with_interview):
    candidate, interview = candidate_with_interview
    page = new_page(java_script_enabled=False)
    sign_in(page, candidate)
    page.goto(f"/candidate/interviews/{interview.id}/q/2")
    page.locator("#answer").fill("Written on question two, then I clicked 1.")
    overview_number(page, 1).click()
    expect(page.get_by_test_id("position")).to_have_text("Question 1 of 3")
    assert stored(live_server, interview, interview.questions[1]) == "Written on question two, then I clicked 1."
    overview_number(page, 2).click()
    expect(page.locator("#answer")).to_have_value("Written on question two, then I clicked 1.")


def test_with_javascript_a_question_number_right_after_typing_saves_without_a_prompt(
        live_server, page, sign_in, candidate_with_interview):
    candidate, interview = candidate_with_interview
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    sign_in(page, candidate)
    page.goto(f"/candidate/interviews/{interview.id}/q/2")
    page.locator("#answer").fill("Typed, and at once to question 3.")  # within the autosave's second
    overview_number(page, 3).click()
    expect(page.get_by_test_id("position")).to_have_text("Question 3 of 3")
    assert dialogs == []
    assert stored(live_server, interview, interview.questions[1]) == "Typed, and at once to question 3."
    expect(page.get_by_role("button", name="Question 2, answered")).to_be_visible()
    # Question 3 now: typing marks it answered in the overview once autosaved.
    page.locator("#answer").fill("Three.")
    expect(page.locator("[data-save-status]")).to_have_text(SAVED)
    expect(page.get_by_role("button", name="Question 3, answered")).to_have_class(re.compile(r"\banswered\b"))
    expect(page.get_by_test_id("answered-count")).to_have_text("2")


# --- 7. drafts kept in localStorage ------------------------------------------------------------------

@pytest.fixture
def close_before_the_rest_is_sent(new_page, monkeypatch):
    """Type (`typing(page)`), then close the browser before the rest reaches the server; return a
    page of the same browser profile (its cookies and localStorage) opened afterwards.

    While the rest is typed and the browser closed, the server refuses every save (503, the
    database busy), so none of it is stored whenever a request of the closing tab arrives; the
    whole context is closed before saves are accepted again. (Blocking in the browser alone is
    not enough on a loaded machine: a request held by a route is released when its page closes,
    and the autosave's timer races a plain "close within a second".)"""
    from pymongo.errors import OperationFailure

    from interviewer.repositories.responses import ResponseRepository

    original, refusing = ResponseRepository.save_answer, []

    def busy_while_closing(self, *args, **kwargs):
        if refusing:
            raise OperationFailure("the embedded database cannot do this now: database is locked")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(ResponseRepository, "save_answer", busy_while_closing)

    def close(page, typing):
        refusing.append(True)
        typing(page)
        state = page.context.storage_state()
        page.context.close()
        refusing.clear()
        return new_page(storage_state=state)

    return close


def type_the_rest(interview, question, full: str):
    def typing(page):
        page.locator("#answer").fill(full)
        assert json.loads(page.evaluate(f"localStorage.getItem('{draft_key(interview, question)}')"))["text"] == full

    return typing


def open_and_save(page, interview, text: str):
    page.goto(f"/candidate/interviews/{interview.id}")
    page.locator("#answer").fill(text)
    expect(page.locator("[data-save-status]")).to_have_text(SAVED)


def test_the_dashboard_sends_the_unsent_end_of_an_answer(live_server, page, close_before_the_rest_is_sent, sign_in,
                                                         candidate_with_interview):
    candidate, interview = candidate_with_interview
    q1 = interview.questions[0]
    sign_in(page, candidate)
    open_and_save(page, interview, "The start of my answer.")
    again = close_before_the_rest_is_sent(page, type_the_rest(
        interview, q1, "The start of my answer. And its end, typed just before closing."))
    assert stored(live_server, interview, q1) == "The start of my answer."

    again.goto("/candidate/")
    message = again.get_by_test_id("drafts-sent")
    expect(message).to_contain_text("question 1")
    expect(message).to_contain_text("Backend engineer")
    expect(message).to_contain_text("saved")
    wait_until(lambda: stored(live_server, interview, q1) == "The start of my answer. And its end, typed just "
                                                             "before closing.", again)
    assert again.evaluate(f"localStorage.getItem('{draft_key(interview, q1)}')") is None

    # Continue opens the first unanswered question; nothing is left to send twice.
    again.get_by_test_id("interview-card").get_by_role("button", name="Continue").click()
    expect(again.get_by_test_id("position")).to_have_text("Question 2 of 3")
    expect(again.get_by_role("button", name="Question 1, answered")).to_be_visible()
    expect(again.get_by_test_id("drafts-sent")).to_have_count(0)


def test_another_question_of_the_interview_sends_it_and_marks_it_answered(
        live_server, page, close_before_the_rest_is_sent, sign_in, candidate_with_interview):
    candidate, interview = candidate_with_interview
    q1 = interview.questions[0]
    sign_in(page, candidate)
    open_and_save(page, interview, "Begun.")
    again = close_before_the_rest_is_sent(page, type_the_rest(
        interview, q1, "Begun. Finished in the closing second."))
    assert stored(live_server, interview, q1) == "Begun."

    again.goto(f"/candidate/interviews/{interview.id}/q/3")  # straight to another question, no dashboard
    expect(again.get_by_test_id("drafts-sent")).to_contain_text("question 1")
    expect(again.get_by_test_id("drafts-sent")).not_to_contain_text("Backend engineer")  # this page says which
    wait_until(lambda: stored(live_server, interview, q1) == "Begun. Finished in the closing second.", again)
    expect(again.get_by_role("button", name="Question 1, answered")).to_be_visible()


def test_the_submit_page_sends_it_and_shows_the_list_as_it_is_now(
        live_server, page, close_before_the_rest_is_sent, sign_in, candidate_with_interview):
    candidate, interview = candidate_with_interview
    sign_in(page, candidate)
    page.goto(f"/candidate/interviews/{interview.id}")
    for text in ("One.", "Two."):
        page.locator("#answer").fill(text)
        page.get_by_role("button", name="Next →").click()
    expect(page.get_by_test_id("position")).to_have_text("Question 3 of 3")
    again = close_before_the_rest_is_sent(page, type_the_rest(
        interview, interview.questions[2], "Three, typed as the tab closed."))
    assert stored(live_server, interview, interview.questions[2]) == ""

    again.goto(f"/candidate/interviews/{interview.id}/submit")
    expect(again.get_by_test_id("drafts-sent")).to_contain_text("question 3")
    expect(again.get_by_text("All 3 questions are answered.")).to_be_visible()
    wait_until(lambda: stored(live_server, interview, interview.questions[2]) == "Three, typed as the tab closed.",
               again)


def test_a_draft_older_than_the_saved_answer_is_dropped_unsent(live_server, page, sign_in, candidate_with_interview):
    """Newest wins: a draft typed before the text the server already has never replaces it."""
    candidate, interview = candidate_with_interview
    q1 = interview.questions[0]
    sign_in(page, candidate)
    page.goto(f"/candidate/interviews/{interview.id}")
    page.locator("#answer").fill("The newest text, saved.")
    expect(page.locator("[data-save-status]")).to_have_text(SAVED)
    seq = live_server.repos.responses.find(interview.id, q1.id).seq
    old = json.dumps({"text": "An older draft.", "base": 0, "seq": seq - 5000})
    page.evaluate("([key, value]) => localStorage.setItem(key, value)", [draft_key(interview, q1), old])

    page.goto("/candidate/")
    wait_until(lambda: page.evaluate(f"localStorage.getItem('{draft_key(interview, q1)}')") is None, page)
    expect(page.get_by_test_id("drafts-sent")).to_have_count(0)
    assert stored(live_server, interview, q1) == "The newest text, saved."
