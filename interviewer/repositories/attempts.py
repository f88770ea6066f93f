"""The `login_attempts` collection: recent failed sign-ins, one document per failure."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from .base import to_db


class LoginAttemptRepository:
    def __init__(self, db: Any):
        self.col = db.login_attempts

    def record_failure(self, key: str, now: datetime) -> None:
        self.col.insert_one({"key": key, "at": to_db(now)})

    def failures_since(self, key: str, since: datetime) -> int:
        """How many failures for `key` happened at or after `since`."""
        return self.col.count_documents({"key": key, "at": {"$gte": to_db(since)}})

    def clear(self, key: str, before: datetime | None = None) -> None:
        """Forget the failures of `key` (all, or those older than `before`)."""
        filt: dict[str, Any] = {"key": key}
        if before is not None:
            filt["at"] = {"$lt": to_db(before)}
        self.col.delete_many(filt)
