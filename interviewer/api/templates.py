"""The JSON API for competencies (BARS) and interview templates, and scheduling from a template.

The same services as the HR pages (services/competencies.py, services/templates.py). Edits carry the
`version` they were read at: a stale one is 409 with the current values in `error.details`.
"""
from __future__ import annotations

from typing import Annotated, Literal

from flask_login import current_user
from pydantic import BaseModel, Field, StringConstraints

from ..clock import utcnow
from ..db import get_repos
from ..models import Competency, InterviewTemplate
from ..services import competencies as comp_service
from ..services import templates as tpl_service
from .core import operation
from .schemas import Id, InTime, ObjectIdStr, OutTime, PageQuery, QuestionIn, Request

STAFF = ("hr", "admin")
Version = Annotated[int, Field(ge=1, le=2**31, description="The version the change was made on (from the last read)")]
Anchor = Annotated[str, StringConstraints(min_length=1, max_length=comp_service.ANCHOR_MAX)]


# --- schemas -----------------------------------------------------------------------------------------

class CompetencyIn(Request):
    name: Annotated[str, StringConstraints(min_length=1, max_length=comp_service.NAME_MAX)]
    description: Annotated[str, StringConstraints(max_length=comp_service.DESCRIPTION_MAX)] = ""
    anchors: Annotated[list[Anchor], Field(min_length=5, max_length=5, description=(
        "The behaviourally anchored rating scale: anchors[0] is the observable behaviour that earns a 1, "
        "anchors[4] the one that earns a 5"))]


class CompetencyUpdateIn(CompetencyIn):
    version: Version


class CompetencyOut(BaseModel):
    id: ObjectIdStr
    name: str
    description: str
    anchors: list[str] = Field(description="Five anchors, rating 1 to 5")
    version: int
    builtin: bool = Field(description="One of the examples every installation starts with")
    updated_at: OutTime | None = None


class CompetencyList(BaseModel):
    items: list[CompetencyOut]
    page: int
    limit: int
    total: int
    next_page: int | None


class TemplateQuestionIn(QuestionIn):
    """A question of a template: a written question plus the competencies it rates."""

    id: Annotated[str, StringConstraints(max_length=40)] | None = Field(
        None, description="Kept when given and unique in the template (letters and digits); else a new one")
    competency_ids: Annotated[list[Id], Field(min_length=1, max_length=tpl_service.MAX_COMPETENCIES, description=(
        "The template's competencies this question rates (at least one)"))]


class TemplateIn(Request):
    name: Annotated[str, StringConstraints(min_length=1, max_length=tpl_service.NAME_MAX)]
    job_title: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    job_description: Annotated[str, StringConstraints(max_length=20_000)] = ""
    competency_ids: Annotated[list[Id], Field(min_length=1, max_length=tpl_service.MAX_COMPETENCIES)]
    questions: Annotated[list[TemplateQuestionIn], Field(min_length=1, max_length=tpl_service.MAX_QUESTIONS,
                                                         description="Every competency needs at least one question")]
    window_hours: Annotated[int, Field(ge=tpl_service.WINDOW_HOURS[0], le=tpl_service.WINDOW_HOURS[1], description=(
        "The answering window: deadline = opening time + this many hours"))]
    require_evidence: bool = Field(False, description=(
        "Every panel rating of an interview scheduled from it must quote the candidate's answer (frozen into "
        "each interview when it is scheduled)"))


class TemplateUpdateIn(TemplateIn):
    version: Version


class ArchiveIn(Request):
    archived: bool = Field(description="true archives (no more scheduling from it); false brings it back")
    version: Version


class TemplateQuestionOut(BaseModel):
    id: str
    text: str
    category: str
    difficulty: int
    tags: list[str]
    reference_answer: str
    key_points: list[str]
    source: str
    competency_ids: list[str]


class TemplateOut(BaseModel):
    id: ObjectIdStr
    owner_id: ObjectIdStr
    name: str
    job_title: str
    job_description: str
    competency_ids: list[str]
    questions: list[TemplateQuestionOut]
    window_hours: int
    require_evidence: bool
    version: int
    archived: bool
    created_at: OutTime | None = None
    updated_at: OutTime | None = None


