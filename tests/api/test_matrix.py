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

from interviewer.db import get_repos

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
    # the object is the candidate_id given (query or body): only one's own; staff never
    ("GET", "/interview/self-identification"): {
        "anonymous": 401, "cand_a": (200, 403, 403), "cand_b": (200, 403, 403), "hr_a": 403, "hr_b": 403, "admin": 403},
    ("PUT", "/interview/self-identification"): {
        "anonymous": 401, "cand_a": (200, 403, 403), "cand_b": (200, 403, 403), "hr_a": 403, "hr_b": 403, "admin": 403},
    ("DELETE", "/interview/self-identification"): {
        "anonymous": 401, "cand_a": (204, 403, 403), "cand_b": (204, 403, 403), "hr_a": 403, "hr_b": 403, "admin": 403},
    ("POST", "/interview/{interview_id}/reschedule"): {  # in progress: the deadline moves
        "anonymous": 401, "cand_a": 403, "cand_b": 403,
        "hr_a": (200, 404, 404), "hr_b": (200, 404, 404), "admin": (200, 200, 404)},
    ("GET", "/interview/{interview_id}"): {
        "anonymous": 401, "cand_a": (200, 404, 404), "cand_b": (200, 404, 404),
        "hr_a": (200, 404, 404), "hr_b": (200, 404, 404), "admin": (200, 200, 404)},
    ("GET", "/interview/{interview_id}/responses"): {
        "anonymous": 401, "cand_a": (200, 404, 404), "cand_b": (200, 404, 404),
        "hr_a": (200, 404, 404), "hr_b": (200, 404, 404), "admin": (200, 200, 404)},
    ("GET", "/interview/competencies"): {
        "anonymous": 401, "cand_a": 403, "cand_b": 403, "hr_a": 200, "hr_b": 200, "admin": 200},
    ("POST", "/interview/competencies"): {
        "anonymous": 401, "cand_a": 403, "cand_b": 403, "hr_a": 201, "hr_b": 201, "admin": 201},
    ("GET", "/interview/competencies/{competency_id}"): {  # shared by all staff: "other" is another one
        "anonymous": 401, "cand_a": 403, "cand_b": 403,
        "hr_a": (200, 200, 404), "hr_b": (200, 200, 404), "admin": (200, 200, 404)},
    ("PUT", "/interview/competencies/{competency_id}"): {  # HR edit their own; others' are an admin's (F7)
        "anonymous": 401, "cand_a": 403, "cand_b": 403,
        "hr_a": (200, 403, 404), "hr_b": (200, 403, 404), "admin": (200, 200, 404)},
    ("POST", "/interview/competencies/{competency_id}/copy"): {
        "anonymous": 401, "cand_a": 403, "cand_b": 403,
        "hr_a": (201, 201, 404), "hr_b": (201, 201, 404), "admin": (201, 201, 404)},
    ("GET", "/interview/templates"): {
        "anonymous": 401, "cand_a": 403, "cand_b": 403, "hr_a": 200, "hr_b": 200, "admin": 200},
    ("POST", "/interview/templates"): {  # the object is the competency it assesses: a missing one is 422
        "anonymous": 401, "cand_a": 403, "cand_b": 403,
        "hr_a": (201, 201, 422), "hr_b": (201, 201, 422), "admin": (201, 201, 422)},
    ("GET", "/interview/templates/{template_id}"): {  # the object is the template of a side's HR user
        "anonymous": 401, "cand_a": 403, "cand_b": 403,
        "hr_a": (200, 404, 404), "hr_b": (200, 404, 404), "admin": (200, 200, 404)},
    ("PUT", "/interview/templates/{template_id}"): {
        "anonymous": 401, "cand_a": 403, "cand_b": 403,
        "hr_a": (200, 404, 404), "hr_b": (200, 404, 404), "admin": (200, 200, 404)},
    ("POST", "/interview/templates/{template_id}/copy"): {
        "anonymous": 401, "cand_a": 403, "cand_b": 403,
        "hr_a": (201, 404, 404), "hr_b": (201, 404, 404), "admin": (201, 201, 404)},
    ("POST", "/interview/templates/{template_id}/archive"): {
        "anonymous": 401, "cand_a": 403, "cand_b": 403,
        "hr_a": (200, 404, 404), "hr_b": (200, 404, 404), "admin": (200, 200, 404)},
    ("POST", "/interview/templates/{template_id}/schedule"): {  # the side's template and candidate
        "anonymous": 401, "cand_a": 403, "cand_b": 403,
        "hr_a": (201, 404, 404), "hr_b": (201, 404, 404), "admin": (201, 201, 404)},
    # panels: the object is the side's completed interview; the rater added is the other side's HR user
    ("GET", "/interview/{interview_id}/panel"): {
        "anonymous": 401, "cand_a": 403, "cand_b": 403,
        "hr_a": (200, 404, 404), "hr_b": (200, 404, 404), "admin": (200, 200, 404)},
    ("PUT", "/interview/{interview_id}/panel/{rater_id}"): {
        "anonymous": 401, "cand_a": 403, "cand_b": 403,
        "hr_a": (200, 404, 404), "hr_b": (200, 404, 404), "admin": (200, 200, 404)},
    ("DELETE", "/interview/{interview_id}/panel/{rater_id}"): {  # not on the panel (PANEL_MATRIX: one who is)
        "anonymous": 401, "cand_a": 403, "cand_b": 403, "hr_a": 404, "hr_b": 404, "admin": 404},
    ("GET", "/interview/{interview_id}/rating"): {  # admins do not rate
        "anonymous": 401, "cand_a": 403, "cand_b": 403,
        "hr_a": (200, 404, 404), "hr_b": (200, 404, 404), "admin": (403, 403, 404)},
    ("PUT", "/interview/{interview_id}/rating"): {
        "anonymous": 401, "cand_a": 403, "cand_b": 403,
        "hr_a": (200, 404, 404), "hr_b": (200, 404, 404), "admin": (403, 403, 404)},
    ("POST", "/interview/{interview_id}/rating/submit"): {  # nothing rated yet: 422 naming what is missing
        "anonymous": 401, "cand_a": 403, "cand_b": 403,
        "hr_a": (422, 404, 404), "hr_b": (422, 404, 404), "admin": (403, 403, 404)},
    ("GET", "/interview/{interview_id}/ratings"): {  # blind until the caller has submitted; admins always see
        "anonymous": 401, "cand_a": 403, "cand_b": 403,
        "hr_a": (409, 404, 404), "hr_b": (409, 404, 404), "admin": (200, 200, 404)},
    ("PUT", "/interview/{interview_id}/outcome"): {
        "anonymous": 401, "cand_a": 403, "cand_b": 403,
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
    **{(m, f"/interview/{{interview_id}}/{p}"): "completed" for m, p in (
        ("GET", "panel"), ("PUT", "panel/{rater_id}"), ("DELETE", "panel/{rater_id}"), ("GET", "rating"),
        ("PUT", "rating"), ("POST", "rating/submit"), ("GET", "ratings"), ("PUT", "outcome"))},
}
MUTATES = {("POST", "/interview/submit-all"), ("POST", "/interview/{interview_id}/results"),
           ("PUT", "/interview/{interview_id}/panel/{rater_id}")}


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
    template_id: str = ""
    competency_id: str = ""
    rater_id: str = ""


