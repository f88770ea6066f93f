"""The /interview endpoints: happy paths, state conflicts, hostile input, and what candidates may read."""
from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta

import pytest
from api_support import World
from support import saved

from interviewer.db import get_db, get_repos
from interviewer.services import interviews as svc


def now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture
def call(client, world: World):
    """call(actor, method, url, json=...) with a fresh token for `actor`."""

    def do(actor, method, url, **kwargs):
        return client.open(url, method=method, headers={**world.headers(actor), **kwargs.pop("headers", {})},
                           **kwargs)

    return do


def schedule_body(world, who="cand_a", **extra):
    body = {"candidate_id": world[who].id, "job_title": "Platform engineer", "job_description": "Go and Python",
            "starts_at": (now() - timedelta(minutes=5)).isoformat(),
            "deadline": (now() + timedelta(days=1)).isoformat(), "question_source": "default", "num_questions": 3}
    body.update(extra)
    return body


def error_of(response):
    assert response.is_json, response.get_data(as_text=True)[:300]
    error = response.json["error"]
    assert set(error) == {"code", "message", "details"}
    return error


# --- questions and scheduling ------------------------------------------------------------------------

def test_default_questions_hide_reference_answers_from_candidates(call):
    staff = call("hr_a", "GET", "/interview/default-questions").json["items"]
    mine = call("cand_a", "GET", "/interview/default-questions").json["items"]
    assert staff and len(staff) == len(mine)
    assert all(q["reference_answer"] for q in staff)
    assert all(q["reference_answer"] is None and q["key_points"] is None for q in mine)


def test_schedule_default_set(call, world):
    response = call("hr_a", "POST", "/interview/schedule", json=schedule_body(world))
    assert response.status_code == 201, response.json
    body = response.json
    assert body["status"] == "scheduled" and body["candidate_id"] == world["cand_a"].id
    assert body["hr_id"] == world["hr_a"].id and len(body["questions"]) == 3
    assert {"id", "text", "category", "difficulty"} <= set(body["questions"][0])
    for name in ("starts_at", "deadline"):
        assert datetime.fromisoformat(body[name]).utcoffset() == timedelta(0)
    assert call("cand_a", "GET", f"/interview/{body['id']}").json["questions"][0]["reference_answer"] is None


def test_schedule_with_an_id_twice_makes_one_interview(call, world, client):
    from bson import ObjectId

    interviews = get_repos(client.application).interviews
    before = interviews.search().total
    body = schedule_body(world, id=str(ObjectId()))
    first = call("hr_a", "POST", "/interview/schedule", json=body)
    again = call("hr_a", "POST", "/interview/schedule", json={**body, "job_title": "Changed on retry"})
    assert (first.status_code, again.status_code) == (201, 200), (first.json, again.json)
    assert first.json["id"] == again.json["id"] == body["id"]
    assert again.json["job_title"] == "Platform engineer"
    assert interviews.search().total == before + 1
    other = call("admin", "POST", "/interview/schedule", json=body)
    assert other.status_code == 409 and "already used" in error_of(other)["message"]
    bad = call("hr_a", "POST", "/interview/schedule", json=schedule_body(world, id="ABC"))
    assert bad.status_code == 422 and "id" in json.dumps(error_of(bad)["details"])
    assert interviews.search().total == before + 1


def test_schedule_custom_and_generated(call, world):
    custom = schedule_body(world, question_source="custom", questions=[
        {"text": "Explain CAP.", "category": "technical", "difficulty": 4, "reference_answer": "Trade-offs."},
        {"text": "A conflict you solved?", "category": "behavioural"},
    ])
    response = call("admin", "POST", "/interview/schedule", json=custom)
    assert response.status_code == 201, response.json
    assert [q["text"] for q in response.json["questions"]] == ["Explain CAP.", "A conflict you solved?"]
    assert response.json["question_source"] == "custom"
    generated = call("hr_a", "POST", "/interview/schedule", json=schedule_body(world, question_source="generated"))
    assert generated.status_code == 201 and 1 <= len(generated.json["questions"]) <= 3
    assert generated.json["notice"] is None and response.json["notice"] is None


