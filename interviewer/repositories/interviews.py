"""The `interviews` collection; questions are embedded as a snapshot."""
from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from dataclasses import asdict
from datetime import datetime
from itertools import islice
from typing import Any

from bson import ObjectId

from ..models import EVALUATED, IN_PROGRESS, SCHEDULED, Interview, Page, Question
from .base import contains_pattern, fields_to_db, from_db, move_to_hr, oid, page_args, to_db

_TIMES = ("starts_at", "deadline", "created_at", "started_at", "completed_at", "evaluated_at",
          "cancelled_at", "last_activity_at", "next_reminder_at", "outcome_at")
_WINDOW_TIMES = ("old_starts_at", "old_deadline", "starts_at", "deadline", "changed_at")



_ORDER = ("starts_at", "_id")


def scope_filter(hr_id: str | None = None, candidate_ids: list[str] | None = None, statuses: list[str] | None = None,
                 job_title: str = "") -> dict[str, Any]:
    """The filter of a list: HR scope by the interview's own indexed `hr_id` (kept in step with the
    candidate's assignment), optionally some candidates (a short, bounded list), statuses, a title."""
    filt: dict[str, Any] = {}
    if hr_id is not None:
        filt["hr_id"] = oid(hr_id)
    if candidate_ids is not None:
        keys = [k for k in (oid(c) for c in candidate_ids) if k]
        filt["candidate_id"] = keys[0] if len(keys) == 1 else {"$in": keys}
    if statuses:
        filt["status"] = statuses[0] if len(statuses) == 1 else {"$in": list(statuses)}
    if job_title:
        filt["job_title"] = contains_pattern(job_title)
    return filt


