"""Adverse impact figures against hand-computed values on small synthetic tables."""
from __future__ import annotations

import pytest

from interviewer.services import impact
from interviewer.services.impact import Record

F, M = "female", "male"
W, A = "White", "Asian"


def people(sex, race, outcomes, human=None, ai=None):
    human = human or [None] * len(outcomes)
    ai = ai or [None] * len(outcomes)
    return [Record(groups={"sex": sex, "race_ethnicity": race}, outcome=o, human_score=h, ai_score=a)
            for o, h, a in zip(outcomes, human, ai, strict=True)]


def rows(table):
    return {g.group: g for g in table.rows}


def test_selection_rates_and_impact_ratios_by_hand():
    records = (
        # women: 10 decided, 3 selected (2 advance, 1 hire); a withdrawal and an open case are left out
        people(F, W, ["advance", "advance", "reject", "reject", "reject", "withdrawn", None])
        + people(F, A, ["hire", "reject", "reject", "reject", "reject"])
        # men: 8 decided, 4 selected
        + people(M, W, ["advance", "hire", "reject", "reject", "withdrawn"])
        + people(M, A, ["advance", "advance", "reject", "reject"])
        # no answer and "prefer not to say": unknown, in no rate
        + [Record(groups={}, outcome="hire"), Record(groups={"sex": "prefer not to say", "race_ethnicity": W},
                                                    outcome="reject")]
    )
    report = impact.impact_report(records, categories={"sex": [F, M, "prefer not to say"], "race_ethnicity": [W, A]})
    assert report.n_decided == 20 and report.min_group == 5
    by_sex = impact.impact_report(records).table("selection", "sex")
    assert (by_sex.total, by_sex.unknown) == (20, 2)
    women, men = rows(by_sex)[F], rows(by_sex)[M]
    assert (women.n, women.hits, round(women.rate, 3)) == (10, 3, 0.3)
    assert (men.n, men.hits, round(men.rate, 3)) == (8, 4, 0.5)
    assert round(women.impact_ratio, 3) == 0.6 and women.flagged and not women.highest  # 0.3 / 0.5
    assert men.impact_ratio == 1.0 and men.highest and not men.flagged
    by_race = rows(report.table("selection", "race_ethnicity"))
    # White: F 2/5 decided + M 2/4 decided + the "prefer not to say" woman's reject = 4 of 10; Asian: 3 of 9
    assert (by_race[W].n, by_race[W].hits) == (10, 4)
    assert (by_race[A].n, by_race[A].hits) == (9, 3)
    assert round(by_race[A].impact_ratio, 3) == round((3 / 9) / (4 / 10), 3) == 0.833
    assert not by_race[A].flagged
    both = report.table("selection", "sex × race_ethnicity")
    assert [g.group for g in both.rows] == ["female × White", "female × Asian", "male × White", "male × Asian"]
    cells = rows(both)
    # male × White and male × Asian (4 decided each, one below the minimum) are suppressed; then the
    # female cells must be too (complementary suppression): White (10) less female × White would
    # otherwise give male × White plus the one unknown-sex person, women (10) less one cell the other
    assert all(cells[g].suppressed and cells[g].n is None and cells[g].rate is None for g in cells)
    assert both.hidden == 4 and both.unknown == 2
    # at a minimum of 4 every cell is shown: the hand-computed intersection, the male cells now the
    # reference (before, they were suppressed and female × White was the highest)
    cells = rows(impact.impact_report(records, min_group=4).table("selection", "sex × race_ethnicity"))
    assert (cells["female × White"].n, cells["female × White"].hits) == (5, 2)
    assert (cells["female × Asian"].n, cells["female × Asian"].hits) == (5, 1)
    assert (cells["male × White"].n, cells["male × White"].hits) == (4, 2)
    assert (cells["male × Asian"].n, cells["male × Asian"].hits) == (4, 2)
    assert round(cells["female × Asian"].impact_ratio, 3) == 0.4 and cells["female × Asian"].flagged  # 0.2 / 0.5
    assert round(cells["female × White"].impact_ratio, 3) == 0.8 and not cells["female × White"].flagged
    assert cells["male × White"].highest and cells["male × Asian"].highest


