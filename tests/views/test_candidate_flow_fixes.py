"""The candidate's side as people meet it: navigation that never drops typed text, drafts kept in
the browser reach the server from any page of the interview, registration errors that keep the
hint and say the file must be chosen again, plain wording, and an invitation that is a real slot."""
from __future__ import annotations

import io
import re
from datetime import UTC, timedelta

import pytest
from support import PASSWORD
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from interviewer.services import interviews as svc


@pytest.fixture
def cand(world, login):
    return login(world["cand_a"])


def _visible_text(html: str) -> str:
    """The text a person reads: no tags, attributes, scripts; whitespace collapsed."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _answer_form(html: str) -> str:
    found = re.search(r"<form[^>]*data-autosave.*?</form>", html, re.S)
    assert found, "no answer form"
    return found.group(0)


def _outside_answer_form(html: str) -> str:
    main = re.search(r"<main.*?</main>", html, re.S).group(0)
    return main.replace(_answer_form(html), "")


# --- 3. every navigation control of the answer page saves the text ---------------------------------

def test_the_question_overview_is_made_of_submit_buttons_inside_the_answer_form(cand, world, schedule):
    interview = schedule(world["hr_a"], world["cand_a"], n=4)
    html = cand.get(f"/candidate/interviews/{interview.id}/q/2").get_data(as_text=True)
    form = _answer_form(html)
    for n in range(1, 5):
        assert re.search(rf'<button[^>]*type="submit"[^>]*name="go"[^>]*value="{n}"', form), n
    for go in ("prev", "next", "submit"):
        assert re.search(rf'<button[^>]*name="go"[^>]*value="{go}"', form), go
    assert 'aria-current="step"' in form
    # No way out of the page that skips the form: no link to another question, to the submit page
    # or to the dashboard in the page's own content.
    outside = _outside_answer_form(html)
    assert f"/candidate/interviews/{interview.id}/q/" not in outside
    assert f"/candidate/interviews/{interview.id}/submit" not in outside
    assert "<a " not in form


def test_clicking_an_overview_number_without_javascript_saves_the_answer(cand, repos, world, schedule):
    interview = schedule(world["hr_a"], world["cand_a"], n=3)
    base = f"/candidate/interviews/{interview.id}/q"
    response = cand.post(f"{base}/2", data={"answer": "Typed on two", "go": "1"})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"{base}/1")
    assert repos.responses.find(interview.id, interview.questions[1].id).answer == "Typed on two"


def test_save_and_leave_goes_to_the_dashboard_with_the_answer_saved(cand, repos, world, schedule):
    interview = schedule(world["hr_a"], world["cand_a"], n=3)
    html = cand.get(f"/candidate/interviews/{interview.id}/q/1").get_data(as_text=True)
    assert re.search(r'<button[^>]*name="go"[^>]*value="leave"', _answer_form(html))
    response = cand.post(f"/candidate/interviews/{interview.id}/q/1", data={"answer": "Half done", "go": "leave"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/candidate/")
    assert repos.responses.find(interview.id, interview.questions[0].id).answer == "Half done"
    assert "Your answer is saved" in cand.get("/candidate/").get_data(as_text=True)


# --- 7. drafts kept in the browser are sent from any page of the interview --------------------------

@pytest.mark.parametrize("page", ["/q/2", "/submit"])
def test_pages_of_an_interview_name_it_for_the_draft_sender(cand, world, schedule, page):
    interview = schedule(world["hr_a"], world["cand_a"], n=3)
    html = cand.get(f"/candidate/interviews/{interview.id}{page}").get_data(as_text=True)
    assert re.search(rf'data-send-drafts="{interview.id}"', html)
    assert 'data-draft-url="/candidate/interviews/INTERVIEW/answers/QUESTION"' in html


def test_the_dashboard_names_every_open_interview_for_the_draft_sender(cand, world, schedule, now):
    running = schedule(world["hr_a"], world["cand_a"], n=3)
    later = schedule(world["hr_a"], world["cand_a"], start=now + timedelta(hours=2), deadline=now + timedelta(days=2))
    html = cand.get("/candidate/").get_data(as_text=True)
    ids = re.search(r'data-send-drafts="([^"]*)"', html).group(1).split()
    assert sorted(ids) == sorted([running.id, later.id])


# --- 9. registration errors --------------------------------------------------------------------------

def _register(client, with_file: bool, **over):
    data = {"name": "Rita Register", "email": "rita@example.com", "password": "short", "confirm": "short", **over}
    if with_file:
        data["resume"] = FileStorage(io.BytesIO(b"Python, Flask and MongoDB developer"), "cv.txt")
    boundary, body = encode_multipart(data)
    return client.post("/register", data=body, content_type=f"multipart/form-data; boundary={boundary}")


def test_a_short_password_keeps_the_hint_and_reads_as_a_sentence(client):
    response = _register(client, with_file=False)
    assert response.status_code == 422
    text = _visible_text(response.get_data(as_text=True))
    assert "A password has at least 8 characters." in text
    assert "At least 8 characters." in text
    assert "Field must be between" not in text


def test_a_too_long_password_says_so(client):
    response = _register(client, with_file=False, password="p" * 1025, confirm="p" * 1025)
    assert "A password has at most 1,024 characters." in _visible_text(response.get_data(as_text=True))


@pytest.mark.parametrize("with_file", [True, False])
def test_the_resume_must_be_chosen_again_only_when_one_was_chosen(client, with_file):
    response = _register(client, with_file=with_file)
    assert response.status_code == 422
    text = _visible_text(response.get_data(as_text=True))
    assert ("choose the file again" in text) is with_file


# --- 10. wording ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("answered, expected", [
    (2, "1 of 3 questions has no answer"),
    (1, "2 of 3 questions have no answer"),
])
def test_the_unanswered_count_agrees_with_its_number(cand, repos, world, schedule, now, answered, expected):
    interview = schedule(world["hr_a"], world["cand_a"], n=3)
    for q in interview.questions[:answered]:
        svc.save_answer(repos, world["cand_a"], interview.id, q.id, "An answer", now)
    html = cand.get(f"/candidate/interviews/{interview.id}/submit").get_data(as_text=True)
    assert expected in _visible_text(html)


def test_a_long_question_is_shortened_at_a_word_with_an_ellipsis(cand, world, schedule):
    text = ("How do you design an idempotent payment endpoint " * 6).strip() + "?"
    items = [{"id": "q1", "text": text, "category": "technical", "difficulty": 3},
             {"id": "q2", "text": "Short one?", "category": "technical", "difficulty": 3}]
    interview = schedule(world["hr_a"], world["cand_a"], items=items)
    html = cand.get(f"/candidate/interviews/{interview.id}/submit").get_data(as_text=True)
    shown = re.search(r"Question 1</a>: ([^<]*)</li>", html).group(1).strip()
    assert shown.endswith("…") and len(shown) <= 121
    kept = shown[:-1].rstrip()
    assert text.startswith(kept) and text[len(kept)] == " ", shown  # cut where a word ends
    assert "Short one?" in html and "Short one?…" not in html


def test_the_dashboard_says_completed_once(cand, repos, world, schedule, now):
    interview = schedule(world["hr_a"], world["cand_a"], n=2)
    svc.save_answer(repos, world["cand_a"], interview.id, interview.questions[0].id, "An answer", now)
    svc.submit(repos, world["cand_a"], interview.id, now)
    text = _visible_text(cand.get("/candidate/").get_data(as_text=True))
    assert "completed completed" not in text.lower()
    assert "handed in" in text


def test_registering_shows_one_welcome(client):
    response = client.post("/register", data={"name": "Rita Register", "email": "rita@example.com",
                                              "password": PASSWORD, "confirm": PASSWORD}, follow_redirects=True)
    text = _visible_text(response.get_data(as_text=True))
    assert text.count("assign you to a recruiter") == 1, text
    assert text.count("Welcome") <= 1


def test_an_unassigned_candidate_signing_in_later_is_still_told_what_happens_next(client, make_user, login):
    login(make_user("candidate"))
    text = _visible_text(client.get("/candidate/").get_data(as_text=True))
    assert text.count("assign you to a recruiter") == 1


def test_the_footer_says_what_is_true_with_and_without_javascript(cand):
    html = cand.get("/candidate/").get_data(as_text=True)
    footer = _visible_text(re.search(r"<footer.*?</footer>", html, re.S).group(0))
    assert "UTC" in footer and "JavaScript" in footer
    assert "times in your local zone, UTC beside them" not in footer


# --- 11. the calendar invitation -------------------------------------------------------------------

def _invitation(cand, interview):
    from icalendar import Calendar

    response = cand.get(f"/candidate/interviews/{interview.id}/invite.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    return response, Calendar.from_ical(response.data)


def test_the_invitation_is_a_one_hour_slot_at_the_opening_with_the_deadline_stated(cand, world, schedule, now):
    interview = schedule(world["hr_a"], world["cand_a"], start=now + timedelta(hours=3),
                         deadline=now + timedelta(days=2))
    response, cal = _invitation(cand, interview)
    assert str(cal["method"]) == "PUBLISH"
    (event,) = cal.walk("VEVENT")
    start = interview.starts_at.astimezone(UTC).replace(microsecond=0)
    assert event.start == start
    assert event.end - event.start == timedelta(hours=1)
    deadline = interview.deadline.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    assert deadline in str(event["summary"]) and interview.job_title in str(event["summary"])
    assert deadline in str(event["description"])
    assert event["uid"] == f"interview-{interview.id}@interviewer"
    assert event.get("dtstamp") is not None
    assert int(event["sequence"]) == 0
    (alarm,) = event.walk("VALARM")
    assert str(alarm["action"]) == "DISPLAY" and str(alarm.get("description", ""))
    assert alarm.TRIGGER < timedelta(0) and alarm.TRIGGER_RELATED == "START"
    assert event.alarms.times[0].trigger < start


def test_the_invitation_is_the_same_event_on_every_download(cand, world, schedule):
    interview = schedule(world["hr_a"], world["cand_a"])
    _, first = _invitation(cand, interview)
    _, second = _invitation(cand, interview)
    a, b = first.walk("VEVENT")[0], second.walk("VEVENT")[0]
    assert a["uid"] == b["uid"] and a.start == b.start and a.end == b.end