@pytest.mark.parametrize("settings,says", [
    ({"AI_PROVIDER": "gemini", "GEMINI_API_KEY": ""}, "not available"),
    # a configured Gemini that cannot be reached: nothing listens on port 9
    ({"AI_PROVIDER": "gemini", "GEMINI_API_KEY": "k", "GOOGLE_GEMINI_BASE_URL": "http://127.0.0.1:9",
      "AI_RETRIES": 0, "AI_TIMEOUT": 2}, "generation failed"),
])
def test_schedule_generated_falls_back_to_the_bank_and_says_so(api_app, monkeypatch, call, world, settings, says):
    for key, value in settings.items():
        monkeypatch.setitem(api_app.config, key, value)
    response = call("hr_a", "POST", "/interview/schedule", json=schedule_body(world, question_source="generated"))
    assert response.status_code == 201, response.json
    assert says in response.json["notice"] and "default set" in response.json["notice"]
    with api_app.app_context():
        bank = {q.text for q in get_repos(api_app).questions.list(enabled=True)}
    assert {q["text"] for q in response.json["questions"]} <= bank


@pytest.mark.parametrize("change,field", [
    ({"question_source": "custom"}, "questions"),
    ({"questions": [{"text": "Why?"}]}, "questions"),
    ({"starts_at": "2030-01-01T10:00:00"}, "starts_at"),  # no offset
    ({"deadline": "yesterday"}, "deadline"),
    ({"num_questions": 0}, "num_questions"),
    ({"num_questions": 51}, "num_questions"),
    ({"num_questions": "3"}, "num_questions"),
    ({"num_questions": 3.0}, "num_questions"),
    ({"job_title": ""}, "job_title"),
    ({"job_title": "x" * 201}, "job_title"),
    ({"question_source": "magic"}, "question_source"),
    ({"status": "evaluated"}, "status"),  # mass assignment
    ({"hr_id": "65f1c0ffee0000000000abcd"}, "hr_id"),
    ({"overall_score": 10}, "overall_score"),
    ({"candidate_id": {"$ne": None}}, "candidate_id"),
    ({"starts_at": "9999-12-31T23:00:00-05:00"}, "starts_at"),  # out of range in UTC
])
def test_schedule_rejects_bad_input_with_the_field(call, world, change, field):
    response = call("hr_a", "POST", "/interview/schedule", json=schedule_body(world, **change))
    assert response.status_code == 422, response.json
    error = error_of(response)
    assert any(key == field or key.startswith(field + ".") for key in error["details"]), error


def test_schedule_checks_times_in_the_service(call, world):
    body = schedule_body(world, deadline=(now() - timedelta(hours=2)).isoformat(),
                         starts_at=(now() - timedelta(hours=3)).isoformat())
    response = call("hr_a", "POST", "/interview/schedule", json=body)
    assert response.status_code == 422 and "deadline" in error_of(response)["details"]
    body = schedule_body(world, deadline=(now() + timedelta(hours=1)).isoformat(),
                         starts_at=(now() + timedelta(hours=2)).isoformat())
    assert call("hr_a", "POST", "/interview/schedule", json=body).status_code == 422


def test_scheduling_an_unassigned_candidate(call, world):
    """Admin: 409 (the candidate exists but is not assigned); HR: 404 (not one of theirs)."""
    admin = call("admin", "POST", "/interview/schedule", json=schedule_body(world, "cand_free"))
    assert admin.status_code == 409 and error_of(admin)["code"] == "conflict"
    assert call("hr_a", "POST", "/interview/schedule", json=schedule_body(world, "cand_free")).status_code == 404
    assert call("hr_a", "POST", "/interview/schedule", json=schedule_body(world, "hr_b")).status_code == 404


# --- lists -------------------------------------------------------------------------------------------