def test_suppression_at_exactly_the_minimum_and_one_below():
    # one dimension, three groups: 5 (exactly the minimum), 4 (one below) and 2 — two hidden groups,
    # so the total less the shown one does not give either (with only two groups, hiding one hides both)
    records = (people(F, W, ["hire"] * 2 + ["reject"] * 3) + people(M, W, ["hire"] * 4)
               + people("x", W, ["hire", "reject"]))
    sex_only = ("sex",)
    table = impact.impact_report(records, dimensions=sex_only).table("selection", "sex")
    assert not rows(table)[F].suppressed and rows(table)[F].n == 5
    assert rows(table)[M].suppressed and rows(table)[M].hits is None and rows(table)["x"].suppressed
    assert table.hidden == 2 and table.hidden_line.startswith("2 groups with fewer than 5 people")
    # the suppressed group (4 of 4 selected) is not the reference: women are the highest shown
    assert rows(table)[F].highest and rows(table)[F].impact_ratio == 1.0
    bigger = impact.impact_report(records, dimensions=sex_only, min_group=6).table("selection", "sex")
    assert all(g.suppressed for g in bigger.rows) and bigger.note.startswith("every group is suppressed")
    smaller = impact.impact_report(records + people("y", W, ["reject"]), dimensions=sex_only,
                                   min_group=4).table("selection", "sex")
    assert round(rows(smaller)[F].impact_ratio, 3) == 0.4 and rows(smaller)[F].flagged
    with pytest.raises(ValueError):
        impact.impact_report(records, min_group=0)


def test_exactly_four_fifths_is_not_flagged():
    records = people(F, W, ["hire"] * 4 + ["reject"] * 6) + people(M, W, ["hire"] * 5 + ["reject"] * 5)
    women = rows(impact.impact_report(records).table("selection", "sex"))[F]
    assert women.impact_ratio == pytest.approx(0.8) and not women.flagged
    records = people(F, W, ["hire"] * 39 + ["reject"] * 61) + people(M, W, ["hire"] * 49 + ["reject"] * 51)
    women = rows(impact.impact_report(records).table("selection", "sex"))[F]
    assert round(women.impact_ratio, 3) == 0.796 and women.flagged  # 0.39 / 0.49


def test_scoring_rates_above_the_median_with_ties():
    # HR scores of all 12 candidates: median of 1,2,3,3,3,3,5,6,7,8,9,9 is 4 (between 3 and 5);
    # the AI's: 5 everywhere but two — median 5, and a score equal to the median is not above it.
    human_f = [1, 3, 3, 5, 9, 9]
    human_m = [2, 3, 3, 6, 7, 8]
    ai_f = [5, 5, 5, 5, 5, 9]
    ai_m = [5, 5, 5, 6, 7, 5]
    records = (people(F, W, [None] * 6, human_f, ai_f) + people(M, W, [None] * 6, human_m, ai_m)
               + people("prefer not to say", W, [None], [10], [10]))
    report = impact.impact_report(records)
    human = report.table("scoring_human", "sex")
    # the median is over every scored candidate, the unknown one (10) included: 13 scores, median 5
    assert human.median == 5 and human.unknown == 1 and human.total == 13
    assert (rows(human)[F].hits, rows(human)[M].hits) == (2, 3)  # 9, 9 | 6, 7, 8 — the 5 is not above
    assert round(rows(human)[F].impact_ratio, 3) == 0.667 and rows(human)[F].flagged
    ai = report.table("scoring_ai", "sex")
    assert ai.median == 5
    assert (rows(ai)[F].hits, rows(ai)[M].hits) == (1, 2)
    assert round(rows(ai)[F].rate, 3) == 0.167 and round(rows(ai)[F].impact_ratio, 3) == 0.5
    assert report.table("selection", "sex").note == "no outcomes recorded yet"
    even = impact.impact_report(people(F, W, [None] * 4, [2, 4, 6, 8]) + people(M, W, [None] * 4, [4, 4, 6, 6]),
                                min_group=4).table("scoring_human", "sex")
    assert even.median == 5 and (rows(even)[F].hits, rows(even)[M].hits) == (2, 2)


def test_nothing_selected_gives_no_ratio_and_bad_outcomes_are_refused():
    records = people(F, W, ["reject"] * 5) + people(M, W, ["reject"] * 5)
    table = impact.impact_report(records).table("selection", "sex")
    assert all(g.impact_ratio is None and not g.flagged and not g.highest for g in table.rows)
    assert table.note.startswith("no candidate in any group")
    with pytest.raises(ValueError):
        impact.impact_report([Record(groups={}, outcome="promoted")])


def test_csv_rows_state_the_minimum_and_hide_suppressed_counts():
    records = (people(F, W, ["hire"] * 2 + ["reject"] * 3) + people(M, W, ["hire"] * 4)
               + people("x", W, ["hire", "reject"]))
    out = impact.csv_rows(impact.impact_report(records, dimensions=("sex",)))
    assert out[0] == impact.CSV_HEADER
    women = next(r for r in out if r[:3] == ["selection", "sex", F])
    assert women[3:9] == [5, 2, "0.4000", "1.0000", "no", "yes"] and women[10] == 5
    # suppressed groups are not named: one line per table says how many
    assert not any(r[2] in (M, "x") for r in out)
    hidden = next(r for r in out if r[:3] == ["selection", "sex", "(not shown)"])
    assert hidden[3:9] == [""] * 6 and hidden[11].startswith("2 groups with fewer than 5 people")
    unknown = [r for r in out if r[2].startswith("(unknown")]
    assert len(unknown) == 3  # one per table: 3 measures × 1 dimension
    both = impact.csv_rows(impact.impact_report(records))
    assert len([r for r in both if r[2].startswith("(unknown")]) == 9  # 3 measures × (2 dims + intersection)


