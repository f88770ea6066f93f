"""The `sessions` collection: every browser sign-in, so that signing out really ends it.

The session cookie is signed but cannot be taken back; it carries the id of a document here, and
a request is signed in only while that document is live (not ended). `user_id` is a string, like
the other references between collections.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from .base import oid, to_db


class SessionRepository:
    def __init__(self, db: Any):
        self.col = db.sessions

    def start(self, user_id: str, now: datetime, user_agent: str = "") -> str:
        """A new live session of `user_id`; returns its id (for the cookie)."""
        doc = {"user_id": str(user_id), "created_at": to_db(now), "ended_at": None, "user_agent": user_agent[:200]}
        return str(self.col.insert_one(doc).inserted_id)

    def is_live(self, session_id: Any, user_id: str) -> bool:
        """Whether this session exists, belongs to `user_id` and was not ended (one lookup by id)."""
        key = oid(session_id)
        if key is None:
            return False
        doc = self.col.find_one({"_id": key})
        return doc is not None and doc.get("user_id") == str(user_id) and doc.get("ended_at") is None

    def end(self, session_id: Any, now: datetime) -> bool:
        """End one session; False when it was already ended or does not exist."""
        key = oid(session_id)
        if key is None:
            return False
        return self.col.update_one({"_id": key, "ended_at": None},
                                   {"$set": {"ended_at": to_db(now)}}).modified_count == 1

    def end_all(self, user_id: str, now: datetime) -> int:
        """End every live session of `user_id`; returns how many were live."""
        return self.col.update_many({"user_id": str(user_id), "ended_at": None},
                                    {"$set": {"ended_at": to_db(now)}}).modified_count

    def delete_for_user(self, user_id: str) -> int:
        return self.col.delete_many({"user_id": str(user_id)}).deleted_count

    def count_for_user(self, user_id: str) -> int:
        return self.col.count_documents({"user_id": str(user_id)})

    def count_live(self, user_id: str) -> int:
        return self.col.count_documents({"user_id": str(user_id), "ended_at": None})
