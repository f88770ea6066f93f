"""What an htmx request does when it cannot succeed: an expired session goes to the sign-in page
(401 + HX-Redirect, never a swapped-in login form), a CSRF failure says so in #messages."""
from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from support import PASSWORD

from interviewer.services import interviews as svc

from . import playwright_expect

pytestmark = pytest.mark.browser
expect = playwright_expect()


def test_filter_after_the_session_is_gone_goes_to_sign_in(live_server, page, make_user, sign_in):
    admin = make_user("admin", name="Ada Admin")
    sign_in(page, admin)
    expect(page.locator("#users-table")).to_contain_text("Ada Admin")
    page.context.clear_cookies()

    with page.expect_response(lambda r: "/admin/users?" in r.url) as filtered:
        page.get_by_placeholder("Name or e-mail").fill("ada")
    assert filtered.value.status == 401
    assert filtered.value.headers["hx-redirect"].startswith("/login?next=")
    expect(page).to_have_url(re.compile(r"/login\?next=(/|%2F)admin(/|%2F)users"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.locator("#users-table")).to_have_count(0)

    # Signing in again returns to where the request was going.
    page.get_by_label("E-mail").fill(admin.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/admin/users\?q=ada"))


@pytest.fixture
def watching_progress(live_server, new_page, make_user, schedule, sign_in):
    """HR on the interview list while an interview is in progress (its progress cell polls)."""
    hr = make_user("hr")
    candidate = make_user("candidate", hr=hr)
    interview = schedule(hr, candidate)
    svc.save_answer(live_server.repos, candidate, interview.id, interview.questions[0].id, "Started.",
                    datetime.now(UTC))
    page = new_page()
    sign_in(page, hr)
    cell = page.locator(f"#progress-{interview.id}")
    expect(cell).to_contain_text("1 of 3 answered")
    expect(cell).to_have_attribute("hx-trigger", "every 5s")
    return page, hr


def test_live_progress_poll_after_the_session_is_gone_goes_to_sign_in(watching_progress):
    page, _ = watching_progress
    page.context.clear_cookies()
    expect(page).to_have_url(re.compile(r"/login\?next="), timeout=8_000)  # the next poll, within 5 s
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_signing_in_after_a_poll_redirect_returns_to_the_page_not_the_fragment(watching_progress, sign_in):
    page, hr = watching_progress
    page.context.clear_cookies()
    expect(page).to_have_url(re.compile(r"/login\?next="), timeout=8_000)
    page.get_by_label("E-mail").fill(hr.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/hr/interviews$"), timeout=3_000)


def test_csrf_failure_on_an_htmx_button_shows_a_message(live_server, page, make_user, sign_in):
    admin = make_user("admin")
    hr = make_user("hr", name="Harriet Hr")
    candidate = make_user("candidate", name="Carla Candidate")
    sign_in(page, admin)
    row = page.locator(f"#user-{candidate.id}")
    table_loads = []
    page.on("request", lambda r: table_loads.append(r.url) if "/admin/users?" in r.url else None)
    row.get_by_label("HR user for Carla Candidate").select_option(label=hr.name)
    page.wait_for_timeout(500)  # a filter request (there must be none) would have come and gone
    # Picking in a row is not filtering: the table must stay, with the choice made.
    assert table_loads == []
    expect(row.get_by_label("HR user for Carla Candidate")).to_have_value(hr.id)
    # A token that no longer matches the session (e.g. signed in again in another tab): both the
    # header htmx sends and the form's own hidden field.
    page.evaluate("""() => {
        document.body.setAttribute('hx-headers', JSON.stringify({'X-CSRFToken': 'stale-token'}));
        document.querySelectorAll('input[name=csrf_token]').forEach(i => i.value = 'stale-token');
    }""")
    row.get_by_role("button", name="Assign").click()
    expect(page.locator("#messages")).to_contain_text("This form is out of date")
    expect(page.locator("#messages [role=alert]")).to_be_visible()
    expect(row.get_by_test_id("status")).to_have_text("registered")  # nothing was changed
    assert live_server.repos.users.get(candidate.id).status == "registered"


def test_a_busy_database_on_an_htmx_filter_says_so_in_the_message_area(live_server, page, make_user, schedule,
                                                                       sign_in, monkeypatch):
    """htmx swaps no 5xx: app.js shows the server's own 503 message in #messages, and the table stays."""
    from pymongo.errors import AutoReconnect

    from interviewer.repositories.interviews import InterviewRepository

    hr = make_user("hr")
    schedule(hr, make_user("candidate", name="Carla Candidate", hr=hr))
    sign_in(page, hr)
    page.goto("/hr/interviews")
    expect(page.locator("#interviews-table")).to_contain_text("Carla Candidate")

    def unreachable(self, *args, **kwargs):
        raise AutoReconnect("connection refused")

    monkeypatch.setattr(InterviewRepository, "search", unreachable)
    with page.expect_response(lambda r: "/hr/interviews?" in r.url) as filtered:
        page.get_by_placeholder("Name or e-mail").fill("carla")
    assert filtered.value.status == 503
    alert = page.locator("#messages [role=alert]")
    expect(alert).to_contain_text("The database is busy or cannot be reached right now")
    expect(alert).to_contain_text("Nothing on this page was lost")
    expect(page.locator("#interviews-table")).to_contain_text("Carla Candidate")  # nothing swapped away
