"""Server-side checks applied to every evaluation, whatever provider produced it.

The model (or the local scorer) proposes; these functions decide what is kept:
scores clamped to 0..10, quotes kept only when they really occur in the answer,
and flags for HR computed from the answer itself.
"""
from __future__ import annotations

import re

from . import guard
from .types import CRITERIA, CriterionScore, Evaluation, Flag

FLAG_EMPTY = Flag(code="empty", message="empty answer")
FLAG_COPIES_QUESTION = Flag(code="copies_question", message="the answer copies the question")
FLAG_INJECTION = Flag(code="injection", message="the answer contains text addressed to the evaluator")

_SENTENCE_SPLIT = re.compile(r"(?:<br\s*/?>|\r|\n)+|(?<=[.!?])\s+(?=\S)", re.IGNORECASE)


def sentences(text: str) -> list[str]:
    """Sentences of the raw text, each a verbatim substring (HTML line breaks split too)."""
    parts = [p.strip() for p in _SENTENCE_SPLIT.split(text or "")]
    return [p for p in parts if p]


def clamp(value: float, low: float = 0.0, high: float = 10.0) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return low
    if value != value:  # NaN
        return low
    return round(min(high, max(low, value)), 1)


def looks_like_injection(answer: str) -> bool:
    """Whether the answer holds text addressed to the evaluator, in any disguise (``guard.py``)."""
    return guard.screen(answer or "").addressed


def strip_addressed_text(answer: str) -> str:
    """The answer as it is scored: normalised, with text addressed to the evaluator cut out
    (``guard.screen``). Removing text can only remove matching words, so what is cut can never
    add to a lexical score."""
    return guard.screen(answer or "").kept


def _norm(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", (text or "").lower()))


def copies_question(question: str, answer: str) -> bool:
    q, a = _norm(question), _norm(answer)
    return bool(a) and (a == q or (len(a) <= len(q) * 1.2 and q in a))


def answer_flags(question: str, answer: str) -> list[Flag]:
    flags = []
    if not (answer or "").strip():
        flags.append(FLAG_EMPTY)
    elif copies_question(question, answer):
        flags.append(FLAG_COPIES_QUESTION)
    if looks_like_injection(answer):
        flags.append(FLAG_INJECTION)
    return flags


def merge_flags(*groups: list[Flag]) -> list[Flag]:
    """The flags of every group, first of each code kept (a model's free-text notes all kept)."""
    out: list[Flag] = []
    for flag in (f for group in groups for f in group):
        if any(f.code == flag.code and (f.code != "model_note" or f.message == flag.message) for f in out):
            continue
        out.append(flag)
    return out


def verified_quotes(quotes: list[str], answer: str) -> list[str]:
    """Keep only quotes that are real substrings of the answer (whitespace-insensitive)."""
    squashed = " ".join((answer or "").split())
    kept = []
    for quote in quotes or []:
        q = " ".join(str(quote).split())
        if q and q in squashed and q not in kept:
            kept.append(q)
    return kept


FLAG_DISAGREEMENT = Flag(code="disagreement", message="The AI scored this high, but the server's checks found a problem "
                         "with the answer (see the other flags): please read it before using the score.")
DISAGREEMENT_MARGIN = 2.0   # a model's score this far above a gate's cap
DISAGREEMENT_INJECTED = 8.0  # or at least this for an answer holding text addressed to the evaluator


def second_opinion(evaluation: Evaluation, question: str, reference: str, answer: str) -> list[Flag]:
    """The local gates (``gates.py``) run on a model's evaluation: their flags, plus "disagreement"
    when the model scored high what they cap low. The local provider applies the gates itself."""
    if evaluation.provider == "local" or not (answer or "").strip():
        return []
    from . import embeddings, gates

    screened = guard.screen(answer)
    result = gates.assess(question, reference or "", screened.kept, embeddings.get_encoder("static"))
    # Only the flags that cap a score: "story_unchecked" says what the local scorer cannot tell,
    # which a model reading the story can.
    flags = [f for f in result.flags if f.code in gates.CAPS]
    cap = result.cap
    if (cap is not None and evaluation.score > cap + DISAGREEMENT_MARGIN) or (
            screened.addressed and evaluation.score >= DISAGREEMENT_INJECTED):
        flags.append(FLAG_DISAGREEMENT)
    return flags


def finalize(evaluation: Evaluation, question: str, answer: str, reference: str | None = None) -> Evaluation:
    """Clamp, verify quotes and merge server-computed flags into a provider's evaluation; with the
    `reference`, a model's evaluation also gets the local gates' second opinion."""
    criteria = {
        name: CriterionScore(
            score=clamp(evaluation.criteria[name].score if name in evaluation.criteria else 0),
            reason=(evaluation.criteria[name].reason if name in evaluation.criteria else "")[:300],
        )
        for name in (evaluation.criteria or CRITERIA)
    }
    opinion = second_opinion(evaluation, question, reference, answer) if reference is not None else []
    flags = merge_flags(answer_flags(question, answer), evaluation.flags, opinion)
    score = clamp(evaluation.score)
    if any(f.code == FLAG_EMPTY.code for f in flags):
        score = 0.0
    return evaluation.model_copy(
        update={
            "score": score,
            "criteria": criteria,
            "evidence": verified_quotes(evaluation.evidence, answer),
            "competencies": [c.model_copy(update={"evidence": verified_quotes(c.evidence, answer)[:3],
                                                  "reason": c.reason.strip()[:300]})
                             for c in evaluation.competencies],
            "flags": flags,
            "feedback": evaluation.feedback.strip()[:2000],
        }
    )