class TemplateList(BaseModel):
    items: list[TemplateOut]
    page: int
    limit: int
    total: int
    next_page: int | None


class TemplateQuery(PageQuery):
    archived: bool = Field(False, description="true: the archived templates instead")


class BulkScheduleIn(Request):
    batch_id: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{24}$")] = Field(description=(
        "The request's idempotency key (24 lower-case hex digits, e.g. a new ObjectId): sending the same "
        "request again creates nothing twice (those candidates come back as `already_done`)"))
    starts_at: InTime
    candidate_ids: Annotated[list[Id], Field(min_length=1, max_length=tpl_service.MAX_BULK)]


class OutcomeOut(BaseModel):
    candidate_id: str
    created: bool
    code: Literal["created", "unknown", "unassigned", "deactivated", "duplicate_in_request",
                  "already_open", "already_done", "batch_reused"]
    message: str
    interview_id: ObjectIdStr | None = None


class BulkScheduleOut(BaseModel):
    template_id: ObjectIdStr
    starts_at: OutTime
    deadline: OutTime
    created: int
    refused: int
    outcomes: list[OutcomeOut] = Field(description="One per candidate sent, in the order sent")


def competency_out(c: Competency) -> CompetencyOut:
    return CompetencyOut(id=c.id, name=c.name, description=c.description, anchors=list(c.anchors),
                         version=c.version, builtin=c.builtin, updated_at=c.updated_at)


def template_out(t: InterviewTemplate) -> TemplateOut:
    return TemplateOut(id=t.id, owner_id=t.owner_id, name=t.name, job_title=t.job_title,
                       job_description=t.job_description, competency_ids=list(t.competency_ids),
                       questions=[TemplateQuestionOut(**q.__dict__) for q in t.questions],
                       window_hours=t.window_hours, require_evidence=t.require_evidence, version=t.version,
                       archived=t.archived,
                       created_at=t.created_at, updated_at=t.updated_at)


def _next(page) -> int | None:
    return page.page + 1 if page.has_next else None


# --- competencies ------------------------------------------------------------------------------------

@operation("GET", "/interview/competencies", summary="Competencies and their rating scales", roles=STAFF,
           query=PageQuery, response=CompetencyList, tag="competencies")
def list_competencies(query: PageQuery):
    """Every competency by name, paginated."""
    page = comp_service.list_page(get_repos(), current_user, query.page, query.limit)
    return CompetencyList(items=[competency_out(c) for c in page.items], page=page.page, limit=page.per_page,
                          total=page.total, next_page=_next(page))


@operation("POST", "/interview/competencies", summary="Create a competency", roles=STAFF, body=CompetencyIn,
           status=201, response=CompetencyOut, errors=(422,), tag="competencies")
def create_competency(body: CompetencyIn):
    """Names are unique ignoring case (a taken name is 422 at `name`)."""
    return competency_out(comp_service.create(get_repos(), current_user, body.model_dump(), utcnow()))


@operation("GET", "/interview/competencies/{competency_id}", summary="One competency", roles=STAFF,
           response=CompetencyOut, errors=(404,), tag="competencies")
def get_competency(competency_id: str):
    """The competency with its five anchors and current version."""
    return competency_out(comp_service.get(get_repos(), current_user, competency_id))


@operation("PUT", "/interview/competencies/{competency_id}", summary="Edit a competency", roles=STAFF,
           body=CompetencyUpdateIn, response=CompetencyOut, errors=(404, 409, 422), tag="competencies")
def update_competency(competency_id: str, body: CompetencyUpdateIn):
    """Compare-and-set on `version`: an edit made on an older version is 409 with the current values
    (name, description, anchors, version) in `error.details`; the same edit sent twice is 200."""
    data = body.model_dump()
    version = data.pop("version")
    return competency_out(comp_service.update(get_repos(), current_user, competency_id, data, version, utcnow()))


@operation("POST", "/interview/competencies/{competency_id}/copy", summary="Copy a competency", roles=STAFF,
           status=201, response=CompetencyOut, errors=(404, 409), tag="competencies")
