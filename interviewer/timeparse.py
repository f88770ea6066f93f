"""Reading the time a person typed, in the zone they are in: kept for its callers; the rules live in
`params` (zone names, year bounds), the one module that reads request values."""
from __future__ import annotations

from datetime import datetime

from .errors import ValidationError
from .params import local_datetime, zone, zone_names

__all__ = ["parse_local", "zone_names"]


def parse_local(value: str | None, tz_name: str | None) -> datetime | None:
    """`params.local_datetime` in the zone named `tz_name` (UTC when empty); None if either is unreadable."""
    try:
        return local_datetime(value, zone(tz_name), "value")
    except ValidationError:
        return None
