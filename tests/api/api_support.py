"""API test support: one app per test module (an app on the embedded store costs a migration to build), six actors
with tokens, and factories that put fresh interviews in any state through the services."""
from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from support import PASSWORD, backend_uri
from werkzeug.security import generate_password_hash

from interviewer import create_app
from interviewer.db import get_db, get_repos
from interviewer.migrate import upgrade
from interviewer.models import Interview, Response, User
from interviewer.services import interviews as svc
from interviewer.services import tokens as token_service
from interviewer.services import users as user_service

ACTORS = ("anonymous", "cand_a", "cand_b", "hr_a", "hr_b", "admin")
STATES = ("scheduled", "in_progress", "completed", "evaluated")


def build_app(folder, **overrides):
    uri, name = backend_uri(folder)
    config = {"TESTING": True, "SECRET_KEY": "test-secret", "MONGO_URI": uri, "MONGO_DB": name,
              "WTF_CSRF_ENABLED": False, "AI_PROVIDER": "local", "GEMINI_API_KEY": "", "AI_EXECUTOR": "inline"}
    config.update(overrides)
    app = create_app(config)
    with app.app_context():
        upgrade(get_db())
    return app


def drop(app) -> None:
    if os.environ.get("TEST_MONGO_URI"):
        with app.app_context():
            get_db().client.drop_database(app.config["MONGO_DB"])


@dataclass
class Made:
    interview: Interview
    responses: list[Response] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.interview.id

    @property
    def question_ids(self) -> list[str]:
        return [q.id for q in self.interview.questions]


class World:
    """The actors of every API test, and helpers acting through the services."""

    def __init__(self, app):
        self.app = app
        with app.app_context():
            repos = get_repos()
            make = user_service.create_user
            tag = uuid.uuid4().hex[:6]
            self.users: dict[str, User] = {
                "admin": make(repos, f"admin-{tag}@example.com", "Admin", PASSWORD, "admin"),
                "hr_a": make(repos, f"hr-a-{tag}@example.com", "HR A", PASSWORD, "hr"),
                "hr_b": make(repos, f"hr-b-{tag}@example.com", "HR B", PASSWORD, "hr"),
            }
            for side in ("a", "b"):
                cand = make(repos, f"cand-{side}-{tag}@example.com", f"Cand {side.upper()}", PASSWORD, "candidate")
                self.users[f"cand_{side}"] = user_service.assign(repos, cand.id, self.users[f"hr_{side}"].id)
            self.users["cand_free"] = make(repos, f"cand-free-{tag}@example.com", "Cand Free", PASSWORD, "candidate")
            # scrypt costs ~0.1 s a check and the matrix signs in dozens of times; strength is not tested here.
            cheap = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
            for user in self.users.values():
                repos.users.set_fields(user.id, password_hash=cheap)

    def __getitem__(self, name: str) -> User:
        return self.users[name]

    def headers(self, actor: str) -> dict[str, str]:
        """A fresh bearer token for `actor` (no header for anonymous)."""
        if actor == "anonymous":
            return {}
        with self.app.app_context():
            issued = token_service.issue(get_repos(), self.users[actor], datetime.now(UTC), timedelta(hours=1))
        return {"Authorization": f"Bearer {issued.access_token}"}

    def interview(self, side: str = "a", state: str = "scheduled", n: int = 2, shared: bool = True,
                  answers: int = 1, **times) -> Made:
        """A fresh interview of candidate `side` in `state`, made through the services."""
        hr, cand = self.users[f"hr_{side}"], self.users[f"cand_{side}"]
        now = datetime.now(UTC)
        with self.app.app_context():
            repos = get_repos()
            req = svc.ScheduleRequest(candidate_id=cand.id, job_title="Backend engineer",
                                      job_description="Python, Flask, MongoDB",
                                      starts_at=times.get("starts_at", now - timedelta(hours=1)),
                                      deadline=times.get("deadline", now + timedelta(days=1)), num_questions=n)
            draft = svc.draft_questions(repos, hr, req, now)
            interview = svc.schedule(repos, hr, req, [q.__dict__ for q in draft.questions], now)
            if state != "scheduled":
                for q in interview.questions[:answers]:
                    svc.save_answer(repos, cand, interview.id, q.id, f"My answer to {q.text[:40]}", now)
            if state in ("completed", "evaluated"):
                svc.submit(repos, cand, interview.id, now)
            if state == "evaluated":
                svc.record_result(repos, hr, interview.id, 7.5, "Solid.", now, share=shared)
            interview = repos.interviews.get(interview.id)
            by_q = repos.responses.for_interview(interview.id)
            return Made(interview, [by_q[q.id] for q in interview.questions if q.id in by_q])

    def get_interview(self, interview_id: str) -> Interview:
        with self.app.app_context():
            return get_repos().interviews.get(interview_id)

    def responses_of(self, interview_id: str) -> dict[str, Response]:
        with self.app.app_context():
            return get_repos().responses.for_interview(interview_id)


def iso(dt: datetime) -> str:
    return dt.isoformat()
