"""The interview lifecycle: scheduling, access, the state machine, answers, submission, results.

States: scheduled → in_progress (first saved answer) → completed → evaluated, and
cancelled from scheduled or in_progress. Every transition goes through `transition`.

Deadline rule: once the deadline passes, no answer is accepted. An interview in
progress is completed automatically, as it stands, with `closed_reason="deadline"`
(every saved answer kept). One that was never started stays `scheduled` and is shown
as missed; HR may cancel it. Closing happens on the next read of the interview or of
a list (and by `flask interviews close-expired`, for a cron job).
"""
from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo.errors import DuplicateKeyError

from .. import params
from ..errors import Conflict, InvalidTransition, NotFound, ValidationError
from ..models import (
    CANCELLED,
    COMPLETED,
    EVALUATED,
    IN_PROGRESS,
    SCHEDULED,
    Interview,
    Page,
    Question,
    Response,
    User,
)
from ..repositories.base import oid
from ..repositories.interviews import scope_filter
from ..repositories.responses import Owner
from . import audit, outbox
from . import questions as question_service

MAX_QUESTIONS = 50
ANSWER_MAX_CHARS = 20_000
FEEDBACK_MAX_CHARS = 5_000
SOURCES = ("default", "generated", "custom")
MAX_SEQ = 2**53  # what a browser's Number holds exactly
SEQ_DIGITS = len(str(MAX_SEQ))

TRANSITIONS: dict[str, tuple[str, ...]] = {
    SCHEDULED: (IN_PROGRESS, CANCELLED),
    IN_PROGRESS: (COMPLETED, CANCELLED),
    COMPLETED: (EVALUATED,),
    EVALUATED: (),
    CANCELLED: (),
}
_WHY = {
    (SCHEDULED, COMPLETED): "An interview must be started before it can be completed.",
    (SCHEDULED, EVALUATED): "Only a completed interview can be evaluated.",
    (IN_PROGRESS, EVALUATED): "Only a completed interview can be evaluated; the candidate has not submitted yet.",
    (COMPLETED, CANCELLED): "A completed interview cannot be cancelled.",
    (EVALUATED, CANCELLED): "An evaluated interview cannot be cancelled.",
    (CANCELLED, IN_PROGRESS): "This interview was cancelled.",
    (CANCELLED, COMPLETED): "This interview was cancelled.",
    (COMPLETED, IN_PROGRESS): "This interview is completed; its answers are read-only.",
    (EVALUATED, IN_PROGRESS): "This interview is evaluated; its answers are read-only.",
}


def new_question_id() -> str:
    return "q" + secrets.token_hex(5)


# --- the state machine -------------------------------------------------------------------

def check_transition(current: str, target: str) -> None:
    """Raise InvalidTransition with a clear message unless current → target is legal."""
    if target not in TRANSITIONS.get(current, ()):
        message = _WHY.get((current, target),
                           f"An interview that is {current.replace('_', ' ')} cannot become {target.replace('_', ' ')}.")
        raise InvalidTransition(message, {"from": current, "to": target})


def transition(repos, interview: Interview, target: str, **fields: Any) -> Interview:
    """Apply a legal transition atomically (compare-and-set on the current status)."""
    check_transition(interview.status, target)
    if not repos.interviews.transition(interview.id, (interview.status,), target, **fields):
        fresh = repos.interviews.get(interview.id)
        if fresh is None:
            raise NotFound("No such interview.")
        if fresh.status == target:
            return fresh
        check_transition(fresh.status, target)
        raise InvalidTransition("The interview changed meanwhile; reload and try again.")
    return repos.interviews.get(interview.id)


# --- access --------------------------------------------------------------------------------

def may_see(repos, user: User, interview: Interview) -> bool:
    """Admins see all; HR the interviews of candidates assigned to them now; a candidate their own."""
    if user.role == "admin":
        return True
    if user.role == "candidate":
        return interview.candidate_id == user.id
    if user.role == "hr":
        candidate = repos.users.get(interview.candidate_id)
        return candidate is not None and candidate.hr_id == user.id
    return False


def get_visible(repos, user: User, interview_id: str, now: datetime) -> Interview:
    """The interview if `user` may see it, closed first if its deadline passed; else NotFound."""
    interview = repos.interviews.get(interview_id)
    if interview is None or not may_see(repos, user, interview):
        raise NotFound("No such interview.")
    return close_if_expired(repos, interview, now)


def require_staff(user: User, message: str = "No such interview.") -> None:
    """Only HR and admins get past; anyone else is told the thing does not exist."""
    if user.role not in ("hr", "admin"):
        raise NotFound(message)


def close_if_expired(repos, interview: Interview, now: datetime) -> Interview:
    """Complete an in-progress interview whose deadline has passed (keeping every answer)."""
    if interview.status == IN_PROGRESS and now >= interview.deadline:
        repos.responses.close_for(interview.id)
        try:
            closed = transition(repos, interview, COMPLETED, completed_at=interview.deadline, closed_reason="deadline")
        except InvalidTransition:
            return repos.interviews.get(interview.id)
        _materialise_responses(repos, closed)
        return closed
    return interview


def owner(interview: Interview) -> Owner:
    """What the interview's response documents carry of it (its id, candidate, HR scope)."""
    return Owner(interview.id, interview.candidate_id, interview.hr_id)


def response_group(question: Question) -> str:
    """The agreement group a question's response carries (see `questions.question_key`)."""
    return question_service.question_key(question.source or "", question.text)


