"""The `responses` collection: one document per interview + question (unique index).

`interview_id` is stored as the id's string here: tinymongo's unique indexes accept
strings but not ObjectIds, and the unique pair is what makes autosave idempotent.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo.errors import DuplicateKeyError

from ..models import Response
from .base import fields_to_db, from_db, oid, to_db


def _key(interview_id) -> str:
    return str(interview_id)


def _new_doc(interview_id: str, question_id: str, candidate_id: str, answer: str, seq: int,
             now: datetime) -> dict[str, Any]:
    return {"interview_id": _key(interview_id), "question_id": question_id, "candidate_id": oid(candidate_id),
            "answer": answer, "seq": seq, "saved_at": to_db(now), "score": None, "feedback": ""}


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

    def save_answer(self, interview_id: str, question_id: str, candidate_id: str, answer: str,
                    seq: int, now: datetime) -> tuple[Response, bool]:
        """Write `answer` unless a save with an equal or higher `seq` is already stored.

        Returns (the stored response, whether this save won). Idempotent per
        interview + question: the unique index turns a racing second insert into
        DuplicateKeyError, after which the conditional update decides.
        """
        filt = {"interview_id": _key(interview_id), "question_id": question_id}
        update = {"$set": {"answer": answer, "seq": seq, "saved_at": to_db(now)}}
        for _ in range(3):
            if self.col.update_one({**filt, "seq": {"$lt": seq}}, update).matched_count:
                return self.find(interview_id, question_id), True
            existing = self.col.find_one(filt)
            if existing is not None:
                return self._to_response(existing), False
            try:
                self.col.insert_one(_new_doc(interview_id, question_id, candidate_id, answer, seq, now))
                return self.find(interview_id, question_id), True
            except DuplicateKeyError:
                continue  # another save inserted first: compare sequence numbers again
        return self.find(interview_id, question_id), False

    def add_missing(self, interview_id: str, question_ids: list[str], candidate_id: str, when: datetime) -> None:
        """An empty response for each question that has none yet (one read, then inserts; a
        response a racing save created meanwhile is left as it is)."""
        have = {d["question_id"] for d in self.col.find({"interview_id": _key(interview_id)})}
        for question_id in question_ids:
            if question_id not in have:
                try:
                    self.col.insert_one(_new_doc(interview_id, question_id, candidate_id, "", 0, when))
                except DuplicateKeyError:
                    pass

    def set_fields(self, response_id: str, **fields: Any) -> bool:
        update = fields_to_db(fields)
        return self.col.update_one({"_id": oid(response_id)}, {"$set": update}).matched_count == 1

