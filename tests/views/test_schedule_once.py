"""Confirming one draft schedules one interview: a double click, a resent form or racing posts of the
same review page (the Hardening issue: 5 parallel posts made 5 interviews)."""
from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from bson import ObjectId
from pymongo.errors import DuplicateKeyError
from support import schedule_form

from interviewer.errors import ValidationError
from interviewer.services import interviews as svc

QUESTIONS = {"q_id": ["q1", "q2"], "q_text": ["First question?", "Second question?"],
             "q_category": ["technical"] * 2, "q_difficulty": ["3"] * 2, "q_tags": [""] * 2,
             "q_reference_answer": [""] * 2, "q_key_points": [""] * 2, "q_source": ["custom"] * 2}


@pytest.fixture
def hr(world, login):
    return login(world["hr_a"])


def _draft_id(html: str) -> str:
    found = re.findall(r'name="draft_id" value="([^"]*)"', html)
    assert len(found) == 1, found
    return found[0]


def test_the_review_page_holds_one_draft_id_and_keeps_it_through_edits(hr, world, now):
    details = schedule_form(world, now)
    del details["draft_id"]
    first = _draft_id(hr.post("/hr/schedule/draft", data=details).get_data(as_text=True))
    assert ObjectId.is_valid(first)
    again = _draft_id(hr.post("/hr/schedule/draft", data=details).get_data(as_text=True))
    assert again != first  # drafting again is a new draft
    edited = hr.post("/hr/schedule/review", data={**details, **QUESTIONS, "draft_id": first, "op": "add"})
    assert _draft_id(edited.get_data(as_text=True)) == first


def test_confirming_a_draft_twice_makes_one_interview_and_says_so(hr, repos, world, now):
    form = {**schedule_form(world, now), **QUESTIONS}
    first = hr.post("/hr/schedule/confirm", data=form)
    second = hr.post("/hr/schedule/confirm", data={**form, "job_title": "Changed meanwhile"})
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert first.headers["Location"].endswith(f"/hr/interviews/{form['draft_id']}")
    assert repos.interviews.search().total == 1
    assert repos.interviews.get(form["draft_id"]).job_title == "Data engineer"
    page = hr.get(second.headers["Location"]).get_data(as_text=True)
    assert "This draft was already scheduled" in page


def test_five_racing_posts_of_one_draft_make_one_interview(app, login, repos, world, now):
    form = {**schedule_form(world, now), **QUESTIONS}
    clients = [login(world["hr_a"], c=app.test_client()) for _ in range(5)]
    start, statuses = threading.Barrier(5), []

    def post(client):
        start.wait()
        statuses.append(client.post("/hr/schedule/confirm", data=form).status_code)

    threads = [threading.Thread(target=post, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [303] * 5
    assert repos.interviews.search().total == 1
    assert set(repos.responses.for_interview(form["draft_id"])) == {"q1", "q2"}


def test_a_post_racing_between_the_check_and_the_insert_gets_the_first_interview(repos, world, now, monkeypatch):
    """The insert of the second post fails on the id the first one took: it returns that interview."""
    req = svc.ScheduleRequest(candidate_id=world["cand_a"].id, job_title="Data engineer", job_description="",
                              starts_at=now, deadline=now + timedelta(days=1), num_questions=2)
    items = [{"id": "q1", "text": "First question?"}]
    draft_id = str(ObjectId())
    made, created = svc.schedule_draft_once(repos, world["hr_a"], req, items, now, draft_id)
    assert created
    real_get, calls = repos.interviews.get, []

    def unseen_once(interview_id):  # the second post read before the first one's insert
        calls.append(interview_id)
        return None if len(calls) == 1 else real_get(interview_id)

    monkeypatch.setattr(repos.interviews, "get", unseen_once)
    again, created = svc.schedule_draft_once(repos, world["hr_a"], req, items, now, draft_id)
    assert not created and again.id == made.id
    assert repos.interviews.search().total == 1


def test_a_duplicate_key_that_is_not_this_draft_is_not_hidden(repos, world, now, monkeypatch):
    req = svc.ScheduleRequest(candidate_id=world["cand_a"].id, job_title="Data engineer", job_description="",
                              starts_at=now, deadline=now + timedelta(days=1), num_questions=1)

    def refused(interview):
        raise DuplicateKeyError("E11000 some other unique index")

    monkeypatch.setattr(repos.interviews, "insert", refused)
    with pytest.raises(DuplicateKeyError):
        svc.schedule_draft_once(repos, world["hr_a"], req, [{"text": "Q?"}], now, str(ObjectId()))


def test_another_users_draft_id_is_a_conflict_and_changes_nothing(login, repos, world, now):
    form = {**schedule_form(world, now), **QUESTIONS}
    assert login(world["hr_a"]).post("/hr/schedule/confirm", data=form).status_code == 303
    admin = login(world["admin"])
    response = admin.post("/hr/schedule/confirm", data={**form, "job_title": "Another job"})
    assert response.status_code == 409
    assert "already used for another interview" in response.get_data(as_text=True)
    assert repos.interviews.search().total == 1
    assert repos.interviews.get(form["draft_id"]).job_title == "Data engineer"


@pytest.mark.parametrize("draft_id", ["", "not-an-id", "0" * 25])
def test_a_confirm_without_a_readable_draft_id_is_refused_and_stores_nothing(hr, repos, world, now, draft_id):
    response = hr.post("/hr/schedule/confirm", data={**schedule_form(world, now), **QUESTIONS, "draft_id": draft_id})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "draft the questions again" in html and "First question?" in html
    assert repos.interviews.search().total == 0
    with pytest.raises(ValidationError):
        svc.schedule_draft_once(repos, world["hr_a"], None, [], now, draft_id)