def response_groups(interview: Interview) -> list[tuple[str, str]]:
    """(question id, group key) for each question: what `create_for` and `add_missing` take."""
    return [(q.id, response_group(q)) for q in interview.questions]


def _materialise_responses(repos, interview: Interview) -> None:
    """Make sure every question has a response document once answering is over (interviews
    scheduled before responses were created with them), so an unanswered question can be scored
    by its response id like any other (HTML and API alike)."""
    repos.responses.add_missing(owner(interview), response_groups(interview),
                                interview.completed_at or interview.deadline)


def close_expired(repos, now: datetime) -> int:
    """Close every in-progress interview past its deadline; returns how many."""
    closed = 0
    for interview in repos.interviews.past_deadline(now, [IN_PROGRESS]):
        if close_if_expired(repos, interview, now).status == COMPLETED:
            closed += 1
    return closed


def is_missed(interview: Interview, now: datetime) -> bool:
    return interview.status == SCHEDULED and now >= interview.deadline


# --- scheduling ----------------------------------------------------------------------------

CANDIDATE_PICKS = 20  # the schedule form offers at most this many candidates at a time


def find_schedulable(repos, user: User, text: str = "", limit: int = CANDIDATE_PICKS) -> Page:
    """Up to `limit` candidates `user` may schedule whose name or e-mail contains `text` (any case),
    newest first: active and assigned to `user` (HR) or to anyone (admin). Without `text` the page
    says how many there are in all; a text search is not counted (`Page.more` says if there are more).

    One indexed query (and one count without `text`): every filter is in the query, nothing is
    read to be dropped.
    """
    if user.role not in ("hr", "admin"):
        return Page([], 1, limit, 0)
    return repos.users.search(query=text.strip()[:100], role="candidate", status="assigned", active=True,
                              hr_id=user.id if user.role == "hr" else None, per_page=limit)


def schedulable_candidate(repos, user: User, candidate_id: str) -> User:
    """The candidate, if `user` may schedule them now; NotFound or Conflict otherwise."""
    candidate = repos.users.get(candidate_id)
    if candidate is None or candidate.role != "candidate":
        raise NotFound("No such candidate.", {"candidate_id": "Choose a candidate."})
    if user.role == "hr" and candidate.hr_id != user.id:
        raise NotFound("No such candidate.", {"candidate_id": "Choose one of your candidates."})
    if candidate.status != "assigned":
        raise Conflict(f"{candidate.name} is not assigned to an HR user yet, so cannot be interviewed.",
                       {"candidate_id": "This candidate is not assigned."})
    if not candidate.active:
        raise Conflict(f"{candidate.name}'s account is deactivated.", {"candidate_id": "Deactivated account."})
    return candidate


@dataclass
class ScheduleRequest:
    candidate_id: str
    job_title: str
    job_description: str
    starts_at: datetime | None
    deadline: datetime | None
    num_questions: int
    source: str = "default"
    picked_ids: list[str] = field(default_factory=list)


def validate_request(req: ScheduleRequest, now: datetime, drafting: bool = True) -> None:
    """Field checks for the scheduling form; `drafting` also asks hand-picked sources for picks."""
    errors: dict[str, str] = {}
    if not req.candidate_id:
        errors["candidate_id"] = "Choose a candidate."
    if not (req.job_title or "").strip():
        errors["job_title"] = "Enter the job title."
    elif len(req.job_title) > 200:
        errors["job_title"] = "A job title has at most 200 characters."
    if len(req.job_description or "") > 20_000:
        errors["job_description"] = "A job description has at most 20,000 characters."
    if req.starts_at is None:
        errors["starts_at"] = "Enter when the interview opens."
    if req.deadline is None:
        errors["deadline"] = "Enter the deadline."
    if req.starts_at and req.deadline:
        if req.deadline <= req.starts_at:
            errors["deadline"] = "The deadline must be after the start."
        elif req.deadline <= now:
            errors["deadline"] = "The deadline is in the past."
    if not isinstance(req.num_questions, int) or not 1 <= req.num_questions <= MAX_QUESTIONS:
        errors["num_questions"] = f"Choose between 1 and {MAX_QUESTIONS} questions."
    if req.source not in SOURCES:
        errors["question_source"] = "Choose default, generated or custom."
    elif drafting and req.source == "custom" and not req.picked_ids:
        errors["questions"] = "Pick at least one question from the bank."
    if errors:
        raise ValidationError("Please correct the highlighted fields.", errors)


def question_from_bank(bank_question) -> Question:
    return Question(
        id=new_question_id(), text=bank_question.text, category=bank_question.category,
        difficulty=bank_question.difficulty, tags=list(bank_question.tags),
        reference_answer=bank_question.reference_answer, key_points=list(bank_question.key_points),
        source=f"bank:{bank_question.key}",
    )


@dataclass
class Draft:
    questions: list[Question]
    notice: str = ""


def draft_questions(repos, user: User, req: ScheduleRequest, now: datetime, provider=None) -> Draft:
    """The questions HR reviews before confirming: default set, generated, or hand-picked."""
    validate_request(req, now)
    candidate = schedulable_candidate(repos, user, req.candidate_id)
    if req.source == "custom":
        picked = repos.questions.by_ids(req.picked_ids)
        if not picked:
            raise ValidationError("None of the picked questions exist.", {"questions": "Pick questions from the bank."})
        return Draft([question_from_bank(q) for q in picked[:MAX_QUESTIONS]])
    notice = ""
    if req.source == "generated":
        if provider is None:
            notice = "Question generation is not available; these questions come from the default set instead."
        else:
            try:
                generated = generate(repos, provider, req, candidate)
            except Exception as exc:  # any provider failure falls back to the bank, visibly
                notice = (f"Question generation failed ({getattr(exc, 'message', None) or exc.__class__.__name__}); "
                          "these questions come from the default set instead.")
            else:
                if generated:
                    return Draft(generated)
                notice = "The generator returned no questions; these come from the default set instead."
    return Draft([question_from_bank(q) for q in question_service.default_set(repos, req.num_questions)], notice)


