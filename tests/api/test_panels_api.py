"""The panel API: members, the caller's rating (draft, submit), all ratings and the outcome — with the
blind rule in every reply a rater gets before submitting, and stored state checked after each call."""
from __future__ import annotations

import uuid

import pytest
from api_support import PASSWORD

from interviewer.db import get_repos
from interviewer.services import users as user_service


@pytest.fixture
def hr_c(world):
    with world.app.app_context():
        return user_service.create_user(get_repos(), f"hr-c-{uuid.uuid4().hex[:6]}@example.com", "HR C", PASSWORD, "hr")


def token_headers(world, user):
    from datetime import UTC, datetime, timedelta

    from interviewer.services import tokens as token_service

    with world.app.app_context():
        issued = token_service.issue(get_repos(), user, datetime.now(UTC), timedelta(hours=1))
    return {"Authorization": f"Bearer {issued.access_token}"}


def stored_rating(world, interview_id, user):
    with world.app.app_context():
        return get_repos().panels.get(interview_id, user.id)


def with_ai(world, made):
    """The first answer's AI evaluation, run inline; returns its (score, feedback)."""
    from interviewer.ai import get_provider
    from interviewer.services import evaluations as ev

    with world.app.app_context():
        repos = get_repos()
        response = made.responses[0]
        ev.request_evaluation(repos, world["hr_a"], response.id, made.interview.completed_at, lambda rid: None)
        ev.run_job(repos, response.id, lambda: get_provider(world.app.config))
        ai = repos.responses.get(response.id).ai_evaluation
    return ai["score"], ai["feedback"]


def item(made, rating, evidence=""):
    return {"question_id": made.question_ids[0], "competency_id": "general", "rating": rating, "evidence": evidence}


def all_items(made, rating):
    return [{"question_id": q, "competency_id": "general", "rating": rating} for q in made.question_ids]


def test_members_are_added_listed_and_removed(world, client, hr_c):
    made = world.interview("a", "completed")
    owner = world.headers("hr_a")
    url = f"/interview/{made.id}/panel"
    reply = client.put(f"{url}/{world['hr_b'].id}", headers=owner)
    assert reply.status_code == 200
    assert [(m["name"], m["owner"], m["status"]) for m in reply.json["members"]] == [
        ("HR A", True, "not started"), ("HR B", False, "not started")]
    for bad in (world["hr_b"].id, world["cand_a"].id, world["admin"].id, world["hr_a"].id):
        reply = client.put(f"{url}/{bad}", headers=owner)
        assert reply.status_code == 422 and "rater_id" in reply.json["error"]["details"]
    assert client.put(f"{url}/{hr_c.id}", headers=token_headers(world, hr_c)).status_code == 404
    assert client.get(url, headers=world.headers("hr_b")).status_code == 200  # a member sees the panel
    assert client.get(url, headers=token_headers(world, hr_c)).status_code == 404
    assert client.delete(f"{url}/{world['hr_b'].id}", headers=world.headers("hr_b")).status_code == 404
    assert world.get_interview(made.id).panel == [world["hr_b"].id]
    reply = client.delete(f"{url}/{world['hr_b'].id}", headers=owner)
    assert reply.status_code == 200 and len(reply.json["members"]) == 1
    assert world.get_interview(made.id).panel == []
    assert stored_rating(world, made.id, world["hr_b"]) is None


@pytest.mark.parametrize("bad", [0, 6, 2.5, "3", "²", 10**30, True, -1])
def test_a_rating_outside_the_scale_is_422_and_nothing_is_stored(world, client, bad):
    made = world.interview("a", "completed")
    headers = world.headers("hr_a")
    assert client.get(f"/interview/{made.id}/rating", headers=headers).json["version"] == 1
    reply = client.put(f"/interview/{made.id}/rating", json={"version": 1, "items": [item(made, bad)]},
                       headers=headers)
    assert reply.status_code == 422 and reply.json["error"]["code"] == "validation_error"
    assert stored_rating(world, made.id, world["hr_a"]).items == []


