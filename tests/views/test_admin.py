"""The admin console: list, search, filter, paginate; staff accounts; inline assignment and activity."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from bson import ObjectId
from support import PASSWORD

from interviewer.services import users as user_service

HX = {"HX-Request": "true"}
UNKNOWN = "000000000000000000000000"


@pytest.fixture
def admin(world, login):
    login(world["admin"])
    return world["admin"]


def row_ids(html: str) -> list[str]:
    return re.findall(r'<tr id="user-([0-9a-f]{24})">', html)


def path_of(response) -> str:
    return urlsplit(response.headers["Location"]).path


# --- listing -------------------------------------------------------------------------------------------

def test_users_page_lists_everyone_with_stats(client, world, admin):
    response = client.get("/admin/users")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" in body
    assert set(row_ids(body)) == {u.id for u in world.values()}
    assert 'id="stats"' in body and 'id="staff-form"' in body


def test_htmx_request_gets_only_the_table_fragment(client, world, admin):
    response = client.get("/admin/users", headers=HX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in body and "<body" not in body
    assert body.lstrip().startswith('<div class="table-scroll"') and "<table>" in body  # scrolls in its own box
    assert set(row_ids(body)) == {u.id for u in world.values()}
    assert "HX-Request" in response.headers["Vary"]


def test_boosted_navigation_gets_the_full_page(client, world, admin):
    response = client.get("/admin/users", headers={**HX, "HX-Boosted": "true"})
    body = response.get_data(as_text=True)
    assert "<html" in body and 'id="users-table"' in body
    assert "HX-Request" in response.headers["Vary"]


@pytest.mark.parametrize(("args", "expected"), [
    ({"q": "cand"}, {"cand_a", "cand_b", "cand_free"}),
    ({"q": "Cand Free"}, {"cand_free"}),
    ({"q": "HR A"}, {"hr_a"}),
    ({"q": "admin"}, {"admin"}),
    ({"q": "@example.com"}, {"admin", "hr_a", "hr_b", "cand_a", "cand_b", "cand_free"}),
    ({"q": "a.b"}, set()),
    ({"q": "("}, set()),
    ({"q": "["}, set()),
    ({"role": "hr"}, {"hr_a", "hr_b"}),
    ({"role": "candidate", "status": "assigned"}, {"cand_a", "cand_b"}),
    ({"status": "registered"}, {"cand_free"}),
    ({"role": "candidate", "q": "free"}, {"cand_free"}),
    ({"active": "no"}, {"hr_b"}),
    ({"active": "yes", "role": "hr"}, {"hr_a"}),
    ({"role": "nonsense", "status": "nonsense", "active": "maybe"}, {"admin", "hr_a", "hr_b", "cand_a", "cand_b",
                                                                       "cand_free"}),
])
@pytest.mark.parametrize("headers", [{}, HX])
def test_search_and_filters(client, repos, world, admin, args, expected, headers):
    user_service.set_active(repos, world["hr_b"].id, False)
    response = client.get("/admin/users", query_string=args, headers=headers)
    assert response.status_code == 200
    assert set(row_ids(response.get_data(as_text=True))) == {world[k].id for k in expected}


def test_pagination_walks_every_user_once(client, repos, world, admin, make_user):
    for i in range(40):
        make_user("candidate", email=f"bulk{i:02d}@example.com")
    seen = []
    for page in (1, 2, 3):
        body = client.get("/admin/users", query_string={"page": page}, headers=HX).get_data(as_text=True)
        seen.extend(row_ids(body))
        assert f"Page {page} of 3 (46)" in body
    assert len(seen) == len(set(seen)) == 46 == repos.users.count()
    assert 'rel="next"' in client.get("/admin/users?page=1").get_data(as_text=True)
    assert 'rel="next"' not in client.get("/admin/users?page=3").get_data(as_text=True)


@pytest.mark.parametrize("page", ["0", "-1", "abc", "99999999", ""])
def test_bad_page_numbers_fall_back_to_page_one(client, world, admin, page):
    response = client.get("/admin/users", query_string={"page": page})
    assert response.status_code == 200
    assert len(row_ids(response.get_data(as_text=True))) == len(world)


def test_pager_keeps_the_filters(client, world, admin, make_user):
    for i in range(25):
        make_user("candidate", email=f"bulk{i:02d}@example.com")
    body = client.get("/admin/users", query_string={"role": "candidate", "q": "bulk"}).get_data(as_text=True)
    next_link = re.search(r'<a href="([^"]+)" rel="next"', body).group(1).replace("&amp;", "&")
    assert "role=candidate" in next_link and "q=bulk" in next_link and "page=2" in next_link
    # A text search is not counted: the pager says "Page 2" with no "of N", and the last page has no "Next".
    last = client.get(next_link).get_data(as_text=True)
    assert len(row_ids(last)) == 5 and 'rel="next"' not in last and 'rel="prev"' in last
    assert re.search(r"<span>Page 2</span>", last)


def test_stats_fragment(client, world, admin):
    body = client.get("/admin/stats").get_data(as_text=True)
    assert "<html" not in body
    assert "<strong>3</strong>candidates" in body
    assert "<strong>2</strong>candidates assigned" in body


# --- creating staff accounts -------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["hr", "admin"])
def test_create_staff_account(client, repos, admin, role):
    response = client.post("/admin/users", data={"name": "New Staff", "email": "New@Example.com", "role": role,
                                                  "password": PASSWORD})
    assert response.status_code == 303
    assert path_of(response) == "/admin/users"
    user = repos.users.by_email("new@example.com")
    assert (user.name, user.role, user.active) == ("New Staff", role, True)
    assert user_service.authenticate(repos, "new@example.com", PASSWORD).id == user.id


def test_create_staff_account_with_htmx_redirects_with_hx_redirect(client, repos, admin):
    response = client.post("/admin/users", headers=HX,
                           data={"name": "New Staff", "email": "new@example.com", "role": "hr", "password": PASSWORD})
    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == "/admin/users"
    assert repos.users.by_email("new@example.com").role == "hr"


@pytest.mark.parametrize(("data", "field"), [
    ({"email": "HR1@example.com"}, "email"),  # taken (world's hr_a), differing only by case
    ({"email": "not-an-email"}, "email"),
    ({"name": ""}, "name"),
    ({"password": "short"}, "password"),
    ({"role": "candidate"}, "role"),  # staff only: candidates register themselves
    ({"role": "root"}, "role"),
])
@pytest.mark.parametrize("headers", [{}, HX])
def test_create_staff_account_errors(client, repos, world, admin, data, field, headers):
    before = repos.users.count()
    form = {"name": "New Staff", "email": "new@example.com", "role": "hr", "password": PASSWORD, **data}
    response = client.post("/admin/users", data=form, headers=headers)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="{field}-error"' in body
    assert repos.users.count() == before
    assert ("<html" in body) is (not headers)
    if headers:
        assert body.lstrip().startswith('<form id="staff-form"')
    if data.get("name") != "":
        assert 'value="New Staff"' in body


# --- inline assignment -------------------------------------------------------------------------------

def test_assign_inline_returns_just_the_row(client, repos, world, admin):
    cand, hr = world["cand_free"], world["hr_a"]
    response = client.post(f"/admin/users/{cand.id}/assign", data={"hr_id": hr.id}, headers=HX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert body.lstrip().startswith(f'<tr id="user-{cand.id}">')
    assert row_ids(body) == [cand.id]
    assert "<html" not in body
    assert response.headers["HX-Trigger"] == "users-changed"
    assert "HR A" in body and "Unassign" in body
    stored = repos.users.get(cand.id)
    assert (stored.status, stored.hr_id) == ("assigned", hr.id)


def test_unassign_inline_returns_just_the_row(client, repos, world, admin):
    cand = world["cand_a"]
    response = client.post(f"/admin/users/{cand.id}/unassign", headers=HX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert row_ids(body) == [cand.id]
    assert response.headers["HX-Trigger"] == "users-changed"
    assert 'name="hr_id"' in body  # the assign control is back
    stored = repos.users.get(cand.id)
    assert (stored.status, stored.hr_id) == ("registered", None)


@pytest.mark.parametrize(("action", "who", "data", "status", "hr_key"), [
    ("assign", "cand_free", {"hr_id": "hr_a"}, "assigned", "hr_a"),
    ("assign", "cand_a", {"hr_id": "hr_b"}, "assigned", "hr_b"),
    ("unassign", "cand_a", {}, "registered", None),
])
def test_assign_without_htmx_redirects_back(client, repos, world, admin, action, who, data, status, hr_key):
    data = {k: world[v].id for k, v in data.items()}
    response = client.post(f"/admin/users/{world[who].id}/{action}", data=data)
    assert response.status_code == 303
    assert path_of(response) == "/admin/users"
    stored = repos.users.get(world[who].id)
    assert (stored.status, stored.hr_id) == (status, world[hr_key].id if hr_key else None)


@pytest.mark.parametrize("hr", ["", "xyz", UNKNOWN, "admin", "cand_b", "deactivated_hr"])
def test_assign_to_a_bad_hr_user_shows_the_error_in_the_row(client, repos, world, admin, hr):
    if hr == "deactivated_hr":
        user_service.set_active(repos, world["hr_b"].id, False)
        hr = world["hr_b"].id
    elif hr in world:
        hr = world[hr].id
    cand = world["cand_free"]
    response = client.post(f"/admin/users/{cand.id}/assign", data={"hr_id": hr}, headers=HX)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert row_ids(body) == [cand.id]
    assert 'class="field-error"' in body
    stored = repos.users.get(cand.id)
    assert (stored.status, stored.hr_id) == ("registered", None)


@pytest.mark.parametrize("action", ["assign", "unassign"])
@pytest.mark.parametrize("target", ["xyz", UNKNOWN, "hr_a", "admin"])
@pytest.mark.parametrize("headers", [{}, HX])
def test_assign_or_unassign_a_non_candidate_is_404(client, repos, world, admin, action, target, headers):
    user_id = world[target].id if target in world else target
    response = client.post(f"/admin/users/{user_id}/{action}", data={"hr_id": world["hr_a"].id}, headers=headers)
    assert response.status_code == 404
    if target in world:
        assert repos.users.get(user_id).status == "active"


# --- deactivation -----------------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["hr_a", "cand_a", "cand_free"])
def test_deactivate_and_reactivate_inline(client, repos, world, admin, who):
    user = world[who]
    response = client.post(f"/admin/users/{user.id}/active", data={"active": "0"}, headers=HX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert row_ids(body) == [user.id]
    assert response.headers["HX-Trigger"] == "users-changed"
    assert "Reactivate" in body
    assert repos.users.get(user.id).active is False

    response = client.post(f"/admin/users/{user.id}/active", data={"active": "1"}, headers=HX)
    assert response.status_code == 200
    assert "Deactivate" in response.get_data(as_text=True)
    assert repos.users.get(user.id).active is True


def test_deactivate_without_htmx_redirects_back(client, repos, world, admin):
    response = client.post(f"/admin/users/{world['hr_a'].id}/active", data={"active": "0"})
    assert response.status_code == 303
    assert path_of(response) == "/admin/users"
    assert repos.users.get(world["hr_a"].id).active is False


def test_deactivated_hr_is_not_offered_for_assignment(client, repos, world, admin):
    user_service.set_active(repos, world["hr_b"].id, False)
    body = client.get("/admin/users", query_string={"q": "Cand Free"}).get_data(as_text=True)
    options = re.findall(r'<option value="([0-9a-f]{24})">', body)
    assert options == [world["hr_a"].id]


@pytest.mark.parametrize("headers", [{}, HX])
def test_an_admin_cannot_deactivate_themself(client, repos, world, admin, headers):
    response = client.post(f"/admin/users/{admin.id}/active", data={"active": "0"}, headers=headers)
    assert response.status_code == 409
    assert "cannot deactivate your own account" in response.get_data(as_text=True)
    assert repos.users.get(admin.id).active is True
    if headers:
        assert response.headers["HX-Retarget"] == "#messages"


def test_a_deactivated_admin_is_signed_out(client, repos, world, make_user, login):
    other = make_user("admin", email="other-admin@example.com")
    login(world["admin"])
    client.post(f"/admin/users/{other.id}/active", data={"active": "0"})
    assert repos.users.get(other.id).active is False

    second = client.application.test_client()
    response = second.post("/login", data={"email": other.email, "password": PASSWORD})
    assert response.status_code == 422


@pytest.mark.parametrize("user_id", ["xyz", UNKNOWN, str(ObjectId())])
@pytest.mark.parametrize("headers", [{}, HX])
def test_set_active_on_an_unknown_user_is_404(client, world, admin, user_id, headers):
    response = client.post(f"/admin/users/{user_id}/active", data={"active": "0"}, headers=headers)
    assert response.status_code == 404
    if headers:
        assert response.headers["HX-Retarget"] == "#messages"
        assert "<html" not in response.get_data(as_text=True)
