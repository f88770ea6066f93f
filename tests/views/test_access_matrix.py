"""Who may reach what: every browser route × every role, as data.

Rows list each route of the auth, admin, hr and candidate blueprints with the status each role gets.
`LOGIN` means a redirect to the sign-in page that comes back here. Routes owned by other tables:
the JSON API (blueprint `api`, its own matrix in tests/api), static files, and HR's AI evaluation
views (interviewer/hr/ai_routes.py, tested with the AI evaluations).
"""
from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from support import saved

LOGIN = "login"
ROLES = ("anonymous", "candidate", "hr", "admin")
EXCLUDED_BLUEPRINTS = {"api", None}  # None: the app's own `static` route
EXCLUDED_MODULES = {"interviewer.hr.ai_routes"}
MALFORMED_IDS = ["xyz", "000000000000000000000000"]  # (repositories/test_base.py tries many more shapes)

# (method, url template, {role: status}) — placeholders are filled from the `world` and `schedule` fixtures:
# {user_id} a free candidate, {candidate_id} hr_a's candidate, {question_id} a bank question, {interview_id}/{iq_id}
# hr_a's interview with cand_a and one of its questions. POSTs send an empty form: the matrix is about who gets in.
MATRIX = [
    ("GET", "/", dict(anonymous=302, candidate=302, hr=302, admin=302)),
    ("GET", "/login", dict(anonymous=200, candidate=200, hr=200, admin=200)),
    ("POST", "/login", dict(anonymous=422, candidate=422, hr=422, admin=422)),
    ("POST", "/logout", dict(anonymous=LOGIN, candidate=302, hr=302, admin=302)),
    ("GET", "/register", dict(anonymous=200, candidate=200, hr=200, admin=200)),
    ("POST", "/register", dict(anonymous=422, candidate=422, hr=422, admin=422)),
    ("GET", "/account/password", dict(anonymous=LOGIN, candidate=200, hr=200, admin=200)),
    ("POST", "/account/password", dict(anonymous=LOGIN, candidate=422, hr=422, admin=422)),

    ("GET", "/register/verify/{token}", dict(anonymous=400, candidate=400, hr=400, admin=400)),
    ("GET", "/account/notifications", dict(anonymous=LOGIN, candidate=200, hr=200, admin=200)),
    ("POST", "/account/notifications", dict(anonymous=LOGIN, candidate=302, hr=302, admin=302)),
    ("GET", "/password/forgot", dict(anonymous=200, candidate=200, hr=200, admin=200)),
    ("POST", "/password/forgot", dict(anonymous=422, candidate=422, hr=422, admin=422)),
    ("GET", "/password/reset/{token}", dict(anonymous=400, candidate=400, hr=400, admin=400)),
    ("POST", "/password/reset/{token}", dict(anonymous=400, candidate=400, hr=400, admin=400)),
    ("GET", "/admin/users/{user_id}/erase", dict(anonymous=LOGIN, candidate=403, hr=403, admin=200)),
    ("POST", "/admin/users/{user_id}/erase", dict(anonymous=LOGIN, candidate=403, hr=403, admin=422)),
    ("GET", "/candidate/data.json", dict(anonymous=LOGIN, candidate=200, hr=403, admin=403)),
    ("GET", "/admin/ai-notice", dict(anonymous=LOGIN, candidate=403, hr=403, admin=200)),
    ("POST", "/admin/ai-notice", dict(anonymous=LOGIN, candidate=403, hr=403, admin=422)),
    ("GET", "/candidate/ai-notice", dict(anonymous=LOGIN, candidate=200, hr=403, admin=403)),
    ("POST", "/candidate/ai-notice", dict(anonymous=LOGIN, candidate=422, hr=403, admin=403)),
    ("GET", "/candidate/self-identification", dict(anonymous=LOGIN, candidate=200, hr=403, admin=403)),
    ("POST", "/candidate/self-identification", dict(anonymous=LOGIN, candidate=422, hr=403, admin=403)),
    ("POST", "/candidate/self-identification/withdraw", dict(anonymous=LOGIN, candidate=303, hr=403, admin=403)),
    ("GET", "/admin/audit", dict(anonymous=LOGIN, candidate=403, hr=403, admin=200)),
    ("GET", "/admin/impact", dict(anonymous=LOGIN, candidate=403, hr=403, admin=200)),
    ("GET", "/admin/impact.csv", dict(anonymous=LOGIN, candidate=403, hr=403, admin=200)),
    ("GET", "/admin/audit.csv", dict(anonymous=LOGIN, candidate=403, hr=403, admin=200)),
    ("GET", "/admin/outbox", dict(anonymous=LOGIN, candidate=403, hr=403, admin=200)),
    ("GET", "/admin/outbox/{message_id}", dict(anonymous=LOGIN, candidate=403, hr=403, admin=200)),
    ("POST", "/admin/outbox/{message_id}/resend", dict(anonymous=LOGIN, candidate=403, hr=403, admin=303)),
    ("GET", "/admin/users", dict(anonymous=LOGIN, candidate=403, hr=403, admin=200)),
    ("POST", "/admin/users", dict(anonymous=LOGIN, candidate=403, hr=403, admin=422)),
    ("GET", "/admin/stats", dict(anonymous=LOGIN, candidate=403, hr=403, admin=200)),
    ("POST", "/admin/users/{user_id}/assign", dict(anonymous=LOGIN, candidate=403, hr=403, admin=422)),
    ("POST", "/admin/users/{user_id}/unassign", dict(anonymous=LOGIN, candidate=403, hr=403, admin=303)),
    ("POST", "/admin/users/{user_id}/active", dict(anonymous=LOGIN, candidate=403, hr=403, admin=303)),
    ("POST", "/admin/users/{user_id}/sessions/end", dict(anonymous=LOGIN, candidate=403, hr=403, admin=303)),
    ("GET", "/admin/questions", dict(anonymous=LOGIN, candidate=403, hr=403, admin=200)),
    ("POST", "/admin/questions", dict(anonymous=LOGIN, candidate=403, hr=403, admin=422)),
    ("GET", "/admin/questions/{question_id}", dict(anonymous=LOGIN, candidate=403, hr=403, admin=200)),
    ("POST", "/admin/questions/{question_id}", dict(anonymous=LOGIN, candidate=403, hr=403, admin=422)),
    ("GET", "/admin/questions/{question_id}/edit", dict(anonymous=LOGIN, candidate=403, hr=403, admin=200)),
    ("POST", "/admin/questions/{question_id}/enabled", dict(anonymous=LOGIN, candidate=403, hr=403, admin=303)),

    ("GET", "/hr/interviews", dict(anonymous=LOGIN, candidate=403, hr=200, admin=200)),
    ("GET", "/hr/interviews/{interview_id}", dict(anonymous=LOGIN, candidate=403, hr=200, admin=200)),
    ("GET", "/hr/interviews/{interview_id}/progress", dict(anonymous=LOGIN, candidate=403, hr=200, admin=200)),
    ("POST", "/hr/interviews/{interview_id}/questions/{iq_id}/score",
     dict(anonymous=LOGIN, candidate=403, hr=409, admin=409)),
    ("POST", "/hr/interviews/{interview_id}/result", dict(anonymous=LOGIN, candidate=403, hr=409, admin=409)),
    ("POST", "/hr/interviews/{interview_id}/share", dict(anonymous=LOGIN, candidate=403, hr=409, admin=409)),
    ("POST", "/hr/interviews/{interview_id}/cancel", dict(anonymous=LOGIN, candidate=403, hr=303, admin=303)),
    ("GET", "/hr/interviews/{interview_id}/reschedule", dict(anonymous=LOGIN, candidate=403, hr=200, admin=200)),
    ("POST", "/hr/interviews/{interview_id}/reschedule", dict(anonymous=LOGIN, candidate=403, hr=422, admin=422)),
    ("GET", "/hr/schedule", dict(anonymous=LOGIN, candidate=403, hr=200, admin=200)),
    ("POST", "/hr/schedule", dict(anonymous=LOGIN, candidate=403, hr=200, admin=200)),
    ("POST", "/hr/schedule/draft", dict(anonymous=LOGIN, candidate=403, hr=422, admin=422)),
    ("POST", "/hr/schedule/review", dict(anonymous=LOGIN, candidate=403, hr=200, admin=200)),
    ("POST", "/hr/schedule/confirm", dict(anonymous=LOGIN, candidate=403, hr=422, admin=422)),
    ("GET", "/hr/results", dict(anonymous=LOGIN, candidate=403, hr=200, admin=200)),
    ("GET", "/hr/results.csv", dict(anonymous=LOGIN, candidate=403, hr=200, admin=200)),
    ("GET", "/hr/questions", dict(anonymous=LOGIN, candidate=403, hr=200, admin=200)),
    ("GET", "/hr/candidates/{candidate_id}/resume", dict(anonymous=LOGIN, candidate=403, hr=200, admin=200)),
    ("GET", "/hr/competencies", dict(anonymous=LOGIN, candidate=403, hr=200, admin=200)),
    ("POST", "/hr/competencies", dict(anonymous=LOGIN, candidate=403, hr=422, admin=422)),
    ("GET", "/hr/competencies/new", dict(anonymous=LOGIN, candidate=403, hr=200, admin=200)),
    ("GET", "/hr/competencies/{competency_id}", dict(anonymous=LOGIN, candidate=403, hr=200, admin=200)),
    # a shipped example: HR copy it, an admin edits it (here: an empty form, so 422)
    ("POST", "/hr/competencies/{competency_id}", dict(anonymous=LOGIN, candidate=403, hr=403, admin=422)),
    ("POST", "/hr/competencies/{competency_id}/copy", dict(anonymous=LOGIN, candidate=403, hr=303, admin=303)),
    ("GET", "/hr/templates", dict(anonymous=LOGIN, candidate=403, hr=200, admin=200)),
    ("POST", "/hr/templates", dict(anonymous=LOGIN, candidate=403, hr=422, admin=422)),
    ("GET", "/hr/templates/new", dict(anonymous=LOGIN, candidate=403, hr=200, admin=200)),
    ("GET", "/hr/templates/{template_id}", dict(anonymous=LOGIN, candidate=403, hr=200, admin=200)),
    ("POST", "/hr/templates/{template_id}", dict(anonymous=LOGIN, candidate=403, hr=422, admin=422)),
    ("POST", "/hr/templates/{template_id}/copy", dict(anonymous=LOGIN, candidate=403, hr=303, admin=303)),
    ("POST", "/hr/templates/{template_id}/archive", dict(anonymous=LOGIN, candidate=403, hr=422, admin=422)),
    ("GET", "/hr/templates/{template_id}/schedule", dict(anonymous=LOGIN, candidate=403, hr=200, admin=200)),
    ("POST", "/hr/templates/{template_id}/schedule", dict(anonymous=LOGIN, candidate=403, hr=422, admin=422)),
    # panels (PANEL_MATRIX below: the same routes for a panel member, a non-member and the owner)
    ("GET", "/hr/panels", dict(anonymous=LOGIN, candidate=403, hr=200, admin=200)),
    ("GET", "/hr/interviews/{interview_id}/rating", dict(anonymous=LOGIN, candidate=403, hr=200, admin=200)),
    ("POST", "/hr/interviews/{interview_id}/rating", dict(anonymous=LOGIN, candidate=403, hr=409, admin=403)),
    ("POST", "/hr/interviews/{interview_id}/rating/submit", dict(anonymous=LOGIN, candidate=403, hr=409, admin=403)),
    ("POST", "/hr/interviews/{interview_id}/panel", dict(anonymous=LOGIN, candidate=403, hr=422, admin=422)),
    ("POST", "/hr/interviews/{interview_id}/panel/{rater_id}/remove",
     dict(anonymous=LOGIN, candidate=403, hr=404, admin=404)),
    ("POST", "/hr/interviews/{interview_id}/outcome", dict(anonymous=LOGIN, candidate=403, hr=422, admin=422)),

    ("GET", "/candidate/", dict(anonymous=LOGIN, candidate=200, hr=403, admin=403)),
    ("GET", "/candidate/history", dict(anonymous=LOGIN, candidate=200, hr=403, admin=403)),
    ("GET", "/candidate/history/{interview_id}", dict(anonymous=LOGIN, candidate=303, hr=403, admin=403)),
    ("GET", "/candidate/interviews/{interview_id}", dict(anonymous=LOGIN, candidate=303, hr=403, admin=403)),
    ("GET", "/candidate/interviews/{interview_id}/q/1", dict(anonymous=LOGIN, candidate=200, hr=403, admin=403)),
    ("POST", "/candidate/interviews/{interview_id}/q/1", dict(anonymous=LOGIN, candidate=303, hr=403, admin=403)),
    ("POST", "/candidate/interviews/{interview_id}/answers/{iq_id}",
     dict(anonymous=LOGIN, candidate=200, hr=403, admin=403)),
    ("GET", "/candidate/interviews/{interview_id}/submit", dict(anonymous=LOGIN, candidate=200, hr=403, admin=403)),
    ("POST", "/candidate/interviews/{interview_id}/submit", dict(anonymous=LOGIN, candidate=303, hr=403, admin=403)),
    ("GET", "/candidate/interviews/{interview_id}/receipt", dict(anonymous=LOGIN, candidate=303, hr=403, admin=403)),
    ("GET", "/candidate/interviews/{interview_id}/invite.ics", dict(anonymous=LOGIN, candidate=200, hr=403, admin=403)),
]


