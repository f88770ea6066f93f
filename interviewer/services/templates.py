"""Interview templates: reusable structured interviews, and scheduling many candidates from one.

A template holds the job (title, description), the competencies it assesses, the questions (each
linked to one or more of those competencies; every competency has at least one question) and the
answering window (deadline = start + `window_hours`). HR users see and edit their own templates,
admins everyone's; every edit is a compare-and-set on `version` (a stale form gets Conflict, 409,
with the current values).

`schedule` makes one interview per candidate in one request: the template's questions snapshotted
with their competency ids, the competencies snapshotted (name and the five anchors) so later edits
change no past interview, the invitation queued and the audit event written exactly as the
single-candidate path does (`services.interviews.schedule`). A bulk request carries a `batch_id`:
each interview's id is derived from it and the candidate's, so a form sent twice makes each
interview once.
"""
from __future__ import annotations

import hashlib
from copy import deepcopy
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from ..errors import Conflict, NotFound, ValidationError
from ..models import SCHEDULED, Interview, InterviewTemplate, Page, TemplateQuestion, User
from ..params import one_line
from ..repositories.base import from_db, oid
from . import audit, outbox
from . import interviews as interview_service
from . import questions as question_service

NAME_MAX = 120
MAX_COMPETENCIES = 12
MAX_QUESTIONS = interview_service.MAX_QUESTIONS
WINDOW_HOURS = (1, 24 * 90)  # an answering window from one hour to 90 days
MAX_BULK = 500  # candidates in one bulk request (the $in of their ids stays bounded)
COPIES = 20


def require_staff(user: User) -> None:
    if user.role not in ("hr", "admin"):
        raise NotFound("No such template.")


def visible(repos, user: User, template_id: str) -> InterviewTemplate:
    """The template if `user` may use it (its owner, or an admin); NotFound otherwise."""
    require_staff(user)
    template = repos.templates.get(template_id)
    if template is None or (user.role != "admin" and template.owner_id != user.id):
        raise NotFound("No such template.")
    return template


def list_page(repos, user: User, archived: bool = False, page: Any = 1, per_page: Any = 20) -> Page:
    """One page of the templates `user` may see (HR: their own; admin: all), newest first."""
    require_staff(user)
    return repos.templates.page(None if user.role == "admin" else user.id, archived, page, per_page)


# --- validation ----------------------------------------------------------------------------

