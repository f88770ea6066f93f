"""Server-side checks applied to every evaluation, whatever provider produced it.

The model (or the local scorer) proposes; these functions decide what is kept:
scores clamped to 0..10, quotes kept only when they really occur in the answer,
and flags for HR computed from the answer itself.
"""
from __future__ import annotations

import re

from .types import CRITERIA, CriterionScore, Evaluation, Flag

FLAG_EMPTY = Flag(code="empty", message="empty answer")
FLAG_COPIES_QUESTION = Flag(code="copies_question", message="the answer copies the question")
FLAG_INJECTION = Flag(code="injection", message="the answer contains text addressed to the evaluator")

_INJECTION = re.compile(
    # "ignore the rubric", "disregard all previous instructions", "forget the rules"
    r"\b(ignore|disregard|forget|override|bypass)\b.{0,40}?\b(previous|above|prior|earlier|rubric|"
    r"instructions?|rules?|guidelines?|criteria|prompt|reference( answer)?|marking scheme)\b"
    # "give this answer 10/10", "award full marks", "assign the maximum score"
    r"|\b(give|giving|award|awarding|assign|grade|mark|rate|score)\b.{0,30}?"
    r"(\b(10|ten|full|maximum|max|perfect|top|highest|100)\b|\b\d+\s*/\s*10\b)"
    r".{0,20}?\b(marks?|points?|scores?|grades?|rating|percent|credit)\b"
    r"|\b(10|ten)\s*(/|out of)\s*(10|ten)\b|\b(full|maximum|perfect|top)\s+(marks|score|points|credit)\b"
    # "this answer deserves / should get ..."
    r"|\b(this|my)\s+(answer|response|submission)\s+(deserves|should (get|receive|be (given|scored|graded|rated)))"
    # role markers and words addressed to the evaluator
    r"|(^|[\n.!?>]\s*|\[)\s*(system|assistant|developer|instruction|admin)\s*(prompt|message|note)?\s*[:\]]"
    r"|\bsystem prompt\b|\bas an ai\b|\b(large )?language model\b.{0,30}\b(must|should|will|shall)\b"
    r"|\b(note|message|instructions?) (to|for) (the )?(grader|evaluator|marker|reviewer|examiner|ai|model|assistant)\b"
    r"|\b(dear|hey|hi|attention:?)\s+(grader|evaluator|marker|reviewer|examiner|ai|model|assistant)\b"
    r"|\b(the |you, )?(grader|evaluator|marker|reviewer|examiner|ai|model|assistant)\b.{0,20}?"
    r"\b(must|should|shall|will|needs? to|has to|is (required|instructed) to)\b.{0,30}?"
    r"\b(give|award|assign|score|grade|mark|rate|pass|ignore)\b"
    r"|\b(score|rate|grade|mark) (this|me|my answer)\b",
    re.IGNORECASE | re.DOTALL,
)
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
    return bool(_INJECTION.search(answer or ""))


def strip_addressed_text(answer: str) -> str:
    """The answer with text addressed to the evaluator cut out, for scoring only.

    Each sentence holding an injection is cut from the start of the match (a sentence that
    runs straight into "Ignore the rubric..." keeps its own beginning). Removing text can only
    remove matching words, so an injection can never add to a lexical score.
    """
    if not answer or not looks_like_injection(answer):
        return answer or ""
    kept = []
    for sentence in _SENTENCE_SPLIT.split(answer):
        if not sentence:
            continue
        match = _INJECTION.search(sentence)
        while match:
            sentence = sentence[: match.start()].rstrip(" \t\"'([{:-")
            match = _INJECTION.search(sentence)
        if sentence.strip():
            kept.append(sentence.strip())
    return " ".join(kept)


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


def finalize(evaluation: Evaluation, question: str, answer: str) -> Evaluation:
    """Clamp, verify quotes and merge server-computed flags into a provider's evaluation."""
    criteria = {
        name: CriterionScore(
            score=clamp(evaluation.criteria[name].score if name in evaluation.criteria else 0),
            reason=(evaluation.criteria[name].reason if name in evaluation.criteria else "")[:300],
        )
        for name in CRITERIA
    }
    flags = merge_flags(answer_flags(question, answer), evaluation.flags)
    score = clamp(evaluation.score)
    if any(f.code == FLAG_EMPTY.code for f in flags):
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
