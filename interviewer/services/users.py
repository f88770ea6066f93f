"""Accounts: registration, sign-in, staff creation, assignment and deactivation."""
from __future__ import annotations

import functools
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from pymongo.errors import DuplicateKeyError
from werkzeug.security import check_password_hash, generate_password_hash

from ..clock import utcnow
from ..errors import Conflict, Forbidden, NotFound, TooManyAttempts, ValidationError
from ..models import CANDIDATE_STATUSES, ROLES, User
from ..params import one_line
from ..repositories.users import EMAIL_ADDRESS
from . import audit, outbox, resumes
from . import interviews as interview_service
from . import tokens as token_service

MIN_PASSWORD = 8
RESUME_MAX_BYTES = resumes.MAX_BYTES  # what the registration view reads of an upload
# werkzeug's scrypt; the test suite swaps in a cheap method so thousands of accounts stay fast.
HASH_METHOD = "scrypt"
# Reset links one account may be sent per window, whoever asks and from wherever.
RESET_MAILS_PER_ACCOUNT = 3
RESET_MAIL_WINDOW = timedelta(hours=1)


@functools.cache
def _dummy_hash(method: str) -> str:
    """A hash made the way real ones are (computed on first use, once per method), so that a
    sign-in for an unknown e-mail costs as much as a wrong password."""
    return generate_password_hash("not-a-real-password", method=method)


def _check_identity(email: str, name: str, password: str) -> dict[str, str]:
    errors = {}
    if not EMAIL_ADDRESS.fullmatch((email or "").strip()) or len(email) > 254:
        errors["email"] = "Enter a valid e-mail address."
    if not one_line(name):
        errors["name"] = "Enter a name."
    elif len(one_line(name)) > 120:
        errors["name"] = "A name has at most 120 characters."
    if len(password or "") < MIN_PASSWORD:
        errors["password"] = f"A password has at least {MIN_PASSWORD} characters."
    elif len(password) > 1024:
        errors["password"] = "A password has at most 1024 characters."
    return errors


def create_user(repos, email: str, name: str, password: str, role: str, resume_text: str = "",
                resume_filename: str = "", email_verified: bool = True, actor: User | None = None) -> User:
    """Create an account; raises ValidationError (with the field) on bad input or a taken e-mail."""
    if role not in ROLES:
        raise ValidationError(f"Unknown role {role!r}: use one of {', '.join(ROLES)}.", {"role": "Unknown role."})
    errors = _check_identity(email, name, password)
    if errors:
        raise ValidationError("Please correct the highlighted fields.", errors)
    user = User(
        id="",
        email=email.strip(),
        name=one_line(name),  # no bidi override, zero-width or control character in any list
        role=role,
        password_hash=generate_password_hash(password, method=HASH_METHOD),
        status="registered" if role == "candidate" else "active",
        resume_text=resume_text,
        resume_filename=resume_filename,
        created_at=utcnow(),
        email_verified=email_verified,
        audit_ref=audit.new_ref(),
    )
    try:
        created = repos.users.insert(user)
    except DuplicateKeyError:
        raise ValidationError("An account with this e-mail already exists.",
                              {"email": "An account with this e-mail already exists."}) from None
    # `actor` None: the account made itself (registration) or the command line made it.
    audit.record(repos, actor or (created if role == "candidate" else None), "account.create", "user",
                 created.audit_ref, created.created_at or utcnow(), after={"role": role})
    return created


def register_candidate(repos, email: str, name: str, password: str, resume: tuple[str, bytes] | None = None,
                       verify: bool = False, now: datetime | None = None) -> User | None:
    """Self-registration: always a candidate. `resume` is (filename, bytes) or None.

    The resume is read before the account is stored, so a refused file leaves no account; and only
    once the cheap fields pass, so a form with a bad e-mail does not cost a PDF reader.

    With `verify` (REGISTRATION_EMAIL_VERIFY) the account cannot sign in until its owner follows
    the e-mailed link, and a taken address is not an error: its owner is told by e-mail instead
    (an unconfirmed one gets a new link), and None is returned — the caller answers "check your
    inbox" in both cases, so the form reveals no account.
    """
    errors = _check_identity(email, name, password)
    if errors:
        raise ValidationError("Please correct the highlighted fields.", errors)
    now = now or utcnow()
    if verify:
        existing = repos.users.by_email(email)
        if existing is not None:
            kind = "verify_email" if not existing.email_verified else "registration_attempt"
            # At most one such message an hour, however often the form is sent.
            outbox.queue(repos, kind, existing.id, {}, now, key=f"{kind}:{existing.id}:{now:%Y%m%d%H}")
            return None
    text, filename = "", ""
    if resume and resume[1]:
        filename = resume[0]
        text = resumes.extract_resume_text(filename, resume[1])
    if not verify:
        return create_user(repos, email, name, password, "candidate", text, filename)
    try:
        user = create_user(repos, email, name, password, "candidate", text, filename, email_verified=False)
    except ValidationError as exc:
        if "already exists" not in str((exc.details or {}).get("email", "")):
            raise
        return None  # registered by a racing request a moment ago: that one sent its link
    outbox.queue(repos, "verify_email", user.id, {}, now, key=f"verify_email:{user.id}:{now:%Y%m%d%H}")
    return user


