"""HR watches an interview live from the moment it is scheduled (the product issue: "0 of 6 answered ·
scheduled" never changed while the candidate answered, and after the hand-in the page kept saying "in
progress" with no "Evaluate all" until a reload)."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from interviewer.services import interviews as svc

from . import playwright_expect

pytestmark = pytest.mark.browser
expect = playwright_expect()


@pytest.fixture
def scheduled(live_server, make_user, schedule):
    hr = make_user("hr", name="Harriet HR")
    candidate = make_user("candidate", name="Cara Candidate", hr=hr)
    return hr, candidate, schedule(hr, candidate, n=2)


def test_the_interview_page_follows_the_candidate_from_scheduled_to_hand_in(live_server, page, sign_in, scheduled):
    hr, candidate, interview = scheduled
    repos = live_server.repos
    sign_in(page, hr)
    page.goto(f"/hr/interviews/{interview.id}")
    expect(page.get_by_test_id("progress")).to_contain_text("0 of 2 answered")
    expect(page.get_by_test_id("interview-status")).to_contain_text("scheduled")

    svc.save_answer(repos, candidate, interview.id, interview.questions[0].id, "A first answer.", datetime.now(UTC))
    # The page was drawn as "scheduled": the next poll notices the interview started and redraws it.
    expect(page.get_by_test_id("interview-status")).to_contain_text("in progress", timeout=15_000)
    expect(page.get_by_test_id("progress")).to_contain_text("1 of 2 answered")

    svc.save_answer(repos, candidate, interview.id, interview.questions[1].id, "A second answer.", datetime.now(UTC))
    expect(page.get_by_test_id("progress")).to_contain_text("2 of 2 answered", timeout=15_000)
    svc.submit(repos, candidate, interview.id, datetime.now(UTC))
    expect(page.get_by_test_id("ai-evaluate-all")).to_be_enabled(timeout=15_000)
    expect(page.get_by_test_id("interview-status")).to_contain_text("completed")
    assert page.get_by_test_id("progress").get_attribute("hx-trigger") is None  # closed: no more polling


def test_the_list_row_follows_the_status(live_server, page, sign_in, scheduled):
    hr, candidate, interview = scheduled
    sign_in(page, hr)
    page.goto("/hr/interviews")
    row_status = page.locator(f"#status-{interview.id}")
    expect(row_status).to_contain_text("scheduled")
    svc.save_answer(live_server.repos, candidate, interview.id, interview.questions[0].id, "An answer.",
                    datetime.now(UTC))
    expect(row_status).to_contain_text("in progress", timeout=15_000)
    expect(page.locator(f"#progress-{interview.id}")).to_contain_text("1 of 2 answered")
