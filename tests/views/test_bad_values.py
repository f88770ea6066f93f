"""Request values that used to answer 500 (the Hardening issue): each is refused with a 422 naming
the field, or falls back to the first page of a list, and a write is applied whole or not at all."""
from __future__ import annotations

import re

import pytest
from support import saved, schedule_form

from interviewer import params
from interviewer.services import interviews as svc

HX = {"HX-Request": "true"}
HUGE = "1" * 5_000  # int() refuses more than 4,300 digits
LONG_ZONE = "A" * 1_000  # ZoneInfo raises OSError (name too long) rather than ZoneInfoNotFoundError


@pytest.fixture
def hr(world, login):
    return login(world["hr_a"])


def _pager(html: str) -> str | None:
    found = re.search(r"<span>Page (\d+)", html)
    return found.group(1) if found else None


# --- list pages: a bad page is the first page ---------------------------------------------------------

@pytest.fixture
def two_pages_each(repos, world, schedule, now):
    """21 interviews of HR A's candidate, all submitted: two pages on the interview and result lists."""
    for _ in range(21):
        interview = schedule(world["hr_a"], world["cand_a"], n=1)
        svc.submit(repos, world["cand_a"], interview.id, now)


@pytest.mark.parametrize("path", ["/hr/interviews", "/hr/results"])
@pytest.mark.parametrize("page", ["²", "٣", "1²", HUGE, "0", "-1", " ", "\x00", "1e3"])
def test_a_bad_page_on_hr_lists_is_the_first_page(hr, two_pages_each, path, page):
    response = hr.get(path, query_string={"page": page})
    assert response.status_code == 200
    assert _pager(response.get_data(as_text=True)) == "1"


@pytest.mark.parametrize("page", ["²", "٣", HUGE])
def test_a_bad_page_on_the_admin_user_list_is_the_first_page(client, login, world, make_user, page):
    for i in range(25):
        make_user("candidate", email=f"bulk{i:02d}@example.com")
    login(world["admin"])
    response = client.get("/admin/users", query_string={"page": page})
    assert response.status_code == 200
    assert _pager(response.get_data(as_text=True)) == "1"


# --- search text: NUL and control characters never reach a regex -----------------------------------------

@pytest.mark.parametrize("q", ["\x00", "Cand\x00 A", "\x01\x1f\x7f", "\x00" * 500])
def test_nul_in_the_admin_user_search_is_dropped(client, login, world, q):
    login(world["admin"])
    response = client.get("/admin/users", query_string={"q": q}, headers=HX)
    assert response.status_code == 200
    if "Cand" in q:
        assert world["cand_a"].id in response.get_data(as_text=True)


@pytest.mark.parametrize("field", ["job_title", "candidate"])
def test_nul_in_the_hr_list_filters_is_dropped(hr, world, schedule, field):
    interview = schedule(world["hr_a"], world["cand_a"])
    response = hr.get("/hr/interviews", query_string={field: "\x00"})
    assert response.status_code == 200
    assert interview.id in response.get_data(as_text=True)


def test_nul_in_the_schedule_candidate_search_is_dropped(hr, world):
    response = hr.get("/hr/schedule", query_string={"candidate_q": "Cand\x00 A"}, headers=HX)
    assert response.status_code == 200
    assert world["cand_a"].id in response.get_data(as_text=True)


# --- the candidate's question form: the answer is kept whatever `go` says --------------------------------

@pytest.mark.parametrize("go", ["²", "٣", HUGE, "0", "4", "-1", "\x00", "x" * 10_000])
def test_a_bad_go_saves_the_answer_and_stays_with_a_message(client, login, repos, world, schedule, go):
    interview = schedule(world["hr_a"], world["cand_a"], n=3)
    login(world["cand_a"])
    base = f"/candidate/interviews/{interview.id}/q"
    response = client.post(f"{base}/2", data={"answer": "Kept answer", "go": go})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"{base}/2")
    assert saved(repos.responses.for_interview(interview.id)) == {interview.questions[1].id: "Kept answer"}
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your answer is saved, but that is not a question of this interview (they are 1 to 3)." in page
    assert "Kept answer" in page


def test_a_good_go_number_still_moves(client, login, world, schedule):
    interview = schedule(world["hr_a"], world["cand_a"], n=3)
    login(world["cand_a"])
    response = client.post(f"/candidate/interviews/{interview.id}/q/1", data={"answer": "a", "go": "3"})
    assert response.headers["Location"].endswith(f"/candidate/interviews/{interview.id}/q/3")


# --- scheduling: 422 with the field named, nothing created ---------------------------------------------------

@pytest.mark.parametrize("step", ["draft", "confirm"])
@pytest.mark.parametrize(("over", "field", "message"), [
    ({"num_questions": "²"}, "num_questions", "Choose between 1 and 50 questions."),
    ({"num_questions": "٣"}, "num_questions", "Choose between 1 and 50 questions."),
    ({"num_questions": HUGE}, "num_questions", "Choose between 1 and 50 questions."),
    ({"starts_at": "9999-12-30T10:00", "tz": "America/New_York"}, "starts_at", "between the years"),
    ({"deadline": "9999-12-31T23:59", "tz": "America/New_York"}, "deadline", "between the years"),
    ({"starts_at": "0001-01-01T00:00", "tz": "Asia/Tokyo"}, "starts_at", "between the years"),
    ({"starts_at": "²⁰²⁴-01-01T00:00"}, "starts_at", "Enter a valid date and time."),
    ({"tz": LONG_ZONE}, "tz", "Choose a time zone from the list."),
    ({"tz": "../../etc/passwd"}, "tz", "Choose a time zone from the list."),
    ({"tz": "Europe/\x00Paris"}, "tz", "Choose a time zone from the list."),
    ({"tz": "Not/A_Zone"}, "tz", "Choose a time zone from the list."),
])
def test_bad_schedule_values_are_422_and_create_nothing(hr, repos, world, now, step, over, field, message):
    response = hr.post(f"/hr/schedule/{step}", data=schedule_form(world, now, **over))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert repos.interviews.search().total == 0


