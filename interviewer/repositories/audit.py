"""The `audit` collection: one event per consequential action, appended, never changed.

Events form a hash chain: each holds the sequence number one above the previous event's (a unique
index, so two processes appending at once cannot both take a number: the loser reads the new last
event and tries again) and the previous event's hash, and its own hash covers its content and
that previous hash (``services.audit.event_hash``). There is no update or delete here: the
application cannot change the past, and ``flask audit verify`` finds any change made around it.

People appear only by their `audit_ref` (a random pseudonym kept on the user document), never by
id, e-mail or name: erasing a person deletes the user document, and the events keep the action
without naming anyone.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from pymongo.errors import DuplicateKeyError

from .base import from_db, page_args, to_db

GENESIS = "0" * 64
APPEND_TRIES = 50


def _out(doc: dict | None) -> dict | None:
    if doc is None:
        return None
    out = {k: v for k, v in doc.items() if k != "_id"}
    out["at"] = from_db(out.get("at"))
    return out


class AuditRepository:
    def __init__(self, db: Any):
        self.col = db.audit

    def last(self) -> dict | None:
        return _out(self.col.find_one({}, sort=[("seq", -1)]))

    def append(self, event: dict[str, Any], hasher) -> dict:
        """Append `event` (without seq and hashes) after the current last event; `hasher(event)`
        gives the hash of a complete event (seq and prev_hash set). Returns the stored event."""
        for _ in range(APPEND_TRIES):
            last = self.last()
            doc = {**event, "at": to_db(event["at"]), "seq": (last["seq"] + 1) if last else 1,
                   "prev_hash": last["hash"] if last else GENESIS}
            doc["hash"] = hasher({**doc, "at": event["at"]})
            try:
                self.col.insert_one(doc)
            except DuplicateKeyError:  # another process appended this number first
                continue
            return _out(doc)
        raise RuntimeError("could not append to the audit trail: too many concurrent appends")

    def in_order(self, batch: int = 500) -> Iterator[dict]:
        """Every event, oldest first (read `batch` at a time by sequence number)."""
        after = 0
        while True:
            docs = list(self.col.find({"seq": {"$gt": after}}).sort("seq", 1).limit(batch))
            for doc in docs:
                yield _out(doc)
            if len(docs) < batch:
                return
            after = docs[-1]["seq"]

    def for_interview(self, interview_id: str, limit: int = 500) -> list[dict]:
        """The events about one interview and its answers, oldest first (at most `limit`)."""
        docs = self.col.find({"interview_id": str(interview_id)}).sort("seq", 1).limit(limit)
        return [_out(d) for d in docs]

    def search(self, actor: str | None = None, action: str | None = None, object_id: str | None = None,
               start: datetime | None = None, end: datetime | None = None, page: Any = 1,
               per_page: Any = 50) -> tuple[list[dict], bool]:
        """Events newest first, filtered by actor pseudonym, action, object id and a time range
        [start, end); (rows, whether more follow)."""
        filt: dict[str, Any] = {}
        if actor:
            filt["actor"] = actor
        if action:
            filt["action"] = action
        if object_id:
            filt["object_id"] = object_id
        if start or end:
            filt["at"] = {**({"$gte": to_db(start)} if start else {}), **({"$lt": to_db(end)} if end else {})}
        skip, limit = page_args(page, per_page)
        docs = list(self.col.find(filt).sort("seq", -1).skip(skip).limit(limit + 1))
        return [_out(d) for d in docs[:limit]], len(docs) > limit
