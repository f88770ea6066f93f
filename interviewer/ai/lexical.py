"""The local scorer's lexical features and the constants fitted to human grades.

The answer and the reference are normalised (``text.py``), then compared:

* recall of the reference's content words (words that merely repeat the question count less),
  where a long word also matches a spelling within one edit or sharing its first six letters
  ("recursoin", "recursively"),
* single answer: recall of the reference's character 3..5-grams that are not in the question
  (robust to typos and word forms), less a 2 % chance overlap,
* in batch mode (``LocalProvider.evaluate_batch``, used for files), the answers to the same
  question inform each other without any grades: reference words most candidates used weigh
  more, and each answer's character n-grams are compared with those of the *other* answers
  (most candidates are at least partly right, so the consensus wording is informative).

A square-root-then-linear map of these gives the 0..10 proposal; the few constants were fitted on
the *dev* split of the grading benchmark only (``bench/grading.py`` prints the figures). Key-point
coverage is reported to HR but, like bigrams, did not improve agreement with human graders, so it
does not enter the score. These figures measure how much of the reference an answer covers; they
do not check whether what it says is true.
"""
from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from . import checks
from .text import _TOKEN, _soft_match, char_ngrams, clean_text, content_words, split_key_points, tokens

# Constants fitted on the dev split of the grading benchmark (assignments 1-6) only.
QUESTION_WORD_WEIGHT = 0.2      # a reference word that only repeats the question counts less
MIN_PEERS = 5                   # answers to one question needed before peers are used
# Predicted grade on the benchmark's 0..5 scale (x2 for 0..10).
#   batch:  a + b * sqrt(consensus-weighted soft reference recall)
#             + c * sqrt(character-n-gram similarity to the other answers), least squares on dev.
#   single: a + b * sqrt(soft reference recall) + c * sqrt(recall of the reference's character
#           n-grams that are not in the question). Least squares on dev gives (3.16, 1.05, 1.03):
#           no overlap at all would still get 6.2/10, because the benchmark's students are
#           nearly always on topic. With no peers to vouch for an answer the app keeps the
#           least-squares direction but a steeper map (no overlap -> 3.8/10, the reference
#           itself -> 10); RMSE on the benchmark is worse (about 1.19 vs 0.89 on dev).
BATCH_FIT = (2.076, 1.123, 2.210)
SINGLE_FIT = (1.913, 1.604, 1.563)
NGRAM_CHANCE = 0.02
# Older word-level map, still used for the peer term when there is no reference answer.
PEER_WORD_FIT = (2.178, 3.109)
# No cap for answers sharing no word with the question or reference: on dev such answers
# still average 3/5 with the human graders (different words, same idea), so capping them
# cost r 0.64 -> 0.53. The feedback tells HR to read them instead.
INJECTION_PENALTY = 1.0
# Words a restatement of the question may add without saying anything ("A process is ...").
_GLUE = frozenset("a an the is are was were be it its this that these those of to in on for and or as by i".split())


@dataclass
class _Context:
    """Everything about one question (and its reference) that does not depend on the answer."""

    key_points: list[str]
    q_tokens: set[str]
    q_words: set[str]  # every word of the question, stop words included
    ref_tokens: list[str]
    kp_tokens: list[list[str]]
    ref_ngrams: set[str] = field(default_factory=set)  # reference char n-grams not in the question
    # peers: the answers to the same question scored in the same batch
    peer_df: dict[str, int] = field(default_factory=dict)
    peer_n: int = 0
    centroid: dict[str, float] = field(default_factory=dict)  # sum of unit binary vectors
    centroid_sq: float = 0.0

    def weight(self, tok: str) -> float:
        return QUESTION_WORD_WEIGHT if tok in self.q_tokens else 1.0

    def consensus_weight(self, tok: str) -> float:
        """Reference words most candidates used weigh more; question words not at all."""
        if tok in self.q_tokens:
            return 0.0
        return 0.2 + self.peer_df.get(tok, 0) / self.peer_n


