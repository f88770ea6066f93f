"""The calendar file a candidate downloads for an interview (services/calendar.py): one event, an
hour at the opening time, the deadline stated, a reminder before it opens, the same UID every time."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from icalendar import Calendar

from interviewer.services import calendar

URL = "https://interviews.example.com/interview/abc"
NOW = datetime(2026, 3, 1, 8, 0, 5, 123456, tzinfo=UTC)


def _interview(repos, world, schedule, n=3):
    start = datetime.now(UTC).replace(second=30, microsecond=999999) + timedelta(days=2)
    return schedule(world["hr_a"], world["cand_a"], start=start, deadline=start + timedelta(days=1, hours=2), n=n)


def _event(ics: bytes):
    cal = Calendar.from_ical(ics)
    events = cal.walk("VEVENT")
    assert len(events) == 1
    return cal, events[0]


def test_the_download_is_one_published_event_at_the_opening_hour(repos, world, schedule):
    interview = _interview(repos, world, schedule)
    cal, event = _event(calendar.invitation_ics(interview, URL, NOW))
    start = interview.starts_at.astimezone(UTC).replace(microsecond=0)
    deadline = interview.deadline.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    assert (str(cal["prodid"]), str(cal["version"]), str(cal["method"])) == (
        "-//Interviewer//interview invitation//EN", "2.0", "PUBLISH")
    assert str(event["uid"]) == f"interview-{interview.id}@interviewer"
    assert event.decoded("dtstamp") == NOW.replace(microsecond=0)
    assert event.decoded("sequence") == 0
    assert event.decoded("dtstart") == start and event.decoded("dtend") == start + timedelta(hours=1)
    assert str(event["summary"]) == f"Written interview: Backend engineer (answer by {deadline})"
    assert str(event["description"]) == (
        f"Your written interview for Backend engineer opens at {start.strftime('%Y-%m-%d %H:%M UTC')}: "
        f"3 questions, answered one at a time, every answer saved as you type.\n"
        f"Deadline: {deadline}. No answer is accepted after it; start any time until then.\n"
        f"This hour is a suggested time to work on it.\n"
        f"Start here: {URL}")
    assert (str(event["url"]), str(event["transp"])) == (URL, "OPAQUE")


def test_a_reminder_comes_half_an_hour_before_the_opening(repos, world, schedule):
    interview = _interview(repos, world, schedule)
    _, event = _event(calendar.invitation_ics(interview, URL, NOW))
    [alarm] = event.walk("VALARM")
    deadline = interview.deadline.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    assert str(alarm["action"]) == "DISPLAY"
    assert alarm.decoded("trigger") == -timedelta(minutes=30)
    assert alarm["trigger"].params.get("RELATED", "START") == "START"
    assert str(alarm["description"]) == f"Written interview for Backend engineer opens soon; deadline {deadline}."


def test_one_question_is_not_plural_and_the_stamp_defaults_to_now(repos, world, schedule):
    interview = _interview(repos, world, schedule, n=1)
    before = datetime.now(UTC).replace(microsecond=0)
    _, event = _event(calendar.invitation_ics(interview, URL))
    assert ": 1 question, answered one at a time" in str(event["description"])
    assert before <= event.decoded("dtstamp") <= datetime.now(UTC)
    again = _event(calendar.invitation_ics(interview, URL))[1]
    assert str(again["uid"]) == str(event["uid"])  # the same calendar entry, updated


def test_times_are_written_in_utc_whatever_the_servers_time_zone(repos, world, schedule, monkeypatch):
    import time

    interview = _interview(repos, world, schedule)
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        ics = calendar.invitation_ics(interview, URL, NOW)
    finally:
        monkeypatch.undo()
        time.tzset()
    start = interview.starts_at.astimezone(UTC).replace(microsecond=0)
    deadline = interview.deadline.astimezone(UTC)
    text = ics.decode()
    assert f"DTSTART:{start:%Y%m%dT%H%M%S}Z" in text and f"DTSTAMP:{NOW:%Y%m%dT%H%M%S}Z" in text
    summary = str(_event(ics)[1]["summary"])
    assert summary == f"Written interview: Backend engineer (answer by {deadline:%Y-%m-%d %H:%M} UTC)"
