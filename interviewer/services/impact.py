"""Adverse impact: selection rates and scoring rates per demographic group, impact ratios against
the highest group, the four-fifths rule flagged, small groups suppressed.

The computation (``impact_report``, ``csv_rows``) is pure: it takes ``Record`` s of interviews (the
candidate's self-identified groups, the outcome, HR's final score, the AI's score, who and when) and
returns dataclasses. ``records_for`` builds those records from the database for the admin page.

**People, not interviews** (``per_person``): every figure counts candidates, each once. Cancelled
interviews never count. A candidate's outcome is that of their most recent interview with a
decision (advance, reject or hire; else of the most recent one: withdrawn or none); their scores
are HR's final score of their most recent interview HR scored and the AI's figure of that same
interview (no HR score at all: the AI's of their most recent interview it scored); their groups are
the current self-identification. The minimum group size counts people.

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
  (as 6 RCNY §5-301 reports the unknown category apart).
- **Suppression**: a group with fewer than ``min_group`` people (default ``MIN_GROUP`` = 5) is
  suppressed: no counts, no rate, no part in choosing the highest group — too few to compare, and
  too few to keep anonymous. Then complementary suppression (``_suppress``): per measure, each
  dimension's groups with its unknown count make a line summing to the total, and so do each
  intersection's cells with its unknown count; each intersection row and column makes a line with
  its 1-D group as margin. While a line has exactly one hidden figure, its smallest shown group is
  hidden too (the unknown count only as a last resort), so no shown count, total or difference
  gives a hidden one. A cell's count, selected count, rate and ratio are hidden together. Hidden
  groups are never named: each table says only how many are not shown.
"""
from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import combinations
from typing import Any

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
    """One interview of one candidate (or, after ``per_person``, one candidate). ``groups``: dimension → category (None, absent or
    "prefer not to say": unknown). ``outcome``: one of OUTCOMES or None. Scores on the 0–10 scale."""

    groups: Mapping[str, str | None]
    outcome: str | None = None
    human_score: float | None = None
    ai_score: float | None = None
    person: str | None = None  # the candidate: records of one person are folded into one (per_person)
    at: Any = None  # when (any comparable value; None: oldest), to find a person's most recent interview
    cancelled: bool = False  # a cancelled interview never counts


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
    total: int  # people the measure counts, unknown included
    unknown: int | None  # of them, with no category on this dimension (None: suppressed)
    median: float | None = None  # scoring rates: the median they are above
    note: str = ""
    hidden: int = 0  # groups not shown (too small, or hidden so they cannot reveal a small one)
    min_group: int = MIN_GROUP

    @property
    def shown(self) -> list[GroupRate]:
        return [g for g in self.rows if not g.suppressed]

    @property
    def hidden_line(self) -> str:
        """The one line said about suppressed groups: how many, never which."""
        if not self.hidden:
            return ""
        groups = "group" if self.hidden == 1 else "groups"
        verb = "is" if self.hidden == 1 else "are"
        return (f"{self.hidden} {groups} with fewer than {self.min_group} people, or hidden to protect such groups, "
                f"{verb} not shown")


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


Cell = tuple  # ("group", dims, group) or ("unknown", dims): one figure of one table


def _counts(dims: Sequence[str], members: list[tuple[Record, bool]]) -> tuple[dict[str, list[int]], int]:
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
    return counts, unknown


def _lines(dimensions: Sequence[str], counts: Mapping[tuple[str, ...], Mapping[str, list[int]]]) -> list[list[Cell]]:
    """The additive lines a reader can subtract along: each dimension's groups and its unknown count
    (summing to the measure's total, which the page shows); each intersection's cells and its unknown
    count (the same total); and each intersection row and column with its 1-D group as margin. The
    1-D group also holds people unknown on the other dimension, so treating it as the exact margin
    is conservative. Only groups with people are cells: an empty group is never listed, so a reader
    cannot tell it from a suppressed one."""
    lines: list[list[Cell]] = []
    for dims, table in counts.items():
        lines.append([("group", dims, g) for g in table] + [("unknown", dims)])
        if len(dims) == 2:
            for axis in (0, 1):
                margins: dict[str, list[Cell]] = {}
                for g in table:
                    margins.setdefault(g.split(JOIN)[axis], []).append(("group", dims, g))
                for category, cells in margins.items():
                    lines.append(cells + [("group", (dims[axis],), category)])
    return lines


