"""Conversions at the database boundary: ObjectIds, UTC datetimes, safe search patterns."""
from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from bson import ObjectId
from bson.errors import InvalidId

from ..params import MAX_DIGITS, MAX_PAGE, integer


def oid(value: Any) -> ObjectId | None:
    """The ObjectId for `value`, or None when it is not a well-formed id (never raises)."""
    if isinstance(value, ObjectId):
        return value
    if not isinstance(value, str):
        return None
    try:
        return ObjectId(value)
    except (InvalidId, TypeError):
        return None


def to_db(dt: datetime | None) -> datetime | None:
    """Store datetimes as naive UTC: the one form all three backends keep unchanged."""
    if dt is None:
        return None
    if dt.tzinfo is not None:
        dt = dt.astimezone(UTC).replace(tzinfo=None)
    return dt


def fields_to_db(fields: dict[str, Any]) -> dict[str, Any]:
    """``fields`` with every datetime value in its stored form (``to_db``)."""
    return {k: to_db(v) if isinstance(v, datetime) else v for k, v in fields.items()}


def from_db(dt: datetime | None) -> datetime | None:
    if dt is None:
        return None
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def contains_pattern(text: str) -> dict[str, str]:
    """A case-insensitive substring filter; user text is escaped so it is never a regex."""
    return {"$regex": re.escape(text), "$options": "i"}


def _whole(value: Any) -> int | None:
    """An int, or ASCII digits of one (`params.integer`); None for anything else (never raises)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    return integer(value, 0, 10**MAX_DIGITS - 1) if isinstance(value, str) else None


def page_args(page: Any, per_page: Any) -> tuple[int, int]:
    """(skip, limit) for page `page` (clamped to 1..MAX_PAGE) of `per_page` rows (1..100, 20 when
    unset): no caller's value can raise here or overflow the database's 64-bit skip."""
    page = max(1, min(MAX_PAGE, _whole(page) or 1))
    per_page = max(1, min(100, _whole(per_page) or 20))
    return (page - 1) * per_page, per_page


def move_to_hr(col: Any, candidate_id: str, hr_id: str | None) -> int:
    """Set `hr_id` (the indexed HR scope) on every document of a candidate in `col`; returns how many changed."""
    return col.update_many({"candidate_id": oid(candidate_id)},
                           {"$set": {"hr_id": oid(hr_id) if hr_id else None}}).modified_count
