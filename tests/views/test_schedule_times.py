"""Times around a daylight-saving change (the Hardening issue: 02:30 on a spring-forward day in
America/New_York was stored as 03:30 without telling HR): the review step says what the time became,
in the zone and in UTC, before anything is scheduled; the interview stores exactly that."""
from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from support import schedule_form

from interviewer.params import local_time_note

NEW_YORK = ZoneInfo("America/New_York")


@pytest.mark.parametrize("text, zone, expected", [
    ("2030-03-10T02:30", "America/New_York", "2030-03-10 02:30 does not exist in America/New_York: the clocks jump "
     "forward past it. It was read as 03:30 EDT (07:30 UTC)"),
    ("2030-11-03T01:30", "America/New_York", "2030-11-03 01:30 happens twice in America/New_York: the clocks go back "
     "that night. The first one was taken, 01:30 EDT (05:30 UTC); for the second (01:30 EST, 06:30 UTC)"),
    ("2030-03-31T02:15", "Europe/Berlin", "It was read as 03:15 CEST (01:15 UTC)"),
    ("2030-10-06T02:10", "Australia/Lord_Howe", "It was read as 02:40 +11 (15:40 UTC)"),  # a half-hour change
])
def test_missing_and_repeated_local_times_are_explained(text, zone, expected):
    assert expected in local_time_note(text, ZoneInfo(zone))


@pytest.mark.parametrize("text, zone", [
    ("2030-03-10T01:59", "America/New_York"),  # just before the gap
    ("2030-03-10T03:00", "America/New_York"),  # just after it
    ("2030-11-03T02:00", "America/New_York"),  # just after the repeated hour
    ("2030-03-10T02:30", "UTC"),
    ("2030-03-10T02:30+00:00", "America/New_York"),  # an offset of its own: nothing to guess
    ("not a date", "America/New_York"),
    ("0001-01-01T00:00", "Asia/Tokyo"),
    (None, "UTC"),
])
def test_ordinary_or_unreadable_times_get_no_note(text, zone):
    assert local_time_note(text, ZoneInfo(zone)) is None


def test_the_review_step_shows_what_a_missing_time_became_and_confirm_stores_it(login, repos, world, now):
    hr = login(world["hr_a"])
    details = schedule_form(world, now, tz="America/New_York", starts_at="2030-03-10T02:30", deadline="2030-03-12T09:00")
    page = hr.post("/hr/schedule/draft", data=details)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="starts_at-note"' in html and "Opens at: 2030-03-10 02:30 does not exist" in html
    assert "03:30 EDT (07:30 UTC)" in html
    assert 'id="deadline-note"' not in html
    assert repos.interviews.search().total == 0  # nothing is scheduled before HR confirms
    form = {**details, "q_id": ["q1"], "q_text": ["A question?"]}
    assert hr.post("/hr/schedule/confirm", data=form).status_code == 303
    stored = repos.interviews.get(details["draft_id"])
    assert stored.starts_at == datetime(2030, 3, 10, 7, 30, tzinfo=UTC)
    assert stored.starts_at.astimezone(NEW_YORK).strftime("%H:%M %Z") == "03:30 EDT"


def test_a_repeated_deadline_is_shown_with_both_readings(login, world, now):
    hr = login(world["hr_a"])
    details = schedule_form(world, now, tz="America/New_York", starts_at="2030-10-30T09:00", deadline="2030-11-03T01:30")
    html = hr.post("/hr/schedule/draft", data=details).get_data(as_text=True)
    assert "Deadline: 2030-11-03 01:30 happens twice" in html and "06:30 UTC" in html