def test_evidence_stale_versions_and_submit(world, client):
    made = world.interview("a", "completed")
    headers = world.headers("hr_a")
    url = f"/interview/{made.id}/rating"
    client.get(url, headers=headers)
    reply = client.put(url, json={"version": 1, "items": [item(made, 4, "words never written")]}, headers=headers)
    assert reply.status_code == 422
    assert "not in the candidate's answer" in reply.json["error"]["details"][f"{made.question_ids[0]}.general.evidence"]
    assert stored_rating(world, made.id, world["hr_a"]).items == []
    reply = client.put(url, json={"version": 1, "items": [item(made, 4, "my answer to")]}, headers=headers)
    assert reply.status_code == 200 and reply.json["version"] == 2
    stale = client.put(url, json={"version": 1, "items": [item(made, 1)]}, headers=headers)
    assert stale.status_code == 409
    assert stale.json["error"]["details"]["version"] == 2
    assert stale.json["error"]["details"]["items"][0]["rating"] == 4
    missing = client.post(f"{url}/submit", json={"version": 2}, headers=headers)
    assert missing.status_code == 422
    assert missing.json["error"]["details"]["missing"] == ["Question 2 — Overall answer quality: no rating"]
    done = client.post(f"{url}/submit", json={"version": 2, "items": all_items(made, 3)}, headers=headers)
    assert done.status_code == 200 and done.json["status"] == "submitted"
    assert stored_rating(world, made.id, world["hr_a"]).status == "submitted"
    assert client.put(url, json={"version": 3, "items": [item(made, 1)]}, headers=headers).status_code == 409


def test_a_panel_member_reads_each_question_and_the_answer_to_quote_from(world, client):
    """An API-only rater has no other way to the answers (the interview's own routes are the owner's)."""
    made = world.interview("a", "completed", n=2, answers=1)
    client.put(f"/interview/{made.id}/panel/{world['hr_b'].id}", headers=world.headers("hr_a"))
    pairs = client.get(f"/interview/{made.id}/rating", headers=world.headers("hr_b")).json["pairs"]
    questions = world.get_interview(made.id).questions
    assert [(p["question"], p["answer"]) for p in pairs] == [
        (questions[0].text, made.responses[0].answer), (questions[1].text, "")]
    assert client.get(f"/interview/{made.id}", headers=world.headers("hr_b")).status_code == 404


def test_a_rater_not_on_the_panel_is_refused(world, client, hr_c):
    made = world.interview("a", "completed")
    client.put(f"/interview/{made.id}/panel/{world['hr_b'].id}", headers=world.headers("hr_a"))
    for headers, status in ((token_headers(world, hr_c), 404), (world.headers("admin"), 403),
                            (world.headers("cand_a"), 403)):
        reply = client.put(f"/interview/{made.id}/rating", json={"version": 1, "items": [item(made, 3)]},
                           headers=headers)
        assert reply.status_code == status
    assert stored_rating(world, made.id, hr_c) is None


