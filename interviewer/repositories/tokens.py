"""The `api_tokens` collection: bearer tokens, stored only as a SHA-256 hash.

`user_id` is stored as a string, like the other references between collections: tinymongo's
unique indexes refuse ObjectId values, and one convention is easier to query than two.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .base import from_db, oid, to_db


@dataclass
class ApiToken:
    id: str
    user_id: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None


class TokenRepository:
    def __init__(self, db: Any):
        self.col = db.api_tokens

    @staticmethod
    def _to_token(doc: dict | None) -> ApiToken | None:
        if doc is None:
            return None
        return ApiToken(
            id=str(doc["_id"]),
            user_id=str(doc["user_id"]),
            created_at=from_db(doc["created_at"]),
            expires_at=from_db(doc["expires_at"]),
            revoked_at=from_db(doc.get("revoked_at")),
        )

    def insert(self, token_hash: str, user_id: str, created_at: datetime, expires_at: datetime) -> ApiToken:
        """Store a new token; raises DuplicateKeyError if the hash exists (never, for random tokens)."""
        doc = {"token_hash": token_hash, "user_id": str(user_id), "created_at": to_db(created_at),
               "expires_at": to_db(expires_at), "revoked_at": None}
        return self._to_token({**doc, "_id": self.col.insert_one(doc).inserted_id})

    def delete_for_user(self, user_id: str) -> int:
        return self.col.delete_many({"user_id": str(user_id)}).deleted_count

    def count_for_user(self, user_id: str) -> int:
        return self.col.count_documents({"user_id": str(user_id)})

    def by_hash(self, token_hash: str) -> ApiToken | None:
        """The token with this hash (revoked or expired ones too), or None."""
        if not isinstance(token_hash, str):
            return None
        return self._to_token(self.col.find_one({"token_hash": token_hash}))

    def revoke(self, token_id: str, now: datetime) -> bool:
        """Mark one token revoked; False when it was already revoked or does not exist."""
        key = oid(token_id)
        if key is None:
            return False
        return self.col.update_one({"_id": key, "revoked_at": None},
                                   {"$set": {"revoked_at": to_db(now)}}).modified_count == 1

    def revoke_for_user(self, user_id: str, now: datetime) -> int:
        """Revoke every live token of a user; returns how many."""
        return self.col.update_many({"user_id": str(user_id), "revoked_at": None},
                                    {"$set": {"revoked_at": to_db(now)}}).modified_count

    def for_user(self, user_id: str) -> list[ApiToken]:
        return [self._to_token(d) for d in self.col.find({"user_id": str(user_id)}).sort([("created_at", 1)])]
