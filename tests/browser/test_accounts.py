"""Accounts through the browser: self-registration with a resume, and the admin's inline assignment."""
from __future__ import annotations

import re

import pytest

from . import playwright_expect

pytestmark = pytest.mark.browser
expect = playwright_expect()


def test_registered_candidate_is_found_and_assigned_inline(live_server, page, make_user, sign_in, sign_out):
    admin = make_user("admin", name="Ada Admin")
    hr = make_user("hr", name="Harriet Hr")
    make_user("candidate", name="Someone Else")  # must disappear from the filtered table

    page.goto("/register")
    page.get_by_label("Full name").fill("Carla Candidate")
    page.get_by_label("E-mail").fill("carla@example.com")
    page.get_by_label("Password", exact=True).fill("a-long-password")
    page.get_by_label("Repeat password").fill("a-long-password")
    page.get_by_label(re.compile("^Resume")).set_input_files(
        {"name": "resume.txt", "mimeType": "text/plain", "buffer": b"Carla: Python, Flask and MongoDB since 2019."})
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_text("Your account is ready.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/candidate/$"))
    sign_out(page)

    carla = live_server.repos.users.by_email("carla@example.com")
    assert carla.role == "candidate" and carla.status == "registered"
    assert carla.resume_filename == "resume.txt" and "Flask and MongoDB" in carla.resume_text

    sign_in(page, admin)
    expect(page).to_have_url(re.compile(r"/admin/users$"))
    stats = page.locator("#stats")
    assigned_stat = stats.locator("div", has_text="candidates assigned").locator("strong")
    expect(assigned_stat).to_have_text("0")
    page.evaluate("window.__samePage = true")  # gone if anything below reloads the page

    page.get_by_placeholder("Name or e-mail").fill("carla")
    expect(page).to_have_url(re.compile(r"[?&]q=carla"))  # hx-push-url keeps the filter linkable
    rows = page.locator("#users-table tbody tr")
    expect(rows).to_have_count(1)
    row = page.locator(f"#user-{carla.id}")
    expect(row.get_by_test_id("status")).to_have_text("registered")

    row.get_by_label("HR user for Carla Candidate").select_option(label="Harriet Hr")
    row.get_by_role("button", name="Assign").click()
    expect(row.get_by_test_id("status")).to_have_text("assigned")
    expect(row).to_contain_text("Harriet Hr")
    expect(row.get_by_role("button", name="Unassign")).to_be_visible()
    expect(assigned_stat).to_have_text("1")  # HX-Trigger: users-changed refreshed the panel
    expect(stats.locator("div", has_text="candidates registered").locator("strong")).to_have_text("1")
    # The filter's own selects still filter as soon as they change.
    page.get_by_placeholder("Name or e-mail").fill("")
    page.get_by_label("Candidate status").select_option("registered")
    expect(page).to_have_url(re.compile(r"[?&]status=registered"))
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Someone Else")
    assert page.evaluate("window.__samePage") is True

    carla = live_server.repos.users.get(carla.id)
    assert carla.status == "assigned" and carla.hr_id == hr.id
