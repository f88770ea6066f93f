"""Domain objects: what services take and return. Ids are strings outside the repositories."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

ROLES = ("candidate", "hr", "admin")
CANDIDATE_STATUSES = ("registered", "assigned")
CATEGORIES = ("technical", "behavioural", "situational")  # of questions

SCHEDULED, IN_PROGRESS, COMPLETED, EVALUATED, CANCELLED = (
    "scheduled",
    "in_progress",
    "completed",
    "evaluated",
    "cancelled",
)
INTERVIEW_STATUSES = (SCHEDULED, IN_PROGRESS, COMPLETED, EVALUATED, CANCELLED)


@dataclass
class User:
    id: str
    email: str
    name: str
    role: str
    password_hash: str = ""
    active: bool = True
    status: str = "active"  # candidates: registered | assigned
    hr_id: str | None = None
    resume_text: str = ""
    resume_filename: str = ""
    created_at: datetime | None = None
    mail_off: list[str] = field(default_factory=list)  # optional e-mail kinds the user turned off
    email_verified: bool = True  # False until a self-registered candidate follows the link (REGISTRATION_EMAIL_VERIFY)
    audit_ref: str = ""  # the pseudonym audit events name this person by (services/audit.py)
    ai_consent: dict | None = None  # {version, human_only, at}: the AI notice read and the choice made
    timezone: str = ""  # IANA zone the browser reported at registration ("": unknown; e-mails give UTC)

    # flask-login's protocol
    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return self.id


@dataclass
class BankQuestion:
    id: str
    key: str
    text: str
    category: str
    difficulty: int
    tags: list[str] = field(default_factory=list)
    reference_answer: str = ""
    key_points: list[str] = field(default_factory=list)
    enabled: bool = True
    builtin: bool = False
    updated_at: datetime | None = None


@dataclass
class Question:
    """A question as frozen into one interview (a snapshot; bank edits never reach it)."""

    id: str
    text: str
    category: str = "technical"
    difficulty: int = 3
    tags: list[str] = field(default_factory=list)
    reference_answer: str = ""
    key_points: list[str] = field(default_factory=list)
    source: str = "custom"  # bank:<key> | generated | custom
    competency_ids: list[str] = field(default_factory=list)  # from a template: what raters rate it against


@dataclass
class Interview:
    id: str
    candidate_id: str
    hr_id: str | None
    job_title: str
    job_description: str
    starts_at: datetime
    deadline: datetime
    status: str
    questions: list[Question]
    question_source: str = "default"
    created_by: str | None = None
    created_at: datetime | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None
    evaluated_at: datetime | None = None
    cancelled_at: datetime | None = None
    closed_reason: str | None = None  # submitted | deadline
    last_activity_at: datetime | None = None
    overall_score: float | None = None
    overall_feedback: str = ""
    shared: bool = False
    share_key_points: bool = False  # the shared result also lists the key points each answer touched or missed
    sequence: int = 0  # the calendar invitation's SEQUENCE: +1 on every reschedule
    next_reminder_at: datetime | None = None  # when the reminder scan next looks at it (None: never)
    window_history: list[dict] = field(default_factory=list)  # every reschedule: old and new window, who, when
    template_id: str | None = None  # the interview template it was scheduled from (None: by hand)
    competencies: list[dict] = field(default_factory=list)  # snapshot: {id, name, description, anchors: [5]}
    panel: list[str] = field(default_factory=list)  # HR raters added by the owner (the owner `hr_id` rates too)
    panel_rev: int = 0  # how many times the panel changed: > 0 once a panel was formed, even if emptied since
    outcome: str | None = None  # advance | reject | hire | withdrawn: the owner's final decision (HR only)
    outcome_at: datetime | None = None  # when it was recorded: the compare-and-set field of the next change
    outcome_by: str | None = None
    require_evidence: bool = False  # every panel rating must quote the answer (its template's setting, frozen in)

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)

    @property
    def has_panel(self) -> bool:
        """Rated by a panel: a member besides the owner was added at some time. Taking every member
        off again does not end it (`panel_rev` > 0), so an owner cannot lift their own blindness
        (services/panels.py) by emptying the panel before submitting."""
        return self.panel_rev > 0 or any(m != self.hr_id for m in self.panel)

    def index_of(self, question_id: str) -> int:
        return next((i for i, q in enumerate(self.questions) if q.id == question_id), -1)


@dataclass
class Competency:
    """A competency with its behaviourally anchored rating scale (BARS): `anchors[i]` describes the
    observable behaviour that earns rating i + 1 on the 1–5 scale. `version` is the compare-and-set
    field of every edit."""

    id: str
    name: str
    description: str
    anchors: list[str]
    version: int = 1
    builtin: bool = False
    created_by: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


# A template's question is an interview's question before it is frozen in: the same fields, with
# `competency_ids` naming the template's competencies it rates (at least one: services/templates checks).
TemplateQuestion = Question


@dataclass
class InterviewTemplate:
    """A reusable structured interview: the job, its competencies, questions linked to them, and the
    answering window (deadline = start + `window_hours`), and whether ratings need evidence (frozen into
    each interview scheduled from it). `version` guards every edit."""

    id: str
    owner_id: str
    name: str
    job_title: str
    job_description: str
    competency_ids: list[str]
    questions: list[TemplateQuestion]
    window_hours: int
    version: int = 1
    archived: bool = False
    require_evidence: bool = False  # every panel rating of its interviews must quote the answer
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass
class Response:
    id: str
    interview_id: str
    question_id: str
    candidate_id: str
    answer: str = ""
    seq: int = 0
    saved_at: datetime | None = None
    score: float | None = None
    feedback: str = ""
    scored_by: str | None = None
    scored_at: datetime | None = None
    ai_evaluation: dict[str, Any] | None = None
    ai_job: dict[str, Any] | None = None
    closed: bool = False  # answering is over: no save is applied any more

    @property
    def answered(self) -> bool:
        """Whether there is an answer at all (whitespace is none)."""
        return bool(self.answer.strip())


@dataclass
class Page:
    """One page of a list: `items`, the 1-based `page`, `per_page`, and `total` matches in all.

    `total` is None when the list was not counted (a free-text search reads one row past the page
    instead of scanning every match to count them); `more` then says whether a next page exists.
    """
    items: list[Any]
    page: int
    per_page: int
    total: int | None
    more: bool = False

    @property
    def pages(self) -> int | None:
        """How many pages in all, or None when the list was not counted."""
        return None if self.total is None else max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.more if self.total is None else self.page < self.pages
