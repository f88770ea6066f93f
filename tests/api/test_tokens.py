"""Token authentication: issue, use, expire, revoke, deactivation; sessions and CSRF on the API."""
from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from api_support import build_app, drop
from support import PASSWORD, csrf_token_from

from interviewer.db import get_db, get_repos
from interviewer.services import tokens as token_service
from interviewer.services import users as user_service


def token_for(client, user, password=PASSWORD):
    response = client.post("/auth/token", json={"email": user.email, "password": password})
    assert response.status_code == 200, response.json
    return response.json


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_token_is_random_hashed_and_expires(world, client, api_app):
    body = token_for(client, world["hr_a"])
    assert body["token_type"] == "bearer" and len(body["access_token"]) >= 40
    expires = datetime.fromisoformat(body["expires_at"])
    assert expires.utcoffset() == timedelta(0)
    assert timedelta(hours=23) < expires - datetime.now(UTC) <= timedelta(hours=24)
    assert token_for(client, world["hr_a"])["access_token"] != body["access_token"]
    with api_app.app_context():
        docs = list(get_db().api_tokens.find({}))
    digest = hashlib.sha256(body["access_token"].encode()).hexdigest()
    assert any(d["token_hash"] == digest for d in docs)
    assert not any(body["access_token"] in str(d) for d in docs)
    me = client.get("/auth/me", headers=bearer(body["access_token"]))
    assert me.status_code == 200
    assert me.json == {"id": world["hr_a"].id, "email": world["hr_a"].email, "name": "HR A", "role": "hr",
                       "status": "active", "active": True}


@pytest.mark.parametrize("email,password", [
    ("nobody@example.com", PASSWORD),
    (None, "wrong-password-1"),
])
def test_wrong_credentials_are_401(world, client, email, password):
    response = client.post("/auth/token", json={"email": email or world["cand_a"].email, "password": password})
    assert response.status_code == 401
    assert response.json["error"]["code"] == "invalid_credentials"


@pytest.mark.parametrize("header", [
    None, "", "Bearer", "Bearer ", "Bearer not-a-token", "bearer " + "x" * 5000, "Basic dXNlcjpwYXNz",
    "Bearer a b c", "Token abc",
])
def test_no_or_bad_credentials_are_401_json(client, header):
    headers = {} if header is None else {"Authorization": header}
    response = client.get("/auth/me", headers=headers)
    assert response.status_code == 401
    assert response.is_json and response.json["error"]["code"] in ("unauthorized", "invalid_token")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_token_requests_never_create_a_session(world, api_app):
    client = api_app.test_client()
    token = token_for(client, world["cand_a"])["access_token"]
    made = world.interview("a", "scheduled")
    responses = [
        client.get("/auth/me", headers=bearer(token)),
        client.get(f"/interview/{made.id}", headers=bearer(token)),
        client.post("/interview/submit-response", headers=bearer(token),
                    json={"interview_id": made.id, "question_id": made.question_ids[0], "answer": "Hello"}),
        client.get("/interview/all", headers=bearer(token)),  # 403
    ]
    assert [r.status_code for r in responses] == [200, 200, 200, 403]
    for response in responses:
        assert "Set-Cookie" not in response.headers
    assert client.get_cookie("session") is None


def test_expired_token_is_refused(world, client, api_app):
    with api_app.app_context():
        issued = token_service.issue(get_repos(), world["cand_a"], datetime.now(UTC) - timedelta(hours=2),
                                     timedelta(hours=1))
    response = client.get("/auth/me", headers=bearer(issued.access_token))
    assert response.status_code == 401 and response.json["error"]["code"] == "invalid_token"


def test_delete_revokes_only_the_token_in_use(world, client):
    first = token_for(client, world["hr_b"])["access_token"]
    second = token_for(client, world["hr_b"])["access_token"]
    assert client.delete("/auth/token", headers=bearer(first)).status_code == 204
    assert client.get("/auth/me", headers=bearer(first)).status_code == 401
    assert client.delete("/auth/token", headers=bearer(first)).status_code == 401
    assert client.get("/auth/me", headers=bearer(second)).status_code == 200


