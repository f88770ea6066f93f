"""Static files and page weight: hashed names cached for a year, compression, headers, the favicon.

The app here is built over a fresh `flask assets build` in a temporary folder (ASSETS_DIR), so the
tests never depend on, or write to, a static/dist/ left in the working tree.
"""
from __future__ import annotations

import gzip
import re
from pathlib import Path

import brotli
import pytest

from interviewer import ROOT
from interviewer.assets import HASH_LENGTH, build, current_names, hashed_name
from interviewer.headers import CSP, HEADERS

STATIC = ROOT / "static"
IMMUTABLE = "public, max-age=31536000, immutable"
LINKED = re.compile(r'<(?:link|script)\b[^>]*\b(?:href|src)="([^"]+)"')
BUDGET = 50 * 1024  # the candidate's first load, HTML and every linked file, as sent


@pytest.fixture
def dist(tmp_path):
    out = tmp_path / "dist"
    build(STATIC, out)
    return out


@pytest.fixture
def app(build_app, dist):
    """The suite's app over the build in `dist`."""
    return build_app(WTF_CSRF_ENABLED=False, ASSETS_DIR=str(dist))


@pytest.fixture
def question_page(world, login, schedule):
    """The candidate's first question: what a candidate opens first from the invitation."""
    interview = schedule(world["hr_a"], world["cand_a"], n=3)
    return login(world["cand_a"]), f"/candidate/interviews/{interview.id}/q/1"


def get(client, url, **headers):
    """A GET whose body is read and whose file WhiteNoise opened is closed (warnings are errors)."""
    response = client.get(url, headers=headers)
    response.get_data()
    response.close()
    return response


def decoded(response) -> bytes:
    body = response.get_data()
    match response.headers.get("Content-Encoding"):
        case "br":
            return brotli.decompress(body)
        case "gzip":
            return gzip.decompress(body)
        case None:
            return body
    raise AssertionError(response.headers["Content-Encoding"])


def linked(html: str) -> list[str]:
    return [url for url in LINKED.findall(html) if url.startswith("/static/")]


# --- hashed names ---------------------------------------------------------------------------------------

def test_a_hashed_name_carries_the_content_hash_before_the_last_suffix():
    assert hashed_name("vendor/htmx-2.0.11.min.js", b"x") == "vendor/htmx-2.0.11.min.2d711642b726.js"
    assert hashed_name("app.css", b"y") != hashed_name("app.css", b"z")


def test_the_build_writes_hashed_compressed_copies_and_drops_stale_ones(tmp_path):
    static, out = tmp_path / "static", tmp_path / "dist"
    static.mkdir()
    (static / "app.js").write_text("let answer = 1;\n" * 200)
    first = build(static, out)["app.js"]
    assert {p.name for p in out.iterdir()} == {first, first + ".br", first + ".gz"}
    assert gzip.decompress((out / f"{first}.gz").read_bytes()) == (static / "app.js").read_bytes()
    (static / "app.js").write_text("let answer = 2;\n" * 200)
    second = build(static, out)["app.js"]
    assert second != first
    assert {p.name for p in out.iterdir()} == {second, second + ".br", second + ".gz"}


def test_pages_link_the_hashed_copies_and_the_favicon(client, dist):
    html = get(client, "/login").get_data(as_text=True)
    names = current_names(STATIC)
    for name in ("vendor/pico-2.1.1.min.css", "app.css", "vendor/htmx-2.0.11.min.js", "app.js", "favicon.svg"):
        assert f'"/static/dist/{names[name]}"' in html
        assert (dist / names[name]).is_file()
    assert '<link rel="icon" href="/static/dist/' in html


def test_the_api_docs_page_links_the_hashed_copies_too(client, tmp_path, build_app):
    """The API's page is rendered once and kept: built or not, it links what this app serves."""
    names = current_names(STATIC)
    html = get(client, "/api/docs").get_data(as_text=True)
    for name in ("vendor/pico-2.1.1.min.css", "app.css", "favicon.svg"):
        assert f'"/static/dist/{names[name]}"' in html, name
    assert not re.search(r'"/static/(?!dist/)', html)
    plain = build_app(WTF_CSRF_ENABLED=False, ASSETS_DIR=str(tmp_path / "never-built")).test_client()
    html = get(plain, "/api/docs").get_data(as_text=True)
    assert '"/static/vendor/pico-2.1.1.min.css"' in html and "/static/dist/" not in html


