"""Throttling shared by every worker process: guessing passwords and mass registration.

Two layers, both counting in the database (``repositories/rate_limits.py``), so gunicorn's
workers and several app hosts share one count:

* **Per client address and overall**, by Flask-Limiter (``limits``) on the public forms and the
  token endpoint, with ``StoreStorage`` below as its storage (``limits`` has no storage for the
  embedded store; this one is ~40 lines over the same atomic counter). Over the limit: 429 with
  Retry-After. The client address is ``request.remote_addr``: behind a reverse proxy set
  ``PROXY_FIX`` (see ``config.py``) so it is the browser's and not the proxy's.
* **Per account**, in ``SignInGuard`` (``services.users.authenticate``): every attempt is counted
  *before* the password is checked (an atomic increment), so N parallel attempts check at most
  the limit. The account's owner is never locked out for long: after ``FREE_FAILURES`` failures
  on an account, each further attempt must wait a delay that doubles per failure up to
  ``MAX_DELAY`` (a minute), and one (account, address) pair is refused outright after
  ``PAIR_FAILURES`` failures — the guesser's address, not the owner's elsewhere.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask, current_app, request
from flask_limiter import Limiter
from limits.storage import Storage
from pymongo.errors import PyMongoError

from .clock import utcnow

# Per client address (Flask-Limiter syntax; see README "Decisions worth knowing").
SIGN_IN_PER_ADDRESS = "30 per 15 minutes"
SIGN_IN_OVERALL = "600 per minute"
REGISTER_PER_ADDRESS = "10 per hour"
RESET_PER_ADDRESS = "10 per hour"  # reset links asked for, and reset forms posted
# Per account (SignInGuard).
WINDOW = timedelta(minutes=15)
PAIR_FAILURES = 10          # one (account, address) pair: then refused for the rest of the window
FREE_FAILURES = 5           # failures on an account before delays start
FIRST_DELAY = timedelta(seconds=2)
MAX_DELAY = timedelta(minutes=1)


class StoreStorage(Storage):
    """A ``limits`` storage over the app's own database (fixed windows): ``interviewer://``."""

    STORAGE_SCHEME = ["interviewer"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self):
        return PyMongoError

    @staticmethod
    def _repo():
        from .db import get_repos

        return get_repos(current_app).rate_limits

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        return self._repo().hit(key, utcnow(), timedelta(seconds=expiry), amount)[0]

    def get(self, key: str) -> int:
        return self._repo().get(key, utcnow())[0]

    def get_expiry(self, key: str) -> float:
        end = self._repo().get(key, utcnow())[1]
        return (end or utcnow()).timestamp()

    def check(self) -> bool:
        return True

    def reset(self) -> int | None:
        return self._repo().reset()

    def clear(self, key: str) -> None:
        self._repo().clear(key)


def client_address() -> str:
    return request.remote_addr or "unknown"


limiter = Limiter(key_func=client_address, storage_uri="interviewer://", strategy="fixed-window")


def retry_after() -> int:
    """Seconds until the limit this request broke lets it through again (at least 1)."""
    import time

    current = limiter.current_limit
    return max(1, int((current.reset_at - time.time()) + 1)) if current is not None else 60


def init_app(app: Flask) -> None:
    app.config.setdefault("RATELIMIT_ENABLED", True)
    limiter.init_app(app)


@dataclass
class Verdict:
    """May this attempt check a password? If not, `message` says why and `retry_after` when."""

    allowed: bool
    message: str = ""
    retry_after: int = 0


class SignInGuard:
    """The per-account policy of the module doc, over `repos.rate_limits`."""

    def __init__(self, repos, account: str, address: str, now: datetime):
        self.limits, self.now = repos.rate_limits, now
        self.account_key = f"signin:account:{account}"
        self.pair_key = f"signin:pair:{account}:{address}"
        self.next_key = f"signin:next:{account}"

    def reserve(self) -> Verdict:
        """Count this attempt first (atomically), then decide; a refused attempt checks nothing."""
        pair, pair_end = self.limits.hit(self.pair_key, self.now, WINDOW)
        if pair > PAIR_FAILURES:
            return self._refuse(pair_end, "Too many failed sign-ins from here for this account.")
        waiting, until = self.limits.get(self.next_key, self.now)
        if waiting:
            return self._refuse(until, "Too many failed sign-ins for this account.")
        return Verdict(True)

    def failed(self) -> None:
        """A wrong password: count it on the account and, past the free ones, set the wait."""
        failures, _ = self.limits.hit(self.account_key, self.now, WINDOW)
        if failures > FREE_FAILURES:
            delay = min(MAX_DELAY, FIRST_DELAY * 2 ** (failures - FREE_FAILURES - 1))
            self.limits.hit(self.next_key, self.now, delay)

    def succeeded(self) -> None:
        """The right password: this address's count and the account's failures start over."""
        for key in (self.pair_key, self.account_key, self.next_key):
            self.limits.clear(key)

    def _refuse(self, until: datetime | None, why: str) -> Verdict:
        seconds = max(1, int(((until or self.now) - self.now).total_seconds()) + 1)
        wait = f"{seconds} seconds" if seconds < 120 else f"{seconds // 60} minutes"
        return Verdict(False, f"{why} Try again in {wait}.", seconds)
