"""Moving an interview to a wall-clock time that a daylight-saving change skips or repeats: the page
says the time it became (in the zone and in UTC) and moves nothing, queues nothing, until the form is
sent again with that confirmation; the JSON API refuses a time without an offset, as its schedule does."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

MISSING = "2028-03-12T02:30"  # New York springs forward at 02:00: 02:30 does not exist
DOUBLE = "2028-11-05T01:30"   # New York falls back at 02:00: 01:30 happens twice
ZONE = "America/New_York"


@pytest.fixture
def hr_client(world, login):
    return login(world["hr_a"])


@pytest.fixture
def scheduled(schedule, world):
    now = datetime.now(UTC).replace(microsecond=0)
    return schedule(world["hr_a"], world["cand_a"], start=now + timedelta(days=1), deadline=now + timedelta(days=3))


def invitations(repos, interview_id: str) -> list[dict]:
    return [m for m in repos.outbox.page(None, 1, 500)[0]
            if m.get("kind") == "invitation" and (m.get("refs") or {}).get("interview_id") == interview_id]


def reschedule_events(repos) -> int:
    return len(repos.audit.search(action="interview.reschedule", page=1, per_page=100)[0])


def unchanged(repos, before) -> bool:
    after = repos.interviews.get(before.id)
    return ((after.starts_at, after.deadline, after.sequence, after.window_history)
            == (before.starts_at, before.deadline, before.sequence, before.window_history))


@pytest.mark.parametrize(("deadline", "said", "stored"), [
    (MISSING, "2028-03-12 02:30 does not exist in America/New_York", datetime(2028, 3, 12, 7, 30, tzinfo=UTC)),
    (DOUBLE, "2028-11-05 01:30 happens twice in America/New_York", datetime(2028, 11, 5, 5, 30, tzinfo=UTC)),
])
def test_a_missing_or_double_deadline_is_shown_first_and_applied_once_confirmed(hr_client, repos, scheduled,
                                                                               deadline, said, stored):
    queued = len(invitations(repos, scheduled.id))
    form = {"deadline": deadline, "tz": ZONE}
    first = hr_client.post(f"/hr/interviews/{scheduled.id}/reschedule", data=form)
    html = first.get_data(as_text=True)
    assert first.status_code == 422
    note = re.search(r'<small id="deadline-error">([^<]*)</small>', html).group(1)
    assert said in note and f"({stored:%H:%M} UTC)" in note
    assert "send the form again" in html
    assert f'value="{deadline}"' in html and f'<option value="{ZONE}" selected>' in html
    # nothing written, nothing queued
    assert unchanged(repos, scheduled)
    assert len(invitations(repos, scheduled.id)) == queued and reschedule_events(repos) == 0

    confirmed = re.search(r'name="time_confirmed" value="([^"]+)"', html).group(1)
    second = hr_client.post(f"/hr/interviews/{scheduled.id}/reschedule", data={**form, "time_confirmed": confirmed})
    assert second.status_code in (302, 303)
    moved = repos.interviews.get(scheduled.id)
    assert moved.deadline == stored and moved.starts_at == scheduled.starts_at
    assert moved.sequence == scheduled.sequence + 1 and len(moved.window_history) == 1
    assert len(invitations(repos, scheduled.id)) == queued + 1 and reschedule_events(repos) == 1
    page = hr_client.get(f"/hr/interviews/{scheduled.id}").get_data(as_text=True)
    assert f"{stored:%Y-%m-%d %H:%M} UTC" in page  # the flash names the zone's time and UTC
    assert re.search(r"closes 2028-\d\d-\d\d \d\d:\d\d E[SD]T", page)


def test_a_missing_opening_time_is_shown_too(hr_client, repos, scheduled):
    form = {"starts_at": MISSING, "deadline": "2028-03-20T10:00", "tz": ZONE}
    first = hr_client.post(f"/hr/interviews/{scheduled.id}/reschedule", data=form)
    html = first.get_data(as_text=True)
    assert first.status_code == 422 and re.search(r'<small id="starts_at-error">[^<]*does not exist', html)
    assert 'id="deadline-error"' not in html  # an ordinary time has no note
    assert unchanged(repos, scheduled) and reschedule_events(repos) == 0
    confirmed = re.search(r'name="time_confirmed" value="([^"]+)"', html).group(1)
    assert hr_client.post(f"/hr/interviews/{scheduled.id}/reschedule",
                          data={**form, "time_confirmed": confirmed}).status_code in (302, 303)
    assert repos.interviews.get(scheduled.id).starts_at == datetime(2028, 3, 12, 7, 30, tzinfo=UTC)


@pytest.mark.parametrize("change", [{"deadline": "2028-03-12T02:45"}, {"tz": "America/Chicago"}, {}])
def test_a_confirmation_of_other_values_is_no_confirmation(hr_client, repos, scheduled, change):
    form = {"deadline": MISSING, "tz": ZONE}
    html = hr_client.post(f"/hr/interviews/{scheduled.id}/reschedule", data=form).get_data(as_text=True)
    confirmed = re.search(r'name="time_confirmed" value="([^"]+)"', html).group(1)
    # Another time, another zone (Chicago springs forward too), or a made-up confirmation: asked again.
    sent = {**form, **change, "time_confirmed": confirmed if change else "2028-03-12T02:30"}
    again = hr_client.post(f"/hr/interviews/{scheduled.id}/reschedule", data=sent)
    assert again.status_code == 422 and 'id="deadline-error"' in again.get_data(as_text=True)
    assert unchanged(repos, scheduled) and reschedule_events(repos) == 0 and len(invitations(repos, scheduled.id)) == 1


def test_an_ordinary_time_is_applied_at_once_with_its_zone_in_the_flash(hr_client, repos, scheduled):
    response = hr_client.post(f"/hr/interviews/{scheduled.id}/reschedule",
                              data={"deadline": "2028-03-20T10:00", "tz": ZONE})
    assert response.status_code in (302, 303)
    assert repos.interviews.get(scheduled.id).deadline == datetime(2028, 3, 20, 14, 0, tzinfo=UTC)
    page = hr_client.get(f"/hr/interviews/{scheduled.id}").get_data(as_text=True)
    assert "closes 2028-03-20 10:00 EDT (2028-03-20 14:00 UTC)" in page


def test_a_refused_move_after_confirmation_keeps_the_confirmation_out(hr_client, repos, scheduled):
    """A confirmed missing time that the service then refuses (before the opening time) writes nothing."""
    form = {"starts_at": "2028-03-20T10:00", "deadline": MISSING, "tz": ZONE}
    html = hr_client.post(f"/hr/interviews/{scheduled.id}/reschedule", data=form).get_data(as_text=True)
    confirmed = re.search(r'name="time_confirmed" value="([^"]+)"', html).group(1)
    refused = hr_client.post(f"/hr/interviews/{scheduled.id}/reschedule", data={**form, "time_confirmed": confirmed})
    assert refused.status_code == 422
    assert "The deadline must be after the start." in refused.get_data(as_text=True)
    assert unchanged(repos, scheduled) and reschedule_events(repos) == 0


@pytest.mark.parametrize("deadline", ["2028-03-12T02:30:00", "2028-11-05T01:30:00"])
def test_the_api_refuses_a_time_without_an_offset_as_its_schedule_does(app, repos, world, scheduled, deadline):
    from interviewer.services import tokens as token_service

    issued = token_service.issue(repos, world["hr_a"], datetime.now(UTC), timedelta(hours=1))
    headers = {"Authorization": f"Bearer {issued.access_token}"}
    client = app.test_client()
    moved = client.post(f"/interview/{scheduled.id}/reschedule", json={"deadline": deadline}, headers=headers)
    assert moved.status_code == 422 and "deadline" in str(moved.get_json()["error"]["details"])
    made = client.post("/interview/schedule", headers=headers, json={
        "candidate_id": world["cand_a"].id, "job_title": "Engineer", "starts_at": "2028-03-01T10:00:00+00:00",
        "deadline": deadline})
    assert made.status_code == 422 and "deadline" in str(made.get_json()["error"]["details"])
    assert unchanged(repos, scheduled) and reschedule_events(repos) == 0
    # With its offset the time is unambiguous, and applied as sent.
    ok = client.post(f"/interview/{scheduled.id}/reschedule", json={"deadline": "2028-11-05T01:30:00-05:00"},
                     headers=headers)
    assert ok.status_code == 200 and repos.interviews.get(scheduled.id).deadline == datetime(2028, 11, 5, 6, 30,
                                                                                                 tzinfo=UTC)
