"""HR pages: scheduling with an editable draft, live progress, inline scoring, results and CSV."""
from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from support import PASSWORD, schedule_form

from interviewer.models import EVALUATED
from interviewer.services import interviews as svc

HX = {"HX-Request": "true"}


@pytest.fixture
def hr(world, login):
    return login(world["hr_a"])


def _review_items(html: str) -> list[dict]:
    """The draft questions as the review form holds them (parallel q_* fields)."""
    ids = re.findall(r'name="q_id" value="([^"]*)"', html)
    texts = re.findall(r'name="q_text" rows="2">([^<]*)</textarea>', html)
    return [{"id": i, "text": t} for i, t in zip(ids, texts, strict=True)]


def _form_from(html: str, base: dict) -> dict:
    """`base` with the review page's draft questions and, on a whole page, its draft id."""
    items = _review_items(html)
    data = dict(base)
    draft_id = re.search(r'name="draft_id" value="([0-9a-f]{24})"', html)
    if draft_id:
        data["draft_id"] = draft_id.group(1)
    data.update({
        "q_id": [i["id"] for i in items], "q_text": [i["text"] for i in items],
        "q_category": ["technical"] * len(items), "q_difficulty": ["3"] * len(items),
        "q_tags": [""] * len(items), "q_reference_answer": [""] * len(items),
        "q_key_points": [""] * len(items), "q_source": ["custom"] * len(items),
    })
    return data


def test_schedule_draft_review_and_confirm(hr, repos, world, now):
    details = schedule_form(world, now)
    draft = hr.post("/hr/schedule/draft", data=details)
    assert draft.status_code == 200
    html = draft.get_data(as_text=True)
    assert len(_review_items(html)) == 4
    form = _form_from(html, details)
    form["q_text"][0] = "Edited first question"
    moved = hr.post("/hr/schedule/review", data={**form, "op": "down:0"}, headers=HX)
    assert "<html" not in moved.get_data(as_text=True)
    moved_items = _review_items(moved.get_data(as_text=True))
    assert moved_items[1]["text"] == "Edited first question"
    form = _form_from(moved.get_data(as_text=True), details)
    removed = _review_items(hr.post("/hr/schedule/review", data={**form, "op": "remove:3"}, headers=HX).get_data(as_text=True))
    assert len(removed) == 3
    form = _form_from(hr.post("/hr/schedule/review", data={**form, "op": "remove:3"}).get_data(as_text=True), details)
    added = _form_from(hr.post("/hr/schedule/review", data={**form, "op": "add"}).get_data(as_text=True), details)
    assert len(added["q_text"]) == 4 and added["q_text"][3] == ""
    added["q_text"][3] = "A question of my own"
    done = hr.post("/hr/schedule/confirm", data=added)
    assert done.status_code == 303
    interview = repos.interviews.get(done.headers["Location"].rsplit("/", 1)[1])
    assert [q.text for q in interview.questions][1] == "Edited first question"
    assert interview.questions[3].text == "A question of my own"
    assert interview.status == "scheduled" and interview.hr_id == world["hr_a"].id
    assert len({q.id for q in interview.questions}) == 4


