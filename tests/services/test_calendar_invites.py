"""The e-mailed calendar invitation and its withdrawal (services/calendar.py, iTIP methods REQUEST and
CANCEL): who organises and who attends, the status, the sequence a cancellation raises, and what a
cancellation leaves out."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar

from interviewer.models import Interview, Question
from interviewer.services import calendar

URL = "https://interviews.example.com/candidate/interviews/abc"
NOW = datetime(2026, 3, 1, 8, 0, 5, tzinfo=UTC)
START = datetime(2026, 3, 3, 9, 15, 42, 750000, tzinfo=UTC)
DEADLINE = datetime(2026, 3, 4, 17, 0, tzinfo=UTC)
HR = ("Hana Recruiter", "hr@acme.example")
CANDIDATE = ("Zoë Núñez", "zoe@example.com")


def interview(n=2, sequence=0, starts_at=START) -> Interview:
    return Interview(id="abc123", candidate_id="c1", hr_id="h1", job_title="Data engineer", job_description="SQL",
                     starts_at=starts_at, deadline=DEADLINE, status="scheduled",
                     questions=[Question(id=f"q{i}", text=f"Question {i}?") for i in range(n)], sequence=sequence)


def parsed(ics: bytes):
    cal = Calendar.from_ical(ics)
    [event] = cal.walk("VEVENT")
    return cal, event


def test_an_emailed_invitation_is_a_confirmed_request_from_hr_to_the_candidate():
    ics = calendar.invitation_ics(interview(), URL, NOW, method="REQUEST", organizer=HR, attendee=CANDIDATE)
    cal, event = parsed(ics)
    assert str(cal["method"]) == "REQUEST" and str(event["status"]) == "CONFIRMED"
    organizer, attendee = event["organizer"], event["attendee"]
    assert str(organizer) == "mailto:hr@acme.example" and dict(organizer.params) == {"CN": "Hana Recruiter"}
    assert str(attendee) == "mailto:zoe@example.com"
    assert dict(attendee.params) == {"CN": "Zoë Núñez", "ROLE": "REQ-PARTICIPANT", "PARTSTAT": "NEEDS-ACTION",
                                     "RSVP": "FALSE"}
    assert event.decoded("sequence") == 0
    assert str(event["summary"]) == "Written interview: Data engineer (answer by 2026-03-04 17:00 UTC)"
    [alarm] = event.walk("VALARM")
    assert alarm.decoded("trigger") == -timedelta(minutes=30)


def test_a_download_names_no_one_and_has_no_status():
    cal, event = parsed(calendar.invitation_ics(interview(), URL, NOW))
    assert str(cal["method"]) == "PUBLISH"
    assert "status" not in event and "organizer" not in event and "attendee" not in event


def test_a_cancellation_withdraws_the_same_entry_one_sequence_higher_without_a_reminder():
    ics = calendar.invitation_ics(interview(sequence=2), URL, NOW, method="CANCEL", organizer=HR, attendee=CANDIDATE)
    cal, event = parsed(ics)
    assert str(cal["method"]) == "CANCEL" and str(event["status"]) == "CANCELLED"
    assert str(event["uid"]) == "interview-abc123@interviewer"
    assert event.decoded("sequence") == 3
    assert str(event["summary"]) == "Cancelled: Written interview: Data engineer (answer by 2026-03-04 17:00 UTC)"
    assert event.walk("VALARM") == []
    assert str(event["organizer"]) == "mailto:hr@acme.example"
    invite = parsed(calendar.invitation_ics(interview(sequence=2), URL, NOW, method="REQUEST"))[1]
    assert invite.decoded("sequence") == 2 and str(invite["uid"]) == str(event["uid"])


def test_the_slot_starts_on_the_whole_second_of_the_opening_in_any_time_zone():
    local = START.astimezone(ZoneInfo("America/New_York"))
    _, event = parsed(calendar.invitation_ics(interview(starts_at=local), URL, NOW))
    assert event.decoded("dtstart") == datetime(2026, 3, 3, 9, 15, 42, tzinfo=UTC)
    assert event.decoded("dtend") == datetime(2026, 3, 3, 10, 15, 42, tzinfo=UTC)
    assert "opens at 2026-03-03 09:15 UTC: 2 questions," in str(event["description"])


def test_an_interview_without_questions_says_zero_questions():
    _, event = parsed(calendar.invitation_ics(interview(n=0), URL, NOW))
    assert ": 0 questions, answered one at a time" in str(event["description"])
