"""The `demographics` collection: a candidate's voluntary self-identification, one document per
candidate keyed by the candidate's id (``_id``), kept apart from the account so that nothing that
reads users, interviews or answers ever carries it. Read only by the candidate (their own), the
admin's aggregated impact report, the candidate's data export and erasure."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from pymongo.errors import DuplicateKeyError

from .base import from_db, oid, to_db


class DemographicsRepository:
    def __init__(self, db: Any):
        self.col = db.demographics

    def get(self, candidate_id: str) -> dict | None:
        """{answers: {dimension: category}, updated_at}, or None when the candidate gave none."""
        key = oid(candidate_id)
        doc = self.col.find_one({"_id": key}) if key else None
        return None if doc is None else {"answers": dict(doc.get("answers") or {}),
                                         "updated_at": from_db(doc.get("updated_at"))}

    def save(self, candidate_id: str, answers: dict[str, str], now: datetime) -> None:
        """Store (or replace) the candidate's answers; one document per candidate (the _id)."""
        key = oid(candidate_id)
        if key is None:
            raise ValueError("not a candidate id")
        fields = {"answers": dict(answers), "updated_at": to_db(now)}
        try:
            self.col.insert_one({"_id": key, **fields})
        except DuplicateKeyError:
            self.col.update_one({"_id": key}, {"$set": fields})

    def delete(self, candidate_id: str) -> int:
        """Withdrawal and erasure: 1 when there was a document, else 0."""
        key = oid(candidate_id)
        return self.col.delete_one({"_id": key}).deleted_count if key else 0

    def all_answers(self) -> Iterator[tuple[str, dict[str, str]]]:
        """(candidate id, answers) of every candidate who answered: the impact report's one read."""
        for doc in self.col.find({}, {"answers": 1}):
            yield str(doc["_id"]), dict(doc.get("answers") or {})