@pytest.fixture
def ids(repos, world, schedule):
    interview = schedule(world["hr_a"], world["cand_a"])
    return {
        "user_id": world["cand_free"].id,
        "candidate_id": world["cand_a"].id,
        "question_id": repos.questions.list()[0].id,
        "interview_id": interview.id,
        "iq_id": interview.questions[0].id,
        "message_id": repos.outbox.page(None)[0][0]["id"],  # the interview's invitation
        "token": "not-a-token",
        "competency_id": repos.competencies.page(1, 1).items[0].id,
        "template_id": hr_template(repos, world).id,
        "rater_id": world["hr_b"].id,  # not on the panel: removing them is 404
    }


def hr_template(repos, world):
    """An interview template of hr_a's (tests/services/test_templates.py covers what it holds)."""
    from interviewer.services import templates as tpl_service

    competency = repos.competencies.page(1, 1).items[0]
    return tpl_service.create(repos, world["hr_a"], {
        "name": "Matrix", "job_title": "Engineer", "window_hours": 24, "competency_ids": [competency.id],
        "questions": [{"text": "Why?", "competency_ids": [competency.id]}]}, datetime.now(UTC))


ACTORS = {"candidate": "cand_a", "hr": "hr_a", "admin": "admin"}


def as_role(client, world, login, role):
    if role != "anonymous":
        login(world[ACTORS[role]])
    return client


