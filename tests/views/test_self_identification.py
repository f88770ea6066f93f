"""Voluntary self-identification: only the candidate gives, sees, changes or withdraws their own;
values outside the configured categories are refused with nothing stored; and the values never
reach HR, raters, interview views, the API's interview replies, audit events or logs."""
from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta

import pytest
from support import PASSWORD

from interviewer import create_app
from interviewer.ai import get_provider
from interviewer.db import get_repos
from interviewer.services import demographics
from interviewer.services import evaluations as ev
from interviewer.services import interviews as svc

# Unmistakable category names, so a search of every page for them cannot hit by chance.
SEX, RACE = "Xenofemme-7731", "Zyglorian-4410"
CATEGORIES = json.dumps({"sex": [SEX, "Other-sex-1"], "race_ethnicity": [RACE, "Other-race-2"]})


@pytest.fixture
def site(build_app):
    return build_app(SELF_ID_CATEGORIES=CATEGORIES, WTF_CSRF_ENABLED=False)


@pytest.fixture
def make_user(site):
    from interviewer.services import users as user_service

    repos, counter = get_repos(site), iter(range(1, 100))

    def make(role="candidate", hr=None):
        n = next(counter)
        user = user_service.create_user(repos, f"{role}{n}@example.com", f"{role.title()} {n}", PASSWORD, role)
        return user_service.assign(repos, user.id, hr.id) if hr is not None else user

    return make


def signed_in(app, user):
    client = app.test_client()
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    return client


def bearer(app, user):
    token = app.test_client().post("/auth/token", json={"email": user.email, "password": PASSWORD})
    return {"Authorization": f"Bearer {token.get_json()['access_token']}"}


def test_default_categories_follow_eeo1_with_prefer_not_to_say():
    cats = demographics.categories_from("")
    assert cats["sex"] == ["female", "male", "prefer not to say"]
    assert cats["race_ethnicity"][:2] == ["Hispanic or Latino", "White"] and len(cats["race_ethnicity"]) == 8
    assert cats["race_ethnicity"][-1] == "prefer not to say"
    assert demographics.categories_from('{"sex": ["a", "b"]}') == {"sex": ["a", "b", "prefer not to say"]}
    for bad in ("{", "[]", '{"sex": []}', '{"sex": [1]}', '{"not a name": ["a"]}'):
        with pytest.raises(ValueError):
            demographics.categories_from(bad)


def test_a_malformed_setting_stops_start_up():
    with pytest.raises(ValueError, match="SELF_ID_CATEGORIES"):
        create_app({"MONGO_URI": "mongomock://", "TESTING": True, "SELF_ID_CATEGORIES": "{oops"})


def test_give_change_and_withdraw_on_the_page(site, make_user):
    repos = get_repos(site)
    cand = make_user("candidate")
    client = signed_in(site, cand)
    page = client.get("/candidate/self-identification")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "voluntary" in text and "counts per group" in text
    assert SEX in text and "prefer not to say" in text and "Withdraw" not in text
    saved = client.post("/candidate/self-identification", data={"sex": SEX, "race_ethnicity": ""})
    assert saved.status_code in (302, 303)
    assert repos.demographics.get(cand.id)["answers"] == {"sex": SEX}
    shown = client.get("/candidate/self-identification").get_data(as_text=True)
    assert f'value="{SEX}" checked' in shown and "Withdraw my answers" in shown
    client.post("/candidate/self-identification", data={"sex": "", "race_ethnicity": RACE})
    assert repos.demographics.get(cand.id)["answers"] == {"race_ethnicity": RACE}
    withdrawn = client.post("/candidate/self-identification/withdraw")
    assert withdrawn.status_code in (302, 303) and repos.demographics.get(cand.id) is None
    assert [e["action"] for e in repos.audit.in_order()][-3:] == [
        "self_identification.save", "self_identification.save", "self_identification.withdraw"]


def test_values_outside_the_categories_are_refused_and_nothing_is_stored(site, make_user):
    repos = get_repos(site)
    cand = make_user("candidate")
    client = signed_in(site, cand)
    client.post("/candidate/self-identification", data={"sex": SEX})
    refused = client.post("/candidate/self-identification", data={"sex": "robot", "race_ethnicity": RACE})
    assert refused.status_code == 422 and "not among the choices" in refused.get_data(as_text=True)
    assert repos.demographics.get(cand.id)["answers"] == {"sex": SEX}  # unchanged, the valid half not stored either
    empty = client.post("/candidate/self-identification", data={"sex": "", "race_ethnicity": ""})
    assert empty.status_code == 422 and "withdraw" in empty.get_data(as_text=True)
    api = bearer(site, cand)
    for answers in ({"sex": "robot"}, {"eye_colour": "blue"}, {"sex": 7}, {}):
        reply = site.test_client().put("/interview/self-identification", json={"answers": answers}, headers=api)
        assert reply.status_code == 422 and reply.get_json()["error"]["message"], answers
    assert repos.demographics.get(cand.id)["answers"] == {"sex": SEX}


