"""Keyboard focus after htmx swaps: pressing a draft's Up, Down, Remove or "Add a blank question",
or "Evaluate all with AI", leaves focus on what changed, not at the top of the page."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from interviewer.services import interviews as svc

from . import playwright_expect

pytestmark = pytest.mark.browser
expect = playwright_expect()


def question_ids(page) -> list[str]:
    return page.locator("#draft input[name=q_id]").evaluate_all("els => els.map(e => e.value)")


def press(page, name: str) -> None:
    """Focus a button by its accessible name and press it with the keyboard (Enter)."""
    # The last swap must have settled first: htmx applies `autofocus` at settle time, which would
    # take focus back from the button focused here if it came later (seen on a loaded machine).
    expect(page.locator(".htmx-request, .htmx-swapping, .htmx-settling")).to_have_count(0)
    button = page.get_by_role("button", name=name, exact=True)
    button.focus()
    expect(button).to_be_focused()
    page.keyboard.press("Enter")


def test_focus_stays_with_the_question_through_draft_edits(page, sign_in, make_user):
    hr = make_user("hr", name="Harriet HR")
    candidate = make_user("candidate", name="Cara Candidate", hr=hr)
    sign_in(page, hr)
    now = datetime.now(UTC)
    page.goto("/hr/schedule")
    page.get_by_role("radio", name=f"Cara Candidate — {candidate.email}").check()
    page.get_by_label("Job title", exact=True).fill("Backend engineer")
    page.get_by_label("Opens at", exact=True).fill((now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Deadline", exact=True).fill((now + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Time zone of these times").select_option("UTC")
    page.get_by_label("Number of questions", exact=True).fill("3")
    page.get_by_role("button", name="Draft the questions").click()
    expect(page.get_by_test_id("draft-question")).to_have_count(3)
    a, b, c = question_ids(page)
    focused = page.locator(":focus")

    # Down on the first question: it is second now, and its Down button (the one pressed) has focus.
    press(page, "Move question 1 down")
    expect(focused).to_have_attribute("aria-label", "Move question 2 down")
    assert question_ids(page) == [b, a, c]
    assert page.evaluate("document.activeElement.id") == f"q-{a}-down"

    # Up again: it is first, where Up is disabled, so focus is on its Down button.
    press(page, "Move question 2 up")
    expect(focused).to_have_attribute("aria-label", "Move question 1 down")
    assert question_ids(page) == [a, b, c]
    assert page.evaluate("document.activeElement.id") == f"q-{a}-down"

    # Remove the second: focus moves to the question that took its place.
    press(page, "Remove question 2")
    expect(page.get_by_test_id("draft-question")).to_have_count(2)
    assert question_ids(page) == [a, c]
    expect(focused).to_have_attribute("id", f"q-{c}-remove")

    # Remove the last one: the one before it.
    press(page, "Remove question 2")
    expect(page.get_by_test_id("draft-question")).to_have_count(1)
    expect(focused).to_have_attribute("id", f"q-{a}-remove")

    # A blank question: focus is in its text, so typing writes the question.
    press(page, "Add a blank question")
    expect(page.get_by_test_id("draft-question")).to_have_count(2)
    expect(focused).to_have_attribute("id", "q-text-2")
    page.keyboard.type("What did you ship last?")
    expect(page.locator("#q-text-2")).to_have_value("What did you ship last?")


def test_focus_lands_on_the_ai_status_after_evaluate_all(live_server, page, sign_in, make_user, schedule):
    hr = make_user("hr", name="Harriet HR")
    candidate = make_user("candidate", name="Cara Candidate", hr=hr)
    interview = schedule(hr, candidate, n=3)
    repos, now = live_server.repos, datetime.now(UTC)
    for q in interview.questions[:2]:
        svc.save_answer(repos, candidate, interview.id, q.id, q.reference_answer or "An answer.", now)
    svc.submit(repos, candidate, interview.id, now)
    sign_in(page, hr)
    page.goto(f"/hr/interviews/{interview.id}")

    page.get_by_test_id("ai-evaluate-all").focus()
    page.keyboard.press("Enter")
    status = page.get_by_test_id("ai-queued")
    expect(status).to_be_focused()
    expect(status).to_have_text("2 answers queued for AI evaluation: each result appears below as it is ready.")
    # The rest of the toolbar is next: Tab goes on from here, not from the top of the page.
    for q in interview.questions[:2]:
        expect(page.locator(f"#ai-slot-{q.id}")).to_have_attribute("data-state", "done")
    expect(status).to_be_focused()  # the slots settling around it do not take focus away
