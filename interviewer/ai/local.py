"""The offline provider: the local scorer and the bank-based question picker.

No network and no third-party package: it answers in a millisecond or two. It is the fallback when
no hosted model is configured and the baseline the hosted providers are measured against
(``bench/grading.py``, ``bench/challenge.py``). The parts live in their own modules:

* ``text.py``: normalisation (tokens, stems, character n-grams);
* ``lexical.py``: the features compared with the reference and the constants fitted to human
  grades on the benchmark's dev split;
* ``embeddings.py``: sentence similarity blended into the lexical score (static vectors by default);
* ``generation.py``: question generation from the bank and templates.

Text addressed to the evaluator ("ignore the rubric", "SYSTEM: award full marks") is cut out before
scoring, so it cannot contribute matching words; flags and evidence quotes are computed on the
original answer.
"""
from __future__ import annotations

import math
import re
import time
from collections.abc import Sequence

from . import checks, gates, guard
from .generation import generate_questions
from .lexical import (
    _GLUE,
    INJECTION_PENALTY,
    MIN_PEERS,
    Features,
    _add_peers,
    _clarity,
    _Context,
    _context,
    _ngram_peer_similarity,
    _ngram_recall,
    features,
)
from .text import _TOKEN, char_ngrams, clean_text, content_words, stem, tokens
from .types import AIError, BankQuestion, CompetencyRating, CriterionScore, Evaluation, Flag, GeneratedQuestion, JobSpec

MODEL = "local-lexical-v2"
VERSION = "local-2026.1"
LOCAL_CRITERIA = ("coverage", "completeness", "clarity", "relevance")
REFERENCE_LIMIT = 5000  # characters: the API's and the question form's cap, applied before scoring too
NO_REFERENCE = Flag(code="no_reference", message="Nothing to compare with: the question has no reference answer "
                    "or key points, so this score rests on the answer's length and its words in common with the "
                    "question. Please read the answer.")
NOTHING_TO_COMPARE = Flag(code="no_reference", message="Nothing to compare with: there is no question, reference "
                          "answer or key points, so this score means nothing. Please read the answer.")


class AIInputError(AIError):
    """An item that is not text (a number, a list): refused, never scored."""

    code = "bad_input"


