"""The `competencies` collection: competencies with their BARS anchors, unique by case-folded name."""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import asdict
from typing import Any

from ..models import Competency, Page
from .base import fields_to_db, from_db, oid, page_args, to_db

_TIMES = ("created_at", "updated_at")


def name_key(name: str) -> str:
    """The form of a name that uniqueness is decided on: compatibility-normalised (NFKC: full-width
    "Ｂ" is "B", "ﬁ" is "fi"), case-folded, inner spaces collapsed — names that read alike are one."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())
    return " ".join(folded.split())


class CompetencyRepository:
    def __init__(self, db: Any):
        self.col = db.competencies

    @staticmethod
    def _to_competency(doc: dict | None) -> Competency | None:
        if doc is None:
            return None
        return Competency(
            id=str(doc["_id"]), name=doc["name"], description=doc.get("description", ""),
            anchors=list(doc.get("anchors", [])), version=int(doc.get("version", 1)),
            builtin=bool(doc.get("builtin", False)),
            created_by=str(doc["created_by"]) if doc.get("created_by") else None,
            **{name: from_db(doc.get(name)) for name in _TIMES},
        )

    def insert(self, competency: Competency) -> Competency:
        """Insert; raises DuplicateKeyError when the name (any case) is taken."""
        doc = asdict(competency)
        doc.pop("id")
        doc["name_key"] = name_key(competency.name)
        doc["created_by"] = oid(doc["created_by"])
        for name in _TIMES:
            doc[name] = to_db(doc[name])
        return self.get(self.col.insert_one(doc).inserted_id)

    def get(self, competency_id: Any) -> Competency | None:
        """The competency, or None when missing or the id is malformed."""
        key = oid(competency_id)
        return self._to_competency(self.col.find_one({"_id": key})) if key else None

    def by_name(self, name: str) -> Competency | None:
        """The competency of this name in any case (the unique `name_key` index)."""
        return self._to_competency(self.col.find_one({"name_key": name_key(name)}))

    def by_ids(self, ids: Iterable[str]) -> dict[str, Competency]:
        """The competencies with these ids (a short, bounded list), keyed by id; unknown ids are left out."""
        keys = [k for k in (oid(i) for i in set(ids)) if k]
        return {str(d["_id"]): self._to_competency(d) for d in self.col.find({"_id": {"$in": keys}})} if keys else {}

    def update(self, competency_id: str, version: int, **fields: Any) -> bool:
        """Write `fields` only if the stored version is still `version` (compare-and-set); the version
        goes up by one. Raises DuplicateKeyError when a new name is taken."""
        key = oid(competency_id)
        if key is None:
            return False
        update = fields_to_db(fields)
        if "name" in fields:
            update["name_key"] = name_key(fields["name"])
        update["version"] = version + 1
        return self.col.update_one({"_id": key, "version": version}, {"$set": update}).modified_count == 1

    def search(self, text: str, limit: int) -> list[Competency]:
        """Up to `limit` competencies, by name, whose name contains `text` (compared as `name_key`
        compares names). Walks the name index: a deployment has hundreds of competencies, not millions."""
        pattern = re.escape(name_key(text))
        docs = self.col.find({"name_key": {"$regex": pattern}}).sort([("name_key", 1)]).limit(limit)
        return [self._to_competency(d) for d in docs]

    def page(self, page: int = 1, per_page: int = 20) -> Page:
        """One page of every competency by name (the unique name index: reads what it returns, plus a count)."""
        skip, limit = page_args(page, per_page)
        total = self.col.count_documents({})
        docs = self.col.find({}).sort([("name_key", 1)]).skip(skip).limit(limit)
        return Page([self._to_competency(d) for d in docs], skip // limit + 1, limit, total)