def build_request(route: tuple[str, str], t: Target) -> tuple[str, dict | None]:
    """(url, json body) for calling `route` on target `t`."""
    method, path = route
    url = path.replace("{interview_id}", t.interview_id).replace("{response_id}", t.response_id)
    url = url.replace("{template_id}", t.template_id).replace("{competency_id}", t.competency_id)
    url = url.replace("{rater_id}", t.rater_id)
    now = datetime.now(UTC)
    anchors = ["One.", "Two.", "Three.", "Four.", "Five."]
    template = {"name": "Matrix", "job_title": "Engineer", "window_hours": 24,
                "competency_ids": [t.competency_id], "questions": [{"text": "Why?", "competency_ids": [t.competency_id]}]}
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
        ("PUT", "/interview/self-identification"): {"answers": {"sex": "female"}, "candidate_id": t.candidate_id},
        ("POST", "/interview/competencies"): {"name": f"Matrix {ObjectId()}", "anchors": anchors},
        ("PUT", "/interview/competencies/{competency_id}"): {"name": f"Matrix {ObjectId()}", "anchors": anchors,
                                                             "version": 1},
        ("POST", "/interview/templates"): template,
        ("PUT", "/interview/templates/{template_id}"): {**template, "version": 1},
        ("POST", "/interview/templates/{template_id}/archive"): {"archived": True, "version": 1},
        ("PUT", "/interview/{interview_id}/rating"): {"version": 1, "items": []},
        ("POST", "/interview/{interview_id}/rating/submit"): {"version": 1, "items": []},
        ("PUT", "/interview/{interview_id}/outcome"): {"outcome": "advance"},
        ("POST", "/interview/templates/{template_id}/schedule"): {
            "batch_id": str(ObjectId()), "starts_at": (now + timedelta(hours=1)).isoformat(),
            "candidate_ids": [t.candidate_id]},
    }
    if route in (("GET", "/interview/self-identification"), ("DELETE", "/interview/self-identification")):
        url += f"?candidate_id={t.candidate_id}"
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
                      candidate_id=str(ObjectId()), email="nobody@example.com", template_id=str(ObjectId()),
                      competency_id=str(ObjectId()), rater_id=str(ObjectId()))
    side = side_of(actor) if kind == "own" else other_side(side_of(actor))
    own_email = world["cand_a" if actor == "anonymous" else actor].email
    return Target(
        interview_id=made.id if made else str(ObjectId()),
        response_id=made.responses[0].id if made and made.responses else str(ObjectId()),
        question_id=made.question_ids[0] if made else "q0000000000",
        candidate_id=world[f"cand_{side}"].id,
        email=own_email if kind == "own" else world[f"cand_{side}"].email,
        password=PASSWORD if kind == "own" else "wrong-password-1",
        rater_id=world[f"hr_{other_side(side)}"].id,
        **(fresh_template(world, side) if "/templates" in route[1] or "/competencies" in route[1] else {}),
    )


