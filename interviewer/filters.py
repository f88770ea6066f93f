"""Template filters (times shown in the viewer's zone with UTC beside them) and the globals
templates share with the Python side, so no template re-implements a rule or a list."""
from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask
from markupsafe import Markup, escape

from .htmx import wants_fragment
from .models import CANDIDATE_STATUSES, CATEGORIES, ROLES
from .services.interviews import is_missed


def utc_text(value: datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def time_tag(value: datetime | None) -> Markup:
    """`<time>` with the UTC text; static/app.js adds the viewer's local time in front of it."""
    if value is None:
        return Markup("—")
    iso = value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return Markup(f'<time class="dt" datetime="{escape(iso)}">{escape(utc_text(value))}</time>')


def status_label(status: str) -> str:
    return (status or "").replace("_", " ")


def ai_flags(values) -> list:
    """An evaluation's stored flags as Flag objects, whether stored as {code, message} or, before
    codes, as the message alone."""
    from .ai.types import as_flag

    return [as_flag(v) for v in values or []]


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(CATEGORIES=CATEGORIES, ROLES=ROLES, CANDIDATE_STATUSES=CANDIDATE_STATUSES,
                                 is_missed=is_missed, wants_fragment=wants_fragment)
    app.add_template_filter(time_tag, "dt")
    app.add_template_filter(utc_text, "utc")
    app.add_template_filter(status_label, "status")
    app.add_template_filter(ai_flags, "ai_flags")
