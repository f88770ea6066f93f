"""The progress cell polls from `scheduled` until the interview closes; a status change reaches the
list row (out of band) or reloads the detail page; without JavaScript the page says to reload."""
from __future__ import annotations

import re

import pytest
from support import schedule_form

from interviewer.services import interviews as svc

HX = {"HX-Request": "true"}


@pytest.fixture
def hr(world, login):
    return login(world["hr_a"])


@pytest.fixture
def interview(world, schedule):
    return schedule(world["hr_a"], world["cand_a"], n=2)


def _poll_url(html: str, interview_id: str) -> str | None:
    cell = re.search(rf'<td id="progress-{interview_id}"[^>]*>', html).group(0)
    found = re.search(r'hx-get="([^"]+)"', cell)
    return found.group(1).replace("&amp;", "&") if found else None


@pytest.mark.parametrize("page, view", [("/hr/interviews", "list"), ("/hr/interviews/{id}", "detail")])
def test_a_scheduled_interview_polls_and_says_to_reload_without_javascript(hr, interview, page, view):
    html = hr.get(page.format(id=interview.id)).get_data(as_text=True)
    url = _poll_url(html, interview.id)
    assert url is not None and f"view={view}" in url and "shown=scheduled" in url
    assert "Reload the page to see new answers." in html  # inside <noscript>


def test_a_started_interview_sends_the_list_row_its_new_status(hr, repos, world, interview, now):
    url = _poll_url(hr.get("/hr/interviews").get_data(as_text=True), interview.id)
    svc.save_answer(repos, world["cand_a"], interview.id, interview.questions[0].id, "An answer.", now)
    html = hr.get(url, headers=HX).get_data(as_text=True)
    assert "1 of 2 answered" in html
    status = re.search(rf'<span id="status-{interview.id}" hx-swap-oob="true">(.*?)</span>\s*$', html, re.S)
    assert status and "in progress" in status.group(1)
    assert "shown=in_progress" in _poll_url(html, interview.id)


def test_an_unchanged_status_sends_no_out_of_band_badge(hr, interview):
    url = _poll_url(hr.get("/hr/interviews").get_data(as_text=True), interview.id)
    html = hr.get(url, headers=HX).get_data(as_text=True)
    assert "hx-swap-oob" not in html and "0 of 2 answered" in html


def test_the_detail_page_reloads_when_the_candidate_hands_in(hr, repos, world, interview, now):
    svc.save_answer(repos, world["cand_a"], interview.id, interview.questions[0].id, "An answer.", now)
    html = hr.get(f"/hr/interviews/{interview.id}").get_data(as_text=True)
    url = _poll_url(html, interview.id)
    assert "shown=in_progress" in url
    assert hr.get(url, headers=HX).headers.get("HX-Refresh") is None
    svc.submit(repos, world["cand_a"], interview.id, now)
    response = hr.get(url, headers=HX)
    assert response.status_code == 200 and response.headers["HX-Refresh"] == "true"
    page = hr.get(f"/hr/interviews/{interview.id}").get_data(as_text=True)
    assert _poll_url(page, interview.id) is None and 'data-testid="ai-evaluate-all"' in page


def test_a_queued_ai_evaluation_says_to_reload_without_javascript(hr, repos, world, interview, now):
    from interviewer.services import evaluations as ev

    svc.save_answer(repos, world["cand_a"], interview.id, interview.questions[0].id, "An answer.", now)
    svc.submit(repos, world["cand_a"], interview.id, now)
    response = repos.responses.find(interview.id, interview.questions[0].id)
    ev.request_evaluation(repos, world["hr_a"], response.id, now, lambda rid: None)  # queued, never run
    html = hr.get(f"/hr/interviews/{interview.id}").get_data(as_text=True)
    assert "AI evaluation queued" in html
    assert re.search(r"<noscript><small><a href=\"[^\"]+#ai-slot-[^\"]+\">Reload</a>", html)


def test_scheduling_promises_no_e_mail_and_gives_the_link_to_send(hr, world, interview, now):
    review = hr.post("/hr/schedule/draft", data=schedule_form(world, now)).get_data(as_text=True)
    assert ">Schedule the interview</button>" in review and "send the invitation" not in review
    assert "No mail server is configured, so the candidate is not e-mailed" in review
    html = hr.get(f"/hr/interviews/{interview.id}").get_data(as_text=True)
    link = re.search(r'<input id="candidate-link" readonly value="([^"]+)"', html)
    assert link and link.group(1).endswith(f"/candidate/interviews/{interview.id}")
    assert link.group(1).startswith("http")
    assert "No mail server is configured, so nobody is e-mailed" in html and world["cand_a"].email in html
    assert 'data-copy="#candidate-link" hidden' in html  # shown by the script: without it the field is selectable


def test_a_closed_interview_offers_no_link(hr, repos, world, interview, now):
    svc.cancel(repos, world["hr_a"], interview.id, now)
    html = hr.get(f"/hr/interviews/{interview.id}").get_data(as_text=True)
    assert 'id="candidate-link"' not in html