def fresh_template(world, side: str) -> dict[str, str]:
    """A new competency and a new template of the side's HR user (each call: edits move their version)."""
    from interviewer.db import get_repos
    from interviewer.services import competencies as comp_service
    from interviewer.services import templates as tpl_service

    now = datetime.now(UTC)
    with world.app.app_context():
        repos = get_repos()
        competency = comp_service.create(repos, world[f"hr_{side}"], {
            "name": f"Matrix {ObjectId()}", "anchors": ["1", "2", "3", "4", "5"]}, now)
        template = tpl_service.create(repos, world[f"hr_{side}"], {
            "name": "Matrix", "job_title": "Engineer", "window_hours": 24, "competency_ids": [competency.id],
            "questions": [{"text": "Why?", "competency_ids": [competency.id]}]}, now)
    return {"template_id": template.id, "competency_id": competency.id}


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


# --- a second rater ---------------------------------------------------------------------------------------
# Every route of one interview for side A's completed interview with hr_b on its panel (neither rater has
# submitted): the owner (hr_a), the panel member (hr_b), an HR user not on it, its candidate and an admin.
# The member reaches the panel and their own rating, never an owner power nor anyone's scores.
PANEL_ACTORS = ("owner", "member", "other_hr", "candidate", "admin")
PANEL_MATRIX: dict[tuple[str, str], tuple[int | frozenset, ...]] = {  # statuses in PANEL_ACTORS order
    ("GET", "/interview/{interview_id}"): (200, 404, 404, 200, 200),
    ("GET", "/interview/{interview_id}/responses"): (200, 404, 404, 200, 200),
    ("GET", "/interview/results/{interview_id}"): (200, 404, 404, 404, 200),
    ("POST", "/interview/{interview_id}/results"): (409, 404, 404, 403, 409),
    ("POST", "/interview/{interview_id}/reschedule"): (409, 404, 404, 403, 409),
    ("POST", "/interview/responses/{response_id}/evaluate"): (OK_OR_QUEUED, 404, 404, 403, OK_OR_QUEUED),
    ("GET", "/interview/{interview_id}/panel"): (200, 200, 404, 403, 200),
    ("PUT", "/interview/{interview_id}/panel/{rater_id}"): (200, 404, 404, 403, 200),
    ("DELETE", "/interview/{interview_id}/panel/{member_id}"): (200, 404, 404, 403, 200),
    ("GET", "/interview/{interview_id}/rating"): (200, 200, 404, 403, 403),
    ("PUT", "/interview/{interview_id}/rating"): (200, 200, 404, 403, 403),
    ("POST", "/interview/{interview_id}/rating/submit"): (422, 422, 404, 403, 403),
    ("GET", "/interview/{interview_id}/ratings"): (409, 409, 404, 403, 200),
    ("PUT", "/interview/{interview_id}/outcome"): (409, 404, 404, 403, 200),
}
PANEL_BODIES = {
    ("POST", "/interview/{interview_id}/results"): {"overall_score": 6.5, "overall_feedback": "Fine."},
    ("POST", "/interview/{interview_id}/reschedule"): {"deadline": (datetime.now(UTC) + timedelta(days=3)).isoformat()},
    ("PUT", "/interview/{interview_id}/rating"): {"version": 1, "items": []},
    ("POST", "/interview/{interview_id}/rating/submit"): {"version": 1, "items": []},
    ("PUT", "/interview/{interview_id}/outcome"): {"outcome": "advance"},
}


