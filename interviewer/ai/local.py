"""The offline provider: a deterministic lexical scorer and a bank-based question picker.

No network, no third-party packages: everything here is the Python standard library, and it
answers in a millisecond or two. It is the fallback when no hosted model is configured and the
baseline the hosted providers are measured against (see ``bench/grading.py``). The lexical score
computed here is blended with sentence similarity by ``embeddings.py`` (by default static vectors
shipped with the app, ``static_vectors.py``; ``LOCAL_EMBEDDINGS=off`` leaves it alone).

Scoring (``evaluate`` / ``evaluate_batch``)
    The answer and the reference are normalised (lower case, HTML and mojibake removed, stop
    words dropped, a small suffix stemmer), then compared:

    * recall of the reference's content words (words that merely repeat the question count
      less), where a long word also matches a spelling within one edit or sharing its first six
      letters ("recursoin", "recursively"),
    * single answer: recall of the reference's character 3..5-grams that are not in the
      question (robust to typos and word forms), less a 2 % chance overlap,
    * in batch mode (``evaluate_batch``, used for files), the answers to the same question
      inform each other without any grades: reference words most candidates used weigh more,
      and each answer's character n-grams are compared with those of the *other* answers (most
      candidates are at least partly right, so the consensus wording is informative).

    A square-root-then-linear map of these gives the 0..10 proposal; the few constants were
    fitted on the *dev* split of the grading benchmark only (see ``bench/grading.py`` for the
    numbers). Key-point coverage is reported to HR but, like bigrams, did not improve agreement
    with human graders, so it does not enter the score.

    Text addressed to the evaluator ("ignore the rubric", "SYSTEM: award full marks") is cut
    out before scoring, so it cannot contribute matching words, and a flagged answer loses a
    point; flags and evidence quotes are always computed on the original answer.

Generation (``generate_questions``)
    Skills are recognised in the job title, description and résumé through a small vocabulary
    with aliases; bank questions are ranked by tag overlap, the category mix is respected, and a
    few questions may be written from templates around skills the résumé itself lists.
"""
from __future__ import annotations

import math
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from . import checks
from .types import (
    CATEGORIES,
    CRITERIA,
    BankQuestion,
    CriterionScore,
    Evaluation,
    GeneratedQuestion,
    JobSpec,
    category_of,
    text_key,
)

MODEL = "local-lexical-v2"
VERSION = "local-2025.2"

# --------------------------------------------------------------------------------------------
# Text normalisation
# --------------------------------------------------------------------------------------------

STOP_WORDS = frozenset(
    """
    a about above after again against all also am an and any are aren as at be because been
    before being below between both but by can cannot could couldn did didn do does doesn doing
    don down during each either etc even ever every few for from further get gets got had hadn
    has hasn have haven having he her here hers herself him himself his how however i if in into
    is isn it its itself just let lets like ll may me might more most much must mustn my myself
    need no nor not now of off on once one only or other others our ours ourselves out over own
    per quite rather re really s same say says shall shan she should shouldn since so some such
    t than that thats the their theirs them themselves then there these they thing things this
    those though through thus to too under until up upon us use used uses using ve very via was
    wasn way we well were weren what whatever when where whereas whether which while who whom
    whose why will with within without won would wouldn yes yet you your yours yourself
    yourselves basically actually generally usually simply please
    """.split()
)
# "not"/"no" carry meaning in answers ("does not return a value"), but in lexical overlap they
# mostly add noise; they stay out of the content words.

_HTML = re.compile(r"<[^>]{0,40}>|&[a-z]+;|&#\d+;", re.IGNORECASE)
_TOKEN = re.compile(r"[a-z][a-z0-9]*(?:\+\+|#)?|\d+(?:\.\d+)?")