def _suppress(dimensions: Sequence[str], counts: Mapping[tuple[str, ...], Mapping[str, list[int]]],
              unknowns: Mapping[tuple[str, ...], int], min_group: int) -> set[Cell]:
    """Primary suppression (a group under `min_group` people), then complementary suppression: while
    a line has exactly one hidden figure, hide its smallest shown group too (fewest people, then
    fewest selected, then name); the unknown count only when no group is left. A cell's count and its
    selected count are hidden together, so the rule holds for both. This is the usual 'at least two
    per line' heuristic of statistical disclosure control, not an exact audit of every combination
    of lines."""
    hidden: set[Cell] = {("group", dims, g) for dims, table in counts.items()
                         for g, (n, _) in table.items() if n < min_group}
    lines = _lines(dimensions, counts)

    def size(cell: Cell) -> tuple:
        if cell[0] == "unknown":
            return (1, unknowns[cell[1]], 0, "")
        n, hits = counts[cell[1]][cell[2]]
        return (0, n, hits, cell[2])

    changed = bool(hidden)
    while changed:
        changed = False
        for line in lines:
            if sum(c in hidden for c in line) == 1:
                shown = [c for c in line if c not in hidden]
                if shown:
                    hidden.add(min(shown, key=size))
                    changed = True
    return hidden


def _table(measure: str, dims: tuple[str, ...], counts: Mapping[str, list[int]], unknown: int, total: int,
           hidden: set[Cell], categories: Mapping[str, Sequence[str]], min_group: int,
           median: float | None = None, note: str = "") -> RateTable:
    """One table's rows, with impact ratios against the highest group shown."""
    rates = {g: Fraction(h, n) for g, (n, h) in counts.items() if ("group", dims, g) not in hidden}
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
        note = "every group is suppressed: too few people to show any without revealing a small one"
    return RateTable(measure=measure, dimension=JOIN.join(dims), rows=rows, total=total,
                     unknown=None if ("unknown", dims) in hidden else unknown, median=median, note=note,
                     hidden=len(counts) - len(rates), min_group=min_group)


def _measure_tables(measure: str, dimensions: Sequence[str], members: list[tuple[Record, bool]],
                    categories: Mapping[str, Sequence[str]], min_group: int, median: float | None = None,
                    note: str = "") -> list[RateTable]:
    dim_sets = _dimension_sets(dimensions)
    counted = {dims: _counts(dims, members) for dims in dim_sets}
    counts = {dims: c for dims, (c, _) in counted.items()}
    unknowns = {dims: u for dims, (_, u) in counted.items()}
    hidden = _suppress(dimensions, counts, unknowns, min_group)
    return [_table(measure, dims, counts[dims], unknowns[dims], len(members), hidden, categories, min_group,
                   median=median, note=note) for dims in dim_sets]


def _dimension_sets(dimensions: Sequence[str]) -> list[tuple[str, ...]]:
    return [(d,) for d in dimensions] + list(combinations(dimensions, 2))


def per_person(records: Sequence[Record]) -> list[Record]:
    """One Record per person, from records of their interviews (``person``: who; ``at``: when, any
    comparable value, None oldest; ``cancelled``: never counted). A record without ``person`` is a
    person of its own. Per person, over their interviews that were not cancelled (none: the person
    is left out): the outcome of the most recent one with a decision (advance, reject or hire), else
    of the most recent one (withdrawn or none); HR's score of the most recent one HR scored, and the
    AI's score of that same interview (no HR score at all: of the most recent one the AI scored);
    the groups of the most recent one."""
    by_person: dict[object, list[Record]] = {}
    for i, record in enumerate(records):
        if not record.cancelled:
            by_person.setdefault(record.person if record.person is not None else ("record", i), []).append(record)
    out = []
    for own in by_person.values():
        own = sorted(own, key=lambda r: (r.at is not None, r.at if r.at is not None else 0))
        latest = own[-1]
        decided = [r for r in own if r.outcome in DECIDED]
        outcome = (decided[-1] if decided else latest).outcome
        scored = [r for r in own if r.human_score is not None] or [r for r in own if r.ai_score is not None]
        pick = scored[-1] if scored else None
        out.append(Record(groups=latest.groups, outcome=outcome, person=latest.person, at=latest.at,
                          human_score=pick.human_score if pick else None,
                          ai_score=pick.ai_score if pick else None))
    return out


