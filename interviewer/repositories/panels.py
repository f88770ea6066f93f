"""Panels: the raters of an interview (`interviews.panel`) and their ratings (the `ratings` collection).

One rating document per interview + rater (unique index), so a draft autosave and the submission are
each one conditional update of one document found through that index::

    {interview_id, rater_id, status: draft | submitted, version, items: [{question_id, competency_id,
     rating: 1..5 | None, evidence}], added_at, added_by, updated_at, submitted_at}

`interview_id` and `rater_id` are stored as the ids' strings (the convention of `responses`).

Why a collection as well as the array: the embedded store cannot index array elements, so "the
interviews I rate" is read from `ratings` by `(rater_id, added_at, _id)` — an ordered index range,
a page at a time — while `interviews.panel` stays the truth that access checks read from the
interview document they already hold. The panel array changes by compare-and-set on `panel_rev`.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pymongo.errors import DuplicateKeyError

from ..models import Page
from .base import from_db, oid, page_args, to_db

DRAFT, SUBMITTED = "draft", "submitted"


@dataclass
class Rating:
    """One rater's ratings of one interview; `items` are dicts {question_id, competency_id, rating, evidence}."""

    id: str
    interview_id: str
    rater_id: str
    status: str = DRAFT
    version: int = 1
    items: list[dict] = field(default_factory=list)
    added_at: datetime | None = None
    updated_at: datetime | None = None
    submitted_at: datetime | None = None

    @property
    def submitted(self) -> bool:
        return self.status == SUBMITTED

    def item(self, question_id: str, competency_id: str) -> dict | None:
        return next((i for i in self.items if i["question_id"] == question_id
                     and i["competency_id"] == competency_id), None)


def _to_rating(doc: dict | None) -> Rating | None:
    if doc is None:
        return None
    return Rating(id=str(doc["_id"]), interview_id=doc["interview_id"], rater_id=doc["rater_id"],
                  status=doc.get("status", DRAFT), version=int(doc.get("version", 1)),
                  items=[dict(i) for i in doc.get("items", [])], added_at=from_db(doc.get("added_at")),
                  updated_at=from_db(doc.get("updated_at")), submitted_at=from_db(doc.get("submitted_at")))


