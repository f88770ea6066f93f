"""The audit trail: who did what to which object, when, from what to what, and why.

``record`` appends one event after the change it describes has been written (a crash in between
loses the event, never invents one). An event is::

    {at, actor, actor_role, action, object_type, object_id, interview_id, before, after, reason,
     seq, prev_hash, hash}

`actor` and a person as `object_id` are audit pseudonyms (``users.audit_ref``), so erasing a
person leaves every event valid and names no one. ``event_hash`` is SHA-256 over the previous
event's hash and the event's canonical JSON (sorted keys, ISO times); ``verify`` walks the chain
and reports the first event that was edited, removed or moved.
"""
from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..models import User
from ..repositories.audit import GENESIS

HASHED = ("seq", "prev_hash", "at", "actor", "actor_role", "action", "object_type", "object_id", "interview_id",
          "before", "after", "reason")


def new_ref() -> str:
    """A fresh audit pseudonym for a person (random; nothing derived from who they are)."""
    return secrets.token_hex(8)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def event_hash(event: dict[str, Any]) -> str:
    """SHA-256 (hex) of the previous hash and the event's content as canonical JSON."""
    at = event.get("at")
    content = {k: _plain(event.get(k)) for k in HASHED if k != "at"}
    content["at"] = at.replace(tzinfo=None).isoformat(timespec="milliseconds") if isinstance(at, datetime) else at
    text = json.dumps(content, sort_keys=True, ensure_ascii=True, separators=(",", ":"))
    return hashlib.sha256((event.get("prev_hash", "") + text).encode("ascii")).hexdigest()


def fingerprint(text: str | None) -> str:
    """Free text (HR's feedback) as it goes into an event: its length and a short digest, never the
    words, which may name the candidate. Shows that, and when, feedback changed."""
    text = text or ""
    return f"{len(text)} chars, sha256 {hashlib.sha256(text.encode('utf-8')).hexdigest()[:12]}" if text else ""


def ref_of(user: User | None) -> str | None:
    return (user.audit_ref or None) if user is not None else None


def record(repos, actor: User | None, action: str, object_type: str, object_id: str | None, now: datetime,
           before: Any = None, after: Any = None, reason: str = "", interview_id: str | None = None) -> dict:
    """Append one event; `actor` None is the system (a deadline, a job). A person as the object is
    given by their audit pseudonym (``ref_of``), never by id or e-mail. Returns the event."""
    event = {"at": now.replace(microsecond=now.microsecond // 1000 * 1000), "actor": ref_of(actor),
             "actor_role": actor.role if actor is not None else "system", "action": action,
             "object_type": object_type, "object_id": str(object_id) if object_id is not None else None,
             "interview_id": str(interview_id) if interview_id else None, "before": _plain(before),
             "after": _plain(after), "reason": (reason or "")[:500]}
    return repos.audit.append(event, event_hash)


@dataclass
class Verdict:
    ok: bool
    events: int
    problem: str = ""


def verify(repos) -> Verdict:
    """Walk the whole chain: numbers 1, 2, 3 … with no gap, each event's `prev_hash` the hash of
    the one before, and each hash matching its content. The first problem found is reported."""
    previous, expected = GENESIS, 1
    count = 0
    for event in repos.audit.in_order():
        count += 1
        if event["seq"] != expected:
            return Verdict(False, count, f"event {expected} is missing (the next one is {event['seq']})")
        if event["prev_hash"] != previous:
            return Verdict(False, count, f"event {event['seq']} does not follow the one before it (moved or "
                                         "the one before was changed)")
        if event_hash(event) != event["hash"]:
            return Verdict(False, count, f"event {event['seq']} was changed after it was written")
        previous, expected = event["hash"], expected + 1
    return Verdict(True, count)


def _score(value: Any) -> str:
    return "none" if value is None else f"{value:g}" if isinstance(value, int | float) else str(value)


def _when(value: Any) -> str:
    return str(value)[:16].replace("T", " ") + " UTC" if value else "—"


def describe(event: dict, people: dict[str, User]) -> str:
    """One sentence for an event: "Hana (hr) changed the score of answer 3 from 8 to 9".
    `people` maps audit pseudonyms to users (``users.by_audit_refs``); an erased or unknown person
    reads as "someone", the system as "The system"."""
    actor = people.get(event.get("actor") or "")
    who = f"{actor.name} ({actor.role})" if actor else ("The system" if event.get("actor_role") == "system"
                                                        else "Someone")
    before, after = event.get("before") or {}, event.get("after") or {}
    action = event.get("action")
    if action == "answer.score":
        question = after.get("question", "?")
        if before.get("score") is None:
            return f"{who} scored answer {question}: {_score(after.get('score'))}"
        if before.get("score") == after.get("score"):
            return f"{who} changed the feedback on answer {question}"
        return f"{who} changed the score of answer {question} from {_score(before.get('score'))} to " \
               f"{_score(after.get('score'))}"
    if action == "interview.result":
        if before.get("overall_score") is None:
            return f"{who} recorded the overall result: {_score(after.get('overall_score'))}"
        return f"{who} changed the overall result from {_score(before.get('overall_score'))} to " \
               f"{_score(after.get('overall_score'))}"
    texts = {
        "interview.schedule": f"{who} scheduled it: opens {_when(after.get('starts_at'))}, deadline "
                              f"{_when(after.get('deadline'))}, {after.get('questions')} questions",
        "interview.reschedule": f"{who} moved it from {_when(before.get('starts_at'))} – {_when(before.get('deadline'))} "
                                f"to {_when(after.get('starts_at'))} – {_when(after.get('deadline'))}",
        "interview.cancel": f"{who} cancelled it",
        "panel.add": f"{who} added a rater to the panel",
        "panel.remove": f"{who} took a rater off the panel",
        "rating.submit": f"{who} submitted their panel rating",
        "interview.outcome": f"{who} recorded the outcome: {after.get('outcome')}",
        "interview.share": f"{who} shared the result with the candidate",
        "interview.unshare": f"{who} stopped sharing the result",
        "ai.requested": f"{who} asked for AI evaluation" + (f" of {after['answers']} answers" if after.get("answers")
                                                             else " of one answer"),
        "competency.create": f"{who} created the competency “{after.get('name')}”",
        "competency.copy": f"{who} copied a competency as “{after.get('name')}”",
        "competency.update": f"{who} edited a competency ({', '.join(after.get('changed') or []) or 'no change'})",
        "template.create": f"{who} created the interview template “{after.get('name')}”",
        "template.copy": f"{who} copied an interview template as “{after.get('name')}”",
        "template.update": f"{who} edited an interview template ({', '.join(after.get('changed') or []) or 'no change'})",
        "template.archive": f"{who} archived an interview template",
        "template.unarchive": f"{who} restored an interview template",
        "ai.evaluated": f"The AI ({after.get('provider')}, {after.get('model')}) proposed {_score(after.get('score'))} "
                        "for one answer",
    }
    return texts.get(action, f"{who}: {action}")
