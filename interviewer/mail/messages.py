"""What each kind of message says: built from the outbox intent and the store as it is when the
sender first claims it, rendered as text and HTML from one layout (``templates/mail/``).

Each builder checks that the message's cause is in the store (``NotYet`` while it is not, e.g.
the request that queued it has not written the interview yet) and that it still holds (``Drop``
with the reason when it was undone: an invitation to an interview cancelled before it went out).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app, render_template, url_for
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from ..models import CANCELLED, COMPLETED, EVALUATED, IN_PROGRESS, SCHEDULED, Interview, User
from ..services.calendar import invitation_ics
from ..services.outbox import KINDS, Drop, NotYet, Rendered

RESET_SALT = "password-reset"
SETUP_SALT = "account-setup"  # a new staff account's first password: the same page, a longer life
VERIFY_SALT = "verify-email"


@dataclass
class Content:
    """One message before the layout: a subject, paragraphs, one action link, why it was sent."""

    subject: str
    paragraphs: list[str]
    action: tuple[str, str] | None = None  # (label, absolute URL)
    attachments: list[tuple[str, str, str]] = field(default_factory=list)


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%A %d %B %Y, %H:%M UTC")


def _when(value: datetime, zone: str) -> str:
    """`value` in the reader's own zone and in UTC ("Saturday 05 December 2026, 21:31 Europe/Paris
    (20:31 UTC)"), or in UTC alone when their zone is unknown."""
    try:
        local = value.astimezone(ZoneInfo(zone)) if zone else None
    except (ZoneInfoNotFoundError, ValueError, OSError):
        local = None
    if local is None:
        return _utc(value)
    return f"{local:%A %d %B %Y, %H:%M} {zone} ({value.astimezone(UTC):%H:%M} UTC)"


def _interview(repos, message: dict) -> Interview:
    interview = repos.interviews.get(message["refs"].get("interview_id", ""))
    if interview is None:
        raise NotYet()
    return interview


def _user(repos, user_id: str | None) -> User | None:
    return repos.users.get(user_id) if user_id else None


def _fingerprint(user: User) -> str:
    """Changes whenever the password does: a reset link works once, and not after any other change."""
    return hashlib.sha256(f"{user.id}:{user.password_hash}".encode()).hexdigest()[:32]


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def _lifetimes() -> dict[str, int]:
    """Seconds each kind of link lives: PASSWORD_RESET_MINUTES, ACCOUNT_LINK_HOURS."""
    return {RESET_SALT: int(current_app.config.get("PASSWORD_RESET_MINUTES") or 60) * 60,
            SETUP_SALT: int(current_app.config.get("ACCOUNT_LINK_HOURS") or 72) * 3600}


def reset_token(user: User, salt: str = RESET_SALT) -> str:
    """A signed link token for `user` (itsdangerous: HMAC over the payload and the time it was made)."""
    return _serializer(salt).dumps({"u": user.id, "f": _fingerprint(user)})


def read_reset_token(repos, token: str) -> tuple[User | None, str]:
    """(the user, "") for a valid reset or account-setup token; (None, why) when it is tampered
    with, expired, used (the password changed since) or its account is gone or deactivated."""
    data, expired = None, False
    for salt, max_age in _lifetimes().items():
        try:
            data = _serializer(salt).loads(token, max_age=max_age)
            break
        except SignatureExpired:
            expired = True
        except BadSignature:
            continue
    if data is None:
        if expired:
            return None, "This link has expired: ask for a new one."
        return None, "This link is not valid: it may be incomplete. Ask for a new one."
    user = _user(repos, data.get("u") if isinstance(data, dict) else None)
    if user is None or not user.active:
        return None, "This link is not valid any more: ask for a new one."
    if data.get("f") != _fingerprint(user):
        return None, "This link was already used, or the password was changed since: ask for a new one."
    return user, ""


