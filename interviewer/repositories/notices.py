"""The `ai_notices` collection: every version of the notice candidates read before their first
interview (what AI does here, who decides, which data, how long), newest version current."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo.errors import DuplicateKeyError

from .base import from_db, to_db


class NoticeRepository:
    def __init__(self, db: Any):
        self.col = db.ai_notices

    def current(self) -> dict | None:
        """The newest version {version, text, created_at, created_by}, or None before any is published."""
        doc = self.col.find_one({}, sort=[("version", -1)])
        return None if doc is None else {"version": doc["version"], "text": doc["text"],
                                         "created_at": from_db(doc.get("created_at")),
                                         "created_by": doc.get("created_by")}

    def publish(self, text: str, created_by: str | None, now: datetime) -> int:
        """Add a version one above the newest (unique: a racing publish takes the next); returns it."""
        for _ in range(20):
            current = self.current()
            version = (current["version"] if current else 0) + 1
            try:
                self.col.insert_one({"version": version, "text": text, "created_at": to_db(now),
                                     "created_by": created_by})
                return version
            except DuplicateKeyError:
                continue
        raise RuntimeError("could not publish the notice: too many concurrent publications")