def rule_key(rule: str) -> str:
    """'/admin/users/<user_id>/assign' and '/admin/users/{user_id}/assign' both become '/admin/users/*/assign'."""
    return re.sub(r"<[^>]+>|\{[^}]+\}|(?<=/q/)\d+", "*", rule)


def browser_routes(app) -> set[tuple[str, str]]:
    routes = set()
    for rule in app.url_map.iter_rules():
        blueprint = rule.endpoint.rpartition(".")[0] or None
        if blueprint in EXCLUDED_BLUEPRINTS or app.view_functions[rule.endpoint].__module__ in EXCLUDED_MODULES:
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            routes.add((method, rule_key(rule.rule)))
    return routes


def test_every_browser_route_is_in_the_matrix(app):
    listed = {(method, rule_key(url)) for method, url, _ in MATRIX}
    missing = browser_routes(app) - listed
    assert not missing, f"add these routes to MATRIX (or to an explicit exclusion): {sorted(missing)}"


def test_every_matrix_row_is_a_real_route(app):
    listed = {(method, rule_key(url)) for method, url, _ in MATRIX}
    stale = listed - browser_routes(app)
    assert not stale, f"MATRIX lists routes that no longer exist: {sorted(stale)}"
    assert len(listed) == len(MATRIX), "a route is listed twice"