def _invitation(repos, message: dict, to: User) -> Content:
    interview = _interview(repos, message)
    sequence = message["refs"].get("sequence", 0)
    if interview.status == CANCELLED:
        raise Drop("The interview was cancelled before its invitation was sent.")
    if interview.status not in (SCHEDULED, IN_PROGRESS):
        raise Drop("The interview was handed in or closed before this invitation was sent.")
    if interview.sequence < sequence:
        raise NotYet()
    if interview.sequence > sequence:
        raise Drop("A later change of the interview's window replaced this invitation.")
    hr = _user(repos, interview.created_by) or _user(repos, interview.hr_id)
    link = url_for("candidate.start", interview_id=interview.id, _external=True)
    organizer = (hr.name, hr.email) if hr else None
    ics = invitation_ics(interview, link, method="REQUEST", organizer=organizer, attendee=(to.name, to.email))
    count = len(interview.questions)
    moved = sequence > 0
    return Content(
        subject=("New time: " if moved else "") + f"Written interview: {interview.job_title}",
        paragraphs=[
            (f"The time of your written interview for {interview.job_title} has changed." if moved else
             f"You are invited to a written interview for {interview.job_title}"
             + (f", scheduled by {hr.name}" if hr else "") + "."),
            f"It opens {_when(interview.starts_at, to.timezone)} and must be handed in by "
            f"{_when(interview.deadline, to.timezone)}. The page shows both times in your browser's time zone.",
            f"There {'is' if count == 1 else 'are'} {count} question{'' if count == 1 else 's'}, answered one at a "
            "time; every answer is saved as you type, so you can stop and come back until the deadline.",
            "The attached calendar invitation " + ("moves the entry in your calendar to the new time." if moved else
                                                   "books a one-hour slot at the opening time."),
        ],
        action=("Open the interview", link),
        attachments=[(f"interview-{interview.id}.ics", "text/calendar; method=REQUEST; charset=utf-8",
                      ics.decode("utf-8"))],
    )


def _cancellation(repos, message: dict, to: User) -> Content:
    interview = _interview(repos, message)
    if interview.status != CANCELLED:
        raise NotYet()
    link = url_for("candidate.invitation", interview_id=interview.id, _external=True)
    ics = invitation_ics(interview, link, method="CANCEL", attendee=(to.name, to.email))
    return Content(
        subject=f"Cancelled: written interview for {interview.job_title}",
        paragraphs=[f"Your written interview for {interview.job_title}, which was to open "
                    f"{_when(interview.starts_at, to.timezone)}, has been cancelled. You do not need to do anything.",
                    "The attached file removes it from your calendar."],
        attachments=[(f"interview-{interview.id}-cancelled.ics", "text/calendar; method=CANCEL; charset=utf-8",
                      ics.decode("utf-8"))],
    )


def _handed_in(repos, message: dict, to: User) -> Content:
    interview = _interview(repos, message)
    if interview.status not in (COMPLETED, EVALUATED):
        raise NotYet()
    candidate = _user(repos, interview.candidate_id)
    who = candidate.name if candidate else "A candidate"
    return Content(
        subject=f"Handed in: {who}, {interview.job_title}",
        paragraphs=[f"{who} handed in the written interview for {interview.job_title}. The answers are ready "
                    "to review and evaluate."],
        action=("Review the answers", url_for("hr.interview", interview_id=interview.id, _external=True)),
    )


def _results_shared(repos, message: dict, to: User) -> Content:
    interview = _interview(repos, message)
    if not interview.shared:
        raise NotYet()
    return Content(
        subject=f"Your results: written interview for {interview.job_title}",
        paragraphs=[f"The results of your written interview for {interview.job_title} have been shared with you. "
                    "Sign in to read them."],
        action=("Read your results", url_for("candidate.history_detail", interview_id=interview.id, _external=True)),
    )


def _reminder(repos, message: dict, to: User) -> Content:
    interview = _interview(repos, message)
    if interview.status not in (SCHEDULED, IN_PROGRESS):
        raise Drop("The interview was handed in, closed or cancelled before the reminder was sent.")
    now = datetime.now(UTC)
    if now >= interview.deadline:
        raise Drop("The deadline passed before the reminder was sent.")
    from ..services.interviews import answered_count

    answered = answered_count(interview, repos.responses.for_interview(interview.id))
    left = interview.deadline - now
    hours = left.total_seconds() / 3600
    when = f"about {round(hours)} hour{'s' if round(hours) != 1 else ''}" if hours >= 1.5 else \
        f"about {max(1, round(left.total_seconds() / 60))} minutes"
    total = len(interview.questions)
    return Content(
        subject=f"Closing soon: written interview for {interview.job_title}",
        paragraphs=[f"Your written interview for {interview.job_title} closes in {when}, at "
                    f"{_when(interview.deadline, to.timezone)}.",
                    f"You have not started it yet: {total} question{'' if total == 1 else 's'}, every answer saved as "
                    "you type." if interview.status == SCHEDULED else
                    f"You have answered {answered} of {total} question{'' if total == 1 else 's'}. Hand in when you "
                    "are done; at the deadline it is handed in as it stands."],
        action=("Continue the interview", url_for("candidate.start", interview_id=interview.id, _external=True)),
    )


