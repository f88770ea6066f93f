"""A stranger cannot keep an account's owner out (interviewer/throttle.py): an attempt the throttle
refuses uses up no allowance, a device cookie's attempts are exempt from the strangers' failures but
limited on their own, a completed password reset starts the account's counts over. A password change
and "sign out everywhere" revoke the account's API tokens; reset e-mails are limited per account.
First as the services see it, then as a browser and an API client do (the device cookie a sign-in
sets: signed, HttpOnly, SameSite=Lax, Secure when configured; the same reset page for every address)."""
from __future__ import annotations

import itertools
import re
from datetime import timedelta

import pytest
from support import PASSWORD, at_once

from interviewer import throttle
from interviewer.db import get_repos
from interviewer.errors import TooManyAttempts
from interviewer.services import tokens as token_service
from interviewer.services import users as svc

OWNER, NEW = "127.0.0.1", "another-horse-7"
EMAIL = "admin@example.com"


@pytest.fixture
def admin(make_user):
    return make_user("admin", email="Admin@Example.com")


ADDRESSES = itertools.count(1)


def stranger_fails(repos, at):
    """One wrong password for the account, from an address not seen before."""
    n = next(ADDRESSES)
    assert svc.authenticate(repos, EMAIL, "wrong", at, address=f"10.9.{n // 250}.{n % 250}") is None


def counted(repos, key, at):
    return repos.rate_limits.get(key, at)[0]


def sign_in_keys(repos):
    return sorted(d["_id"] for d in repos.rate_limits.col.find({}) if d["_id"].startswith("signin:"))


# --- (a) an attempt the throttle refuses uses up nothing ----------------------------------------------

def test_a_negative_hit_gives_back_only_from_the_live_window_and_never_below_zero(repos, now):
    limits, minute = repos.rate_limits, timedelta(minutes=1)
    assert limits.hit("k", now, minute, -1) == (0, None)  # nothing live: no window is started
    assert limits.col.find_one({"_id": "k"}) is None
    limits.hit("k", now, minute, 2)
    assert limits.hit("k", now, minute, -1) == (1, now + minute)
    assert limits.hit("k", now, minute, -1) == (0, now + minute)
    assert limits.hit("k", now, minute, -1) == (0, now + minute)  # never below zero
    limits.hit("k", now, minute)
    assert limits.hit("k", now + minute, minute, -1) == (0, None)  # the window ended: nothing to give back
    assert limits.col.find_one({"_id": "k"})["count"] == 1


def test_a_reset_clears_only_the_sign_in_counters_and_erasure_the_reset_mails_too(repos, now):
    limits, hour = repos.rate_limits, timedelta(hours=1)
    keys = [f"signin:{kind}:{EMAIL}{rest}" for kind, rest in (("account", ""), ("next", ""), ("pair", ":10.0.0.1"),
                                                               ("device", ":d1"))]
    for key in [*keys, f"reset:account:{EMAIL}", "signin:device:x@example.com:d1", f"reset:account:{EMAIL}x"]:
        limits.hit(key, now, hour)
    assert limits.delete_for_account(EMAIL, sign_in_only=True) == 4
    assert sorted(d["_id"] for d in limits.col.find({})) == [
        f"reset:account:{EMAIL}", f"reset:account:{EMAIL}x", "signin:device:x@example.com:d1"]
    assert limits.delete_for_account(EMAIL) == 1



