"""Inter-rater reliability of the panels' submitted ratings (services/panels.reliability_of_ratings):
per competency, pooled, per rater and by month, checked against the `krippendorff` package; only
submitted ratings count, and an HR user sees only interviews they rate and have submitted a rating of."""
from __future__ import annotations

import random
from datetime import UTC, datetime

import krippendorff
import numpy as np
import pytest
from bson import ObjectId

from interviewer.errors import NotFound
from interviewer.models import Competency
from interviewer.services import panels
from interviewer.services import reliability as rel

N_INTERVIEWS = 40


def _interview(interview_id, candidate_id, owner_id, members, at):
    """A completed interview of one question owned by `owner_id` with `members` on its panel."""
    from datetime import timedelta

    from interviewer.models import Interview, Question

    return Interview(id=interview_id, candidate_id=candidate_id, hr_id=owner_id, job_title="Backend engineer",
                     job_description="", starts_at=at, deadline=at + timedelta(days=1), status="completed",
                     questions=[Question(id="q1", text="Why?")], created_by=owner_id, created_at=at,
                     panel=members, panel_rev=1)


@pytest.fixture
def rated(repos, world, make_user):
    """40 interviews × 1 question, rated on GENERAL and on one library competency by hr_a and hr_b
    (and hr_c on the first 20); hr_b's last 5 are drafts. October for the first half, November after."""
    hr_c = make_user("hr", name="HR C")
    comm = repos.competencies.insert(Competency(id="", name="Clarity of writing", description="d", anchors=["a"] * 5))
    rng = random.Random(3)
    truth = {i: rng.randint(1, 5) for i in range(N_INTERVIEWS)}
    ratings = {}  # (interview, competency) -> {rater: value}
    for i in range(N_INTERVIEWS):
        interview_id = str(ObjectId())
        month = 10 if i < 20 else 11
        raters = [world["hr_a"], world["hr_b"]] + ([hr_c] if i < 20 else [])
        repos.interviews.insert(_interview(interview_id, world["cand_a"].id, world["hr_a"].id,
                                           [r.id for r in raters[1:]], datetime(2026, month, 1, tzinfo=UTC)))
        for rater in raters:
            items, draft = [], rater is world["hr_b"] and i >= N_INTERVIEWS - 5
            for competency in (panels.GENERAL["id"], comm.id):
                value = max(1, min(5, truth[i] + rng.choice([-1, 0, 0, 1])))
                items.append({"question_id": "q1", "competency_id": competency, "rating": value, "evidence": ""})
                if not draft:
                    ratings.setdefault((interview_id, competency), {})[rater.id] = value
            repos.panels.col.insert_one({
                "interview_id": interview_id, "rater_id": rater.id, "status": "draft" if draft else "submitted",
                "version": 2, "items": items, "added_at": datetime(2026, month, 1, tzinfo=UTC),
                "updated_at": datetime(2026, month, 2, tzinfo=UTC),
                "submitted_at": None if draft else datetime(2026, month, 2 + i % 20, tzinfo=UTC)})
        # the AI proposes the true level on the general scale, and the opposite end on the other one
        repos.responses.col.insert_one({
            "interview_id": interview_id, "question_id": "q1", "candidate_id": str(ObjectId()), "answer": "x",
            "ai_evaluation": {"score": 5, "competencies": [
                {"competency_id": panels.GENERAL["id"], "rating": truth[i], "evidence": [], "reason": ""},
                {"competency_id": comm.id, "rating": 6 - truth[i], "evidence": [], "reason": ""}]}})
    return {"ratings": ratings, "comm": comm, "hr_c": hr_c, "truth": truth}


def reference_alpha(ratings: dict) -> float:
    """The `krippendorff` package's interval alpha of {unit: {rater: value}} (raters × units, NaN missing)."""
    raters = sorted({r for row in ratings.values() for r in row})
    matrix = [[row.get(r, np.nan) for row in ratings.values()] for r in raters]
    return float(krippendorff.alpha(reliability_data=np.array(matrix, dtype=float), level_of_measurement="interval"))