# A few spelling variants and abbreviations that name the same thing.
_CANON = {
    "c++": "cpp", "c#": "csharp", "cplusplus": "cpp", "f#": "fsharp",
    "behaviour": "behavior", "behaviours": "behavior", "initialise": "initialize",
    "func": "function", "funct": "function", "fn": "function", "var": "variable",
    "vars": "variable", "param": "parameter", "params": "parameter", "arg": "argument",
    "args": "argument", "obj": "object", "ptr": "pointer", "addr": "address",
    "mem": "memory", "char": "character", "chars": "character", "int": "integer",
    "ints": "integer", "bool": "boolean", "init": "initialize", "def": "define",
    "ref": "reference", "refs": "reference", "db": "database", "dbs": "database",
    "info": "information", "config": "configuration", "env": "environment",
    "dir": "directory", "auth": "authentication", "approx": "approximately",
    "min": "minimum", "max": "maximum", "num": "number", "no.": "number",
    "1st": "first", "2nd": "second", "3rd": "third", "w/": "with", "b/c": "because",
}

_STEM_SUFFIXES = (
    "izations", "ization", "isations", "isation", "ational", "fulness", "iveness", "ousness",
    "ations", "ation", "ements", "ement", "ments", "ment", "ingly", "ities", "ness", "ings",
    "ing", "edly", "ities", "ity", "ies", "ied", "ers", "er", "ed", "ly", "izes", "ized",
    "ize", "ises", "ised", "ise", "ives", "ive", "ables", "able", "ibles", "ible", "als", "al",
    "es", "s",
)
_KEEP_S = ("ss", "us", "is", "ys")
_stem_cache: dict[str, str] = {}


def stem(word: str) -> str:
    """A light suffix stemmer (Porter-like, one pass): compiles/compiled/compiler -> compil."""
    cached = _stem_cache.get(word)
    if cached is not None:
        return cached
    out = word
    if len(word) > 3 and word.isalpha():
        for suffix in _STEM_SUFFIXES:
            if out.endswith(suffix) and len(out) - len(suffix) >= 3:
                if suffix == "s" and out.endswith(_KEEP_S):
                    break
                if suffix in ("ies", "ied", "ities"):
                    out = out[: -len(suffix)] + "i"
                else:
                    out = out[: -len(suffix)]
                break
        if len(out) > 3 and out.endswith("e"):
            out = out[:-1]
        if len(out) > 3 and out[-1] == out[-2] and out[-1] not in "aeiouls":
            out = out[:-1]
        if out.endswith("y") and len(out) > 3:
            out = out[:-1] + "i"
    if len(_stem_cache) < 200_000:
        _stem_cache[word] = out
    return out


def clean_text(text: str) -> str:
    """Lower case, HTML tags/entities and non-ASCII debris removed."""
    text = _HTML.sub(" ", text or "")
    text = text.encode("ascii", "ignore").decode("ascii")
    return text.lower()


def content_words(text: str) -> list[str]:
    """Content words as written (canonicalised, stop words removed, *not* stemmed)."""
    out = []
    for raw in _TOKEN.findall(clean_text(text)):
        raw = _CANON.get(raw, raw)
        if raw in STOP_WORDS or (len(raw) < 2 and not raw.isdigit()):
            continue
        out.append(raw)
    return out


def tokens(text: str) -> list[str]:
    """Content tokens: normalised, stop words removed, stemmed."""
    return [stem(word) for word in content_words(text)]


NGRAM_SIZES = (3, 4, 5)


def char_ngrams(words: Sequence[str]) -> set[str]:
    """Character 3..5-grams of the content words joined by spaces (robust to typos/morphology)."""
    text = " " + " ".join(words) + " " if words else ""
    out: set[str] = set()
    for n in NGRAM_SIZES:
        for i in range(len(text) - n + 1):
            out.add(text[i : i + n])
    return out


def _one_edit(a: str, b: str) -> bool:
    """True if a and b differ by at most one insertion, deletion or substitution."""
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la > lb:
        a, b, la, lb = b, a, lb, la
    i = 0
    while i < la and a[i] == b[i]:
        i += 1
    return a[i + 1 :] == b[i + 1 :] if la == lb else a[i:] == b[i + 1 :]


def _soft_match(word: str, ans: set[str], ans_long: list[str]) -> bool:
    """The (stemmed) reference word is in the answer, or a long word within one edit or sharing
    its first six letters (misspellings, other derivations: "recursiv"/"recursion")."""
    if word in ans:
        return True
    if len(word) < 5:
        return False
    for a in ans_long:
        if _one_edit(word, a) or (len(word) >= 6 and len(a) >= 6 and word[:6] == a[:6]):
            return True
    return False


