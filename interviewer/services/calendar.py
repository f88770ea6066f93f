"""Calendar invitations (.ics) for scheduled interviews."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from icalendar import Alarm, Calendar, Event, vCalAddress

from ..models import Interview

# A written interview has no fixed length: the invitation books a working slot at the opening
# time (the deadline is stated, not blocked out: a 48-hour event hides the whole calendar).
SLOT = timedelta(hours=1)
REMINDER_BEFORE = timedelta(minutes=30)


def _utc_text(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def invitation_ics(interview: Interview, url: str, now: datetime | None = None, method: str = "PUBLISH",
                   organizer: tuple[str, str] | None = None, attendee: tuple[str, str] | None = None) -> bytes:
    """One VEVENT: a one-hour slot at the opening time, the deadline in its summary and
    description, and a reminder before it opens (RFC 5545; iTIP methods from RFC 5546).

    `method` PUBLISH is the candidate's download; REQUEST is the e-mailed invitation, with
    `organizer` (the HR user) and `attendee` (the candidate) as (name, e-mail); CANCEL withdraws it
    (STATUS:CANCELLED, SEQUENCE one above the last invitation's; a reschedule raises the
    interview's own sequence). The UID is the interview's in every
    form, so each one updates the same calendar entry instead of adding a second.
    """
    cancel = method == "CANCEL"
    start = interview.starts_at.astimezone(UTC).replace(microsecond=0)
    deadline = _utc_text(interview.deadline)
    count = len(interview.questions)
    questions = f"{count} question{'s' if count != 1 else ''}"
    cal = Calendar()
    cal.add("prodid", "-//Interviewer//interview invitation//EN")
    cal.add("version", "2.0")
    cal.add("method", method)
    event = Event()
    event.add("uid", f"interview-{interview.id}@interviewer")
    event.add("dtstamp", (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0))
    event.add("sequence", interview.sequence + (1 if cancel else 0))
    event.add("dtstart", start)
    event.add("dtend", start + SLOT)
    event.add("summary", ("Cancelled: " if cancel else "") + f"Written interview: {interview.job_title} "
              f"(answer by {deadline})")
    event.add("description", (
        f"Your written interview for {interview.job_title} opens at {_utc_text(start)}: {questions}, "
        f"answered one at a time, every answer saved as you type.\n"
        f"Deadline: {deadline}. No answer is accepted after it; start any time until then.\n"
        f"This hour is a suggested time to work on it.\n"
        f"Start here: {url}"
    ))
    event.add("url", url)
    event.add("transp", "OPAQUE")
    if cancel:
        event.add("status", "CANCELLED")
    elif method == "REQUEST":
        event.add("status", "CONFIRMED")
    if organizer:
        event.add("organizer", vCalAddress(f"mailto:{organizer[1]}"), parameters={"CN": organizer[0]})
    if attendee:
        event.add("attendee", vCalAddress(f"mailto:{attendee[1]}"),
                  parameters={"CN": attendee[0], "ROLE": "REQ-PARTICIPANT", "PARTSTAT": "NEEDS-ACTION", "RSVP": "FALSE"})
    if not cancel:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("trigger", -REMINDER_BEFORE)
        alarm.TRIGGER_RELATED = "START"
        alarm.add("description", f"Written interview for {interview.job_title} opens soon; deadline {deadline}.")
        event.add_component(alarm)
    cal.add_component(event)
    return cal.to_ical()