def test_figures_per_competency_and_pooled_match_the_reference(repos, world, rated):
    report = panels.reliability_of_ratings(repos, world["admin"])
    pooled = rated["ratings"]
    # the last 5 interviews have one submitted rating (hr_b's are drafts): not pairable, left out
    assert report.overall.n_units == 2 * (N_INTERVIEWS - 5) and report.overall.n_raters == 3
    assert report.overall.n_ratings == 2 * (20 * 3 + 15 * 2)
    assert report.overall.alpha == pytest.approx(reference_alpha(pooled), abs=1e-9)
    assert report.overall.ci_low < report.overall.alpha < report.overall.ci_high
    by_name = {p.label: p for p in report.parts}
    assert set(by_name) == {"Overall answer quality", "Clarity of writing"}
    for competency_id, name in ((panels.GENERAL["id"], "Overall answer quality"), (rated["comm"].id, "Clarity of writing")):
        part = {k: v for k, v in pooled.items() if k[1] == competency_id}
        assert by_name[name].n_units == N_INTERVIEWS - 5
        assert by_name[name].alpha == pytest.approx(reference_alpha(part), abs=1e-9)


def test_each_rater_against_the_mean_of_the_others(repos, world, rated):
    report = panels.reliability_of_ratings(repos, world["admin"])
    assert [a.rater for a in report.raters] == ["HR A", "HR B", "HR C"]
    a = report.raters[0]
    pairs = []
    for row in rated["ratings"].values():
        others = [v for r, v in row.items() if r != world["hr_a"].id]
        if others:
            pairs.append((row[world["hr_a"].id], sum(others) / len(others)))
    assert a.n == len(pairs) == 70
    assert a.mad == pytest.approx(sum(abs(x - y) for x, y in pairs) / len(pairs), abs=1e-12)
    assert a.r == pytest.approx(float(np.corrcoef(np.array(pairs).T)[0, 1]), abs=1e-9)
    assert report.raters[2].n == 40  # HR C rated 20 interviews × 2 competencies


def test_by_month_of_the_last_submitted_rating(repos, world, rated):
    months = {m.month: m.reliability for m in panels.reliability_of_ratings(repos, world["admin"]).months}
    assert list(months) == ["2026-10", "2026-11"]
    assert months["2026-10"].n_units == 40 and months["2026-11"].n_units == 30  # 5 interviews have one rating
    october = {k: v for k, v in rated["ratings"].items() if len(v) == 3}
    assert months["2026-10"].alpha == pytest.approx(reference_alpha(october), abs=1e-9)


def test_hr_sees_only_interviews_they_submitted_a_rating_of(repos, world, rated):
    """hr_c submitted on the first 20 interviews only: their figures cover those and nothing else;
    hr_b's five drafts are not counted (and they are blind to those interviews)."""
    report = panels.reliability_of_ratings(repos, rated["hr_c"])
    assert report.overall.n_units == 40 and report.overall.n_raters == 3
    mine = {k: v for k, v in rated["ratings"].items() if rated["hr_c"].id in v}
    assert report.overall.alpha == pytest.approx(reference_alpha(mine), abs=1e-9)
    hr_b = panels.reliability_of_ratings(repos, world["hr_b"])
    assert hr_b.overall.n_units == 2 * (N_INTERVIEWS - 5)


def test_without_ratings_there_is_no_report_and_candidates_are_refused(repos, world, make_user):
    assert panels.reliability_of_ratings(repos, world["admin"]) is None
    assert panels.reliability_of_ratings(repos, make_user("hr")) is None
    with pytest.raises(NotFound):
        panels.reliability_of_ratings(repos, world["cand_a"])


def test_renamed_raters_and_competencies_show_their_new_names(repos, world, rated):
    panels.reliability_of_ratings(repos, world["admin"])  # computed and kept
    repos.competencies.update(rated["comm"].id, rated["comm"].version, name="Clear communication")
    repos.users.set_fields(world["hr_b"].id, name="HR Bee")
    report = panels.reliability_of_ratings(repos, world["admin"])
    assert {p.label for p in report.parts} == {"Overall answer quality", "Clear communication"}
    assert [a.rater for a in report.raters] == ["HR A", "HR Bee", "HR C"]


