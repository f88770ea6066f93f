"""AI evaluations: the append-only `evaluations` history, and the job state kept on `responses`.

Ids of other documents are stored as strings (as `responses.interview_id` is): tinymongo's
indexes refuse ObjectId values.

Each response carries its latest AI result in `ai_evaluation` and its job in `ai_job`. Every
change of `ai_job` is a compare-and-set on `ai_job.rev`, a nonce rewritten by each change, so
two processes (or threads) can never both claim, finish or re-queue the same job. Only
equality conditions are used: they behave the same on MongoDB, mongomock and tinymongo.
"""
from __future__ import annotations

import secrets
from typing import Any

from bson import ObjectId

from .base import fields_to_db, from_db, oid

_JOB_TIMES = ("requested_at", "started_at", "heartbeat_at", "finished_at")


def new_rev() -> str:
    return secrets.token_hex(8)


def job_from_db(job: dict[str, Any] | None) -> dict[str, Any] | None:
    """The job with UTC-aware datetimes (None when no job was ever queued)."""
    if not job:
        return None
    return {k: from_db(v) if k in _JOB_TIMES else v for k, v in job.items()}


def summary_from_db(summary: dict[str, Any] | None) -> dict[str, Any] | None:
    if not summary:
        return None
    return {**summary, "created_at": from_db(summary.get("created_at"))}


class EvaluationRepository:
    def __init__(self, db: Any):
        self.col = db.evaluations
        self.responses = db.responses

    # --- history ------------------------------------------------------------------------

    @staticmethod
    def _to_record(doc: dict) -> dict:
        record = {k: v for k, v in doc.items() if k != "_id"}
        record["id"] = str(doc["_id"])
        for key in ("response_id", "interview_id"):
            record[key] = str(doc[key]) if doc.get(key) is not None else None
        record["created_at"] = from_db(doc.get("created_at"))
        return record

    @staticmethod
    def new_id() -> str:
        return str(ObjectId())

    def add(self, evaluation_id: str, record: dict[str, Any]) -> str:
        """Append one evaluation result (never updated afterwards); returns its id."""
        doc = fields_to_db(record)
        doc["_id"] = oid(evaluation_id)
        doc["response_id"] = str(record["response_id"])
        doc["interview_id"] = str(record["interview_id"])
        self.col.insert_one(doc)
        return evaluation_id

    def history(self, response_id: str, limit: int = 50) -> list[dict]:
        """Evaluations of one response, newest first."""
        docs = self.col.find({"response_id": str(response_id)}).sort("created_at", -1).limit(limit)
        return [self._to_record(d) for d in docs]

    def count_for_interview(self, interview_id: str) -> int:
        return self.col.count_documents({"interview_id": str(interview_id)})

    def delete_for_interview(self, interview_id: str) -> int:
        """Erasure and retention only: the AI evaluation history of one interview."""
        return self.col.delete_many({"interview_id": str(interview_id)}).deleted_count

    def count(self, response_id: str) -> int:
        return self.col.count_documents({"response_id": str(response_id)})

    def count_all(self) -> int:
        """Every stored AI evaluation (part of the reliability figures' change token)."""
        return self.col.count_documents({})

    # --- job state on the response -------------------------------------------------------

    def job_doc(self, response_id: str) -> dict | None:
        """The raw stored `ai_job` (naive datetimes) of a response, or None."""
        key = oid(response_id)
        doc = self.responses.find_one({"_id": key}) if key else None
        return None if doc is None else (doc.get("ai_job") or {})

    def replace_job(self, response_id: str, expected_rev: str | None, job: dict[str, Any],
                    evaluation: dict[str, Any] | None = None) -> bool:
        """Write a new `ai_job` (with a fresh rev) only if the stored one still has `expected_rev`.

        `expected_rev=None` means "no job was ever stored". Returns whether this write won.
        `evaluation`, when given, becomes the response's latest `ai_evaluation` in the same write.
        """
        key = oid(response_id)
        if key is None:
            return False
        condition: dict[str, Any] = {"_id": key}
        if expected_rev is None:
            condition["ai_job"] = None  # matches a missing field too
        else:
            condition["ai_job.rev"] = expected_rev
        update: dict[str, Any] = {"ai_job": fields_to_db(job)}
        if evaluation is not None:
            update["ai_evaluation"] = fields_to_db(evaluation)
        return self.responses.update_one(condition, {"$set": update}).matched_count == 1
