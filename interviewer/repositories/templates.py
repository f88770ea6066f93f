"""The `interview_templates` collection: reusable structured interviews (job, competencies, questions
linked to them, answering window), each edit a compare-and-set on `version`; and `schedule_claims`,
the short-lived claim a bulk schedule takes on (template, candidate, opening time) while it creates
that interview, so two different requests racing for the same one create it once."""
from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from pymongo.errors import DuplicateKeyError

from ..models import InterviewTemplate, Page, TemplateQuestion
from .base import fields_to_db, from_db, oid, page_args, to_db

_TIMES = ("created_at", "updated_at")
_ORDER = [("created_at", -1), ("_id", -1)]


class TemplateRepository:
    def __init__(self, db: Any):
        self.col = db.interview_templates
        self.claims = db.schedule_claims

    @staticmethod
    def _to_template(doc: dict | None) -> InterviewTemplate | None:
        if doc is None:
            return None
        return InterviewTemplate(
            id=str(doc["_id"]), owner_id=str(doc["owner_id"]), name=doc["name"], job_title=doc["job_title"],
            job_description=doc.get("job_description", ""), competency_ids=list(doc.get("competency_ids", [])),
            questions=[TemplateQuestion(**q) for q in doc.get("questions", [])],
            window_hours=int(doc["window_hours"]), version=int(doc.get("version", 1)),
            archived=bool(doc.get("archived", False)), require_evidence=bool(doc.get("require_evidence", False)),
            **{name: from_db(doc.get(name)) for name in _TIMES},
        )

    def insert(self, template: InterviewTemplate) -> InterviewTemplate:
        """Insert a new template (its `id` is ignored)."""
        doc = asdict(template)
        doc.pop("id")
        doc["owner_id"] = oid(doc["owner_id"])
        for name in _TIMES:
            doc[name] = to_db(doc[name])
        return self.get(self.col.insert_one(doc).inserted_id)

    def get(self, template_id: Any) -> InterviewTemplate | None:
        """The template, or None when missing or the id is malformed."""
        key = oid(template_id)
        return self._to_template(self.col.find_one({"_id": key})) if key else None

    def update(self, template_id: str, version: int, **fields: Any) -> bool:
        """Write `fields` (questions as TemplateQuestion or dicts) only if the stored version is still
        `version` (compare-and-set); the version goes up by one."""
        key = oid(template_id)
        if key is None:
            return False
        if "questions" in fields:
            fields["questions"] = [q if isinstance(q, dict) else asdict(q) for q in fields["questions"]]
        update = {**fields_to_db(fields), "version": version + 1}
        return self.col.update_one({"_id": key, "version": version}, {"$set": update}).modified_count == 1

    def page(self, owner_id: str | None, archived: bool = False, page: int = 1, per_page: int = 20) -> Page:
        """One page of templates, newest first: `owner_id`'s (None: everyone's), archived or not.
        Two indexed queries: the count and the page (owner_id, archived, created_at, _id)."""
        filt: dict[str, Any] = {"archived": bool(archived)}
        if owner_id is not None:
            filt["owner_id"] = oid(owner_id)
        skip, limit = page_args(page, per_page)
        total = self.col.count_documents(filt)
        docs = self.col.find(filt).sort(_ORDER).skip(skip).limit(limit)
        return Page([self._to_template(d) for d in docs], skip // limit + 1, limit, total)

    # --- claims: {_id: "<template>:<candidate>:<opening time>", interview_id, claimed_at}

    def claim(self, key: str, interview_id: str, now: datetime) -> dict:
        """Take the claim `key` for `interview_id`; returns the claim as stored: ours, or the holder's
        when another request holds it (the unique `_id` decides, across workers)."""
        doc = {"_id": key, "interview_id": interview_id, "claimed_at": to_db(now)}
        try:
            self.claims.insert_one(dict(doc))
            return doc
        except DuplicateKeyError:
            return self.claims.find_one({"_id": key}) or doc

    def take_over(self, key: str, holder: str, interview_id: str, now: datetime) -> bool:
        """Move a stale claim from `holder` to `interview_id`, if `holder` still has it (compare-and-set)."""
        update = {"$set": {"interview_id": interview_id, "claimed_at": to_db(now)}}
        return self.claims.update_one({"_id": key, "interview_id": holder}, update).modified_count == 1

    def release(self, key: str, interview_id: str) -> None:
        """Drop the claim if `interview_id` still holds it (done, or refused)."""
        self.claims.delete_one({"_id": key, "interview_id": interview_id})
