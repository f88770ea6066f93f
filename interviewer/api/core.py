"""The API's plumbing: one decorator registers a route *and* its OpenAPI entry.

`@operation(...)` adds the Flask rule, records the operation for the OpenAPI document,
refuses the wrong callers (401 without credentials, 403 for a role that may never call the
endpoint), validates the query string and the JSON body with the operation's pydantic models,
and serialises what the view returns through its response model. Because the document is
built from the same records, a route cannot exist without being documented, nor the reverse.

Authentication: `Authorization: Bearer <token>` (see services/tokens.py) or the browser
session. A bearer header always decides on its own, whatever cookie came along, and never
creates a session. Session calls that change state need the CSRF token in `X-CSRFToken`;
token calls need none (a token is not ambient authority a foreign site could borrow).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

import pydantic
from flask import current_app, g, jsonify, request
from flask_login import current_user

from .. import csrf
from ..clock import utcnow
from ..db import get_repos
from ..handlers import error_response
from ..security import login_manager
from ..services import tokens as token_service
from . import bp

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
ANY_USER = ("candidate", "hr", "admin")


@dataclass
class Operation:
    method: str
    path: str  # OpenAPI form: /interview/{interview_id}
    endpoint: str
    summary: str
    description: str = ""
    roles: tuple[str, ...] | None = ANY_USER  # None: public, no credentials needed
    body: type[pydantic.BaseModel] | None = None
    query: type[pydantic.BaseModel] | None = None
    status: int = 200
    response: type[pydantic.BaseModel] | None = None
    errors: tuple[int, ...] = ()
    tag: str = "interviews"
    extra_statuses: tuple[int, ...] = ()
    media_type: str = "application/json"
    path_params: dict[str, str] = field(default_factory=dict)

    @property
    def rule(self) -> str:
        return re.sub(r"\{(\w+)\}", r"<\1>", self.path)


OPERATIONS: list[Operation] = []


class ApiError(Exception):
    """An HTTP-level refusal raised by the plumbing (the services raise DomainError)."""

    def __init__(self, status: int, code: str, message: str, details: Any = None):
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError):
    response = error_response(exc.status, exc.code, exc.message, exc.details)
    if exc.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="interviewer"'
    return response


# --- authentication ------------------------------------------------------------------------------

def bearer_token(req) -> str | None:
    """The raw token of an `Authorization: Bearer …` header, '' when the header is malformed,
    None when there is no bearer header at all."""
    header = req.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip()


@login_manager.request_loader
def load_user_from_token(req):
    """flask-login's hook: the user of a live bearer token, for API requests only."""
    if req.blueprint != bp.name:
        return None
    raw = bearer_token(req)
    if not raw:
        return None
    found = token_service.resolve(get_repos(), raw, utcnow())
    if found is None:
        return None
    user, token_id = found
    g.api_token_id = token_id
    return user


@bp.before_request
def authenticate():
    """Pick the credentials of this request and enforce CSRF for session calls."""
    g.api_auth, g.api_token_id = None, None
    raw = bearer_token(request)
    if raw is not None:
        # The token decides on its own: flask-login's loader would prefer a session cookie.
        user = load_user_from_token(request)
        g._login_user = user if user is not None else login_manager.anonymous_user()
        g.api_auth = "token" if user is not None else "invalid_token"
        return None
    if current_user.is_authenticated:
        g.api_auth = "session"
        if request.method not in SAFE_METHODS and current_app.config.get("WTF_CSRF_ENABLED", True):
            csrf.protect()  # raises CSRFError → 400 JSON
    return None


csrf.exempt(bp)


def _require(roles: tuple[str, ...] | None) -> None:
    if roles is None:
        return
    if g.get("api_auth") == "invalid_token":
        raise ApiError(401, "invalid_token", "The bearer token is invalid, expired or revoked.")
    if not current_user.is_authenticated:
        raise ApiError(401, "unauthorized", "Sign in first: send `Authorization: Bearer <token>`.")
    if current_user.role not in roles:
        raise ApiError(403, "forbidden", "Your role may not call this endpoint.")


