"""The `question_bank` collection."""
from __future__ import annotations

from dataclasses import asdict
from typing import Any

from ..models import BankQuestion
from .base import fields_to_db, from_db, oid, to_db

_FIELDS = ("key", "text", "category", "difficulty", "tags", "reference_answer", "key_points", "enabled", "builtin")


class QuestionRepository:
    def __init__(self, db: Any):
        self.col = db.question_bank

    @staticmethod
    def _to_question(doc: dict | None) -> BankQuestion | None:
        if doc is None:
            return None
        return BankQuestion(
            id=str(doc["_id"]),
            key=doc["key"],
            text=doc["text"],
            category=doc.get("category", "technical"),
            difficulty=int(doc.get("difficulty", 3)),
            tags=list(doc.get("tags", [])),
            reference_answer=doc.get("reference_answer", ""),
            key_points=list(doc.get("key_points", [])),
            enabled=doc.get("enabled", True),
            builtin=doc.get("builtin", False),
            updated_at=from_db(doc.get("updated_at")),
        )

    def insert(self, question: BankQuestion) -> BankQuestion:
        """Insert; raises DuplicateKeyError when the key is taken."""
        doc = {k: v for k, v in asdict(question).items() if k in _FIELDS}
        doc["updated_at"] = to_db(question.updated_at)
        return self.get(self.col.insert_one(doc).inserted_id)

    def get(self, question_id: Any) -> BankQuestion | None:
        key = oid(question_id)
        return self._to_question(self.col.find_one({"_id": key})) if key else None

    def by_key(self, key: str) -> BankQuestion | None:
        return self._to_question(self.col.find_one({"key": key}))

    def update(self, question_id: str, **fields: Any) -> bool:
        key = oid(question_id)
        return bool(key) and self.col.update_one({"_id": key}, {"$set": fields_to_db(fields)}).matched_count == 1

    def list(self, enabled: bool | None = True, category: str | None = None) -> list[BankQuestion]:
        """Bank questions in a stable order (category, difficulty, key)."""
        filt: dict[str, Any] = {}
        if enabled is not None:
            filt["enabled"] = enabled
        if category:
            filt["category"] = category
        docs = self.col.find(filt).sort([("category", 1), ("difficulty", 1), ("key", 1)])
        return [self._to_question(d) for d in docs]

    def by_ids(self, ids: list[str]) -> list[BankQuestion]:
        """The enabled questions with these ids, in the order given; unknown ids are skipped."""
        keys = [k for k in (oid(i) for i in ids) if k]
        found = {str(d["_id"]): d for d in self.col.find({"_id": {"$in": keys}, "enabled": True})}
        return [self._to_question(found[i]) for i in ids if i in found]
