"""Adverse impact (services/impact.py): behaviour a sampled mutation run found untested — complementary
suppression across the intersection's rows and columns, run until nothing changes; the unknown count
hidden as a last resort; the median in the CSV; the refusal of an unknown outcome."""
from __future__ import annotations

import pytest

from interviewer.services import impact as im

SEX, RACE = "sex", "race_ethnicity"
BOTH = f"{SEX}{im.JOIN}{RACE}"


def records(spec):
    """Decided records, alternately advanced and rejected: (sex, race, how many) each."""
    out, k = [], 0
    for sex, race, n in spec:
        for _ in range(n):
            k += 1
            groups = {**({SEX: sex} if sex else {}), **({RACE: race} if race else {})}
            out.append(im.Record(groups=groups, outcome="advance" if k % 2 else "reject", person=f"p{k}"))
    return out


def shown(report, dimension):
    table = report.table("selection", dimension)
    return {g.group: g.n for g in table.rows}


def lines_with_one_hidden(report):
    """Every additive line (a dimension's groups and unknown; the intersection's cells and unknown; each
    intersection row and column with its one-dimensional group) that hides exactly one figure: a figure
    anyone could then work out from the others."""
    tables = {d: report.table("selection", d) for d in (SEX, RACE, BOTH)}
    hidden = {(d, g.group) for d, t in tables.items() for g in t.rows if g.suppressed}
    hidden |= {(d, "unknown") for d, t in tables.items() if t.unknown is None}
    lines = [[(d, g.group) for g in t.rows] + [(d, "unknown")] for d, t in tables.items()]
    for axis, dimension in enumerate((SEX, RACE)):
        for group in tables[dimension].rows:
            cells = [(BOTH, c.group) for c in tables[BOTH].rows if c.group.split(im.JOIN)[axis] == group.group]
            if cells:
                lines.append(cells + [(dimension, group.group)])
    return [line for line in lines if sum(cell in hidden for cell in line) == 1]


def test_a_row_whose_group_is_hidden_hides_one_more_cell_and_no_more():
    # A (3 people) is too small; B is hidden beside it so A cannot be worked out from the total. In the
    # intersection, A × R1 is too small and one of B's cells is hidden beside it; B's row then has its
    # group and one cell hidden: two figures, enough — B × R2 and C's cells stay shown.
    report = im.impact_report(records([("A", "R1", 3), ("B", "R1", 6), ("B", "R2", 6), ("C", "R1", 15),
                                       ("C", "R2", 15)]))
    assert shown(report, SEX) == {"A": None, "B": None, "C": 30}
    assert shown(report, BOTH) == {"A × R1": None, "B × R1": None, "B × R2": 6, "C × R1": 15, "C × R2": 15}
    assert lines_with_one_hidden(report) == []


def test_suppression_runs_until_no_line_has_one_hidden_figure():
    # A × R1 (3) is too small; A itself (7: four more with no race given) is hidden by A's row, which
    # then leaves the sex line with one hidden group: B is hidden too, in a later round.
    report = im.impact_report(records([("A", "R1", 3), ("A", None, 4), ("B", "R1", 10), ("B", "R2", 10),
                                       ("C", "R1", 10), ("C", "R2", 10)]))
    assert shown(report, SEX) == {"A": None, "B": None, "C": 20}
    assert report.table("selection", SEX).hidden == 2
    assert all(n is None for n in shown(report, BOTH).values())
    assert shown(report, RACE) == {"R1": 23, "R2": 20}
    assert lines_with_one_hidden(report) == []


def test_the_unknown_count_is_hidden_when_it_is_the_only_figure_left_beside_a_small_group():
    report = im.impact_report(records([("female", None, 3), (None, None, 10)]))
    table = report.table("selection", SEX)
    assert [(g.group, g.suppressed) for g in table.rows] == [("female", True)]
    assert table.unknown is None and table.total == 13
    rows = [r for r in im.csv_rows(report) if r[0] == "selection" and r[1] == SEX]
    unknown_row = next(r for r in rows if r[2].startswith("(unknown"))
    assert unknown_row[3] == "" and unknown_row[-1] == "suppressed"


def test_the_csv_carries_each_scoring_tables_median():
    people = [im.Record(groups={SEX: "female" if k % 2 else "male"}, human_score=float(k), person=f"p{k}")
              for k in range(12)]
    report = im.impact_report(people)
    assert report.table("scoring_human", SEX).median == 5.5
    rows = [r for r in im.csv_rows(report)[1:] if r[0] == "scoring_human"]
    assert rows and {r[im.CSV_HEADER.index("median")] for r in rows} == {"5.5000"}


def test_an_unknown_outcome_is_refused_by_name():
    with pytest.raises(ValueError, match="unknown outcome 'maybe'"):
        im.impact_report([im.Record(groups={}, outcome="maybe")])