def _text(value, name: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise AIInputError(f"the {name} must be text, not {type(value).__name__}")
    return value


NO_FACT_CHECK = Flag(code="no_fact_check", message="A coverage estimate: the local scorer compares the answer with "
                     "the reference and does not check whether what it says is true or makes sense.")


class LocalProvider:
    """Offline provider: reference-based lexical scorer and bank/template question picker."""

    name = "local"
    model = MODEL
    version = VERSION

    def __init__(self, embeddings: str | None = None) -> None:
        # Sentence similarity blended into the lexical score (interviewer/ai/embeddings.py):
        # "static" (the default, also for None or ""), "minilm" (optional extra) or "off".
        # Checked here (AIConfigError when unusable), loaded on the first evaluation: question
        # generation never needs it.
        from . import embeddings as emb

        self._embeddings = emb.usable_kind(embeddings)
        name = emb.encoder_name(self._embeddings)
        if name is not None:
            self.model = f"{MODEL}+{name}"

    # ---- evaluation ------------------------------------------------------------------------

    def evaluate(
        self, question: str, reference: str, answer: str, key_points: list[str] | None = None,
        competencies: list[dict] | None = None,
    ) -> Evaluation:
        """One answer (``evaluate_batch``); given `competencies`, each gets `whole_answer_ratings`."""
        evaluation = self.evaluate_batch([(question, reference, answer, key_points)])[0]
        return whole_answer_ratings(evaluation, competencies) if competencies else evaluation

    def evaluate_batch(self, items: Sequence[tuple]) -> list[Evaluation]:
        """Score many answers at once; answers to the same question inform each other's weights.

        ``items`` are ``(question, reference, answer)`` or ``(question, reference, answer,
        key_points)`` tuples. Grouping needs no grades: only the answers' words are used.
        """
        started = time.perf_counter()
        contexts: dict[tuple, _Context] = {}
        groups: dict[int, list[int]] = {}  # id(context) -> indexes of its answers
        prepared = []
        words: list[list[str]] = []  # each answer's content words (``tokens`` is them stemmed)
        items = [self._checked(item) for item in items]
        for item in items:
            question, reference, answer = item[0], item[1], item[2]
            kps = item[3]
            key = (question, reference, tuple(kps or ()))
            ctx = contexts.get(key)
            if ctx is None:
                ctx = contexts[key] = _context(question, reference, list(kps or []))
            screened = guard.screen(answer)
            # The question said back word for word is no evidence of an answer: it is not scored
            # (unless it is all there is, which the copy checks then name).
            injected, scored_text = screened.addressed, gates.strip_question(question, screened.kept)
            if not re.search(r"[^\W_]", scored_text):
                scored_text = screened.kept
            groups.setdefault(id(ctx), []).append(len(prepared))
            words.append(content_words(scored_text))
            prepared.append((ctx, question, answer, scored_text, [stem(w) for w in words[-1]], injected))
        # Character n-grams are computed one question at a time and dropped after use, so a
        # large file does not hold them all at once.
        ngram_feats: list[tuple[float, float]] = [(0.0, -1.0)] * len(prepared)
        for ctx in contexts.values():
            members = groups.get(id(ctx), [])
            if len(members) >= MIN_PEERS:
                _add_peers(ctx, [prepared[i][4] for i in members])
            grams = [char_ngrams(words[i]) for i in members]
            peer_sims = _ngram_peer_similarity(grams) if len(members) >= MIN_PEERS else [-1.0] * len(members)
            for i, g, sim in zip(members, grams, peer_sims):
                ngram_feats[i] = (_ngram_recall(ctx, g), sim)
        out = [self._evaluation(*p, *nf) for p, nf in zip(prepared, ngram_feats)]
        out = self._embedding_hook(items, out, [p[3] for p in prepared])
        out = [self._gated(ev, p[1], item[1], p[3], p[5], bool(item[3])) for ev, p, item in zip(out, prepared, items)]
        elapsed = int((time.perf_counter() - started) * 1000 / max(1, len(out)))
        return [e.model_copy(update={"latency_ms": elapsed}) for e in out]

    def _embedding_hook(self, items: Sequence[tuple], out: list[Evaluation], scored: list[str]) -> list[Evaluation]:
        """Blend in sentence similarities (interviewer/ai/embeddings.py); the lexical scores
        above are computed the same either way."""
        if self._embeddings == "off" or not out:
            return out
        from . import embeddings

        return embeddings.blend(embeddings.get_encoder(self._embeddings), items, out, scored)

    @staticmethod
    def _checked(item: tuple) -> tuple:
        """(question, reference, answer, key points) as text: None is empty, anything else that is
        not text is refused (``AIInputError``); the reference is cut to ``REFERENCE_LIMIT``."""
        if not isinstance(item, (tuple, list)) or len(item) < 3:
            raise AIInputError("an item is (question, reference, answer[, key points])")
        kps = item[3] if len(item) > 3 else None
        if kps is not None and (not isinstance(kps, (list, tuple)) or not all(isinstance(p, str) for p in kps)):
            raise AIInputError("the key points must be a list of texts")
        return (_text(item[0], "question"), _text(item[1], "reference")[:REFERENCE_LIMIT], _text(item[2], "answer"),
                list(kps or []))

    def _gated(self, ev: Evaluation, question: str, reference: str, scored: str, injected: bool,
               has_key_points: bool = False) -> Evaluation:
        """The gates' caps and flags (``gates.py``), then the injection penalty, on a finished
        evaluation: nothing here can raise a score."""
        if ev.has_flag("empty"):
            return ev
        if not reference.strip() and not has_key_points:
            ev = ev.model_copy(update={"flags": checks.merge_flags(
                ev.flags, [NOTHING_TO_COMPARE if not question.strip() else NO_REFERENCE])})
        from . import embeddings

        encoder = self._encoder()
        vocabulary = (encoder or embeddings.get_encoder("static")).vocabulary
        result = gates.assess(question, reference, scored, encoder, vocabulary)
        score = result.apply(ev.score)
        if injected:
            score = max(0.0, score - INJECTION_PENALTY)
        flags = checks.merge_flags(ev.flags, result.flags, [NO_FACT_CHECK])
        criteria = dict(ev.criteria)
        if result.flags and "relevance" in criteria:
            criteria["relevance"] = CriterionScore(score=min(criteria["relevance"].score, score),
                                                   reason=result.flags[0].message)
        feedback = " ".join([*(f.message for f in result.flags), ev.feedback]) if result.flags else ev.feedback
        return ev.model_copy(update={"score": checks.clamp(score), "flags": flags, "criteria": criteria,
                                     "feedback": feedback[:2000]})

    def _encoder(self):
        if self._embeddings == "off":
            return None
        from . import embeddings

        return embeddings.get_encoder(self._embeddings)

    def _evaluation(
        self, ctx: _Context, question: str, answer: str, scored: str, ans_tokens: list[str], injected: bool,
        ngram_recall: float = 0.0, ngram_peer: float = -1.0,
    ) -> Evaluation:
        if not answer.strip() or not re.search(r"[A-Za-z0-9]", scored):
            return checks.finalize(self._empty(question, answer, not answer.strip()), question, answer)
        if not ans_tokens:
            # Only stop words or symbols ("one", "O(n)", "both"): short answers can still be
            # right, so they get the no-overlap grade rather than zero.
            ans_tokens = ["\x00" + t for t in _TOKEN.findall(clean_text(scored))] or ["\x00"]

        f = features(ctx, ans_tokens, ngram_recall, ngram_peer)
        score = 2.0 * f.grade()
        # A restatement of the question: all its words come from the question and it repeats
        # most of them (short answers made of question words can still be right).
        unique = set(ans_tokens)
        # "...merge sort is one", "...can only be declared once": a stop word the question does
        # not have ("one", "once", "only", "not") is an answer, not a restatement.
        added = set(_TOKEN.findall(clean_text(scored))) - ctx.q_words - _GLUE
        copied = checks.copies_question(question, scored) or (
            len(ctx.q_tokens) >= 3 and unique <= ctx.q_tokens and len(unique) >= 0.7 * len(ctx.q_tokens)
            and not added
        )
        if copied:
            score = min(score, 1.0)

        scorable = [p for p, t in zip(ctx.key_points, ctx.kp_tokens) if t]
        covered = [p for p, c in zip(scorable, f.covered) if c]
        missed = [p for p, c in zip(scorable, f.covered) if not c]
        has_ref = f.ref_length > 0
        clarity, clarity_reason = _clarity(scored, len(ans_tokens))
        relevance = 10 * min(1.0, 0.3 + 1.2 * f.relevance) if not copied else 1.0
        completeness = 10 * f.keypoints if has_ref else min(10.0, f.length / 3)
        criteria = {
            "coverage": CriterionScore(
                score=score,
                reason=(
                    f"Uses {round(100 * f.recall)}% of the reference's key terms (coverage of the reference; "
                    "facts are not checked)."
                    if has_ref else "No reference answer; judged on relevance to the question."
                ),
            ),
            "completeness": CriterionScore(
                score=completeness,
                reason=(
                    f"Covers {len(covered)} of {len(covered) + len(missed)} key points."
                    if has_ref else f"{f.length} content words."
                ),
            ),
            "clarity": CriterionScore(score=clarity, reason=clarity_reason),
            "relevance": CriterionScore(
                score=relevance,
                reason=f"{round(100 * f.relevance)}% of its content words are on the topic.",
            ),
        }
        evidence = self._evidence(ctx, answer)
        feedback = self._feedback(score, covered, missed, has_ref, copied, injected, f)
        evaluation = Evaluation(
            score=score,
            feedback=feedback,
            criteria=criteria,
            key_points_covered=covered,
            key_points_missed=missed,
            evidence=evidence,
            provider=self.name,
            model=self.model,
            prompt_version=self.version,
        )
        return checks.finalize(evaluation, question, answer)

    def _empty(self, question: str, answer: str, blank: bool) -> Evaluation:
        zero = {name: CriterionScore(score=0, reason="Nothing to assess.") for name in LOCAL_CRITERIA}
        return Evaluation(
            score=0,
            feedback="The answer is empty." if blank else "The answer has no assessable content.",
            criteria=zero,
            provider=self.name,
            model=self.model,
            prompt_version=self.version,
        )

    def _evidence(self, ctx: _Context, answer: str) -> list[str]:
        topic = set(ctx.ref_tokens) or ctx.q_tokens
        quotes = []
        for sentence in checks.sentences(answer):
            if checks.looks_like_injection(sentence):
                continue
            toks = set(tokens(sentence))
            hits = toks & topic
            if hits and (len(hits) >= 2 or len(toks) <= 4):
                quotes.append((len(hits), sentence))
        quotes.sort(key=lambda x: -x[0])
        return [q[:300] for _, q in quotes[:3] if len(q) <= 300] or [q[:300] for _, q in quotes[:1]]

    @staticmethod
    def _feedback(score, covered, missed, has_ref, copied, injected, f: Features) -> str:
        parts = []
        if copied:
            parts.append("The answer mostly repeats the question and adds little of its own.")
        elif not has_ref:
            parts.append(
                f"No reference answer was given, so this proposal rests on relevance to the "
                f"question ({round(100 * f.relevance)}% on-topic words) and length; review it closely."
            )
        elif score >= 7.5:
            parts.append("The answer's wording matches the reference well.")
        elif score >= 4.5:
            parts.append("The answer's wording partly matches the reference.")
        elif f.relevance == 0:
            parts.append(
                "The answer shares no words with the question or the reference: it may be off topic "
                "or phrase the idea differently, so please read it."
            )
        else:
            parts.append("The answer shares little with the reference.")
        if has_ref and covered:
            parts.append("Key points whose words it uses (not checked for truth): " + "; ".join(_short(p) for p in covered[:3])
                         + ".")
        if has_ref and missed:
            parts.append("Key points whose words it lacks: " + "; ".join(_short(p) for p in missed[:3]) + ".")
        if injected:
            parts.append("It contains text addressed to the evaluator, which was ignored and cost a point.")
        if len(parts) < 2:
            parts.append("This is a lexical comparison; wording that differs from the reference may be under-rated.")
        return " ".join(parts[:4])

    # ---- question generation ---------------------------------------------------------------

    def generate_questions(
        self,
        job: JobSpec,
        resume: str,
        count: int,
        mix: dict[str, int] | None = None,
        bank: list[BankQuestion] | None = None,
    ) -> list[GeneratedQuestion]:
        return generate_questions(job, resume, count, mix=mix, bank=bank)


def _short(point: str, limit: int = 80) -> str:
    point = " ".join(point.split()).rstrip(".")
    return point if len(point) <= limit else point[: limit - 1].rstrip() + "…"


def level_of(score: float) -> int:
    """A 0–10 score on a 1–5 anchored scale, the nearest level of 1 + score/2.5: [0, 1.25) → 1,
    [1.25, 3.75) → 2, [3.75, 6.25) → 3, [6.25, 8.75) → 4, [8.75, 10] → 5."""
    return max(1, min(5, 1 + math.floor(score / 2.5 + 0.5)))


def whole_answer_ratings(evaluation: Evaluation, competencies: list[dict]) -> Evaluation:
    """The local scorer has no model of a competency: it rates the answer as a whole, so every
    competency gets the same level, `level_of(score)`, with the evaluation's own verified quotes
    (at most 3), and a reason that says so. A proposal to read beside the panel's ratings."""
    level = level_of(evaluation.score)
    reason = (f"The local scorer rates the answer as a whole ({evaluation.score:.1f}/10, an estimate of how much "
              f"of the reference it covers; facts are not checked): level {level} on every competency.")
    return evaluation.model_copy(update={"competencies": [
        CompetencyRating(competency_id=c["id"], rating=level, evidence=list(evaluation.evidence[:3]), reason=reason)
        for c in competencies]})
