"""E-mail as an outbox: queue a message with the change that causes it, deliver it later.

Services call ``queue`` *before* the write that causes the message (after validating it), so no
crash can leave a change whose message was never written; a message whose cause then never
happens (the process died between the two writes) is dropped by the sender when rendering finds
no cause after ``CAUSE_GRACE``. ``deliver_due`` is the sender's loop body: claim (compare-and-set),
render once (the rendering is stored, so a retry sends the same message under the same
Message-ID), hand to a transport, record the outcome. Rendering and transports are passed in: this
module knows no templates and no SMTP (``interviewer/mail``).

Retries: a temporary failure (SMTP 4xx, refused or dropped connection, timeout) is retried after
``backoff(attempts)`` — 1, 2, 4 … minutes, at most 6 hours apart — up to ``MAX_ATTEMPTS``; a
permanent one (5xx) fails at once. Both keep the server's reply for the admin's outbox page.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

from ..errors import NotFound, ValidationError
from ..repositories.outbox import DROPPED, FAILED, KEPT, QUEUED, SENT
from . import audit

MAX_ATTEMPTS = 8
LEASE = timedelta(minutes=5)       # a claim not finished by then is taken by another sender
CAUSE_GRACE = timedelta(minutes=10)  # how long a message may wait for the change that causes it
BATCH = 20

# What each kind of message is, and whether its recipient may turn it off (security mail,
# invitations and cancellations always go out).
KINDS: dict[str, tuple[str, bool]] = {
    "invitation": ("an interview was scheduled for you", False),
    "cancellation": ("an interview you were invited to was cancelled", False),
    "handed_in": ("a candidate you are responsible for handed in an interview", True),
    "results_shared": ("the results of your interview were shared with you", True),
    "password_reset": ("someone asked to reset the password of your account", False),
    "reminder": ("an interview you have not handed in is closing soon", True),
    "account_created": ("an administrator created an account for you", False),
    "verify_email": ("someone registered an account with your e-mail address", False),
    "registration_attempt": ("someone tried to register a new account with your e-mail address", False),
}


def optional_kinds(role: str) -> list[tuple[str, str]]:
    """The messages a user of `role` may turn off: [(kind, what it is)]."""
    mine = {"candidate": ("reminder", "results_shared"), "hr": ("handed_in",), "admin": ("handed_in",)}
    return [(kind, KINDS[kind][0]) for kind in mine.get(role, ())]


@dataclass
class Rendered:
    """A message ready to send: the recipient, subject, text and HTML bodies, attachments as
    (filename, MIME type, text) — all stored on the outbox document."""

    to: str
    to_name: str
    subject: str
    text: str
    html: str
    attachments: list[tuple[str, str, str]] = field(default_factory=list)


class NotYet(Exception):
    """Rendering found the message's cause not (yet) written: try again later."""


class Drop(Exception):
    """The message must not go out (its cause was undone, or never happened): say why."""


class DeliveryError(Exception):
    """A transport's failure: `temporary` ones are retried; `reply` is the server's answer."""

    def __init__(self, reply: str, temporary: bool):
        super().__init__(reply)
        self.reply = reply
        self.temporary = temporary


def queue(repos, kind: str, to_user_id: str, refs: dict[str, Any], now: datetime, key: str | None = None,
          domain: str = "interviewer.invalid") -> str | None:
    """Queue a message of `kind` for the user `to_user_id` about `refs` (ids: interview_id, …).

    `key` makes it once-only (a second queue of the same key is ignored: returns None); by
    default every call queues a new message. The Message-ID is fixed here, so every attempt sends
    the same one."""
    if kind not in KINDS:
        raise ValueError(f"unknown message kind {kind!r}")
    message_id = make_msgid(idstring=kind.replace("_", "-"), domain=domain)
    return repos.outbox.add({
        "kind": kind, "key": key or f"{kind}:{message_id}", "to_user_id": str(to_user_id), "refs": dict(refs),
        "message_id": message_id, "created_at": now, "next_attempt_at": now,
    })


def set_mail_off(repos, user, kinds: list[str]) -> list[str]:
    """Turn off the optional messages in `kinds` for `user` (and back on the others it may turn
    off); unknown or mandatory kinds are ignored. Returns what is now off."""
    allowed = {kind for kind, _ in optional_kinds(user.role)}
    off = sorted(set(kinds) & allowed)
    repos.users.set_fields(user.id, mail_off=off)
    if off != sorted(user.mail_off):
        audit.record(repos, user, "mail_choices.change", "user", user.audit_ref, datetime.now(UTC),
                     before={"off": sorted(user.mail_off)}, after={"off": off})
    return off


def backoff(attempts: int) -> timedelta:
    """Wait before attempt `attempts` + 1: 1, 2, 4, 8 … minutes, at most 6 hours."""
    return min(timedelta(minutes=2 ** max(0, attempts - 1)), timedelta(hours=6))


