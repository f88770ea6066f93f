"""Errors answered as JSON for the API, a message fragment for htmx, a page otherwise."""
from __future__ import annotations

import logging

from flask import Flask, g, render_template, request
from flask_wtf.csrf import CSRFError
from pymongo.errors import DuplicateKeyError, PyMongoError
from werkzeug.exceptions import HTTPException

from .errors import DomainError, json_error
from .htmx import is_htmx
from .security import login_manager, safe_next, wants_json

log = logging.getLogger(__name__)

# Seconds a client should wait before trying again when the database cannot answer: long enough
# for a sqlite lock or a replica-set election to pass, short enough that nobody gives up.
STORE_RETRY_AFTER = 5

STORE_UNAVAILABLE_JSON = ("The database is busy or cannot be reached right now, so this request was not completed. "
                          f"Try again in {STORE_RETRY_AFTER} seconds.")
STORE_UNAVAILABLE_HTMX = ("The database is busy or cannot be reached right now, so this was not done. "
                          "Nothing on this page was lost; try again in a moment.")
STORE_UNAVAILABLE_PAGE = ("The database is not available right now, so this page cannot be shown. Nothing was lost: "
                          "reload the page in a moment.")
STORE_UNAVAILABLE_POST = ("The database is not available right now, so this was not saved. Nothing you typed was lost: "
                          "go back with your browser's Back button and send it again in a moment.")
DUPLICATE_MESSAGE = ("This was changed by another request at the same moment, so it was not saved. "
                     "Reload the page and try again.")


def error_response(status: int, code: str, message: str, details=None, headers: dict[str, str] | None = None,
                   retry_url: str | None = None):
    headers = dict(headers or {})
    if wants_json():
        response = json_error(status, code, message, details)
        response.headers.update(headers)
        return response
    if is_htmx():
        # htmx swaps 4xx here (see the htmx-config meta tag) into the page's message area; for 5xx
        # it swaps nothing and static/app.js shows this fragment's message from the same header.
        response = render_template("_messages.html", alerts=[message])
        return response, status, {"HX-Retarget": "#messages", "HX-Reswap": "innerHTML", **headers}
    return render_template("error.html", status=status, message=message, retry_url=retry_url), status, headers


def _without_user_lookup() -> None:
    """Let the error page render without reading the user: the store that just failed would fail again."""
    if "_login_user" not in g:
        g._login_user = login_manager.anonymous_user()


def store_unavailable(exc: PyMongoError):
    """503 + Retry-After for a database that cannot read or write now (locked, full, unreachable)."""
    log.warning("database unavailable on %s %s: %s: %s", request.method, request.path,
                type(exc).__name__, exc, exc_info=exc)
    _without_user_lookup()
    if wants_json():
        message = STORE_UNAVAILABLE_JSON
    elif is_htmx():
        message = STORE_UNAVAILABLE_HTMX
    elif request.method in ("GET", "HEAD"):
        message = STORE_UNAVAILABLE_PAGE
    else:
        message = STORE_UNAVAILABLE_POST
    retry_url = safe_next(request.full_path.rstrip("?")) if request.method in ("GET", "HEAD") else None
    return error_response(503, "store_unavailable", message, headers={"Retry-After": str(STORE_RETRY_AFTER)},
                          retry_url=retry_url)


def duplicate_key(exc: DuplicateKeyError):
    """409: a unique index refused a write that a repository should have caught (two requests raced)."""
    # Not the database's fault, and not worth a retry as such: a repository let it through (a bug).
    log.error("unhandled duplicate key on %s %s: %s", request.method, request.path, exc, exc_info=exc)
    _without_user_lookup()
    return error_response(409, "duplicate", DUPLICATE_MESSAGE)


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        wait = exc.details.get("retry_after") if isinstance(exc.details, dict) else None
        return error_response(exc.status, exc.code, exc.message, exc.details,
                              headers={"Retry-After": str(int(wait))} if wait else None)

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        return error_response(
            400, "csrf", "This form is out of date (its security token is missing or invalid). "
            "Reload the page and try again; nothing was changed."
        )

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        messages = {
            403: "You do not have access to this page.",
            404: "Not found.",
            405: "This method is not allowed here.",
            413: "The upload is too large (the limit is 5 MiB for a resume).",
        }
        if exc.code == 429:  # Flask-Limiter's per-address and overall limits (interviewer/throttle.py)
            from .throttle import retry_after

            wait = retry_after()
            return error_response(429, "too_many_requests",
                                  f"Too many attempts from this address. Try again in {wait} seconds.",
                                  headers={"Retry-After": str(wait)})
        message = messages.get(exc.code, exc.description or exc.name)
        code = (exc.name or "error").lower().replace(" ", "_")
        return error_response(exc.code or 500, code, message)

    # Flask picks the handler of the nearest class in the exception's MRO: DuplicateKeyError (an
    # OperationFailure) gets its own, every other pymongo error (and the embedded store's
    # OperationFailure for a locked, full, read-only or failing sqlite file) is a 503.
    app.register_error_handler(PyMongoError, store_unavailable)
    app.register_error_handler(DuplicateKeyError, duplicate_key)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        log.exception("unhandled error")
        return error_response(500, "internal_error", "Something went wrong on our side. Nothing was lost; try again.")
