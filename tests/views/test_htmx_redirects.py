"""Where a signed-out htmx request sends the user: back to the page, never to a fragment."""
from urllib.parse import parse_qs, urlsplit

import pytest


def _next(response):
    assert response.status_code == 401
    return parse_qs(urlsplit(response.headers["HX-Redirect"]).query)["next"][0]


@pytest.mark.parametrize("path, current, expected", [
    ("/hr/interviews/abc/progress", "http://localhost/hr/interviews?status=in_progress", "/hr/interviews?status=in_progress"),
    ("/admin/users?q=ada", "http://localhost/admin/users", "/admin/users?q=ada"),
    ("/hr/interviews/abc/progress", "http://evil.example/steal", "/hr/interviews/abc/progress"),
    ("/hr/interviews/abc/progress", "", "/hr/interviews/abc/progress"),
])
def test_next_is_the_page_the_user_was_on(client, path, current, expected):
    headers = {"HX-Request": "true"}
    if current:
        headers["HX-Current-URL"] = current
    assert _next(client.get(path, headers=headers)) == expected


@pytest.mark.parametrize("referrer, expected", [
    ("http://localhost/hr/interviews/abc", "/hr/interviews/abc"),
    ("http://evil.example/x", None),
    (None, None),
])
def test_a_signed_out_form_post_returns_to_the_page_it_came_from(client, referrer, expected):
    headers = {"Referer": referrer} if referrer else {}
    response = client.post("/hr/interviews/abc/cancel", headers=headers)
    assert response.status_code == 302
    assert parse_qs(urlsplit(response.headers["Location"]).query).get("next", [None])[0] == expected
