"""Browser fixtures: the real app (CSRF on, the embedded store) served on a free port, and
Debian's chromium driven by Playwright's sync API.

Without chromium or Playwright these tests skip, unless REQUIRE_BROWSER=1 (CI) turns the
skip into a failure, so a missing browser can never pass for a green run.
"""
from __future__ import annotations

import logging
import os
import shutil
import threading
from dataclasses import dataclass

import pytest
from support import PASSWORD, sqlite_uri
from werkzeug.serving import make_server

from interviewer import create_app
from interviewer.db import get_db, get_repos
from interviewer.migrate import upgrade

from . import missing, playwright_expect

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]
# Generous for a loaded CI machine, short enough that a broken flow fails fast.
TIMEOUT_MS = 10_000


def _chromium() -> str:
    if os.path.exists("/usr/bin/chromium"):
        return "/usr/bin/chromium"
    found = shutil.which("chromium")
    if not found:
        missing("chromium not found: apt-get install chromium")
    return found


@dataclass
class LiveServer:
    app: object
    url: str

    @property
    def repos(self):
        return get_repos(self.app)


class ServerErrors(logging.Handler):
    """Errors the app logs while serving (an unhandled exception is a 500 the page may never show)."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def live_server(tmp_path, migrated_sqlite):
    """The whole app as production runs it, on 127.0.0.1:<free port>, with its own embedded database
    (a copy of the one tests/conftest.py migrates once per run)."""
    migrated_sqlite.backup_to(tmp_path / "db.sqlite3")
    # CSRF stays on (no WTF_CSRF_ENABLED override) and TESTING off: the app as production runs it.
    app = create_app({
        "SECRET_KEY": "browser-test-secret",
        "MONGO_URI": sqlite_uri(tmp_path / "db.sqlite3"),
        "MONGO_DB": "interviewer",
        "AI_PROVIDER": "local",
        "GEMINI_API_KEY": "",
        "MAIL_SENDER": "manual",  # no sender thread outliving the test; a test that sends sets "inline"
    })
    with app.app_context():
        upgrade(get_db())  # nothing left to apply on the copy; a new migration would run here
    errors = ServerErrors()
    app.logger.addHandler(errors)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield LiveServer(app, f"http://127.0.0.1:{server.server_port}")
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()
    app.logger.removeHandler(errors)
    # Warnings are errors in this suite, in the server's threads too: one raised in a request
    # ends up here as a logged 500 even if no assertion looked at that response.
    assert not errors.records, "the server logged errors:\n" + "\n".join(
        logging.Formatter().format(r) for r in errors.records)


@pytest.fixture(scope="session")
def browser():
    executable = _chromium()
    playwright_expect().set_options(timeout=TIMEOUT_MS)
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, live_server):
    """Open a page in its own context (own cookies and localStorage: one person per context)."""
    contexts = []

    def make(timezone_id: str = "UTC", **options):
        options.setdefault("viewport", {"width": 1200, "height": 900})
        context = browser.new_context(base_url=live_server.url, timezone_id=timezone_id, locale="en-GB", **options)
        context.set_default_timeout(TIMEOUT_MS)
        errors = []
        context.on("weberror", lambda error: errors.append(f"{error.page and error.page.url}: {error.error}"))
        contexts.append((context, errors))
        page = context.new_page()
        # Anything the Content-Security-Policy blocked would silently stop working: fail on it.
        page.on("console", lambda msg: errors.append(f"{page.url}: {msg.text}")
                if "Content Security Policy" in msg.text else None)
        return page

    yield make
    for context, errors in contexts:
        context.close()
        assert not errors, f"uncaught JavaScript errors or CSP violations: {errors}"


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def repos(live_server):
    """The live server's repositories: the shared make_user, world and schedule fixtures
    (tests/conftest.py) then act on the database the browser sees."""
    return live_server.repos


def _sign_in(page, user, password=PASSWORD):
    """Sign in through the form; wait until the role's home page has loaded."""
    page.goto("/login")
    page.get_by_label("E-mail").fill(user.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text(f"Welcome, {user.name}.").wait_for()


def _sign_out(page):
    page.get_by_role("button", name="Sign out").click()
    page.get_by_text("You are signed out.").wait_for()


@pytest.fixture
def sign_in():
    return _sign_in


@pytest.fixture
def sign_out():
    return _sign_out