def test_the_owners_refused_attempts_do_not_use_up_their_address_allowance(repos, admin, now):
    """The tester's run: a stranger fails once each time the wait ends, from ever new addresses; the
    owner tries the right password every 20 s from 127.0.0.1 and is refused 14 times. None of those
    14 checked a password, so none counts: once the stranger stops, the owner signs in."""
    for _ in range(throttle.FREE_FAILURES + 1):
        stranger_fails(repos, now)
    at, refused = now, 0
    while at < now + timedelta(seconds=14 * 20):
        with pytest.raises(TooManyAttempts):
            svc.authenticate(repos, EMAIL, PASSWORD, at, address=OWNER)
        refused += 1
        at += timedelta(seconds=20)
        _, until = repos.rate_limits.get(f"signin:next:{EMAIL}", at)
        if until is None or until <= at + timedelta(seconds=1):
            stranger_fails(repos, max(at, until or at))  # the stranger fails again as the wait ends
    assert refused == 14
    assert counted(repos, f"signin:pair:{EMAIL}:{OWNER}", at) == 0  # stored: not one of them counted
    later = at + throttle.MAX_DELAY + timedelta(seconds=1)  # the stranger stopped
    assert svc.authenticate(repos, EMAIL, PASSWORD, later, address=OWNER) == admin


def test_parallel_wrong_passwords_check_at_most_the_limit_and_the_refused_ones_give_their_slot_back(
        repos, admin, monkeypatch, now):
    checked = []
    real = svc.check_password_hash
    monkeypatch.setattr(svc, "check_password_hash", lambda h, p: checked.append(p) or real(h, p))
    refused = at_once(40, lambda: svc.authenticate(repos, EMAIL, "wrong", now, address="203.0.113.7"),
                      TooManyAttempts)
    assert len(checked) <= throttle.PAIR_FAILURES and len(checked) + refused == 40
    assert counted(repos, f"signin:pair:{EMAIL}:203.0.113.7", now) == len(checked)  # only checked ones count


# --- (b) a device cookie exempts its holder from the strangers' failures, within its own limit ----------

def test_a_device_cookie_signs_in_while_strangers_keep_the_account_waiting(repos, admin, now):
    for n in range(throttle.FREE_FAILURES + 3):
        stranger_fails(repos, now + n * throttle.MAX_DELAY)  # each as the wait ends
    at = now + (throttle.FREE_FAILURES + 2) * throttle.MAX_DELAY
    with pytest.raises(TooManyAttempts):
        svc.authenticate(repos, EMAIL, PASSWORD, at, address=OWNER)  # no device cookie: it waits
    assert svc.authenticate(repos, EMAIL, PASSWORD, at, address=OWNER, device="d1") == admin
    assert counted(repos, f"signin:device:{EMAIL}:d1", at) == 0  # a success starts the device over


def test_a_device_cookie_is_limited_on_its_own_and_then_exempts_nothing(repos, admin, now):
    for _ in range(throttle.FREE_FAILURES + 1):
        stranger_fails(repos, now)
    for _ in range(throttle.DEVICE_FAILURES):
        assert svc.authenticate(repos, EMAIL, "typo", now, address=OWNER, device="d1") is None  # checked
    assert counted(repos, f"signin:device:{EMAIL}:d1", now) == throttle.DEVICE_FAILURES
    assert counted(repos, f"signin:account:{EMAIL}", now) == throttle.FREE_FAILURES + 1  # not the account's
    with pytest.raises(TooManyAttempts):  # spent: an attempt like any other, and the account waits
        svc.authenticate(repos, EMAIL, PASSWORD, now, address=OWNER, device="d1")
    assert counted(repos, f"signin:device:{EMAIL}:d1", now) == throttle.DEVICE_FAILURES  # gave its slot back
    assert counted(repos, f"signin:pair:{EMAIL}:{OWNER}", now) == 0
    assert svc.authenticate(repos, EMAIL, PASSWORD, now, address=OWNER, device="d2") == admin  # another device
    later = now + throttle.WINDOW
    assert svc.authenticate(repos, EMAIL, PASSWORD, later, address=OWNER, device="d1") == admin


# --- (c) a completed password reset starts the account's counts over ----------------------------------

