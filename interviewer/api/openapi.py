"""The OpenAPI 3.1 document, built from the operations the routes registered (core.OPERATIONS)
and the pydantic models they validate and answer with."""
from __future__ import annotations

from typing import Any

from pydantic.json_schema import models_json_schema

from .core import OPERATIONS, Operation
from .schemas import Error

REF = "#/components/schemas/{model}"
ERROR_TEXT = {
    400: "Malformed request (not JSON; for session calls also a missing or wrong CSRF token)",
    401: "No credentials, or an invalid, expired or revoked token",
    403: "Your role may never call this endpoint",
    404: "No such object, or not one you may see",
    409: "The object's state forbids this (e.g. answering a completed interview)",
    422: "Invalid input; `details` names the fields",
}
API_VERSION = "1.0.0"


def _component_schemas() -> tuple[dict[tuple[type, str], dict], dict[str, Any]]:
    models: list[tuple[type, str]] = [(Error, "serialization")]
    for op in OPERATIONS:
        if op.body is not None:
            models.append((op.body, "validation"))
        if op.response is not None:
            models.append((op.response, "serialization"))
    unique = list(dict.fromkeys(models))
    refs, defs = models_json_schema(unique, ref_template=REF)
    return refs, defs.get("$defs", {})


def _query_parameters(op: Operation, refs) -> list[dict[str, Any]]:
    if op.query is None:
        return []
    schema = op.query.model_json_schema(ref_template=REF)
    required = set(schema.get("required", []))
    params = []
    for name, prop in schema.get("properties", {}).items():
        prop = dict(prop)
        description = prop.pop("description", None)
        prop.pop("title", None)
        param = {"name": name, "in": "query", "required": name in required, "schema": prop}
        if description:
            param["description"] = description
        params.append(param)
    return params


def _path_parameters(op: Operation) -> list[dict[str, Any]]:
    names = [part[1:-1] for part in op.path.split("/") if part.startswith("{")]
    return [{"name": n, "in": "path", "required": True, "schema": {"type": "string"},
             "description": op.path_params.get(n, "An ObjectId; anything else is simply not found (404)")}
            for n in names]


def _operation(op: Operation, refs) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "operationId": op.endpoint,
        "summary": op.summary,
        "tags": [op.tag],
        "parameters": _path_parameters(op) + _query_parameters(op, refs),
        "responses": {},
    }
    if op.description:
        doc["description"] = op.description
    if op.roles is None:
        doc["security"] = []
    else:
        doc["x-roles"] = list(op.roles)
    if op.body is not None:
        doc["requestBody"] = {"required": True,
                              "content": {"application/json": {"schema": refs[(op.body, "validation")]}}}
    ok: dict[str, Any] = {"description": "Success"}
    if op.response is not None:
        ok["content"] = {op.media_type: {"schema": refs[(op.response, "serialization")]}}
    elif op.media_type != "application/json":
        ok["content"] = {op.media_type: {"schema": {"type": "string"}}}
    doc["responses"][str(op.status)] = ok
    for extra in op.extra_statuses:
        doc["responses"][str(extra)] = {**ok, "description": "Accepted: still running (see `ai_job`)"}
    statuses = set(op.errors)
    if op.roles is not None:
        statuses |= {401}
        if set(op.roles) != {"candidate", "hr", "admin"}:
            statuses |= {403}
    if op.body is not None or op.query is not None:
        statuses |= {400, 422} if op.body is not None else {422}
    if op.body is not None and op.roles is not None and op.method not in ("GET", "HEAD"):
        statuses |= {400}  # a session call without its CSRF token
    if "{" in op.path:
        statuses |= {404}
    error_content = {"application/json": {"schema": refs[(Error, "serialization")]}}
    for code in sorted(statuses):
        doc["responses"][str(code)] = {"description": ERROR_TEXT.get(code, "Error"), "content": error_content}
    return doc


def build_document() -> dict[str, Any]:
    """The whole document; every API route appears here exactly once."""
    refs, schemas = _component_schemas()
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op, refs)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Interviewer API",
            "version": API_VERSION,
            "description": (
                "Structured written interviews. Authenticate with `POST /auth/token` and send "
                "`Authorization: Bearer <access_token>`. A browser session works too; state-changing "
                "session calls need the CSRF token in `X-CSRFToken`. Errors are always "
                '`{"error": {"code", "message", "details"}}`. Times are ISO 8601 with a UTC offset.'
            ),
        },
        "servers": [{"url": "/"}],
        "tags": [{"name": "auth"}, {"name": "interviews"}, {"name": "candidate"}, {"name": "results"},
                 {"name": "competencies"}, {"name": "templates"}, {"name": "panels"}, {"name": "meta"}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer",
                               "description": "A token from POST /auth/token"},
                "sessionCookie": {"type": "apiKey", "in": "cookie", "name": "session",
                                  "description": "The web app's session; state-changing calls also need the "
                                                 "CSRF token in the X-CSRFToken header"},
            },
        },
        "security": [{"bearerAuth": []}, {"sessionCookie": []}],
    }
