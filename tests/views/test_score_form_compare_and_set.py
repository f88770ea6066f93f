"""The score form carries the `scored_at` it showed (`seen`): a score saved meanwhile by someone else is
never overwritten in silence; the row says so inline (htmx) or on the page (no JavaScript), with 409."""
from __future__ import annotations

import re

import pytest

from interviewer.services import interviews as svc

HX = {"HX-Request": "true"}


@pytest.fixture
def completed(repos, world, schedule, now):
    interview = schedule(world["hr_a"], world["cand_a"], n=2)
    svc.save_answer(repos, world["cand_a"], interview.id, interview.questions[0].id, "My answer", now)
    return svc.submit(repos, world["cand_a"], interview.id, now)


@pytest.fixture
def hr(app, login, world):
    return login(world["hr_a"], c=app.test_client())


@pytest.fixture
def admin(app, login, world):
    return login(world["admin"], c=app.test_client())


def shown_seen(html: str, question_id: str) -> str:
    """The `seen` value of one answer's score form in a page or row."""
    row = html.split(f'id="row-{question_id}"', 1)[1].split("</article>", 1)[0]
    return re.search(r'name="seen" value="([^"]*)"', row).group(1)


def url(interview, question_id: str) -> str:
    return f"/hr/interviews/{interview.id}/questions/{question_id}/score"


def stored(repos, interview, question_id):
    response = repos.responses.find(interview.id, question_id)
    return response.score, response.feedback


def test_the_score_form_carries_the_score_it_shows(hr, repos, world, completed, now):
    q = completed.questions[0].id
    assert shown_seen(hr.get(f"/hr/interviews/{completed.id}").get_data(as_text=True), q) == ""
    scored = svc.score_response(repos, world["admin"], completed.id, q, "6", "", now)
    html = hr.get(f"/hr/interviews/{completed.id}").get_data(as_text=True)
    assert shown_seen(html, q) == scored.scored_at.isoformat()


def test_two_staff_scoring_at_once_one_is_refused_inline_with_the_stored_score(hr, admin, repos, completed):
    q = completed.questions[0].id
    page = f"/hr/interviews/{completed.id}"
    hr_seen = shown_seen(hr.get(page).get_data(as_text=True), q)
    admin_seen = shown_seen(admin.get(page).get_data(as_text=True), q)
    first = hr.post(url(completed, q), data={"score": "2", "feedback": "Thin", "seen": hr_seen})
    assert first.status_code == 303
    refused = admin.post(url(completed, q), data={"score": "8", "feedback": "Strong", "seen": admin_seen}, headers=HX)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 409 and html.lstrip().startswith(f'<article id="row-{q}"')
    assert "Someone saved a score for this answer meanwhile (2/10)" in html
    assert "Stored now:" in html and "2.0/10" in html and "Thin" in html  # the stored score, beside the form
    assert 'value="8"' in html and ">Strong</textarea>" in html  # what the admin typed is kept
    assert stored(repos, completed, q) == (2.0, "Thin")  # nothing written
    # The refused row now carries the stored score's time: saving again replaces it, knowingly.
    fresh = repos.responses.find(completed.id, q).scored_at.isoformat()
    assert shown_seen(html, q) == fresh
    again = admin.post(url(completed, q), data={"score": "8", "feedback": "Strong", "seen": fresh}, headers=HX)
    assert again.status_code == 200 and "Saved: 8.0/10" in again.get_data(as_text=True)
    assert stored(repos, completed, q) == (8.0, "Strong")


def test_a_page_loaded_earlier_cannot_overwrite_a_newer_score_without_javascript(hr, admin, repos, completed):
    q = completed.questions[0].id
    old_page = shown_seen(hr.get(f"/hr/interviews/{completed.id}").get_data(as_text=True), q)
    newer = shown_seen(admin.get(f"/hr/interviews/{completed.id}").get_data(as_text=True), q)
    assert admin.post(url(completed, q), data={"score": "9", "feedback": "Newer", "seen": newer}).status_code == 303
    late = hr.post(url(completed, q), data={"score": "1", "feedback": "Older", "seen": old_page})
    html = late.get_data(as_text=True)
    assert late.status_code == 409 and "meanwhile (9/10)" in html and "<html" in html
    assert stored(repos, completed, q) == (9.0, "Newer")


def test_a_double_click_is_accepted(hr, repos, completed):
    q = completed.questions[0].id
    seen = shown_seen(hr.get(f"/hr/interviews/{completed.id}").get_data(as_text=True), q)
    for _ in range(2):
        response = hr.post(url(completed, q), data={"score": "7", "feedback": "Fine", "seen": seen}, headers=HX)
        assert response.status_code == 200 and "Saved: 7.0/10" in response.get_data(as_text=True)
    assert stored(repos, completed, q) == (7.0, "Fine")
    events = [e for e in repos.audit.for_interview(completed.id) if e["action"] == "answer.score"]
    assert len(events) == 1


