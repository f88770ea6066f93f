"""Shared fixtures: the app on mongomock by default, on the embedded store with TEST_BACKEND=sqlite,
on a real MongoDB when TEST_MONGO_URI is set (each test gets its own database)."""
from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest
from support import PASSWORD, backend_uri, sqlite_uri

from interviewer import create_app
from interviewer.db import get_db, get_repos
from interviewer.migrate import upgrade
from interviewer.services import users as user_service


@pytest.fixture(autouse=True)
def ai_notice_already_read(request, monkeypatch):
    """Candidates in tests have read the AI notice and let AI propose scores, as if they had chosen
    on their first visit, unless the test is marked `ai_notice` (tests/views/test_ai_notice.py
    tests the notice, the choice and the human-only review themselves)."""
    if request.node.get_closest_marker("ai_notice") is None:
        from interviewer.services import consent

        monkeypatch.setattr(consent, "needs_choice", lambda repos, user: False)


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch):
    """scrypt costs ~0.1 s a hash; tests create thousands of accounts and do not test hash strength."""
    monkeypatch.setattr(user_service, "HASH_METHOD", "pbkdf2:sha256:1000")


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory):
    """An embedded-store file migrated once per run; tests start from a copy (sqlite's backup).

    Migrating costs a commit per seeded question; copying the file costs milliseconds. The
    migrations themselves are tested in test_migrations.
    """
    path = tmp_path_factory.mktemp("sqlite-template") / "db.sqlite3"
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "MONGO_URI": sqlite_uri(path)})
    with app.app_context():
        upgrade(get_db())
    return get_db(app)


def _build_app(tmp_path, request, **overrides):
    uri, name = backend_uri(tmp_path)
    if uri.startswith("sqlite:"):
        request.getfixturevalue("migrated_sqlite").backup_to(tmp_path / "db.sqlite3")
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "MONGO_URI": uri,
        "MONGO_DB": name,
        "AI_PROVIDER": "local",
        "GEMINI_API_KEY": "",
        "MAIL_SENDER": "manual",  # tests that deliver call interviewer.mail.send_due or set "inline"
        **overrides,
    }
    app = create_app(config)
    with app.app_context():
        upgrade(get_db())
    if os.environ.get("TEST_MONGO_URI"):
        request.addfinalizer(lambda: get_db(app).client.drop_database(name))
    return app


@pytest.fixture
def fresh_app(tmp_path, request):
    """An app over an empty, unmigrated database on the backend under test."""
    uri, name = backend_uri(tmp_path)
    if uri.startswith("sqlite:"):
        uri = sqlite_uri(tmp_path / "fresh.sqlite3")
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "MONGO_URI": uri, "MONGO_DB": name, "MAIL_SENDER": "manual"})
    if os.environ.get("TEST_MONGO_URI"):
        request.addfinalizer(lambda: get_db(app).client.drop_database(name))
    return app


@pytest.fixture
def build_app(tmp_path, request):
    """``build_app(**config)``: the suite's app (as `app` builds it, CSRF on unless overridden) with
    more configuration, over this test's database on the backend under test."""
    return lambda **overrides: _build_app(tmp_path, request, **overrides)


@pytest.fixture
def app(tmp_path, request):
    return _build_app(tmp_path, request, WTF_CSRF_ENABLED=False)


@pytest.fixture
def csrf_app(tmp_path, request):
    """The app with CSRF protection on, as in production."""
    return _build_app(tmp_path, request)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def repos(app):
    # No app context kept pushed: the test client would reuse it (and flask-login's cached
    # user in `g`) for every request, hiding per-request behaviour.
    return get_repos(app)


@pytest.fixture
def make_user(repos):
    counter = {"n": 0}

    def make(role="candidate", email=None, name=None, hr=None, **extra):
        counter["n"] += 1
        email = email or f"{role}{counter['n']}@example.com"
        user = user_service.create_user(repos, email, name or f"{role.title()} {counter['n']}", PASSWORD, role, **extra)
        if hr is not None:
            user = user_service.assign(repos, user.id, hr.id)
        return user

    return make


@pytest.fixture
def login(client):
    def do(user, password=PASSWORD, c=None):
        c = c or client
        response = c.post("/login", data={"email": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return c

    return do


@pytest.fixture
def now():
    return datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def world(make_user):
    """Two HR users with one assigned candidate each, an unassigned candidate, an admin."""
    hr_a, hr_b = make_user("hr", name="HR A"), make_user("hr", name="HR B")
    return {
        "admin": make_user("admin"),
        "hr_a": hr_a,
        "hr_b": hr_b,
        "cand_a": make_user("candidate", name="Cand A", hr=hr_a),
        "cand_b": make_user("candidate", name="Cand B", hr=hr_b),
        "cand_free": make_user("candidate", name="Cand Free"),
    }


@pytest.fixture
def schedule(repos):
    """Schedule an interview through the service (default set unless items are given)."""
    from interviewer.services import interviews as svc

    def do(hr, candidate, start=None, deadline=None, n=3, items=None):
        now = datetime.now(UTC)
        req = svc.ScheduleRequest(candidate_id=candidate.id, job_title="Backend engineer",
                                  job_description="Python, Flask, MongoDB", starts_at=start or now - timedelta(hours=1),
                                  deadline=deadline or now + timedelta(days=1), num_questions=n)
        if items is None:
            draft = svc.draft_questions(repos, hr, req, now)
            items = [q.__dict__ for q in draft.questions]
        return svc.schedule(repos, hr, req, items, now)

    return do


@pytest.fixture
def smtp():
    """A real SMTP server for this test (aiosmtpd): `.url` for MAIL_URL, `.messages` received."""
    from smtp_recorder import running_smtp

    with running_smtp() as server:
        yield server
