"""Who may do what, as data: every API route × six actors × {own, other's, missing} object.

`own` is the object of the actor's side (A: cand_a, hr_a, admin, anonymous; B: cand_b, hr_b),
`other` the other side's, `missing` a well-formed id that exists nowhere. An entry is one
status for all three objects, or a tuple (own, other, missing). A route of the API blueprint
that is not in MATRIX fails `test_every_route_is_in_the_matrix`.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from api_support import ACTORS, PASSWORD
from bson import ObjectId

OK_OR_QUEUED = frozenset({200, 202})

# (method, path) → {actor: status | (own, other, missing)}
MATRIX: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/auth/token"): {
        # own: the actor's e-mail (anonymous: cand A's) with the right password; other: someone else's
        # e-mail with a wrong password; missing: an unknown e-mail.
        "anonymous": (200, 401, 401), "cand_a": (200, 401, 401), "cand_b": (200, 401, 401),
        "hr_a": (200, 401, 401), "hr_b": (200, 401, 401), "admin": (200, 401, 401)},
    ("DELETE", "/auth/token"): {
        "anonymous": 401, "cand_a": 204, "cand_b": 204, "hr_a": 204, "hr_b": 204, "admin": 204},
    ("GET", "/auth/me"): {
        "anonymous": 401, "cand_a": 200, "cand_b": 200, "hr_a": 200, "hr_b": 200, "admin": 200},
    ("GET", "/interview/default-questions"): {
        "anonymous": 401, "cand_a": 200, "cand_b": 200, "hr_a": 200, "hr_b": 200, "admin": 200},
    ("POST", "/interview/schedule"): {  # the object is the candidate
        "anonymous": 401, "cand_a": 403, "cand_b": 403,
        "hr_a": (201, 404, 404), "hr_b": (201, 404, 404), "admin": (201, 201, 404)},
    ("GET", "/interview/all"): {  # the object is the candidate_id filter
        "anonymous": 401, "cand_a": 403, "cand_b": 403, "hr_a": 200, "hr_b": 200, "admin": 200},
    ("GET", "/interview/results/all"): {
        "anonymous": 401, "cand_a": 403, "cand_b": 403, "hr_a": 200, "hr_b": 200, "admin": 200},
    ("POST", "/interview/submit-response"): {
        "anonymous": 401, "cand_a": (200, 404, 404), "cand_b": (200, 404, 404),
        "hr_a": 403, "hr_b": 403, "admin": 403},
    ("POST", "/interview/submit-all"): {
        "anonymous": 401, "cand_a": (200, 404, 404), "cand_b": (200, 404, 404),
        "hr_a": 403, "hr_b": 403, "admin": 403},
    ("GET", "/interview/candidate/me"): {
        "anonymous": 401, "cand_a": 200, "cand_b": 200, "hr_a": 403, "hr_b": 403, "admin": 403},
    ("GET", "/interview/candidate/history"): {
        "anonymous": 401, "cand_a": 200, "cand_b": 200, "hr_a": 403, "hr_b": 403, "admin": 403},
    ("GET", "/interview/results/{interview_id}"): {  # evaluated and shared
        "anonymous": 401, "cand_a": (200, 404, 404), "cand_b": (200, 404, 404),
        "hr_a": (200, 404, 404), "hr_b": (200, 404, 404), "admin": (200, 200, 404)},
    ("POST", "/interview/{interview_id}/results"): {  # completed
        "anonymous": 401, "cand_a": 403, "cand_b": 403,
        "hr_a": (200, 404, 404), "hr_b": (200, 404, 404), "admin": (200, 200, 404)},
    ("POST", "/interview/responses/{response_id}/evaluate"): {  # an answer of a completed interview
        "anonymous": 401, "cand_a": 403, "cand_b": 403,
        "hr_a": (OK_OR_QUEUED, 404, 404), "hr_b": (OK_OR_QUEUED, 404, 404),
        "admin": (OK_OR_QUEUED, OK_OR_QUEUED, 404)},
    ("GET", "/interview/ai-notice"): {
        "anonymous": 401, "cand_a": 200, "cand_b": 200, "hr_a": 200, "hr_b": 200, "admin": 200},
    ("POST", "/interview/ai-notice"): {
        "anonymous": 401, "cand_a": 200, "cand_b": 200, "hr_a": 403, "hr_b": 403, "admin": 403},
    ("POST", "/interview/{interview_id}/reschedule"): {  # in progress: the deadline moves
        "anonymous": 401, "cand_a": 403, "cand_b": 403,
        "hr_a": (200, 404, 404), "hr_b": (200, 404, 404), "admin": (200, 200, 404)},
    ("GET", "/interview/{interview_id}"): {
        "anonymous": 401, "cand_a": (200, 404, 404), "cand_b": (200, 404, 404),
        "hr_a": (200, 404, 404), "hr_b": (200, 404, 404), "admin": (200, 200, 404)},
    ("GET", "/interview/{interview_id}/responses"): {
        "anonymous": 401, "cand_a": (200, 404, 404), "cand_b": (200, 404, 404),
        "hr_a": (200, 404, 404), "hr_b": (200, 404, 404), "admin": (200, 200, 404)},
    ("GET", "/openapi.json"): {
        "anonymous": 200, "cand_a": 200, "cand_b": 200, "hr_a": 200, "hr_b": 200, "admin": 200},
    ("GET", "/api/docs"): {
        "anonymous": 200, "cand_a": 200, "cand_b": 200, "hr_a": 200, "hr_b": 200, "admin": 200},
}

# What each route needs to exist before it is called: the interview state (None: no interview).
STATE: dict[tuple[str, str], str | None] = {
    ("POST", "/interview/submit-response"): "in_progress",
    ("POST", "/interview/submit-all"): "in_progress",
    ("GET", "/interview/results/{interview_id}"): "evaluated",
    ("POST", "/interview/{interview_id}/results"): "completed",
    ("POST", "/interview/responses/{response_id}/evaluate"): "completed",
    ("GET", "/interview/{interview_id}"): "in_progress",
    ("GET", "/interview/{interview_id}/responses"): "in_progress",
    ("POST", "/interview/{interview_id}/reschedule"): "in_progress",
}
MUTATES = {("POST", "/interview/submit-all"), ("POST", "/interview/{interview_id}/results")}


def side_of(actor: str) -> str:
    return "b" if actor.endswith("_b") else "a"


def other_side(side: str) -> str:
    return "b" if side == "a" else "a"


@dataclass
class Target:
    """What a request points at: the ids of one object (or made-up ones when it is missing)."""

    interview_id: str
    response_id: str
    question_id: str
    candidate_id: str
    email: str
    password: str = PASSWORD


def build_request(route: tuple[str, str], t: Target) -> tuple[str, dict | None]:
    """(url, json body) for calling `route` on target `t`."""
    method, path = route
    url = path.replace("{interview_id}", t.interview_id).replace("{response_id}", t.response_id)
    now = datetime.now(UTC)
    bodies = {
        ("POST", "/auth/token"): {"email": t.email, "password": t.password},
        ("POST", "/interview/schedule"): {
            "candidate_id": t.candidate_id, "job_title": "Data engineer", "num_questions": 2,
            "starts_at": (now + timedelta(hours=1)).isoformat(), "deadline": (now + timedelta(days=2)).isoformat()},
        ("POST", "/interview/submit-response"): {
            "interview_id": t.interview_id, "question_id": t.question_id, "answer": "An answer."},
        ("POST", "/interview/submit-all"): {
            "interview_id": t.interview_id, "responses": [{"question_id": t.question_id, "answer": "Final."}]},
        ("POST", "/interview/{interview_id}/results"): {"overall_score": 6.5, "overall_feedback": "Fine."},
        ("POST", "/interview/{interview_id}/reschedule"): {"deadline": (now + timedelta(days=3)).isoformat()},
        ("POST", "/interview/ai-notice"): {"version": 0, "human_only": False},
    }
    if route == ("GET", "/interview/all"):
        url += f"?candidate_id={t.candidate_id}"
    return url, bodies.get(route)


def made_for(world, route, side):
    state = STATE.get(route)
    return world.interview(side, state) if state else None


def target(world, route, actor, kind, made) -> Target:
    """The `kind` target for `actor` calling `route`; `made` is the interview of that side (or None)."""
    if kind == "missing":
        return Target(interview_id=str(ObjectId()), response_id=str(ObjectId()), question_id="q0000000000",
                      candidate_id=str(ObjectId()), email="nobody@example.com")
    side = side_of(actor) if kind == "own" else other_side(side_of(actor))
    own_email = world["cand_a" if actor == "anonymous" else actor].email
    return Target(
        interview_id=made.id if made else str(ObjectId()),
        response_id=made.responses[0].id if made and made.responses else str(ObjectId()),
        question_id=made.question_ids[0] if made else "q0000000000",
        candidate_id=world[f"cand_{side}"].id,
        email=own_email if kind == "own" else world[f"cand_{side}"].email,
        password=PASSWORD if kind == "own" else "wrong-password-1",
    )


def expected(route, actor) -> tuple[Any, Any, Any]:
    entry = MATRIX[route][actor]
    return entry if isinstance(entry, tuple) else (entry, entry, entry)


def test_every_route_is_in_the_matrix(api_app):
    """The matrix and the url_map list the same (method, path) pairs, and every actor is in every row."""
    routes = set()
    for rule in api_app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            path = rule.rule.replace("<", "{").replace(">", "}")
            routes |= {(m, path) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes == set(MATRIX), f"missing from the matrix: {routes - set(MATRIX)}; stale: {set(MATRIX) - routes}"
    for route, row in MATRIX.items():
        assert set(row) == set(ACTORS), route


@pytest.mark.parametrize("route", sorted(MATRIX), ids=lambda r: f"{r[0]} {r[1]}")
def test_matrix(route, world, client):
    """Each actor × object gets exactly the status the matrix says (all mismatches reported at once).

    Objects are shared between cells, except that a cell expected to succeed on a route that changes
    its object's state (MUTATES) gets a fresh one."""
    method, _ = route
    shared = {side: made_for(world, route, side) for side in ("a", "b")}
    wrong = []
    for actor in ACTORS:
        for kind, want in zip(("own", "other", "missing"), expected(route, actor), strict=True):
            side = side_of(actor) if kind == "own" else other_side(side_of(actor))
            succeeds = want in (200, 201, 204) or isinstance(want, frozenset)
            made = made_for(world, route, side) if route in MUTATES and succeeds else shared[side]
            url, body = build_request(route, target(world, route, actor, kind, made))
            response = client.open(url, method=method, json=body, headers=world.headers(actor))
            ok = response.status_code in want if isinstance(want, frozenset) else response.status_code == want
            if not ok:
                wrong.append(f"{actor:9} {kind:7} expected {sorted(want) if isinstance(want, frozenset) else want}, "
                             f"got {response.status_code} {response.get_data(as_text=True)[:160]}")
            if response.status_code >= 400 and route != ("GET", "/api/docs"):
                assert response.is_json and set(response.json["error"]) == {"code", "message", "details"}
    assert not wrong, "\n".join(wrong)