def test_all_filters_and_paginates(call, world):
    ids = {world.interview("a", "scheduled").id for _ in range(3)}
    other = world.interview("b", "scheduled").id
    seen, page = [], 1
    while page:
        response = call("hr_a", "GET", f"/interview/all?limit=2&page={page}&candidate_id={world['cand_a'].id}")
        assert response.status_code == 200 and len(response.json["items"]) <= 2
        seen += [i["id"] for i in response.json["items"]]
        page = response.json["next_page"]
    assert ids <= set(seen) and other not in seen and len(seen) == len(set(seen))
    admin = call("admin", "GET", "/interview/all?limit=100&status=scheduled").json
    assert {other} | ids <= {i["id"] for i in admin["items"]}
    assert all(i["status"] == "scheduled" for i in admin["items"])
    foreign = call("hr_a", "GET", f"/interview/all?candidate_id={world['cand_b'].id}").json
    assert foreign["items"] == [] and foreign["total"] == 0


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "limit=abc", "page=0", "page=-1", "status=done",
                                   "candidate_id=" + "a" * 65])
def test_all_rejects_bad_query(call, query):
    response = call("admin", "GET", f"/interview/all?{query}")
    assert response.status_code == 422, response.json
    assert error_of(response)["details"]


def test_query_operators_are_plain_text(call, world):
    """?candidate_id[$ne]=x is an unknown parameter (422); candidate_id={"$ne":null} is a string matching nothing."""
    response = call("hr_a", "GET", "/interview/all?candidate_id[$ne]=x")
    assert response.status_code == 422 and "candidate_id[$ne]" in error_of(response)["details"]
    response = call("admin", "GET", "/interview/all?candidate_id=" + json.dumps({"$ne": None}))
    assert response.status_code == 200 and response.json["items"] == []


def test_results_all_lists_only_finished_interviews(call, world):
    done = world.interview("a", "evaluated", shared=False)
    submitted = world.interview("a", "completed")
    running = world.interview("a", "in_progress")
    items = {i["interview_id"]: i for i in call("hr_a", "GET", "/interview/results/all?limit=100").json["items"]}
    assert done.id in items and submitted.id in items and running.id not in items
    assert items[done.id]["overall_score"] == 7.5 and items[done.id]["candidate_name"] == "Cand A"
    assert items[submitted.id]["overall_score"] is None


def test_candidate_lists(call, world):
    upcoming = world.interview("a", "scheduled", starts_at=now() + timedelta(hours=1))
    running = world.interview("a", "in_progress")
    finished = world.interview("a", "evaluated", shared=False)
    me = {i["id"] for i in call("cand_a", "GET", "/interview/candidate/me").json["items"]}
    history = call("cand_a", "GET", "/interview/candidate/history").json["items"]
    assert {upcoming.id, running.id} <= me and finished.id not in me
    mine = {i["id"]: i for i in history}
    assert finished.id in mine and upcoming.id not in mine
    assert mine[finished.id]["overall_score"] is None and mine[finished.id]["shared"] is False
    assert all(q["reference_answer"] is None for i in history for q in i["questions"])
    assert not {i["id"] for i in call("cand_b", "GET", "/interview/candidate/me").json["items"]} & me


# --- answering ------------------------------------------------------------------------------------

def test_submit_response_is_idempotent_per_question(call, world, api_app):
    made = world.interview("a", "scheduled")
    q = made.question_ids[0]
    first = call("cand_a", "POST", "/interview/submit-response",
                 json={"interview_id": made.id, "question_id": q, "answer": "First"})
    second = call("cand_a", "POST", "/interview/submit-response",
                  json={"interview_id": made.id, "question_id": q, "answer": "Second"})
    assert first.status_code == second.status_code == 200
    assert first.json["id"] == second.json["id"] and second.json["answer"] == "Second" and second.json["saved"]
    kept = call("cand_a", "POST", "/interview/submit-response",
                json={"interview_id": made.id, "question_id": q, "answer": "  "})
    assert kept.status_code == 200 and kept.json["saved"] is False and kept.json["reason"] == "kept"
    assert world.responses_of(made.id)[q].answer == "Second"
    assert world.get_interview(made.id).status == "in_progress"
    with api_app.app_context():
        assert get_db().responses.count_documents({"question_id": q}) == 1


