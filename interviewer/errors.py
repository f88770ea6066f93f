"""Domain errors raised by services, and how each front end answers them."""
from __future__ import annotations

from typing import Any

from flask import jsonify


class DomainError(Exception):
    status = 400
    code = "error"

    def __init__(self, message: str, details: Any = None):
        super().__init__(message)
        self.message = message
        self.details = details


class ValidationError(DomainError):
    """Bad input; `details` maps field names to messages."""

    status, code = 422, "validation_error"


class NotFound(DomainError):
    """Missing, or not the caller's to see: the two look the same from outside."""

    status, code = 404, "not_found"

    def __init__(self, message: str = "Not found.", details: Any = None):
        super().__init__(message, details)


class Forbidden(DomainError):
    status, code = 403, "forbidden"


class Conflict(DomainError):
    """The object exists but its state forbids the change (e.g. answering a completed interview)."""

    status, code = 409, "conflict"


class InvalidTransition(Conflict):
    code = "invalid_transition"


class TooManyAttempts(DomainError):
    """Too many failed sign-ins for one account in a short time."""

    status, code = 429, "too_many_attempts"


def json_error(status: int, code: str, message: str, details: Any = None):
    """The one JSON error body: ``{"error": {"code", "message", "details"}}`` with ``status``."""
    response = jsonify(error={"code": code, "message": message, "details": details})
    response.status_code = status
    return response