def _account_created(repos, message: dict, to: User) -> Content:
    hours = int(current_app.config.get("ACCOUNT_LINK_HOURS") or 72)
    product = current_app.config.get("PRODUCT_NAME") or "Interviewer"
    role = "an HR" if to.role == "hr" else "an administrator"
    return Content(
        subject="Your new account: choose a password",
        paragraphs=[f"An administrator created {role} account on {product} for {to.email}.",
                    f"Choose your password with the link below; it works once, for {hours} hours. After that, "
                    "\"Forgot your password?\" on the sign-in page sends a new one."],
        action=("Choose a password", url_for("auth.reset_password", token=reset_token(to, SETUP_SALT),
                                             _external=True)),
    )


def verify_token(user: User) -> str:
    return _serializer(VERIFY_SALT).dumps({"u": user.id, "e": user.email})


def read_verify_token(repos, token: str) -> tuple[User | None, str]:
    """(the user, "") for a valid e-mail confirmation token (ACCOUNT_LINK_HOURS), else (None, why)."""
    try:
        data = _serializer(VERIFY_SALT).loads(token, max_age=_lifetimes()[SETUP_SALT])
    except SignatureExpired:
        return None, "This link has expired: register again with the same address to get a new one."
    except BadSignature:
        return None, "This link is not valid: it may be incomplete."
    user = _user(repos, data.get("u") if isinstance(data, dict) else None)
    if user is None or not user.active or user.email != data.get("e"):
        return None, "This link is not valid any more."
    return user, ""


def _verify_email(repos, message: dict, to: User) -> Content:
    if to.email_verified:
        raise Drop("The address was confirmed before this message was sent.")
    hours = int(current_app.config.get("ACCOUNT_LINK_HOURS") or 72)
    return Content(
        subject="Confirm your e-mail address",
        paragraphs=[f"An account was registered with {to.email}. Confirm that this address is yours to start "
                    f"using it; the link works for {hours} hours.",
                    "If you did not register, ignore this message: without confirmation the account cannot be used."],
        action=("Confirm my address", url_for("auth.verify_email", token=verify_token(to), _external=True)),
    )


def _registration_attempt(repos, message: dict, to: User) -> Content:
    return Content(
        subject="Someone tried to register with your address",
        paragraphs=[f"Someone — maybe you — tried to create a new account with {to.email}. You already have one, "
                    "so nothing was created.",
                    "Sign in with it; if you forgot the password, \"Forgot your password?\" on the sign-in page "
                    "sends a link to choose a new one. If it was not you, you need not do anything."],
        action=("Sign in", url_for("auth.login", _external=True)),
    )


def _password_reset(repos, message: dict, to: User) -> Content:
    minutes = int(current_app.config.get("PASSWORD_RESET_MINUTES") or 60)
    link = url_for("auth.reset_password", token=reset_token(to), _external=True)
    return Content(
        subject="Reset your password",
        paragraphs=[f"Someone — hopefully you — asked to reset the password of the account {to.email}.",
                    f"The link below works once, for {minutes} minutes. If you did not ask, ignore this message: "
                    "your password stays as it is."],
        action=("Choose a new password", link),
    )


BUILDERS = {"invitation": _invitation, "cancellation": _cancellation, "handed_in": _handed_in, "reminder": _reminder,
            "results_shared": _results_shared, "password_reset": _password_reset, "account_created": _account_created,
            "verify_email": _verify_email, "registration_attempt": _registration_attempt}


def render(repos, message: dict) -> Rendered:
    """The outbox `message` as text and HTML (call inside a request context whose base URL is
    ``BASE_URL``: links are absolute). Raises NotYet or Drop (``services.outbox``)."""
    to = _user(repos, message["to_user_id"])
    if to is None:
        raise Drop("The recipient's account no longer exists.")
    if not to.active:
        raise Drop("The recipient's account is deactivated.")
    kind = message["kind"]
    if KINDS[kind][1] and kind in to.mail_off:
        raise Drop("The recipient turned these messages off.")
    content = BUILDERS[kind](repos, message, to)
    product = current_app.config.get("PRODUCT_NAME") or "Interviewer"
    why = f"You receive this e-mail from {product} because {KINDS[kind][0]}."
    if KINDS[kind][1]:
        why += f" Turn these off: {url_for('auth.notifications', _external=True)}"
    context = {"m": content, "to": to, "product": product, "why": why}
    return Rendered(to=to.email, to_name=to.name, subject=f"{content.subject} — {product}",
                    text=render_template("mail/layout.txt", **context),
                    html=render_template("mail/layout.html", **context), attachments=content.attachments)