def generate(repos, provider, req: ScheduleRequest, candidate: User) -> list[Question]:
    from ..ai.types import BankQuestion as AIBankQuestion
    from ..ai.types import JobSpec

    bank = [AIBankQuestion(key=q.key, text=q.text, category=q.category, difficulty=q.difficulty, tags=q.tags,
                           reference_answer=q.reference_answer, key_points=q.key_points)
            for q in repos.questions.list(enabled=True)]
    items = provider.generate_questions(JobSpec(title=req.job_title, description=req.job_description),
                                        candidate.resume_text, req.num_questions, None, bank)
    result = []
    for item in items[: req.num_questions]:
        try:
            fields = question_service.clean_question_fields(item.model_dump())
        except ValidationError:
            continue
        result.append(Question(id=new_question_id(), source="generated", **fields))
    return result


def clean_draft(items: list[dict[str, Any]]) -> list[Question]:
    """Validate HR's edited draft; errors are keyed `questions.<n>.<field>` (1-based n)."""
    if not items:
        raise ValidationError("An interview needs at least one question.", {"questions": "Add at least one question."})
    if len(items) > MAX_QUESTIONS:
        raise ValidationError(f"An interview has at most {MAX_QUESTIONS} questions.",
                              {"questions": f"At most {MAX_QUESTIONS} questions."})
    result, errors, seen = [], {}, set()
    for n, item in enumerate(items, start=1):
        try:
            fields = question_service.clean_question_fields(item)
        except ValidationError as exc:
            errors.update({f"questions.{n}.{k}": v for k, v in exc.details.items()})
            continue
        qid = str(item.get("id") or "")
        if not qid or len(qid) > 40 or not qid.isalnum() or qid in seen:
            qid = new_question_id()
        seen.add(qid)
        source = str(item.get("source") or "custom")[:80]
        result.append(Question(id=qid, source=source, **fields))
    if errors:
        raise ValidationError("Some questions need attention.", errors)
    return result


def schedule(repos, user: User, req: ScheduleRequest, items: list[dict[str, Any]], now: datetime,
             interview_id: str | None = None) -> Interview:
    """Create the interview with its question snapshot, under `interview_id` when given (an id from
    `repos.interviews.new_id`; a second insert of it raises DuplicateKeyError: see `schedule_draft_once`)."""
    require_staff(user)
    validate_request(req, now, drafting=False)
    candidate = schedulable_candidate(repos, user, req.candidate_id)
    questions = clean_draft(items)
    interview = Interview(
        id=interview_id or repos.interviews.new_id(), candidate_id=candidate.id, hr_id=candidate.hr_id,
        job_title=req.job_title.strip(), job_description=(req.job_description or "").strip(),
        starts_at=req.starts_at, deadline=req.deadline, status=SCHEDULED, questions=questions,
        question_source=req.source, created_by=user.id, created_at=now, next_reminder_at=now,
    )
    # The invitation and the responses first: until the interview itself is written nothing reads
    # them, so a crash in between leaves no half-written interview (the sender drops an invitation
    # whose interview never appears), and a written interview always has its invitation queued.
    outbox.queue(repos, "invitation", candidate.id, {"interview_id": interview.id}, now,
                 key=f"invitation:{interview.id}:0")
    repos.responses.create_for(owner(interview), response_groups(interview), now)
    created = repos.interviews.insert(interview)
    # A reassignment between reading the candidate and these writes moved their other interviews
    # before this one existed: carry the new one (and its answers) over too.
    current = repos.users.get(candidate.id)
    if current is not None and current.hr_id != candidate.hr_id:
        move_scope(repos, candidate.id, current.hr_id)
        created = repos.interviews.get(created.id)
    audit.record(repos, user, "interview.schedule", "interview", created.id, now, interview_id=created.id,
                 after={"candidate": audit.ref_of(candidate), "job_title": created.job_title,
                        "starts_at": created.starts_at, "deadline": created.deadline,
                        "questions": len(created.questions), "source": created.question_source})
    return created


def schedule_draft_once(repos, user: User, req: ScheduleRequest, items: list[dict[str, Any]], now: datetime,
                        draft_id: str) -> tuple[Interview, bool]:
    """`schedule` at most once per draft: returns (the interview, whether this call created it).

    `draft_id` is the id the review page was given for the interview it will create (`new_id`), so a
    double click, a resent form or five racing posts of one draft make one interview: a repeat by the
    user who scheduled it gets that interview back unchanged (whatever the form now holds); the id of
    someone else's interview is a Conflict (409). An unreadable `draft_id` is a ValidationError (422).
    """
    if oid(draft_id) is None:
        raise ValidationError("This form is out of date: go back to the details and draft the questions again.",
                              {"draft_id": "Missing or unreadable."})
    done = scheduled_draft(repos, user, draft_id)
    if done is not None:
        return done, False
    try:
        return schedule(repos, user, req, items, now, interview_id=draft_id), True
    except DuplicateKeyError:  # a racing post of the same draft inserted it first
        done = scheduled_draft(repos, user, draft_id)
        if done is None:
            raise
        return done, False


