"""Sign-in, sign-out, registration, safe redirects, deactivation, session expiry under htmx, headers."""
from __future__ import annotations

import io
from urllib.parse import parse_qs, urlsplit

import pytest
from pdf_fixtures import make_no_tounicode_pdf, make_operator_bomb_pdf, make_pdf
from support import PASSWORD
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from interviewer.services import users as user_service

GENERIC = "Wrong e-mail or password."




def post_multipart(client, url, data):
    """POST multipart/form-data encoded in memory.

    The test client spools big bodies to a temporary file it never closes (a ResourceWarning,
    and warnings are errors here).
    """
    fields = {k: FileStorage(*v) if isinstance(v, tuple) else v for k, v in data.items()}
    boundary, body = encode_multipart(fields)
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def path_of(response) -> str:
    return urlsplit(response.headers["Location"]).path


# --- sign in / sign out ----------------------------------------------------------------------------

@pytest.mark.parametrize(("role", "home"), [
    ("admin", "/admin/users"), ("hr", "/hr/interviews"), ("candidate", "/candidate/"),
])
def test_login_sends_each_role_home(client, make_user, role, home):
    user = make_user(role)
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert path_of(response) == home
    with client.session_transaction() as session:
        assert session["_user_id"] == user.id
    assert client.get("/").headers["Location"].endswith(home)


def test_login_email_is_case_insensitive(client, make_user):
    user = make_user("hr", email="Mixed.Case@Example.com")
    response = client.post("/login", data={"email": "mixed.case@EXAMPLE.COM", "password": PASSWORD})
    assert response.status_code == 302
    with client.session_transaction() as session:
        assert session["_user_id"] == user.id


def test_login_clears_what_was_in_the_session_before(client, make_user):
    user = make_user("hr")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
        session["_user_id"] = "000000000000000000000000"
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"] == user.id


@pytest.mark.parametrize(("email", "password"), [
    ("known", "wrong-password"),
    ("nobody@example.com", PASSWORD),
    ("nobody@example.com", "wrong-password"),
])
def test_failed_login_gives_one_generic_answer(client, make_user, email, password):
    user = make_user("hr", email="known@example.com")
    response = client.post("/login", data={"email": user.email if email == "known" else email, "password": password})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert GENERIC in body
    assert "no account" not in body.lower() and "unknown" not in body.lower()
    with client.session_transaction() as session:
        assert "_user_id" not in session


@pytest.mark.parametrize("data", [{}, {"email": "a@example.com"}, {"password": "x"}])
def test_login_with_missing_fields_is_422(client, data):
    assert client.post("/login", data=data).status_code == 422


