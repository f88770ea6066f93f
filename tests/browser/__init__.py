"""Browser tests: Playwright's sync API driving Debian's chromium against the live app.

A package, so that this folder's conftest never shadows tests/conftest.py as `conftest`.
"""
from __future__ import annotations

import os

import pytest


def missing(reason: str):
    """Skip for a missing browser or driver; fail instead when REQUIRE_BROWSER=1 (CI)."""
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason, allow_module_level=True)


def playwright_expect():
    """Playwright's `expect`, or a skip (a failure under REQUIRE_BROWSER=1) when it is not installed."""
    try:
        from playwright.sync_api import expect
    except ImportError as exc:
        missing(f"playwright not importable ({exc}): pip install -r requirements-dev.txt")
    return expect
