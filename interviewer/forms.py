"""Helpers shared by the forms and list pages of every blueprint."""
from __future__ import annotations

from flask import request
from flask_wtf import FlaskForm
from wtforms import IntegerField

from . import params
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
    return params.page_number(request.args.get("page"))


class WholeNumberField(IntegerField):
    """An IntegerField that reads a number as `params.integer` does: ASCII digits, at most nine.

    WTForms' own takes anything `int()` takes ("٣", 4,000 digits), and NumberRange then fails on a
    number too large for a float (a 500); here those are "Not a valid integer value." like any text.
    """

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        self.data = params.integer(valuelist[0], 0, 10**params.MAX_DIGITS - 1)
        if self.data is None:
            raise ValueError(self.invalid_value_message or self.gettext("Not a valid integer value."))
