"""The AI notice and the human alternative (EU AI Act Art. 26(11) and Annex III §4: people
evaluated with a high-risk AI system are informed; NYC Local Law 144: notice and an alternative).

Before their first interview a candidate reads the current notice (versioned; admins publish new
versions) and chooses: AI may propose scores, or a human-only review. The choice, the version read
and the time are kept on the account and in the audit trail; a new version asks again. Answers of
a candidate who chose a human-only review are never sent to an AI provider (``evaluations``).
"""
from __future__ import annotations

from datetime import datetime

from ..errors import ValidationError
from ..models import User
from . import audit

DEFAULT_NOTICE = """How your answers are evaluated

People at this company read your answers and make every decision about your application.
To help them, an AI system may propose a score and feedback for each answer; a person then
decides the score, and may ignore the proposal. The AI sees the question, the reference answer
written by the company and your answer, not your name or your resume.

We keep your account, resume and answers while your application is considered, and then for as
long as the company's retention period says; you can download everything stored about you at any
time, and ask for it to be erased.

You may ask for a human-only review: then no AI system sees your answers, and people score them
without any AI proposal. Your choice does not change how your answers are judged."""
MAX_NOTICE_CHARS = 10_000


def current_notice(repos) -> dict:
    """{version, text} of the notice in force (version 0: the built-in text, before any is published)."""
    stored = repos.notices.current()
    return stored if stored else {"version": 0, "text": DEFAULT_NOTICE, "created_at": None, "created_by": None}


def needs_choice(repos, user: User) -> bool:
    """Whether candidate `user` has not yet chosen under the notice in force."""
    consent = user.ai_consent or {}
    return user.role == "candidate" and consent.get("version") != current_notice(repos)["version"]


def is_human_only(user: User | None) -> bool:
    return bool(user is not None and (user.ai_consent or {}).get("human_only"))


def record_choice(repos, user: User, version: int, human_only: bool, now: datetime) -> User:
    """Keep the candidate's choice under notice `version` (ValidationError when it is not the one
    in force: the page was out of date)."""
    if version != current_notice(repos)["version"]:
        raise ValidationError("The notice changed while you were reading it: please read the new one.",
                              {"version": "Out of date."})
    choice = {"version": version, "human_only": bool(human_only), "at": now}
    repos.users.set_fields(user.id, ai_consent=choice)
    audit.record(repos, user, "ai_notice.choice", "user", user.audit_ref, now,
                 before={"human_only": is_human_only(user)}, after={"version": version, "human_only": bool(human_only)})
    return repos.users.get(user.id)


def publish(repos, admin: User, text: str, now: datetime) -> int:
    """A new version of the notice (every candidate is asked again); returns its number."""
    text = (text or "").strip()
    if not text:
        raise ValidationError("Write the notice.", {"text": "Write the notice."})
    if len(text) > MAX_NOTICE_CHARS:
        raise ValidationError("The notice is too long.", {"text": f"At most {MAX_NOTICE_CHARS:,} characters."})
    version = repos.notices.publish(text, admin.id, now)
    audit.record(repos, admin, "ai_notice.publish", "ai_notice", str(version), now, after={"version": version})
    return version