def test_every_row_names_every_role():
    for method, url, expected in MATRIX:
        assert set(expected) == set(ROLES), (method, url)


def check(response, expected, url, method="GET", signed_in=False):
    assert "HX-Request" in response.headers.get("Vary", "")
    check_security_headers(response, signed_in)
    if expected == LOGIN:
        assert response.status_code == 302
        location = urlsplit(response.headers["Location"])
        assert location.path == "/login"
        # A GET comes back to itself; a post (not replayable) to the page it was sent from, here none.
        assert parse_qs(location.query).get("next") == ([url] if method == "GET" else None)
    else:
        assert response.status_code == expected, response.get_data(as_text=True)[:300]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "template", "expected"), MATRIX, ids=[f"{m} {u}" for m, u, _ in MATRIX])
def test_access(client, world, ids, login, role, method, template, expected):
    url = template.format(**ids)
    response = as_role(client, world, login, role).open(url, method=method)
    check(response, expected[role], url, method, signed_in=role != "anonymous")


def check_security_headers(response, signed_in):
    """Every response: a strict CSP that forbids framing, the other protective headers, and no
    caching of anything a signed-in user was sent."""
    csp = response.headers.get("Content-Security-Policy", "")
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert response.headers.get("X-Frame-Options") == "DENY"
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    assert response.headers.get("Referrer-Policy") == "same-origin"
    assert "camera=()" in response.headers.get("Permissions-Policy", "")
    if signed_in:
        assert response.headers.get("Cache-Control") == "no-store"


