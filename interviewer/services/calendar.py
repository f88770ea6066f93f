"""Calendar invitations (.ics) for scheduled interviews."""
from __future__ import annotations

from datetime import UTC, datetime

from icalendar import Calendar, Event

from ..models import Interview


def invitation_ics(interview: Interview, url: str, now: datetime | None = None) -> bytes:
    """One VEVENT spanning the interview's window, with a link to take it."""
    cal = Calendar()
    cal.add("prodid", "-//Interviewer//interview invitation//EN")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"interview-{interview.id}@interviewer")
    event.add("dtstamp", now or datetime.now(UTC))
    event.add("dtstart", interview.starts_at.astimezone(UTC))
    event.add("dtend", interview.deadline.astimezone(UTC))
    event.add("summary", f"Written interview: {interview.job_title}")
    event.add("description", f"{len(interview.questions)} questions. Answer before the deadline at {url}")
    event.add("url", url)
    cal.add_component(event)
    return cal.to_ical()
