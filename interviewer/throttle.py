"""Throttling shared by every worker process: guessing passwords and mass registration.

Two layers, both counting in the database (``repositories/rate_limits.py``), so gunicorn's
workers and several app hosts share one count:

* **Per client address and overall**, by Flask-Limiter (``limits``) on the public forms and the
  token endpoint, with ``StoreStorage`` below as its storage (``limits`` has no storage for the
  embedded store; this one is ~40 lines over the same atomic counter). Over the limit: 429 with
  Retry-After. The client address is ``request.remote_addr``: behind a reverse proxy set
  ``PROXY_FIX`` (see ``config.py``) so it is the browser's and not the proxy's.
* **Per account**, in ``SignInGuard`` (``services.users.authenticate``): every attempt takes its
  slot *before* the password is checked (an atomic increment), so N parallel attempts check at
  most the limit; an attempt the guard refuses gives its slot back (and the route gives back its
  per-address hit, ``refund_address_hit``), so only checked attempts use up an allowance. The
  account's owner is never locked out for long: after ``FREE_FAILURES`` failures on an account,
  each further attempt must wait a delay that doubles per failure up to ``MAX_DELAY`` (a minute),
  and one (account, address) pair is refused outright after ``PAIR_FAILURES`` failures — the
  guesser's address, not the owner's elsewhere.
* **Device cookies** (OWASP's defence against lockout by strangers): each successful sign-in gives
  the browser or client a signed cookie naming the account (``remember_device``). An attempt that
  presents a valid one for the account it tries is exempt from the account-wide delay and the
  (account, address) refusal — the strangers' failures — and is limited on its own instead:
  ``DEVICE_FAILURES`` failures in ``WINDOW``, after which that cookie exempts nothing until the
  window ends (it is then an attempt like any other). A completed password reset clears every
  sign-in counter of the account (``RateLimitRepository.delete_for_account(…, sign_in_only=True)``).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask, after_this_request, current_app, request
from flask_limiter import Limiter
from itsdangerous import BadData, URLSafeTimedSerializer
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
DEVICE_FAILURES = 5         # failures one device cookie may make in WINDOW while it still exempts
# Device cookies.
DEVICE_COOKIE = "device"
DEVICE_DAYS = 90
_DEVICE_SALT = "interviewer.sign-in-device"


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


def refund_address_hit(limit: str = SIGN_IN_PER_ADDRESS, scope: str = "sign-in") -> None:
    """Give back this request's hit on the per-address limit `limit` shared as `scope` (Flask-Limiter
    counted it before the view ran): the per-account guard refused the attempt, so no password was
    checked, and the owner's refused tries must not use up their address's allowance. The key is
    built as Flask-Limiter builds it (``limiter.current_limits`` names only the last limit a
    ``with limiter.shared_limit(…)`` block checked, so it cannot be looked up there)."""
    if not limiter.enabled:
        return
    from limits import parse

    prefix = getattr(limiter, "_key_prefix", "") or ""
    key = parse(limit).key_for(*([prefix] if prefix else []), client_address(), scope)
    StoreStorage._repo().hit(key, utcnow(), timedelta(0), -1)  # from the live window only


def retry_after() -> int:
    """Seconds until the limit this request broke lets it through again (at least 1)."""
    import time

    current = limiter.current_limit
    return max(1, int((current.reset_at - time.time()) + 1)) if current is not None else 60


def init_app(app: Flask) -> None:
    app.config.setdefault("RATELIMIT_ENABLED", True)
    limiter.init_app(app)


def _device_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_DEVICE_SALT)


def account_key(email: str) -> str:
    """How counters name an account: its normalised e-mail address (an unknown one too)."""
    from .repositories.users import normalise_email

    return normalise_email(email or "")[:254]


def _device_account(email: str) -> str:
    """How a device cookie names its account: a keyed digest of the normalised e-mail (HMAC-SHA-256
    with SECRET_KEY, 128 bits), so the cookie, which is signed but readable, does not carry the address."""
    import hashlib
    import hmac

    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, account_key(email).encode(), hashlib.sha256).hexdigest()[:32]


def remember_device(email: str) -> None:
    """After a successful sign-in: give this browser or client a new device cookie for the account
    (signed with SECRET_KEY; HttpOnly, SameSite=Lax, Secure when SESSION_COOKIE_SECURE is set)."""
    import secrets

    value = _device_serializer().dumps({"account": _device_account(email), "device": secrets.token_urlsafe(12)})

    @after_this_request
    def set_cookie(response):
        response.set_cookie(DEVICE_COOKIE, value, max_age=DEVICE_DAYS * 86400, httponly=True, samesite="Lax",
                            secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")))
        return response


def device_for(email: str) -> str:
    """The id of the device cookie this request presents, when it is valid (signed by us, at most
    DEVICE_DAYS old) and names the account `email`; else ""."""
    raw = request.cookies.get(DEVICE_COOKIE)
    if not raw or len(raw) > 500:
        return ""
    try:
        data = _device_serializer().loads(raw, max_age=DEVICE_DAYS * 86400)
    except BadData:
        return ""
    if not isinstance(data, dict) or data.get("account") != _device_account(email):
        return ""
    device = data.get("device")
    return device if isinstance(device, str) and device else ""


@dataclass
class Verdict:
    """May this attempt check a password? If not, `message` says why and `retry_after` when."""

    allowed: bool
    message: str = ""
    retry_after: int = 0


class SignInGuard:
    """The per-account policy of the module doc, over `repos.rate_limits`. `device` is the id of a
    valid device cookie for this account (``device_for``), or ""."""

    def __init__(self, repos, account: str, address: str, now: datetime, device: str = ""):
        self.limits, self.now = repos.rate_limits, now
        self.account_key = f"signin:account:{account}"
        self.pair_key = f"signin:pair:{account}:{address}"
        self.next_key = f"signin:next:{account}"
        self.device_key = f"signin:device:{account}:{device}" if device else ""
        self.trusted = False  # this attempt took a slot of its device cookie's own allowance

    def reserve(self) -> Verdict:
        """Take this attempt's slot first (atomically), then decide; a refused attempt checks nothing
        and gives its slot back, so only checked attempts use up an allowance."""
        if self.device_key:
            used, _ = self.limits.hit(self.device_key, self.now, WINDOW)
            if used <= DEVICE_FAILURES:
                self.trusted = True
                return Verdict(True)
            self.limits.hit(self.device_key, self.now, WINDOW, -1)  # spent for now: an attempt like any other
        pair, pair_end = self.limits.hit(self.pair_key, self.now, WINDOW)
        if pair > PAIR_FAILURES:
            self.limits.hit(self.pair_key, self.now, WINDOW, -1)
            return self._refuse(pair_end, "Too many failed sign-ins from here for this account.")
        waiting, until = self.limits.get(self.next_key, self.now)
        if waiting:
            self.limits.hit(self.pair_key, self.now, WINDOW, -1)
            return self._refuse(until, "Too many failed sign-ins for this account.")
        return Verdict(True)

    def failed(self) -> None:
        """A wrong password. Through a device cookie it stays counted on that cookie only (a stranger
        cannot delay the owner, nor the owner's typo the account); otherwise it is counted on the
        account and, past the free ones, sets the wait."""
        if self.trusted:
            return
        failures, _ = self.limits.hit(self.account_key, self.now, WINDOW)
        if failures > FREE_FAILURES:
            delay = min(MAX_DELAY, FIRST_DELAY * 2 ** (failures - FREE_FAILURES - 1))
            self.limits.hit(self.next_key, self.now, delay)

    def succeeded(self) -> None:
        """The right password: this address's and this device's counts and the account's failures
        start over."""
        for key in (self.pair_key, self.account_key, self.next_key, self.device_key):
            if key:
                self.limits.clear(key)

    def _refuse(self, until: datetime | None, why: str) -> Verdict:
        seconds = max(1, int(((until or self.now) - self.now).total_seconds()) + 1)
        wait = f"{seconds} seconds" if seconds < 120 else f"{seconds // 60} minutes"
        return Verdict(False, f"{why} Try again in {wait}.", seconds)
