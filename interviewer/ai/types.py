"""What the rest of the app knows about AI: the data that crosses the provider boundary.

Every provider returns these pydantic models; nothing else of a provider leaks out.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from pydantic import BaseModel, Field, field_validator

from ..models import CATEGORIES

CRITERIA = ("correctness", "completeness", "clarity", "relevance")


def category_of(value: str) -> str | None:
    """A category name as providers and banks spell it ("Behavioral", "situation") in our
    spelling, or None when it is none of CATEGORIES."""
    v = (value or "").strip().lower()
    if v in CATEGORIES:
        return v
    if v.startswith("behavio"):
        return "behavioural"
    if v.startswith("situation"):
        return "situational"
    return None


def text_key(text: str) -> str:
    """Question text compared without case or spacing differences."""
    return " ".join((text or "").lower().split())


class CriterionScore(BaseModel):
    score: float = Field(ge=0, le=10)
    reason: str = ""


class Flag(BaseModel):
    """Something HR must know about an answer or its evaluation: a stable `code` (for filters,
    tests and the API) and the sentence HR reads."""

    code: str
    message: str


# Every flag code a provider or the server checks can raise, with what it means: the API's
# schema lists them (``api/schemas.py``) and a test checks that no module raises another.
FLAG_CODES: dict[str, str] = {
    "empty": "no answer: 'idk', 'n/a', a deferral or an evasion (local score capped at 0)",
    "not_prose": "keyboard mash, repetition or word salad (capped at 1)",
    "term_list": "terms listed, or dressed as sentences, with no explanation (capped at 3)",
    "copies_question": "the question said back (capped at 2)",
    "off_topic": "about something else (capped at 2), or mostly about other topics (capped at 3)",
    "story_unchecked": "a first-person story or plan the local scorer could not tie to the question (no cap: "
                       "read it)",
    "injection": "text addressed to the evaluator, cut before scoring",
    "disagreement": "a model scored high what the local gates cap low",
    "no_fact_check": "a local coverage estimate: truth and meaning are not checked",
    "no_reference": "nothing to compare with (no reference answer or no question)",
    "model_note": "a model's own note",
}

# Flags stored before codes existed were their message alone.
_LEGACY_FLAG_CODES = {
    "empty answer": "empty",
    "the answer copies the question": "copies_question",
    "the answer contains text addressed to the evaluator": "injection",
}


def as_flag(value: object) -> Flag:
    """A flag from what may be stored or sent: a Flag, a {code, message} mapping, or a bare
    message (older evaluations; a model's free-text note gets code "model_note")."""
    if isinstance(value, Flag):
        return value
    if isinstance(value, dict):
        return Flag(code=str(value.get("code") or "model_note"), message=str(value.get("message") or ""))
    text = str(value).strip()
    return Flag(code=_LEGACY_FLAG_CODES.get(text.lower(), "model_note"), message=text)


class CompetencyRating(BaseModel):
    """The AI's proposed rating of one answer on one competency's behaviourally anchored 1–5 scale
    (BARS): a proposal beside the panel's ratings, never one of them. `evidence` holds verbatim
    quotes from the answer, checked server-side (``checks.finalize`` drops any that do not occur)."""

    competency_id: str
    rating: int = Field(ge=1, le=5)
    evidence: list[str] = []
    reason: str = ""


class Evaluation(BaseModel):
    """One AI evaluation of one answer. The score is a proposal; HR's score is final."""

    score: float = Field(ge=0, le=10)
    feedback: str
    criteria: dict[str, CriterionScore]
    key_points_covered: list[str] = []
    key_points_missed: list[str] = []
    evidence: list[str] = []  # verbatim quotes from the answer, checked server-side
    competencies: list[CompetencyRating] = []  # one per competency scale the caller gave, when it gave any
    flags: list[Flag] = []
    provider: str
    model: str
    prompt_version: str
    latency_ms: int = 0
    created_at: datetime | None = None
    # How the reply came about, for HR and audits: e.g. an LLM's finish reason and output size.
    provenance: dict[str, Any] = {}

    @field_validator("flags", mode="before")
    @classmethod
    def _flags(cls, value: object) -> list[Flag]:
        return [as_flag(v) for v in value or []]

    def has_flag(self, code: str) -> bool:
        return any(f.code == code for f in self.flags)


class GeneratedQuestion(BaseModel):
    text: str
    category: str = "technical"  # one of CATEGORIES
    difficulty: int = Field(default=3, ge=1, le=5)
    tags: list[str] = []
    reference_answer: str = ""
    key_points: list[str] = []


class JobSpec(BaseModel):
    title: str
    description: str = ""


class BankQuestion(BaseModel):
    """A question-bank entry as the AI layer sees it (the local generator picks from these)."""

    key: str
    text: str
    category: str
    difficulty: int
    tags: list[str] = []
    reference_answer: str = ""
    key_points: list[str] = []


# Every code an evaluation job can fail with, with what it means (AIError subclasses below,
# ``local.AIInputError`` and the job runner's own in ``services/evaluations.py``).
ERROR_CODES: dict[str, str] = {
    "ai_error": "the provider failed",
    "quota": "the provider's quota or rate limit was hit (retried)",
    "timeout": "the provider or the job took too long (retried)",
    "server_error": "the provider's server failed (retried)",
    "blocked": "the provider refused the content (safety, recitation or a blocked prompt)",
    "bad_output": "the provider's reply did not match the schema or scale, even when asked again",
    "not_configured": "the provider is not configured (a key or model is missing)",
    "bad_input": "the answer, question or reference cannot be evaluated (not text)",
    "gone": "the answer no longer exists",
    "internal_error": "an unexpected error; the job can be retried",
}


class AIError(Exception):
    """Base of every provider failure; `code` is stable and shown to HR, never to candidates."""

    code = "ai_error"
    retryable = False

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class AIQuotaError(AIError):
    code, retryable = "quota", True


class AITimeoutError(AIError):
    code, retryable = "timeout", True


class AIServerError(AIError):
    code, retryable = "server_error", True


class AIBlockedError(AIError):
    code = "blocked"


class AISchemaError(AIError):
    code = "bad_output"


class AIConfigError(AIError):
    code = "not_configured"


class Provider(Protocol):
    name: str
    model: str

    def generate_questions(
        self,
        job: JobSpec,
        resume: str,
        count: int,
        mix: dict[str, int] | None = None,
        bank: list[BankQuestion] | None = None,
    ) -> list[GeneratedQuestion]: ...

    def evaluate(self, question: str, reference: str, answer: str, key_points: list[str] | None = None,
                 competencies: list[dict] | None = None) -> Evaluation:
        """Grade `answer` 0–10; with `competencies` ({id, name, description, anchors: five
        behaviours, rating 1 to 5}), also propose a 1–5 rating per competency with quotes."""
        ...