# --- input -------------------------------------------------------------------------------------

MAX_DETAILS = 20  # fields named in one 422; the rest are counted under "more"
MAX_LOC_PART = 60  # characters of one part of a field's path (a dict key sent by the client)


def _details(exc: pydantic.ValidationError) -> dict[str, str]:
    """Field path → message for each problem, at most MAX_DETAILS of them. A path part is cut to
    MAX_LOC_PART characters: a client's 20,000-character dictionary key is not echoed back whole."""
    details: dict[str, str] = {}
    errors = exc.errors(include_url=False, include_context=False, include_input=False)
    for i, err in enumerate(errors):
        loc = ".".join(_loc_part(part) for part in err["loc"]) or "body"
        if loc not in details and len(details) == MAX_DETAILS:
            details["more"] = f"{len(errors) - i} more problems not listed."
            break
        details.setdefault(loc, err["msg"])
    return details


def _loc_part(part: object) -> str:
    text = str(part)
    return text if len(text) <= MAX_LOC_PART else text[:MAX_LOC_PART] + "…"


def parse_body(model: type[pydantic.BaseModel]) -> pydantic.BaseModel:
    """The JSON body validated by `model`: 400 when it is not JSON, 422 when it does not fit."""
    data = request.get_data(cache=True)
    if not data.strip():
        raise ApiError(400, "bad_request", "Send a JSON object as the request body.", {"body": "Missing."})
    try:
        return model.model_validate_json(data)
    except pydantic.ValidationError as exc:
        details = _details(exc)
        if any(e["type"] == "json_invalid" for e in exc.errors()):
            raise ApiError(400, "bad_request", "The body is not valid JSON.", details) from None
        raise ApiError(422, "validation_error", "Please correct the highlighted fields.", details) from None


def parse_query(model: type[pydantic.BaseModel]) -> pydantic.BaseModel:
    try:
        return model.model_validate(request.args.to_dict())
    except pydantic.ValidationError as exc:
        raise ApiError(422, "validation_error", "Please correct the query parameters.", _details(exc)) from None


# --- the decorator -----------------------------------------------------------------------------

def operation(method: str, path: str, *, summary: str, roles: tuple[str, ...] | None = ANY_USER,
              body: type[pydantic.BaseModel] | None = None, query: type[pydantic.BaseModel] | None = None,
              status: int = 200, response: type[pydantic.BaseModel] | None = None, errors: tuple[int, ...] = (),
              tag: str = "interviews", extra_statuses: tuple[int, ...] = (), media_type: str = "application/json",
              path_params: dict[str, str] | None = None):
    """Register a view under `path` (OpenAPI syntax) and describe it in the document.

    The view gets the path parameters, plus `body` and/or `query` (validated models) when
    the operation declares them, and returns a model instance (or a (model, status) pair),
    or a Flask response for non-JSON operations.
    """

    def decorator(view):
        op = Operation(method=method.upper(), path=path, endpoint=view.__name__, summary=summary,
                       description=(view.__doc__ or "").strip(), roles=roles, body=body, query=query,
                       status=status, response=response, errors=errors, tag=tag, extra_statuses=extra_statuses,
                       media_type=media_type, path_params=path_params or {})

        @wraps(view)
        def wrapper(**kwargs):
            _require(op.roles)
            if op.query is not None:
                kwargs["query"] = parse_query(op.query)
            if op.body is not None:
                kwargs["body"] = parse_body(op.body)
            result = view(**kwargs)
            if isinstance(result, tuple):
                result, code = result
            else:
                code = op.status
            if result is None:
                return "", code
            if isinstance(result, pydantic.BaseModel):
                out = jsonify(result.model_dump(mode="json"))
                out.status_code = code
                out.headers["Cache-Control"] = "no-store"
                return out
            return result

        bp.add_url_rule(op.rule, endpoint=op.endpoint, view_func=wrapper, methods=[op.method])
        OPERATIONS.append(op)
        return wrapper

    return decorator
