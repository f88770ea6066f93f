"""Every state-changing route, HTML and API, appends its audit event: the list of routes comes from
the app's url_map, so a new route with no recipe here (or no event) fails."""
from __future__ import annotations

from datetime import timedelta

import pytest
from support import PASSWORD

from interviewer.services import interviews as svc
from interviewer.services import outbox

# Routes that change no record worth an event, each with the reason.
EXEMPT = {
    ("POST", "/candidate/interviews/<interview_id>/answers/<question_id>"):
        "an answer being written: its stored sequence number is its history, and nothing is decided",
    ("POST", "/candidate/interviews/<interview_id>/q/<int:n>"): "the same save, from the form without JavaScript",
    ("POST", "/interview/submit-response"): "the same save, through the API",
    ("POST", "/hr/schedule"): "the schedule form redrawn (its candidate search): nothing is stored",
    ("POST", "/hr/schedule/draft"): "a draft of questions, kept in the form: nothing is stored",
    ("POST", "/hr/schedule/review"): "a draft edited in the form: nothing is stored",
    ("POST", "/logout"): "signing out ends only the caller's own session",
    ("POST", "/hr/interviews/<interview_id>/rating"): "a draft panel rating being written: its version is its "
                                                      "history, and nothing is decided until it is submitted",
    ("PUT", "/interview/<interview_id>/rating"): "the same draft, through the API",
}


class Site:
    def __init__(self, app, repos, world, schedule, now):
        self.app, self.repos, self.world, self.schedule, self.now = app, repos, world, schedule, now

    def client(self, who=None):
        client = self.app.test_client()
        if who is not None:
            assert client.post("/login", data={"email": who.email, "password": PASSWORD}).status_code == 302
        return client

    def bearer(self, who):
        token = self.app.test_client().post("/auth/token", json={"email": who.email, "password": PASSWORD})
        return {"Authorization": f"Bearer {token.get_json()['access_token']}"}

    def completed(self):
        hr, cand = self.world["hr_a"], self.world["cand_a"]
        interview = self.schedule(hr, cand, n=2)
        for q in interview.questions:
            svc.save_answer(self.repos, cand, interview.id, q.id, "An answer.", self.now, seq=1)
        return svc.submit(self.repos, cand, interview.id, self.now)

    def evaluated(self):
        interview = self.completed()
        return svc.record_result(self.repos, self.world["hr_a"], interview.id, "7", "ok", self.now)

    def open(self):
        return self.schedule(self.world["hr_a"], self.world["cand_a"], n=2)

    def schedule_form(self):
        start = self.now + timedelta(hours=1)
        return {"candidate_id": self.world["cand_a"].id, "job_title": "Data engineer", "job_description": "SQL",
                "starts_at": start.strftime("%Y-%m-%dT%H:%M"), "deadline": (start + timedelta(days=2)).strftime(
                    "%Y-%m-%dT%H:%M"), "tz": "UTC", "num_questions": "2", "question_source": "default",
                "draft_id": self.repos.interviews.new_id(), "q_text": ["Why?", "How?"], "q_id": ["", ""]}


def _competency(site):
    return site.repos.competencies.page(1, 1).items[0]


def _own_competency(site):
    """A competency hr_a created (the one an HR user may edit)."""
    from interviewer.services import competencies as comp_service

    return comp_service.create(site.repos, site.world["hr_a"], {"name": "Own competency",
                                                                "anchors": ["1", "2", "3", "4", "5"]}, site.now)


def _template(site):
    from interviewer.services import templates as tpl_service

    c = _competency(site)
    return tpl_service.create(site.repos, site.world["hr_a"], {
        "name": "Audited", "job_title": "Engineer", "window_hours": 24, "competency_ids": [c.id],
        "questions": [{"text": "Why?", "competency_ids": [c.id]}]}, site.now)


def _competency_form(c, **over):
    return {"name": c.name, "description": "Edited.", **{f"anchor_{n}": a for n, a in enumerate(c.anchors, 1)},
            "version": str(c.version), **over}


def _template_form(site, t):
    c = t.competency_ids[0]
    return {"name": t.name, "job_title": "Edited", "window_hours": "12", "competency_ids": [c], "q-1-text": "Why?",
            "q-1-competency": [c], "version": str(t.version)}


def _template_json(site, **over):
    c = _competency(site).id
    return {"name": "Audited API", "job_title": "Engineer", "window_hours": 24, "competency_ids": [c],
            "questions": [{"text": "Why?", "competency_ids": [c]}], **over}


