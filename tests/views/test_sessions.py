"""Signing out really ends a session: the cookie is signed but names a server-side record, and a
request is signed in only while that record is live."""
from __future__ import annotations

import pytest

from interviewer.services import users as user_service

HOME = "/candidate/"


def cookie(client) -> str:
    return client.get_cookie("session").value


def replay(client, value: str):
    client.set_cookie("session", value)
    return client.get(HOME)


def signed_in(response) -> bool:
    return response.status_code == 200


@pytest.fixture
def candidate(world):
    return world["cand_a"]


def test_a_copy_of_the_cookie_is_worthless_after_signing_out(app, login, candidate, repos):
    client = login(candidate, c=app.test_client())
    assert signed_in(client.get(HOME))
    stolen = cookie(client)
    assert client.post("/logout").status_code == 302
    assert not signed_in(client.get(HOME))
    attacker = app.test_client()
    response = replay(attacker, stolen)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert repos.sessions.count_live(candidate.id) == 0


def test_signing_out_one_browser_leaves_the_others_signed_in(app, login, candidate):
    laptop, phone = login(candidate, c=app.test_client()), login(candidate, c=app.test_client())
    laptop.post("/logout")
    assert not signed_in(laptop.get(HOME)) and signed_in(phone.get(HOME))


def test_deactivation_ends_every_session_and_reactivation_brings_none_back(app, login, candidate, repos, world):
    browser = login(candidate, c=app.test_client())
    kept = cookie(browser)
    user_service.set_active(repos, candidate.id, False, world["admin"].id)
    assert not signed_in(browser.get(HOME))
    user_service.set_active(repos, candidate.id, True, world["admin"].id)
    assert not signed_in(replay(app.test_client(), kept))
    assert signed_in(login(candidate, c=app.test_client()).get(HOME))  # a new sign-in works


def test_an_admin_signs_a_user_out_everywhere(app, login, candidate, repos, world):
    browsers = [login(candidate, c=app.test_client()) for _ in range(3)]
    admin = login(world["admin"], c=app.test_client())
    response = admin.post(f"/admin/users/{candidate.id}/sessions/end", headers={"HX-Request": "true"})
    assert response.status_code == 200 and f'id="user-{candidate.id}"' in response.get_data(as_text=True)
    assert not any(signed_in(b.get(HOME)) for b in browsers)
    assert repos.sessions.count_live(candidate.id) == 0
    assert admin.get("/admin/users").status_code == 200  # the admin's own session is untouched
    assert admin.post("/admin/users/000000000000000000000000/sessions/end").status_code == 404


def test_a_cookie_without_a_session_record_is_anonymous(app, candidate):
    client = app.test_client()
    with client.session_transaction() as s:  # a cookie from before sessions were recorded
        s["_user_id"] = candidate.id
        s["_fresh"] = True
    assert not signed_in(client.get(HOME))
    with client.session_transaction() as s:
        s["sid"] = "not-an-id"
    assert not signed_in(client.get(HOME))
