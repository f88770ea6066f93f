"""The `rate_limits` collection: fixed-window counters shared by every worker process.

One document per key: ``{_id: key, count, expires_at}``. A window starts with the first hit and
ends at ``expires_at``; every change is a single-document atomic update, so N processes hitting
one key at once count N.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from .base import from_db, to_db


class RateLimitRepository:
    def __init__(self, db: Any):
        self.col = db.rate_limits

    def hit(self, key: str, now: datetime, window: timedelta, amount: int = 1) -> tuple[int, datetime]:
        """Add `amount` to the live window of `key` (starting one of `window` if none is live);
        returns (count in the window, its end). Atomic: concurrent hits are all counted.

        A negative `amount` gives back what an attempt took (one refused after all): only from the
        live window, never below zero, and it never starts a window; returns (count, end) after it,
        or ``get``'s answer when there was nothing to give back."""
        live = {"_id": key, "expires_at": {"$gt": to_db(now)}}
        if amount < 0:
            doc = self.col.find_one_and_update({**live, "count": {"$gte": -amount}}, {"$inc": {"count": amount}},
                                               return_document=ReturnDocument.AFTER)
            return (int(doc["count"]), from_db(doc["expires_at"])) if doc is not None else self.get(key, now)
        while True:
            doc = self.col.find_one_and_update(live, {"$inc": {"count": amount}},
                                               return_document=ReturnDocument.AFTER)
            if doc is not None:
                return int(doc["count"]), from_db(doc["expires_at"])
            fresh = {"count": amount, "expires_at": to_db(now + window)}
            if self.col.update_one({"_id": key, "expires_at": {"$lte": to_db(now)}},
                                   {"$set": fresh}).modified_count:
                return amount, now + window
            try:
                self.col.insert_one({"_id": key, **fresh})
                self.purge(now)  # a new key: sweep the ended ones so the collection stays small
                return amount, now + window
            except DuplicateKeyError:
                continue  # another process started the window meanwhile: count in it

    def get(self, key: str, now: datetime) -> tuple[int, datetime | None]:
        """(count, end) of the live window of `key`, or (0, None)."""
        doc = self.col.find_one({"_id": key, "expires_at": {"$gt": to_db(now)}})
        return (int(doc["count"]), from_db(doc["expires_at"])) if doc else (0, None)

    def clear(self, key: str) -> None:
        self.col.delete_one({"_id": key})

    def delete_for_account(self, email_norm: str, sign_in_only: bool = False) -> int:
        """Erasure: every counter keyed by this (normalised) e-mail address — its sign-in counters (the
        account's failures and wait, each (account, address) pair, each device cookie) and the reset
        e-mails asked for it. With `sign_in_only` (a completed password reset), the sign-in counters
        alone. Returns how many."""
        kinds = "signin:(account|next|pair|device)" if sign_in_only else "(signin:(account|next|pair|device)|reset:account)"
        return self.col.delete_many({"_id": {"$regex": f"^{kinds}:{re.escape(email_norm)}(:|$)"}}).deleted_count

    def purge(self, now: datetime) -> int:
        """Delete every ended window; returns how many."""
        return self.col.delete_many({"expires_at": {"$lte": to_db(now)}}).deleted_count

    def reset(self) -> int:
        return self.col.delete_many({}).deleted_count