class InterviewRepository:
    def __init__(self, db: Any):
        self.col = db.interviews

    @staticmethod
    def _to_interview(doc: dict | None) -> Interview | None:
        if doc is None:
            return None
        return Interview(
            id=str(doc["_id"]),
            candidate_id=str(doc["candidate_id"]),
            hr_id=str(doc["hr_id"]) if doc.get("hr_id") else None,
            job_title=doc["job_title"],
            job_description=doc.get("job_description", ""),
            status=doc["status"],
            questions=[Question(**q) for q in doc.get("questions", [])],
            question_source=doc.get("question_source", "default"),
            created_by=str(doc["created_by"]) if doc.get("created_by") else None,
            closed_reason=doc.get("closed_reason"),
            overall_score=doc.get("overall_score"),
            overall_feedback=doc.get("overall_feedback", ""),
            shared=doc.get("shared", False),
            sequence=doc.get("sequence", 0),
            share_key_points=doc.get("share_key_points", False),
            window_history=[{k: from_db(v) if k in _WINDOW_TIMES else v for k, v in entry.items()}
                            for entry in doc.get("window_history", [])],
            template_id=str(doc["template_id"]) if doc.get("template_id") else None,
            competencies=list(doc.get("competencies", [])),
            panel=[str(p) for p in doc.get("panel", [])],
            panel_rev=int(doc.get("panel_rev") or 0),
            outcome=doc.get("outcome"),
            require_evidence=bool(doc.get("require_evidence", False)),
            outcome_by=str(doc["outcome_by"]) if doc.get("outcome_by") else None,
            **{name: from_db(doc.get(name)) for name in _TIMES},
        )

    @staticmethod
    def new_id() -> str:
        """An id for an interview about to be inserted (its responses are written first)."""
        return str(ObjectId())

    def insert(self, interview: Interview) -> Interview:
        """Insert; `interview.id` is kept when set (from `new_id`), else one is made."""
        doc = asdict(interview)
        key = oid(doc.pop("id"))
        if key is not None:
            doc["_id"] = key
        for name in _TIMES:
            doc[name] = to_db(doc[name])
        for name in ("candidate_id", "hr_id", "created_by", "template_id", "outcome_by"):
            doc[name] = oid(doc[name])
        doc["panel"] = [oid(p) for p in doc["panel"]]
        doc.pop("panel_rev")  # written only by PanelRepository.set_panel's compare-and-set (absent = 0)
        return self.get(self.col.insert_one(doc).inserted_id)

    def get(self, interview_id: Any) -> Interview | None:
        """The interview, or None when missing or the id is malformed."""
        key = oid(interview_id)
        return self._to_interview(self.col.find_one({"_id": key})) if key else None

    def transition(self, interview_id: str, from_statuses: tuple[str, ...], to_status: str,
                   **fields: Any) -> bool:
        """Move to `to_status` only if still in one of `from_statuses` (compare-and-set)."""
        update = {"status": to_status, **fields_to_db(fields)}
        result = self.col.update_one(
            {"_id": oid(interview_id), "status": {"$in": list(from_statuses)}}, {"$set": update}
        )
        return result.modified_count == 1

    def update_result(self, interview_id: str, recorded_at: datetime | None, **fields: Any) -> bool:
        """Replace the overall result of an evaluated interview only if it is still the one recorded
        at `recorded_at` (compare-and-set: a result recorded meanwhile is never overwritten)."""
        filt = {"_id": oid(interview_id), "status": EVALUATED, "evaluated_at": to_db(recorded_at)}
        return self.col.update_one(filt, {"$set": fields_to_db(fields)}).modified_count == 1

    def set_fields(self, interview_id: str, when_status: tuple[str, ...] | None = None, **fields: Any) -> bool:
        filt: dict[str, Any] = {"_id": oid(interview_id)}
        if when_status:
            filt["status"] = {"$in": list(when_status)}
        update = fields_to_db(fields)
        return self.col.update_one(filt, {"$set": update}).matched_count == 1

    def search(self, filt: dict[str, Any] | None = None, descending: bool = True, page: int = 1, per_page: int = 20) -> Page:
        """One page of the interviews matching `filt` (from `scope_filter`), by start then id.

        Two indexed queries: the count, and the page itself (sort, skip and limit run in the store;
        several statuses are read one ordered index range each and merged, see `_in_order`).
        """
        filt = filt or {}
        skip, limit = page_args(page, per_page)
        total = self.col.count_documents(filt)
        docs = islice(self._in_order(filt, -1 if descending else 1, skip + limit), skip, skip + limit)
        return Page([self._to_interview(d) for d in docs], skip // limit + 1, limit, total)

    def iter_matching(self, filt: dict[str, Any]) -> Iterator[Interview]:
        """Every interview matching `filt`, newest start first, read as iterated (exports: the
        embedded store and MongoDB fetch in batches, so memory stays flat)."""
        for doc in self._in_order(filt, -1):
            yield self._to_interview(doc)

    def _in_order(self, filt: dict[str, Any], direction: int, first: int | None = None) -> Iterator[dict]:
        """The matching documents by (starts_at, _id) in `direction`, at least the `first` ones.

        A status `$in` list is read as one query per status, each walking its own (…, status,
        starts_at, _id) index range in order, merged here: sqlite cannot merge ordered ranges of an
        `IN` itself and would sort every match before returning the first page (MongoDB's planner
        merges them, so there the result is the same and the cost too).
        """
        order = [(f, direction) for f in _ORDER]
        statuses = filt.get("status")
        if not (isinstance(statuses, dict) and "$in" in statuses):
            cursor = self.col.find(filt).sort(order)
            yield from (cursor.limit(first) if first else cursor)
            return
        streams = []
        for status in dict.fromkeys(statuses["$in"]):
            cursor = self.col.find({**filt, "status": status}).sort(order)
            streams.append(cursor.limit(first) if first else cursor)
        seen = set()  # each stream reads its own snapshot: one that changed status between them comes once
        for doc in heapq.merge(*streams, key=lambda d: (d["starts_at"], d["_id"]), reverse=direction < 0):
            if doc["_id"] not in seen:
                seen.add(doc["_id"])
                yield doc

    def open_from_template(self, template_id: str, starts_at: datetime, candidate_id: str | None = None
                           ) -> list[Interview]:
        """The scheduled or in-progress interviews made from `template_id` that open at `starts_at`
        (one indexed range: template_id, starts_at), of one candidate when `candidate_id` is given:
        what a bulk schedule checks for duplicates."""
        filt = {"template_id": oid(template_id), "starts_at": to_db(starts_at),
                "status": {"$in": [SCHEDULED, IN_PROGRESS]}}
        if candidate_id is not None:
            filt["candidate_id"] = oid(candidate_id)
        return [self._to_interview(d) for d in self.col.find(filt)]

    def by_ids(self, ids: Iterable[str]) -> dict[str, Interview]:
        """The interviews with these ids (a short list), keyed by id; unknown ids are left out."""
        keys = [k for k in (oid(i) for i in set(ids)) if k]
        return {str(d["_id"]): self._to_interview(d) for d in self.col.find({"_id": {"$in": keys}})} if keys else {}

    def outcomes(self, ids: Iterable[str]) -> dict[str, str | None]:
        """The stored `outcome` (advance | reject | hire | withdrawn; None: none recorded) of a batch of
        interviews (a short list), read from the documents whatever the model carries yet."""
        keys = [k for k in (oid(i) for i in set(ids)) if k]
        out: dict[str, str | None] = {str(k): None for k in keys}
        for doc in self.col.find({"_id": {"$in": keys}}, {"outcome": 1}) if keys else ():
            out[str(doc["_id"])] = doc.get("outcome")
        return out

    def set_hr_for_candidate(self, candidate_id: str, hr_id: str | None) -> int:
        """Keep every interview of a candidate in the scope of their current HR user; returns how many moved."""
        return move_to_hr(self.col, candidate_id, hr_id)

    def for_candidate(self, candidate_id: str, statuses: list[str] | None = None) -> list[Interview]:
        filt: dict[str, Any] = {"candidate_id": oid(candidate_id)}
        if statuses:
            filt["status"] = {"$in": statuses}
        return [self._to_interview(d) for d in self.col.find(filt).sort([("starts_at", -1), ("_id", -1)])]

    def move_window(self, interview: Interview, starts_at: datetime, deadline: datetime, entry: dict[str, Any],
                    next_reminder_at: datetime | None) -> bool:
        """Set a new window on `interview` if it is still open and at the sequence it was read at
        (compare-and-set); the sequence goes up by one and `entry` is appended to the history."""
        history = [{k: to_db(v) if k in _WINDOW_TIMES else v for k, v in e.items()}
                   for e in [*interview.window_history, entry]]
        filt = {"_id": oid(interview.id), "sequence": interview.sequence, "status": {"$in": [SCHEDULED, IN_PROGRESS]}}
        update = {"starts_at": to_db(starts_at), "deadline": to_db(deadline), "sequence": interview.sequence + 1,
                  "window_history": history, "next_reminder_at": to_db(next_reminder_at)}
        return self.col.update_one(filt, {"$set": update}).modified_count == 1

    def reminders_due(self, now: datetime, limit: int) -> list[Interview]:
        """Up to `limit` interviews whose reminder time has come, earliest first."""
        docs = self.col.find({"next_reminder_at": {"$lte": to_db(now)}}).sort("next_reminder_at", 1).limit(limit)
        return [self._to_interview(d) for d in docs]

    def set_next_reminder(self, interview: Interview, when: datetime | None) -> bool:
        """Move the reminder time on, if nobody else did since `interview` was read (compare-and-set)."""
        filt = {"_id": oid(interview.id), "next_reminder_at": to_db(interview.next_reminder_at)}
        return self.col.update_one(filt, {"$set": {"next_reminder_at": to_db(when)}}).modified_count == 1

    def count_for_candidate(self, candidate_id: str) -> int:
        return self.col.count_documents({"candidate_id": oid(candidate_id)})

    def delete(self, interview_id: str) -> int:
        """Erasure and retention only: remove one interview for good."""
        return self.col.delete_one({"_id": oid(interview_id)}).deleted_count

    def closed_before(self, status: str, field: str, before: datetime, limit: int) -> list[Interview]:
        """Up to `limit` interviews in `status` whose `field` (evaluated_at, cancelled_at, completed_at) is
        before `before`, and whose outcome, if any, was recorded before it too; oldest first."""
        undecided = {"$or": [{"outcome_at": None}, {"outcome_at": {"$lt": to_db(before)}}]}
        docs = self.col.find({"status": status, field: {"$lt": to_db(before)}, **undecided})
        return [self._to_interview(d) for d in docs.sort(field, 1).limit(limit)]

    def panel_ids_owned_by(self, hr_id: str) -> list[str]:
        """Ids of the interviews in `hr_id`'s scope that have (or once had) a rating panel. Indexed:
        (hr_id, panel_rev); a panel is formed on few interviews."""
        return [str(d["_id"]) for d in self.col.find({"hr_id": oid(hr_id), "panel_rev": {"$gt": 0}}, {"_id": 1})]

    def past_deadline(self, now: datetime, statuses: list[str]) -> list[Interview]:
        docs = self.col.find({"status": {"$in": statuses}, "deadline": {"$lte": to_db(now)}})
        return [self._to_interview(d) for d in docs]
