"""Reading numbers, pages, dates, zones and search text out of a request: the one way every view does it.

Each function takes the raw value a view got (`request.args.get(...)`, `request.form.get(...)`,
None when absent) and either returns a clean value or, for form fields, raises `BadValue` (a
`ValidationError`: a 422 naming the field). None of them lets a `ValueError`, `OverflowError` or
`OSError` through, whatever the text: the cases that used to become 500s are

- Unicode digits: ``"²".isdigit()`` is true but ``int("²")`` raises; ``int("٥")``, ``float("٣")`` and
  ``int("1_000")`` succeed, so a score or a sequence number read by them took text the README says is
  refused. Only ASCII 0-9 count here (`number`, the one reader every numeric field goes through).
- Huge numbers: ``int()`` of more than 4,300 digits raises; we read at most `MAX_DIGITS`.
- Zone names: ``ZoneInfo`` raises OSError or ValueError for long or odd names; only the names the
  form offers (`zone_names`) are accepted.
- Far dates: converting year 1 or 9999 to UTC, or adding a day to 9999-12-31, overflows; only years
  `MIN_YEAR`..`MAX_YEAR` are read (`local_datetime`, `day`).
- Search text: a NUL makes the embedded store's regexp and MongoDB refuse the query; control
  characters are dropped from text that feeds a search.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from .errors import ValidationError

MAX_DIGITS = 9  # a page, a count or an index never needs more; int() of this many is always cheap
MAX_FRACTION_DIGITS = 20  # after a decimal point: "7.2000000001" is a 7.2 typed with float noise
MAX_PAGE = 100_000
MIN_YEAR, MAX_YEAR = 1900, 9998  # far from datetime's limits (1, 9999) in any zone
MAX_DATETIME_CHARS = 40
SEARCH_MAX_CHARS = 100

_NUMBER = re.compile(r"([+-]?)([0-9]*)(?:\.([0-9]*))?")


class BadValue(ValidationError):
    """A request value that cannot be read; `details` is ``{field: message}`` (422)."""

    def __init__(self, field: str, message: str):
        super().__init__(message, {field: message})
        self.field = field


def number(value: object, *, max_digits: int = MAX_DIGITS, signed: bool = False, fraction: bool = False,
           comma: bool = False) -> int | float | None:
    """The number written in `value`, or None: the one reader of numbers from requests (never raises).

    Text: ASCII digits 0-9 only, at most `max_digits` of them before the point (and at most
    MAX_FRACTION_DIGITS after it), surrounding spaces ignored; a leading ``+`` or ``-`` only when
    `signed`; a decimal point only when `fraction` (a decimal comma too, with `comma`: "3,5"). Unicode
    digits ("٥", "²"), underscores ("1_000"), exponents ("1e3"), "inf" and "nan" are None, although
    Python's int() and float() read some of them. A JSON number (int or finite float, not a bool) is
    taken as it is under the same rules. An int without `fraction`, a float with it.
    """
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        if value != value or abs(value) >= 10**max_digits or (value < 0 and not signed):
            return None  # nan, inf and numbers too large to be meant
        if not fraction:
            return int(value) if float(value).is_integer() else None
        return float(value)
    if not isinstance(value, str) or len(value) > max_digits + MAX_FRACTION_DIGITS + 64:
        return None
    text = value.strip()
    if comma and fraction:
        text = text.replace(",", ".", 1)
    found = _NUMBER.fullmatch(text)
    if found is None:
        return None
    sign, whole, part = found.groups()
    if (sign and not signed) or (part is not None and not fraction) or not (whole or part):
        return None
    if len(whole) > max_digits or len(part or "") > MAX_FRACTION_DIGITS:
        return None
    return float(text) if fraction else int(text)  # only ASCII digits are left: both are cheap and exact


def integer(value: str | None, lo: int, hi: int) -> int | None:
    """The whole number `lo`..`hi` written in `value` (ASCII digits, optional surrounding spaces);
    None when absent, unreadable or out of range."""
    found = number(value) if isinstance(value, str) else None
    return found if found is not None and lo <= found <= hi else None


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


_DAY = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})(?:T[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?)?")


def day(text: str | None, field: str) -> date | None:
    """The calendar day of an HTML date value (``YYYY-MM-DD``; a datetime-local value counts as its
    date); None when absent. `BadValue` for `field` when unreadable or outside MIN_YEAR..MAX_YEAR, so
    that the day after it, or its start in any zone, is still a datetime (9999-12-31 + 1 day overflows)."""
    if not isinstance(text, str) or not text.strip():
        return None
    text = text.strip()
    match = _DAY.fullmatch(text) if len(text) <= MAX_DATETIME_CHARS else None
    if match is None:
        raise BadValue(field, "Enter a date as YYYY-MM-DD.")
    year, month, day_of_month = (int(part) for part in match.groups())
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise BadValue(field, f"Enter a date between the years {MIN_YEAR} and {MAX_YEAR}.")
    try:
        return date(year, month, day_of_month)
    except ValueError:
        raise BadValue(field, "Enter a date as YYYY-MM-DD.") from None


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
