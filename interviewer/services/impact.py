"""Adverse impact: selection rates and scoring rates per demographic group, impact ratios against
the highest group, the four-fifths rule flagged, small groups suppressed.

The computation (``impact_report``, ``csv_rows``) is pure: it takes one ``Record`` per decision (an
interview: the candidate's self-identified groups, the outcome, HR's final score, the AI's score)
and returns dataclasses. ``records_for`` builds those records from the database for the admin page.

Definitions, with their sources:

- **Selection rate** (Uniform Guidelines on Employee Selection Procedures, 29 CFR 1607.4(D) and
  1607.16(R)): of the candidates with a decision — outcome ``advance``, ``reject`` or ``hire`` — the
  share ``advance`` or ``hire``. ``withdrawn`` and no outcome yet are left out of the denominator:
  a candidate who withdrew was not selected or rejected by the procedure.
- **Scoring rate** (New York City Local Law 144 of 2021, rules at 6 RCNY §5-300): the share of a
  group scoring *above* the median score of every candidate with a score (strictly above: a score
  equal to the median does not count). Computed separately for HR's final scores and for the AI's
  proposals, each with its own median.
- **Impact ratio**: a group's rate divided by the highest rate among the groups shown; below 0.8 —
  four-fifths (29 CFR 1607.4(D)) — is flagged. It is evidence to look at, not a finding.
- **Groups**: per dimension (sex; race/ethnicity) and their intersection (sex × race/ethnicity).
  "prefer not to say" and no answer form the *unknown* count: reported, but in no rate or ratio
  (as 6 RCNY §5-301 reports the unknown category apart). A group with fewer than ``min_group``
  candidates (default ``MIN_GROUP`` = 5) is suppressed: no counts, no rate, no part in choosing the
  highest group — too few to compare, and too few to keep anonymous.
"""
from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import combinations

OUTCOMES = ("advance", "reject", "hire", "withdrawn")
SELECTED = frozenset({"advance", "hire"})
DECIDED = frozenset({"advance", "reject", "hire"})
MIN_GROUP = 5
FOUR_FIFTHS = Fraction(4, 5)
UNKNOWN = "prefer not to say"
JOIN = " × "

MEASURES = {
    "selection": "Selection rate (advance or hire, of those decided)",
    "scoring_human": "Scoring rate, HR's final scores (above the median)",
    "scoring_ai": "Scoring rate, AI proposals (above the median)",
}


@dataclass(frozen=True)
class Record:
    """One decision about one candidate. ``groups``: dimension → category (None, absent or
    "prefer not to say": unknown). ``outcome``: one of OUTCOMES or None. Scores on the 0–10 scale."""

    groups: Mapping[str, str | None]
    outcome: str | None = None
    human_score: float | None = None
    ai_score: float | None = None


@dataclass(frozen=True)
class GroupRate:
    """One group's rate. A suppressed group has no counts, rate or ratio (all None)."""

    group: str
    n: int | None  # candidates in the denominator
    hits: int | None  # of them: selected, or scoring above the median
    rate: float | None
    impact_ratio: float | None = None
    flagged: bool = False  # impact ratio below four-fifths
    suppressed: bool = False
    highest: bool = False


@dataclass(frozen=True)
class RateTable:
    measure: str  # a key of MEASURES
    dimension: str  # "sex", "race_ethnicity", or "sex × race_ethnicity"
    rows: list[GroupRate]
    total: int  # candidates the measure counts, unknown included
    unknown: int  # of them, with no category on this dimension
    median: float | None = None  # scoring rates: the median they are above
    note: str = ""


@dataclass(frozen=True)
class ImpactReport:
    tables: list[RateTable] = field(default_factory=list)
    min_group: int = MIN_GROUP
    n_records: int = 0
    n_decided: int = 0

    def table(self, measure: str, dimension: str) -> RateTable | None:
        return next((t for t in self.tables if t.measure == measure and t.dimension == dimension), None)


def _category(record: Record, dimension: str) -> str | None:
    value = record.groups.get(dimension)
    return None if not value or value == UNKNOWN else value


def _group_of(record: Record, dims: Sequence[str]) -> str | None:
    parts = [_category(record, d) for d in dims]
    return None if any(p is None for p in parts) else JOIN.join(parts)  # type: ignore[arg-type]


def _order(seen: Iterable[str], dims: Sequence[str], categories: Mapping[str, Sequence[str]]) -> list[str]:
    """Configured categories first, in their order (each combination for an intersection), then any
    other category found in the data, alphabetically."""
    configured = [[c for c in categories.get(d, ()) if c != UNKNOWN] for d in dims]
    known = [JOIN.join(p) for p in _product(configured)] if all(configured) else []
    return [g for g in known if g in seen] + sorted(set(seen) - set(known))


def _product(lists: list[list[str]]) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = [()]
    for options in lists:
        out = [prefix + (o,) for prefix in out for o in options]
    return out


