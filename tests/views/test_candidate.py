"""The candidate's pages: dashboard, one question per screen, autosave, submit, history."""
from __future__ import annotations

from datetime import timedelta

import pytest
from support import saved

from interviewer.services import interviews as svc


@pytest.fixture
def cand(world, login):
    return login(world["cand_a"])


def test_dashboard_lists_upcoming_with_times(cand, world, schedule, now):
    later = schedule(world["hr_a"], world["cand_a"], start=now + timedelta(hours=3), deadline=now + timedelta(days=2))
    html = cand.get("/candidate/").get_data(as_text=True)
    assert later.job_title in html and 'class="dt"' in html and "UTC" in html


def test_resume_goes_to_the_first_unanswered_question(cand, repos, world, schedule, now):
    interview = schedule(world["hr_a"], world["cand_a"], n=3)
    svc.save_answer(repos, world["cand_a"], interview.id, interview.questions[0].id, "first", now)
    response = cand.get(f"/candidate/interviews/{interview.id}")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/candidate/interviews/{interview.id}/q/2")


def test_question_page_shows_position_progress_and_saved_text(cand, repos, world, schedule, now):
    interview = schedule(world["hr_a"], world["cand_a"], n=3)
    svc.save_answer(repos, world["cand_a"], interview.id, interview.questions[1].id, "kept <b>safe</b>", now)
    html = cand.get(f"/candidate/interviews/{interview.id}/q/2").get_data(as_text=True)
    assert "Question 2 of 3" in html and "<progress" in html
    assert "kept &lt;b&gt;safe&lt;/b&gt;" in html
    assert interview.questions[1].reference_answer not in html


def test_form_post_saves_and_moves_without_javascript(cand, repos, world, schedule):
    interview = schedule(world["hr_a"], world["cand_a"], n=3)
    base = f"/candidate/interviews/{interview.id}/q"
    response = cand.post(f"{base}/1", data={"answer": "One", "go": "next"})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"{base}/2")
    response = cand.post(f"{base}/2", data={"answer": "Two", "go": "prev"})
    assert response.headers["Location"].endswith(f"{base}/1")
    response = cand.post(f"{base}/1", data={"answer": "One again", "go": "3"})
    assert response.headers["Location"].endswith(f"{base}/3")
    response = cand.post(f"{base}/3", data={"answer": "Three", "go": "next"})
    assert response.headers["Location"].endswith(f"/candidate/interviews/{interview.id}/submit")
    stored = repos.responses.for_interview(interview.id)
    assert [stored[q.id].answer for q in interview.questions] == ["One again", "Two", "Three"]