def scheduled_draft(repos, user: User, draft_id: str) -> Interview | None:
    """The interview `user` scheduled under `draft_id`, None when there is none; Conflict (409) when
    someone else's interview has that id."""
    interview = repos.interviews.get(draft_id)
    if interview is not None and interview.created_by != user.id:
        raise Conflict("This draft was already used for another interview: draft the questions again.")
    return interview


def cancel(repos, user: User, interview_id: str, now: datetime) -> Interview:
    require_staff(user)
    interview = get_visible(repos, user, interview_id, now)
    check_transition(interview.status, CANCELLED)
    outbox.queue(repos, "cancellation", interview.candidate_id, {"interview_id": interview.id}, now,
                 key=f"cancellation:{interview.id}")
    repos.responses.close_for(interview.id)
    cancelled = transition(repos, interview, CANCELLED, cancelled_at=now)
    audit.record(repos, user, "interview.cancel", "interview", interview.id, now, interview_id=interview.id,
                 before={"status": interview.status}, after={"status": CANCELLED})
    return cancelled


def reschedule(repos, user: User, interview_id: str, starts_at: datetime | None, deadline: datetime | None,
               now: datetime) -> Interview:
    """Move the window of a scheduled or in-progress interview (HR of the candidate, or an admin):
    the same checks as scheduling (an interview already open keeps its opening time), the old and
    new window kept in `window_history`, and an updated invitation (SEQUENCE + 1) queued.

    Raises NotFound, InvalidTransition (not open any more), ValidationError ({starts_at|deadline}),
    Conflict (moved or closed by someone else meanwhile: reload)."""
    require_staff(user)
    interview = get_visible(repos, user, interview_id, now)
    if interview.status not in (SCHEDULED, IN_PROGRESS):
        raise InvalidTransition(f"A {interview.status.replace('_', ' ')} interview cannot be moved.")
    if interview.status == IN_PROGRESS or starts_at is None:
        starts_at = interview.starts_at  # already open: answers were given against this start
    validate_request(ScheduleRequest(interview.candidate_id, interview.job_title, interview.job_description,
                                     starts_at, deadline, len(interview.questions) or 1), now, drafting=False)
    if starts_at == interview.starts_at and deadline == interview.deadline:
        raise ValidationError("That is the window it already has.", {"deadline": "Choose a different time."})
    sequence = interview.sequence + 1
    outbox.queue(repos, "invitation", interview.candidate_id, {"interview_id": interview.id, "sequence": sequence}, now,
                 key=f"invitation:{interview.id}:{sequence}")
    entry = {"old_starts_at": interview.starts_at, "old_deadline": interview.deadline, "starts_at": starts_at,
             "deadline": deadline, "changed_at": now, "changed_by": user.id}
    if not repos.interviews.move_window(interview, starts_at, deadline, entry, next_reminder_at=now):
        raise Conflict("The interview changed meanwhile (moved, handed in or cancelled): reload the page.")
    audit.record(repos, user, "interview.reschedule", "interview", interview.id, now, interview_id=interview.id,
                 before={"starts_at": interview.starts_at, "deadline": interview.deadline},
                 after={"starts_at": starts_at, "deadline": deadline, "sequence": sequence})
    return repos.interviews.get(interview.id)


REMINDERS = (timedelta(hours=24), timedelta(hours=1))  # before the deadline, default