def impact_report(records: Sequence[Record], dimensions: Sequence[str] = ("sex", "race_ethnicity"),
                  categories: Mapping[str, Sequence[str]] | None = None, min_group: int = MIN_GROUP) -> ImpactReport:
    """Selection rates and scoring rates (HR and AI apart) per dimension and per pair of dimensions,
    one record per person (``per_person``). ValueError for an outcome outside OUTCOMES or a
    `min_group` below 1."""
    if min_group < 1:
        raise ValueError("the minimum group size is at least 1")
    for record in records:
        if record.outcome is not None and record.outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {record.outcome!r}")
    categories = categories or {}
    people = per_person(records)
    decided = [(r, r.outcome in SELECTED) for r in people if r.outcome in DECIDED]
    tables = _measure_tables("selection", dimensions, decided, categories, min_group,
                             note="" if decided else "no outcomes recorded yet")
    for measure, attr in (("scoring_human", "human_score"), ("scoring_ai", "ai_score")):
        scored = [(r, getattr(r, attr)) for r in people if getattr(r, attr) is not None]
        median = statistics.median(s for _, s in scored) if scored else None
        members = [(r, s > median) for r, s in scored]
        tables += _measure_tables(measure, dimensions, members, categories, min_group, median=median,
                                  note="" if scored else "no scores yet")
    return ImpactReport(tables=tables, min_group=min_group, n_records=len(people), n_decided=len(decided))


CSV_HEADER = ["measure", "dimension", "group", "candidates", "count", "rate", "impact_ratio",
              "below_four_fifths", "highest", "median", "min_group_size", "note"]


def csv_rows(report: ImpactReport) -> list[list]:
    """The report as CSV rows (header first): one row per group shown, then per table one row for its
    unknown count and, if any group is suppressed, one row saying how many (never which). Cells are
    plain values: the caller writes them with the project's formula-safe CSV writer (category names
    are configurable text)."""
    fmt = lambda v: "" if v is None else f"{v:.4f}"  # noqa: E731
    rows: list[list] = [CSV_HEADER]
    for t in report.tables:
        median = fmt(t.median)
        for g in t.shown:
            rows.append([t.measure, t.dimension, g.group, g.n, g.hits, fmt(g.rate), fmt(g.impact_ratio),
                         "yes" if g.flagged else "no", "yes" if g.highest else "no", median, report.min_group, ""])
        rows.append([t.measure, t.dimension, "(unknown: prefer not to say or no answer)",
                     "" if t.unknown is None else t.unknown, "", "", "", "", "", median, report.min_group,
                     (t.note or "not in any rate or ratio") if t.unknown is not None else "suppressed"])
        if t.hidden:
            rows.append([t.measure, t.dimension, "(not shown)", "", "", "", "", "", "", median, report.min_group,
                         t.hidden_line])
    return rows


def records_for(repos, admin, now) -> list[Record]:
    """One Record per completed or evaluated interview (cancelled ones are not read: they never
    count), with ``person`` (the candidate) and ``at`` (completed, else starts) so ``impact_report``
    folds them into one per person: the candidate's self-identified groups (none: unknown), the
    interview's ``outcome`` (None until outcomes are recorded), HR's overall score, and the mean of
    the AI's latest proposals over the answers it scored. Admins only (Forbidden otherwise). Reads
    every such interview in batches, their answers per batch, and the demographics collection once."""
    from ..errors import Forbidden
    from ..models import COMPLETED, EVALUATED
    from . import interviews as interview_service

    if admin.role != "admin":
        raise Forbidden("Only admins see the adverse impact report.")
    groups = dict(repos.demographics.all_answers())
    records = []
    for batch in interview_service.iter_all_for(repos, admin, now, statuses=[COMPLETED, EVALUATED]):
        answers = repos.responses.for_interviews([i.id for i in batch])
        outcomes = repos.interviews.outcomes(i.id for i in batch)
        for interview in batch:
            ai = [float(r.ai_evaluation["score"]) for r in answers.get(interview.id, {}).values()
                  if isinstance((r.ai_evaluation or {}).get("score"), int | float)]
            outcome = outcomes.get(interview.id)  # recorded by a later feature; None until then
            records.append(Record(groups=groups.get(interview.candidate_id, {}),
                                  outcome=outcome if outcome in OUTCOMES else None,
                                  human_score=interview.overall_score,
                                  ai_score=sum(ai) / len(ai) if ai else None,
                                  person=interview.candidate_id,
                                  at=interview.completed_at or interview.starts_at))
    return records