def test_nobody_answers_for_someone_else(site, make_user):
    repos = get_repos(site)
    cand, other = make_user("candidate"), make_user("candidate")
    hr, admin = make_user("hr"), make_user("admin")
    signed_in(site, other).post("/candidate/self-identification", data={"sex": SEX})
    client = signed_in(site, cand)
    forged = client.post("/candidate/self-identification", data={"sex": "Other-sex-1", "candidate_id": other.id})
    assert forged.status_code == 403 and "not someone else" in forged.get_data(as_text=True)
    forged = client.post("/candidate/self-identification/withdraw", data={"candidate_id": other.id})
    assert forged.status_code == 403
    assert repos.demographics.get(other.id)["answers"] == {"sex": SEX} and repos.demographics.get(cand.id) is None
    api, web = bearer(site, cand), site.test_client()
    for method, kwargs in (("GET", {"query_string": {"candidate_id": other.id}}),
                           ("PUT", {"json": {"answers": {"sex": "Other-sex-1"}, "candidate_id": other.id}}),
                           ("DELETE", {"query_string": {"candidate_id": other.id}})):
        reply = web.open("/interview/self-identification", method=method, headers=api, **kwargs)
        assert reply.status_code == 403 and "someone else" in reply.get_json()["error"]["message"], method
        assert SEX not in reply.get_data(as_text=True)
    assert repos.demographics.get(other.id)["answers"] == {"sex": SEX}
    for staff in (hr, admin):
        assert signed_in(site, staff).get("/candidate/self-identification").status_code == 403
        reply = web.get("/interview/self-identification", headers=bearer(site, staff))
        assert reply.status_code == 403 and SEX not in reply.get_data(as_text=True)
    own = web.get("/interview/self-identification", query_string={"candidate_id": other.id}, headers=bearer(site, other))
    assert own.status_code == 200 and own.get_json()["answers"] == {"sex": SEX}


def test_the_api_gives_changes_and_withdraws_the_callers_own(site, make_user):
    repos = get_repos(site)
    cand = make_user("candidate")
    api, web = bearer(site, cand), site.test_client()
    empty = web.get("/interview/self-identification", headers=api).get_json()
    assert empty["answers"] == {} and empty["categories"]["sex"] == [SEX, "Other-sex-1", "prefer not to say"]
    put = web.put("/interview/self-identification", json={"answers": {"sex": SEX, "race_ethnicity": RACE}}, headers=api)
    assert put.status_code == 200 and put.get_json()["answers"] == {"sex": SEX, "race_ethnicity": RACE}
    assert web.delete("/interview/self-identification", headers=api).status_code == 204
    assert repos.demographics.get(cand.id) is None
    assert web.delete("/interview/self-identification", headers=api).status_code == 204  # nothing left: still fine


def test_hr_raters_views_the_api_audit_and_logs_never_show_it(site, make_user, caplog):
    caplog.set_level(logging.DEBUG)
    repos = get_repos(site)
    site.config["AI_EXECUTOR"] = "manual"
    hr, admin = make_user("hr"), make_user("admin")
    cand = make_user("candidate", hr=hr)
    client = signed_in(site, cand)
    assert client.post("/candidate/self-identification", data={"sex": SEX, "race_ethnicity": RACE}).status_code == 303
    now = datetime.now(UTC)
    req = svc.ScheduleRequest(cand.id, "Backend engineer", "Python", now - timedelta(hours=1), now + timedelta(days=1), 2)
    interview = svc.schedule(repos, hr, req, [q.__dict__ for q in svc.draft_questions(repos, hr, req, now).questions], now)
    for q in interview.questions:
        svc.save_answer(repos, cand, interview.id, q.id, "A long enough answer about queues and retries.", now, seq=1)
    svc.submit(repos, cand, interview.id, now)
    response = repos.responses.find(interview.id, interview.questions[0].id)
    ev.request_evaluation(repos, hr, response.id, now, lambda rid: None)
    ev.run_job(repos, response.id, lambda: get_provider(site.config))
    svc.score_response(repos, hr, interview.id, interview.questions[0].id, "7", "Good.", now)
    svc.record_result(repos, hr, interview.id, "7", "Fine.", now)
    svc.set_shared(repos, hr, interview.id, True, now)
    pages = [
        (hr, ["/hr/interviews", f"/hr/interviews/{interview.id}", f"/hr/interviews/{interview.id}/progress",
             "/hr/results", "/hr/results.csv", "/hr/results.csv?per=response", "/hr/agreement",
             f"/hr/candidates/{cand.id}/resume", f"/hr/responses/{response.id}/ai", "/hr/schedule"]),
        (admin, ["/admin/users", f"/admin/users?q={cand.email}", "/admin/audit", "/admin/audit.csv", "/admin/stats",
                "/admin/outbox", f"/admin/users/{cand.id}/erase", f"/hr/interviews/{interview.id}"]),
    ]
    api_paths = [f"/interview/{interview.id}", f"/interview/{interview.id}/responses", "/interview/all",
                 "/interview/results/all", f"/interview/results/{interview.id}"]
    for staff, urls in pages:
        web, api = signed_in(site, staff), bearer(site, staff)
        for url in urls:
            reply = web.get(url, headers={"HX-Request": "true"} if url.endswith("/ai") else {})
            assert reply.status_code == 200, (url, reply.status_code)
            assert SEX not in reply.get_data(as_text=True) and RACE not in reply.get_data(as_text=True), url
        for url in api_paths:
            reply = site.test_client().get(url, headers=api)
            assert reply.status_code == 200, url
            assert SEX not in reply.get_data(as_text=True) and RACE not in reply.get_data(as_text=True), url
    for url in ["/candidate/", "/candidate/history", f"/candidate/history/{interview.id}"]:
        reply = client.get(url)
        assert SEX not in reply.get_data(as_text=True), url
    cand_api = bearer(site, cand)
    for url in ["/interview/candidate/me", "/interview/candidate/history", f"/interview/{interview.id}"]:
        assert SEX not in site.test_client().get(url, headers=cand_api).get_data(as_text=True), url
    events = json.dumps(list(repos.audit.in_order()), default=str)
    assert "self_identification.save" in events and SEX not in events and RACE not in events
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert SEX not in logged and RACE not in logged
    for name in repos.db.list_collection_names():  # the values live in one collection only
        if name != "demographics":
            assert SEX not in str(list(repos.db[name].find({}))), name