def copy_competency(competency_id: str):
    """A new competency named "<name> (copy)" with the same description and anchors."""
    return competency_out(comp_service.copy(get_repos(), current_user, competency_id, utcnow()))


# --- templates ---------------------------------------------------------------------------------------

@operation("GET", "/interview/templates", summary="Interview templates", roles=STAFF, query=TemplateQuery,
           response=TemplateList, tag="templates")
def list_templates(query: TemplateQuery):
    """HR: their own templates; admin: everyone's. Newest first, paginated."""
    page = tpl_service.list_page(get_repos(), current_user, query.archived, query.page, query.limit)
    return TemplateList(items=[template_out(t) for t in page.items], page=page.page, limit=page.per_page,
                        total=page.total, next_page=_next(page))


@operation("POST", "/interview/templates", summary="Create an interview template", roles=STAFF, body=TemplateIn,
           status=201, response=TemplateOut, errors=(422,), tag="templates")
def create_template(body: TemplateIn):
    """Each question links at least one of the template's competencies and each competency has at least
    one question; problems are 422 with `details` keyed by field (`questions.<n>.<field>`, 1-based)."""
    return template_out(tpl_service.create(get_repos(), current_user, body.model_dump(), utcnow()))


@operation("GET", "/interview/templates/{template_id}", summary="One interview template", roles=STAFF,
           response=TemplateOut, errors=(404,), tag="templates")
def get_template(template_id: str):
    """Another HR user's template is 404."""
    return template_out(tpl_service.visible(get_repos(), current_user, template_id))


@operation("PUT", "/interview/templates/{template_id}", summary="Edit an interview template", roles=STAFF,
           body=TemplateUpdateIn, response=TemplateOut, errors=(404, 409, 422), tag="templates")
def update_template(template_id: str, body: TemplateUpdateIn):
    """Compare-and-set on `version`: an edit made on an older version is 409 with the current template in
    `error.details`. Interviews scheduled earlier keep their own copy and do not change."""
    data = body.model_dump()
    version = data.pop("version")
    return template_out(tpl_service.update(get_repos(), current_user, template_id, data, version, utcnow()))


@operation("POST", "/interview/templates/{template_id}/copy", summary="Copy an interview template", roles=STAFF,
           status=201, response=TemplateOut, errors=(404,), tag="templates")
def copy_template(template_id: str):
    """A new template owned by the caller with the same job, competencies, questions and window."""
    return template_out(tpl_service.copy(get_repos(), current_user, template_id, utcnow()))


@operation("POST", "/interview/templates/{template_id}/archive", summary="Archive or restore a template",
           roles=STAFF, body=ArchiveIn, response=TemplateOut, errors=(404, 409), tag="templates")
def archive_template(template_id: str, body: ArchiveIn):
    """An archived template leaves the list and cannot be scheduled from; its interviews stay."""
    return template_out(tpl_service.set_archived(get_repos(), current_user, template_id, body.archived,
                                                 body.version, utcnow()))


@operation("POST", "/interview/templates/{template_id}/schedule", summary="Schedule many candidates from a template",
           roles=STAFF, body=BulkScheduleIn, status=201, response=BulkScheduleOut, errors=(404, 409, 422),
           extra_statuses=(200,), tag="templates")
def schedule_from_template(template_id: str, body: BulkScheduleIn):
    """One interview per candidate (HR: their assigned candidates; admin: any assigned one), each with
    the template's questions and competencies frozen in, its invitation queued and its audit event.
    201 when at least one was created, 200 when none was; `outcomes` says per candidate what happened
    and why. An archived template is 409; a start whose window is already over is 422 at `starts_at`."""
    result = tpl_service.schedule(get_repos(), current_user, template_id, body.starts_at, body.candidate_ids,
                                  utcnow(), body.batch_id)
    out = BulkScheduleOut(template_id=result.template.id, starts_at=result.starts_at, deadline=result.deadline,
                          created=len(result.created), refused=len(result.refused),
                          outcomes=[OutcomeOut(candidate_id=o.candidate_id, created=o.created, code=o.code,
                                               message=o.message, interview_id=o.interview_id)
                                    for o in result.outcomes])
    return out, 201 if result.created else 200
