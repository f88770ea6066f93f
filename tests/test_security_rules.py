"""The sign-in rules of interviewer/security.py as a caller sees them: a role guard built now (not
only the ones the blueprints built at import) lets in exactly its roles, sends the anonymous to the
sign-in page and refuses other roles with 403; `next` targets never leave the site."""
from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from flask import Blueprint

from interviewer.repositories.base import from_db
from interviewer.security import home_for, role_required, safe_next


@pytest.fixture
def guarded(app):
    """The app with /probe/ behind role_required("hr", "admin"), built inside the test."""
    bp = Blueprint("probe", __name__, url_prefix="/probe")
    bp.before_request(role_required("hr", "admin"))
    bp.add_url_rule("/", "page", lambda: "inside", methods=["GET", "POST"])
    app.register_blueprint(bp)
    return app


def test_a_listed_role_gets_through(guarded, make_user, login):
    for role in ("hr", "admin"):
        client = login(make_user(role), c=guarded.test_client())
        response = client.get("/probe/")
        assert (response.status_code, response.get_data(as_text=True)) == (200, "inside")


def test_another_role_is_refused_with_403(guarded, make_user, login):
    client = login(make_user("candidate"), c=guarded.test_client())
    response = client.get("/probe/")
    assert response.status_code == 403
    assert "inside" not in response.get_data(as_text=True)


def test_the_anonymous_are_sent_to_sign_in_and_back(guarded):
    response = guarded.test_client().get("/probe/?page=2")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/probe/?page%3D2"


def test_the_anonymous_asking_for_json_get_401(guarded):
    response = guarded.test_client().get("/probe/", headers={"Accept": "application/json"})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("target", ["/", "/hr/interviews", "/hr/interviews?page=2"])
def test_a_path_on_this_site_is_a_safe_next(target):
    assert safe_next(target) == target


@pytest.mark.parametrize("target", [
    None, "", "hr/interviews", "//evil.example/x", "/\\evil.example", "\\\\evil.example",
    "https://evil.example/", "http:/evil", "javascript:alert(1)",
])
def test_anything_else_is_no_next(target):
    assert safe_next(target) is None


def test_three_slashes_are_no_next_either():
    # Browsers read "///host/x" as "//host/x": another site.
    assert safe_next("///evil.example/") is None


def test_an_htmx_poll_comes_back_to_the_relative_page_it_was_on(guarded):
    response = guarded.test_client().get("/probe/", headers={"HX-Request": "true", "HX-Current-URL": "/hr/interviews?page=2"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/login?next=/hr/interviews?page%3D2"


def test_a_form_post_comes_back_to_the_https_page_it_was_sent_from(guarded):
    response = guarded.test_client().post("/probe/", headers={"Referer": "https://localhost/hr/interviews?page=3"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/hr/interviews?page%3D3"


def test_a_user_with_no_known_role_is_sent_home_to_sign_in(app):
    with app.test_request_context():
        assert home_for(SimpleNamespace()) == "/login"
        assert home_for(SimpleNamespace(role="visitor")) == "/login"
        assert home_for(SimpleNamespace(role="hr")) == "/hr/interviews"


def test_signing_in_records_the_session_with_its_browser_and_time(app, repos, make_user, login):
    user = make_user("candidate")
    before = datetime.now(UTC).replace(microsecond=0)
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = "ProbeBrowser/1.0"
    login(user, c=client)
    [record] = list(repos.sessions.col.find({"user_id": user.id}))
    assert record["user_agent"] == "ProbeBrowser/1.0"
    assert record["ended_at"] is None
    created = from_db(record["created_at"])
    assert before <= created <= datetime.now(UTC)


def test_signing_in_from_a_browser_that_sends_no_user_agent_works(app, repos, make_user, login):
    user = make_user("candidate")
    client = app.test_client()
    client.environ_base.pop("HTTP_USER_AGENT", None)
    login(user, c=client)
    [record] = list(repos.sessions.col.find({"user_id": user.id}))
    assert record["user_agent"] == ""


def test_an_unknown_address_under_the_api_document_answers_json(client):
    response = client.get("/openapi.yaml")
    assert response.status_code == 404
    assert response.is_json
