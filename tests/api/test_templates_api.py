"""The JSON API of competencies and interview templates: CRUD, compare-and-set edits (409 with the
current values), scheduling many candidates in one call, idempotency, and stored state."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from bson import ObjectId

from interviewer.db import get_repos

ANCHORS = ["None shown.", "Some.", "Meets it.", "Beyond it.", "A model for others."]


def examples(client, world) -> dict[str, dict]:
    reply = client.get("/interview/competencies?limit=100", headers=world.headers("hr_a"))
    assert reply.status_code == 200
    return {c["name"]: c for c in reply.json["items"]}


def template_body(found, **over):
    a, b = found["Problem solving"]["id"], found["Communication"]["id"]
    body = {"name": f"Backend {uuid.uuid4().hex[:6]}", "job_title": "Backend engineer", "job_description": "Python",
            "competency_ids": [a, b], "window_hours": 48,
            "questions": [{"text": "Design a cache.", "competency_ids": [a], "key_points": ["eviction"]},
                          {"text": "Explain it simply.", "competency_ids": [a, b]}]}
    body.update(over)
    return body


def test_competency_crud_and_conflict(client, world, api_app):
    hr = world.headers("hr_a")
    name = f"Negotiation {uuid.uuid4().hex[:6]}"
    made = client.post("/interview/competencies", json={"name": name, "anchors": ANCHORS}, headers=hr)
    assert made.status_code == 201 and made.json["version"] == 1
    cid = made.json["id"]
    dup = client.post("/interview/competencies", json={"name": name.upper(), "anchors": ANCHORS}, headers=hr)
    assert dup.status_code == 422 and "name" in dup.json["error"]["details"]
    short = client.post("/interview/competencies", json={"name": "Four", "anchors": ANCHORS[:4]}, headers=hr)
    assert short.status_code == 422
    edit = client.put(f"/interview/competencies/{cid}", json={"name": name, "description": "One.",
                                                              "anchors": ANCHORS, "version": 1}, headers=hr)
    assert edit.status_code == 200 and edit.json["version"] == 2
    stale = client.put(f"/interview/competencies/{cid}", json={"name": name, "description": "Two.",
                                                               "anchors": ANCHORS, "version": 1},
                       headers=world.headers("admin"))
    assert stale.status_code == 409 and stale.json["error"]["details"]["description"] == "One."
    not_theirs = client.put(f"/interview/competencies/{cid}", json={"name": name, "description": "Three.",
                                                                    "anchors": ANCHORS, "version": 2},
                            headers=world.headers("hr_b"))
    assert not_theirs.status_code == 403 and "Copy it" in not_theirs.json["error"]["message"]
    with api_app.app_context():
        assert get_repos().competencies.get(cid).description == "One."
    copied = client.post(f"/interview/competencies/{cid}/copy", headers=hr)
    assert copied.status_code == 201 and copied.json["name"] == f"{name} (copy)"
    assert client.get(f"/interview/competencies/{ObjectId()}", headers=hr).status_code == 404
    assert client.get("/interview/competencies", headers=world.headers("cand_a")).status_code == 403


def test_template_crud_conflict_copy_archive(client, world, api_app):
    found = examples(client, world)
    hr = world.headers("hr_a")
    made = client.post("/interview/templates", json=template_body(found), headers=hr)
    assert made.status_code == 201, made.json
    tid = made.json["id"]
    assert client.get(f"/interview/templates/{tid}", headers=world.headers("hr_b")).status_code == 404
    assert client.get(f"/interview/templates/{tid}", headers=world.headers("admin")).status_code == 200
    body = template_body(found, name=made.json["name"], window_hours=24, version=1)
    assert client.put(f"/interview/templates/{tid}", json=body, headers=hr).json["version"] == 2
    again = client.put(f"/interview/templates/{tid}", json=body, headers=hr)  # resent; questions without ids
    assert again.status_code == 200 and again.json["version"] == 2, again.json
    stale = client.put(f"/interview/templates/{tid}", json={**body, "window_hours": 72}, headers=hr)
    assert stale.status_code == 409 and stale.json["error"]["details"]["window_hours"] == 24
    copied = client.post(f"/interview/templates/{tid}/copy", headers=hr)
    assert copied.status_code == 201 and len(copied.json["questions"]) == 2
    archived = client.post(f"/interview/templates/{tid}/archive", json={"archived": True, "version": 2}, headers=hr)
    assert archived.status_code == 200 and archived.json["archived"]
    listed = client.get("/interview/templates?archived=true", headers=hr).json["items"]
    assert tid in [t["id"] for t in listed]
    refused = client.post(f"/interview/templates/{tid}/schedule", headers=hr, json={
        "batch_id": str(ObjectId()), "starts_at": (datetime.now(UTC) + timedelta(hours=1)).isoformat(),
        "candidate_ids": [world["cand_a"].id]})
    assert refused.status_code == 409


@pytest.mark.parametrize("over", [
    {"competency_ids": [str(ObjectId())]}, {"window_hours": 0}, {"window_hours": 10**12}, {"questions": []},
    {"name": ""}, {"extra": 1},
])
def test_bad_templates_are_4xx_and_not_stored(client, world, api_app, over):
    found = examples(client, world)
    with api_app.app_context():
        before = get_repos().templates.page(None).total
    reply = client.post("/interview/templates", json=template_body(found, **over), headers=world.headers("hr_a"))
    assert reply.status_code == 422 and reply.json["error"]["details"]
    with api_app.app_context():
        assert get_repos().templates.page(None).total == before


def test_a_competency_without_a_question_is_422(client, world):
    found = examples(client, world)
    body = template_body(found)
    body["questions"] = [body["questions"][0]]
    reply = client.post("/interview/templates", json=body, headers=world.headers("hr_a"))
    assert reply.status_code == 422 and "Communication" in reply.json["error"]["details"]["competency_ids"]


def test_bulk_schedule_through_the_api(client, world, api_app):
    found = examples(client, world)
    hr = world.headers("hr_a")
    tid = client.post("/interview/templates", json=template_body(found), headers=hr).json["id"]
    body = {"batch_id": str(ObjectId()), "starts_at": (datetime.now(UTC) + timedelta(hours=5)).isoformat(),
            "candidate_ids": [world["cand_a"].id, world["cand_b"].id, world["cand_a"].id, "nope"]}
    first = client.post(f"/interview/templates/{tid}/schedule", json=body, headers=hr)
    assert first.status_code == 201, first.json
    assert [o["code"] for o in first.json["outcomes"]] == ["created", "unknown", "duplicate_in_request", "unknown"]
    foreign, _, made_up = first.json["outcomes"][1:]  # F5: one refusal for both, no name
    assert foreign["message"] == made_up["message"] and world["cand_b"].name not in str(first.json)
    again = client.post(f"/interview/templates/{tid}/schedule", json=body, headers=hr)
    assert again.status_code == 200 and again.json["outcomes"][0]["code"] == "already_done"
    with api_app.app_context():
        interview = get_repos().interviews.get(first.json["outcomes"][0]["interview_id"])
        assert interview.template_id == tid and interview.questions[0].competency_ids == [found["Problem solving"]["id"]]
        assert interview.deadline - interview.starts_at == timedelta(hours=48)
    past = client.post(f"/interview/templates/{tid}/schedule", headers=hr, json={
        **body, "batch_id": str(ObjectId()), "starts_at": "2000-01-01T00:00:00+00:00"})
    assert past.status_code == 422 and "starts_at" in past.json["error"]["details"]
    for far in ("9999-12-31T00:00:00Z", "9999-12-30T00:00:00+00:00", "9998-12-31T23:30:00-05:00"):  # 9999 in UTC
        reply = client.post(f"/interview/templates/{tid}/schedule", headers=hr,
                            json={**body, "batch_id": str(ObjectId()), "starts_at": far})
        assert reply.status_code == 422 and "starts_at" in str(reply.json["error"]["details"]), (far, reply.json)
    latest = client.post(f"/interview/templates/{tid}/schedule", headers=hr,
                         json={**body, "batch_id": str(ObjectId()), "starts_at": "9998-12-31T20:00:00Z"})
    assert latest.status_code == 201 and latest.json["deadline"].startswith("9999-01-02T20:00")


def test_a_batch_id_reused_on_another_template_schedules_there(client, world, api_app):
    """F6: the same batch_id sent to a second template schedules from it, and the first template's
    interview gains no response."""
    found = examples(client, world)
    hr = world.headers("hr_a")
    t1 = client.post("/interview/templates", json=template_body(found), headers=hr).json["id"]
    t2 = client.post("/interview/templates", json={**template_body(found), "name": "Second"}, headers=hr).json["id"]
    body = {"batch_id": str(ObjectId()), "starts_at": (datetime.now(UTC) + timedelta(hours=5)).isoformat(),
            "candidate_ids": [world["cand_a"].id]}
    first = client.post(f"/interview/templates/{t1}/schedule", json=body, headers=hr)
    second = client.post(f"/interview/templates/{t2}/schedule", json=body, headers=hr)
    assert first.status_code == 201 and second.status_code == 201, second.json
    one, two = first.json["outcomes"][0]["interview_id"], second.json["outcomes"][0]["interview_id"]
    assert one != two
    with api_app.app_context():
        repos = get_repos()
        assert repos.interviews.get(two).template_id == t2
        assert len(repos.responses.for_interview(one)) == len(repos.interviews.get(one).questions)


def test_an_interview_from_a_template_shows_its_template_and_competencies_to_staff_only(client, world):
    found = examples(client, world)
    hr = world.headers("hr_a")
    tid = client.post("/interview/templates", json=template_body(found, require_evidence=True), headers=hr).json["id"]
    body = {"batch_id": str(ObjectId()), "starts_at": (datetime.now(UTC) + timedelta(hours=1)).isoformat(),
            "candidate_ids": [world["cand_a"].id]}
    interview_id = client.post(f"/interview/templates/{tid}/schedule", json=body, headers=hr).json["outcomes"][0]["interview_id"]
    staff = client.get(f"/interview/{interview_id}", headers=hr).json
    a, b = found["Problem solving"], found["Communication"]
    assert staff["template_id"] == tid
    assert [(c["id"], c["name"], c["anchors"]) for c in staff["competencies"]] == [
        (a["id"], "Problem solving", a["anchors"]), (b["id"], "Communication", b["anchors"])]
    assert [q["competency_ids"] for q in staff["questions"]] == [[a["id"]], [a["id"], b["id"]]]
    candidate = client.get(f"/interview/{interview_id}", headers=world.headers("cand_a")).json
    assert candidate["template_id"] is None and candidate["competencies"] is None
    assert candidate["require_evidence"] is None and candidate["questions"][0]["competency_ids"] is None
    by_hand = client.get("/interview/all", headers=hr).json["items"]
    assert all(i["competencies"] == [] or i["template_id"] for i in by_hand)