def test_a_typing_error_keeps_the_score_the_form_first_showed(hr, admin, repos, completed):
    """A 422 re-render must not quietly adopt a score saved meanwhile as the one this user saw."""
    q = completed.questions[0].id
    seen = shown_seen(hr.get(f"/hr/interviews/{completed.id}").get_data(as_text=True), q)
    assert admin.post(url(completed, q), data={"score": "4", "feedback": "Admin", "seen": seen}).status_code == 303
    typo = hr.post(url(completed, q), data={"score": "77", "feedback": "Mine", "seen": seen}, headers=HX)
    assert typo.status_code == 422 and shown_seen(typo.get_data(as_text=True), q) == seen
    fixed = hr.post(url(completed, q), data={"score": "7", "feedback": "Mine", "seen": seen}, headers=HX)
    assert fixed.status_code == 409 and stored(repos, completed, q) == (4.0, "Admin")


@pytest.mark.parametrize("score", ["٥", "٣", "1_0", "５", "1e1"])
def test_a_score_in_unicode_digits_is_refused_beside_the_field(hr, repos, completed, score):
    q = completed.questions[0].id
    response = hr.post(url(completed, q), data={"score": score, "feedback": "Typed", "seen": ""}, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "0 to 10" in html and "Typed" in html
    assert stored(repos, completed, q) == (None, "")
    result = hr.post(f"/hr/interviews/{completed.id}/result", data={"overall_score": score, "seen": ""}, headers=HX)
    assert result.status_code == 422 and repos.interviews.get(completed.id).overall_score is None


def test_an_unreadable_seen_is_said_beside_the_result_form(hr, repos, completed):
    response = hr.post(f"/hr/interviews/{completed.id}/result", data={"overall_score": "5", "seen": "tuesday"},
                       headers=HX)
    assert response.status_code == 422 and svc.SEEN_MESSAGE in response.get_data(as_text=True)
    assert repos.interviews.get(completed.id).overall_score is None


@pytest.mark.parametrize("seq", ["٣", "1_000", "１２"])
def test_an_autosave_seq_in_unicode_digits_is_a_422_not_stored(app, login, repos, world, schedule, now, seq):
    cand = login(world["cand_a"], c=app.test_client())
    interview = schedule(world["hr_a"], world["cand_a"])
    q = interview.questions[0].id
    save = f"/candidate/interviews/{interview.id}/answers/{q}"
    assert cand.post(save, data={"answer": "Kept", "seq": "5"}).get_json()["saved"] is True
    refused = cand.post(save, data={"answer": "Replaced", "seq": seq})
    assert refused.status_code == 422 and refused.get_json()["error"]["details"] == {"seq": "Must be a whole number."}
    assert repos.responses.find(interview.id, q).answer == "Kept"


def result_seen(html: str) -> str:
    """The `seen` value of the overall result form in a page or fragment."""
    form = html.split('id="result"', 1)[1].split("</form>", 1)[0]
    return re.search(r'name="seen" value="([^"]*)"', form).group(1)


def test_a_typing_error_in_the_result_keeps_the_result_the_form_first_showed(hr, admin, repos, completed):
    page = f"/hr/interviews/{completed.id}/result"
    seen = result_seen(hr.get(f"/hr/interviews/{completed.id}").get_data(as_text=True))
    assert admin.post(page, data={"overall_score": "4", "overall_feedback": "Admin", "seen": seen}).status_code == 303
    typo = hr.post(page, data={"overall_score": "77", "overall_feedback": "Mine", "seen": seen}, headers=HX)
    assert typo.status_code == 422 and result_seen(typo.get_data(as_text=True)) == seen
    fixed = hr.post(page, data={"overall_score": "7", "overall_feedback": "Mine", "seen": seen}, headers=HX)
    assert fixed.status_code == 409
    stored_now = repos.interviews.get(completed.id)
    assert (stored_now.overall_score, stored_now.overall_feedback) == (4.0, "Admin")
    # after the refusal the form carries the stored result's time: saving again replaces it knowingly
    again = result_seen(fixed.get_data(as_text=True))
    assert again == stored_now.evaluated_at.isoformat()
    assert hr.post(page, data={"overall_score": "7", "overall_feedback": "Mine", "seen": again}).status_code == 303
    assert repos.interviews.get(completed.id).overall_score == 7.0
