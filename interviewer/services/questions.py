"""The question bank: validation, admin edits, and the picks used for scheduling."""
from __future__ import annotations

import re
from typing import Any

from pymongo.errors import DuplicateKeyError

from ..ai.types import text_key
from ..clock import utcnow
from ..errors import NotFound, ValidationError
from ..models import CATEGORIES, BankQuestion, User
from . import audit

MAX_TEXT = 2000


def question_key(source: str, text: str) -> str:
    """The group a question's answers are compared in: bank questions by their key, others by their
    normalised text (the agreement report's rows; stored on each response as `group`)."""
    if source.startswith("bank:"):
        return source
    return "text:" + text_key(text)


def _split_list(value: Any, sep: str) -> list[str]:
    if isinstance(value, (list, tuple)):
        items = value
    else:
        items = str(value or "").split(sep)
    return [str(i).strip() for i in items if str(i).strip()]


def unique_tags(tags: list[str]) -> list[str]:
    """Lower-cased, each once, in the order first given ("Python, python, ORM" → python, orm): a
    generator that folds aliases (postgres → sql) or repeats a bank question's tags says each once."""
    return list(dict.fromkeys(t.lower() for t in tags))


def generation_inputs_notice(candidate_name: str, resume_text: str, job_description: str) -> str:
    """What HR should know about the inputs of generated questions: "" when both a resume and a job
    description were there, else which was missing and what the questions are based on instead."""
    has_resume, has_job = bool((resume_text or "").strip()), bool((job_description or "").strip())
    if has_resume and has_job:
        return ""
    if not has_resume and not has_job:
        return (f"These questions were generated without a resume or a job description: {candidate_name} "
                "uploaded no resume and the job description is empty, so they are general questions, not "
                "tailored to this candidate or role. Go back, add a job description and draft again to tailor them.")
    if not has_resume:
        return (f"{candidate_name} uploaded no resume: these questions were generated from the job "
                "description alone.")
    return f"The job description is empty: these questions were generated from {candidate_name}'s resume alone."


def clean_question_fields(data: dict[str, Any]) -> dict[str, Any]:
    """Validate question fields (shared by the bank and by interview drafts)."""
    errors: dict[str, str] = {}
    text = str(data.get("text") or "").strip()
    if not text:
        errors["text"] = "Enter the question."
    elif len(text) > MAX_TEXT:
        errors["text"] = f"A question has at most {MAX_TEXT} characters."
    category = str(data.get("category") or "technical").strip()
    if category not in CATEGORIES:
        errors["category"] = f"Choose one of: {', '.join(CATEGORIES)}."
    try:
        difficulty = int(data.get("difficulty") or 3)
        if not 1 <= difficulty <= 5:
            raise ValueError
    except (TypeError, ValueError):
        errors["difficulty"] = "Difficulty is a whole number from 1 to 5."
        difficulty = 3
    reference = str(data.get("reference_answer") or "").strip()
    if len(reference) > 5000:
        errors["reference_answer"] = "A reference answer has at most 5000 characters."
    if errors:
        raise ValidationError("Please correct the highlighted fields.", errors)
    return {
        "text": text,
        "category": category,
        "difficulty": difficulty,
        "tags": unique_tags(_split_list(data.get("tags"), ","))[:20],
        "reference_answer": reference,
        "key_points": _split_list(data.get("key_points"), "\n")[:10],
    }


def form_fields(question: Any) -> dict[str, Any]:
    """A question (bank or interview) as form fields: the inverse of ``clean_question_fields``
    (tags comma-separated, one key point a line)."""
    return {**question.__dict__, "tags": ", ".join(question.tags), "key_points": "\n".join(question.key_points)}


def _slug(text: str) -> str:
    words = re.findall(r"[a-z0-9]+", text.lower())[:6]
    return "-".join(words) or "question"


def add(repos, data: dict[str, Any], actor: User | None = None) -> BankQuestion:
    fields = clean_question_fields(data)
    now = utcnow()
    base = _slug(fields["text"])
    for n in range(50):
        key = base if n == 0 else f"{base}-{n + 1}"
        try:
            made = repos.questions.insert(BankQuestion(id="", key=key, enabled=True, builtin=False,
                                                       updated_at=now, **fields))
        except DuplicateKeyError:
            continue
        audit.record(repos, actor, "question.create", "question", made.id, now, after={"key": made.key})
        return made
    raise ValidationError("Could not find a free key for this question.", {"text": "Too many similar questions."})


def update(repos, question_id: str, data: dict[str, Any], actor: User | None = None) -> BankQuestion:
    before = repos.questions.get(question_id)
    if before is None:
        raise NotFound("No such question.")
    fields = clean_question_fields(data)
    now = utcnow()
    repos.questions.update(question_id, updated_at=now, **fields)
    changed = sorted(k for k, v in fields.items() if getattr(before, k, None) != v)
    audit.record(repos, actor, "question.update", "question", question_id, now, after={"changed": changed})
    return repos.questions.get(question_id)


def set_enabled(repos, question_id: str, enabled: bool, actor: User | None = None) -> BankQuestion:
    now = utcnow()
    if not repos.questions.update(question_id, enabled=enabled, updated_at=now):
        raise NotFound("No such question.")
    audit.record(repos, actor, "question.enable" if enabled else "question.disable", "question", question_id, now)
    return repos.questions.get(question_id)


def get(repos, question_id: str) -> BankQuestion:
    question = repos.questions.get(question_id)
    if question is None:
        raise NotFound("No such question.")
    return question


def default_set(repos, count: int) -> list[BankQuestion]:
    """The default interview: a spread over categories and difficulties, stable for a given bank."""
    by_category = {c: repos.questions.list(enabled=True, category=c) for c in CATEGORIES}
    # Roughly 60 % technical, 25 % behavioural, 15 % situational.
    wanted = {"technical": round(count * 0.6), "behavioural": round(count * 0.25)}
    wanted["situational"] = max(0, count - wanted["technical"] - wanted["behavioural"])
    picked: list[BankQuestion] = []
    for category in CATEGORIES:
        pool = sorted(by_category[category], key=lambda q: (q.difficulty, q.key))
        picked.extend(_spread(pool, wanted[category]))
    if len(picked) < count:  # a thin category: top up from the rest
        rest = [q for c in CATEGORIES for q in by_category[c] if q not in picked]
        picked.extend(rest[: count - len(picked)])
    return picked[:count]


def _spread(pool: list[BankQuestion], n: int) -> list[BankQuestion]:
    """n items evenly spaced through `pool` (so difficulties range from easy to hard)."""
    if n <= 0 or not pool:
        return []
    if n >= len(pool):
        return list(pool)
    step = len(pool) / n
    return [pool[int(i * step)] for i in range(n)]