@pytest.mark.parametrize("rater", ["hr_a", "hr_b"])
def test_blind_in_every_api_reply_until_the_rater_submits(world, client, rater):
    made = world.interview("a", "completed")
    client.put(f"/interview/{made.id}/panel/{world['hr_b'].id}", headers=world.headers("hr_a"))
    ai_score, ai_feedback = with_ai(world, made)
    other = "hr_b" if rater == "hr_a" else "hr_a"
    theirs = client.post(f"/interview/{made.id}/rating/submit",
                         json={"version": 1, "items": [{**item(made, 2, "my answer to"), "rating": 2},
                                                       *all_items(made, 2)[1:]]}, headers=world.headers(other))
    assert theirs.status_code == 200
    me = world.headers(rater)
    urls = [f"/interview/{made.id}/panel", f"/interview/{made.id}/rating", f"/interview/{made.id}/ratings"]
    if rater == "hr_a":
        urls += [f"/interview/{made.id}", f"/interview/{made.id}/responses", f"/interview/results/{made.id}",
                 "/interview/all", "/interview/results/all"]
    for url in urls:
        compact = client.get(url, headers=me).get_data(as_text=True).replace(" ", "")
        assert ai_feedback[:40].replace(" ", "") not in compact, url
        for marker in ('"rating":2', '"ai_evaluation":{', '"ai_score"', '"ai_rating"', '"cells"', '"panel_mean"'):
            assert marker not in compact, (url, marker)
    blind = client.get(f"/interview/{made.id}/ratings", headers=me)
    assert blind.status_code == 409 and blind.json["error"]["details"] == {"code": "blind"}
    mine = client.post(f"/interview/{made.id}/rating/submit", json={"version": 1, "items": all_items(made, 4)},
                       headers=me)
    assert mine.status_code == 200
    board = client.get(f"/interview/{made.id}/ratings", headers=me)
    assert board.status_code == 200
    cell = board.json["cells"][0]
    assert sorted((r["rater"], r["rating"]) for r in cell["ratings"]) == [("HR A", 4 if rater == "hr_a" else 2),
                                                                          ("HR B", 2 if rater == "hr_a" else 4)]
    assert (cell["mean"], cell["min"], cell["max"], cell["sd"], cell["ai_score"]) == (3.0, 2, 4, 1.0, ai_score)
    from interviewer.ai.local import level_of  # the default provider: its level for the answer, on each scale

    assert cell["ai_rating"]["rating"] == level_of(ai_score) and "as a whole" in cell["ai_rating"]["reason"]
    assert board.json["cells"][1]["ai_rating"] is None  # the second answer was not evaluated
    if rater == "hr_a":
        profile = client.get(f"/interview/results/{made.id}", headers=me).json["competency_profile"]
        assert [(p["name"], p["panel_ratings"], p["panel_low"], p["panel_high"]) for p in profile] == [
            ("Overall answer quality", 2 * len(made.question_ids), 2, 4)]
        assert profile[0]["panel_mean"] == 3.0 and profile[0]["ai_mean"] == level_of(ai_score)  # one answer evaluated
        candidate = client.get(f"/interview/results/{made.id}", headers=world.headers("cand_a"))
        assert candidate.status_code == 404  # nothing shared; when shared, result_out gives candidates no profile
    if rater == "hr_a":
        responses = client.get(f"/interview/{made.id}/responses", headers=me).json["items"]
        assert responses[0]["ai_evaluation"]["feedback"] == ai_feedback


def test_the_outcome_with_compare_and_set(world, client):
    made = world.interview("a", "completed")
    url = f"/interview/{made.id}/outcome"
    assert client.put(url, json={"outcome": "promote"}, headers=world.headers("hr_a")).status_code == 422
    reply = client.put(url, json={"outcome": "advance", "seen": ""}, headers=world.headers("hr_a"))
    assert reply.status_code == 200 and reply.json["outcome"] == "advance"
    stale = client.put(url, json={"outcome": "reject", "seen": ""}, headers=world.headers("admin"))
    assert stale.status_code == 409 and stale.json["error"]["details"]["outcome"] == "advance"
    assert world.get_interview(made.id).outcome == "advance"
    seen = reply.json["outcome_at"]
    assert client.put(url, json={"outcome": "hire", "seen": seen}, headers=world.headers("admin")).json[
        "outcome"] == "hire"
    assert world.get_interview(made.id).outcome == "hire"
    assert client.put(url, json={"outcome": "hire"}, headers=world.headers("hr_b")).status_code == 404
    open_ = world.interview("a", "in_progress")
    assert client.put(f"/interview/{open_.id}/outcome", json={"outcome": "withdrawn"},
                      headers=world.headers("hr_a")).status_code == 409
    candidate = client.get(f"/interview/{made.id}", headers=world.headers("cand_a")).get_data(as_text=True)
    assert "hire" not in candidate


