"""Helpers shared by the forms and list pages of every blueprint."""
from __future__ import annotations

from flask import request
from flask_wtf import FlaskForm

from .errors import ValidationError


def apply_errors(form: FlaskForm, exc: ValidationError) -> None:
    """Show a service's field errors next to the form's fields (or as a form-level error)."""
    details = exc.details if isinstance(exc.details, dict) else {}
    placed = False
    for name, message in details.items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = [*list(field.errors), message]
            placed = True
    if not placed:
        form.form_errors.append(exc.message)


def page_number() -> int:
    """The list page asked for in `?page=` (1 for anything that is not a sane page number)."""
    value = request.args.get("page", "1")
    return int(value) if value.isdigit() and 0 < int(value) < 100_000 else 1
