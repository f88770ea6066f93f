"""The `outbox` collection: every e-mail the app means to send, written before the change that
causes it is, and delivered by a sender that claims one message at a time.

A message is first an *intent* — its kind, recipient and the ids it is about — so services can
queue it without templates; the sender renders it on its first claim and stores the rendering, so
every retry sends the same bytes under the same Message-ID. States::

    queued ──claim──► sending ──► sent | kept (no MAIL_URL: printed, not sent)
       ▲                 │  └───► failed (permanent refusal, or out of attempts)   ─resend─► queued
       └──── retry ──────┘        dropped (its cause never happened or was undone, e.g. the
                                  interview was never written or is no longer cancelled)

Every write after the insert is a compare-and-set on ``rev``, so two senders (two processes, or a
thread and ``flask mail send``) never both deliver one claim; a sender that dies holding a claim
loses it when ``lease_until`` passes and the message is claimed again (same Message-ID).
``key`` is unique: a message with a natural key (one invitation per interview and sequence, one
reminder per interview and offset) is queued once however many requests or processes try.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo.errors import DuplicateKeyError

from .base import from_db, oid, page_args, to_db

QUEUED, SENDING, SENT, KEPT, FAILED, DROPPED = "queued", "sending", "sent", "kept", "failed", "dropped"
STATES = (QUEUED, SENDING, SENT, KEPT, FAILED, DROPPED)


def _out(doc: dict | None) -> dict | None:
    if doc is None:
        return None
    out = dict(doc)
    out["id"] = str(out.pop("_id"))
    for field in ("created_at", "next_attempt_at", "lease_until", "finished_at"):
        out[field] = from_db(out.get(field))
    return out


class OutboxRepository:
    def __init__(self, db: Any):
        self.col = db.outbox

    def add(self, message: dict[str, Any]) -> str | None:
        """Queue `message` (kind, key, to_user_id, refs, message_id, created_at, …); returns its id,
        or None when a message with the same `key` is already queued or was sent."""
        doc = {**message, "state": QUEUED, "rev": 0, "attempts": 0, "rendered": None, "last_error": "",
               "lease_until": None, "finished_at": None}
        for field in ("created_at", "next_attempt_at"):
            doc[field] = to_db(doc.get(field) or message["created_at"])
        try:
            return str(self.col.insert_one(doc).inserted_id)
        except DuplicateKeyError:
            return None

    def get(self, message_id: str) -> dict | None:
        key = oid(message_id)
        return _out(self.col.find_one({"_id": key})) if key is not None else None

    def by_key(self, key: str) -> dict | None:
        return _out(self.col.find_one({"key": key}))

    def due(self, now: datetime, limit: int) -> list[dict]:
        """Up to `limit` messages a sender may claim now, oldest due first: queued ones whose
        next attempt is due, then ones whose sender's lease ran out."""
        now = to_db(now)
        queued = list(self.col.find({"state": QUEUED, "next_attempt_at": {"$lte": now}})
                      .sort("next_attempt_at", 1).limit(limit))
        if len(queued) < limit:
            queued += list(self.col.find({"state": SENDING, "lease_until": {"$lte": now}})
                           .sort("lease_until", 1).limit(limit - len(queued)))
        return [_out(d) for d in queued]

    def claim(self, message: dict, now: datetime, lease_until: datetime) -> dict | None:
        """Take `message` (as read by ``due``) for one delivery attempt; None when another sender
        changed it first. The claimed message comes back with its new rev and attempt count."""
        fields = {"state": SENDING, "lease_until": to_db(lease_until), "rev": message["rev"] + 1,
                  "attempts": message["attempts"] + 1}
        if self.col.update_one({"_id": oid(message["id"]), "rev": message["rev"]}, {"$set": fields}).modified_count != 1:
            return None
        return {**message, **fields, "lease_until": lease_until}

    def update(self, message: dict, fields: dict[str, Any]) -> dict | None:
        """Set `fields` on `message` if nobody changed it since it was read (rev bumped); the new
        message, or None when it had changed."""
        stored = {k: to_db(v) if isinstance(v, datetime) else v for k, v in fields.items()}
        stored["rev"] = message["rev"] + 1
        if self.col.update_one({"_id": oid(message["id"]), "rev": message["rev"]}, {"$set": stored}).modified_count != 1:
            return None
        return {**message, **fields, "rev": stored["rev"]}

    def page(self, state: str | None, page: Any = 1, per_page: Any = 50) -> tuple[list[dict], bool]:
        """One page of messages, newest first, optionally of one state; (rows, whether more follow)."""
        skip, limit = page_args(page, per_page)
        filt = {"state": state} if state in STATES else {}
        rows = list(self.col.find(filt).sort("created_at", -1).skip(skip).limit(limit + 1))
        return [_out(d) for d in rows[:limit]], len(rows) > limit

    def delete_about(self, user_id: str, interview_ids: list[str]) -> int:
        """Erasure and retention: every message to `user_id` and every message about these interviews."""
        gone = self.col.delete_many({"to_user_id": str(user_id)}).deleted_count if user_id else 0
        for interview_id in interview_ids:
            gone += self.col.delete_many({"refs.interview_id": str(interview_id)}).deleted_count
        return gone

    def count_about(self, user_id: str, interview_ids: list[str]) -> int:
        n = self.col.count_documents({"to_user_id": str(user_id)}) if user_id else 0
        return n + sum(self.col.count_documents({"refs.interview_id": str(i), "to_user_id": {"$ne": str(user_id)}})
                       for i in interview_ids)

    def counts(self) -> dict[str, int]:
        """How many messages are in each state (one indexed count per state)."""
        return {state: self.col.count_documents({"state": state}) for state in STATES}
