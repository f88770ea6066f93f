"""Static files: content-hashed names cached for a year, compressed ahead of time; HTML compressed per response.

* **Serving** is WhiteNoise's: it answers ``/static/…`` before Flask runs (no session lookup, no
  ``Vary: Cookie``), picks the ``.br`` or ``.gz`` copy the browser accepts (``Vary:
  Accept-Encoding``), and handles ETag, Last-Modified and ranges. The security headers of
  ``headers.py`` are added to every response it sends, 304s included.
* **Hashed names**: WhiteNoise's own come from Django's ManifestStaticFilesStorage, which needs
  Django. ``flask assets build`` (run by ``make run`` before gunicorn) writes a copy of every file
  under ``static/`` to ``static/dist/`` as ``name.<12 hex of sha256>.ext`` with ``.br`` and ``.gz``
  beside it (``whitenoise.compress.Compressor``), and removes copies no longer current. The app
  computes the same names from the sources when it starts and links a hashed copy only if it exists:
  no manifest that can go stale, and without a build (tests, a fresh clone) ``asset_url`` falls back
  to ``/static/<name>``. Hashed files get ``Cache-Control: public, max-age=31536000, immutable``;
  anything else ``no-cache`` (revalidated, so an edit is seen at once).
* **HTML pages and fragments** are compressed per response by Flask-Compress (zstd, brotli or gzip,
  as the browser asks). Streamed responses (the CSV export) are sent as they are produced; the API's
  JSON is sent as it is (see ``init_app``).
"""
from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path, PurePosixPath

import click
from flask import Flask, current_app, url_for
from flask.cli import AppGroup
from whitenoise import WhiteNoise

DIST = "dist"
HASH_LENGTH = 12
IMMUTABLE = "public, max-age=31536000, immutable"
HASHED_URL = re.compile(rf"/{DIST}/.+\.[0-9a-f]{{{HASH_LENGTH}}}(\.[^./]+)?$")
COMPRESSED = (".br", ".gz")

assets_cli = AppGroup("assets", help="Static files: content-hashed, compressed copies.")


def hashed_name(name: str, data: bytes) -> str:
    """``vendor/htmx.min.js`` → ``vendor/htmx.min.<hash>.js``: the hash goes before the last suffix."""
    path = PurePosixPath(name)
    digest = hashlib.sha256(data).hexdigest()[:HASH_LENGTH]
    return str(path.with_name(f"{path.stem}.{digest}{path.suffix}"))


def sources(static_dir: Path) -> dict[str, Path]:
    """Every file under ``static/`` by its name there, leaving out the build output."""
    found = {}
    for path in sorted(static_dir.rglob("*")):
        name = path.relative_to(static_dir).as_posix()
        if path.is_file() and not name.startswith(f"{DIST}/") and not name.endswith(COMPRESSED):
            found[name] = path
    return found


def current_names(static_dir: Path) -> dict[str, str]:
    """``{name: hashed name}`` of the sources as they are now."""
    return {name: hashed_name(name, path.read_bytes()) for name, path in sources(static_dir).items()}


def build(static_dir: Path, out_dir: Path) -> dict[str, str]:
    """Write the hashed copies and their ``.br``/``.gz`` into ``out_dir``; drop stale ones. Returns the names."""
    from whitenoise.compress import Compressor

    names = current_names(static_dir)
    compressor = Compressor(quiet=True)
    wanted = set()
    for name, hashed in names.items():
        target = out_dir / hashed
        wanted.add(target)
        wanted.update(target.with_name(target.name + suffix) for suffix in COMPRESSED)
        if target.is_file():
            continue  # same name, same content
        target.parent.mkdir(parents=True, exist_ok=True)
        written = _write_atomically(target, (static_dir / name).read_bytes())
        if compressor.should_compress(target.name):
            for variant in compressor.compress(str(written)):
                os.replace(variant, target.with_name(target.name + variant[-3:]))
        os.replace(written, target)  # last: a server that sees the file sees its .br/.gz too
    for path in out_dir.rglob("*"):
        if path.is_file() and path not in wanted:
            path.unlink()
    return names


def _write_atomically(target: Path, data: bytes) -> Path:
    """A temporary file beside ``target`` holding ``data`` (renamed into place by the caller)."""
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    temporary.write_bytes(data)
    return temporary


def out_dir_of(app: Flask) -> Path:
    return Path(app.config.get("ASSETS_DIR") or Path(app.static_folder) / DIST)


class StaticFiles(WhiteNoise):
    """WhiteNoise with our cache policy and the app's security headers on every response."""

    def __init__(self, application, headers: dict[str, str], **options):
        self.extra_headers = list(headers.items())
        super().__init__(application, **options)

    def add_cache_headers(self, headers, path, url):
        headers["Cache-Control"] = IMMUTABLE if HASHED_URL.search(url) else "no-cache"

    def serve(self, static_file, environ, start_response):
        def start(status, headers, exc_info=None):
            present = {name.lower() for name, _ in headers}
            headers = list(headers) + [(k, v) for k, v in self.extra_headers if k.lower() not in present]
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        return super().serve(static_file, environ, start)


def asset_url(name: str) -> str:
    """The URL of ``static/<name>``: its hashed copy when built, else the plain file."""
    hashed = current_app.extensions["assets"].get(name)
    if hashed:
        return url_for("static", filename=f"{DIST}/{hashed}")
    return url_for("static", filename=name)


@assets_cli.command("build")
def assets_build():
    """Write content-hashed, compressed copies of static/ into static/dist/ (safe to run twice)."""
    out = out_dir_of(current_app)
    names = build(Path(current_app.static_folder), out)
    click.echo(f"{len(names)} static files hashed into {out}")


def init_app(app: Flask) -> None:
    from flask_compress import Compress

    from .headers import static_headers

    static_dir = Path(app.static_folder)
    out = out_dir_of(app)
    names = current_names(static_dir)
    app.extensions["assets"] = {name: hashed for name, hashed in names.items() if (out / hashed).is_file()}
    app.add_template_global(asset_url)

    prefix = app.static_url_path.rstrip("/") + "/"
    files = StaticFiles(app.wsgi_app, static_headers(app), allow_all_origins=False, autorefresh=app.debug)
    files.add_files(str(static_dir), prefix=prefix)
    if out.is_dir():
        files.add_files(str(out), prefix=f"{prefix}{DIST}/")
    icon = static_dir / "favicon.ico"
    if icon.is_file():  # for browsers that ask when a page links none (JSON, the API docs); not under autorefresh
        files.add_file_to_dictionary("/favicon.ico", str(icon))
    app.wsgi_app = files

    app.config.setdefault("COMPRESS_STREAMS", False)  # the CSV export streams; compressing would hold it back
    app.config.setdefault("COMPRESS_ALGORITHM", ["zstd", "br", "gzip"])
    # Pages and fragments. Not the API's JSON: its replies are small, and clients built on a bare WSGI or
    # HTTP layer (Schemathesis' WSGI transport) send urllib3's default Accept-Encoding without decoding.
    app.config.setdefault("COMPRESS_MIMETYPES", ["text/html"])
    Compress(app)