def build(message: dict, rendered: dict, sender: Address, now: datetime) -> EmailMessage:
    """The e-mail of an outbox `message` and its stored rendering: text and HTML alternatives,
    attachments, the stable Message-ID. Names and subjects lose CR and LF (no header injection)."""
    def line(value: str) -> str:
        return " ".join(str(value or "").split())

    email = EmailMessage()
    email["From"] = sender
    email["To"] = Address(display_name=line(rendered["to_name"]), addr_spec=rendered["to"])
    email["Subject"] = line(rendered["subject"])
    email["Date"] = format_datetime(now)
    email["Message-ID"] = message["message_id"]
    email["Auto-Submitted"] = "auto-generated"
    email.set_content(rendered["text"])
    email.add_alternative(rendered["html"], subtype="html")
    for filename, mime, data in rendered.get("attachments") or []:
        maintype, subtype = mime.split(";")[0].split("/")
        params = dict(p.strip().split("=", 1) for p in mime.split(";")[1:] if "=" in p)
        email.add_attachment(data.encode("utf-8"), maintype=maintype, subtype=subtype, filename=filename,
                             params=params)
    return email


Render = Callable[[dict], Rendered]
Transport = Callable[[EmailMessage, dict], bool]  # True: delivered; False: kept (not sent anywhere)


def deliver_one(repos, message: dict, clock: Callable[[], datetime], render: Render, transport: Transport,
                sender: Address) -> str:
    """Claim `message` and try it once; returns what became of it: "sent", "kept", "retry",
    "failed", "dropped", "waiting" (its cause is not written yet) or "taken" (another sender's)."""
    now = clock()
    claimed = repos.outbox.claim(message, now, now + LEASE)
    if claimed is None:
        return "taken"
    rendered = claimed.get("rendered")
    if rendered is None:
        try:
            r = render(claimed)
        except NotYet:
            if now - claimed["created_at"] < CAUSE_GRACE:
                again = repos.outbox.update(claimed, {"state": QUEUED, "attempts": claimed["attempts"] - 1,
                                                      "next_attempt_at": now + timedelta(seconds=30)})
                return "waiting" if again else "taken"
            repos.outbox.update(claimed, {"state": DROPPED, "finished_at": now,
                                          "last_error": "The change that causes this message was never written."})
            return "dropped"
        except Drop as exc:
            repos.outbox.update(claimed, {"state": DROPPED, "finished_at": now, "last_error": str(exc)})
            return "dropped"
        rendered = {"to": r.to, "to_name": r.to_name, "subject": r.subject, "text": r.text, "html": r.html,
                    "attachments": [list(a) for a in r.attachments]}
        claimed = repos.outbox.update(claimed, {"rendered": rendered})
        if claimed is None:
            return "taken"
    try:
        delivered = transport(build(claimed, rendered, sender, now), claimed)
    except DeliveryError as exc:
        done = clock()
        if exc.temporary and claimed["attempts"] < MAX_ATTEMPTS:
            repos.outbox.update(claimed, {"state": QUEUED, "last_error": exc.reply[:500],
                                          "next_attempt_at": done + backoff(claimed["attempts"])})
            return "retry"
        repos.outbox.update(claimed, {"state": FAILED, "last_error": exc.reply[:500], "finished_at": done})
        return "failed"
    state = SENT if delivered else KEPT
    repos.outbox.update(claimed, {"state": state, "last_error": "", "finished_at": clock(), "lease_until": None})
    return state


def deliver_due(repos, clock: Callable[[], datetime], render: Render, transport: Transport, sender: Address,
                limit: int = BATCH) -> Counter:
    """Deliver up to `limit` due messages, one claim each; a Counter of outcomes."""
    outcomes: Counter = Counter()
    for message in repos.outbox.due(clock(), limit):
        outcomes[deliver_one(repos, message, clock, render, transport, sender)] += 1
    return outcomes


def resend(repos, message_id: str, now: datetime, actor=None) -> dict:
    """Queue a failed or dropped message again (the admin's Resend): attempts start over and it is
    rendered anew. NotFound for an unknown id; ValidationError for one that is not failed or dropped."""
    message = repos.outbox.get(message_id)
    if message is None:
        raise NotFound("No such message.")
    if message["state"] not in (FAILED, DROPPED):
        raise ValidationError(f"Only a failed or dropped message can be sent again; this one is {message['state']}.")
    again = repos.outbox.update(message, {"state": QUEUED, "attempts": 0, "next_attempt_at": now, "rendered": None,
                                          "last_error": "", "finished_at": None})
    if again is None:
        raise ValidationError("The message changed meanwhile: reload the page.")
    audit.record(repos, actor, "outbox.resend", "message", message_id, now, before={"state": message["state"]},
                 after={"state": QUEUED})
    return again
