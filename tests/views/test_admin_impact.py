"""The admin's adverse impact report, built from interviews and self-identification: figures,
suppression, the "no outcomes yet" state, and the CSV export (formula-safe, with a BOM)."""
from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from support import PASSWORD

from interviewer.db import get_repos
from interviewer.services import impact
from interviewer.services import interviews as svc
from interviewer.services import users as user_service

FORMULA = "=HYPERLINK(1)"
CATEGORIES = json.dumps({"sex": ["female", "male", FORMULA], "race_ethnicity": ["White", "Asian"]})


@pytest.fixture
def site(build_app):
    app = build_app(SELF_ID_CATEGORIES=CATEGORIES, WTF_CSRF_ENABLED=False)
    repos = get_repos(app)
    admin = user_service.create_user(repos, "root@example.com", "Root", PASSWORD, "admin")
    hr = user_service.create_user(repos, "hr@example.com", "Hana", PASSWORD, "hr")
    return app, repos, admin, hr


def evaluated(repos, hr, n, sex, race, score, ai, outcome=None):
    """Candidate `n`, self-identified, with one evaluated interview: HR's overall score `score`, the
    AI's proposal `ai` on its one answer, and `outcome` stored on the interview."""
    now = datetime.now(UTC)
    cand = user_service.create_user(repos, f"c{n}@example.com", f"Cand {n}", PASSWORD, "candidate")
    cand = user_service.assign(repos, cand.id, hr.id)
    if sex or race:
        repos.demographics.save(cand.id, {k: v for k, v in (("sex", sex), ("race_ethnicity", race)) if v}, now)
    req = svc.ScheduleRequest(cand.id, "Engineer", "", now - timedelta(hours=1), now + timedelta(days=1), 1)
    interview = svc.schedule(repos, hr, req, [q.__dict__ for q in svc.draft_questions(repos, hr, req, now).questions],
                             now)
    q = interview.questions[0]
    svc.save_answer(repos, cand, interview.id, q.id, "An answer about queues.", now, seq=1)
    svc.submit(repos, cand, interview.id, now)
    repos.responses.set_fields(repos.responses.find(interview.id, q.id).id, ai_evaluation={"score": ai})
    svc.record_result(repos, hr, interview.id, str(score), "ok", now)
    if outcome:
        repos.interviews.set_fields(interview.id, outcome=outcome)
    return interview


def admin_client(app, admin):
    client = app.test_client()
    assert client.post("/login", data={"email": admin.email, "password": PASSWORD}).status_code == 302
    return client


def test_no_outcomes_yet_and_scoring_rates_from_hr_and_ai(site):
    app, repos, admin, hr = site
    for i, score in enumerate([8, 8, 8, 6, 5]):
        evaluated(repos, hr, i, "female", "White", score=score, ai=6)
    for i, score in enumerate([5, 3, 9, 4, 2], start=5):
        evaluated(repos, hr, i, "male", "White", score=score, ai=7)
    evaluated(repos, hr, 10, None, None, score=5, ai=5)  # did not self-identify
    page = admin_client(app, admin).get("/admin/impact")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "no outcomes recorded yet" in text
    assert '<strong data-testid="min-group">5</strong>' in text
    report = impact.impact_report(impact.records_for(repos, admin, datetime.now(UTC)), categories={})
    human = report.table("scoring_human", "sex")
    # HR: 2 3 4 5 5 [5] 6 8 8 8 9 → median 5 (the unknown candidate's score counts); the three 5s are
    # not above it: women 4 of 5 (8, 8, 8, 6), men 1 of 5 (9) → men's ratio 0.2 / 0.8 = 0.25
    assert human.median == 5 and human.unknown == 1
    rates = {g.group: g for g in human.rows}
    assert (rates["female"].hits, rates["male"].hits) == (4, 1)
    assert round(rates["male"].impact_ratio, 3) == 0.25 and rates["male"].flagged
    ai = report.table("scoring_ai", "sex")
    assert ai.median == 6 and {g.group: g.hits for g in ai.rows} == {"female": 0, "male": 5}
    assert "0.250" in text and "below 0.8" in text


