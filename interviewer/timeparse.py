"""Reading the time a person typed, in the zone they are in."""
from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones


@lru_cache(maxsize=1)
def zone_names() -> list[str]:
    return sorted(available_timezones() | {"UTC"})


def parse_local(value: str | None, tz_name: str | None) -> datetime | None:
    """An aware UTC datetime from an HTML datetime-local value in zone `tz_name`; None if unreadable.

    ISO 8601 values that carry their own offset (the JSON API) keep it.
    """
    if not value or not isinstance(value, str) or len(value) > 40:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        try:
            parsed = parsed.replace(tzinfo=ZoneInfo(tz_name or "UTC"))
        except (ZoneInfoNotFoundError, ValueError):
            return None
    return parsed.astimezone(UTC)
