"""POST /interview/{id}/results takes the web form's precondition: `seen`, the `evaluated_at` the client
read (and, per answer, the `scored_at`). A result or score recorded since is 409 with it, nothing written;
the same values twice are accepted; without `seen` the last write wins and the audit trail keeps both."""
from __future__ import annotations

import os
import threading

import pytest
from api_support import World
from support import embedded

from interviewer.clock import utcnow
from interviewer.db import get_repos
from interviewer.services import interviews as svc


@pytest.fixture
def call(client, world: World):
    def do(actor, method, url, **kwargs):
        return client.open(url, method=method, headers=world.headers(actor), **kwargs)

    return do


def result_events(world, interview_id) -> list[dict]:
    with world.app.app_context():
        return [e for e in get_repos().audit.for_interview(interview_id) if e["action"] == "interview.result"]


def test_two_results_at_once_the_second_is_refused_with_the_first(call, world):
    made = world.interview("a", "completed")
    url = f"/interview/{made.id}/results"
    seen = call("hr_a", "GET", f"/interview/{made.id}").json["evaluated_at"] or ""  # both read: no result yet
    assert seen == ""
    first = call("hr_a", "POST", url, json={"overall_score": 3, "overall_feedback": "HR's", "seen": seen})
    assert first.status_code == 200, first.json
    refused = call("admin", "POST", url, json={"overall_score": 7, "overall_feedback": "Admin's", "seen": seen})
    assert refused.status_code == 409, refused.json
    error = refused.json["error"]
    assert "meanwhile (3/10)" in error["message"]
    assert (error["details"]["overall_score"], error["details"]["overall_feedback"]) == (3, "HR's")
    assert error["details"]["evaluated_at"] == first.json["evaluated_at"]
    stored = world.get_interview(made.id)
    assert (stored.overall_score, stored.overall_feedback) == (3.0, "HR's")  # nothing written
    assert len(result_events(world, made.id)) == 1
    # Having read the stored result, the admin replaces it knowingly ("Z" names the same time).
    again = call("admin", "POST", url, json={"overall_score": 7, "overall_feedback": "Admin's",
                                             "seen": error["details"]["evaluated_at"].replace("+00:00", "Z")})
    assert again.status_code == 200 and again.json["overall_score"] == 7
    assert world.get_interview(made.id).overall_score == 7.0


