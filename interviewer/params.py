"""Reading numbers, pages, dates, zones and search text out of a request: the one way every view does it.

Each function takes the raw value a view got (`request.args.get(...)`, `request.form.get(...)`,
None when absent) and either returns a clean value or, for form fields, raises `BadValue` (a
`ValidationError`: a 422 naming the field). None of them lets a `ValueError`, `OverflowError` or
`OSError` through, whatever the text: the cases that used to become 500s are

- Unicode digits: ``"²".isdigit()`` is true but ``int("²")`` raises; only ASCII 0-9 count here.
- Huge numbers: ``int()`` of more than 4,300 digits raises; we read at most `MAX_DIGITS`.
- Zone names: ``ZoneInfo`` raises OSError or ValueError for long or odd names; only the names the
  form offers (`zone_names`) are accepted.
- Far dates: converting year 1 or 9999 to UTC overflows; only years `MIN_YEAR`..`MAX_YEAR` are read.
- Search text: a NUL makes the embedded store's regexp and MongoDB refuse the query; control
  characters are dropped from text that feeds a search.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from .errors import ValidationError

MAX_DIGITS = 9  # a page, a count or an index never needs more; int() of this many is always cheap
MAX_PAGE = 100_000
MIN_YEAR, MAX_YEAR = 1900, 9998  # far from datetime's limits (1, 9999) in any zone
MAX_DATETIME_CHARS = 40
SEARCH_MAX_CHARS = 100

_ASCII_DIGITS = re.compile(r"[0-9]{1,%d}" % MAX_DIGITS)


class BadValue(ValidationError):
    """A request value that cannot be read; `details` is ``{field: message}`` (422)."""

    def __init__(self, field: str, message: str):
        super().__init__(message, {field: message})
        self.field = field


def integer(value: str | None, lo: int, hi: int) -> int | None:
    """The whole number `lo`..`hi` written in `value` (ASCII digits, optional surrounding spaces);
    None when absent, unreadable or out of range."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not _ASCII_DIGITS.fullmatch(text):
        return None
    number = int(text)
    return number if lo <= number <= hi else None


def int_param(value: str | None, lo: int, hi: int, field: str, message: str | None = None) -> int:
    """`integer`, or `BadValue` for `field` ("Enter a whole number from lo to hi." unless `message`)."""
    number = integer(value, lo, hi)
    if number is None:
        raise BadValue(field, message or f"Enter a whole number from {lo} to {hi}.")
    return number


def page_number(value: str | None) -> int:
    """The list page asked for in `?page=`: 1 for anything that is not a page number 1..MAX_PAGE."""
    return integer(value, 1, MAX_PAGE) or 1


@lru_cache(maxsize=1)
def zone_names() -> list[str]:
    """Every IANA zone this machine knows, sorted, with UTC: what the forms offer and accept."""
    return sorted(available_timezones() | {"UTC"})


@lru_cache(maxsize=1)
def _zone_set() -> frozenset[str]:
    return frozenset(zone_names())


def zone(name: str | None, field: str = "tz") -> ZoneInfo:
    """The zone named `name` (UTC when empty); `BadValue` for a name not in `zone_names`."""
    name = name or "UTC"
    if not isinstance(name, str) or name not in _zone_set():
        raise BadValue(field, "Choose a time zone from the list.")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # listed, yet its file is unreadable
        raise BadValue(field, "Choose a time zone from the list.") from None


def local_datetime(text: str | None, tz: ZoneInfo, field: str) -> datetime:
    """An aware UTC datetime from an HTML datetime-local value read in zone `tz`; an ISO 8601 value
    with its own offset keeps it. `BadValue` for `field` when unreadable or outside MIN_YEAR..MAX_YEAR."""
    message = "Enter a valid date and time."
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_DATETIME_CHARS:
        raise BadValue(field, message)
    try:
        parsed = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise BadValue(field, message) from None
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        raise BadValue(field, f"Enter a date between the years {MIN_YEAR} and {MAX_YEAR}.")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    try:
        return parsed.astimezone(UTC)
    except (OverflowError, ValueError):  # unreachable within the year bounds; kept as the last guard
        raise BadValue(field, message) from None


def local_time_note(text: str | None, tz: ZoneInfo) -> str | None:
    """What HR should know about how a datetime-local value was read in `tz`, or None when it is an
    ordinary local time (or unreadable, which `local_datetime` reports).

    Around a daylight-saving change a wall-clock time can be missing (clocks jump forward: 02:30 on the
    spring-forward day in New York) or happen twice (clocks go back: 01:30 in November). Python reads
    both with ``fold=0`` (PEP 495): a missing time with the offset before the change (so 02:30 becomes
    03:30), a repeated one as its first occurrence. The note gives the time it became, in the zone and in UTC.
    """
    if not isinstance(text, str) or len(text) > MAX_DATETIME_CHARS:
        return None
    try:
        naive = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if naive.tzinfo is not None or not MIN_YEAR <= naive.year <= MAX_YEAR:
        return None
    first, second = naive.replace(tzinfo=tz, fold=0), naive.replace(tzinfo=tz, fold=1)
    if first.utcoffset() == second.utcoffset():
        return None
    read = first.astimezone(UTC)
    shown = f"{naive:%Y-%m-%d %H:%M}"
    as_read = f"{read.astimezone(tz):%H:%M %Z} ({read:%H:%M} UTC)"
    if read.astimezone(tz).replace(tzinfo=None) != naive:
        return (f"{shown} does not exist in {tz.key}: the clocks jump forward past it. It was read as {as_read}; "
                "go back and change it if you meant another time.")
    other = second.astimezone(UTC)
    return (f"{shown} happens twice in {tz.key}: the clocks go back that night. The first one was taken, "
            f"{as_read}; for the second ({other.astimezone(tz):%H:%M %Z}, {other:%H:%M} UTC) go back and "
            "enter the time in UTC.")


def search_text(value: str | None, max_chars: int = SEARCH_MAX_CHARS) -> str:
    """Text to search for: control characters (NUL included) and surrogates removed, spaces
    trimmed, at most `max_chars` characters; "" when absent."""
    if not isinstance(value, str):
        return ""
    text = value[: max_chars * 4]
    if not text.isprintable():
        text = "".join(" " if c in "\t\n\r" else c for c in text if c in "\t\n\r" or
                       unicodedata.category(c) not in ("Cc", "Cs"))
    return text.strip()[:max_chars].strip()


def one_line(value: object) -> str:
    """A name or title as one line of plain text: control characters, surrogates and format
    characters removed (Unicode Cc, Cs, Cf: bidi overrides and isolates such as U+202E, which
    would make "fdp.exe" read as "exe.pdf" in every list that shows it, and zero-width characters),
    every run of whitespace one space, trimmed; "" for None."""
    text = "" if value is None else str(value)
    if not text.isprintable():
        text = "".join(" " if c.isspace() else c for c in text
                       if c.isspace() or unicodedata.category(c) not in ("Cc", "Cs", "Cf"))
    return " ".join(text.split())