def test_outcomes_give_selection_rates_and_small_groups_are_suppressed(site):
    app, repos, admin, hr = site
    outcomes = ["hire", "advance", "reject", "reject", "reject", "withdrawn"]  # 2 of 5 decided
    for i, outcome in enumerate(outcomes):
        evaluated(repos, hr, i, "female", "Asian", 6, 6, outcome)
    for i, outcome in enumerate(["hire", "hire", "advance", "reject", "reject"], start=10):  # 3 of 5
        evaluated(repos, hr, i, "male", "White", 6, 6, outcome)
    for i, outcome in enumerate(["hire", "hire", "hire", "reject", "reject"], start=20):  # 3 of 5, shown
        evaluated(repos, hr, i, FORMULA, "White", 6, 6, outcome)
    # two small groups (4 and 1 people): hidden, and two of them, so the total less the groups shown
    # does not give either one (with one small group, complementary suppression would hide another)
    for i in range(30, 34):
        evaluated(repos, hr, i, "another", "White", 6, 6, "hire")
    evaluated(repos, hr, 34, "yet another", "White", 6, 6, "hire")
    client = admin_client(app, admin)
    text = client.get("/admin/impact").get_data(as_text=True)
    assert "no outcomes recorded yet" not in text and "2 groups with fewer than 5 people" in text
    assert "another" not in text  # hidden groups are not named
    report = impact.impact_report(impact.records_for(repos, admin, datetime.now(UTC)))
    sel = {g.group: g for g in report.table("selection", "sex").rows}
    assert (sel["female"].n, sel["female"].hits) == (5, 2) and (sel["male"].n, sel["male"].hits) == (5, 3)
    assert round(sel["female"].impact_ratio, 3) == 0.667 and sel["female"].flagged
    assert sel["another"].suppressed and sel["another"].n is None and sel["yet another"].suppressed
    exported = client.get("/admin/impact.csv")
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    body = exported.get_data(as_text=True)
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0] == impact.CSV_HEADER
    female = next(r for r in rows if r[:3] == ["selection", "sex", "female"])
    assert female[3:8] == ["5", "2", "0.4000", "0.6667", "yes"] and female[10] == "5"
    assert any(r[2] == "'" + FORMULA for r in rows) and not any(r[2] == FORMULA for r in rows)
    assert not any("another" in c for r in rows for c in r)
    event = repos.audit.last()
    assert event["action"] == "impact.export" and "female" not in json.dumps(event, default=str)
    hr_client = app.test_client()
    hr_client.post("/login", data={"email": hr.email, "password": PASSWORD})
    assert hr_client.get("/admin/impact").status_code == 403 and hr_client.get("/admin/impact.csv").status_code == 403


def test_f1_no_suppressed_group_is_named_or_derivable(site):
    app, repos, admin, hr = site
    for i, outcome in enumerate(["hire"] * 6 + ["reject"] * 4):
        evaluated(repos, hr, i, "female", "White", 6, 6, outcome)
    evaluated(repos, hr, 10, "male", "White", 6, 6, "reject")
    client = admin_client(app, admin)
    text = client.get("/admin/impact").get_data(as_text=True)
    body = client.get("/admin/impact.csv").get_data(as_text=True)
    for shown in (text, body):
        assert ">male<" not in shown and "male × White" not in shown and "male × Asian" not in shown
        assert ",male," not in shown
    assert "groups with fewer than 5 people" in text or "group with fewer than 5 people" in text
    report = impact.impact_report(impact.records_for(repos, admin, datetime.now(UTC)))
    race = {g.group: g for g in report.table("selection", "race_ethnicity").rows}
    both = {g.group: g for g in report.table("selection", "sex × race_ethnicity").rows}
    assert both["male × White"].suppressed
    assert race["White"].suppressed or both["female × White"].suppressed
    if not race["White"].suppressed:  # 11 people shown: then female × White (10) must not be
        assert "female × White" not in text


def test_f2_interviews_of_one_person_count_once_and_cancelled_ones_not_at_all(site):
    app, repos, admin, hr = site
    first = evaluated(repos, hr, 0, "female", "Asian", 8, 8, "hire")
    now = datetime.now(UTC)
    for _ in range(4):  # four more interviews of the same candidate, all marked hire
        req = svc.ScheduleRequest(first.candidate_id, "Engineer", "", now - timedelta(hours=1),
                                  now + timedelta(days=1), 1)
        again = svc.schedule(repos, hr, req, [q.__dict__ for q in svc.draft_questions(repos, hr, req, now).questions],
                             now)
        repos.interviews.set_fields(again.id, status="completed", outcome="hire", overall_score=8)
    records = impact.records_for(repos, admin, datetime.now(UTC))
    report = impact.impact_report(records)
    assert report.n_records == 1 and report.n_decided == 1
    assert all(g.suppressed for t in report.tables for g in t.rows)
    text = admin_client(app, admin).get("/admin/impact").get_data(as_text=True)
    assert "female × Asian" not in text and "<td>5</td>" not in text
    # a cancelled interview of another person, marked hire: not counted at all
    other = evaluated(repos, hr, 1, "male", "White", 5, 5, None)
    repos.interviews.set_fields(other.id, status="cancelled", outcome="hire")
    report = impact.impact_report(impact.records_for(repos, admin, datetime.now(UTC)))
    assert report.n_records == 1 and report.n_decided == 1