PROTECTED = [(m, u, e) for m, u, e in MATRIX if e["anonymous"] == LOGIN]


@pytest.mark.parametrize(("method", "template", "expected"), PROTECTED, ids=[f"{m} {u}" for m, u, _ in PROTECTED])
def test_htmx_without_a_session_gets_401_and_hx_redirect(client, ids, method, template, expected):
    url = template.format(**ids)
    response = client.open(url, method=method, headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert "Location" not in response.headers
    target = urlsplit(response.headers["HX-Redirect"])
    assert target.path == "/login"
    assert parse_qs(target.query).get("next") == ([url] if method == "GET" else None)


# Own versus foreign objects: another HR user, or another candidate, sees nothing of hr_a's interview.
FOREIGN_ACTORS = {"hr": "hr_b", "candidate": "cand_b"}
FOREIGN = [(m, u, r) for m, u, e in MATRIX if "{interview_id}" in u
           for r in ("hr", "candidate") if e[r] not in (403, LOGIN)]


@pytest.mark.parametrize(("method", "template", "role"), FOREIGN, ids=[f"{r} {m} {u}" for m, u, r in FOREIGN])
def test_a_foreign_interview_is_404(client, repos, world, ids, login, method, template, role):
    before = repos.interviews.get(ids["interview_id"])
    login(world[FOREIGN_ACTORS[role]])
    response = client.open(template.format(**ids), method=method)
    assert response.status_code == 404
    assert repos.interviews.get(ids["interview_id"]) == before


FOREIGN_TEMPLATE = [(m, u) for m, u, e in MATRIX if "{template_id}" in u]


@pytest.mark.parametrize(("method", "template"), FOREIGN_TEMPLATE, ids=[f"{m} {u}" for m, u in FOREIGN_TEMPLATE])
def test_another_hr_users_template_is_404(client, repos, world, ids, login, method, template):
    before = repos.templates.get(ids["template_id"])
    login(world["hr_b"])
    assert client.open(template.format(**ids), method=method).status_code == 404
    assert repos.templates.get(ids["template_id"]) == before


# Every ObjectId in a URL. ({iq_id} is a question's key inside one interview, not an ObjectId: an unknown one
# is a validation error or a conflict, checked below only for "never 500".)
OBJECT_ID_PARAMS = {"user_id", "candidate_id", "question_id", "interview_id", "competency_id", "template_id"}
ID_ROUTES = [(m, u, e, p) for m, u, e in MATRIX for p in re.findall(r"\{(\w+)\}", u) if p in OBJECT_ID_PARAMS]
KEY_ROUTES = [(m, u, e) for m, u, e in MATRIX if "{iq_id}" in u]


def first_allowed(expected) -> str:
    return next(r for r in ("admin", "hr", "candidate") if expected[r] not in (403, LOGIN))


@pytest.mark.parametrize("bad_id", MALFORMED_IDS)
@pytest.mark.parametrize(("method", "template", "expected", "param"), ID_ROUTES,
                         ids=[f"{m} {u} {p}" for m, u, _, p in ID_ROUTES])
def test_malformed_and_unknown_ids_are_404_never_500(client, world, ids, login, method, template, expected, param,
                                                    bad_id):
    login(world[ACTORS[first_allowed(expected)]])
    url = template.format(**{**ids, param: bad_id})
    for headers in ({}, {"HX-Request": "true"}):
        response = client.open(url, method=method, headers=headers)
        assert response.status_code == 404, (headers, response.get_data(as_text=True)[:300])
        if response.is_json:  # the candidate page's autosave script speaks JSON
            assert response.get_json()["error"]["code"] == "not_found"
        elif headers:
            assert response.headers["HX-Retarget"] == "#messages"
            assert "<html" not in response.get_data(as_text=True)


@pytest.mark.parametrize("bad_key", ["xyz", "000000000000000000000000", "a" * 300])
@pytest.mark.parametrize(("method", "template", "expected"), KEY_ROUTES, ids=[f"{m} {u}" for m, u, _ in KEY_ROUTES])
def test_an_unknown_question_key_is_a_client_error_never_500(client, repos, world, ids, login, method, template,
                                                             expected, bad_key):
    login(world[ACTORS[first_allowed(expected)]])
    response = client.open(template.format(**{**ids, "iq_id": bad_key}), method=method, data={"answer": "x"})
    assert 400 <= response.status_code < 500
    assert saved(repos.responses.for_interview(ids["interview_id"])) == {}


def test_exports_and_api_replies_are_not_cached(client, world, login):
    hr = login(world["hr_a"])
    export = hr.get("/hr/results.csv")
    assert export.status_code == 200 and export.headers["Cache-Control"] == "no-store"
    check_security_headers(export, signed_in=True)


def test_no_page_has_inline_script_or_event_handlers(client, world, ids, login):
    """What the CSP forbids must not be in the pages: it would silently stop working."""
    pages = ["/login", "/register"]
    for role, urls in (("admin", ["/admin/users", "/admin/questions"]),
                       ("hr", ["/hr/interviews", "/hr/results", "/hr/schedule", f"/hr/interviews/{ids['interview_id']}"]),
                       ("candidate", ["/candidate/"])):
        c = as_role(client, world, login, role)
        for url in urls:
            html = c.get(url).get_data(as_text=True)
            assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), url
            assert not re.search(r"\son[a-z]+\s*=", html), url
            assert not re.search(r"\sstyle\s*=|<style", html), url
        c.post("/logout")
    for url in pages:
        html = client.get(url).get_data(as_text=True)
        assert not re.search(r"\son[a-z]+\s*=|<script(?![^>]*\bsrc=)|\sstyle\s*=|<style", html), url