@pytest.mark.parametrize("state,starts_in", [("completed", -1), ("evaluated", -1), ("cancelled", -1),
                                             ("scheduled", 2)])
def test_answering_a_closed_or_unopened_interview_is_409(call, world, api_app, state, starts_in):
    made = world.interview("a", "in_progress" if state == "cancelled" else state,
                           starts_at=now() + timedelta(hours=starts_in))
    if state == "cancelled":
        with api_app.app_context():
            svc.cancel(get_repos(), world["hr_a"], made.id, now())
    before = world.responses_of(made.id)
    response = call("cand_a", "POST", "/interview/submit-response",
                    json={"interview_id": made.id, "question_id": made.question_ids[0], "answer": "Late"})
    assert response.status_code == 409 and error_of(response)["code"] == "conflict"
    assert {k: r.answer for k, r in world.responses_of(made.id).items()} == {k: r.answer for k, r in before.items()}


@pytest.mark.parametrize("body,field", [
    ({"answer": {"$ne": None}}, "answer"),
    ({"answer": ["a"]}, "answer"),
    ({"answer": None}, "answer"),
    ({"answer": 42}, "answer"),
    ({"interview_id": {"$ne": None}}, "interview_id"),
    ({"interview_id": {"$gt": ""}}, "interview_id"),
    ({"question_id": {"$regex": ".*"}}, "question_id"),
    ({"answer": "x" * 20_001}, "answer"),
    ({"score": 10}, "score"),  # a candidate can never set a score
    ({"status": "completed"}, "status"),
    ({"seq": 99}, "seq"),
])
def test_submit_response_rejects_operators_and_unknown_fields(call, world, body, field):
    made = world.interview("a", "in_progress")
    q = made.question_ids[0]
    before = world.responses_of(made.id)[q]
    payload = {"interview_id": made.id, "question_id": q, "answer": "Fine", **body}
    response = call("cand_a", "POST", "/interview/submit-response", json=payload)
    assert response.status_code == 422, response.json
    assert field in error_of(response)["details"]
    after = world.responses_of(made.id)[q]
    assert (after.answer, after.score, after.seq) == (before.answer, before.score, before.seq)


def test_submit_response_unknown_question_is_422(call, world):
    made = world.interview("a", "in_progress")
    response = call("cand_a", "POST", "/interview/submit-response",
                    json={"interview_id": made.id, "question_id": "qnope", "answer": "x"})
    assert response.status_code == 422 and "question_id" in error_of(response)["details"]


@pytest.mark.parametrize("raw,status", [
    (b"", 400), (b"not json", 400), (b"{", 400), (b"[]", 422), (b"null", 422), (b'"text"', 422),
    (b'{"interview_id": "\\ud800", "question_id": "q", "answer": "x"}', None),
    (b'{"interview_id": "a", "question_id": "q", "answer": "\\u0000"}', 404),
    (b'{"interview_id": 1e999, "question_id": "q", "answer": "x"}', 422),
    (b'{"interview_id": "a", "question_id": "q", "answer": "x", "answer": {"$ne": null}}', 422),
    (b"\xff\xfe\x00", 400),
])
def test_malformed_bodies_are_client_errors(call, raw, status):
    response = call("cand_a", "POST", "/interview/submit-response", data=raw,
                    headers={"Content-Type": "application/json"})
    assert 400 <= response.status_code < 500, response.get_data(as_text=True)[:300]
    if status is not None:
        assert response.status_code == status, response.json
    error_of(response)


def test_submit_all_saves_everything_and_completes_once(call, world):
    made = world.interview("a", "scheduled", n=3)
    answers = [{"question_id": q, "answer": f"Answer {n}"} for n, q in enumerate(made.question_ids)]
    first = call("cand_a", "POST", "/interview/submit-all", json={"interview_id": made.id, "responses": answers})
    assert first.status_code == 200, first.json
    assert first.json["interview"]["status"] == "completed"
    assert [r["answer"] for r in first.json["responses"]] == ["Answer 0", "Answer 1", "Answer 2"]
    assert all(r["ai_evaluation"] is None and r["score"] is None for r in first.json["responses"])
    again = call("cand_a", "POST", "/interview/submit-all", json={"interview_id": made.id, "responses": answers})
    assert again.status_code == 409 and error_of(again)["code"] == "conflict"
    assert world.get_interview(made.id).status == "completed"


