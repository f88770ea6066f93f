"""The one place that reads the wall clock, so tests can move time."""
from datetime import datetime, timezone


def utcnow() -> datetime:
    return datetime.now(timezone.utc)
