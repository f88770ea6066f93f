"""Request and response models of the JSON API (pydantic v2).

The same classes validate requests and produce the OpenAPI document (see openapi.py), so the
two cannot disagree. Request bodies are strict and closed: `extra="forbid"` turns an unknown
field into a 422 (no mass assignment), and strict types turn `{"$ne": null}` given for a
string into a 422 instead of a query operator. Limits mirror the services' own checks; the
services stay the authority, the schema only refuses early and documents.
"""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    WithJsonSchema,
    field_validator,
)
from pydantic.types import AwareDatetime

from .. import params
from ..ai.types import ERROR_CODES, FLAG_CODES
from ..models import CATEGORIES, INTERVIEW_STATUSES
from ..services.interviews import ANSWER_MAX_CHARS, FEEDBACK_MAX_CHARS, MAX_QUESTIONS
from ..services.questions import MAX_TEXT

Status = Literal["scheduled", "in_progress", "completed", "evaluated", "cancelled"]
assert set(Status.__args__) == set(INTERVIEW_STATUSES)
Role = Literal["candidate", "hr", "admin"]
Category = Literal["technical", "behavioural", "situational"]
assert set(Category.__args__) == set(CATEGORIES)

ObjectIdStr = Annotated[str, Field(description="A 24-hex-digit ObjectId", examples=["65f1c0ffee0000000000abcd"])]
Id = Annotated[str, StringConstraints(min_length=1, max_length=64)]


def _utc(value: datetime) -> datetime:
    """The time in UTC; the years the HTML forms read (params.MIN_YEAR..MAX_YEAR) only, so that a
    window added to it (a template's hours, a reminder) cannot overflow datetime's year 9999."""
    try:
        value = value.astimezone(UTC)
    except (OverflowError, ValueError):
        raise ValueError("the time is out of range once converted to UTC") from None
    if not params.MIN_YEAR <= value.year <= params.MAX_YEAR:
        raise ValueError(f"enter a time between the years {params.MIN_YEAR} and {params.MAX_YEAR}")
    return value