def _context(question: str, reference: str, key_points: list[str] | None) -> _Context:
    points = [p for p in (key_points or []) if p and p.strip()] or split_key_points(reference)
    ref_tokens = tokens(reference)
    ref_ng = char_ngrams(content_words(reference))
    ref_ng_new = ref_ng - char_ngrams(content_words(question))
    return _Context(
        key_points=points,
        q_tokens=set(tokens(question)),
        q_words=set(_TOKEN.findall(clean_text(question))),
        ref_tokens=ref_tokens,
        kp_tokens=[tokens(p) for p in points],
        ref_ngrams=ref_ng_new or ref_ng,
    )


def _add_peers(ctx: _Context, answers: Iterable[list[str]]) -> None:
    df: dict[str, int] = {}
    centroid: dict[str, float] = {}
    n = 0
    for toks in answers:
        unique = set(toks)
        if not unique:
            continue
        n += 1
        unit = 1.0 / math.sqrt(len(unique))
        for t in unique:
            df[t] = df.get(t, 0) + 1
            centroid[t] = centroid.get(t, 0.0) + unit
    ctx.peer_df, ctx.peer_n, ctx.centroid = df, n, centroid
    ctx.centroid_sq = math.fsum(v * v for v in centroid.values())


def _recall(ref: Iterable[str], ans: set[str], weight) -> float:
    ref = set(ref)
    total = math.fsum(weight(t) for t in ref)
    if total <= 0:
        return 0.0
    return math.fsum(weight(t) for t in ref if t in ans) / total


def _soft_recall(ref: Iterable[str], ans: set[str], weight) -> float:
    """Like ``_recall``, but a reference word also counts when a near-spelling is in the answer."""
    ref = set(ref)
    total = math.fsum(weight(t) for t in ref)
    if total <= 0:
        return 0.0
    long_words = [a for a in ans if len(a) >= 5]
    return math.fsum(weight(t) for t in ref if _soft_match(t, ans, long_words)) / total


def _ngram_peer_similarity(ngram_sets: list[set[str]]) -> list[float]:
    """Cosine between each answer's char n-grams and the sum of the *other* answers' (binary)."""
    df: dict[str, int] = {}
    for grams in ngram_sets:
        for g in grams:
            df[g] = df.get(g, 0) + 1
    total_sq = sum(v * v for v in df.values())
    out = []
    for grams in ngram_sets:
        if not grams:
            out.append(0.0)
            continue
        own = sum(df[g] for g in grams)
        dot = own - len(grams)
        norm_sq = total_sq - 2 * own + len(grams)  # |df - answer|^2
        out.append(max(0.0, min(1.0, dot / math.sqrt(len(grams) * norm_sq))) if norm_sq > 0 and dot > 0 else 0.0)
    return out


def _peer_similarity(ctx: _Context, ans: set[str]) -> float:
    """Cosine between the answer and the centroid of the *other* answers (binary vectors)."""
    if ctx.peer_n < MIN_PEERS or not ans:
        return -1.0
    unit = 1.0 / math.sqrt(len(ans))
    # leave this answer out of the centroid
    dot = math.fsum(ctx.centroid.get(t, 0.0) for t in ans) * unit - 1.0
    norm_sq = ctx.centroid_sq - 2.0 * dot - 1.0
    if norm_sq <= 1e-12 or dot <= 0:
        return 0.0
    return max(0.0, min(1.0, dot / math.sqrt(norm_sq)))