def test_the_same_ratings_are_read_and_computed_once(repos, world, rated, monkeypatch):
    """The figures are a pure function of the ratings: a second view reads and computes nothing (the
    change token, evaluations.scores_version, decides); a submission is read and computed afresh."""
    calls, real = [], rel.reliability
    monkeypatch.setattr(rel, "reliability", lambda *a, **k: calls.append(1) or real(*a, **k))
    reads, real_read = [], repos.panels.submitted_in_scope
    monkeypatch.setattr(repos.panels, "submitted_in_scope", lambda *a, **k: reads.append(1) or real_read(*a, **k))
    first = panels.reliability_of_ratings(repos, world["admin"])
    computed = len(calls)
    assert computed > 0 and panels.reliability_of_ratings(repos, world["admin"]) == first
    assert len(calls) == computed and len(reads) == 1
    draft = repos.panels.get(repos.panels.col.find_one({"status": "draft"})["interview_id"], world["hr_b"].id)
    flipped = [{**i, "rating": 1 if i["rating"] != 1 else 5} for i in draft.items]
    assert repos.panels.submit(draft, flipped, datetime(2026, 11, 28, tzinfo=UTC))
    changed = panels.reliability_of_ratings(repos, world["admin"])
    assert len(calls) == 2 * computed and len(reads) == 2 and changed.overall != first.overall


def test_the_agreement_pages_reliability_section_shows_them(login, client, repos, world, rated):
    login(world["admin"])
    text = client.get("/hr/agreement/reliability", headers={"HX-Request": "true"}).get_data(as_text=True)
    report = panels.reliability_of_ratings(repos, world["admin"])
    assert 'data-testid="panel-reliability"' in text and "Clarity of writing" in text
    assert 'data-testid="panel-ai-row"' in text and f"{report.ai.reliability.alpha:.3f}" in text
    assert f"{report.overall.alpha:.3f} <small class=\"muted\">({report.overall.ci_low:.3f} to" in text
    assert text.index("HR A") < text.index("HR B") < text.index("HR C")
    assert text.index("2026-11") < text.index("2026-10")  # newest month first
    login(world["hr_a"])  # hr_a submitted a rating of every interview: the figures show for them too
    assert 'data-testid="panel-reliability"' in client.get("/hr/agreement/reliability").get_data(as_text=True)


def test_without_panel_ratings_the_section_says_so(login, client, world):
    login(world["hr_a"])
    text = client.get("/hr/agreement/reliability").get_data(as_text=True)
    assert 'data-testid="panel-reliability-none"' in text and 'data-testid="panel-reliability"' not in text


def test_the_ai_against_the_panels_mean_per_competency(repos, world, rated):
    report = panels.reliability_of_ratings(repos, world["admin"])
    pooled, general, comm = rated["ratings"], panels.GENERAL["id"], rated["comm"].id
    proposals = {}
    for i, interview_id in enumerate(dict.fromkeys(k[0] for k in pooled)):  # the fixture's order
        proposals[(interview_id, general)] = rated["truth"][i]
        proposals[(interview_id, comm)] = 6 - rated["truth"][i]
    for name, competency_id in (("Overall answer quality", general), ("Clarity of writing", comm)):
        pairs = [(proposals[k], sum(row.values()) / len(row)) for k, row in pooled.items() if k[1] == competency_id]
        expected = reference_alpha({n: {"ai": a, "humans": h} for n, (a, h) in enumerate(pairs)})
        part = report.ai_parts[name]
        assert part.n == len(pairs) == N_INTERVIEWS  # the five with one rating count here: a mean of one
        assert part.reliability.alpha == pytest.approx(expected, abs=1e-9)
    assert report.ai_parts["Overall answer quality"].reliability.alpha > 0.5
    assert report.ai_parts["Clarity of writing"].reliability.alpha < 0  # the opposite end: systematic disagreement
    assert report.ai.n == 2 * N_INTERVIEWS


def test_a_former_owner_no_longer_counts_the_interviews_reassigned_away(repos, world, rated, make_user):
    """hr_a owned every interview; once the candidate is someone else's, hr_a rates none of them and
    their figures go (the board is 404 for them too); the members keep theirs."""
    from interviewer.services import users as user_service

    before = panels.reliability_of_ratings(repos, world["hr_b"])
    assert panels.reliability_of_ratings(repos, world["hr_a"]) is not None
    user_service.assign(repos, world["cand_a"].id, make_user("hr", name="HR D").id, world["admin"])
    assert panels.reliability_of_ratings(repos, world["hr_a"]) is None
    assert panels.reliability_of_ratings(repos, world["hr_b"]).overall == before.overall
