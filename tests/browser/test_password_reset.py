"""Password reset end to end in the browser: ask, read the message from a real SMTP server,
follow the link, choose a password, sign in with it."""
from __future__ import annotations

import re

import pytest

from . import playwright_expect

pytestmark = pytest.mark.browser
expect = playwright_expect()


def test_a_forgotten_password_is_reset_from_the_e_mailed_link(live_server, page, make_user, smtp, sign_in):
    live_server.app.config.update(MAIL_URL=smtp.url, MAIL_SENDER="inline", BASE_URL=live_server.url)
    hana = make_user("hr", name="Hana Recruiter")

    page.goto("/login")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("E-mail").fill(hana.email)
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_test_id("reset-sent")).to_contain_text(hana.email)

    [(_, rcpt, email)] = smtp.messages
    assert rcpt == [hana.email]
    link = re.search(r"(http://127\.0\.0\.1:\d+/password/reset/\S+)", email.get_body(("plain",)).get_content()).group(1)
    page.goto(link)
    page.get_by_label("New password (at least 8 characters)").fill("a brand new password")
    page.get_by_label("Repeat the new password").fill("a brand new password")
    page.get_by_role("button", name="Save the new password").click()
    expect(page.get_by_text("Your password is changed")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/login$"))

    sign_in(page, hana, password="a brand new password")
    expect(page).to_have_url(re.compile(r"/hr/interviews$"))
    page.goto(link)  # used: a clear page, not a form
    expect(page.get_by_test_id("reset-problem")).to_contain_text("already used")