def rate_table(measure: str, dims: Sequence[str], members: list[tuple[Record, bool]],
               categories: Mapping[str, Sequence[str]], min_group: int, median: float | None = None,
               note: str = "") -> RateTable:
    """Rates of `members` — (record, counts as a hit) pairs, the measure's denominator — grouped by
    `dims`, with impact ratios against the highest unsuppressed group."""
    counts: dict[str, list[int]] = {}
    unknown = 0
    for record, hit in members:
        group = _group_of(record, dims)
        if group is None:
            unknown += 1
            continue
        cell = counts.setdefault(group, [0, 0])
        cell[0] += 1
        cell[1] += bool(hit)
    rates = {g: Fraction(h, n) for g, (n, h) in counts.items() if n >= min_group}
    top = max(rates.values(), default=None)
    rows = []
    for group in _order(counts, dims, categories):
        n, hits = counts[group]
        if group not in rates:
            rows.append(GroupRate(group=group, n=None, hits=None, rate=None, suppressed=True))
            continue
        ratio = rates[group] / top if top else None
        rows.append(GroupRate(group=group, n=n, hits=hits, rate=float(rates[group]),
                              impact_ratio=None if ratio is None else float(ratio),
                              flagged=ratio is not None and ratio < FOUR_FIFTHS,
                              highest=bool(top) and rates[group] == top))
    if not note and rates and not top:
        note = "no candidate in any group shown counts here: no impact ratio"
    elif not note and counts and not rates:
        note = f"every group has fewer than {min_group} candidates: all suppressed"
    return RateTable(measure=measure, dimension=JOIN.join(dims), rows=rows, total=len(members), unknown=unknown,
                     median=median, note=note)


def _dimension_sets(dimensions: Sequence[str]) -> list[tuple[str, ...]]:
    return [(d,) for d in dimensions] + list(combinations(dimensions, 2))


def impact_report(records: Sequence[Record], dimensions: Sequence[str] = ("sex", "race_ethnicity"),
                  categories: Mapping[str, Sequence[str]] | None = None, min_group: int = MIN_GROUP) -> ImpactReport:
    """Selection rates and scoring rates (HR and AI apart) per dimension and per pair of dimensions.
    ValueError for an outcome outside OUTCOMES or a `min_group` below 1."""
    if min_group < 1:
        raise ValueError("the minimum group size is at least 1")
    for record in records:
        if record.outcome is not None and record.outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {record.outcome!r}")
    categories = categories or {}
    decided = [(r, r.outcome in SELECTED) for r in records if r.outcome in DECIDED]
    tables = []
    for dims in _dimension_sets(dimensions):
        tables.append(rate_table("selection", dims, decided, categories, min_group,
                                 note="" if decided else "no outcomes recorded yet"))
    for measure, attr in (("scoring_human", "human_score"), ("scoring_ai", "ai_score")):
        scored = [(r, getattr(r, attr)) for r in records if getattr(r, attr) is not None]
        median = statistics.median(s for _, s in scored) if scored else None
        members = [(r, s > median) for r, s in scored]
        for dims in _dimension_sets(dimensions):
            tables.append(rate_table(measure, dims, members, categories, min_group, median=median,
                                     note="" if scored else "no scores yet"))
    return ImpactReport(tables=tables, min_group=min_group, n_records=len(records), n_decided=len(decided))


CSV_HEADER = ["measure", "dimension", "group", "candidates", "count", "rate", "impact_ratio",
              "below_four_fifths", "highest", "median", "min_group_size", "note"]


def csv_rows(report: ImpactReport) -> list[list]:
    """The report as CSV rows (header first): one row per group, then one per table for its unknown
    count. Suppressed groups carry no numbers. Cells are plain values: the caller writes them with
    the project's formula-safe CSV writer (category names are configurable text)."""
    fmt = lambda v: "" if v is None else f"{v:.4f}"  # noqa: E731
    rows: list[list] = [CSV_HEADER]
    for t in report.tables:
        median = fmt(t.median)
        for g in t.rows:
            if g.suppressed:
                rows.append([t.measure, t.dimension, g.group, "", "", "", "", "", "", median, report.min_group,
                             f"suppressed: fewer than {report.min_group} candidates"])
            else:
                rows.append([t.measure, t.dimension, g.group, g.n, g.hits, fmt(g.rate), fmt(g.impact_ratio),
                             "yes" if g.flagged else "no", "yes" if g.highest else "no", median, report.min_group, ""])
        rows.append([t.measure, t.dimension, "(unknown: prefer not to say or no answer)", t.unknown, "", "", "", "", "",
                     median, report.min_group, t.note or "not in any rate or ratio"])
    return rows


def records_for(repos, admin, now) -> list[Record]:
    """One Record per completed, evaluated or cancelled interview: the candidate's self-identified
    groups (none: unknown), the interview's ``outcome`` (None until outcomes are recorded), HR's
    overall score, and the mean of the AI's latest proposals over the answers it scored. Admins
    only (Forbidden otherwise). Reads every such interview in batches, their answers per batch, and
    the demographics collection once."""
    from ..errors import Forbidden
    from ..models import CANCELLED, COMPLETED, EVALUATED
    from . import interviews as interview_service

    if admin.role != "admin":
        raise Forbidden("Only admins see the adverse impact report.")
    groups = dict(repos.demographics.all_answers())
    records = []
    for batch in interview_service.iter_all_for(repos, admin, now, statuses=[COMPLETED, EVALUATED, CANCELLED]):
        answers = repos.responses.for_interviews([i.id for i in batch])
        outcomes = repos.interviews.outcomes(i.id for i in batch)
        for interview in batch:
            ai = [float(r.ai_evaluation["score"]) for r in answers.get(interview.id, {}).values()
                  if isinstance((r.ai_evaluation or {}).get("score"), int | float)]
            outcome = outcomes.get(interview.id)  # recorded by a later feature; None until then
            records.append(Record(groups=groups.get(interview.candidate_id, {}),
                                  outcome=outcome if outcome in OUTCOMES else None,
                                  human_score=interview.overall_score,
                                  ai_score=sum(ai) / len(ai) if ai else None))
    return records
