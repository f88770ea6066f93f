"""Errors answered as JSON for the API, a message fragment for htmx, a page otherwise."""
from __future__ import annotations

import logging

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from .errors import DomainError, json_error
from .htmx import is_htmx
from .security import wants_json

log = logging.getLogger(__name__)


def error_response(status: int, code: str, message: str, details=None):
    if wants_json():
        return json_error(status, code, message, details)
    if is_htmx():
        # htmx swaps 4xx here (see the htmx-config meta tag) into the page's message area.
        response = render_template("_messages.html", errors=[message])
        return response, status, {"HX-Retarget": "#messages", "HX-Reswap": "innerHTML"}
    return render_template("error.html", status=status, message=message), status


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        return error_response(exc.status, exc.code, exc.message, exc.details)

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
        message = messages.get(exc.code, exc.description or exc.name)
        code = (exc.name or "error").lower().replace(" ", "_")
        return error_response(exc.code or 500, code, message)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        log.exception("unhandled error")
        return error_response(500, "internal_error", "Something went wrong on our side. Nothing was lost; try again.")
