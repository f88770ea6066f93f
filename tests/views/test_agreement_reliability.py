"""The agreement page's reliability section: the AI against HR's final scores, with the 95 %
interval, by month (drift), and "not enough data" below the minimum."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from interviewer.services import evaluations as ev
from interviewer.services import reliability as rel


def pairs_over_three_months():
    out = []
    for u in range(75):
        hr = float(u % 11)
        if u < 35:  # October: the AI proposes HR's score exactly
            ai, at = hr, datetime(2026, 10, 1 + u % 28, 12, tzinfo=UTC)
        elif u < 70:  # November: it drifts, ±3 points
            ai, at = hr + 3.0 * ((u % 3) - 1), datetime(2026, 11, 1 + u % 28, 12, tzinfo=UTC)
        else:  # December: five answers so far
            ai, at = hr, datetime(2026, 12, 1, 9, tzinfo=UTC)
        out.append({"interview_id": f"{u:024x}", "question_id": "q1", "candidate_id": "c", "group": "g",
                    "hr_score": hr, "ai_score": ai, "scored_at": at})
    return out


@pytest.fixture
def scored(repos, monkeypatch):
    pairs = pairs_over_three_months()
    monkeypatch.setattr(repos.responses, "iter_scored_pairs", lambda hr_id: iter(pairs))
    return pairs


def test_monthly_figures_show_the_drift(repos, world, now, scored):
    report = ev.ai_reliability(repos, world["admin"], now)
    assert report.ai.n == 75 and report.ai.reliability.enough
    assert report.ai.reliability.ci_low < report.ai.reliability.alpha < report.ai.reliability.ci_high
    months = {m.month: m for m in report.months}
    assert list(months) == ["2026-10", "2026-11", "2026-12"]
    october, november, december = months["2026-10"].ai, months["2026-11"].ai, months["2026-12"].ai
    assert october.n == 35 and october.mad == 0 and october.r == pytest.approx(1.0)
    assert october.reliability.alpha == pytest.approx(1.0)
    # November: differences −3, 0, +3 in turn over 35 answers: 23 of them ±3 → MAD 69/35
    assert november.n == 35 and round(november.mad, 3) == round(3 * sum(1 for u in range(35, 70) if u % 3 != 1) / 35, 3)
    assert november.reliability.alpha < 0.8
    assert december.n == 5 and december.r is None and not december.reliability.enough
    assert december.reliability.reason == "not enough data: 5 units rated by at least two raters; at least 30 are needed"


def test_the_agreement_page_loads_the_reliability_section_after_it(login, client, world, scored):
    """The bootstrap intervals are the costly part: the page shows the agreement table at once and a
    section that htmx fills from /hr/agreement/reliability (a link to it without JavaScript)."""
    login(world["admin"])
    text = client.get("/hr/agreement").get_data(as_text=True)
    assert 'data-testid="agreement-overall"' in text and 'hx-get="/hr/agreement/reliability"' in text
    assert 'href="/hr/agreement/reliability"' in text and "alpha (95 % CI)" not in text
    fragment = client.get("/hr/agreement/reliability", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert fragment.lstrip().startswith("<section") and "<html" not in fragment
    assert 'id="agreement-reliability"' in fragment  # replaces the placeholder (outerHTML)
    page = client.get("/hr/agreement/reliability").get_data(as_text=True)
    assert "<h1>Reliability</h1>" in page and 'data-testid="reliability-months"' in page


def test_the_reliability_section_shows_alpha_with_its_interval_and_the_months(login, client, world, scored, repos, now):
    login(world["admin"])
    text = client.get("/hr/agreement/reliability", headers={"HX-Request": "true"}).get_data(as_text=True)
    report = ev.ai_reliability(repos, world["admin"], now)
    overall = report.ai.reliability
    assert 'data-testid="agreement-reliability"' in text
    assert f"{overall.alpha:.3f} <small class=\"muted\">({overall.ci_low:.3f} to {overall.ci_high:.3f})" in text
    assert text.index("2026-12") < text.index("2026-11") < text.index("2026-10")  # newest first
    assert "not enough data: 5 units" in text and f"at least {rel.MIN_UNITS} answers" in text


def test_with_few_scores_the_page_says_not_enough_data(login, client, world):
    login(world["hr_a"])
    page = client.get("/hr/agreement/reliability")
    assert page.status_code == 200 and "not enough data: 0 units" in page.get_data(as_text=True)