# Input: ISO 8601 with an offset (naive times are refused); converted to UTC.
InTime = Annotated[AwareDatetime, AfterValidator(_utc)]
# Output: ISO 8601 with an explicit +00:00 offset.
OutTime = Annotated[
    datetime,
    PlainSerializer(lambda d: d.astimezone(UTC).isoformat(), return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class Query(BaseModel):
    # Query strings are text, so numbers are parsed (lax); unknown parameters are refused like unknown fields.
    model_config = ConfigDict(extra="forbid")


# --- errors ------------------------------------------------------------------------------------

class ErrorBody(BaseModel):
    code: str
    message: str
    details: Any = Field(None, description="Field name → message for validation errors; else null or an object")


class Error(BaseModel):
    error: ErrorBody


# --- auth --------------------------------------------------------------------------------------

class TokenRequest(Request):
    email: Annotated[str, StringConstraints(max_length=254)]
    password: Annotated[str, StringConstraints(max_length=1024)]


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_at: OutTime


class AIChoiceOut(BaseModel):
    version: int
    human_only: bool
    at: OutTime | None = None


class AINoticeOut(BaseModel):
    version: int = Field(description="The notice in force (0: the built-in text)")
    text: str
    your_choice: AIChoiceOut | None = Field(None, description="Candidates: the choice made, and under which version")
    choice_needed: bool = Field(False, description="Candidates: no choice yet under the version in force")


class AIChoiceIn(Request):
    version: Annotated[int, Field(ge=0, description="The version the candidate read (must be the one in force)")]
    human_only: bool = Field(description="true: people alone review the answers; no AI evaluation")


class SelfIdentificationIn(Request):
    answers: dict[Annotated[str, StringConstraints(max_length=40)],
                  Annotated[str, StringConstraints(max_length=100)] | None] = Field(
        description="dimension → one of its categories (see `categories` in the reply); null or \"\" leaves it unanswered")
    candidate_id: Annotated[str, StringConstraints(max_length=64)] | None = Field(
        None, description="Optional; if given it must be the caller's own id (nobody answers for someone else)")


class SelfIdentificationQuery(Query):
    candidate_id: Annotated[str, StringConstraints(max_length=64)] | None = None


class SelfIdentificationOut(BaseModel):
    answers: dict[str, str] = Field(description="The caller's own answers (empty: none given, or withdrawn)")
    updated_at: OutTime | None = None
    categories: dict[str, list[str]] = Field(description="The choices offered per dimension")
    purpose: str


class Me(BaseModel):
    id: ObjectIdStr
    email: str
    name: str
    role: Role
    status: str = Field(description="Candidates: registered | assigned; staff: active")
    active: bool


# --- questions -----------------------------------------------------------------------------------

class QuestionIn(Request):
    """A question written by HR (question_source `custom`)."""

    text: Annotated[str, StringConstraints(min_length=1, max_length=MAX_TEXT)]
    category: Category = "technical"
    difficulty: Annotated[int, Field(ge=1, le=5)] = 3
    tags: Annotated[list[Annotated[str, StringConstraints(max_length=50)]], Field(max_length=20)] = []
    reference_answer: Annotated[str, StringConstraints(max_length=5000)] = ""
    key_points: Annotated[list[Annotated[str, StringConstraints(max_length=500)]], Field(max_length=10)] = []


class QuestionOut(BaseModel):
    id: str
    text: str
    category: str
    difficulty: int
    tags: list[str] = []
    reference_answer: str | None = Field(None, description="null for candidates")
    key_points: list[str] | None = Field(None, description="null for candidates")
    competency_ids: list[str] | None = Field(None, description=(
        "The interview's competencies this question is rated on (from its template; empty for a question "
        "not from one); null for candidates"))


class DefaultQuestions(BaseModel):
    items: list[QuestionOut]


# --- interviews ------------------------------------------------------------------------------------

class ScheduleIn(Request):
    id: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{24}$")] | None = Field(
        None, description="Optional: the id the new interview gets (24 lower-case hex digits, e.g. a new "
        "ObjectId). Sending the same id again (a retry after a timeout) returns that interview with 200 "
        "instead of making a second one; another user's interview is 409.")
    candidate_id: Id
    job_title: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    job_description: Annotated[str, StringConstraints(max_length=20_000)] = ""
    starts_at: InTime
    deadline: InTime
    question_source: Literal["default", "generated", "custom"] = "default"
    num_questions: Annotated[int, Field(ge=1, le=MAX_QUESTIONS)] = 5
    questions: Annotated[list[QuestionIn], Field(max_length=MAX_QUESTIONS)] | None = Field(
        None, description="Required for `custom`, refused otherwise")


class InterviewCompetencyOut(BaseModel):
    """A competency as frozen into the interview when it was scheduled from a template."""

    id: str
    name: str
    description: str = ""
    anchors: list[str] = Field(description="The behaviourally anchored rating scale: five anchors, rating 1 to 5")


class InterviewOut(BaseModel):
    id: ObjectIdStr
    candidate_id: ObjectIdStr
    hr_id: ObjectIdStr | None
    job_title: str
    job_description: str
    status: Status
    question_source: str
    questions: list[QuestionOut]
    starts_at: OutTime
    deadline: OutTime
    started_at: OutTime | None = None
    completed_at: OutTime | None = None
    evaluated_at: OutTime | None = None
    closed_reason: str | None = None
    overall_score: float | None = Field(None, description="For candidates: null until HR shares the result")
    overall_feedback: str = ""
    shared: bool = False
    sequence: int = Field(0, description="The calendar invitation's SEQUENCE: how many times the window was moved")
    template_id: ObjectIdStr | None = Field(None, description="The interview template it was scheduled from "
                                                              "(null: scheduled by hand, and for candidates)")
    competencies: list[InterviewCompetencyOut] | None = Field(None, description=(
        "The template's competencies with their rating scales, frozen in when scheduled (empty: scheduled by "
        "hand); null for candidates"))
    require_evidence: bool | None = Field(None, description="Every panel rating must quote the answer; "
                                                            "null for candidates")


class RescheduleIn(Request):
    starts_at: InTime | None = Field(None, description="The new opening time (with its offset); omitted or unchanged "
                                                       "for an interview already started")
    deadline: InTime = Field(description="The new deadline (with its offset)")


class ScheduleOut(InterviewOut):
    notice: str | None = Field(None, description="Set when the questions had to come from the default set "
                                                 "instead of the generator (unavailable or failed)")


class InterviewList(BaseModel):
    items: list[InterviewOut]
    page: int
    limit: int
    total: int
    next_page: int | None


class PageQuery(Query):
    limit: Annotated[int, Field(ge=1, le=100)] = 20
    page: Annotated[int, Field(ge=1, le=100_000)] = 1


class ListQuery(PageQuery):
    status: Status | None = None
    candidate_id: Annotated[str, StringConstraints(max_length=64)] | None = None


class CandidateInterviews(BaseModel):
    items: list[InterviewOut]


# --- answers -------------------------------------------------------------------------------------

Answer = Annotated[str, StringConstraints(max_length=ANSWER_MAX_CHARS)]


class AnswerIn(Request):
    interview_id: Id
    question_id: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    answer: Answer


class AnswerItem(Request):
    question_id: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    answer: Answer


class SubmitAllIn(Request):
    interview_id: Id
    responses: Annotated[list[AnswerItem], Field(max_length=MAX_QUESTIONS)]


def _codes(codes: dict[str, str]) -> str:
    return "; ".join(f"`{code}`: {meaning}" for code, meaning in codes.items())


class AIJobOut(BaseModel):
    state: Literal["pending", "running", "done", "failed"]
    attempts: int = 0
    error_code: str | None = Field(None, description=f"why the job failed: {_codes(ERROR_CODES)}",
                                   json_schema_extra={"enum": [*ERROR_CODES, None]})
    error_message: str | None = None
    requested_at: OutTime | None = None
    finished_at: OutTime | None = None


class AIFlagOut(BaseModel):
    code: str = Field(description=f"stable code: {_codes(FLAG_CODES)}", json_schema_extra={"enum": list(FLAG_CODES)})
    message: str = Field(description="the sentence HR sees")


class AIEvaluationOut(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str | None = None
    score: float | None = None
    feedback: str | None = None
    flags: list[AIFlagOut] = Field(default_factory=list, description="what HR must know about the answer or the evaluation")
    provider: str | None = None
    model: str | None = None
    created_at: OutTime | None = None

    @field_validator("flags", mode="before")
    @classmethod
    def _flags(cls, value: object) -> list[dict]:
        from ..ai.types import as_flag

        return [as_flag(v).model_dump() for v in value or []]


class ResponseOut(BaseModel):
    id: ObjectIdStr
    interview_id: ObjectIdStr
    question_id: str
    answer: str
    saved_at: OutTime | None = None
    score: float | None = Field(None, description="HR's score; for candidates null until the result is shared")
    feedback: str = ""
    scored_at: OutTime | None = Field(None, description=(
        "When HR's score was last saved (null: never; always null for candidates): send it back as the "
        "response's `seen` in POST /interview/{id}/results so a score saved since is not overwritten"))
    ai_evaluation: AIEvaluationOut | None = Field(None, description="The latest AI evaluation; null for candidates")
    ai_job: AIJobOut | None = Field(None, description="The AI evaluation job; null for candidates")


class SavedAnswer(ResponseOut):
    saved: bool = Field(description="false when a newer save was already stored, or an empty save kept the answer")
    reason: Literal["saved", "stale", "kept"]


class ResponseList(BaseModel):
    items: list[ResponseOut]


class SubmitAllOut(BaseModel):
    interview: InterviewOut
    responses: list[ResponseOut]


# --- results -------------------------------------------------------------------------------------

Score = Annotated[float, Field(ge=0, le=10, description="0 to 10, at most one decimal")]
Feedback = Annotated[str, StringConstraints(max_length=FEEDBACK_MAX_CHARS)]


# A compare-and-set precondition (services/interviews.seen_time), as the web forms send it.
Seen = Annotated[str | None, Field(max_length=params.MAX_DATETIME_CHARS)]


class ResponseScoreIn(Request):
    response_id: Id
    score: Score
    feedback: Feedback = Field("", description="Left out: the stored feedback is kept")
    seen: Seen = Field(None, description=(
        "The response's `scored_at` you read (ISO 8601; \"\" for never scored): when a score was saved "
        "since, the call is 409 with the stored score in `error.details` and nothing is written (the same "
        "score and feedback as stored are accepted). Left out: the last write wins"))


class ResultsIn(Request):
    overall_score: Score
    overall_feedback: Feedback = Field("", description="Left out: the stored feedback is kept")
    seen: Seen = Field(None, description=(
        "The interview's `evaluated_at` you read (ISO 8601; \"\" for no result yet): when a result was "
        "recorded since, the call is 409 with it (`overall_score`, `overall_feedback`, `evaluated_at`) in "
        "`error.details` and nothing is written (the same score and feedback as stored are accepted). Left "
        "out: the last write wins; the audit trail keeps every result recorded"))
    responses: Annotated[list[ResponseScoreIn], Field(max_length=MAX_QUESTIONS)] = []
    share_with_candidate: bool = Field(False, description="Left out: a first result is not shared; "
                                       "a corrected one keeps its sharing")


class CompetencyProfileOut(BaseModel):
    """One competency of an interview's result (services/panels.ProfileRow)."""

    competency_id: str
    name: str
    questions: int = Field(description="Answers rated on this competency")
    panel_mean: float | None = Field(description="Mean of the panel's submitted ratings, 1–5")
    panel_ratings: int
    panel_low: int | None
    panel_high: int | None
    hr_mean: float | None = Field(description="Mean of HR's scores of those answers, 0–10")
    hr_scored: int
    ai_mean: float | None = Field(description="Mean of the AI's proposals on this competency, 1–5")


class ResultOut(BaseModel):
    interview_id: ObjectIdStr
    candidate_id: ObjectIdStr
    candidate_name: str | None = Field(None, description="null for candidates")
    job_title: str
    status: Status
    completed_at: OutTime | None = None
    evaluated_at: OutTime | None = None
    overall_score: float | None = None
    overall_feedback: str = ""
    shared: bool = False
    competency_profile: list[CompetencyProfileOut] | None = Field(None, description=(
        "Per competency, in GET /interview/results/{id} only: staff not blind to the interview's panel; "
        "null otherwise and for candidates"))


class ResultList(BaseModel):
    items: list[ResultOut]
    page: int
    limit: int
    total: int
    next_page: int | None

