"""The `responses` collection: one document per interview + question (unique index).

The documents are created with the interview (`create_for`), so an autosave is one conditional
update of one document found through the unique index. Each carries, besides its answer and
scores, what lists and reports filter on without reading the interview: `hr_id` (kept in step with
the candidate's assignment, like the interview's) and `group` (the question's key for the
agreement report; questions are a snapshot, so it never changes).

`interview_id` is stored as the id's string (the first wave's embedded store could not index
ObjectIds; one convention for every reference between collections is kept).
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from ..models import Response
from .base import fields_to_db, from_db, move_to_hr, oid, to_db


def _key(interview_id) -> str:
    return str(interview_id)


@dataclass(frozen=True)
class Owner:
    """What every response of one interview shares: its interview, candidate, HR user (scope)."""

    interview_id: str
    candidate_id: str
    hr_id: str | None


def _new_doc(owner: Owner, question_id: str, group: str, answer: str, seq: int, now: datetime) -> dict[str, Any]:
    return {"interview_id": _key(owner.interview_id), "question_id": question_id,
            "candidate_id": oid(owner.candidate_id), "hr_id": oid(owner.hr_id) if owner.hr_id else None,
            "group": group, "answer": answer, "seq": seq, "saved_at": to_db(now), "score": None, "feedback": ""}


class ResponseRepository:
    def __init__(self, db: Any):
        self.col = db.responses

    @staticmethod
    def _to_response(doc: dict | None) -> Response | None:
        if doc is None:
            return None
        return Response(
            id=str(doc["_id"]),
            interview_id=str(doc["interview_id"]),
            question_id=doc["question_id"],
            candidate_id=str(doc["candidate_id"]),
            answer=doc.get("answer", ""),
            seq=int(doc.get("seq", 0)),
            saved_at=from_db(doc.get("saved_at")),
            score=doc.get("score"),
            feedback=doc.get("feedback", ""),
            scored_by=str(doc["scored_by"]) if doc.get("scored_by") else None,
            scored_at=from_db(doc.get("scored_at")),
            ai_evaluation=doc.get("ai_evaluation"),
            ai_job=doc.get("ai_job"),
            closed=bool(doc.get("closed", False)),
        )

    def get(self, response_id: Any) -> Response | None:
        key = oid(response_id)
        return self._to_response(self.col.find_one({"_id": key})) if key else None

    def find(self, interview_id: str, question_id: str) -> Response | None:
        return self._to_response(self.col.find_one({"interview_id": _key(interview_id), "question_id": question_id}))

    def for_interview(self, interview_id: str) -> dict[str, Response]:
        """The interview's responses keyed by question id."""
        docs = self.col.find({"interview_id": _key(interview_id)})
        return {d["question_id"]: self._to_response(d) for d in docs}

    def count_answered(self, interview_id: str) -> int:
        return self.col.count_documents({"interview_id": _key(interview_id), "answer": {"$nin": ["", None]}})

    def create_for(self, owner: Owner, questions: Iterable[tuple[str, str]], now: datetime) -> None:
        """An empty response for each (question id, group) of a new interview; one that exists is kept."""
        for question_id, group in questions:
            try:
                self.col.insert_one(_new_doc(owner, question_id, group, "", 0, now))
            except DuplicateKeyError:
                pass

    def save_answer(self, owner: Owner, question_id: str, group: str, answer: str, seq: int,
                    now: datetime) -> tuple[Response, bool]:
        """Write `answer` unless a save with an equal or higher `seq` is already stored.

        Returns (the stored response, whether this save won); a closed response (``close_for``)
        takes no save, and comes back with ``closed`` set. One conditional update of the
        document the unique (interview, question) index finds. A response that does not exist yet
        (an interview scheduled before responses were created with it) is inserted; a racing
        insert turns into DuplicateKeyError, after which the conditional update decides again.
        """
        filt = {"interview_id": _key(owner.interview_id), "question_id": question_id}
        update = {"$set": {"answer": answer, "seq": seq, "saved_at": to_db(now)}}
        for _ in range(3):
            won = self.col.find_one_and_update({**filt, "seq": {"$lt": seq}, "closed": {"$ne": True}}, update,
                                               return_document=ReturnDocument.AFTER)
            if won is not None:
                return self._to_response(won), True
            existing = self.col.find_one(filt)
            if existing is not None:
                return self._to_response(existing), False
            try:
                doc = _new_doc(owner, question_id, group, answer, seq, now)
                self.col.insert_one(doc)
                return self._to_response(doc), True
            except DuplicateKeyError:
                continue  # another save inserted first: compare sequence numbers again
        return self.find(owner.interview_id, question_id), False

    def close_for(self, interview_id: str) -> int:
        """Answering is over for this interview: no save is applied to its responses any more
        (written before the interview's own status, so a save racing the close cannot land after
        it). Returns how many responses were still open."""
        return self.col.update_many({"interview_id": _key(interview_id), "closed": {"$ne": True}},
                                    {"$set": {"closed": True}}).modified_count

    def add_missing(self, owner: Owner, questions: Iterable[tuple[str, str]], when: datetime) -> None:
        """An empty response for each (question id, group) that has none yet (one read, then inserts;
        a response a racing save created meanwhile is left as it is)."""
        have = {d["question_id"] for d in self.col.find({"interview_id": _key(owner.interview_id)}, {"question_id": 1})}
        self.create_for(owner, [(q, g) for q, g in questions if q not in have], when)

    def for_interviews(self, interview_ids: list[str]) -> dict[str, dict[str, Response]]:
        """The responses of a batch of interviews (a bounded list), by interview id, then question id."""
        out: dict[str, dict[str, Response]] = {str(i): {} for i in interview_ids}
        for doc in self.col.find({"interview_id": {"$in": [_key(i) for i in interview_ids]}}):
            out[str(doc["interview_id"])][doc["question_id"]] = self._to_response(doc)
        return out

    def answered_counts(self, interview_ids: list[str]) -> dict[str, int]:
        """How many questions have a non-empty answer, for a batch of interviews (a bounded list)."""
        counts = {str(i): 0 for i in interview_ids}
        filt = {"interview_id": {"$in": [_key(i) for i in interview_ids]}, "answer": {"$nin": ["", None]}}
        for doc in self.col.find(filt, {"interview_id": 1, "_id": 0}):
            counts[str(doc["interview_id"])] += 1
        return counts

    def set_hr_for_candidate(self, candidate_id: str, hr_id: str | None) -> int:
        """Keep every response of a candidate in the scope of their current HR user; returns how many moved."""
        return move_to_hr(self.col, candidate_id, hr_id)

    def iter_scored_pairs(self, hr_id: str | None) -> Iterator[dict]:
        """Responses with both an HR score and an AI score, in `hr_id`'s scope (None: all), through
        the (hr_id, score) or (score) index. Each item: interview_id, question_id, candidate_id, group,
        hr_score, ai_score, scored_at (when HR scored it; None for scores older than that field)."""
        # Scores are 0–10: a range rather than "not null" lets every backend's planner use the index.
        filt: dict[str, Any] = {"score": {"$gte": 0}, "ai_evaluation.score": {"$gte": 0}}
        if hr_id is not None:
            filt = {"hr_id": oid(hr_id), **filt}
        fields = {"interview_id": 1, "question_id": 1, "candidate_id": 1, "group": 1, "score": 1,
                  "ai_evaluation.score": 1, "scored_at": 1, "_id": 0}
        for doc in self.col.find(filt, fields):
            yield {"interview_id": str(doc["interview_id"]), "question_id": doc["question_id"],
                   "candidate_id": str(doc.get("candidate_id")), "group": doc.get("group"), "hr_score": float(doc["score"]),
                   "ai_score": float(doc["ai_evaluation"]["score"]), "scored_at": from_db(doc.get("scored_at"))}

    def count_for_interview(self, interview_id: str) -> int:
        return self.col.count_documents({"interview_id": _key(interview_id)})

    def count_scored(self) -> int:
        """Answers with an HR score, through the (score) index (part of the reliability figures' change token)."""
        return self.col.count_documents({"score": {"$gte": 0}})

    def delete_for_interview(self, interview_id: str) -> int:
        """Erasure and retention only: every response (and its AI job) of one interview."""
        return self.col.delete_many({"interview_id": _key(interview_id)}).deleted_count

    def set_score(self, response_id: str, last_scored_at: datetime | None, **fields: Any) -> bool:
        """Write HR's score `fields` only if the response is still the one scored at `last_scored_at`
        (None: never scored): a compare-and-set, so a score saved meanwhile is never overwritten. One
        conditional update through the _id index; `scored_at` is stored to the millisecond on every
        backend, so the value read back is the value to compare."""
        filt = {"_id": oid(response_id), "scored_at": to_db(last_scored_at)}
        return self.col.update_one(filt, {"$set": fields_to_db(fields)}).matched_count == 1

    def set_fields(self, response_id: str, **fields: Any) -> bool:
        update = fields_to_db(fields)
        return self.col.update_one({"_id": oid(response_id)}, {"$set": update}).matched_count == 1