def _window(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if WINDOW_HOURS[0] <= value <= WINDOW_HOURS[1] else None
    from ..params import integer

    return integer(value, *WINDOW_HOURS) if isinstance(value, str) else None


def _question_id(value: Any, seen: set[str]) -> str:
    qid = str(value or "")
    if not qid or len(qid) > 40 or not qid.isascii() or not qid.isalnum() or qid in seen:
        qid = interview_service.new_question_id()
    seen.add(qid)
    return qid


def clean(repos, data: dict[str, Any]) -> dict[str, Any]:
    """The template's fields checked; ValidationError keyed by field (questions as
    `questions.<n>.<field>`, 1-based), every problem at once.

    `data`: name, job_title, job_description, competency_ids (list of ids), window_hours (whole
    hours, 1–2160), require_evidence (True, or "on", "1", "true", "yes"; anything else is False),
    questions (list of {id?, text, category?, difficulty?, tags?, reference_answer?, key_points?,
    source?, competency_ids}). Each question links at least one of the template's competencies;
    each competency has at least one question."""
    errors: dict[str, str] = {}
    name = one_line(data.get("name"))
    if not name:
        errors["name"] = "Enter a name for the template."
    elif len(name) > NAME_MAX:
        errors["name"] = f"A name has at most {NAME_MAX} characters."
    job_title = one_line(data.get("job_title"))
    if not job_title:
        errors["job_title"] = "Enter the job title."
    elif len(job_title) > 200:
        errors["job_title"] = "A job title has at most 200 characters."
    job_description = str(data.get("job_description") or "").strip()
    if len(job_description) > 20_000:
        errors["job_description"] = "A job description has at most 20,000 characters."
    window = _window(data.get("window_hours"))
    if window is None:
        errors["window_hours"] = (f"Enter the answering window in whole hours, from {WINDOW_HOURS[0]} "
                                  f"to {WINDOW_HOURS[1]:,} (90 days).")
    raw_ids = data.get("competency_ids")
    ids = list(dict.fromkeys(str(i) for i in raw_ids)) if isinstance(raw_ids, list | tuple) else []
    competencies = {}
    if not ids:
        errors["competency_ids"] = "Choose at least one competency this interview assesses."
    elif len(ids) > MAX_COMPETENCIES:
        errors["competency_ids"] = f"A template assesses at most {MAX_COMPETENCIES} competencies."
    else:
        competencies = repos.competencies.by_ids(ids)
        if len(competencies) != len(ids):
            errors["competency_ids"] = "Some of the chosen competencies do not exist: choose them again."
    questions = _clean_questions(data.get("questions"), ids, competencies, errors)
    if errors:
        raise ValidationError("Please correct the highlighted fields.", errors)
    return {"name": name, "job_title": job_title, "job_description": job_description, "competency_ids": ids,
            "questions": questions, "window_hours": window, "require_evidence": _checked(data.get("require_evidence"))}


def _checked(value: Any) -> bool:
    """A JSON true or an HTML checkbox's value; anything else (absent, false, "off") is False."""
    return value is True or (isinstance(value, str) and value.strip().lower() in ("on", "1", "true", "yes"))


def _clean_questions(items: Any, ids: list[str], competencies: dict, errors: dict[str, str]) -> list[TemplateQuestion]:
    if not isinstance(items, list | tuple) or not items:
        errors["questions"] = "Add at least one question."
        return []
    if len(items) > MAX_QUESTIONS:
        errors["questions"] = f"A template has at most {MAX_QUESTIONS} questions."
        return []
    result, seen, linked = [], set(), set()
    for n, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            errors[f"questions.{n}.text"] = "Unreadable question."
            continue
        try:
            fields = question_service.clean_question_fields(item)
        except ValidationError as exc:
            errors.update({f"questions.{n}.{k}": v for k, v in exc.details.items()})
            fields = None
        raw = item.get("competency_ids")
        links = list(dict.fromkeys(str(i) for i in raw)) if isinstance(raw, list | tuple) else []
        if not links:
            errors[f"questions.{n}.competency_ids"] = "Link the question to at least one competency it rates."
        elif ids and not set(links) <= set(ids):
            errors[f"questions.{n}.competency_ids"] = "Link only competencies this template assesses."
        linked.update(links)
        if fields is not None:
            source = str(item.get("source") or "custom")[:80]
            result.append(TemplateQuestion(id=_question_id(item.get("id"), seen), competency_ids=links,
                                           source=source, **fields))
    unrated = [competencies[i].name for i in ids if i in competencies and i not in linked]
    if unrated and "questions" not in errors:
        errors["competency_ids"] = ("No question rates " + ", ".join(unrated) + ": link at least one question "
                                    "to every competency, or remove it.")
    return result


# --- writes ----------------------------------------------------------------------------------

def create(repos, user: User, data: dict[str, Any], now: datetime) -> InterviewTemplate:
    """A new template owned by `user` (see `clean` for `data`)."""
    require_staff(user)
    fields = clean(repos, data)
    made = repos.templates.insert(InterviewTemplate(id="", owner_id=user.id, created_at=now, updated_at=now,
                                                    **fields))
    audit.record(repos, user, "template.create", "template", made.id, now,
                 after={"name": made.name, "questions": len(made.questions), "competencies": len(made.competency_ids)})
    return made


def current_values(template: InterviewTemplate) -> dict[str, Any]:
    """What a Conflict carries: the stored template as plain data, with its version."""
    return {"name": template.name, "job_title": template.job_title, "job_description": template.job_description,
            "competency_ids": list(template.competency_ids), "window_hours": template.window_hours,
            "questions": [q.__dict__ for q in template.questions], "version": template.version,
            "archived": template.archived, "require_evidence": template.require_evidence}


def _version(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError("This form is out of date: reload the page.", {"version": "Missing or unreadable."})
    return value


def update(repos, user: User, template_id: str, data: dict[str, Any], version: Any, now: datetime) -> InterviewTemplate:
    """Replace the template's fields if it is still at `version` (the one the form was read at).
    Raises NotFound, ValidationError, or Conflict (409, the current values in `details`) when it was
    changed meanwhile; the same values sent twice are accepted."""
    before = visible(repos, user, template_id)
    fields = clean(repos, data)
    version = _version(version)
    if version == before.version and repos.templates.update(before.id, version, updated_at=now, **fields):
        changed = sorted(k for k, v in fields.items() if getattr(before, k) != v)
        audit.record(repos, user, "template.update", "template", before.id, now,
                     before={"version": version}, after={"version": version + 1, "changed": changed})
        return repos.templates.get(before.id)
    fresh = repos.templates.get(before.id)
    if fresh is None:
        raise NotFound("No such template.")
    if _same_values(fresh, fields):
        return fresh  # the same edit twice (a double click, a resent API call)
    raise Conflict("Someone changed this template meanwhile; yours was not saved. The current values are shown: "
                   "make your change again on them.", current_values(fresh))


def _same_values(template: InterviewTemplate, fields: dict[str, Any]) -> bool:
    """Whether `fields` (cleaned) are what `template` holds; questions compared without their ids, which
    an edit that leaves them out gets new each time."""
    def bare(questions):
        return [{**q.__dict__, "id": ""} for q in questions]

    return all(bare(getattr(template, k)) == bare(v) if k == "questions" else getattr(template, k) == v
               for k, v in fields.items())


def copy(repos, user: User, template_id: str, now: datetime) -> InterviewTemplate:
    """A new template owned by `user` with the same job, competencies, questions and window, named
    "<name> (copy)" ("copy the previous question set")."""
    source = visible(repos, user, template_id)
    suffix = " (copy)"
    made = repos.templates.insert(InterviewTemplate(
        id="", owner_id=user.id, name=source.name[: NAME_MAX - len(suffix)] + suffix, job_title=source.job_title,
        job_description=source.job_description, competency_ids=list(source.competency_ids),
        questions=list(source.questions), window_hours=source.window_hours, require_evidence=source.require_evidence,
        created_at=now, updated_at=now))
    audit.record(repos, user, "template.copy", "template", made.id, now, before={"from": source.id},
                 after={"name": made.name})
    return made


def set_archived(repos, user: User, template_id: str, archived: bool, version: Any, now: datetime) -> InterviewTemplate:
    """Archive a template (it leaves the list and cannot be scheduled from; its interviews stay) or
    bring it back. A compare-and-set on `version` like every edit."""
    before = visible(repos, user, template_id)
    version = _version(version)
    if before.archived == bool(archived):
        return before
    if version != before.version or not repos.templates.update(before.id, version, archived=bool(archived),
                                                               updated_at=now):
        fresh = repos.templates.get(before.id) or before
        if fresh.archived == bool(archived):
            return fresh
        raise Conflict("Someone changed this template meanwhile: reload the page.", current_values(fresh))
    audit.record(repos, user, "template.archive" if archived else "template.unarchive", "template", before.id, now,
                 before={"archived": before.archived}, after={"archived": bool(archived)})
    return repos.templates.get(before.id)


# --- questions for a template ----------------------------------------------------------------------

def generate_questions(repos, provider, job_title: str, job_description: str, count: int,
                       competency_ids: list[str]) -> tuple[list[dict[str, Any]], str]:
    """(questions as form fields, notice) drafted for a template with the scheduling path's
    generator (`interviews.draft_questions`): generated when `provider` works, else the default
    set with a notice saying why. No candidate yet, so no resume. Each is linked to every one of
    `competency_ids` for HR to narrow down."""
    req = interview_service.ScheduleRequest(candidate_id="-", job_title=job_title or "the role",
                                            job_description=job_description or "", starts_at=None, deadline=None,
                                            num_questions=max(1, min(count, MAX_QUESTIONS)), source="generated")
    notice, questions = "", []
    if provider is None:
        notice = "Question generation is not available; these questions come from the default set instead."
    else:
        try:
            questions = interview_service.generate(repos, provider, req, SimpleNamespace(resume_text=""))
        except Exception as exc:  # any provider failure falls back to the bank, visibly
            notice = (f"Question generation failed ({getattr(exc, 'message', None) or exc.__class__.__name__}); "
                      "these questions come from the default set instead.")
        if not questions and not notice:
            notice = "The generator returned no questions; these come from the default set instead."
    if not questions:
        questions = [interview_service.question_from_bank(q)
                     for q in question_service.default_set(repos, req.num_questions)]
    return [{**question_service.form_fields(q), "competency_ids": list(competency_ids)} for q in questions], notice


# --- scheduling from a template ----------------------------------------------------------------------

@dataclass
class Outcome:
    """One candidate of a bulk request: `created` with the interview, or refused with a code and why.

    Codes: unknown (no such candidate, or, for an HR user, one not assigned to them: one refusal
    for both, without a name, so a bulk form confirms nothing about other HR users' candidates), unassigned,
    deactivated, duplicate_in_request (listed twice), already_open (an open interview from this
    template at that time), already_done (this very request made it before: a resent form)."""

    candidate_id: str
    created: bool
    code: str = "created"
    message: str = ""
    name: str = ""
    interview_id: str | None = None


@dataclass
class BulkResult:
    template: InterviewTemplate
    starts_at: datetime
    deadline: datetime
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def created(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.created]

    @property
    def refused(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.created]


def interview_id_for(batch_id: str, candidate_id: str, template_id: str = "") -> str:
    """The id the interview of `candidate_id` gets in bulk request `batch_id` from template
    `template_id`: the batch's time stamp (so ids still sort by creation) and a digest of the three.
    The same request sent again derives the same ids, and the unique `_id` refuses a second insert;
    the same batch id sent to another template derives other ids."""
    digest = hashlib.sha256(f"{batch_id}:{template_id}:{candidate_id}".encode()).hexdigest()
    return str(ObjectId(batch_id[:8] + digest[:16]))


def new_batch_id() -> str:
    """An id for a bulk form about to be shown (its idempotency key)."""
    return str(ObjectId())


UNKNOWN_HR = "No such candidate is assigned to you."


def _refusal(user: User, candidate: User | None) -> tuple[str, str] | None:
    if user.role == "hr" and (candidate is None or candidate.role != "candidate" or candidate.hr_id != user.id):
        return "unknown", UNKNOWN_HR  # the same for a made-up id and another HR user's candidate
    if candidate is None or candidate.role != "candidate":
        return "unknown", "No such candidate."
    if candidate.status != "assigned" or not candidate.hr_id:
        return "unassigned", f"{candidate.name} is not assigned to an HR user yet, so cannot be interviewed."
    if not candidate.active:
        return "deactivated", f"{candidate.name}'s account is deactivated."
    return None


def competency_snapshot(repos, template: InterviewTemplate) -> list[dict[str, Any]]:
    """The template's competencies as frozen into an interview: id, name, description and the five anchors."""
    found = repos.competencies.by_ids(template.competency_ids)
    return [{"id": c.id, "name": c.name, "description": c.description, "anchors": list(c.anchors)}
            for c in (found.get(i) for i in template.competency_ids) if c is not None]


def schedule(repos, user: User, template_id: str, starts_at: datetime | None, candidate_ids: Any, now: datetime,
             batch_id: str) -> BulkResult:
    """One interview per candidate from the template, opening at `starts_at` (aware UTC), due
    `window_hours` later. Returns what happened to each candidate, in the order given.

    Raises NotFound (template), Conflict (archived), ValidationError (`starts_at` missing or the
    window already over, no candidates, more than MAX_BULK, an unreadable `batch_id`). Reads: the
    template, its competencies, the candidates (one `_id $in` of at most MAX_BULK), the open
    interviews from this template at this time (one indexed query); then per created interview the
    same single-document writes as `interviews.schedule`.
    """
    template = visible(repos, user, template_id)
    if template.archived:
        raise Conflict("This template is archived: bring it back before scheduling from it.")
    if oid(batch_id) is None:
        raise ValidationError("This form is out of date: reload it and send it again.",
                              {"batch_id": "Missing or unreadable."})
    ids = [str(c) for c in candidate_ids] if isinstance(candidate_ids, list | tuple) else []
    errors: dict[str, str] = {}
    if not ids:
        errors["candidate_ids"] = "Choose at least one candidate."
    elif len(ids) > MAX_BULK:
        errors["candidate_ids"] = f"At most {MAX_BULK} candidates in one request."
    deadline = starts_at + timedelta(hours=template.window_hours) if starts_at else None
    try:
        interview_service.validate_request(interview_service.ScheduleRequest(
            "-", template.job_title, template.job_description, starts_at, deadline, len(template.questions) or 1),
            now, drafting=False)
    except ValidationError as exc:
        for key, message in exc.details.items():
            if key == "deadline":
                message = f"With this template's {template.window_hours}-hour window, the deadline would be past."
            errors["starts_at" if key == "deadline" else key] = message
    if errors:
        raise ValidationError("Please correct the highlighted fields.", errors)
    result = BulkResult(template, starts_at, deadline)
    people = repos.users.by_ids(i for i in ids if oid(i) is not None)
    existing = {i.candidate_id: i for i in repos.interviews.open_from_template(template.id, starts_at)}
    competencies = competency_snapshot(repos, template)
    seen: set[str] = set()
    for candidate_id in ids:
        candidate = people.get(candidate_id)
        refusal = _refusal(user, candidate)
        # no name for a refused unknown (for HR: someone else's candidate too), not even when listed twice
        name = candidate.name if candidate is not None and (refusal is None or refusal[0] != "unknown") else ""
        if candidate_id in seen:
            result.outcomes.append(Outcome(candidate_id, False, "duplicate_in_request",
                                           "Listed more than once: scheduled once.", name))
            continue
        seen.add(candidate_id)
        if refusal is not None:
            result.outcomes.append(Outcome(candidate_id, False, *refusal, name=name))
            continue
        wanted = interview_id_for(batch_id, candidate_id, template.id)
        if candidate_id in existing:
            result.outcomes.append(_already(existing[candidate_id], wanted, candidate))
            continue
        made = _schedule_claimed(repos, user, template, candidate, starts_at, deadline, competencies, now, wanted)
        result.outcomes.append(made)
    _follow_reassignments(repos, [o for o in result.outcomes if o.created], people)
    return result


def _already(interview: Interview, wanted: str, candidate: User) -> Outcome:
    if interview.id == wanted:
        return Outcome(candidate.id, False, "already_done", "This request already scheduled it (the form was sent "
                       "twice).", candidate.name, interview.id)
    return Outcome(candidate.id, False, "already_open", f"{candidate.name} already has an open interview from this "
                   "template at that time.", candidate.name, interview.id)


CLAIM_STALE = timedelta(minutes=2)  # a claim older than this was left by a request that died: taken over


def _schedule_claimed(repos, user: User, template: InterviewTemplate, candidate: User, starts_at: datetime,
                      deadline: datetime, competencies: list[dict], now: datetime, wanted: str) -> Outcome:
    """`_schedule_one` under a claim on (template, candidate, opening time). Two different requests
    (two forms, two HR users) that both passed the check for an open interview race here: the unique
    claim lets one create it; the other finds the claim held (the interview exists: already_open; or
    is being written: the same refusal, naming it) or, once released, finds the interview itself."""
    key = f"{template.id}:{candidate.id}:{starts_at.isoformat()}"
    claim = repos.templates.claim(key, wanted, now)
    holder = claim["interview_id"]
    if holder != wanted:
        claimed_at = from_db(claim.get("claimed_at"))
        stale = claimed_at is not None and now - claimed_at >= CLAIM_STALE
        if not (stale and repos.templates.take_over(key, holder, wanted, now)):
            found = repos.interviews.get(holder)
            if found is not None:
                return _already(found, wanted, candidate)
            return Outcome(candidate.id, False, "already_open", f"{candidate.name}'s interview from this template at "
                           "that time is being scheduled by another request right now.", candidate.name)
    try:
        others = [i for i in repos.interviews.open_from_template(template.id, starts_at, candidate.id) if i.id != wanted]
        if others:  # made by a request that held the claim and let it go before this one took it
            return _already(others[0], wanted, candidate)
        return _schedule_one(repos, user, template, candidate, starts_at, deadline, competencies, now, wanted)
    finally:
        repos.templates.release(key, wanted)


def _schedule_one(repos, user: User, template: InterviewTemplate, candidate: User, starts_at: datetime,
                  deadline: datetime, competencies: list[dict], now: datetime, interview_id: str) -> Outcome:
    """`interviews.schedule`'s writes for one candidate, in its order (invitation, responses,
    interview, audit event). Nothing is written when an interview with the derived id exists already
    (this request sent again: already_done; another template's, whatever the batch id: refused)."""
    found = repos.interviews.get(interview_id)
    if found is not None:
        return _taken(found, template, candidate, interview_id)
    questions = [deepcopy(q) for q in template.questions]  # frozen in: later template edits never reach it
    interview = Interview(
        id=interview_id, candidate_id=candidate.id, hr_id=candidate.hr_id, job_title=template.job_title,
        job_description=template.job_description, starts_at=starts_at, deadline=deadline, status=SCHEDULED,
        questions=questions, question_source="template", created_by=user.id, created_at=now,
        next_reminder_at=now, template_id=template.id, competencies=competencies,
        require_evidence=template.require_evidence,
    )
    outbox.queue(repos, "invitation", candidate.id, {"interview_id": interview.id}, now,
                 key=f"invitation:{interview.id}:0")
    repos.responses.create_for(interview_service.owner(interview), interview_service.response_groups(interview), now)
    try:
        created = repos.interviews.insert(interview)
    except DuplicateKeyError:  # a racing copy of this request inserted it first
        found = repos.interviews.get(interview_id)
        if found is not None:
            return _taken(found, template, candidate, interview_id)
        return Outcome(candidate.id, False, "already_done", "This request already scheduled it (the form was sent "
                       "twice).", candidate.name, interview_id)
    audit.record(repos, user, "interview.schedule", "interview", created.id, now, interview_id=created.id,
                 after={"candidate": audit.ref_of(candidate), "job_title": created.job_title,
                        "starts_at": created.starts_at, "deadline": created.deadline,
                        "questions": len(created.questions), "source": created.question_source,
                        "template": template.id})
    return Outcome(candidate.id, True, "created", "Scheduled.", candidate.name, created.id)


def _taken(found: Interview, template: InterviewTemplate, candidate: User, interview_id: str) -> Outcome:
    if found.template_id == template.id and found.candidate_id == candidate.id:
        return Outcome(candidate.id, False, "already_done", "This request already scheduled it (the form was sent "
                       "twice).", candidate.name, interview_id)
    return Outcome(candidate.id, False, "batch_reused", "This form's request id was used for another schedule: "
                   "reload the form and send it again.", candidate.name)


def _follow_reassignments(repos, created: list[Outcome], people: dict[str, User | None]) -> None:
    """A candidate reassigned while their interview was being written: carry it into their new HR
    user's scope (one read of every candidate scheduled, as `interviews.schedule` does for one)."""
    if not created:
        return
    now_people = repos.users.by_ids(o.candidate_id for o in created)
    for outcome in created:
        before, after = people.get(outcome.candidate_id), now_people.get(outcome.candidate_id)
        if before is not None and after is not None and after.hr_id != before.hr_id:
            interview_service.move_scope(repos, after.id, after.hr_id)
