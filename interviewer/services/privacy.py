"""A candidate's data rights: everything stored about them as JSON, erasure on request, and
retention (interviews removed a set time after they were evaluated, cancelled or handed in without a result).

Erasure reaches every collection that holds the person: the account, their interviews with every
answer, AI job and AI evaluation, browser sessions, API tokens, sign-in counters (keyed by e-mail),
their voluntary self-identification and every e-mail to them or about their interviews. The audit
trail keeps its events — they name people only by a pseudonym that lived on the deleted account —
and gains one for the erasure.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from ..errors import Forbidden, NotFound, ValidationError
from ..models import CANCELLED, COMPLETED, EVALUATED, User
from ..repositories.users import normalise_email
from . import audit


def export_for(repos, user: User) -> dict[str, Any]:
    """Everything stored about candidate `user`, as JSON-ready data: the account, resume text,
    consent and e-mail choices, their voluntary self-identification, every interview with the
    questions asked and their answers, and results only where HR shared them (HR's unshared scores
    and notes, and AI proposals, are HR's working notes until shared)."""
    if user.role != "candidate":
        raise Forbidden("Only a candidate's own data can be downloaded here.")
    interviews = []
    for interview in repos.interviews.for_candidate(user.id):
        responses = repos.responses.for_interview(interview.id)
        shared = interview.shared
        interviews.append({
            "id": interview.id, "job_title": interview.job_title, "job_description": interview.job_description,
            "status": interview.status, "starts_at": interview.starts_at, "deadline": interview.deadline,
            "completed_at": interview.completed_at, "window_history": interview.window_history,
            "overall_score": interview.overall_score if shared else None,
            "overall_feedback": interview.overall_feedback if shared else None,
            "answers": [{"question": q.text, "answer": (responses.get(q.id).answer if responses.get(q.id) else ""),
                         "saved_at": responses.get(q.id).saved_at if responses.get(q.id) else None,
                         "score": responses.get(q.id).score if shared and responses.get(q.id) else None,
                         "feedback": responses.get(q.id).feedback if shared and responses.get(q.id) else None}
                        for q in interview.questions],
        })
    return {"account": {"id": user.id, "email": user.email, "name": user.name, "role": user.role,
                        "created_at": user.created_at, "email_verified": user.email_verified,
                        "e_mails_turned_off": user.mail_off},
            "resume": {"filename": user.resume_filename, "text": user.resume_text},
            "self_identification": repos.demographics.get(user.id),
            "interviews": interviews}


def _candidate(repos, candidate_id: str) -> User:
    user = repos.users.get(candidate_id)
    if user is None:
        raise NotFound("There is no such account: it may have been erased already.")
    if user.role != "candidate":
        raise ValidationError("Only candidate accounts are erased here; deactivate a staff account instead.")
    return user


def erasure_plan(repos, candidate_id: str) -> dict[str, int]:
    """What erasing this candidate would remove, counted per kind (the confirmation page)."""
    user = _candidate(repos, candidate_id)
    ids = [i.id for i in repos.interviews.for_candidate(user.id)]
    return {"account": 1, "interviews": len(ids),
            "answers": sum(repos.responses.count_for_interview(i) for i in ids),
            "AI evaluations": sum(repos.evaluations.count_for_interview(i) for i in ids),
            "browser sessions": repos.sessions.count_for_user(user.id),
            "API tokens": repos.tokens.count_for_user(user.id),
            "self-identification": 1 if repos.demographics.get(user.id) else 0,
            "e-mails": repos.outbox.count_about(user.id, ids)}


def erase_candidate(repos, actor: User, candidate_id: str, now: datetime) -> dict[str, int]:
    """Remove the candidate and everything about them (see the module doc); returns what went,
    per kind. NotFound when there is no such account (erased already)."""
    user = _candidate(repos, candidate_id)
    ids = [i.id for i in repos.interviews.for_candidate(user.id)]
    gone = {"answers": 0, "AI evaluations": 0}
    for interview_id in ids:
        gone["answers"] += repos.responses.delete_for_interview(interview_id)
        gone["AI evaluations"] += repos.evaluations.delete_for_interview(interview_id)
        repos.panels.delete_for_interview(interview_id)  # panel ratings quote the answers
    gone["e-mails"] = repos.outbox.delete_about(user.id, ids)
    gone["interviews"] = sum(repos.interviews.delete(i) for i in ids)
    gone["browser sessions"] = repos.sessions.delete_for_user(user.id)
    gone["API tokens"] = repos.tokens.delete_for_user(user.id)
    gone["self-identification"] = repos.demographics.delete(user.id)
    gone["sign-in counters"] = repos.rate_limits.delete_for_account(normalise_email(user.email))
    gone["account"] = repos.users.delete(user.id)
    audit.record(repos, actor, "candidate.erase", "user", user.audit_ref, now, after=gone)
    return gone


def purge_expired(repos, now: datetime, days: int, dry_run: bool = False, limit: int = 1000) -> list[dict]:
    """Interviews evaluated or cancelled more than `days` days ago, and those handed in more than
    `days` days ago that never got a result — each with its outcome, if any, recorded as long ago — with
    their answers, AI evaluations, panel ratings and e-mails: removed (or only listed with
    `dry_run`). At most `limit` of each of the three kinds per call. Returns [{id, status, since,
    job_title}], `since` the time the period ran from."""
    before = now - timedelta(days=days)
    found = (repos.interviews.closed_before(EVALUATED, "evaluated_at", before, limit)
             + repos.interviews.closed_before(CANCELLED, "cancelled_at", before, limit)
             + repos.interviews.closed_before(COMPLETED, "completed_at", before, limit))
    listed = []
    for interview in found:
        since = _retained_since(interview)
        listed.append({"id": interview.id, "status": interview.status, "since": since,
                       "job_title": interview.job_title})
        if not dry_run:
            repos.responses.delete_for_interview(interview.id)
            repos.evaluations.delete_for_interview(interview.id)
            repos.panels.delete_for_interview(interview.id)
            repos.outbox.delete_about("", [interview.id])
            repos.interviews.delete(interview.id)
            audit.record(repos, None, "interview.purge", "interview", interview.id, now,
                         interview_id=interview.id, reason=f"retention: {days} days after {interview.status}")
    return listed


def _retained_since(interview) -> datetime:
    """When the retention period of a closed interview started: the later of its result (its
    cancellation; handed in without a result: the hand-in) and its recorded outcome."""
    closed = {EVALUATED: interview.evaluated_at, CANCELLED: interview.cancelled_at}.get(interview.status,
                                                                                       interview.completed_at)
    return max(closed, interview.outcome_at) if interview.outcome_at else closed
