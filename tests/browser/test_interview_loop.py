"""The whole loop in a browser: HR schedules and edits a draft, the candidate answers with autosave
and resumes, submits, HR scores inline and shares, the candidate sees the result."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from . import playwright_expect

pytestmark = pytest.mark.browser
expect = playwright_expect()

SAVED = re.compile(r"^Saved \d")
JOB_DESCRIPTION = "Python, Flask and MongoDB; REST APIs; testing."
A1 = "A1: blueprints and create_app keep configuration per instance."
A2 = "A2: the factory builds the app on demand,\nso tests get a fresh one."  # a line break must survive the round trip
A3 = "A3: an off-by-one in pagination, found with a property test."


def local_input(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M")


def schedule_through_ui(page, candidate) -> None:
    """HR fills step 1, edits the draft on step 2, then schedules."""
    now = datetime.now(UTC)
    page.get_by_role("link", name="Schedule", exact=True).click()
    expect(page).to_have_url(re.compile(r"/hr/schedule$"))
    tz = page.get_by_label("Time zone of these times")
    expect(tz).to_have_value("Europe/Berlin")  # the browser's zone is offered first
    # The picker offers a page of candidates; typing narrows it in place (htmx), then a radio button picks.
    page.get_by_label("Find by name or e-mail").fill(candidate.email.upper())
    choice = page.get_by_role("radio", name=f"{candidate.name} — {candidate.email}")
    expect(page.get_by_test_id("candidate-count")).to_contain_text("1 match for")
    choice.check()
    page.get_by_label("Job description", exact=True).fill(JOB_DESCRIPTION)
    page.get_by_label("Opens at", exact=True).fill(local_input(now - timedelta(hours=1)))
    page.get_by_label("Deadline", exact=True).fill(local_input(now + timedelta(days=1)))
    tz.select_option("UTC")
    page.get_by_label("Number of questions", exact=True).fill("3")
    page.get_by_label("the default set").check()

    # Forgot the job title: the boosted form comes back with the error and every value kept,
    # including the zone chosen by hand (the script must not switch it back to the browser's).
    page.get_by_role("button", name="Draft the questions").click()
    expect(page.locator("#job_title-error")).to_be_visible()
    expect(page.get_by_label("Time zone of these times")).to_have_value("UTC")
    expect(page.get_by_label("Job description", exact=True)).to_have_value(JOB_DESCRIPTION)
    expect(page.get_by_role("radio", name=f"{candidate.name} — {candidate.email}")).to_be_checked()
    page.get_by_label("Job title", exact=True).fill("Backend engineer")
    page.get_by_role("button", name="Draft the questions").click()

    drafts = page.get_by_test_id("draft-question")
    expect(drafts).to_have_count(3)
    page.evaluate("window.__samePage = true")
    texts = [drafts.nth(i).locator("textarea[name=q_text]").input_value() for i in range(3)]
    assert all(texts), texts

    page.get_by_label("Question 1", exact=True).fill("Edited: explain Flask's application factory.")
    page.get_by_role("button", name="Move question 1 down").click()
    expect(page.get_by_label("Question 2", exact=True)).to_have_value("Edited: explain Flask's application factory.")
    expect(page.get_by_label("Question 1", exact=True)).to_have_value(texts[1])
    page.get_by_role("button", name="Remove question 3").click()
    expect(drafts).to_have_count(2)
    page.get_by_role("button", name="Add a blank question").click()
    expect(drafts).to_have_count(3)
    expect(page.get_by_label("Question 3", exact=True)).to_have_value("")
    page.get_by_label("Question 3", exact=True).fill("Describe a bug you are proud of fixing.")
    assert page.evaluate("window.__samePage") is True  # every edit was an htmx swap

    page.screenshot(path="/tmp/browser-schedule-review.png", full_page=True)
    page.get_by_role("button", name="Schedule the interview").click()
    expect(page.get_by_text("scheduled with 3 questions")).to_be_visible()
    expect(page.get_by_test_id("interview-status")).to_have_text("scheduled")
    return texts


def answer(page, text: str) -> None:
    """Type an answer and wait for the autosave to confirm it."""
    page.locator("#answer").fill(text)
    expect(page.locator("[data-save-status]")).to_have_text(SAVED)


def test_schedule_answer_review_share(live_server, new_page, make_user, sign_in):
    hr = make_user("hr", name="Harriet Hr")
    candidate = make_user("candidate", name="Carl Candidate", hr=hr)
    hr_page = new_page(timezone_id="Europe/Berlin")
    sign_in(hr_page, hr)
    drafted = schedule_through_ui(hr_page, candidate)

    (interview,) = live_server.repos.interviews.for_candidate(candidate.id)
    assert [q.text for q in interview.questions] == [
        drafted[1], "Edited: explain Flask's application factory.", "Describe a bug you are proud of fixing."]
    now = datetime.now(UTC)
    # Typed in UTC on purpose, whatever the browser's zone: an hour ago (to the minute), due tomorrow.
    assert timedelta(minutes=58) < now - interview.starts_at < timedelta(minutes=62)
    assert timedelta(hours=23, minutes=58) < interview.deadline - now < timedelta(hours=24, minutes=2)

    # --- the candidate answers ---
    page = new_page()
    sign_in(page, candidate)
    card = page.get_by_test_id("interview-card").filter(has_text="Backend engineer")
    card.get_by_role("button", name="Start").click()  # a link styled (and announced) as a button
    expect(page.get_by_test_id("position")).to_have_text("Question 1 of 3")
    expect(page.get_by_text(drafted[1])).to_be_visible()
    answer(page, A1)
    page.screenshot(path="/tmp/browser-candidate-question.png", full_page=True)
    page.get_by_role("button", name="Next →").click()
    expect(page.get_by_test_id("position")).to_have_text("Question 2 of 3")
    answer(page, A2)

    page.reload()
    expect(page.get_by_test_id("position")).to_have_text("Question 2 of 3")
    expect(page.locator("#answer")).to_have_value(A2)
    expect(page.get_by_test_id("answered-count")).to_have_text("2")

    page.get_by_role("link", name="My interviews").click()
    card = page.get_by_test_id("interview-card").filter(has_text="Backend engineer")
    card.get_by_role("button", name="Continue").click()
    expect(page.get_by_test_id("position")).to_have_text("Question 3 of 3")  # the first unanswered one
    expect(page.locator("#answer")).to_have_value("")
    overview = page.get_by_role("navigation", name="Questions")
    expect(overview.get_by_role("button", name="Question 1, answered")).to_have_class(re.compile(r"\banswered\b"))
    expect(overview.get_by_role("button", name="Question 2, answered")).to_be_visible()
    page.get_by_role("button", name="← Previous").click()
    expect(page.get_by_test_id("position")).to_have_text("Question 2 of 3")
    expect(page.locator("#answer")).to_have_value(A2)
    overview.get_by_role("button", name="Question 1, answered").click()
    expect(page.locator("#answer")).to_have_value(A1)

    # Hand in with question 3 still empty: the confirmation names it.
    page.get_by_role("button", name="Review and submit").click()
    unanswered = page.get_by_test_id("unanswered")
    expect(unanswered.locator("li")).to_have_count(1)
    expect(unanswered).to_contain_text("Question 3")
    unanswered.get_by_role("link", name="Question 3").click()
    answer(page, A3)
    page.get_by_role("button", name="Review and submit").click()
    expect(page.get_by_text("All 3 questions are answered.")).to_be_visible()
    page.get_by_role("button", name="Submit my answers").click()
    receipt = page.get_by_test_id("receipt")
    expect(receipt).to_contain_text("3 of 3 questions answered")
    expect(receipt).to_contain_text(interview.id)

    # --- HR reviews ---
    hr_page.get_by_role("link", name="Interviews", exact=True).click()
    hr_page.locator("#interviews-table").get_by_role("link", name="Backend engineer").click()
    expect(hr_page.get_by_test_id("interview-status")).to_have_text("completed")
    rows = hr_page.get_by_test_id("answer-row")
    expect(rows).to_have_count(3)
    expect(rows.nth(0).get_by_test_id("answer")).to_have_text(re.compile("^A1: blueprints"))
    hr_page.screenshot(path="/tmp/browser-hr-interview.png", full_page=True)
    hr_page.evaluate("""() => { window.__samePage = true;
        document.querySelectorAll('[data-testid=answer-row]').forEach(r => r.dataset.old = '1'); }""")

    for i, (score, note) in enumerate([("7", "Clear."), ("8.5", "Good example."), ("6", "Short.")]):
        row = rows.nth(i)
        row.get_by_label("HR score (0–10)").fill(score)
        row.get_by_label("Feedback").fill(note)
        row.get_by_role("button", name="Save score").click()
        expect(row.get_by_test_id("score-saved")).to_have_text(f"Saved: {float(score):.1f}/10")
        # Only this row was swapped: it is a new element, the rows below are the old ones.
        expect(row).not_to_have_attribute("data-old", "1")
        for later in range(i + 1, 3):
            expect(rows.nth(later)).to_have_attribute("data-old", "1")

    row = rows.nth(0)
    row.get_by_label("HR score (0–10)").fill("11")
    row.get_by_label("Feedback").fill("Rewritten feedback that must survive the error.")
    row.get_by_role("button", name="Save score").click()
    score_error = row.locator(".field-error")
    expect(score_error).to_have_text(re.compile("number from 0 to 10"))
    expect(row.get_by_label("HR score (0–10)")).to_have_attribute("aria-describedby", re.compile(r"-error$"))
    expect(row.get_by_label("HR score (0–10)")).to_have_value("11")
    expect(row.get_by_label("Feedback")).to_have_value("Rewritten feedback that must survive the error.")
    row.screenshot(path="/tmp/browser-hr-score-error.png")
    responses = live_server.repos.responses.for_interview(interview.id)
    stored = responses[interview.questions[0].id]
    assert (stored.score, stored.feedback) == (7.0, "Clear.")  # the refused save changed nothing

    result = hr_page.locator("#result")
    result.get_by_label("Overall score (0–10)").fill("7.5")
    result.get_by_label("Overall feedback").fill("Solid fundamentals; keep going.")
    result.get_by_role("button", name="Save overall result").click()
    expect(result.get_by_test_id("result-saved")).to_be_visible()
    expect(hr_page.get_by_test_id("interview-status")).to_have_text("evaluated")
    result.get_by_role("button", name="Share result with candidate").click()
    expect(result).to_contain_text("Shared with the candidate.")
    expect(result.get_by_test_id("share-toggle")).to_have_text("Stop sharing")
    assert hr_page.evaluate("window.__samePage") is True
    hr_page.screenshot(path="/tmp/browser-hr-evaluated.png", full_page=True)

    stored = live_server.repos.interviews.get(interview.id)
    assert (stored.status, stored.overall_score, stored.shared) == ("evaluated", 7.5, True)

    # --- the candidate sees the shared result ---
    page.get_by_role("link", name="History", exact=True).click()
    history_row = page.locator("tr", has_text="Backend engineer")
    expect(history_row).to_contain_text("7.5/10")
    history_row.get_by_role("link", name="Backend engineer").click()
    shared = page.get_by_test_id("shared-result")
    expect(shared).to_contain_text("Your result: 7.5/10")
    expect(shared).to_contain_text("Solid fundamentals; keep going.")
