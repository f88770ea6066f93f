"""Score a file of answers: the one code path behind ``flask ai score-file`` and the benchmark.

Input is JSON Lines: one object per line with at least ``question``, ``reference_answer`` (may
be empty) and ``answer`` (strings). Each valid object is written back, in input order, with
``score`` (0..10), ``feedback`` and ``criteria`` (name -> {score, reason}) added. A malformed
line (bad JSON, not an object, a missing or non-string field) is reported with its 1-based line
number and skipped; blank lines are ignored.

Providers that offer ``evaluate_batch`` (the local one) get the whole file at once, so answers
to the same question can inform each other's word weights; others are called answer by answer.
"""
from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO

from .types import AIError, Evaluation

REQUIRED = ("question", "reference_answer", "answer")

# progress(line_number, ok, message): called once per non-blank input line.
Progress = Callable[[int, bool, str], None]


@dataclass
class ScoreSummary:
    ok: int = 0
    failed: int = 0
    seconds: float = 0.0
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line number, reason)

    @property
    def total(self) -> int:
        return self.ok + self.failed

    @property
    def per_second(self) -> float:
        return self.ok / self.seconds if self.seconds > 0 else 0.0

    def __str__(self) -> str:
        return f"{self.ok} scored, {self.failed} failed in {self.seconds:.2f}s"


def parse_line(text: str) -> dict:
    """The object on one line, or ValueError saying what is wrong with it."""
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"invalid JSON ({exc.msg})") from None
    if not isinstance(obj, dict):
        raise ValueError("not a JSON object")
    for name in REQUIRED:
        if name not in obj:
            raise ValueError(f"missing field {name!r}")
        if not isinstance(obj[name], str):
            raise ValueError(f"field {name!r} is not a string")
    return obj


def result_fields(evaluation: Evaluation) -> dict:
    return {
        "score": evaluation.score,
        "feedback": evaluation.feedback,
        "criteria": {
            name: {"score": c.score, "reason": c.reason} for name, c in evaluation.criteria.items()
        },
    }


def score_file(
    in_stream: IO[str], out_stream: IO[str], provider, progress: Progress | None = None
) -> ScoreSummary:
    """Score every answer in ``in_stream`` (JSONL) and write the augmented objects to ``out_stream``."""
    started = time.perf_counter()
    summary = ScoreSummary()

    def fail(line_no: int, message: str) -> None:
        summary.failed += 1
        summary.errors.append((line_no, message))
        if progress:
            progress(line_no, False, message)

    rows: list[tuple[int, dict]] = []
    for line_no, text in enumerate(in_stream, start=1):
        if not text.strip():
            continue
        try:
            rows.append((line_no, parse_line(text)))
        except ValueError as exc:
            fail(line_no, str(exc))

    items = [(o["question"], o["reference_answer"], o["answer"]) for _, o in rows]
    batch = getattr(provider, "evaluate_batch", None)
    results: list[Evaluation | Exception]
    if callable(batch):
        try:
            results = list(batch(items))
        except AIError:
            results = _one_by_one(provider, items)
    else:
        results = _one_by_one(provider, items)

    # Report in input order (parse failures were reported as they were read).
    for (line_no, obj), result in zip(rows, results):
        if isinstance(result, Exception):
            fail(line_no, f"{getattr(result, 'code', 'error')}: {result}")
            continue
        out_stream.write(json.dumps({**obj, **result_fields(result)}, ensure_ascii=False) + "\n")
        summary.ok += 1
        if progress:
            progress(line_no, True, "")
    summary.errors.sort()
    summary.seconds = time.perf_counter() - started
    return summary


def _one_by_one(provider, items) -> list[Evaluation | Exception]:
    out: list[Evaluation | Exception] = []
    for question, reference, answer in items:
        try:
            out.append(provider.evaluate(question, reference, answer))
        except AIError as exc:
            out.append(exc)
    return out