def queue_reminders(repos, now: datetime, offsets: tuple[timedelta, ...] = REMINDERS, limit: int = 100) -> int:
    """Queue the reminders due now to candidates who have not handed in (the sender calls it every
    round); returns how many were queued. Each interview is read only when its `next_reminder_at`
    comes (its start, then each offset before the deadline); each reminder has a key of its own,
    so several processes scanning at once queue it once. After an outage only the nearest due
    reminder goes out, not all the missed ones."""
    queued = 0
    for interview in repos.interviews.reminders_due(now, limit):
        later = [interview.deadline - o for o in offsets if interview.deadline - o > now]
        due = [o for o in offsets if interview.deadline - o <= now]
        if interview.status in (SCHEDULED, IN_PROGRESS) and now < interview.deadline and due:
            minutes = int(min(due).total_seconds() // 60)
            key = f"reminder:{interview.id}:{minutes}m"
            if outbox.queue(repos, "reminder", interview.candidate_id,
                            {"interview_id": interview.id, "before_minutes": minutes}, now, key=key):
                queued += 1
        open_ = interview.status in (SCHEDULED, IN_PROGRESS) and now < interview.deadline
        repos.interviews.set_next_reminder(interview, min(later) if later and open_ else None)
    return queued


# --- the candidate's side ------------------------------------------------------------------

def _own(repos, user: User, interview_id: str, now: datetime) -> Interview:
    if user.role != "candidate":
        raise NotFound("No such interview.")
    return get_visible(repos, user, interview_id, now)


def answering_problem(interview: Interview, now: datetime) -> str | None:
    """Why no answer can be saved now, or None when answers are accepted."""
    if interview.status == CANCELLED:
        return "This interview was cancelled."
    if interview.status in (COMPLETED, EVALUATED):
        return "This interview is completed; its answers are read-only."
    if now < interview.starts_at:
        return f"This interview opens at {interview.starts_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC."
    if now >= interview.deadline:
        return "The deadline has passed; no more answers are accepted."
    return None


def open_for_answers(repos, user: User, interview_id: str, now: datetime) -> Interview:
    interview = _own(repos, user, interview_id, now)
    problem = answering_problem(interview, now)
    if problem:
        raise Conflict(problem)
    return interview


@dataclass
class SaveResult:
    response: Response | None
    applied: bool
    reason: str = "saved"  # saved | stale | kept


def save_answer(repos, user: User, interview_id: str, question_id: str, answer: Any, now: datetime,
                seq: Any = None, cleared: bool = False) -> SaveResult:
    """Save one answer (idempotent per interview + question).

    `seq` orders saves of the same answer: the server keeps the highest. Form posts
    without one count as newest. An empty (or whitespace-only) save never erases a non-empty
    answer unless `cleared` says the candidate emptied it on purpose; it is stored as "".
    """
    if not isinstance(answer, str):
        raise ValidationError("The answer must be text.", {"answer": "The answer must be text."})
    answer = answer.replace("\r\n", "\n")
    if len(answer) > ANSWER_MAX_CHARS:
        raise ValidationError(f"An answer has at most {ANSWER_MAX_CHARS:,} characters (this one has {len(answer):,}).",
                              {"answer": f"At most {ANSWER_MAX_CHARS:,} characters."})
    interview = open_for_answers(repos, user, interview_id, now)
    if not isinstance(question_id, str) or interview.question(question_id) is None:
        raise ValidationError("This interview has no such question.", {"question_id": "Unknown question."})
    blank = not answer.strip()
    # The stored answer is read only when needed: form posts (no seq) and blank saves.
    existing = repos.responses.find(interview.id, question_id) if seq in (None, "") or blank else None
    if seq is None or seq == "":
        seq = max(int(now.timestamp() * 1000), (existing.seq + 1) if existing else 0)
    else:
        # ASCII digits only (params.number): int() would take "٥" and "1_000" too.
        seq = params.number(seq, max_digits=SEQ_DIGITS, signed=True)
        if seq is None:
            raise ValidationError("Bad sequence number.", {"seq": "Must be a whole number."})
        if not 0 <= seq < MAX_SEQ:
            raise ValidationError("Bad sequence number.", {"seq": "Out of range."})
    if blank and not cleared and existing is not None and existing.answered:
        return SaveResult(existing, False, "kept")
    if blank:
        answer = ""  # only whitespace is no answer: stored as such, so every count agrees
    group = response_group(interview.question(question_id))
    response, applied = repos.responses.save_answer(owner(interview), question_id, group, answer, seq, now)
    if not applied and response is not None and response.closed:
        raise Conflict("This interview was closed while you were typing: this last change was not saved.",
                       {"answer": "Not saved: the interview is closed."})
    if applied:
        if interview.status == SCHEDULED:
            try:
                transition(repos, interview, IN_PROGRESS, started_at=now)
            except InvalidTransition:
                pass  # a parallel save started it, or it was closed meanwhile
        repos.interviews.set_fields(interview.id, last_activity_at=now)
    return SaveResult(response, applied, "saved" if applied else "stale")


def submit(repos, user: User, interview_id: str, now: datetime) -> Interview:
    """The candidate hands in: completed, answers read-only."""
    interview = open_for_answers(repos, user, interview_id, now)
    if interview.status == SCHEDULED:
        interview = transition(repos, interview, IN_PROGRESS, started_at=now)
    if interview.hr_id or interview.created_by:
        outbox.queue(repos, "handed_in", interview.hr_id or interview.created_by, {"interview_id": interview.id},
                     now, key=f"handed_in:{interview.id}")
    repos.responses.close_for(interview.id)  # first: a save racing the hand-in is refused, never stored after it
    completed = transition(repos, interview, COMPLETED, completed_at=now, closed_reason="submitted")
    audit.record(repos, user, "interview.submit", "interview", interview.id, now, interview_id=interview.id,
                 before={"status": interview.status}, after={"status": COMPLETED})
    _materialise_responses(repos, completed)
    return completed


def first_unanswered(interview: Interview, responses: dict[str, Response]) -> int:
    """Index of the first question without a non-empty answer (the last one when all are answered)."""
    for i, q in enumerate(interview.questions):
        r = responses.get(q.id)
        if r is None or not r.answered:
            return i
    return max(0, len(interview.questions) - 1)


def answered_count(interview: Interview, responses: dict[str, Response]) -> int:
    return sum(1 for q in interview.questions if q.id in responses and responses[q.id].answered)


@dataclass
class Dashboard:
    upcoming: list[Interview]
    in_progress: list[Interview]
    history: list[Interview]
    cancelled: list[Interview]


def dashboard(repos, user: User, now: datetime) -> Dashboard:
    items = [close_if_expired(repos, i, now) for i in repos.interviews.for_candidate(user.id)]
    upcoming = sorted([i for i in items if i.status == SCHEDULED and not is_missed(i, now)], key=lambda i: i.starts_at)
    return Dashboard(
        upcoming=upcoming,
        in_progress=[i for i in items if i.status == IN_PROGRESS],
        history=[i for i in items if i.status in (COMPLETED, EVALUATED) or is_missed(i, now)],
        cancelled=[i for i in items if i.status == CANCELLED],
    )


def candidate_result(interview: Interview) -> tuple[float | None, str]:
    """What the candidate may see of the overall result: only once HR has shared it."""
    if interview.status == EVALUATED and interview.shared:
        return interview.overall_score, interview.overall_feedback
    return None, ""


# --- HR review ----------------------------------------------------------------------------

CANDIDATE_MATCHES = 50  # a candidate search narrows a list to at most this many people


def list_for(repos, user: User, now: datetime, statuses: list[str] | None = None, candidate_id: str = "",
             job_title: str = "", sort_desc: bool = True, page: int = 1, per_page: int = 20,
             candidate: str = "") -> Page:
    """Interviews `user` may see, filtered and paginated (expired ones closed first).

    `candidate_id` picks one candidate; `candidate` (name or e-mail text) the first
    CANDIDATE_MATCHES candidates in `user`'s scope that match it.
    """
    filt = _scope(repos, user, now, statuses, candidate_id, candidate, job_title)
    found = repos.interviews.search(filt, descending=sort_desc, page=page, per_page=per_page)
    found.items = _shown(repos, user, found.items)
    return found


def _shown(repos, user: User, interviews: list[Interview]) -> list[Interview]:
    """`_still_theirs`, each as `user` may be shown it (no result or outcome where they rate blind:
    services/panels.as_seen_by)."""
    from . import panels

    return panels.as_seen_by(repos, user, _still_theirs(repos, user, interviews))


def _still_theirs(repos, user: User, interviews: list[Interview]) -> list[Interview]:
    """For HR, the interviews whose candidate is assigned to them now. The indexed scope field
    follows assignments, but one changed meanwhile (or lost to a crash between the writes of a
    reassignment) must not show what the detail page would refuse: one query per batch."""
    if user.role != "hr" or not interviews:
        return interviews
    people = repos.users.by_ids({i.candidate_id for i in interviews})
    return [i for i in interviews if people.get(i.candidate_id) and people[i.candidate_id].hr_id == user.id]


EXPORT_BATCH = 100  # interviews read, checked and written out at a time: memory stays flat


def iter_all_for(repos, user: User, now: datetime, statuses: list[str] | None = None) -> Iterator[list[Interview]]:
    """Every interview `user` may see (exports), in batches of EXPORT_BATCH: `list_for` without
    pages, read as iterated."""
    return _checked_batches(repos, user, repos.interviews.iter_matching(_scope(repos, user, now, statuses)))


def _checked_batches(repos, user: User, interviews: Iterator[Interview]) -> Iterator[list[Interview]]:
    batch: list[Interview] = []
    for interview in interviews:
        batch.append(interview)
        if len(batch) == EXPORT_BATCH:
            yield _shown(repos, user, batch)
            batch = []
    if batch:
        yield _shown(repos, user, batch)


def move_scope(repos, candidate_id: str, hr_id: str | None) -> None:
    """Carry the candidate's interviews and answers into `hr_id`'s scope (their indexed `hr_id`).
    The candidate's own record, written first, stays the truth that access checks read."""
    repos.interviews.set_hr_for_candidate(candidate_id, hr_id)
    repos.responses.set_hr_for_candidate(candidate_id, hr_id)


def _scope(repos, user: User, now: datetime, statuses: list[str] | None = None, candidate_id: str = "",
           candidate: str = "", job_title: str = "") -> dict[str, Any]:
    """The interview filter for staff `user` (HR: their scope), after closing expired interviews."""
    require_staff(user)
    close_expired(repos, now)
    hr_id = user.id if user.role == "hr" else None
    candidate_ids = None
    if candidate_id:
        candidate_ids = [candidate_id]
    elif candidate.strip():
        matches = repos.users.search(query=candidate.strip(), role="candidate", hr_id=hr_id, per_page=CANDIDATE_MATCHES)
        candidate_ids = [c.id for c in matches.items]
    return scope_filter(hr_id=hr_id, candidate_ids=candidate_ids, statuses=statuses, job_title=job_title)


@dataclass
class Progress:
    answered: int
    total: int
    last_activity_at: datetime | None


def progress(repos, interview: Interview, responses: dict[str, Response] | None = None) -> Progress:
    """Answered questions so far: counted from `responses` when the caller has them loaded, else
    by one database count."""
    answered = (answered_count(interview, responses) if responses is not None
                else repos.responses.count_answered(interview.id))
    return Progress(answered, len(interview.questions), interview.last_activity_at)


def progress_of_page(repos, interviews: list[Interview]) -> dict[str, Progress]:
    """`progress` of every interview of a list page, counted by one query for the whole page."""
    answered = repos.responses.answered_counts([i.id for i in interviews]) if interviews else {}
    return {i.id: Progress(answered.get(i.id, 0), len(i.questions), i.last_activity_at) for i in interviews}


SCORE_MESSAGE = "A score is a number from 0 to 10 (one decimal at most)."


def parse_score(value: Any, field_name: str = "score") -> float:
    """A score from 0 to 10 with at most one decimal (ASCII digits, a sign, a decimal point or comma:
    `params.number`); ValidationError with the field otherwise."""
    number = params.number(value, signed=True, fraction=True, comma=True)
    if number is None or not 0 <= number <= 10 or abs(round(number, 1) - number) > 1e-9:
        raise params.BadValue(field_name, SCORE_MESSAGE)
    return round(number, 1) + 0.0  # + 0.0: "-0" is stored as 0.0, not -0.0


def reviewable(repos, user: User, interview_id: str, now: datetime) -> Interview:
    require_staff(user)
    interview = get_visible(repos, user, interview_id, now)
    if interview.status not in (COMPLETED, EVALUATED):
        raise Conflict("Answers can be scored once the interview is completed.")
    return interview


def visible_response(repos, user: User, response_id: str, now: datetime) -> tuple[Interview, Response]:
    response = repos.responses.get(response_id)
    if response is None:
        raise NotFound("No such response.")
    interview = get_visible(repos, user, response.interview_id, now)
    return interview, response


def ensure_response(repos, interview: Interview, question_id: str) -> Response:
    """The response for a question, creating an empty one so an unanswered question can be scored."""
    existing = repos.responses.find(interview.id, question_id)
    if existing is not None:
        return existing
    group = response_group(interview.question(question_id))
    response, _ = repos.responses.save_answer(owner(interview), question_id, group, "", 0,
                                              interview.completed_at or interview.deadline)
    return response


def _not_blind(repos, user: User, interview: Interview, owner_too: bool = False) -> None:
    """A rater of a panel interview scores and decides only after submitting their panel rating
    (services/panels.py: the blind rule); with `owner_too`, anyone (an admin) waits for the owner's,
    so no score or result exists that a rater still rating could read in a list or a report."""
    if interview.has_panel:
        from . import panels

        panels.require_not_blind(repos, user, interview)
        if owner_too and interview.hr_id:
            owner = repos.users.get(interview.hr_id)
            if owner is not None and panels.blind(repos, owner, interview):
                raise Conflict("The owner scores a panel interview and records its result after submitting "
                               "their panel rating.")


SEEN_MESSAGE = "This form is out of date (its time stamp is unreadable): reload the page."


def seen_time(seen: Any, field_name: str = "seen") -> tuple[bool, datetime | None]:
    """Read a compare-and-set precondition: (whether there is one, the time it names).

    `seen` is the `evaluated_at` or `scored_at` the form or client read: None (left out) for no
    precondition; "" for "nothing recorded yet"; else ISO 8601 (compared as a time, so "Z" and
    "+00:00" are the same). ValidationError for `field_name` when it is not a time."""
    if seen is None:
        return False, None
    if seen == "":
        return True, None
    try:
        return True, params.local_datetime(seen, UTC, field_name)
    except params.BadValue:
        raise params.BadValue(field_name, SEEN_MESSAGE) from None


def clean_feedback(feedback: Any, field_name: str = "feedback") -> str:
    text = str(feedback or "").strip()
    if len(text) > FEEDBACK_MAX_CHARS:
        raise ValidationError("Feedback is too long.", {field_name: f"At most {FEEDBACK_MAX_CHARS:,} characters."})
    return text


def _check_score_seen(response: Response, score: Any, feedback: Any, seen: Any) -> Response | None:
    """None when `seen` (see `seen_time`) still names the stored score (or is left out): write. When it
    does not: `response` if it already holds exactly `score` and `feedback` (a double click: nothing
    to write), else Conflict (409) with the stored score in `details`. Writes nothing."""
    expected, at = seen_time(seen)
    if expected and at != response.scored_at:
        return _score_conflict(response, parse_score(score), clean_feedback(feedback))
    return None


def score_response(repos, user: User, interview_id: str, question_id: str, score: Any, feedback: Any,
                   now: datetime, seen: Any = None) -> Response:
    """HR's score and feedback for one answer (final; the AI only proposes).

    Never a silent overwrite, as `record_result`: the write is a compare-and-set on the `scored_at`
    this request read, and `seen` (the `scored_at` the form showed, ISO 8601, "" for none; left out:
    no precondition) must still be the stored one. A score someone saved meanwhile raises Conflict
    (409) with it in `details`, nothing written; the same values sent twice are simply accepted.
    """
    interview = reviewable(repos, user, interview_id, now)
    if interview.question(question_id) is None:
        raise NotFound("No such question in this interview.")
    _not_blind(repos, user, interview, owner_too=True)
    value = parse_score(score)
    feedback = clean_feedback(feedback)
    seen_time(seen)  # an unreadable precondition is a 422 before anything is written
    response = ensure_response(repos, interview, question_id)
    if _check_score_seen(response, value, feedback, seen) is not None:
        return response  # sent twice: already stored, nothing to write
    if not repos.responses.set_score(response.id, response.scored_at, score=value, feedback=feedback,
                                     scored_by=user.id, scored_at=now):
        fresh = repos.responses.get(response.id)
        if fresh is None:
            raise NotFound("No such response.")
        return _score_conflict(fresh, value, feedback)  # lost the compare-and-set to a score saved meanwhile
    if (response.score, response.feedback) != (value, feedback):
        audit.record(repos, user, "answer.score", "response", response.id, now, interview_id=interview.id,
                     before={"score": response.score, "feedback": audit.fingerprint(response.feedback)},
                     after={"score": value, "feedback": audit.fingerprint(feedback),
                            "question": interview.index_of(question_id) + 1})
    return repos.responses.get(response.id)


def _score_conflict(current: Response, score: float, feedback: str) -> Response:
    """The stored response when it holds what was sent (a double click); else Conflict with its score."""
    if current.score == score and (current.feedback or "") == feedback:
        return current
    stored = "no score" if current.score is None else f"{current.score:g}/10"
    raise Conflict(f"Someone saved a score for this answer meanwhile ({stored}); yours was not saved. "
                   "Save again to replace it with yours.",
                   {"response_id": current.id, "question_id": current.question_id, "score": current.score,
                    "feedback": current.feedback or "", "scored_at": _iso(current.scored_at)})


def record_result(repos, user: User, interview_id: str, overall_score: Any, overall_feedback: Any, now: datetime,
                  share: bool | None = None, seen: str | None = None) -> Interview:
    """The overall result: completed → evaluated (or an update of an evaluated interview).

    Never a silent overwrite: the write is a compare-and-set on the result this request read, and
    `seen` (the `evaluated_at` the form showed, ISO 8601, "" for none) must still be the stored
    one. A result someone recorded meanwhile raises Conflict (409) with it in `details`; the same
    values sent twice (a double click) are simply accepted.
    """
    interview = reviewable(repos, user, interview_id, now)
    _not_blind(repos, user, interview, owner_too=True)
    score = parse_score(overall_score, "overall_score")
    feedback = clean_feedback(overall_feedback, "overall_feedback")
    fields: dict[str, Any] = {"overall_score": score, "overall_feedback": feedback, "evaluated_at": now}
    if share is not None:
        fields["shared"] = bool(share)
    if _check_result_seen(interview, score, feedback, seen) is not None:
        return interview  # sent twice: already recorded, nothing to write
    before = {"overall_score": interview.overall_score, "overall_feedback": audit.fingerprint(interview.overall_feedback),
              "shared": interview.shared}
    if interview.status == COMPLETED:
        written = repos.interviews.transition(interview.id, (COMPLETED,), EVALUATED, **fields)
    else:
        written = repos.interviews.update_result(interview.id, interview.evaluated_at, **fields)
    if written:
        after = {"overall_score": score, "overall_feedback": audit.fingerprint(feedback),
                 "shared": fields.get("shared", interview.shared)}
        audit.record(repos, user, "interview.result", "interview", interview.id, now, interview_id=interview.id,
                     before=before, after=after)
        return repos.interviews.get(interview.id)
    # Lost the compare-and-set: the only way out of completed is evaluated, and evaluated stays.
    fresh = repos.interviews.get(interview.id)
    if fresh is None:
        raise NotFound("No such interview.")
    return _result_conflict(fresh, score, feedback)


def _check_result_seen(interview: Interview, overall_score: Any, overall_feedback: Any, seen: Any) -> Interview | None:
    """None when `seen` (see `seen_time`) still names the recorded result (or is left out): write. When
    it does not: `interview` if it already holds exactly this result (a double click: nothing to
    write), else Conflict (409) with the stored result in `details`. Writes nothing."""
    expected, at = seen_time(seen)
    if expected and at != interview.evaluated_at:
        return _result_conflict(interview, parse_score(overall_score, "overall_score"),
                                clean_feedback(overall_feedback, "overall_feedback"))
    return None


def check_results_seen(repos, user: User, interview_id: str, now: datetime, overall_score: Any, overall_feedback: Any,
                       seen: Any, answers: list[tuple[Response, Any, Any, Any]]) -> None:
    """Before a call that records several scores and the result (the API's POST …/results) writes
    anything: Conflict (409) when one of its preconditions no longer holds, as `score_response` and
    `record_result` would answer it (after the same access and blind checks, so a refusal never shows a
    stored score to someone who may not read it). `answers`: (stored response, score, feedback, seen).
    Each write checks again (a compare-and-set); this only keeps a stale call from writing part of itself."""
    interview = reviewable(repos, user, interview_id, now)
    _not_blind(repos, user, interview, owner_too=True)
    for response, score, feedback, answer_seen in answers:
        _check_score_seen(response, score, feedback, answer_seen)
    _check_result_seen(interview, overall_score, overall_feedback, seen)


def _iso(value: datetime | None) -> str:
    return value.isoformat() if value else ""


def _result_conflict(current: Interview, score: float, feedback: str) -> Interview:
    """The stored result when it equals what was sent (a double click); else Conflict with it."""
    if current.status == EVALUATED and current.overall_score == score and current.overall_feedback == feedback:
        return current
    if current.status != EVALUATED:
        raise Conflict("The interview changed meanwhile; reload and try again.")
    raise Conflict(f"Someone recorded a result meanwhile ({current.overall_score:g}/10); yours was not saved. "
                   "Reload to see it, then record yours again if it should replace it.",
                   {"overall_score": current.overall_score, "overall_feedback": current.overall_feedback,
                    "evaluated_at": _iso(current.evaluated_at)})


def set_shared(repos, user: User, interview_id: str, shared: bool, now: datetime,
               key_points: bool | None = None) -> Interview:
    """Share the result with the candidate (or stop); `key_points` also shows them, per answer, the
    key points their answer touched on and those it did not (from the latest AI evaluation's
    comparison with the reference: never the reference answer, never an AI score)."""
    interview = reviewable(repos, user, interview_id, now)
    _not_blind(repos, user, interview)
    if interview.status != EVALUATED and shared:
        raise Conflict("Record an overall result before sharing it with the candidate.")
    if shared and not interview.shared:
        # Once per interview: sharing, unsharing and sharing again sends one notice.
        outbox.queue(repos, "results_shared", interview.candidate_id, {"interview_id": interview.id}, now,
                     key=f"results_shared:{interview.id}")
    fields: dict[str, Any] = {"shared": bool(shared)}
    if key_points is not None:
        fields["share_key_points"] = bool(key_points)
    repos.interviews.set_fields(interview.id, **fields)
    if bool(shared) != interview.shared or (key_points is not None and bool(key_points) != interview.share_key_points):
        audit.record(repos, user, "interview.share" if shared else "interview.unshare", "interview", interview.id, now,
                     interview_id=interview.id, before={"shared": interview.shared,
                                                        "key_points": interview.share_key_points},
                     after={"shared": bool(shared), "key_points": fields.get("share_key_points",
                                                                             interview.share_key_points)})
    return repos.interviews.get(interview.id)