@dataclass
class Features:
    recall: float        # reference recall, question words demoted
    keypoints: float
    peer: float          # similarity to the other answers (-1: no peers)
    soft_recall: float   # reference recall with near-spellings, question words demoted
    soft_consensus: float  # consensus-weighted soft recall (-1: no peers)
    ngram_recall: float  # share of the reference's char n-grams (not in the question) in the answer
    ngram_peer: float    # char n-gram similarity to the other answers (-1: no peers)
    relevance: float     # share of the answer's words found in the question or the reference
    q_recall: float      # share of the question's words the answer uses
    length: int
    ref_length: int
    covered: list[bool]

    def grade(self) -> float:
        """Predicted grade on a 0..5 scale."""
        if self.ref_length == 0:
            # No reference: only the question, the answer's substance and the peers to go on.
            body = min(1.0, self.length / 20.0)
            base = 0.5 + 1.5 * math.sqrt(self.q_recall) + 1.0 * self.relevance + 1.5 * body
            if self.peer >= 0:
                base = 0.6 * base + 0.4 * (PEER_WORD_FIT[0] + PEER_WORD_FIT[1] * math.sqrt(self.peer))
            return max(0.0, min(5.0, base))
        if self.ngram_peer >= 0 and self.soft_consensus >= 0:
            a, b, c = BATCH_FIT
            g = a + b * math.sqrt(self.soft_consensus) + c * math.sqrt(self.ngram_peer)
        else:
            a, b, c = SINGLE_FIT
            g = a + b * math.sqrt(self.soft_recall) + c * math.sqrt(self.ngram_recall)
        return max(0.0, min(5.0, g))


def _ngram_recall(ctx: _Context, grams: set[str]) -> float:
    """Share of the reference's new char n-grams in the answer, less the overlap any unrelated
    text has by chance (a few common trigrams such as "ing"): 2 %, so off-topic text gets 0."""
    if not ctx.ref_ngrams:
        return 0.0
    share = len(ctx.ref_ngrams & grams) / len(ctx.ref_ngrams)
    return max(0.0, share - NGRAM_CHANCE) / (1.0 - NGRAM_CHANCE)


def features(
    ctx: _Context, ans_tokens: list[str], ngram_recall: float = 0.0, ngram_peer: float = -1.0
) -> Features:
    """Features of one answer; the char n-gram ones are computed by the caller, per question
    (``_ngram_recall``, ``_ngram_peer_similarity``)."""
    ans = set(ans_tokens)
    recall = _recall(ctx.ref_tokens, ans, ctx.weight)
    with_peers = ctx.peer_n >= MIN_PEERS
    soft_recall = _soft_recall(ctx.ref_tokens, ans, ctx.weight)
    soft_consensus = _soft_recall(ctx.ref_tokens, ans, ctx.consensus_weight) if with_peers else -1.0
    kp_scores = [_recall(kp, ans, ctx.weight) for kp in ctx.kp_tokens if kp]
    keypoints = sum(kp_scores) / len(kp_scores) if kp_scores else recall
    topic = ctx.q_tokens | set(ctx.ref_tokens)
    relevance = len(ans & topic) / len(ans) if ans else 0.0
    q_recall = len(ans & ctx.q_tokens) / len(ctx.q_tokens) if ctx.q_tokens else 0.0
    return Features(
        recall=recall,
        keypoints=keypoints,
        peer=_peer_similarity(ctx, ans),
        soft_recall=soft_recall,
        soft_consensus=soft_consensus,
        ngram_recall=ngram_recall,
        ngram_peer=ngram_peer if with_peers else -1.0,
        relevance=relevance,
        q_recall=q_recall,
        length=len(ans_tokens),
        ref_length=len(ctx.ref_tokens),
        covered=[s >= 0.5 for s in kp_scores],
    )


def _clarity(answer: str, n_tokens: int) -> tuple[float, str]:
    words = answer.split()
    if not words:
        return 0.0, "No text to judge."
    sents = checks.sentences(answer) or [answer]
    avg = len(words) / len(sents)
    score = 7.0
    if n_tokens < 3:
        score -= 3.0
    if avg > 40:
        score -= 2.0
    letters = sum(c.isalpha() for c in answer)
    upper = sum(c.isupper() for c in answer)
    if letters and upper / letters > 0.6:
        score -= 2.0
    if re.search(r"[.!?]\s*$", answer.strip()) or len(sents) > 1:
        score += 1.0
    if 8 <= len(words) <= 150:
        score += 1.0
    reason = (
        "Short, hard to judge." if n_tokens < 3
        else "Long run-on sentences." if avg > 40
        else "Readable and structured."
    )
    return max(0.0, min(10.0, score)), reason
