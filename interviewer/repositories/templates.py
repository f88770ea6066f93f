"""The `interview_templates` collection: reusable structured interviews (job, competencies, questions
linked to them, answering window), each edit a compare-and-set on `version`."""
from __future__ import annotations

from dataclasses import asdict
from typing import Any

from ..models import InterviewTemplate, Page, TemplateQuestion
from .base import fields_to_db, from_db, oid, page_args, to_db

_TIMES = ("created_at", "updated_at")
_ORDER = [("created_at", -1), ("_id", -1)]


class TemplateRepository:
    def __init__(self, db: Any):
        self.col = db.interview_templates

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