def test_the_panel_matrix_names_every_route_of_one_interview(api_app):
    paths = {(m, r.rule.replace("<", "{").replace(">", "}")) for r in api_app.url_map.iter_rules()
             if r.endpoint.startswith("api.") and ("<interview_id>" in r.rule or "<response_id>" in r.rule)
             for m in r.methods - {"HEAD", "OPTIONS"}}
    listed = {(m, p.replace("{member_id}", "{rater_id}")) for m, p in PANEL_MATRIX}
    assert paths == listed


@pytest.mark.parametrize("route", sorted(PANEL_MATRIX), ids=lambda r: f"{r[0]} {r[1]}")
def test_panel_matrix(route, world, client):
    """Each actor gets exactly the status the table says, each on a fresh panel interview."""
    from interviewer.services import panels

    with world.app.app_context():
        other_hr = user_service_create(world, "hr")
    people = {"owner": "hr_a", "member": "hr_b", "candidate": "cand_a", "admin": "admin"}
    wrong = []
    for actor, want in zip(PANEL_ACTORS, PANEL_MATRIX[route], strict=True):
        made = world.interview("a", "completed")
        with world.app.app_context():
            panels.add_member(get_repos(), world["hr_a"], made.id, world["hr_b"].id, datetime.now(UTC))
        url = route[1].replace("{interview_id}", made.id).replace("{response_id}", made.responses[0].id)
        url = url.replace("{rater_id}", other_hr.id).replace("{member_id}", world["hr_b"].id)
        headers = (token_for(world, other_hr) if actor == "other_hr" else world.headers(people[actor]))
        response = client.open(url, method=route[0], json=PANEL_BODIES.get(route), headers=headers)
        ok = response.status_code in want if isinstance(want, frozenset) else response.status_code == want
        if not ok:
            wrong.append(f"{actor:9} expected {want}, got {response.status_code} {response.get_data(as_text=True)[:160]}")
    assert not wrong, "\n".join(wrong)


def user_service_create(world, role):
    from interviewer.services import users as user_service

    return user_service.create_user(get_repos(), f"{role}-{ObjectId()}@example.com", "Other HR", PASSWORD, role)


def token_for(world, user):
    from interviewer.services import tokens as token_service

    with world.app.app_context():
        issued = token_service.issue(get_repos(), user, datetime.now(UTC), timedelta(hours=1))
    return {"Authorization": f"Bearer {issued.access_token}"}