def split_key_points(reference: str) -> list[str]:
    """Key points of a reference: its sentences, long sentences further split at ; and ,."""
    points: list[str] = []
    for sentence in checks.sentences(reference):
        clauses = [c.strip(" ,;:-") for c in re.split(r";|,\s+(?:and\s+|but\s+|whereas\s+)?|\s+whereas\s+|\s+but\s+", sentence)]
        clauses = [c for c in clauses if c]
        if len(clauses) > 1 and all(len(tokens(c)) >= 2 for c in clauses):
            points.extend(clauses)
        elif tokens(sentence):
            points.append(sentence.strip())
    if not points and reference.strip():
        points = [reference.strip()]
    return points


# --------------------------------------------------------------------------------------------
# Scoring
# --------------------------------------------------------------------------------------------

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
        self, question: str, reference: str, answer: str, key_points: list[str] | None = None
    ) -> Evaluation:
        return self.evaluate_batch([(question, reference, answer, key_points)])[0]

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
        for item in items:
            question, reference, answer = (item[0] or ""), (item[1] or ""), (item[2] or "")
            kps = item[3] if len(item) > 3 else None
            key = (question, reference, tuple(kps or ()))
            ctx = contexts.get(key)
            if ctx is None:
                ctx = contexts[key] = _context(question, reference, list(kps or []))
            injected = checks.looks_like_injection(answer)
            scored_text = checks.strip_addressed_text(answer) if injected else answer
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
        elapsed = int((time.perf_counter() - started) * 1000 / max(1, len(out)))
        return [e.model_copy(update={"latency_ms": elapsed}) for e in out]

    def _embedding_hook(self, items: Sequence[tuple], out: list[Evaluation], scored: list[str]) -> list[Evaluation]:
        """Blend in sentence similarities (interviewer/ai/embeddings.py); the lexical scores
        above are computed the same either way."""
        if self._embeddings == "off" or not out:
            return out
        from . import embeddings

        return embeddings.blend(embeddings.get_encoder(self._embeddings), items, out, scored)

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
        if injected:
            score = max(0.0, score - INJECTION_PENALTY)

        scorable = [p for p, t in zip(ctx.key_points, ctx.kp_tokens) if t]
        covered = [p for p, c in zip(scorable, f.covered) if c]
        missed = [p for p, c in zip(scorable, f.covered) if not c]
        has_ref = f.ref_length > 0
        clarity, clarity_reason = _clarity(scored, len(ans_tokens))
        relevance = 10 * min(1.0, 0.3 + 1.2 * f.relevance) if not copied else 1.0
        completeness = 10 * f.keypoints if has_ref else min(10.0, f.length / 3)
        correctness = score
        criteria = {
            "correctness": CriterionScore(
                score=correctness,
                reason=(
                    f"Matches {round(100 * f.recall)}% of the reference's key terms."
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
        zero = {name: CriterionScore(score=0, reason="Nothing to assess.") for name in CRITERIA}
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
            parts.append("The answer matches the reference well.")
        elif score >= 4.5:
            parts.append("The answer partly matches the reference.")
        elif f.relevance == 0:
            parts.append(
                "The answer shares no words with the question or the reference: it may be off topic "
                "or phrase the idea differently, so please read it."
            )
        else:
            parts.append("The answer shares little with the reference.")
        if has_ref and covered:
            parts.append("Covered: " + "; ".join(_short(p) for p in covered[:3]) + ".")
        if has_ref and missed:
            parts.append("Missing or unclear: " + "; ".join(_short(p) for p in missed[:3]) + ".")
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


# --------------------------------------------------------------------------------------------
# Question generation
# --------------------------------------------------------------------------------------------

# skill tag -> aliases as they appear in job ads and résumés (lower case, matched on word edges)
SKILLS: dict[str, tuple[str, ...]] = {
    "python": ("python", "django", "flask", "fastapi", "pandas", "pytest"),
    "javascript": ("javascript", "js", "node.js", "nodejs", "node", "ecmascript", "typescript", "ts", "express"),
    "react": ("react", "reactjs", "react.js", "redux", "next.js", "nextjs"),
    "java": ("java", "spring", "spring boot", "jvm", "kotlin"),
    "csharp": ("c#", "csharp", ".net", "dotnet", "asp.net"),
    "cpp": ("c++", "cpp"),
    "go": ("golang", "go"),
    "sql": ("sql", "postgres", "postgresql", "mysql", "sqlite", "oracle", "t-sql", "mssql", "sql server", "relational database"),
    "nosql": ("nosql", "mongodb", "mongo", "redis", "cassandra", "dynamodb", "elasticsearch"),
    "kubernetes": ("kubernetes", "k8s", "helm", "openshift"),
    "docker": ("docker", "containers", "containerization", "container"),
    "cloud": ("aws", "azure", "gcp", "google cloud", "cloud", "lambda", "s3", "ec2"),
    "devops": ("devops", "ci/cd", "ci", "cd", "jenkins", "github actions", "gitlab", "terraform", "ansible"),
    "linux": ("linux", "unix", "bash", "shell"),
    "git": ("git", "version control"),
    "testing": ("testing", "unit test", "unit tests", "tdd", "qa", "test automation", "selenium", "pytest", "jest"),
    "api": ("api", "apis", "rest", "restful", "graphql", "grpc", "microservices"),
    "security": ("security", "owasp", "authentication", "authorization", "oauth", "encryption"),
    "data": ("data analysis", "analytics", "etl", "data pipeline", "spark", "hadoop", "data engineering", "excel", "tableau", "power bi"),
    "machine-learning": ("machine learning", "ml", "deep learning", "ai", "nlp", "scikit-learn", "tensorflow", "pytorch"),
    "frontend": ("frontend", "front-end", "html", "css", "ui", "vue", "angular", "svelte"),
    "backend": ("backend", "back-end", "server-side"),
    "mobile": ("ios", "android", "swift", "mobile", "flutter", "react native"),
    "architecture": ("architecture", "system design", "scalability", "distributed systems", "design patterns"),
    "communication": ("communication", "communicate", "stakeholder", "stakeholders", "presentation", "writing", "client-facing"),
    "leadership": ("leadership", "lead", "mentor", "mentoring", "manage", "management", "team lead", "manager"),
    "teamwork": ("team", "teamwork", "collaboration", "collaborate", "cross-functional"),
    "agile": ("agile", "scrum", "kanban", "sprint", "jira"),
    "problem-solving": ("problem solving", "problem-solving", "troubleshooting", "debugging", "analytical"),
    "customer": ("customer", "customers", "client", "clients", "support", "service"),
    "sales": ("sales", "selling", "negotiation", "crm", "salesforce"),
    "marketing": ("marketing", "seo", "campaigns", "social media", "content"),
    "finance": ("finance", "accounting", "budget", "budgeting", "forecasting"),
}
# Tags too generic to stand for "a skill on the résumé" in a template question.
_SOFT = {"communication", "leadership", "teamwork", "customer", "problem-solving", "agile"}
_DISPLAY = {
    "cpp": "C++", "csharp": "C#", "sql": "SQL", "nosql": "NoSQL databases", "api": "APIs",
    "javascript": "JavaScript", "machine-learning": "machine learning", "devops": "CI/CD and DevOps",
    "cloud": "cloud platforms", "git": "Git", "linux": "Linux", "go": "Go", "react": "React",
    "kubernetes": "Kubernetes", "docker": "Docker", "python": "Python", "java": "Java",
}
_ALIAS_RE = [
    (tag, re.compile(r"(?<![a-z0-9])(?:" + "|".join(re.escape(a) for a in sorted(aliases, key=len, reverse=True)) + r")(?![a-z0-9+#])"))
    for tag, aliases in SKILLS.items()
]
_CANON_TAG = {alias: tag for tag, aliases in SKILLS.items() for alias in (*aliases, tag)}


def find_skills(text: str) -> dict[str, int]:
    """Skill tags mentioned in the text, with how often (aliases folded: postgres -> sql)."""
    low = (text or "").lower()
    found: dict[str, int] = {}
    for tag, pattern in _ALIAS_RE:
        hits = len(pattern.findall(low))
        if hits:
            found[tag] = hits
    return found


def canonical_tag(tag: str) -> str:
    t = (tag or "").strip().lower()
    return _CANON_TAG.get(t, t)


def default_mix(count: int) -> dict[str, int]:
    """Mostly technical: 5/8 technical, 2/8 behavioural, 1/8 situational (rounded, sums to count)."""
    if count <= 0:
        return {c: 0 for c in CATEGORIES}
    shares = {"technical": 5 / 8, "behavioural": 2 / 8, "situational": 1 / 8}
    out = {c: int(count * s) for c, s in shares.items()}
    order = sorted(shares, key=lambda c: -(count * shares[c] - out[c]))
    i = 0
    while sum(out.values()) < count:
        out[order[i % len(order)]] += 1
        i += 1
    return out


_TEMPLATES = {
    "technical": [
        (
            "Your résumé mentions {skill}. Describe a concrete problem you solved with it: what was "
            "the situation, what did you do, and what was the result?",
            [
                "Describes a specific, real situation and the goal",
                "Explains the technical approach and why it was chosen",
                "Mentions a trade-off, difficulty or alternative considered",
                "States a measurable or observable result",
            ],
        ),
        (
            "What is a common mistake or pitfall when working with {skill}, and how do you avoid it?",
            [
                "Names a specific, realistic pitfall",
                "Explains why it causes problems",
                "Gives a concrete way to prevent or detect it",
            ],
        ),
    ],
    "behavioural": [
        (
            "Tell us about a time you had to learn {skill} (or another tool) quickly for a piece of "
            "work. How did you approach it?",
            [
                "Describes the situation and deadline",
                "Explains a deliberate learning approach",
                "Shows how the new knowledge was applied",
                "Reflects on what they would do differently",
            ],
        ),
        (
            "Describe a disagreement with a colleague about a technical or work decision. How was it resolved?",
            [
                "Describes the disagreement fairly, including the other view",
                "Explains how they communicated and listened",
                "States the outcome and what was learned",
            ],
        ),
    ],
    "situational": [
        (
            "You join a project that uses {skill} and find a serious problem two days before a "
            "deadline. What do you do?",
            [
                "Assesses impact and urgency before acting",
                "Communicates early with the people affected",
                "Proposes options (fix, workaround, postpone) with trade-offs",
                "Follows up to prevent a repeat",
            ],
        ),
        (
            "A stakeholder asks for a change that you think is a bad idea. How do you handle it?",
            [
                "Seeks to understand the underlying need",
                "Explains concerns with evidence, respectfully",
                "Offers alternatives and accepts a reasoned decision",
            ],
        ),
    ],
}


def _template_reference(points: list[str]) -> str:
    return "A strong answer: " + "; ".join(p[0].lower() + p[1:] for p in points) + "."


def _skill_name(tag: str) -> str:
    return _DISPLAY.get(tag, tag.replace("-", " "))


def generate_questions(
    job: JobSpec,
    resume: str,
    count: int,
    mix: dict[str, int] | None = None,
    bank: list[BankQuestion] | None = None,
) -> list[GeneratedQuestion]:
    """Pick up to ``count`` questions: bank questions ranked by skill overlap, then templates."""
    count = max(0, int(count or 0))
    if count == 0:
        return []
    if mix:
        wanted = {c: max(0, int(mix.get(c, 0) or 0)) for c in CATEGORIES}
        for c, n in mix.items():  # tolerate spelling variants such as "behavioral"
            c2 = category_of(c)
            if c2 is not None and c2 != c:
                wanted[c2] = max(wanted[c2], max(0, int(n or 0)))
        if sum(wanted.values()) > count:
            wanted = _shrink(wanted, count)
    else:
        wanted = default_mix(count)

    job_skills = find_skills(f"{job.title}\n{job.title}\n{job.description}")
    resume_skills = find_skills(resume or "")
    weights: dict[str, float] = {}
    for tag, n in job_skills.items():
        weights[tag] = weights.get(tag, 0) + 2.0 + min(n, 5) * 0.5
    for tag, n in resume_skills.items():
        weights[tag] = weights.get(tag, 0) + 1.0 + min(n, 3) * 0.2

    chosen: list[GeneratedQuestion] = []
    seen_text: set[str] = set()

    def add(q: GeneratedQuestion) -> bool:
        norm = text_key(q.text)
        if norm in seen_text or len(chosen) >= count:
            return False
        seen_text.add(norm)
        chosen.append(q)
        return True

    pool = list(bank or [])
    by_cat: dict[str, list[BankQuestion]] = {c: [] for c in CATEGORIES}
    for q in pool:
        cat = category_of(q.category)
        if cat is not None:
            by_cat[cat].append(q)

    def rank(q: BankQuestion) -> tuple:
        tags = {canonical_tag(t) for t in q.tags}
        overlap = sum(weights.get(t, 0) for t in tags)
        return (-overlap, -len(tags & set(weights)), abs(q.difficulty - 3), q.key)

    # Templates are built around the candidate's own technical skills, job skills first.
    template_skills = [t for t, _ in sorted(resume_skills.items(), key=lambda kv: (-(kv[0] in job_skills), -kv[1], kv[0])) if t not in _SOFT]
    template_skills += [t for t in sorted(job_skills, key=lambda t: (-job_skills[t], t)) if t not in _SOFT and t not in template_skills]
    used_templates: dict[str, int] = {c: 0 for c in CATEGORIES}

    def template(category: str, index: int) -> GeneratedQuestion | None:
        options = _TEMPLATES[category]
        skills = template_skills or ["the tools you use most"]
        combos = [(t, s) for s in skills for t in options]
        while index < len(combos):
            (text, points), skill = combos[index]
            index += 1
            used_templates[category] = index
            name = _skill_name(skill) if skill in SKILLS else skill
            filled = text.format(skill=name)
            tags = [skill] if skill in SKILLS else []
            q = GeneratedQuestion(
                text=filled,
                category=category,
                difficulty=3,
                tags=tags,
                reference_answer=_template_reference(points),
                key_points=list(points),
            )
            if text_key(filled) not in seen_text:
                return q
        return None

    for category in CATEGORIES:
        need = wanted.get(category, 0)
        ranked = sorted((rank(q), i, q) for i, q in enumerate(by_cat[category]))
        # Relevant bank questions first; one résumé template for the technical part when the
        # résumé names a skill, so every interview has something personal.
        relevant = [q for r, _, q in ranked if r[0] < 0]
        rest = [q for r, _, q in ranked if r[0] == 0]
        picks: list[GeneratedQuestion] = []
        picked_text: set[str] = set()
        personal = category == "technical" and resume_skills and need >= 3
        quota_bank = need - 1 if personal else need
        for q in relevant + rest:
            if len(picks) >= quota_bank:
                break
            norm = text_key(q.text)
            if norm in seen_text or norm in picked_text:
                continue
            picked_text.add(norm)
            picks.append(_from_bank(q, category))
        for p in picks:
            add(p)
        missing = need - len(picks)
        while missing > 0:
            q = template(category, used_templates[category])
            if q is None or not add(q):
                break
            missing -= 1
    # The mix may ask for fewer than ``count``; top up with the best remaining bank questions.
    if len(chosen) < count and not mix:
        leftovers = sorted((q for q in pool), key=rank)
        for q in leftovers:
            if len(chosen) >= count:
                break
            add(_from_bank(q, category_of(q.category) or "technical"))
    return chosen[:count]


def _shrink(wanted: dict[str, int], count: int) -> dict[str, int]:
    total = sum(wanted.values())
    out = {c: int(n * count / total) for c, n in wanted.items()}
    order = sorted(wanted, key=lambda c: (-(wanted[c] * count / total - out[c]), CATEGORIES.index(c)))
    i = 0
    while sum(out.values()) < count:
        out[order[i % len(order)]] += 1
        i += 1
    return out


def _from_bank(q: BankQuestion, category: str) -> GeneratedQuestion:
    points = list(q.key_points) or split_key_points(q.reference_answer)
    reference = q.reference_answer or (_template_reference(points) if points else "")
    if not points:
        points = ["Gives a specific, relevant example", "Explains reasoning and trade-offs", "States the outcome"]
        reference = _template_reference(points)
    return GeneratedQuestion(
        text=q.text,
        category=category,
        difficulty=min(5, max(1, int(q.difficulty or 3))),
        tags=[canonical_tag(t) for t in q.tags],
        reference_answer=reference,
        key_points=points,
    )