def test_a_password_reset_clears_the_accounts_sign_in_counters(repos, admin, make_user, now):
    other = make_user("hr", email="other@example.com")
    for n in range(throttle.PAIR_FAILURES):  # the owner's own address refused, the account waiting
        svc.authenticate(repos, EMAIL, "wrong", now + n * throttle.MAX_DELAY, address=OWNER)
    at = now + throttle.PAIR_FAILURES * throttle.MAX_DELAY
    stranger_fails(repos, at)
    svc.authenticate(repos, EMAIL, "typo", at, address=OWNER, device="d1")
    svc.authenticate(repos, other.email, "wrong", at, address=OWNER)
    with pytest.raises(TooManyAttempts):
        svc.authenticate(repos, EMAIL, PASSWORD, at, address=OWNER)
    svc.reset_password(repos, admin, NEW, at)
    assert sign_in_keys(repos) == ["signin:account:other@example.com", "signin:pair:other@example.com:127.0.0.1"]
    assert svc.authenticate(repos, EMAIL, NEW, at, address=OWNER) is not None


# --- 2. a password change and "sign out everywhere" revoke the API tokens ------------------------------

def test_a_password_change_revokes_every_api_token_of_the_account(repos, admin, make_user, now):
    other = make_user("hr")
    mine = [token_service.issue(repos, admin, now, timedelta(hours=1)) for _ in range(2)]
    theirs = token_service.issue(repos, other, now, timedelta(hours=1))
    svc.change_password(repos, admin, PASSWORD, NEW, address=OWNER)
    assert all(t.revoked_at is not None for t in repos.tokens.for_user(admin.id))
    assert all(token_service.resolve(repos, t.access_token, now) is None for t in mine)
    assert [t.revoked_at for t in repos.tokens.for_user(other.id)] == [None]
    assert token_service.resolve(repos, theirs.access_token, now)[0].id == other.id


def test_signing_an_account_out_everywhere_revokes_its_api_tokens(repos, admin, make_user, now):
    user, other = make_user("hr"), make_user("hr")
    token = token_service.issue(repos, user, now, timedelta(hours=1))
    theirs = token_service.issue(repos, other, now, timedelta(hours=1))
    assert svc.sign_out_everywhere(repos, user.id, admin.id) == 0
    assert [t.revoked_at is not None for t in repos.tokens.for_user(user.id)] == [True]
    assert token_service.resolve(repos, token.access_token, now) is None
    assert token_service.resolve(repos, theirs.access_token, now)[0].id == other.id
    [event] = repos.audit.search(action="sessions.end_all")[0]
    assert (event["actor"], event["object_id"]) == (admin.audit_ref, user.audit_ref)


# --- 3. reset e-mails are limited per account ----------------------------------------------------------

def test_reset_emails_to_one_account_are_limited_per_hour(repos, admin, make_user, now):
    other = make_user("hr", email="other@example.com")
    asked = [svc.request_password_reset(repos, "ADMIN@example.com", now + timedelta(seconds=n)) for n in range(40)]
    assert asked == [True] * svc.RESET_MAILS_PER_ACCOUNT + [False] * (40 - svc.RESET_MAILS_PER_ACCOUNT)
    sent = [m for m in repos.outbox.page(None, 1, 100)[0] if m["kind"] == "password_reset"]
    assert [m["to_user_id"] for m in sent] == [admin.id] * svc.RESET_MAILS_PER_ACCOUNT
    assert svc.request_password_reset(repos, other.email, now) is True  # another account is not held back
    assert svc.request_password_reset(repos, EMAIL, now + svc.RESET_MAIL_WINDOW) is True  # nor the next hour


# === as a browser and an API client see it ===============================================================

def at(address):
    return {"environ_base": {"REMOTE_ADDR": address}}


def strangers_fail(client, email, n=throttle.FREE_FAILURES + 1):
    for i in range(n):
        wrong = client.post("/login", data={"email": email, "password": "wrong"}, **at(f"10.7.0.{i + 1}"))
        assert wrong.status_code in (422, 429)


def address_hits(repos, address):
    """The per-address sign-in count Flask-Limiter keeps for `address` (in `rate_limits`)."""
    return sum(d["count"] for d in repos.rate_limits.col.find({})
               if "/sign-in/" in d["_id"] and f"/{address}/" in d["_id"])