def test_times_are_read_in_the_chosen_zone_and_stored_utc(hr, repos, world, now):
    local = now.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Tokyo"))
    details = schedule_form(world, now, tz="Asia/Tokyo", starts_at=(local - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
                       deadline=(local + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"))
    form = _form_from(hr.post("/hr/schedule/draft", data=details).get_data(as_text=True), details)
    location = hr.post("/hr/schedule/confirm", data=form).headers["Location"]
    interview = repos.interviews.get(location.rsplit("/", 1)[1])
    expected = (now - timedelta(hours=1)).replace(second=0)
    assert abs((interview.starts_at - expected).total_seconds()) < 60


@pytest.mark.parametrize("over, message", [
    ({"deadline": "2000-01-01T00:00"}, "deadline"),
    ({"num_questions": "0"}, "between 1 and 50"),
    ({"job_title": ""}, "job title"),
    ({"starts_at": "not a date"}, "valid date"),
])
def test_bad_schedule_forms_show_errors_and_keep_input(hr, repos, world, now, over, message):
    response = hr.post("/hr/schedule/draft", data=schedule_form(world, now, **over))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html and "SQL and Python" in html
    assert repos.interviews.search().total == 0


def test_unassigned_candidate_cannot_be_scheduled(login, repos, world, now):
    admin = login(world["admin"])
    response = admin.post("/hr/schedule/draft", data=schedule_form(world, now, candidate_id=world["cand_free"].id))
    assert response.status_code == 409 and "not assigned" in response.get_data(as_text=True)


def test_confirm_with_no_questions_is_refused(hr, repos, world, now):
    response = hr.post("/hr/schedule/confirm", data=schedule_form(world, now))
    assert response.status_code == 422 and "at least one question" in response.get_data(as_text=True)
    assert repos.interviews.search().total == 0


def test_generated_source_drafts_from_the_job(hr, world, now):
    details = schedule_form(world, now, question_source="generated", job_description="Go and Kubernetes platform work")
    html = hr.post("/hr/schedule/draft", data=details).get_data(as_text=True)
    assert len(_review_items(html)) == 4


def test_interview_list_filters_and_live_progress(hr, repos, world, schedule, now):
    going = schedule(world["hr_a"], world["cand_a"], n=3)
    svc.save_answer(repos, world["cand_a"], going.id, going.questions[0].id, "typing", now)
    html = hr.get("/hr/interviews").get_data(as_text=True)
    assert "1 of 3 answered" in html and 'hx-trigger="every 5s"' in html
    fragment = hr.get("/hr/interviews?status=completed", headers=HX).get_data(as_text=True)
    assert "<html" not in fragment and "No interviews match" in fragment
    svc.save_answer(repos, world["cand_a"], going.id, going.questions[1].id, "more", now)
    cell = hr.get(f"/hr/interviews/{going.id}/progress").get_data(as_text=True)
    assert "2 of 3 answered" in cell and "every 5s" in cell
    svc.submit(repos, world["cand_a"], going.id, now)
    assert "every 5s" not in hr.get(f"/hr/interviews/{going.id}/progress").get_data(as_text=True)


def test_hr_cannot_open_another_hrs_interview(hr, world, schedule):
    other = schedule(world["hr_b"], world["cand_b"])
    for path in ("", "/progress"):
        assert hr.get(f"/hr/interviews/{other.id}{path}").status_code == 404
    assert hr.post(f"/hr/interviews/{other.id}/cancel").status_code == 404
    assert hr.post(f"/hr/interviews/{other.id}/result", data={"overall_score": "5"}).status_code == 404


@pytest.fixture
def completed(repos, world, schedule, now):
    interview = schedule(world["hr_a"], world["cand_a"], n=2)
    svc.save_answer(repos, world["cand_a"], interview.id, interview.questions[0].id, "My answer", now)
    return svc.submit(repos, world["cand_a"], interview.id, now)


def test_inline_score_swaps_one_row(hr, repos, completed):
    q = completed.questions[0]
    response = hr.post(f"/hr/interviews/{completed.id}/questions/{q.id}/score",
                       data={"score": "7.5", "feedback": "Clear"}, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.lstrip().startswith(f'<article id="row-{q.id}"')
    assert "Saved: 7.5/10" in html
    assert repos.responses.find(completed.id, q.id).score == 7.5


@pytest.mark.parametrize("score", ["11", "-1", "abc", "7.25"])
def test_out_of_range_score_is_refused_and_feedback_kept(hr, repos, completed, score):
    q = completed.questions[0]
    response = hr.post(f"/hr/interviews/{completed.id}/questions/{q.id}/score",
                       data={"score": score, "feedback": "Typed feedback"}, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "0 to 10" in html and "Typed feedback" in html
    assert repos.responses.find(completed.id, q.id).score is None


def test_overall_result_and_share(hr, repos, completed):
    bad = hr.post(f"/hr/interviews/{completed.id}/result", data={"overall_score": "12", "overall_feedback": "x"},
                  headers=HX)
    assert bad.status_code == 422 and "0 to 10" in bad.get_data(as_text=True)
    ok = hr.post(f"/hr/interviews/{completed.id}/result", data={"overall_score": "6.5", "overall_feedback": "Good"},
                 headers=HX)
    assert ok.status_code == 200 and "Share result with candidate" in ok.get_data(as_text=True)
    assert repos.interviews.get(completed.id).status == EVALUATED
    shared = hr.post(f"/hr/interviews/{completed.id}/share", data={"shared": "1"}, headers=HX)
    assert "Stop sharing" in shared.get_data(as_text=True) and repos.interviews.get(completed.id).shared


def test_scoring_an_unfinished_interview_is_a_conflict(hr, world, schedule):
    interview = schedule(world["hr_a"], world["cand_a"])
    response = hr.post(f"/hr/interviews/{interview.id}/questions/{interview.questions[0].id}/score",
                       data={"score": "5"})
    assert response.status_code == 409


def test_cancel(hr, repos, world, schedule):
    interview = schedule(world["hr_a"], world["cand_a"])
    assert hr.post(f"/hr/interviews/{interview.id}/cancel").status_code == 303
    assert repos.interviews.get(interview.id).status == "cancelled"
    assert hr.post(f"/hr/interviews/{interview.id}/cancel").status_code == 409


def test_results_csv_per_interview_and_per_response(hr, repos, world, completed, now):
    svc.record_result(repos, world["hr_a"], completed.id, "6", "=HYPERLINK(\"x\")", now)
    body = hr.get("/hr/results.csv").get_data(as_text=True)
    assert body.startswith("\ufeffinterview_id,")  # a BOM: Excel reads it as UTF-8
    rows = list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))
    assert rows[0][0] == "interview_id" and len(rows) == 2
    assert rows[1][0] == completed.id and rows[1][10] == "6.0"
    assert rows[1][11].startswith("'=")  # neutralised for spreadsheets
    per = list(csv.reader(io.StringIO(hr.get("/hr/results.csv?per=response").get_data(as_text=True).removeprefix("\ufeff"))))
    assert len(per) == 1 + len(completed.questions) and per[1][6] == "My answer"
    other = list(csv.reader(io.StringIO(_login_as(hr, world["hr_b"]).get("/hr/results.csv").get_data(as_text=True))))
    assert len(other) == 1


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1+1", "\r=1+1", "\n=HYPERLINK(\"x\")"])
def test_every_formula_trigger_is_neutralised_in_exports(hr, repos, world, completed, now, cell):
    repos.users.set_fields(world["cand_a"].id, name=cell)  # a name is stored as typed, leading blanks and all
    rows = list(csv.reader(io.StringIO(hr.get("/hr/results.csv").get_data(as_text=True).removeprefix("\ufeff"))))
    assert rows[1][1] == "'" + cell


def test_names_keep_their_accents_in_exports(hr, repos, world, completed, now):
    repos.users.set_fields(world["cand_a"].id, name="Zoë Núñez")
    data = hr.get("/hr/results.csv").get_data()
    assert data.startswith(b"\xef\xbb\xbf") and "Zoë Núñez".encode() in data


def _login_as(client, user):
    client.post("/logout")
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    return client


def test_default_questions_page(hr, repos):
    html = hr.get("/hr/questions").get_data(as_text=True)
    assert all(q.text.replace("'", "&#39;").replace('"', "&#34;") in html for q in repos.questions.list()[:5])


def test_review_adds_a_question_from_the_bank(hr, repos, world, now):
    details = schedule_form(world, now, num_questions="2")
    form = _form_from(hr.post("/hr/schedule/draft", data=details).get_data(as_text=True), details)
    pick = repos.questions.list()[7]
    html = hr.post("/hr/schedule/review", data={**form, "op": "bank", "bank_pick": pick.id}, headers=HX).get_data(as_text=True)
    items = _review_items(html)
    assert len(items) == 3 and items[2]["text"] == pick.text.replace("'", "&#39;").replace('"', "&#34;")
    unknown = hr.post("/hr/schedule/review", data={**form, "op": "bank", "bank_pick": "nope"}, headers=HX)
    assert len(_review_items(unknown.get_data(as_text=True))) == 2