def test_token_dies_with_a_deactivated_account(api_app, client):
    with api_app.app_context():
        repos = get_repos()
        user = user_service.create_user(repos, "leaving@example.com", "Leaving", PASSWORD, "hr")
    token = token_for(client, user)["access_token"]
    assert client.get("/auth/me", headers=bearer(token)).status_code == 200
    unused = token_for(client, user)["access_token"]
    with api_app.app_context():
        user_service.set_active(get_repos(), user.id, False)
    assert client.get("/auth/me", headers=bearer(token)).status_code == 401
    assert client.post("/auth/token", json={"email": user.email, "password": PASSWORD}).status_code == 401
    with api_app.app_context():
        user_service.set_active(get_repos(), user.id, True)
    # Reactivation does not bring the old tokens back (not even one unused meanwhile): sign in again.
    assert client.get("/auth/me", headers=bearer(token)).status_code == 401
    assert client.get("/auth/me", headers=bearer(unused)).status_code == 401
    assert client.get("/auth/me", headers=bearer(token_for(client, user)["access_token"])).status_code == 200


def test_tokens_work_only_on_the_api(world, client):
    token = token_for(client, world["hr_a"])["access_token"]
    response = client.get("/hr/interviews", headers=bearer(token))
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# --- sessions, and CSRF for them -----------------------------------------------------------------

@pytest.fixture(scope="module")
def csrf_app(tmp_path_factory):
    app = build_app(tmp_path_factory.mktemp("csrf"), WTF_CSRF_ENABLED=True)
    yield app
    drop(app)


def _session_client(app, user):
    client = app.test_client()
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    # Signing in starts a fresh session, so the page after it carries the token to use.
    return client, csrf_token_from(client.get(response.headers["Location"], follow_redirects=True).get_data(as_text=True))


def test_session_post_needs_the_csrf_header_token_post_does_not(csrf_app):
    from api_support import World

    world = World(csrf_app)
    made = world.interview("a", "scheduled")
    body = {"interview_id": made.id, "question_id": made.question_ids[0], "answer": "By session"}
    client, csrf_token = _session_client(csrf_app, world["cand_a"])
    assert client.get("/auth/me").json["role"] == "candidate"  # reads need no CSRF token

    refused = client.post("/interview/submit-response", json=body)
    assert refused.status_code == 400 and refused.is_json and refused.json["error"]["code"] == "csrf"
    assert client.post("/interview/submit-response", json=body,
                       headers={"X-CSRFToken": "forged"}).status_code == 400
    accepted = client.post("/interview/submit-response", json=body, headers={"X-CSRFToken": csrf_token})
    assert accepted.status_code == 200 and accepted.json["answer"] == "By session"

    fresh = csrf_app.test_client()
    token = fresh.post("/auth/token", json={"email": world["cand_a"].email, "password": PASSWORD}).json
    by_token = fresh.post("/interview/submit-response", json={**body, "answer": "By token"},
                          headers=bearer(token["access_token"]))
    assert by_token.status_code == 200 and by_token.json["answer"] == "By token"
    # A session without a bearer token has nothing to revoke.
    revoke = client.delete("/auth/token", headers={"X-CSRFToken": csrf_token})
    assert revoke.status_code == 400 and revoke.json["error"]["code"] == "no_token"


def test_a_bearer_header_decides_over_the_session_cookie(csrf_app):
    from api_support import World

    world = World(csrf_app)
    client, _ = _session_client(csrf_app, world["cand_a"])
    hr_token = client.post("/auth/token", json={"email": world["hr_a"].email, "password": PASSWORD},
                           headers={"X-CSRFToken": _}).json["access_token"]
    assert client.get("/auth/me").json["role"] == "candidate"
    assert client.get("/auth/me", headers=bearer(hr_token)).json["role"] == "hr"
    # A bad token is not rescued by the session.
    assert client.get("/auth/me", headers=bearer("nope")).status_code == 401


def test_api_token_indexes(api_app):
    with api_app.app_context():
        info = get_db().api_tokens.index_information()
    unique = [v for v in info.values() if v.get("key") == [("token_hash", 1)]]
    assert unique and unique[0].get("unique")
    assert any(v.get("key") == [("user_id", 1)] for v in info.values())


def test_revoke_all_for_a_user(world, client, api_app):
    tokens = [token_for(client, world["cand_b"])["access_token"] for _ in range(2)]
    with api_app.app_context():
        repos = get_repos()
        assert token_service.revoke_all(repos, world["cand_b"].id, datetime.now(UTC)) >= 2
        assert all(t.revoked_at is not None for t in repos.tokens.for_user(world["cand_b"].id))
    assert all(client.get("/auth/me", headers=bearer(t)).status_code == 401 for t in tokens)