class PanelRepository:
    def __init__(self, db: Any):
        self.interviews = db.interviews
        self.col = db.ratings

    # --- the panel on the interview

    def panel_rev(self, interview_id: str) -> int:
        """The panel's revision (0 when never changed): what `set_panel` compares."""
        doc = self.interviews.find_one({"_id": oid(interview_id)}, {"panel_rev": 1})
        return int((doc or {}).get("panel_rev") or 0)

    def set_panel(self, interview_id: str, rev: int, members: list[str]) -> bool:
        """Replace the panel only if its revision is still `rev` (compare-and-set); the revision goes up."""
        filt = {"_id": oid(interview_id), "panel_rev": rev or None}
        update = {"panel": [oid(m) for m in members], "panel_rev": rev + 1}
        return self.interviews.update_one(filt, {"$set": update}).modified_count == 1

    def set_outcome(self, interview_id: str, seen_at: datetime | None, statuses: tuple[str, ...],
                    **fields: Any) -> bool:
        """Record the outcome only if the one recorded is still the one recorded at `seen_at` (None:
        none yet) and the interview is in one of `statuses` (compare-and-set)."""
        filt = {"_id": oid(interview_id), "outcome_at": to_db(seen_at), "status": {"$in": list(statuses)}}
        update = {k: to_db(v) if isinstance(v, datetime) else v for k, v in fields.items()}
        if "outcome_by" in update:
            update["outcome_by"] = oid(update["outcome_by"])
        return self.interviews.update_one(filt, {"$set": update}).modified_count == 1

    # --- ratings

    def get(self, interview_id: str, rater_id: str) -> Rating | None:
        """The rater's rating of the interview, None when there is none."""
        return _to_rating(self.col.find_one({"interview_id": str(interview_id), "rater_id": str(rater_id)}))

    def ensure(self, interview_id: str, rater_id: str, now: datetime, added_by: str | None = None) -> Rating:
        """The rater's rating, created empty (a draft at version 1) when missing; racing calls make one."""
        found = self.get(interview_id, rater_id)
        if found is not None:
            return found
        doc = {"interview_id": str(interview_id), "rater_id": str(rater_id), "status": DRAFT, "version": 1,
               "items": [], "added_at": to_db(now), "added_by": str(added_by or rater_id), "updated_at": to_db(now),
               "submitted_at": None}
        try:
            self.col.insert_one(doc)
        except DuplicateKeyError:
            pass
        return self.get(interview_id, rater_id)

    def for_interview(self, interview_id: str) -> dict[str, Rating]:
        """Every rating of the interview, keyed by rater id (one indexed query)."""
        return {d["rater_id"]: _to_rating(d) for d in self.col.find({"interview_id": str(interview_id)})}

    def save_draft(self, rating: Rating, items: list[dict], now: datetime) -> bool:
        """Replace the draft's items if it is still a draft at `rating.version` (compare-and-set)."""
        filt = {"_id": oid(rating.id), "status": DRAFT, "version": rating.version}
        update = {"items": items, "version": rating.version + 1, "updated_at": to_db(now)}
        return self.col.update_one(filt, {"$set": update}).modified_count == 1

    def submit(self, rating: Rating, items: list[dict], now: datetime) -> bool:
        """draft → submitted with `items`, if still a draft at `rating.version`: the one transition."""
        filt = {"_id": oid(rating.id), "status": DRAFT, "version": rating.version}
        update = {"items": items, "version": rating.version + 1, "status": SUBMITTED, "updated_at": to_db(now),
                  "submitted_at": to_db(now)}
        return self.col.update_one(filt, {"$set": update}).modified_count == 1

    def delete_draft(self, interview_id: str, rater_id: str) -> int:
        """Remove a rater's rating unless it was submitted; returns how many were removed."""
        return self.col.delete_one({"interview_id": str(interview_id), "rater_id": str(rater_id),
                                    "status": DRAFT}).deleted_count

    def page_for_rater(self, rater_id: str, page: int = 1, per_page: int = 20) -> Page:
        """One page of the rater's ratings, newest first (by when they joined the panel); `items` are
        Rating. Two queries on (rater_id, added_at, _id): the count and the page."""
        skip, limit = page_args(page, per_page)
        filt = {"rater_id": str(rater_id)}
        total = self.col.count_documents(filt)
        docs = self.col.find(filt).sort([("added_at", -1), ("_id", -1)]).skip(skip).limit(limit)
        return Page([_to_rating(d) for d in docs], skip // limit + 1, limit, total)

    def count_submitted(self) -> int:
        """Every submitted rating, through the (status, submitted_at, _id) index."""
        return self.col.count_documents({"status": SUBMITTED})

    def submitted_among(self, rater_id: str, interview_ids: list[str]) -> set[str]:
        """Of a short list of interviews (an export batch), those the rater has submitted a rating of."""
        if not interview_ids:
            return set()
        docs = self.col.find({"rater_id": str(rater_id), "interview_id": {"$in": [str(i) for i in interview_ids]}})
        return {d["interview_id"] for d in docs if d.get("status") == SUBMITTED}

    def submitted_in_scope(self, rater_id: str | None = None, chunk: int = 500) -> Iterator[Rating]:
        """Submitted ratings, oldest submission first within each query: every one (`rater_id` None, an
        admin's view), or those of the interviews `rater_id` has submitted a rating of themselves — what
        they may see on those interviews' boards, nothing of an interview they are still blind to.
        Indexed: (status, submitted_at, _id); (rater_id, added_at, _id) then (interview_id, rater_id) per
        `chunk` ids."""
        if rater_id is None:
            for doc in self.col.find({"status": SUBMITTED}).sort([("submitted_at", 1), ("_id", 1)]):
                yield _to_rating(doc)
            return
        # the rater's own ratings through their index (a rater has few), submitted ones kept here
        mine = [d["interview_id"] for d in self.col.find({"rater_id": str(rater_id)}, {"interview_id": 1, "status": 1})
                if d.get("status") == SUBMITTED]
        for start in range(0, len(mine), chunk):
            for doc in self.col.find({"interview_id": {"$in": mine[start:start + chunk]}, "status": SUBMITTED}):
                yield _to_rating(doc)

    def delete_for_interview(self, interview_id: str) -> int:
        """Erasure and retention: every rating of one interview."""
        return self.col.delete_many({"interview_id": str(interview_id)}).deleted_count
