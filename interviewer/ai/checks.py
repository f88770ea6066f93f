"""Server-side checks applied to every evaluation, whatever provider produced it.

The model (or the local scorer) proposes; these functions decide what is kept:
scores clamped to 0..10, quotes kept only when they really occur in the answer,
and flags for HR computed from the answer itself.
"""
from __future__ import annotations

import re

from .types import CRITERIA, CriterionScore, Evaluation

FLAG_EMPTY = "empty answer"
FLAG_COPIES_QUESTION = "the answer copies the question"
FLAG_INJECTION = "the answer contains text addressed to the evaluator"

_INJECTION = re.compile(
    r"(ignore|disregard|forget)\b.{0,40}\b(previous|above|prior|rubric|instructions?|rules?)"
    r"|\b(give|award|assign|grade)\b.{0,30}\b(10|ten|full|maximum|max|perfect)\b.{0,15}(marks?|points?|score|/\s*10)?"
    r"|\b(system prompt|as an ai|language model|evaluator|grader)\b"
    r"|\b(score|rate|grade) (this|me|my answer)\b",
    re.IGNORECASE | re.DOTALL,
)


def clamp(value: float, low: float = 0.0, high: float = 10.0) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return low
    if value != value:  # NaN
        return low
    return round(min(high, max(low, value)), 1)


def looks_like_injection(answer: str) -> bool:
    return bool(_INJECTION.search(answer or ""))


def _norm(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", (text or "").lower()))


def copies_question(question: str, answer: str) -> bool:
    q, a = _norm(question), _norm(answer)
    return bool(a) and (a == q or (len(a) <= len(q) * 1.2 and q in a))


def answer_flags(question: str, answer: str) -> list[str]:
    flags = []
    if not (answer or "").strip():
        flags.append(FLAG_EMPTY)
    elif copies_question(question, answer):
        flags.append(FLAG_COPIES_QUESTION)
    if looks_like_injection(answer):
        flags.append(FLAG_INJECTION)
    return flags


def verified_quotes(quotes: list[str], answer: str) -> list[str]:
    """Keep only quotes that are real substrings of the answer (whitespace-insensitive)."""
    squashed = " ".join((answer or "").split())
    kept = []
    for quote in quotes or []:
        q = " ".join(str(quote).split())
        if q and q in squashed and q not in kept:
            kept.append(q)
    return kept


def finalize(evaluation: Evaluation, question: str, answer: str) -> Evaluation:
    """Clamp, verify quotes and merge server-computed flags into a provider's evaluation."""
    criteria = {
        name: CriterionScore(
            score=clamp(evaluation.criteria[name].score if name in evaluation.criteria else 0),
            reason=(evaluation.criteria[name].reason if name in evaluation.criteria else "")[:300],
        )
        for name in CRITERIA
    }
    flags = list(dict.fromkeys([*answer_flags(question, answer), *evaluation.flags]))
    score = clamp(evaluation.score)
    if FLAG_EMPTY in flags:
        score = 0.0
    return evaluation.model_copy(
        update={
            "score": score,
            "criteria": criteria,
            "evidence": verified_quotes(evaluation.evidence, answer),
            "flags": flags,
            "feedback": evaluation.feedback.strip()[:2000],
        }
    )