# --- a second rater -------------------------------------------------------------------------------------
# Every route of one interview for hr_a's completed interview with hr_b on its panel: the owner (hr_a), the
# panel member (hr_b), an HR user not on it (hr_c), its candidate and an admin. Neither rater has
# submitted. POSTs send an empty form. The member reaches only the rating routes, never an owner power.
PANEL_ACTORS = ("owner", "member", "other_hr", "candidate", "admin")
PANEL_MATRIX = [
    ("GET", "/hr/interviews/{interview_id}", dict(owner=200, member=303, other_hr=404, candidate=403, admin=200)),
    ("GET", "/hr/interviews/{interview_id}/progress",
     dict(owner=200, member=404, other_hr=404, candidate=403, admin=200)),
    ("POST", "/hr/interviews/{interview_id}/questions/{iq_id}/score",
     dict(owner=409, member=404, other_hr=404, candidate=403, admin=409)),
    ("POST", "/hr/interviews/{interview_id}/result", dict(owner=409, member=404, other_hr=404, candidate=403, admin=409)),
    ("POST", "/hr/interviews/{interview_id}/share", dict(owner=409, member=404, other_hr=404, candidate=403, admin=303)),
    ("POST", "/hr/interviews/{interview_id}/cancel", dict(owner=409, member=404, other_hr=404, candidate=403, admin=409)),
    ("GET", "/hr/interviews/{interview_id}/reschedule",
     dict(owner=200, member=404, other_hr=404, candidate=403, admin=200)),
    ("POST", "/hr/interviews/{interview_id}/reschedule",
     dict(owner=409, member=404, other_hr=404, candidate=403, admin=409)),
    ("POST", "/hr/interviews/{interview_id}/ai/evaluate-all",
     dict(owner=303, member=404, other_hr=404, candidate=403, admin=303)),
    ("GET", "/hr/interviews/{interview_id}/rating", dict(owner=200, member=200, other_hr=404, candidate=403, admin=200)),
    ("POST", "/hr/interviews/{interview_id}/rating", dict(owner=422, member=422, other_hr=404, candidate=403, admin=403)),
    ("POST", "/hr/interviews/{interview_id}/rating/submit",
     dict(owner=422, member=422, other_hr=404, candidate=403, admin=403)),
    ("POST", "/hr/interviews/{interview_id}/panel", dict(owner=422, member=404, other_hr=404, candidate=403, admin=422)),
    ("POST", "/hr/interviews/{interview_id}/panel/{member_id}/remove",
     dict(owner=303, member=404, other_hr=404, candidate=403, admin=303)),
    ("POST", "/hr/interviews/{interview_id}/outcome", dict(owner=422, member=404, other_hr=404, candidate=403, admin=422)),
]


