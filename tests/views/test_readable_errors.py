"""Errors read as sentences, never as field names (the product issue: an empty schedule form showed
`job_title`, `starts_at`, `deadline`, `_form` in the message area; the review step `questions.2.text`).
A page's field errors belong beside their fields; the shared message area shows only messages."""
from __future__ import annotations

import re

import pytest
from support import schedule_form

RAW_NAME = re.compile(r"\b(_form|job_title|starts_at|deadline|candidate_id|num_questions|question_source|tz|"
                      r"questions(\.\d+\.\w+)?)\b")


def _message_area(html: str) -> str:
    found = re.search(r'<div id="messages"[^>]*>(.*?)</div>', html, re.S)
    assert found, "no message area"
    return re.sub(r"<[^>]+>", " ", found.group(1))


def _visible_text(html: str) -> str:
    """The text a person reads: no tags, attributes, scripts or hidden inputs."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


@pytest.fixture
def hr(world, login):
    return login(world["hr_a"])


def test_an_empty_schedule_form_shows_sentences_beside_the_fields(hr):
    response = hr.post("/hr/schedule/draft", data={"question_source": "default", "tz": "UTC"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert RAW_NAME.search(_message_area(html)) is None, _message_area(html)
    for field in ("job_title", "starts_at", "deadline"):
        assert f'id="{field}-error"' in html
    assert not re.search(r">\s*(_form|job_title|starts_at|deadline)\s*<", html)


def test_a_bad_question_on_the_review_step_names_the_question_in_words(hr, world, now):
    form = {**schedule_form(world, now), "q_id": ["q1", "q2"], "q_text": ["A fine question?", ""],
            "q_category": ["technical"] * 2, "q_difficulty": ["3"] * 2}
    response = hr.post("/hr/schedule/confirm", data=form)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "questions.2" not in _visible_text(html)
    assert RAW_NAME.search(_message_area(html)) is None, _message_area(html)
    assert "Some questions need attention." in html


def test_a_bad_zone_is_said_beside_the_zone(hr, world, now):
    response = hr.post("/hr/schedule/draft", data=schedule_form(world, now, tz="Mars/Olympus"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="tz-error"' in html and "Choose a time zone from the list." in html
    assert RAW_NAME.search(_message_area(html)) is None
