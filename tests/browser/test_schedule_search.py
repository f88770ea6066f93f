"""The schedule form's candidate picker in a browser: a page of candidates, narrowed as HR types
(one htmx swap of the matches, the rest of the form untouched), and the same form without JavaScript."""
from __future__ import annotations

import re

import pytest

from interviewer.services import interviews as svc

from . import playwright_expect

pytestmark = pytest.mark.browser
expect = playwright_expect()


@pytest.fixture
def crowded(live_server, make_user):
    """An HR user with more candidates than the picker shows at once, and one HR user's candidate
    they must never be offered."""
    hr = make_user("hr", name="Harriet Hr")
    people = [make_user("candidate", name=f"Person {n:02d}", hr=hr) for n in range(svc.CANDIDATE_PICKS + 3)]
    wanted = make_user("candidate", name="Zelda Quist", email="zq@acme.io", hr=hr)
    other = make_user("candidate", name="Zelda Other", hr=make_user("hr"))
    return hr, people, wanted, other


def test_typing_narrows_the_candidates_in_place(crowded, page, sign_in):
    hr, people, wanted, other = crowded
    sign_in(page, hr)
    page.goto("/hr/schedule")
    radios = page.locator("#candidate-choices").get_by_role("radio")
    expect(radios).to_have_count(svc.CANDIDATE_PICKS)
    expect(page.get_by_test_id("candidate-count")).to_have_text(
        f"Showing {svc.CANDIDATE_PICKS} of {len(people) + 1} — type to search")
    page.get_by_label("Job title", exact=True).fill("Typed before searching")
    page.evaluate("window.__samePage = true")

    page.get_by_label("Find by name or e-mail").fill("zelda")
    expect(radios).to_have_count(1)
    expect(page.get_by_test_id("candidate-count")).to_have_text("1 match for “zelda”")
    page.get_by_role("radio", name="Zelda Quist — zq@acme.io").check()
    expect(page.get_by_text("Zelda Other")).to_have_count(0)

    # Searching on for someone else keeps the choice offered, first and checked.
    page.get_by_label("Find by name or e-mail").fill("person 0")
    expect(page.get_by_test_id("candidate-count")).to_have_text("10 matches for “person 0”")
    expect(radios).to_have_count(11)
    expect(radios.first).to_be_checked()
    expect(radios.first).to_have_accessible_name(re.compile("^Zelda Quist — zq@acme.io"))
    assert page.evaluate("window.__samePage") is True  # swaps, not page loads
    expect(page.get_by_label("Job title", exact=True)).to_have_value("Typed before searching")
    expect(page.locator("#candidate-choices")).to_have_attribute("aria-live", "polite")
    page.screenshot(path="/tmp/browser-schedule-picker.png", full_page=True)

    page.get_by_role("button", name="Draft the questions").click()  # no window yet: errors, choice kept
    expect(page.locator("#deadline-error")).to_be_visible()
    expect(page.get_by_role("radio", name="Zelda Quist — zq@acme.io")).to_be_checked()


def test_without_javascript_the_search_button_keeps_the_form(crowded, new_page, sign_in):
    hr, people, wanted, other = crowded
    page = new_page(java_script_enabled=False)
    sign_in(page, hr)
    page.goto("/hr/schedule")
    page.get_by_label("Job title", exact=True).fill("Kept across the search")
    page.get_by_label("Number of questions", exact=True).fill("5")
    page.get_by_label("Find by name or e-mail").fill("ZQ@ACME")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_test_id("candidate-count")).to_have_text("1 match for “ZQ@ACME”")
    expect(page.get_by_label("Job title", exact=True)).to_have_value("Kept across the search")
    expect(page.get_by_label("Number of questions", exact=True)).to_have_value("5")
    page.get_by_role("radio", name="Zelda Quist — zq@acme.io").check()
    page.get_by_label("Find by name or e-mail").fill("person")
    page.get_by_label("Find by name or e-mail").press("Enter")  # Enter in the box searches too
    expect(page.get_by_test_id("candidate-count")).to_contain_text("matching “person”")
    expect(page.get_by_role("radio", name="Zelda Quist — zq@acme.io")).to_be_checked()