@pytest.fixture
def panel_world(repos, world, make_user, schedule):
    from interviewer.services import interviews as svc
    from interviewer.services import panels

    now = datetime.now(UTC)
    interview = schedule(world["hr_a"], world["cand_a"], n=1)
    svc.save_answer(repos, world["cand_a"], interview.id, interview.questions[0].id, "An answer.", now, seq=1)
    svc.submit(repos, world["cand_a"], interview.id, now)
    panels.add_member(repos, world["hr_a"], interview.id, world["hr_b"].id, now)
    people = {"owner": world["hr_a"], "member": world["hr_b"], "other_hr": make_user("hr", name="HR C"),
              "candidate": world["cand_a"], "admin": world["admin"]}
    return people, {"interview_id": interview.id, "iq_id": interview.questions[0].id, "member_id": world["hr_b"].id}


def test_the_panel_matrix_names_every_interview_route_of_hr(app):
    listed = {(m, rule_key(u)) for m, u, _ in PANEL_MATRIX}
    hr_routes = {(m, u) for m, u in browser_routes(app) | {("POST", "/hr/interviews/*/ai/evaluate-all")}
                 if u.startswith("/hr/interviews/*")}
    assert hr_routes - listed == set(), "add the route to PANEL_MATRIX: what may a panel member do there?"


@pytest.mark.parametrize("actor", PANEL_ACTORS)
@pytest.mark.parametrize(("method", "template", "expected"), PANEL_MATRIX, ids=[f"{m} {u}" for m, u, _ in PANEL_MATRIX])
def test_panel_access(app, repos, panel_world, login, actor, method, template, expected):
    people, ids = panel_world
    app.config["AI_EXECUTOR"] = "manual"
    before = repos.interviews.get(ids["interview_id"])
    client = login(people[actor], c=app.test_client())
    response = client.open(template.format(**ids), method=method)
    assert response.status_code == expected[actor], response.get_data(as_text=True)[:300]
    if expected[actor] in (403, 404):
        assert repos.interviews.get(ids["interview_id"]) == before