def _draft(hr, world, now) -> dict:
    details = schedule_form(world, now, num_questions="3")
    html = hr.post("/hr/schedule/draft", data=details).get_data(as_text=True)
    ids = re.findall(r'name="q_id" value="([^"]*)"', html)
    texts = re.findall(r'name="q_text" rows="2">([^<]*)</textarea>', html)
    return {**details, "q_id": ids, "q_text": texts, "q_category": ["technical"] * 3, "q_difficulty": ["3"] * 3,
            "q_tags": [""] * 3, "q_reference_answer": [""] * 3, "q_key_points": [""] * 3, "q_source": ["custom"] * 3}


@pytest.mark.parametrize("op", ["up:²", "up:" + HUGE, "down:٣", "remove:-1", "remove:3", "up:", "remove:\x00"])
@pytest.mark.parametrize("headers", [{}, HX])
def test_a_bad_review_op_changes_nothing_and_says_so(hr, repos, world, now, op, headers):
    form = _draft(hr, world, now)
    response = hr.post("/hr/schedule/review", data={**form, "op": op}, headers=headers)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "That button does not belong to this draft: nothing was changed." in html
    assert re.findall(r'name="q_id" value="([^"]*)"', html) == form["q_id"]
    assert repos.interviews.search().total == 0


# --- the module itself ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "expected"), [
    ("7", 7), (" 7 ", 7), ("²", None), ("٣", None), ("1²", None), (HUGE, None), ("", None), (None, None),
    ("-1", None), ("+1", None), ("1.0", None), ("0", None), ("11", None), ("\x00", None), (["1"], None),
])
def test_integer(value, expected):
    assert params.integer(value, 1, 10) == expected


def test_int_param_names_the_field():
    with pytest.raises(params.BadValue) as caught:
        params.int_param("²", 1, 5, "count")
    assert caught.value.status == 422 and caught.value.details == {"count": "Enter a whole number from 1 to 5."}


@pytest.mark.parametrize(("value", "expected"), [("3", 3), ("²", 1), (HUGE, 1), ("100001", 1), (None, 1), ("0", 1)])
def test_page_number(value, expected):
    assert params.page_number(value) == expected


@pytest.mark.parametrize("name", ["", None, "UTC", "Asia/Tokyo"])
def test_zone_accepts_listed_names(name):
    assert str(params.zone(name)) == (name or "UTC")


@pytest.mark.parametrize("name", [LONG_ZONE, "/etc/passwd", "Asia/Tokyo\x00", "Nope", "asia/tokyo", ".."])
def test_zone_refuses_others(name):
    with pytest.raises(params.BadValue):
        params.zone(name)


@pytest.mark.parametrize("text", ["0001-01-01T00:00", "9999-12-31T23:59", "1899-12-31T23:59", "9999-01-01T00:00",
                                  "x", "", "2024-13-01T00:00", "2024-01-01T00:00" + " " * 40])
def test_local_datetime_refuses_unreadable_and_far_dates(text):
    with pytest.raises(params.BadValue):
        params.local_datetime(text, params.zone("Pacific/Kiritimati"), "starts_at")


def test_local_datetime_reads_in_the_zone_and_keeps_an_offset():
    tokyo = params.zone("Asia/Tokyo")
    assert params.local_datetime("2030-01-01T09:00", tokyo, "t").isoformat() == "2030-01-01T00:00:00+00:00"
    assert params.local_datetime("2030-01-01T09:00+01:00", tokyo, "t").isoformat() == "2030-01-01T08:00:00+00:00"
    assert params.local_datetime("9998-12-31T23:59", params.zone("Etc/GMT+12"), "t").year == 9999


@pytest.mark.parametrize(("value", "expected"), [
    ("  plain  ", "plain"), ("a\x00b", "ab"), ("a\tb\nc", "a b c"), ("\x7f\x1b[31m", "[31m"), (None, ""),
    ("x" * 500, "x" * 100), ("é ü", "é ü"),
])
def test_search_text(value, expected):
    assert params.search_text(value) == expected


@pytest.mark.parametrize(("value", "expected"), [
    (None, ""), ("  Backend  engineer ", "Backend engineer"), ("fdp\u202e.exe", "fdp.exe"),
    ("a\u200bb\u2060c\ufeffd", "abcd"), ("line\none\r\ttwo", "line one two"), ("nul\x00byte", "nulbyte"),
    ("\u0627\u0644\u0639\u0631\u0628\u064a\u0629 name", "\u0627\u0644\u0639\u0631\u0628\u064a\u0629 name"),
    ("\ud800x", "x"), (42, "42")])
def test_one_line(value, expected):
    assert params.one_line(value) == expected