def confirm_email(repos, user: User) -> User:
    """Mark `user`'s address as confirmed (the link was checked by the caller)."""
    repos.users.set_fields(user.id, email_verified=True)
    return repos.users.get(user.id)


def authenticate(repos, email: str, password: str, now: datetime | None = None, address: str = "",
                 device: str = "") -> User | None:
    """The active user with these credentials, else None (one answer for every failure).

    Throttled per account as ``throttle.SignInGuard`` describes (the attempt is counted before
    the password is checked; growing delays on the account, a refusal for one address; a refused
    attempt uses up nothing): raises TooManyAttempts with the wait, whether or not the account
    exists, so it reveals nothing. `address` is the client's (``throttle.client_address``);
    `device` the id of a valid device cookie for this account (``throttle.device_for``), which
    exempts the attempt from the strangers' failures and limits it on its own.
    """
    from ..throttle import SignInGuard, account_key

    now = now or utcnow()
    guard = SignInGuard(repos, account_key(email), address or "unknown", now, device)
    verdict = guard.reserve()
    if not verdict.allowed:
        raise TooManyAttempts(verdict.message, {"retry_after": verdict.retry_after})
    user = repos.users.by_email(email or "")
    if user is None:
        check_password_hash(_dummy_hash(HASH_METHOD), password or "")
    elif check_password_hash(user.password_hash, password or "") and user.active:
        guard.succeeded()
        audit.record(repos, user, "sign_in", "user", user.audit_ref, now)
        if not user.email_verified:
            raise Forbidden("Confirm your e-mail address first: follow the link in the message we sent you. "
                            "Registering again with the same address sends a new one.")
        return user
    guard.failed()
    # An unknown address is recorded without it (it may be someone's mistyped e-mail).
    audit.record(repos, None, "sign_in.failed", "user", user.audit_ref if user else None, now,
                 reason="" if user else "no account with this e-mail")
    return None


def change_password(repos, user: User, current: str, new: str, address: str = "", device: str = "") -> User:
    """Replace `user`'s password with `new` once `current` is checked, then end every browser
    session and revoke every API token of the account: whoever knew the old password is out (the
    caller starts a new session for the browser that asked).

    `current` is checked as a sign-in is (``authenticate``: counted first, throttled, so this form
    cannot be used to guess). Raises ValidationError ``{"current_password": …}`` or
    ``{"password": …}`` (at least 8, at most 1,024 characters; not the current one), TooManyAttempts.
    """
    if authenticate(repos, user.email, current, address=address, device=device) is None:
        raise ValidationError("Your current password is not right.",
                              {"current_password": "This is not your current password."})
    problem = _check_identity(user.email, user.name, new).get("password")
    if problem is None and new == current:
        problem = "Choose a password different from the current one."
    if problem:
        raise ValidationError(problem, {"password": problem})
    repos.users.set_fields(user.id, password_hash=generate_password_hash(new, method=HASH_METHOD))
    end_sessions(repos, user.id, utcnow())
    token_service.revoke_all(repos, user.id, utcnow())
    audit.record(repos, user, "password.change", "user", user.audit_ref, utcnow())
    return repos.users.get(user.id)


def invite_staff(repos, email: str, name: str, role: str, now: datetime, actor: User | None = None) -> User:
    """Create an HR or admin account with no usable password and queue the e-mail whose link lets
    its owner choose one (``mail.messages``: valid for ACCOUNT_LINK_HOURS, until a password is set).
    No password ever travels by e-mail or through the admin. Errors as ``create_user``."""
    if role not in ("hr", "admin"):
        raise ValidationError("Only HR and admin accounts are invited.", {"role": "Choose HR or admin."})
    user = create_user(repos, email, name, secrets.token_urlsafe(48), role, actor=actor)
    outbox.queue(repos, "account_created", user.id, {}, now, key=f"account_created:{user.id}")
    return user


def request_password_reset(repos, email: str, now: datetime) -> bool:
    """Queue a reset link for the active account with this e-mail (case-insensitive); False when
    there is none, or when the account was already sent RESET_MAILS_PER_ACCOUNT links in the last
    RESET_MAIL_WINDOW (counted atomically in ``rate_limits``, so parallel asks send at most that).
    The caller answers the same in every case, so the form reveals no account and no throttling."""
    user = repos.users.by_email((email or "").strip())
    if user is None or not user.active:
        return False
    from ..throttle import account_key

    sent, _ = repos.rate_limits.hit(f"reset:account:{account_key(user.email)}", now, RESET_MAIL_WINDOW)
    if sent > RESET_MAILS_PER_ACCOUNT:
        return False
    outbox.queue(repos, "password_reset", user.id, {}, now)
    audit.record(repos, None, "password.reset_request", "user", user.audit_ref, now)
    return True