def test_a_new_owner_after_a_reassignment_rates_blind_with_no_result_or_outcome_in_any_reply(world, client, hr_c):
    """A result and an outcome recorded by the former owner stay hidden from the new owner, who rates
    blind, in the one-interview and list replies alike, until they submit their own rating."""
    made = world.interview("a", "completed")
    client.put(f"/interview/{made.id}/panel/{world['hr_b'].id}", headers=world.headers("hr_a"))
    for who in ("hr_a", "hr_b"):
        assert client.post(f"/interview/{made.id}/rating/submit", json={"version": 1, "items": all_items(made, 3)},
                           headers=world.headers(who)).status_code == 200
    recorded = client.post(f"/interview/{made.id}/results", headers=world.headers("hr_a"),
                           json={"overall_score": 7.5, "overall_feedback": "SECRETFEEDBACK strong"})
    assert recorded.status_code == 200
    assert client.put(f"/interview/{made.id}/outcome", json={"outcome": "hire"},
                      headers=world.headers("hr_a")).json["outcome"] == "hire"
    with world.app.app_context():
        user_service.assign(get_repos(), world["cand_a"].id, hr_c.id, world["admin"])
    try:
        _new_owner_sees_nothing_until_submitting(world, client, made, token_headers(world, hr_c))
    finally:  # the world is shared by the module's tests
        with world.app.app_context():
            user_service.assign(get_repos(), world["cand_a"].id, world["hr_a"].id, world["admin"])


def _new_owner_sees_nothing_until_submitting(world, client, made, me):

    def seen():
        one = client.get(f"/interview/results/{made.id}", headers=me).json
        listed = [r for r in client.get("/interview/results/all", headers=me).json["items"] if r["interview_id"] == made.id]
        everything = [i for i in client.get("/interview/all", headers=me).json["items"] if i["id"] == made.id]
        panel = client.get(f"/interview/{made.id}/panel", headers=me).json
        return ((one["overall_score"], one["overall_feedback"], one["competency_profile"] is not None),
                [(r["overall_score"], r["overall_feedback"]) for r in listed],
                [(i["overall_score"], i["overall_feedback"]) for i in everything], panel["outcome"])

    assert seen() == ((None, "", False), [(None, "")], [(None, "")], None)
    assert client.get(f"/interview/{made.id}/panel", headers=world.headers("admin")).json["outcome"] == "hire"
    assert client.post(f"/interview/{made.id}/rating/submit", json={"version": 1, "items": all_items(made, 4)},
                       headers=me).status_code == 200
    assert seen() == ((7.5, "SECRETFEEDBACK strong", True), [(7.5, "SECRETFEEDBACK strong")],
                      [(7.5, "SECRETFEEDBACK strong")], "hire")


def test_an_outcome_an_admin_records_early_is_hidden_from_raters_still_rating(world, client):
    made = world.interview("a", "completed")
    client.put(f"/interview/{made.id}/panel/{world['hr_b'].id}", headers=world.headers("hr_a"))
    assert client.put(f"/interview/{made.id}/outcome", json={"outcome": "reject"},
                      headers=world.headers("admin")).status_code == 200
    for who in ("hr_a", "hr_b"):
        assert client.get(f"/interview/{made.id}/panel", headers=world.headers(who)).json["outcome"] is None, who
    assert client.post(f"/interview/{made.id}/rating/submit", json={"version": 1, "items": all_items(made, 2)},
                       headers=world.headers("hr_b")).status_code == 200
    assert client.get(f"/interview/{made.id}/panel", headers=world.headers("hr_b")).json["outcome"] == "reject"
    assert client.get(f"/interview/{made.id}/panel", headers=world.headers("hr_a")).json["outcome"] is None