def shown_numbers(report):
    """Every figure a reader sees, per table: the groups shown and the unknown count."""
    return {(t.measure, t.dimension): {g.group: (g.n, g.hits) for g in t.rows if not g.suppressed}
            for t in report.tables}


def test_f1_a_suppressed_cell_cannot_be_recovered_by_subtraction():
    # 10 women, White (6 hired, 4 rejected), and one White man, rejected: each a different person
    records = [Record(groups={"sex": F, "race_ethnicity": W}, outcome=o, person=f"f{i}")
               for i, o in enumerate(["hire"] * 6 + ["reject"] * 4)]
    records.append(Record(groups={"sex": M, "race_ethnicity": W}, outcome="reject", person="m0"))
    report = impact.impact_report(records)
    sex, race = rows(report.table("selection", "sex")), rows(report.table("selection", "race_ethnicity"))
    both = rows(report.table("selection", "sex × race_ethnicity"))
    assert sex[M].suppressed and both["male × White"].suppressed
    # the White row (11) minus female × White (10) would give male × White: one of them is hidden too
    assert race[W].suppressed or both["female × White"].suppressed
    # women (10) minus female × White, and the total minus women, are closed as well
    assert sex[F].suppressed or both["female × White"].suppressed
    # no line of any table has exactly one hidden figure, counts and selected counts alike
    for t in report.tables:
        hidden = [g for g in t.rows if g.suppressed]
        assert len(hidden) != 1 or t.unknown is None
    # a suppressed group is never named, in the CSV either
    out = impact.csv_rows(report)
    names = {r[2] for r in out[1:]}
    assert "male" not in names and "male × White" not in names
    assert not any("male × White" in str(c) for r in out for c in r)
    assert all(t.hidden == sum(g.suppressed for g in t.rows) for t in report.tables)


def test_f1_margins_with_an_unsuppressed_crossing_stay_shown():
    # a table where complementary suppression must not hide everything: two big rows, two big columns
    records = (people(F, W, ["hire"] * 3 + ["reject"] * 3) + people(F, A, ["hire"] * 2 + ["reject"] * 4)
               + people(M, W, ["hire"] * 3 + ["reject"] * 3) + people(M, A, ["reject"] * 2))
    report = impact.impact_report(records)
    both = rows(report.table("selection", "sex × race_ethnicity"))
    assert both["male × Asian"].suppressed  # 2 people
    hidden = {g for g, r in both.items() if r.suppressed}
    # every row and column of the intersection then has 0 or at least 2 hidden cells, margins counted
    sex = rows(report.table("selection", "sex"))
    race = rows(report.table("selection", "race_ethnicity"))
    for s in (F, M):
        line = [f"{s} × {r}" in hidden for r in (W, A)] + [sex[s].suppressed]
        assert sum(line) != 1
    for r in (W, A):
        line = [f"{s} × {r}" in hidden for s in (F, M)] + [race[r].suppressed]
        assert sum(line) != 1
    assert not sex[F].suppressed or not race[W].suppressed  # not everything is hidden


def test_f2_one_person_with_many_interviews_counts_once():
    records = [Record(groups={"sex": F, "race_ethnicity": A}, outcome="hire", human_score=8, ai_score=7,
                      person="p1", at=i) for i in range(5)]
    report = impact.impact_report(records)
    assert report.n_records == 1 and report.n_decided == 1
    for t in report.tables:
        assert t.total == 1 and all(g.suppressed for g in t.rows)
    # at the minimum of 1 the one person shows as one candidate, not five
    one = rows(impact.impact_report(records, min_group=1).table("selection", "sex"))[F]
    assert (one.n, one.hits) == (1, 1)


def test_the_person_rule_latest_decided_outcome_and_latest_scored_interview():
    g = {"sex": F, "race_ethnicity": W}
    records = [
        Record(groups=g, outcome="hire", human_score=9, ai_score=9, person="p", at=1),
        Record(groups=g, outcome="reject", human_score=2, ai_score=3, person="p", at=2),
        Record(groups=g, outcome="withdrawn", person="p", at=3),  # not a decision: the reject stands
        Record(groups=g, outcome="hire", human_score=10, ai_score=10, person="p", at=4, cancelled=True),
    ]
    person = impact.per_person(records)
    assert len(person) == 1
    assert (person[0].outcome, person[0].human_score, person[0].ai_score) == ("reject", 2, 3)
    # only cancelled interviews: the person is not counted at all
    assert impact.per_person([Record(groups=g, outcome="hire", person="q", cancelled=True)]) == []
    report = impact.impact_report(records + [Record(groups=g, outcome="hire", person="q", cancelled=True)])
    assert report.n_records == 1 and report.n_decided == 1