def reset_password(repos, user: User, new: str, now: datetime) -> User:
    """Set `user`'s password from a reset link (the link was checked by the caller) and end every
    browser session and API token of the account: whoever knew the old password is out. The
    account's sign-in throttling starts over (following the link proved control of the mailbox).
    ValidationError ``{"password": …}`` as for ``change_password``."""
    problem = _check_identity(user.email, user.name, new).get("password")
    if problem:
        raise ValidationError(problem, {"password": problem})
    repos.users.set_fields(user.id, password_hash=generate_password_hash(new, method=HASH_METHOD))
    end_sessions(repos, user.id, now)
    token_service.revoke_all(repos, user.id, now)
    from ..throttle import account_key

    repos.rate_limits.delete_for_account(account_key(user.email), sign_in_only=True)
    audit.record(repos, user, "password.reset", "user", user.audit_ref, now)
    return repos.users.get(user.id)


def get_candidate(repos, candidate_id: str) -> User:
    user = repos.users.get(candidate_id)
    if user is None or user.role != "candidate":
        raise NotFound("No such candidate.")
    return user


def assign(repos, candidate_id: str, hr_id: str, actor: User | None = None) -> User:
    """Assign a candidate to an active HR user: status becomes `assigned`."""
    candidate = get_candidate(repos, candidate_id)
    hr = repos.users.get(hr_id)
    if hr is None or hr.role != "hr":
        raise ValidationError("Choose an HR user.", {"hr_id": "Choose an HR user."})
    if not hr.active:
        raise ValidationError("This HR user is deactivated.", {"hr_id": "This HR user is deactivated."})
    if not candidate.active:
        raise Conflict("A deactivated candidate cannot be assigned.")
    repos.users.set_assignment(candidate.id, hr.id, "assigned")
    interview_service.move_scope(repos, candidate.id, hr.id)
    before = repos.users.get(candidate.hr_id) if candidate.hr_id else None
    audit.record(repos, actor, "candidate.assign", "user", candidate.audit_ref, utcnow(),
                 before={"hr": audit.ref_of(before)}, after={"hr": hr.audit_ref})
    return repos.users.get(candidate.id)


def unassign(repos, candidate_id: str, actor: User | None = None) -> User:
    """Back to `registered`, with no HR user."""
    candidate = get_candidate(repos, candidate_id)
    repos.users.set_assignment(candidate.id, None, "registered")
    interview_service.move_scope(repos, candidate.id, None)
    if candidate.hr_id:
        before = repos.users.get(candidate.hr_id)
        audit.record(repos, actor, "candidate.unassign", "user", candidate.audit_ref, utcnow(),
                     before={"hr": audit.ref_of(before)}, after={"hr": None})
    return repos.users.get(candidate.id)


def set_active(repos, user_id: str, active: bool, acting_user_id: str | None = None) -> User:
    """Deactivate or reactivate an account; an admin cannot deactivate themself."""
    user = repos.users.get(user_id)
    if user is None:
        raise NotFound("No such user.")
    if not active and user.id == acting_user_id:
        raise Conflict("You cannot deactivate your own account.")
    repos.users.set_fields(user.id, active=active)
    # Sessions and API tokens die with the account, for good: reactivating it brings none back.
    end_sessions(repos, user.id, utcnow())
    if not active:
        token_service.revoke_all(repos, user.id, utcnow())
    if active != user.active:
        actor = repos.users.get(acting_user_id) if acting_user_id else None
        audit.record(repos, actor, "account.reactivate" if active else "account.deactivate", "user", user.audit_ref,
                     utcnow(), before={"active": user.active}, after={"active": active})
    return repos.users.get(user.id)


def start_session(repos, user: User, now: datetime, user_agent: str = "") -> str:
    """Record a browser sign-in of `user`; returns the session id the cookie carries."""
    return repos.sessions.start(user.id, now, user_agent)


def end_sessions(repos, user_id: str, now: datetime) -> int:
    """Sign `user_id` out everywhere (every browser session; API tokens are revoked separately);
    returns how many sessions were live."""
    return repos.sessions.end_all(user_id, now)


def sign_out_everywhere(repos, user_id: str, acting_user_id: str | None = None) -> int:
    """The admin's "sign out everywhere" for one account: every browser session ends and every API
    token is revoked. Returns how many sessions were live; NotFound for an unknown user."""
    user = repos.users.get(user_id)
    if user is None:
        raise NotFound("No such user.")
    ended = end_sessions(repos, user.id, utcnow())
    token_service.revoke_all(repos, user.id, utcnow())
    actor = repos.users.get(acting_user_id) if acting_user_id else None
    audit.record(repos, actor, "sessions.end_all", "user", user.audit_ref, utcnow(), after={"ended": ended})
    return ended


@dataclass
class Stats:
    per_role: dict[str, int]
    candidates_per_status: dict[str, int]
    deactivated: int


def stats(repos) -> Stats:
    return Stats(
        per_role={role: repos.users.count(role=role) for role in ROLES},
        candidates_per_status={s: repos.users.count(role="candidate", status=s) for s in CANDIDATE_STATUSES},
        deactivated=repos.users.count(active=False),
    )