@pytest.mark.parametrize("responses,field", [
    (lambda qs: [{"question_id": qs[0], "answer": "a"}, {"question_id": qs[0], "answer": "b"}],
     "responses.1.question_id"),
    (lambda qs: [{"question_id": qs[0], "answer": "a"}, {"question_id": "qzz", "answer": "b"}],
     "responses.1.question_id"),
    (lambda qs: [{"question_id": qs[0], "answer": {"$ne": None}}], "responses.0.answer"),
    (lambda qs: [{"question_id": qs[0], "answer": "a", "score": 9}], "responses.0.score"),
])
def test_submit_all_checks_every_answer_before_saving_any(call, world, responses, field):
    made = world.interview("a", "scheduled", n=2)
    response = call("cand_a", "POST", "/interview/submit-all",
                    json={"interview_id": made.id, "responses": responses(made.question_ids)})
    assert response.status_code == 422 and field in error_of(response)["details"], response.json
    assert saved(world.responses_of(made.id)) == {} and world.get_interview(made.id).status == "scheduled"


def test_parallel_saves_of_one_answer_leave_one_document(world, api_app):
    """Eight clients save the same question at once: one document, holding an answer that was sent,
    with the highest sequence number any save reported (the newest save wins)."""
    made = world.interview("a", "scheduled")
    q = made.question_ids[0]
    headers = [world.headers("cand_a") for _ in range(8)]
    barrier = threading.Barrier(8)
    results: list = [None] * 8

    def save(n):
        client = api_app.test_client()
        barrier.wait()
        results[n] = client.post("/interview/submit-response", headers=headers[n],
                                 json={"interview_id": made.id, "question_id": q, "answer": f"Answer {n}"})

    threads = [threading.Thread(target=save, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert [r.status_code for r in results] == [200] * 8, [r.get_data(as_text=True)[:200] for r in results]
    with api_app.app_context():
        docs = list(get_db().responses.find({"question_id": q}))
    assert len(docs) == 1
    stored = docs[0]
    assert stored["answer"] in {f"Answer {n}" for n in range(8)}
    assert any(r.json["saved"] for r in results)
    winners = [r.json for r in results if r.json["saved"] and r.json["answer"] == stored["answer"]]
    assert winners, "the stored answer was reported saved by its request"
    assert world.get_interview(made.id).status == "in_progress"


# --- results and evaluation ------------------------------------------------------------------------

@pytest.mark.parametrize("state", ["scheduled", "in_progress"])
def test_results_before_completion_are_409_and_change_nothing(call, world, state):
    made = world.interview("a", state)
    body = {"overall_score": 8, "overall_feedback": "Early",
            "responses": [{"response_id": r.id, "score": 5} for r in made.responses]}
    response = call("hr_a", "POST", f"/interview/{made.id}/results", json=body)
    assert response.status_code == 409 and error_of(response)["code"] == "conflict"
    after = world.get_interview(made.id)
    assert after.status == state and after.overall_score is None
    assert all(r.score is None for r in world.responses_of(made.id).values())


def test_results_record_scores_and_share(call, world):
    made = world.interview("a", "completed", n=2, answers=2)
    body = {"overall_score": 8.5, "overall_feedback": "Good work",
            "responses": [{"response_id": made.responses[0].id, "score": 9, "feedback": "Great"},
                          {"response_id": made.responses[1].id, "score": 7.5}]}
    response = call("hr_a", "POST", f"/interview/{made.id}/results", json=body)
    assert response.status_code == 200, response.json
    assert response.json["status"] == "evaluated" and response.json["overall_score"] == 8.5
    assert response.json["shared"] is False
    assert call("cand_a", "GET", f"/interview/results/{made.id}").status_code == 404
    hidden = call("cand_a", "GET", f"/interview/{made.id}/responses").json["items"]
    assert all(r["score"] is None and r["feedback"] == "" for r in hidden)
    staff = call("hr_a", "GET", f"/interview/results/{made.id}").json
    assert staff["overall_score"] == 8.5 and staff["shared"] is False
    assert [p["name"] for p in staff["competency_profile"]] == ["Overall answer quality"]

    shared = call("hr_a", "POST", f"/interview/{made.id}/results", json={**body, "share_with_candidate": True})
    assert shared.status_code == 200 and shared.json["shared"] is True
    mine = call("cand_a", "GET", f"/interview/results/{made.id}")
    assert mine.status_code == 200
    assert (mine.json["overall_score"], mine.json["overall_feedback"]) == (8.5, "Good work")
    assert mine.json["candidate_name"] is None and mine.json["competency_profile"] is None
    scores = {r["id"]: r["score"] for r in call("cand_a", "GET", f"/interview/{made.id}/responses").json["items"]}
    assert scores == {made.responses[0].id: 9.0, made.responses[1].id: 7.5}

    corrected = call("hr_a", "POST", f"/interview/{made.id}/results", json={"overall_score": 8})
    assert corrected.status_code == 200 and corrected.json["shared"] is True  # left out: unchanged
    assert corrected.json["overall_score"] == 8 and corrected.json["overall_feedback"] == "Good work"  # kept
    rescored = call("hr_a", "POST", f"/interview/{made.id}/results",
                    json={"overall_score": 8, "responses": [{"response_id": made.responses[0].id, "score": 8}]})
    assert rescored.status_code == 200
    kept = {r["id"]: r["feedback"] for r in call("hr_a", "GET", f"/interview/{made.id}/responses").json["items"]}
    assert kept[made.responses[0].id] == "Great"  # a score correction does not blank the feedback
    cleared = call("hr_a", "POST", f"/interview/{made.id}/results", json={"overall_score": 8, "overall_feedback": ""})
    assert cleared.json["overall_feedback"] == ""
    hidden_again = call("hr_a", "POST", f"/interview/{made.id}/results",
                        json={"overall_score": 8, "share_with_candidate": False})
    assert hidden_again.json["shared"] is False
    assert call("cand_a", "GET", f"/interview/results/{made.id}").status_code == 404


@pytest.mark.parametrize("body,field", [
    ({"overall_score": 3.14}, "overall_score"),
    ({"overall_score": 11}, "overall_score"),
    ({"overall_score": -1}, "overall_score"),
    ({"overall_score": "7"}, "overall_score"),
    ({"overall_score": True}, "overall_score"),
    ({"overall_score": {"$gt": 0}}, "overall_score"),
    ({"overall_score": 7, "status": "completed"}, "status"),
    ({"overall_score": 7, "responses": [{"response_id": "65f1c0ffee0000000000abcd", "score": 5}]},
     "responses.0.response_id"),
    ({"overall_score": 7, "responses": [{"response_id": "{resp}", "score": 5.55}]}, "responses.0.score"),
    ({"overall_score": 7, "responses": [{"response_id": "{resp}", "score": 5, "ai_evaluation": {}}]},
     "responses.0.ai_evaluation"),
    ({"overall_score": 7, "share_with_candidate": "yes"}, "share_with_candidate"),
])
def test_results_reject_bad_scores_before_writing(call, world, body, field):
    made = world.interview("a", "completed")
    text = json.dumps(body).replace("{resp}", made.responses[0].id)
    response = call("hr_a", "POST", f"/interview/{made.id}/results", data=text,
                    headers={"Content-Type": "application/json"})
    assert response.status_code == 422, response.json
    assert field in error_of(response)["details"]
    assert world.get_interview(made.id).status == "completed"
    assert all(r.score is None for r in world.responses_of(made.id).values())


def test_a_response_of_another_interview_cannot_be_scored_through_mine(call, world):
    mine, theirs = world.interview("a", "completed"), world.interview("b", "completed")
    response = call("admin", "POST", f"/interview/{mine.id}/results",
                    json={"overall_score": 5, "responses": [{"response_id": theirs.responses[0].id, "score": 1}]})
    assert response.status_code == 422
    assert world.responses_of(theirs.id)[theirs.responses[0].question_id].score is None


def test_evaluate_runs_and_is_hidden_from_candidates(call, world):
    made = world.interview("a", "completed")
    rid = made.responses[0].id
    response = call("hr_a", "POST", f"/interview/responses/{rid}/evaluate")
    assert response.status_code == 200, response.json
    assert response.json["ai_job"]["state"] == "done"
    assert 0 <= response.json["ai_evaluation"]["score"] <= 10 and response.json["ai_evaluation"]["provider"] == "local"
    staff = call("hr_a", "GET", f"/interview/{made.id}/responses").json["items"][0]
    assert staff["ai_evaluation"]["score"] == response.json["ai_evaluation"]["score"]
    mine = call("cand_a", "GET", f"/interview/{made.id}/responses").json["items"][0]
    assert mine["ai_evaluation"] is None and mine["ai_job"] is None


def test_evaluate_queued_answers_202_with_pending_state(call, world, api_app):
    made = world.interview("a", "completed")
    api_app.config["AI_EXECUTOR"] = "manual"
    try:
        response = call("hr_a", "POST", f"/interview/responses/{made.responses[0].id}/evaluate")
    finally:
        api_app.config["AI_EXECUTOR"] = "inline"
    assert response.status_code == 202 and response.json["ai_job"]["state"] == "pending"
    assert response.json["ai_evaluation"] is None


def test_evaluate_needs_a_completed_interview_and_an_answer(call, world):
    running = world.interview("a", "in_progress")
    assert call("hr_a", "POST", f"/interview/responses/{running.responses[0].id}/evaluate").status_code == 409
    empty = world.interview("a", "in_progress", answers=1)
    with world.app.app_context():
        svc.save_answer(get_repos(), world["cand_a"], empty.id, empty.question_ids[0], "", now(), cleared=True)
        svc.submit(get_repos(), world["cand_a"], empty.id, now())
    response = call("hr_a", "POST", f"/interview/responses/{empty.responses[0].id}/evaluate")
    assert response.status_code == 409 and "no answer" in error_of(response)["message"]


def test_staff_see_results_of_an_unfinished_interview_as_nulls(call, world):
    made = world.interview("a", "in_progress")
    response = call("hr_a", "GET", f"/interview/results/{made.id}")
    assert response.status_code == 200
    assert response.json["status"] == "in_progress" and response.json["overall_score"] is None


# --- protocol errors -----------------------------------------------------------------------------------

@pytest.mark.parametrize("method,url,status", [
    ("PUT", "/interview/schedule", 405),
    ("DELETE", "/interview/all", 405),
    ("GET", "/interview/submit-all", 404),  # read as /interview/{interview_id}
    ("GET", "/interview/nope/nothing", 404),
    ("GET", "/interview/%00", 404),
    ("GET", "/interview/" + "f" * 24, 404),
    ("PATCH", "/auth/token", 405),
])
def test_protocol_errors_are_json(call, method, url, status):
    response = call("admin", method, url)
    assert response.status_code == status
    error_of(response)


def test_a_422_names_at_most_20_fields_and_cuts_long_keys(call, world):
    """A client's huge dictionary key is not echoed back whole, nor a thousand field errors."""
    many = call("cand_a", "PUT", "/interview/self-identification",
                json={"answers": {f"d{i}": "y" * 200 for i in range(1_000)}})
    assert many.status_code == 422 and len(many.get_data()) < 3_000
    details = many.json["error"]["details"]
    assert len(details) == 21 and details["more"] == "980 more problems not listed."
    long_key = call("cand_a", "PUT", "/interview/self-identification", json={"answers": {"k" * 20_000: "x"}})
    assert long_key.status_code == 422 and len(long_key.get_data()) < 1_000
    assert list(long_key.json["error"]["details"]) == ["answers." + "k" * 60 + "…" + ".[key]"]