def _bulk(site):
    from bson import ObjectId

    return {"batch_id": str(ObjectId()), "starts_at": (site.now + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "tz": "UTC", "candidate_ids": [site.world["cand_a"].id]}


def _with_member(site):
    """A completed interview of hr_a's with hr_b on its panel."""
    from interviewer.services import panels

    interview = site.completed()
    panels.add_member(site.repos, site.world["hr_a"], interview.id, site.world["hr_b"].id, site.now)
    return interview


def _rating_form(interview):
    return {**{f"rating.{q.id}.general": "4" for q in interview.questions}, "version": "1"}


def _rating_json(interview):
    return {"version": 1, "items": [{"question_id": q.id, "competency_id": "general", "rating": 4}
                                    for q in interview.questions]}


def _response(site, interview):
    return site.repos.responses.find(interview.id, interview.questions[0].id)


def _failed_message(site):
    message_id = outbox.queue(site.repos, "password_reset", site.world["hr_a"].id, {}, site.now)
    site.repos.outbox.update(site.repos.outbox.get(message_id), {"state": "failed"})
    return message_id


def _reset_link(site):
    from interviewer.mail.messages import reset_token

    with site.app.test_request_context():
        return f"/password/reset/{reset_token(site.world['hr_a'])}"


RECIPES = {
    ("POST", "/login"): ("sign_in", lambda s: s.client().post("/login", data={"email": s.world["hr_a"].email,
                                                                               "password": PASSWORD})),
    ("POST", "/register"): ("account.create", lambda s: s.client().post("/register", data={
        "name": "New Person", "email": "new@example.com", "password": PASSWORD, "confirm": PASSWORD})),
    ("POST", "/account/password"): ("password.change", lambda s: s.client(s.world["hr_a"]).post("/account/password", data={
        "current_password": PASSWORD, "password": "another long one", "confirm": "another long one"})),
    ("POST", "/account/notifications"): ("mail_choices.change", lambda s: s.client(s.world["hr_a"]).post(
        "/account/notifications", data={})),
    ("POST", "/password/forgot"): ("password.reset_request", lambda s: s.client().post(
        "/password/forgot", data={"email": s.world["hr_a"].email})),
    ("POST", "/password/reset/<token>"): ("password.reset", lambda s: s.client().post(
        _reset_link(s), data={"password": "a reset password", "confirm": "a reset password"})),
    ("POST", "/auth/token"): ("token.issue", lambda s: s.client().post("/auth/token", json={
        "email": s.world["hr_a"].email, "password": PASSWORD})),
    ("DELETE", "/auth/token"): ("token.revoke", lambda s: s.client().delete("/auth/token", headers=s.bearer(s.world["hr_a"]))),
    ("POST", "/admin/users"): ("account.create", lambda s: s.client(s.world["admin"]).post("/admin/users", data={
        "name": "Staff", "email": "staff@example.com", "role": "hr", "password": ""})),
    ("POST", "/admin/users/<user_id>/active"): ("account.deactivate", lambda s: s.client(s.world["admin"]).post(
        f"/admin/users/{s.world['cand_free'].id}/active", data={"active": "0"})),
    ("POST", "/admin/users/<user_id>/assign"): ("candidate.assign", lambda s: s.client(s.world["admin"]).post(
        f"/admin/users/{s.world['cand_free'].id}/assign", data={"hr_id": s.world["hr_a"].id})),
    ("POST", "/admin/users/<user_id>/unassign"): ("candidate.unassign", lambda s: s.client(s.world["admin"]).post(
        f"/admin/users/{s.world['cand_b'].id}/unassign")),
    ("POST", "/admin/users/<user_id>/sessions/end"): ("sessions.end_all", lambda s: s.client(s.world["admin"]).post(
        f"/admin/users/{s.world['cand_b'].id}/sessions/end")),
    ("POST", "/admin/users/<user_id>/erase"): ("candidate.erase", lambda s: s.client(s.world["admin"]).post(
        f"/admin/users/{s.world['cand_free'].id}/erase", data={"confirm": s.world["cand_free"].email})),
    ("POST", "/admin/questions"): ("question.create", lambda s: s.client(s.world["admin"]).post("/admin/questions", data={
        "text": "What is a deadlock?", "category": "technical", "difficulty": "3", "tags": "os",
        "reference_answer": "Two waiting on each other.", "key_points": "cycle"})),
    ("POST", "/admin/questions/<question_id>"): ("question.update", lambda s: s.client(s.world["admin"]).post(
        f"/admin/questions/{s.repos.questions.list()[0].id}", data={
            "text": "Edited question?", "category": "technical", "difficulty": "2", "tags": "x",
            "reference_answer": "", "key_points": ""})),
    ("POST", "/admin/questions/<question_id>/enabled"): ("question.disable", lambda s: s.client(s.world["admin"]).post(
        f"/admin/questions/{s.repos.questions.list()[0].id}/enabled", data={"enabled": "0"})),
    ("POST", "/admin/outbox/<message_id>/resend"): ("outbox.resend", lambda s: s.client(s.world["admin"]).post(
        f"/admin/outbox/{_failed_message(s)}/resend")),
    ("POST", "/admin/ai-notice"): ("ai_notice.publish", lambda s: s.client(s.world["admin"]).post(
        "/admin/ai-notice", data={"text": "A new notice."})),
    ("POST", "/candidate/ai-notice"): ("ai_notice.choice", lambda s: s.client(s.world["cand_a"]).post(
        "/candidate/ai-notice", data={"version": "0", "choice": "human"})),
    ("POST", "/interview/ai-notice"): ("ai_notice.choice", lambda s: s.client().post(
        "/interview/ai-notice", json={"version": 0, "human_only": False}, headers=s.bearer(s.world["cand_a"]))),
    # the events say that a candidate answered or withdrew, never what (services/demographics.py)
    ("POST", "/candidate/self-identification"): ("self_identification.save", lambda s: s.client(s.world["cand_a"]).post(
        "/candidate/self-identification", data={"sex": "female"})),
    ("POST", "/candidate/self-identification/withdraw"): ("self_identification.withdraw", lambda s: (lambda c: (
        c.post("/candidate/self-identification", data={"sex": "female"}),
        c.post("/candidate/self-identification/withdraw"))[1])(s.client(s.world["cand_a"]))),
    ("PUT", "/interview/self-identification"): ("self_identification.save", lambda s: s.client().put(
        "/interview/self-identification", json={"answers": {"sex": "male"}}, headers=s.bearer(s.world["cand_a"]))),
    ("DELETE", "/interview/self-identification"): ("self_identification.withdraw", lambda s: (lambda h: (
        s.client().put("/interview/self-identification", json={"answers": {"sex": "male"}}, headers=h),
        s.client().delete("/interview/self-identification", headers=h))[1])(s.bearer(s.world["cand_a"]))),
    ("POST", "/candidate/interviews/<interview_id>/submit"): ("interview.submit", lambda s: s.client(s.world["cand_a"]).post(
        f"/candidate/interviews/{s.schedule(s.world['hr_a'], s.world['cand_a']).id}/submit")),
    ("POST", "/interview/submit-all"): ("interview.submit", lambda s: (lambda i: s.client().post(
        "/interview/submit-all", json={"interview_id": i.id, "responses": [{"question_id": i.questions[0].id,
                                                                           "answer": "Final."}]},
        headers=s.bearer(s.world["cand_a"])))(s.open())),
    ("POST", "/hr/schedule/confirm"): ("interview.schedule", lambda s: s.client(s.world["hr_a"]).post(
        "/hr/schedule/confirm", data=s.schedule_form())),
    ("POST", "/interview/schedule"): ("interview.schedule", lambda s: s.client().post("/interview/schedule", json={
        "candidate_id": s.world["cand_a"].id, "job_title": "Data engineer", "num_questions": 2,
        "starts_at": (s.now + timedelta(hours=1)).isoformat(), "deadline": (s.now + timedelta(days=2)).isoformat()},
        headers=s.bearer(s.world["hr_a"]))),
    ("POST", "/hr/competencies"): ("competency.create", lambda s: s.client(s.world["hr_a"]).post(
        "/hr/competencies", data=_competency_form(_competency(s), name="Audited competency"))),
    ("POST", "/hr/competencies/<competency_id>"): ("competency.update", lambda s: (lambda c: s.client(
        s.world["hr_a"]).post(f"/hr/competencies/{c.id}", data=_competency_form(c)))(_own_competency(s))),
    ("POST", "/hr/competencies/<competency_id>/copy"): ("competency.copy", lambda s: s.client(s.world["hr_a"]).post(
        f"/hr/competencies/{_competency(s).id}/copy")),
    ("POST", "/hr/templates"): ("template.create", lambda s: (lambda t: s.client(s.world["hr_a"]).post(
        "/hr/templates", data={**_template_form(s, t), "name": "Another"}))(_template(s))),
    ("POST", "/hr/templates/<template_id>"): ("template.update", lambda s: (lambda t: s.client(s.world["hr_a"]).post(
        f"/hr/templates/{t.id}", data=_template_form(s, t)))(_template(s))),
    ("POST", "/hr/templates/<template_id>/copy"): ("template.copy", lambda s: s.client(s.world["hr_a"]).post(
        f"/hr/templates/{_template(s).id}/copy")),
    ("POST", "/hr/templates/<template_id>/archive"): ("template.archive", lambda s: s.client(s.world["hr_a"]).post(
        f"/hr/templates/{_template(s).id}/archive", data={"archived": "1", "version": "1"})),
    ("POST", "/hr/templates/<template_id>/schedule"): ("interview.schedule", lambda s: s.client(s.world["hr_a"]).post(
        f"/hr/templates/{_template(s).id}/schedule", data=_bulk(s))),
    ("POST", "/interview/competencies"): ("competency.create", lambda s: s.client().post(
        "/interview/competencies", json={"name": "API competency", "anchors": ["1", "2", "3", "4", "5"]},
        headers=s.bearer(s.world["hr_a"]))),
    ("PUT", "/interview/competencies/<competency_id>"): ("competency.update", lambda s: (lambda c: s.client().put(
        f"/interview/competencies/{c.id}", json={"name": c.name, "description": "Edited.", "anchors": c.anchors,
                                                 "version": c.version}, headers=s.bearer(s.world["hr_a"])))(
        _own_competency(s))),
    ("POST", "/interview/competencies/<competency_id>/copy"): ("competency.copy", lambda s: s.client().post(
        f"/interview/competencies/{_competency(s).id}/copy", headers=s.bearer(s.world["hr_a"]))),
    ("POST", "/interview/templates"): ("template.create", lambda s: s.client().post(
        "/interview/templates", json=_template_json(s), headers=s.bearer(s.world["hr_a"]))),
    ("PUT", "/interview/templates/<template_id>"): ("template.update", lambda s: s.client().put(
        f"/interview/templates/{_template(s).id}", json=_template_json(s, version=1), headers=s.bearer(s.world["hr_a"]))),
    ("POST", "/interview/templates/<template_id>/copy"): ("template.copy", lambda s: s.client().post(
        f"/interview/templates/{_template(s).id}/copy", headers=s.bearer(s.world["hr_a"]))),
    ("POST", "/interview/templates/<template_id>/archive"): ("template.archive", lambda s: s.client().post(
        f"/interview/templates/{_template(s).id}/archive", json={"archived": True, "version": 1},
        headers=s.bearer(s.world["hr_a"]))),
    ("POST", "/interview/templates/<template_id>/schedule"): ("interview.schedule", lambda s: s.client().post(
        f"/interview/templates/{_template(s).id}/schedule", json={
            "batch_id": _bulk(s)["batch_id"], "starts_at": (s.now + timedelta(hours=1)).isoformat(),
            "candidate_ids": [s.world["cand_a"].id]}, headers=s.bearer(s.world["hr_a"]))),
    ("POST", "/hr/interviews/<interview_id>/cancel"): ("interview.cancel", lambda s: s.client(s.world["hr_a"]).post(
        f"/hr/interviews/{s.open().id}/cancel")),
    ("POST", "/hr/interviews/<interview_id>/reschedule"): ("interview.reschedule", lambda s: (lambda i: s.client(
        s.world["hr_a"]).post(f"/hr/interviews/{i.id}/reschedule", data={
            "starts_at": i.starts_at.strftime("%Y-%m-%dT%H:%M"),
            "deadline": (i.deadline + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"), "tz": "UTC"}))(s.open())),
    ("POST", "/interview/<interview_id>/reschedule"): ("interview.reschedule", lambda s: (lambda i: s.client().post(
        f"/interview/{i.id}/reschedule", json={"deadline": (i.deadline + timedelta(days=1)).isoformat()},
        headers=s.bearer(s.world["hr_a"])))(s.open())),
    ("POST", "/hr/interviews/<interview_id>/questions/<question_id>/score"): ("answer.score", lambda s: (lambda i: s.client(
        s.world["hr_a"]).post(f"/hr/interviews/{i.id}/questions/{i.questions[0].id}/score",
                              data={"score": "8", "feedback": ""}))(s.completed())),
    ("POST", "/hr/interviews/<interview_id>/result"): ("interview.result", lambda s: s.client(s.world["hr_a"]).post(
        f"/hr/interviews/{s.completed().id}/result", data={"overall_score": "7", "overall_feedback": "ok"})),
    ("POST", "/interview/<interview_id>/results"): ("interview.result", lambda s: s.client().post(
        f"/interview/{s.completed().id}/results", json={"overall_score": 7, "overall_feedback": "ok"},
        headers=s.bearer(s.world["hr_a"]))),
    ("POST", "/hr/interviews/<interview_id>/share"): ("interview.share", lambda s: s.client(s.world["hr_a"]).post(
        f"/hr/interviews/{s.evaluated().id}/share", data={"shared": "1"})),
    ("POST", "/hr/responses/<response_id>/ai"): ("ai.requested", lambda s: s.client(s.world["hr_a"]).post(
        f"/hr/responses/{_response(s, s.completed()).id}/ai")),
    ("POST", "/hr/interviews/<interview_id>/ai/evaluate-all"): ("ai.requested", lambda s: s.client(s.world["hr_a"]).post(
        f"/hr/interviews/{s.completed().id}/ai/evaluate-all")),
    ("POST", "/interview/responses/<response_id>/evaluate"): ("ai.requested", lambda s: s.client().post(
        f"/interview/responses/{_response(s, s.completed()).id}/evaluate", headers=s.bearer(s.world["hr_a"]))),
    ("POST", "/hr/interviews/<interview_id>/panel"): ("panel.add", lambda s: s.client(s.world["hr_a"]).post(
        f"/hr/interviews/{s.completed().id}/panel", data={"rater_id": s.world["hr_b"].id})),
    ("POST", "/hr/interviews/<interview_id>/panel/<rater_id>/remove"): ("panel.remove", lambda s: s.client(
        s.world["hr_a"]).post(f"/hr/interviews/{_with_member(s).id}/panel/{s.world['hr_b'].id}/remove")),
    ("POST", "/hr/interviews/<interview_id>/rating/submit"): ("rating.submit", lambda s: (lambda i: s.client(
        s.world["hr_a"]).post(f"/hr/interviews/{i.id}/rating/submit", data=_rating_form(i)))(s.completed())),
    ("POST", "/hr/interviews/<interview_id>/outcome"): ("interview.outcome", lambda s: s.client(s.world["hr_a"]).post(
        f"/hr/interviews/{s.completed().id}/outcome", data={"outcome": "advance", "seen": ""})),
    ("PUT", "/interview/<interview_id>/panel/<rater_id>"): ("panel.add", lambda s: s.client().put(
        f"/interview/{s.completed().id}/panel/{s.world['hr_b'].id}", headers=s.bearer(s.world["hr_a"]))),
    ("DELETE", "/interview/<interview_id>/panel/<rater_id>"): ("panel.remove", lambda s: s.client().delete(
        f"/interview/{_with_member(s).id}/panel/{s.world['hr_b'].id}", headers=s.bearer(s.world["hr_a"]))),
    ("POST", "/interview/<interview_id>/rating/submit"): ("rating.submit", lambda s: (lambda i: s.client().post(
        f"/interview/{i.id}/rating/submit", json=_rating_json(i), headers=s.bearer(s.world["hr_a"])))(s.completed())),
    ("PUT", "/interview/<interview_id>/outcome"): ("interview.outcome", lambda s: s.client().put(
        f"/interview/{s.completed().id}/outcome", json={"outcome": "hire"}, headers=s.bearer(s.world["hr_a"]))),
}


def changing_routes(app) -> set[tuple[str, str]]:
    return {(m, r.rule) for r in app.url_map.iter_rules() for m in r.methods - {"GET", "HEAD", "OPTIONS"}}


def test_every_state_changing_route_has_a_recipe_or_a_reason(app):
    routes = changing_routes(app)
    assert routes - set(RECIPES) - set(EXEMPT) == set(), "a new state-changing route: give it an audit event"
    assert (set(RECIPES) | set(EXEMPT)) - routes == set(), "a listed route no longer exists"


@pytest.mark.parametrize("route", sorted(RECIPES))
def test_the_route_appends_its_event(app, repos, world, schedule, now, route):
    app.config["AI_EXECUTOR"] = "manual"
    site = Site(app, repos, world, schedule, now)
    action, call = RECIPES[route]
    before = repos.audit.last()
    reply = call(site)
    assert reply.status_code < 400, (route, reply.status_code, reply.get_data(as_text=True)[:300])
    after = [e for e in repos.audit.in_order() if before is None or e["seq"] > before["seq"]]
    assert action in [e["action"] for e in after], (route, [e["action"] for e in after])
