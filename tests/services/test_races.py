"""Races that used to lose a write in silence: two staff recording results at once, and a save
landing after the interview closed."""
from __future__ import annotations

from datetime import timedelta

import pytest

from interviewer.errors import Conflict
from interviewer.models import CANCELLED, COMPLETED, EVALUATED
from interviewer.services import interviews as svc


@pytest.fixture
def completed(repos, world, schedule, now):
    interview = schedule(world["hr_a"], world["cand_a"])
    svc.save_answer(repos, world["cand_a"], interview.id, interview.questions[0].id, "An answer", now)
    return svc.submit(repos, world["cand_a"], interview.id, now)


def test_the_second_of_two_results_recorded_at_once_is_refused_with_the_first(repos, world, completed, now):
    hr, admin = world["hr_a"], world["admin"]
    first = svc.record_result(repos, hr, completed.id, "7", "Solid", now, seen="")  # both forms showed no result
    with pytest.raises(Conflict) as refused:
        svc.record_result(repos, admin, completed.id, "4", "Weak", now + timedelta(seconds=1), seen="")
    assert refused.value.details["overall_score"] == 7.0 and "meanwhile" in refused.value.message
    stored = repos.interviews.get(completed.id)
    assert (stored.overall_score, stored.overall_feedback) == (7.0, "Solid")  # the refused write left nothing
    # Whoever saw the stored result may replace it; a form still showing the old one may not.
    seen = first.evaluated_at.isoformat()
    updated = svc.record_result(repos, admin, completed.id, "6", "Revised", now + timedelta(seconds=2), seen=seen)
    assert updated.overall_score == 6.0
    with pytest.raises(Conflict):
        svc.record_result(repos, hr, completed.id, "9", "Mine", now + timedelta(seconds=3), seen=seen)
    assert repos.interviews.get(completed.id).overall_score == 6.0


def test_a_double_click_records_once_without_an_error(repos, world, completed, now):
    hr = world["hr_a"]
    one = svc.record_result(repos, hr, completed.id, "7", "Solid", now, seen="")
    two = svc.record_result(repos, hr, completed.id, "7", "Solid", now + timedelta(seconds=1), seen="")
    assert one.status == two.status == EVALUATED and two.overall_score == 7.0


def test_a_result_racing_between_read_and_write_is_not_overwritten(repos, world, completed, now, monkeypatch):
    """No `seen` (an API client): the compare-and-set on what this request read still holds."""
    stale = repos.interviews.get(completed.id)
    svc.record_result(repos, world["admin"], completed.id, "3", "First", now)
    monkeypatch.setattr(svc, "reviewable", lambda *a, **k: stale)  # this request read before the other wrote
    with pytest.raises(Conflict):
        svc.record_result(repos, world["hr_a"], completed.id, "8", "Second", now)
    assert repos.interviews.get(completed.id).overall_score == 3.0


@pytest.mark.parametrize("close", ["submit", "cancel", "deadline"])
def test_a_save_racing_the_close_is_refused_never_stored_after_it(repos, world, schedule, now, monkeypatch, close):
    candidate = world["cand_a"]
    interview = schedule(world["hr_a"], candidate)
    question = interview.questions[0].id
    svc.save_answer(repos, candidate, interview.id, question, "Before", now)
    before = repos.interviews.get(interview.id)  # what a save that passed its open check had read
    if close == "submit":
        assert svc.submit(repos, candidate, interview.id, now).status == COMPLETED
    elif close == "cancel":
        assert svc.cancel(repos, world["hr_a"], interview.id, now).status == CANCELLED
    else:
        later = before.deadline + timedelta(seconds=1)
        assert svc.close_if_expired(repos, before, later).status == COMPLETED
    monkeypatch.setattr(svc, "open_for_answers", lambda *a, **k: before)
    with pytest.raises(Conflict) as refused:
        svc.save_answer(repos, candidate, interview.id, question, "After the close", now, seq=10**12)
    assert "closed" in refused.value.message
    assert repos.responses.find(interview.id, question).answer == "Before"


def test_the_result_form_says_who_won_and_keeps_what_was_typed(app, login, repos, world, completed, now):
    hr, admin = login(world["hr_a"], c=app.test_client()), login(world["admin"], c=app.test_client())
    url = f"/hr/interviews/{completed.id}/result"
    assert hr.post(url, data={"overall_score": "7", "overall_feedback": "Solid", "seen": ""}).status_code == 303
    refused = admin.post(url, data={"overall_score": "4", "overall_feedback": "Weak", "seen": ""},
                         headers={"HX-Request": "true"})
    body = refused.get_data(as_text=True)
    assert refused.status_code == 409 and "recorded a result meanwhile (7/10)" in body and ">Weak</textarea>" in body
    assert repos.interviews.get(completed.id).overall_score == 7.0
    seen = repos.interviews.get(completed.id).evaluated_at.isoformat()
    assert f'name="seen" value="{seen}"' in body  # saving again now replaces it, knowingly
    assert admin.post(url, data={"overall_score": "4", "overall_feedback": "Weak", "seen": seen}).status_code == 303
    assert repos.interviews.get(completed.id).overall_score == 4.0