def set_cookie_header(response, name):
    return next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{name}="))


# --- 1. lockout ------------------------------------------------------------------------------------------

def test_a_sign_in_sets_a_signed_httponly_lax_device_cookie_secure_when_configured(app, build_app, make_user):
    from interviewer.services import users as user_service

    admin = make_user("admin")
    page = app.test_client().post("/login", data={"email": admin.email, "password": PASSWORD})
    header = set_cookie_header(page, throttle.DEVICE_COOKIE)
    assert page.status_code == 302 and "HttpOnly" in header and "SameSite=Lax" in header and "Secure" not in header
    token = app.test_client().post("/auth/token", json={"email": admin.email, "password": PASSWORD})
    assert token.status_code == 200 and "HttpOnly" in set_cookie_header(token, throttle.DEVICE_COOKIE)
    secure = build_app(WTF_CSRF_ENABLED=False, SESSION_COOKIE_SECURE=True)
    if get_repos(secure).users.by_email(admin.email) is None:  # mongomock: another database
        user_service.create_user(get_repos(secure), admin.email, admin.name, PASSWORD, "admin")
    page = secure.test_client().post("/login", data={"email": admin.email, "password": PASSWORD})
    assert "; Secure" in set_cookie_header(page, throttle.DEVICE_COOKIE)
    wrong = app.test_client().post("/login", data={"email": admin.email, "password": "wrong"})
    assert not any(h.startswith("device=") for h in wrong.headers.getlist("Set-Cookie"))


def test_the_owners_browser_signs_in_while_strangers_keep_the_account_waiting(app, make_user, repos):
    admin = make_user("admin", email="admin@example.com")
    mine = app.test_client()
    assert mine.post("/login", data={"email": admin.email, "password": PASSWORD}, **at(OWNER)).status_code == 302
    mine.post("/logout", **at(OWNER))
    strangers_fail(app.test_client(), admin.email)
    elsewhere = app.test_client()  # the same address, no device cookie: it waits
    refused = elsewhere.post("/login", data={"email": admin.email, "password": PASSWORD}, **at(OWNER))
    assert refused.status_code == 429 and "Retry-After" in refused.headers
    page = mine.post("/login", data={"email": admin.email, "password": PASSWORD}, **at(OWNER))
    assert page.status_code == 302
    assert repos.rate_limits.get(f"signin:next:{admin.email}", throttle.utcnow()) == (0, None)
    token = mine.post("/auth/token", json={"email": admin.email, "password": PASSWORD}, **at(OWNER))
    assert token.status_code == 200


def test_a_device_cookie_is_limited_on_its_own_tampered_or_for_another_account_it_exempts_nothing(app, make_user, repos):
    admin, other = make_user("admin", email="admin@example.com"), make_user("hr", email="other@example.com")
    mine, theirs = app.test_client(), app.test_client()
    mine.post("/login", data={"email": admin.email, "password": PASSWORD}, **at(OWNER))
    theirs.post("/login", data={"email": other.email, "password": PASSWORD}, **at(OWNER))
    mine.post("/logout", **at(OWNER))
    theirs.post("/logout", **at(OWNER))
    strangers_fail(app.test_client(), admin.email)
    # Another account's cookie, or ours altered, is no device cookie for this account.
    assert theirs.post("/login", data={"email": admin.email, "password": PASSWORD}, **at(OWNER)).status_code == 429
    forged = app.test_client()
    value = mine.get_cookie(throttle.DEVICE_COOKIE).value
    forged.set_cookie(throttle.DEVICE_COOKIE, value[:-4] + ("AAAA" if not value.endswith("AAAA") else "BBBB"))
    assert forged.post("/login", data={"email": admin.email, "password": PASSWORD}, **at(OWNER)).status_code == 429
    # Ours: its own few failures are checked (422), then it is an attempt like any other.
    for _ in range(throttle.DEVICE_FAILURES):
        assert mine.post("/login", data={"email": admin.email, "password": "typo"}, **at(OWNER)).status_code == 422
    assert mine.post("/login", data={"email": admin.email, "password": PASSWORD}, **at(OWNER)).status_code == 429
    stored = [d["count"] for d in repos.rate_limits.col.find({}) if d["_id"].startswith("signin:device:admin@")]
    assert stored == [throttle.DEVICE_FAILURES]