def test_login_page_renders(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert 'name="email"' in response.get_data(as_text=True)


def test_logout_is_post_only(client, make_user, login):
    login(make_user("hr"))
    assert client.get("/logout").status_code == 405
    assert client.get("/hr/interviews").status_code == 200  # still signed in


def test_logout_ends_the_session(client, make_user, login):
    login(make_user("hr"))
    response = client.post("/logout")
    assert response.status_code == 302
    assert path_of(response) == "/login"
    with client.session_transaction() as session:
        assert "_user_id" not in session
    response = client.get("/hr/interviews")
    assert response.status_code == 302
    assert path_of(response) == "/login"


def test_logout_when_anonymous_goes_to_login(client):
    response = client.post("/logout")
    assert response.status_code == 302
    assert path_of(response) == "/login"


@pytest.mark.parametrize(("next_url", "expected"), [
    ("/admin/users", "/admin/users"),
    ("/admin/users?role=hr&q=a", "/admin/users?role=hr&q=a"),
    ("/hr/interviews", "/hr/interviews"),
    ("http://evil.example", None),
    ("https://evil.example/admin/users", None),
    ("//evil.example", None),
    ("//evil.example/admin/users", None),
    ("/\\evil", None),
    ("\\\\evil.example", None),
    ("https:/evil", None),
    ("/\t/evil.example", None),  # browsers drop tabs and newlines: this would be //evil.example
    ("/\n/evil.example", None),
    (" //evil.example", None),
    ("https:evil", None),
    ("javascript:alert(1)", None),
    ("admin/users", None),
    ("", None),
])
def test_next_only_goes_to_local_paths(client, make_user, next_url, expected):
    user = make_user("admin")
    response = client.post("/login", query_string={"next": next_url},
                           data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    location = response.headers["Location"]
    parts = urlsplit(location)
    assert parts.netloc in ("", "localhost")
    if expected is None:
        assert location == "/admin/users"  # the admin's home
    else:
        assert location == expected


def test_anonymous_page_request_redirects_to_login_with_next(client):
    response = client.get("/admin/users?role=hr")
    assert response.status_code == 302
    parts = urlsplit(response.headers["Location"])
    assert parts.path == "/login"
    assert parse_qs(parts.query)["next"] == ["/admin/users?role=hr"]


@pytest.mark.parametrize("url", ["/admin/users", "/hr/interviews", "/candidate/"])
def test_htmx_request_without_a_session_gets_401_with_hx_redirect(client, url):
    response = client.get(url, headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert "Location" not in response.headers
    parts = urlsplit(response.headers["HX-Redirect"])
    assert parts.path == "/login"
    assert parse_qs(parts.query)["next"] == [url]


@pytest.mark.parametrize("url", ["/admin/users", "/hr/schedule/draft", "/candidate/interviews/x/submit"])
def test_htmx_post_without_a_session_gets_401_with_hx_redirect(client, make_user, url):
    response = client.post(url, headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert urlsplit(response.headers["HX-Redirect"]).path == "/login"


# --- deactivation ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("role", "home"), [("candidate", "/candidate/"), ("hr", "/hr/interviews")])
def test_a_deactivated_user_is_signed_out_on_the_next_request(client, repos, make_user, login, role, home):
    user = make_user(role)
    login(user)
    assert client.get(home).status_code == 200

    user_service.set_active(repos, user.id, False)

    response = client.get(home)
    assert response.status_code == 302
    assert path_of(response) == "/login"
    assert client.get(home, headers={"HX-Request": "true"}).status_code == 401


def test_a_deactivated_user_cannot_sign_in(client, repos, make_user):
    user = make_user("hr")
    user_service.set_active(repos, user.id, False)
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 422
    assert GENERIC in response.get_data(as_text=True)
    with client.session_transaction() as session:
        assert "_user_id" not in session


def test_a_reactivated_user_can_sign_in_again(client, repos, make_user):
    user = make_user("hr")
    user_service.set_active(repos, user.id, False)
    user_service.set_active(repos, user.id, True)
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302


# --- registration ------------------------------------------------------------------------------------

def register_data(**overrides):
    data = {"name": "Rita Register", "email": "rita@example.com", "password": PASSWORD, "confirm": PASSWORD}
    data.update(overrides)
    return data


def test_register_creates_a_signed_in_candidate(client, repos):
    response = client.post("/register", data=register_data())
    assert response.status_code == 302
    assert path_of(response) == "/candidate/"
    user = repos.users.by_email("rita@example.com")
    assert (user.role, user.status, user.name, user.hr_id) == ("candidate", "registered", "Rita Register", None)
    with client.session_transaction() as session:
        assert session["_user_id"] == user.id
    assert client.get("/candidate/").status_code == 200


@pytest.mark.parametrize(("filename", "data", "expected"), [
    ("cv.txt", b"Python, Flask and MongoDB developer", "Python, Flask and MongoDB developer"),
    ("cv.pdf", make_pdf("Kubernetes and Terraform engineer"), "Kubernetes and Terraform engineer"),
])
def test_register_with_a_resume_stores_its_text(client, repos, filename, data, expected):
    response = post_multipart(client, "/register", register_data(resume=(io.BytesIO(data), filename)))
    assert response.status_code == 302
    user = repos.users.by_email("rita@example.com")
    assert expected in user.resume_text
    assert user.resume_filename == filename


def test_register_with_a_taken_email_keeps_the_other_fields(client, repos, make_user):
    make_user("hr", email="rita@example.com")
    response = client.post("/register", data=register_data(email="RITA@example.com"))
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "already exists" in body
    assert 'id="email-error"' in body
    assert 'value="Rita Register"' in body
    assert 'value="RITA@example.com"' in body
    assert PASSWORD not in body  # passwords are never echoed back
    assert repos.users.count(role="candidate") == 0


@pytest.mark.parametrize(("filename", "data"), [
    ("cv.pdf", b"%PDF-1.4 garbage"),
    ("cv.docx", b"PK\x03\x04"),
    ("cv.txt", "Müller".encode("latin-1")),
    ("bomb.pdf", make_operator_bomb_pdf()),  # ~950,000 text operators in 10 KB: refused within bounds
    ("glyphs.pdf", make_no_tounicode_pdf("Jane Roe, Python developer with ten years of Flask and MongoDB")),
])
def test_register_with_an_unreadable_resume_shows_the_error_beside_the_field(client, repos, filename, data):
    response = post_multipart(client, "/register", register_data(resume=(io.BytesIO(data), filename)))
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="resume-error"' in body
    assert 'aria-describedby="resume-error"' in body
    assert 'value="Rita Register"' in body and 'value="rita@example.com"' in body
    assert repos.users.by_email("rita@example.com") is None


def test_register_with_a_resume_just_over_5_mib_is_a_form_error(client, repos):
    data = b"a" * (5 * 1024 * 1024 + 10)  # under MAX_CONTENT_LENGTH: the service says no
    response = post_multipart(client, "/register", register_data(resume=(io.BytesIO(data), "cv.txt")))
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="resume-error"' in body and "5 MiB" in body
    assert repos.users.by_email("rita@example.com") is None


def test_a_body_beyond_max_content_length_is_a_clear_413_page(client, repos, app):
    data = b"a" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = post_multipart(client, "/register", register_data(resume=(io.BytesIO(data), "cv.txt")))
    body = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "too large" in body and "5 MiB" in body
    assert "<html" in body
    assert repos.users.by_email("rita@example.com") is None


@pytest.mark.parametrize(("overrides", "field"), [
    ({"email": "not-an-email"}, "email"),
    ({"name": ""}, "name"),
    ({"password": "short", "confirm": "short"}, "password"),
    ({"confirm": "something-else"}, "confirm"),
])
def test_register_form_errors(client, repos, overrides, field):
    response = client.post("/register", data=register_data(**overrides))
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert repos.users.count() == 0


def test_register_cannot_choose_a_role(client, repos):
    client.post("/register", data=register_data(role="admin"))
    assert repos.users.by_email("rita@example.com").role == "candidate"


# --- headers -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("method", "url", "headers"), [
    ("GET", "/login", {}),
    ("GET", "/login", {"HX-Request": "true"}),
    ("POST", "/login", {}),
    ("GET", "/", {}),
    ("GET", "/register", {}),
    ("GET", "/admin/users", {}),
    ("GET", "/admin/users", {"HX-Request": "true"}),
    ("GET", "/no/such/page", {}),
    ("GET", "/no/such/page", {"HX-Request": "true"}),
    ("GET", "/logout", {}),
])
def test_every_page_response_varies_on_hx_request(client, method, url, headers):
    response = client.open(url, method=method, headers=headers)
    response.close()
    assert "HX-Request" in response.headers.get("Vary", "")


def login_cookie(client, user):
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    return next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))


def test_session_cookie_is_httponly_and_samesite_lax(client, make_user):
    cookie = login_cookie(client, make_user("hr"))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_session_cookie_is_secure_when_configured(app, client, make_user):
    app.config["SESSION_COOKIE_SECURE"] = True
    cookie = login_cookie(client, make_user("hr"))
    assert "Secure" in cookie
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


@pytest.mark.parametrize(("value", "expected"), [("1", True), ("true", True), ("", False), ("0", False)])
def test_secure_cookies_follow_the_environment(monkeypatch, value, expected):
    import importlib

    import interviewer.config as config

    monkeypatch.setenv("SESSION_COOKIE_SECURE", value)
    try:
        reloaded = importlib.reload(config)
        assert reloaded.Config.SESSION_COOKIE_SECURE is expected
        assert reloaded.Config.REMEMBER_COOKIE_SECURE is expected
    finally:
        monkeypatch.delenv("SESSION_COOKIE_SECURE")
        importlib.reload(config)
