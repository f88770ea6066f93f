"""The `users` collection."""
from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from ..models import Page, User
from .base import contains_pattern, from_db, oid, page_args, to_db

EMAIL_ADDRESS = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")  # the shape services.users accepts


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


class UserRepository:
    def __init__(self, db: Any):
        self.col = db.users

    @staticmethod
    def _to_user(doc: dict | None) -> User | None:
        if doc is None:
            return None
        return User(
            id=str(doc["_id"]),
            email=doc["email"],
            name=doc.get("name", ""),
            role=doc["role"],
            password_hash=doc.get("password_hash", ""),
            active=doc.get("active", True),
            status=doc.get("status", "active"),
            hr_id=str(doc["hr_id"]) if doc.get("hr_id") else None,
            resume_text=doc.get("resume_text", ""),
            resume_filename=doc.get("resume_filename", ""),
            created_at=from_db(doc.get("created_at")),
            mail_off=list(doc.get("mail_off") or []),
            email_verified=doc.get("email_verified", True),
            audit_ref=doc.get("audit_ref", ""),
            timezone=doc.get("timezone", ""),
            ai_consent=({**doc["ai_consent"], "at": from_db(doc["ai_consent"].get("at"))}
                        if doc.get("ai_consent") else None),
        )

    def insert(self, user: User) -> User:
        """Insert a new user; raises DuplicateKeyError when the e-mail is taken."""
        doc = {
            "email": user.email.strip(),
            "email_norm": normalise_email(user.email),
            "name": user.name,
            "role": user.role,
            "password_hash": user.password_hash,
            "active": user.active,
            "status": user.status,
            "hr_id": oid(user.hr_id),
            "resume_text": user.resume_text,
            "resume_filename": user.resume_filename,
            "created_at": to_db(user.created_at),
            "email_verified": user.email_verified,
            "audit_ref": user.audit_ref,
        }
        result = self.col.insert_one(doc)
        return self.get(result.inserted_id)

    def get(self, user_id: Any) -> User | None:
        """The user with this id, or None (also for a malformed id)."""
        key = oid(user_id)
        return self._to_user(self.col.find_one({"_id": key})) if key else None

    def by_ids(self, ids: Iterable[str]) -> dict[str, User | None]:
        """Each of these ids with its user (None when there is none), in one query."""
        wanted = set(ids)
        keys = [k for k in (oid(i) for i in wanted) if k]
        found = {str(d["_id"]): self._to_user(d) for d in self.col.find({"_id": {"$in": keys}})} if keys else {}
        return {i: found.get(i) for i in wanted}

    def by_audit_refs(self, refs: Iterable[str]) -> dict[str, User]:
        """The users named by these audit pseudonyms (one query; erased people are simply absent)."""
        wanted = sorted({r for r in refs if r})
        return {u.audit_ref: u for u in (self._to_user(d) for d in self.col.find({"audit_ref": {"$in": wanted}}))} \
            if wanted else {}

    def delete(self, user_id: str) -> int:
        """Erasure only: remove the account document for good."""
        key = oid(user_id)
        return self.col.delete_one({"_id": key}).deleted_count if key else 0

    def by_email(self, email: str) -> User | None:
        return self._to_user(self.col.find_one({"email_norm": normalise_email(email)}))

    def set_fields(self, user_id: str, **fields: Any) -> bool:
        key = oid(user_id)
        if key is None:
            return False
        if "hr_id" in fields:
            fields["hr_id"] = oid(fields["hr_id"])
        if isinstance(fields.get("ai_consent"), dict):
            fields["ai_consent"] = {**fields["ai_consent"], "at": to_db(fields["ai_consent"].get("at"))}
        return self.col.update_one({"_id": key}, {"$set": fields}).matched_count == 1

    def set_assignment(self, candidate_id: str, hr_id: str | None, status: str) -> bool:
        """Assign (or unassign, hr_id None) a candidate; only candidates are touched."""
        key = oid(candidate_id)
        if key is None:
            return False
        result = self.col.update_one(
            {"_id": key, "role": "candidate"},
            {"$set": {"hr_id": oid(hr_id) if hr_id else None, "status": status}},
        )
        return result.matched_count == 1

    def search(
        self,
        query: str = "",
        role: str | None = None,
        status: str | None = None,
        active: bool | None = None,
        hr_id: str | None = None,
        page: int = 1,
        per_page: int = 20,
    ) -> Page:
        """Users matching all the given filters, newest first.

        A `query` that is a whole e-mail address finds that account through the unique e-mail index
        (what an admin pastes to find one person). Other free text (case-insensitive substring of
        the name or e-mail) is not counted: no index serves a substring, so counting would read
        every user. The page reads one row past its end instead and returns total None with `more`
        set when there is a next page.
        """
        filt: dict[str, Any] = {}
        exact = bool(query) and EMAIL_ADDRESS.fullmatch(query.strip()) is not None
        if exact:
            filt["email_norm"] = normalise_email(query)
        elif query:
            filt["$or"] = [{"name": contains_pattern(query)}, {"email_norm": contains_pattern(query)}]
        if role:
            filt["role"] = role
        if status:
            filt["status"] = status
        if active is not None:
            filt["active"] = active
        if hr_id:
            filt["hr_id"] = oid(hr_id)
        skip, limit = page_args(page, per_page)
        newest = self.col.find(filt).sort([("created_at", -1), ("_id", -1)]).skip(skip)
        if query and not exact:
            users = [self._to_user(d) for d in newest.limit(limit + 1)]
            return Page(users[:limit], skip // limit + 1, limit, None, more=len(users) > limit)
        total = self.col.count_documents(filt)
        return Page([self._to_user(d) for d in newest.limit(limit)], skip // limit + 1, limit, total)

    def list(self, **filters: Any) -> list[User]:
        filt = {k: (oid(v) if k == "hr_id" else v) for k, v in filters.items()}
        return [self._to_user(d) for d in self.col.find(filt).sort([("name", 1)])]

    def ids_assigned_to(self, hr_id: str) -> list[str]:
        return [str(d["_id"]) for d in self.col.find({"hr_id": oid(hr_id), "role": "candidate"}, {"_id": 1})]

    def count(self, **filters: Any) -> int:
        return self.col.count_documents(filters)