def at_once(api_app, world, requests: list[tuple[str, str, dict]]) -> list:
    """Send (actor, url, body) POSTs from as many threads, released together."""
    headers = [world.headers(actor) for actor, _, _ in requests]
    barrier, replies = threading.Barrier(len(requests)), [None] * len(requests)

    def send(n):
        client = api_app.test_client()
        barrier.wait()
        replies[n] = client.post(requests[n][1], headers=headers[n], json=requests[n][2])

    threads = [threading.Thread(target=send, args=(n,)) for n in range(len(requests))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return replies


@pytest.mark.skipif(not (embedded() or os.environ.get("TEST_MONGO_URI")),
                    reason="mongomock's updates are not atomic across threads; the embedded store's and MongoDB's are")
@pytest.mark.parametrize("trial", range(4))
def test_hr_and_an_admin_posting_at_once_one_wins_the_other_is_told(api_app, world, trial):
    """The tester's scenario: overall 3 and 7 at once, both having read no result; per answer 2 and 8."""
    made = world.interview("a", "completed")
    url = f"/interview/{made.id}/results"
    answer = made.responses[0].id
    bodies = {"hr_a": (3, 2), "admin": (7, 8)}
    replies = at_once(api_app, world, [
        (actor, url, {"overall_score": overall, "seen": "",
                      "responses": [{"response_id": answer, "score": score, "feedback": actor, "seen": ""}]})
        for actor, (overall, score) in bodies.items()])
    codes = sorted(r.status_code for r in replies)
    assert codes == [200, 409], [r.get_data(as_text=True)[:300] for r in replies]
    winner = next(actor for actor, r in zip(bodies, replies, strict=True) if r.status_code == 200)
    stored = world.get_interview(made.id)
    response = world.responses_of(made.id)[made.question_ids[0]]
    # What is stored is wholly the winner's: the refused call wrote nothing of itself.
    assert stored.overall_score == bodies[winner][0]
    assert (response.score, response.feedback) == (bodies[winner][1], winner)
    loser = next(r for r in replies if r.status_code == 409).json["error"]["details"]
    assert loser.get("overall_score", loser.get("score")) in bodies[winner]


def test_a_stale_read_is_refused_and_the_same_values_twice_accepted(call, world):
    made = world.interview("a", "evaluated")  # 7.5 "Solid." recorded
    url = f"/interview/{made.id}/results"
    read = call("hr_a", "GET", f"/interview/results/{made.id}").json["evaluated_at"]
    body = {"overall_score": 6, "overall_feedback": "Revised", "seen": read}
    assert call("hr_a", "POST", url, json=body).status_code == 200
    repeat = call("hr_a", "POST", url, json=body)  # a retry of the same call: accepted, nothing new written
    assert repeat.status_code == 200 and repeat.json["overall_score"] == 6
    assert len(result_events(world, made.id)) == 2  # the first result and the revision
    stale = call("admin", "POST", url, json={"overall_score": 2, "overall_feedback": "", "seen": read})
    assert stale.status_code == 409 and stale.json["error"]["details"]["overall_score"] == 6
    assert world.get_interview(made.id).overall_score == 6.0


def test_without_seen_the_last_write_wins_and_the_audit_trail_keeps_both(call, world):
    made = world.interview("a", "completed")
    url = f"/interview/{made.id}/results"
    assert call("hr_a", "POST", url, json={"overall_score": 3}).status_code == 200
    assert call("admin", "POST", url, json={"overall_score": 7}).status_code == 200
    assert world.get_interview(made.id).overall_score == 7.0
    events = result_events(world, made.id)
    assert [e["after"]["overall_score"] for e in events] == [3.0, 7.0]


def test_an_answer_scored_since_refuses_the_whole_call(call, world):
    made = world.interview("a", "completed", n=2, answers=2)
    url = f"/interview/{made.id}/results"
    items = call("hr_a", "GET", f"/interview/{made.id}/responses").json["items"]
    assert [r["scored_at"] for r in items] == [None, None]
    with world.app.app_context():  # someone scores answer 2 after this client read
        svc.score_response(get_repos(), world["admin"], made.id, made.question_ids[1], "9", "Admin's", utcnow())
    body = {"overall_score": 5, "seen": "",
            "responses": [{"response_id": items[0]["id"], "score": 4, "seen": items[0]["scored_at"] or ""},
                          {"response_id": items[1]["id"], "score": 2, "seen": items[1]["scored_at"] or ""}]}
    refused = call("hr_a", "POST", url, json=body)
    assert refused.status_code == 409, refused.json
    details = refused.json["error"]["details"]
    assert (details["response_id"], details["score"], details["feedback"]) == (items[1]["id"], 9, "Admin's")
    # Refused whole, before its first write: answer 1 and the result are untouched too.
    stored = world.responses_of(made.id)
    assert [stored[q].score for q in made.question_ids] == [None, 9.0]
    assert world.get_interview(made.id).overall_score is None
    # With what is stored now, the call goes through; sent twice, it is accepted twice.
    fresh = {r["id"]: r["scored_at"] or "" for r in call("hr_a", "GET", f"/interview/{made.id}/responses").json["items"]}
    assert fresh[items[1]["id"]] == details["scored_at"]
    body["responses"] = [{**r, "seen": fresh[r["response_id"]]} for r in body["responses"]]
    for _ in range(2):
        assert call("hr_a", "POST", url, json=body).status_code == 200
    stored = world.responses_of(made.id)
    assert [stored[q].score for q in made.question_ids] == [4.0, 2.0]
    assert world.get_interview(made.id).overall_score == 5.0


@pytest.mark.parametrize("field", ["seen", "responses.0.seen"])
@pytest.mark.parametrize("value", ["tuesday", "2026-02-30T00:00:00+00:00", "٢٠٢٦-01-01T00:00:00+00:00", "x" * 41])
def test_an_unreadable_seen_is_a_422_naming_it(call, world, field, value):
    made = world.interview("a", "completed")
    body = {"overall_score": 5, "responses": [{"response_id": made.responses[0].id, "score": 5}]}
    if field == "seen":
        body["seen"] = value
    else:
        body["responses"][0]["seen"] = value
    response = call("hr_a", "POST", f"/interview/{made.id}/results", json=body)
    assert response.status_code == 422 and field in response.json["error"]["details"]
    assert world.get_interview(made.id).overall_score is None
    assert world.responses_of(made.id)[made.question_ids[0]].score is None


def test_candidates_never_read_scored_at(call, world):
    made = world.interview("a", "evaluated", shared=True)
    with world.app.app_context():
        svc.score_response(get_repos(), world["hr_a"], made.id, made.question_ids[0], "6", "", utcnow())
    staff = call("hr_a", "GET", f"/interview/{made.id}/responses").json["items"][0]
    mine = call("cand_a", "GET", f"/interview/{made.id}/responses").json["items"][0]
    assert staff["scored_at"] and mine["scored_at"] is None and mine["score"] == 6


def test_the_precondition_is_documented(client):
    schemas = client.get("/openapi.json").json["components"]["schemas"]
    results = schemas["ResultsIn"]["properties"]["seen"]["description"]
    assert "evaluated_at" in results and "409" in results and "last write wins" in results and "audit" in results
    assert "scored_at" in schemas["ResponseScoreIn"]["properties"]["seen"]["description"]
    assert "seen" in schemas["ResponseOut"]["properties"]["scored_at"]["description"]