def test_refused_attempts_give_back_their_per_address_hit_on_the_page_and_the_api(app, make_user, repos):
    admin = make_user("admin", email="admin@example.com")
    strangers_fail(app.test_client(), admin.email)
    client = app.test_client()
    for _ in range(20):
        assert client.post("/login", data={"email": admin.email, "password": PASSWORD}, **at(OWNER)).status_code == 429
        assert client.post("/auth/token", json={"email": admin.email, "password": PASSWORD}, **at(OWNER)).status_code == 429
    assert address_hits(repos, OWNER) == 0  # 40 refusals, not one password checked: nothing used up
    assert repos.rate_limits.get(f"signin:pair:{admin.email}:{OWNER}", throttle.utcnow())[0] == 0
    assert client.post("/login", data={"email": "someone@example.com", "password": "x"}, **at(OWNER)).status_code == 422
    assert address_hits(repos, OWNER) == 1  # a checked attempt counts


# --- 2. API tokens die with a password change and "sign out everywhere" -----------------------------------

def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_changing_ones_password_revokes_ones_api_tokens(app, make_user, repos, login):
    hana = make_user("hr")
    token = app.test_client().post("/auth/token", json={"email": hana.email, "password": PASSWORD}).get_json()["access_token"]
    assert app.test_client().get("/auth/me", headers=bearer(token)).status_code == 200
    browser = login(hana, c=app.test_client())
    changed = browser.post("/account/password", data={"current_password": PASSWORD, "password": "another-horse-7",
                                                      "confirm": "another-horse-7"})
    assert changed.status_code == 302
    assert [t.revoked_at is not None for t in repos.tokens.for_user(hana.id)] == [True]
    assert app.test_client().get("/auth/me", headers=bearer(token)).status_code == 401


def test_an_admin_signing_a_user_out_everywhere_revokes_their_api_tokens(app, make_user, repos, login):
    admin, hana = make_user("admin"), make_user("hr")
    token = app.test_client().post("/auth/token", json={"email": hana.email, "password": PASSWORD}).get_json()["access_token"]
    page = login(admin, c=app.test_client()).post(f"/admin/users/{hana.id}/sessions/end", headers={"HX-Request": "true"})
    assert page.status_code == 200 and f'id="user-{hana.id}"' in page.get_data(as_text=True)
    assert [t.revoked_at is not None for t in repos.tokens.for_user(hana.id)] == [True]
    assert app.test_client().get("/auth/me", headers=bearer(token)).status_code == 401


# --- 3. reset e-mails: per account, one answer for every address ------------------------------------------

def test_reset_emails_are_limited_per_account_with_the_same_page_for_every_address(app, make_user):
    hana = make_user("hr", email="hana@example.com")

    def page(response, email):
        text = re.sub(r'(X-CSRFToken": ")[^"]+', r"\1", response.get_data(as_text=True).replace(email, "E"))
        return response.status_code, re.sub(r'(name="csrf_token" value=")[^"]+', r"\1", text)

    replies = [page(app.test_client().post("/password/forgot", data={"email": hana.email}, **at(f"192.0.2.{a}")),
                    hana.email) for a in range(1, 5) for _ in range(10)]
    unknown = page(app.test_client().post("/password/forgot", data={"email": "nobody@example.com"},
                                          **at("192.0.2.9")), "nobody@example.com")
    assert all(reply == unknown for reply in replies) and unknown[0] == 200  # known, throttled, unknown alike
    repos = get_repos(app)
    sent = [m for m in repos.outbox.page(None, 1, 100)[0] if m["kind"] == "password_reset"]
    assert len(sent) == 3 and {m["to_user_id"] for m in sent} == {hana.id}