def test_without_a_build_pages_link_the_plain_files(tmp_path, build_app):
    app = build_app(WTF_CSRF_ENABLED=False, ASSETS_DIR=str(tmp_path / "never-built"))
    client = app.test_client()
    html = get(client, "/login").get_data(as_text=True)
    assert '"/static/app.js"' in html and "/static/dist/" not in html
    response = get(client, "/static/app.js", **{"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.get_data() == (STATIC / "app.js").read_bytes()


def test_a_stale_build_is_not_linked(build_app, dist):
    """A source edited after the build: its old copy must not be served for it."""
    stale = current_names(STATIC)["app.js"]
    renamed = dist / stale.replace(stale.split(".")[-2], "0" * HASH_LENGTH)
    (dist / stale).rename(renamed)  # as if app.js had other content when it was built
    app = build_app(WTF_CSRF_ENABLED=False, ASSETS_DIR=str(dist))
    html = get(app.test_client(), "/login").get_data(as_text=True)
    assert '"/static/app.js"' in html and renamed.name not in html


# --- headers --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["app.js", "app.css", "vendor/htmx-2.0.11.min.js", "vendor/pico-2.1.1.min.css",
                                  "favicon.svg"])
@pytest.mark.parametrize("encoding", ["br", "gzip", None])
def test_hashed_files_are_cached_a_year_compressed_and_carry_the_security_headers(client, name, encoding):
    url = f"/static/dist/{current_names(STATIC)[name]}"
    response = get(client, url, **({"Accept-Encoding": encoding} if encoding else {}))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == IMMUTABLE
    assert response.headers.get("Content-Encoding") == encoding
    assert decoded(response) == (STATIC / name).read_bytes()
    assert response.headers["Vary"] == "Accept-Encoding"
    assert response.headers["Content-Security-Policy"] == CSP
    for header, value in HEADERS.items():
        assert response.headers[header] == value
    assert "Set-Cookie" not in response.headers
    assert "Access-Control-Allow-Origin" not in response.headers


def test_static_files_do_not_vary_on_cookie_or_htmx_even_signed_in(question_page):
    client, _ = question_page
    for url in (f"/static/dist/{current_names(STATIC)['app.js']}", "/static/app.js", "/favicon.ico"):
        response = get(client, url, **{"HX-Request": "true", "Accept-Encoding": "gzip"})
        assert response.status_code == 200, url
        vary = response.headers.get("Vary", "")
        assert "Cookie" not in vary and "HX-Request" not in vary, url
        assert "Set-Cookie" not in response.headers


def test_a_revalidation_is_answered_304_with_the_cache_policy(client):
    url = f"/static/dist/{current_names(STATIC)['app.css']}"
    etag = get(client, url).headers["ETag"]
    response = get(client, url, **{"If-None-Match": etag})
    assert response.status_code == 304
    assert response.headers["Cache-Control"] == IMMUTABLE
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(("url", "kind"), [("/favicon.ico", "image/"), ("/static/favicon.svg", "image/svg+xml")])
def test_the_favicon_is_there(client, url, kind):
    response = get(client, url)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith(kind)
    assert response.headers["Content-Security-Policy"] == CSP


@pytest.mark.parametrize(("accept", "encoding"), [("gzip", "gzip"), ("br", "br"), ("gzip, deflate, br", "br"),
                                                  ("identity", None), ("", None)])
def test_pages_are_compressed_when_the_browser_asks(question_page, accept, encoding):
    client, url = question_page
    response = get(client, url, **{"Accept-Encoding": accept})
    assert response.status_code == 200
    assert response.headers.get("Content-Encoding") == encoding
    assert "Accept-Encoding" in response.headers["Vary"]
    assert "Question 1 of 3" in decoded(response).decode()
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Security-Policy"] == CSP


def test_the_candidates_first_load_is_at_most_50_kb_and_a_repeat_fetches_no_static_file(question_page):
    client, url = question_page
    accept = {"Accept-Encoding": "gzip, deflate, br"}  # what a browser sends (Chromium adds zstd)
    page = get(client, url, **accept)
    html = decoded(page).decode()
    files = linked(html)
    assert len(files) >= 5  # pico, app.css, htmx, app.js, the favicon
    sent = len(page.get_data())
    for file_url in files:
        response = get(client, file_url, **accept)
        assert response.status_code == 200, file_url
        # a year, immutable: a repeat view takes every one from the cache without asking
        assert response.headers["Cache-Control"] == IMMUTABLE, file_url
        sent += len(response.get_data())
    assert sent <= BUDGET, f"{sent} bytes"


def test_the_build_command_writes_into_the_configured_folder(app, tmp_path):
    out = tmp_path / "cli-dist"
    app.config["ASSETS_DIR"] = str(out)
    result = app.test_cli_runner().invoke(args=["assets", "build"])
    assert result.exit_code == 0, result.output
    assert (out / current_names(STATIC)["app.js"]).is_file()
    assert Path(out / (current_names(STATIC)["app.js"] + ".br")).is_file()