def test_an_over_long_answer_is_refused_and_kept_in_the_page(cand, repos, world, schedule):
    interview = schedule(world["hr_a"], world["cand_a"])
    text = "y" * 20_001
    response = cand.post(f"/candidate/interviews/{interview.id}/q/1", data={"answer": text, "go": "next"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "20,000" in html and text in html
    assert saved(repos.responses.for_interview(interview.id)) == {}


def test_autosave_endpoint_orders_by_seq(cand, repos, world, schedule):
    interview = schedule(world["hr_a"], world["cand_a"])
    url = f"/candidate/interviews/{interview.id}/answers/{interview.questions[0].id}"
    first = cand.post(url, data={"answer": "newer", "seq": "20"}).get_json()
    assert first["saved"] is True and first["seq"] == 20 and first["saved_at"]
    late = cand.post(url, data={"answer": "older", "seq": "10"}).get_json()
    assert late["saved"] is False and late["reason"] == "stale"
    assert repos.responses.find(interview.id, interview.questions[0].id).answer == "newer"


@pytest.mark.parametrize("data, status, code", [
    ({"answer": "x" * 20_001, "seq": "1"}, 422, "validation_error"),
    ({"answer": "ok", "seq": "not-a-number"}, 422, "validation_error"),
])
def test_autosave_refusals_are_json(cand, world, schedule, data, status, code):
    interview = schedule(world["hr_a"], world["cand_a"])
    response = cand.post(f"/candidate/interviews/{interview.id}/answers/{interview.questions[0].id}", data=data)
    assert response.status_code == status and response.get_json()["error"]["code"] == code


def test_autosave_to_unknown_question_or_closed_interview(cand, repos, world, schedule, now):
    interview = schedule(world["hr_a"], world["cand_a"])
    response = cand.post(f"/candidate/interviews/{interview.id}/answers/nope", data={"answer": "x", "seq": "1"})
    assert response.status_code == 422 and "question" in response.get_json()["error"]["message"]
    svc.submit(repos, world["cand_a"], interview.id, now)
    response = cand.post(f"/candidate/interviews/{interview.id}/answers/{interview.questions[0].id}",
                         data={"answer": "x", "seq": "1"})
    assert response.status_code == 409 and "read-only" in response.get_json()["error"]["message"]
    assert [r.answer for r in repos.responses.for_interview(interview.id).values()] == [""] * len(interview.questions)


def test_before_the_start_the_page_says_when_it_opens(cand, world, schedule, now):
    interview = schedule(world["hr_a"], world["cand_a"], start=now + timedelta(hours=1), deadline=now + timedelta(days=1))
    html = cand.get(f"/candidate/interviews/{interview.id}").get_data(as_text=True)
    assert "opens at" in html
    response = cand.post(f"/candidate/interviews/{interview.id}/q/1", data={"answer": "early", "go": "next"})
    assert response.status_code == 303


def test_submit_confirmation_lists_unanswered_then_receipt(cand, repos, world, schedule, now):
    interview = schedule(world["hr_a"], world["cand_a"], n=3)
    svc.save_answer(repos, world["cand_a"], interview.id, interview.questions[0].id, "done", now)
    html = cand.get(f"/candidate/interviews/{interview.id}/submit").get_data(as_text=True)
    assert "2 of 3 questions have no answer" in html
    response = cand.post(f"/candidate/interviews/{interview.id}/submit")
    assert response.headers["Location"].endswith(f"/candidate/interviews/{interview.id}/receipt")
    receipt = cand.get(f"/candidate/interviews/{interview.id}/receipt").get_data(as_text=True)
    assert "<strong>1</strong> of 3 questions answered" in receipt
    # Read-only now: the question page leads to the history view.
    assert cand.get(f"/candidate/interviews/{interview.id}/q/1").status_code == 303


def test_history_shows_result_only_when_shared(cand, repos, world, schedule, now):
    interview = schedule(world["hr_a"], world["cand_a"])
    svc.save_answer(repos, world["cand_a"], interview.id, interview.questions[0].id, "answer", now)
    svc.submit(repos, world["cand_a"], interview.id, now)
    svc.record_result(repos, world["hr_a"], interview.id, "8", "Very clear thinking", now)
    html = cand.get(f"/candidate/history/{interview.id}").get_data(as_text=True)
    assert "Very clear thinking" not in html and 'data-testid="no-result"' in html
    svc.set_shared(repos, world["hr_a"], interview.id, True, now)
    html = cand.get(f"/candidate/history/{interview.id}").get_data(as_text=True)
    assert "Very clear thinking" in html and "8.0/10" in html


def test_ics_invitation(cand, world, schedule):
    from icalendar import Calendar

    interview = schedule(world["hr_a"], world["cand_a"])
    response = cand.get(f"/candidate/interviews/{interview.id}/invite.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    event = Calendar.from_ical(response.data).walk("VEVENT")[0]
    assert event.decoded("dtstart") == interview.starts_at.replace(microsecond=0)
    assert event.decoded("dtend") - event.decoded("dtstart") == timedelta(hours=1)  # a slot, not the whole window
    assert interview.job_title in str(event["summary"])


@pytest.mark.parametrize("path", ["", "/q/1", "/submit", "/receipt", "/invite.ics"])
def test_another_candidates_interview_is_not_found(client, login, world, schedule, path):
    interview = schedule(world["hr_b"], world["cand_b"])
    c = login(world["cand_a"])
    assert c.get(f"/candidate/interviews/{interview.id}{path}").status_code == 404
    assert c.post(f"/candidate/interviews/{interview.id}/answers/{interview.questions[0].id}",
                  data={"answer": "x"}).status_code == 404


def test_question_number_out_of_range_is_not_found(cand, world, schedule):
    interview = schedule(world["hr_a"], world["cand_a"], n=2)
    assert cand.get(f"/candidate/interviews/{interview.id}/q/3").status_code == 404
    assert cand.get(f"/candidate/interviews/{interview.id}/q/0").status_code == 404
