"""The schedule form's candidate picker: a search that shows at most a page of candidates, never the
whole list; htmx swaps the matches, and without JavaScript the Search button keeps every typed value."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from support import schedule_form

from interviewer.models import User
from interviewer.services import interviews as svc
from interviewer.services import users as user_service

HX = {"HX-Request": "true"}
N = svc.CANDIDATE_PICKS


@pytest.fixture
def hr(world, login):
    return login(world["hr_a"])


def seed(repos, hr, count, prefix="Bulk", start=None):
    """`count` active candidates assigned to `hr`, written directly (no password hashing), oldest first,
    all older than the `world` fixture's accounts."""
    start = start or datetime.now(UTC) - timedelta(days=30)
    return [repos.users.insert(User(id="", email=f"{prefix.lower()}{n}@example.com", name=f"{prefix} {n:03d}",
                                    role="candidate", status="assigned", hr_id=hr.id,
                                    created_at=start + timedelta(minutes=n)))
            for n in range(count)]


def offered(html: str) -> list[str]:
    """The candidate ids offered as radio buttons, in page order."""
    return re.findall(r'name="candidate_id" value="([^"]+)"', html)


def checked(html: str) -> list[str]:
    return re.findall(r'name="candidate_id" value="([^"]+)" checked', html)


def count_line(html: str) -> str:
    return re.search(r'data-testid="candidate-count">([^<]*)<', html).group(1).strip()


def details(world, now, **over):
    return schedule_form(world, now, **{"tz": "Asia/Tokyo", **over})


# --- a page of candidates, never all of them ---------------------------------------------------------

def test_the_page_offers_at_most_a_page_of_the_newest_candidates_and_says_how_many(hr, repos, world):
    bulk = seed(repos, world["hr_a"], N + 15)
    html = hr.get("/hr/schedule").get_data(as_text=True)
    ids = offered(html)
    assert len(ids) == N
    assert ids == [world["cand_a"].id] + [c.id for c in reversed(bulk)][:N - 1]  # newest first
    assert count_line(html) == f"Showing {N} of {N + 16} — type to search"  # cand_a too
    assert 'aria-live="polite"' in html and '<label for="candidate_q">' in html


def test_a_big_list_costs_a_page_not_the_list(hr, repos, world):
    seed(repos, world["hr_a"], 300)
    small = len(hr.get("/hr/schedule").data)
    seed(repos, world["hr_a"], 300, prefix="More", start=datetime.now(UTC) - timedelta(days=60))
    assert len(hr.get("/hr/schedule").data) - small < 20  # only the count line grew ("301" → "601")


def test_with_no_candidate_assigned_the_page_says_so(login, make_user):
    page = login(make_user("hr")).get("/hr/schedule").get_data(as_text=True)
    assert "No candidate is assigned to you yet" in page and offered(page) == []


# --- the search narrows -------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("zelda", ["Zelda Quist"]),                       # by name, any case
    ("ZQ@ACME", ["Zelda Quist"]),                     # by e-mail, any case
    ("acme.io", ["Zelda Quist"]),
    ("a.b", ["Ann A.B. Jones"]),                      # a dot is a dot, not "any character"
    ("(", ["Bob (Robert) Ray"]),                      # a lone parenthesis is text, not a broken pattern
    ("[", []),
    ("*", []),
    ("nobody-like-this", []),
])
def test_search_narrows_by_name_or_email_and_treats_text_as_text(hr, repos, world, make_user, text, expected):
    seed(repos, world["hr_a"], N + 5)
    make_user("candidate", name="Zelda Quist", email="zq@acme.io", hr=world["hr_a"])
    make_user("candidate", name="Ann A.B. Jones", email="ann@example.org", hr=world["hr_a"])
    make_user("candidate", name="Axb Decoy", email="axb@example.org", hr=world["hr_a"])
    make_user("candidate", name="Bob (Robert) Ray", email="bob@example.org", hr=world["hr_a"])
    response = hr.get("/hr/schedule", query_string={"candidate_q": text}, headers=HX)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    names = [repos.users.get(i).name for i in offered(html)]
    assert names == expected
    assert count_line(html) == (f"No candidate matches “{text}”." if not expected
                                else f"1 match for “{text}”")


def test_more_matches_than_a_page_say_so(hr, repos, world):
    seed(repos, world["hr_a"], N + 3)
    html = hr.get("/hr/schedule?candidate_q=bulk", headers=HX).get_data(as_text=True)
    assert len(offered(html)) == N
    assert count_line(html) == f"Showing the newest {N} matching “bulk” — type more to narrow"


# --- only the candidates I may schedule -------------------------------------------------------------

def _outsider(kind, repos, world, make_user):
    if kind == "another HR's":
        return make_user("candidate", name="Zed Outsider", hr=world["hr_b"])
    if kind == "unassigned":
        return make_user("candidate", name="Zed Outsider")
    if kind == "deactivated":
        zed = make_user("candidate", name="Zed Outsider", hr=world["hr_a"])
        return user_service.set_active(repos, zed.id, False)
    if kind == "unassigned again":
        zed = make_user("candidate", name="Zed Outsider", hr=world["hr_a"])
        return user_service.unassign(repos, zed.id)
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["another HR's", "unassigned", "deactivated", "unassigned again"])
@pytest.mark.parametrize("query", ["", "zed", "outsider"])
def test_hr_is_never_offered_a_candidate_they_may_not_schedule(hr, repos, world, make_user, kind, query):
    outsider = _outsider(kind, repos, world, make_user)
    for response in (hr.get("/hr/schedule", query_string={"candidate_q": query}),
                     hr.get("/hr/schedule", query_string={"candidate_q": query}, headers=HX),
                     hr.post("/hr/schedule", data={"candidate_q": query})):
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        assert outsider.id not in html and "Zed Outsider" not in html
    assert offered(hr.get("/hr/schedule").get_data(as_text=True)) == [world["cand_a"].id]


@pytest.mark.parametrize("kind, seen", [("another HR's", True), ("unassigned", False), ("deactivated", False)])
def test_the_admin_is_offered_every_hrs_candidates_only(login, repos, world, make_user, kind, seen):
    outsider = _outsider(kind, repos, world, make_user)
    html = login(world["admin"]).get("/hr/schedule?candidate_q=zed", headers=HX).get_data(as_text=True)
    assert (offered(html) == [outsider.id]) is seen
    assert set(offered(login(world["admin"]).get("/hr/schedule").get_data(as_text=True))) == (
        {world["cand_a"].id, world["cand_b"].id} | ({outsider.id} if seen else set()))


def test_a_forged_choice_of_someone_elses_candidate_is_neither_shown_nor_scheduled(hr, repos, world, now):
    forged = details(world, now, candidate_id=world["cand_b"].id)
    page = hr.get("/hr/schedule", query_string={"candidate_id": world["cand_b"].id}).get_data(as_text=True)
    assert world["cand_b"].id not in page and "Cand B" not in page
    response = hr.post("/hr/schedule/draft", data=forged)
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Choose one of your candidates." in html and "Cand B" not in html and checked(html) == []
    assert hr.post("/hr/schedule/confirm", data={**forged, "q_text": ["Q?"], "q_id": ["x"]}).status_code == 404
    assert repos.interviews.search().total == 0


# --- htmx: just the matches -------------------------------------------------------------------------

def test_htmx_gets_only_the_fragment_and_the_page_varies_on_it(hr, repos, world):
    seed(repos, world["hr_a"], 3)
    fragment = hr.get("/hr/schedule?candidate_q=bulk", headers=HX)
    html = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "HX-Request" in fragment.headers["Vary"]
    assert "<html" not in html and "<form" not in html and 'id="candidate-choices"' not in html
    assert len(offered(html)) == 3 and "Cand A" not in html
    page = hr.get("/hr/schedule?candidate_q=bulk")
    assert "HX-Request" in page.headers["Vary"] and "<html" in page.get_data(as_text=True)
    assert html.strip() in page.get_data(as_text=True)  # the page includes the very same markup
    boosted = hr.get("/hr/schedule?candidate_q=bulk", headers={**HX, "HX-Boosted": "true"})
    assert "<html" in boosted.get_data(as_text=True)


def test_the_search_box_asks_htmx_for_the_matches_and_keeps_the_choice(hr):
    html = hr.get("/hr/schedule").get_data(as_text=True)
    box = re.search(r'<input type="search" id="candidate_q"[^>]*>', html).group(0)
    assert 'hx-get="/hr/schedule"' in box and 'hx-target="#candidate-choices"' in box
    assert "input changed delay:300ms" in box and 'hx-include="[name=candidate_id]:checked"' in box
    assert '<div id="candidate-choices" aria-live="polite">' in html


def test_the_chosen_candidate_stays_offered_and_checked_whatever_the_search(hr, repos, world):
    bulk = seed(repos, world["hr_a"], N + 5)
    oldest = bulk[0]
    html = hr.get("/hr/schedule", query_string={"candidate_q": "no such person", "candidate_id": oldest.id},
                  headers=HX).get_data(as_text=True)
    assert offered(html) == [oldest.id] and checked(html) == [oldest.id]
    assert count_line(html) == "No candidate matches “no such person”."
    html = hr.get("/hr/schedule", query_string={"candidate_q": "bulk 00", "candidate_id": oldest.id},
                  headers=HX).get_data(as_text=True)
    assert offered(html).count(oldest.id) == 1 and checked(html) == [oldest.id]  # listed once, first


# --- without JavaScript: Search posts the form back --------------------------------------------------

def test_search_without_javascript_keeps_every_other_field(hr, repos, world, now):
    seed(repos, world["hr_a"], N + 5)
    pick = repos.questions.list(enabled=True)[:2]
    form = details(world, now, candidate_q="BULK 02", question_source="custom", job_description="Kafka & <Go>",
                   picked=[q.id for q in pick])
    response = hr.post("/hr/schedule", data=form)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'value="Data engineer"' in html and "Kafka &amp; &lt;Go&gt;</textarea>" in html
    assert f'value="{form["starts_at"]}"' in html and f'value="{form["deadline"]}"' in html
    assert '<option value="Asia/Tokyo" selected>' in html and 'data-touched="1"' in html
    assert 'name="num_questions" min="1" max="50" value="4"' in html
    assert 'value="custom" checked' in html
    assert all(f'value="{q.id}" checked' in html for q in pick)
    assert 'name="candidate_q" value="BULK 02"' in html
    names = [repos.users.get(i).name for i in offered(html)]
    assert names[0] == "Cand A" and checked(html) == [world["cand_a"].id]  # the choice, kept
    assert sorted(names[1:]) == [f"Bulk {n:03d}" for n in range(20, 25)]
    assert repos.interviews.search().total == 0


def test_search_is_the_forms_first_button_so_enter_in_the_box_searches(hr):
    html = hr.get("/hr/schedule").get_data(as_text=True)
    form = html[html.index('<form id="schedule-details"'):]
    buttons = re.findall(r"<button[^>]*>([^<]*)</button>", form)
    assert buttons[:2] == ["Search", "Draft the questions"]
    assert re.search(r'<button type="submit" class="secondary" formaction="/hr/schedule">Search</button>', form)


# --- the choice survives errors and every step ----------------------------------------------------

def test_no_choice_is_a_readable_error_under_the_field_with_every_value_kept(hr, world, now):
    response = hr.post("/hr/schedule/draft", data=details(world, now, candidate_id="", job_title=""))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert '<small id="candidate_id-error" class="field-error">Choose a candidate.</small>' in html
    assert "Enter the job title." in html and "SQL and Python" in html  # every error at once, input kept
    assert 'aria-describedby="candidate_id-error"' in html


def test_a_validation_error_keeps_a_candidate_from_beyond_the_first_page(hr, repos, world, now):
    bulk = seed(repos, world["hr_a"], N + 5)
    oldest = bulk[0]  # not among the newest N the page offers
    response = hr.post("/hr/schedule/draft", data=details(world, now, candidate_id=oldest.id, job_title=""))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert checked(html) == [oldest.id] and offered(html)[0] == oldest.id
    assert len(offered(html)) == N + 1  # the choice, then the page


def test_the_whole_flow_with_a_searched_and_picked_candidate(hr, repos, world, now):
    seed(repos, world["hr_a"], N + 5)
    fragment = hr.get("/hr/schedule?candidate_q=bulk%20003", headers=HX).get_data(as_text=True)
    (picked,) = offered(fragment)
    form = details(world, now, candidate_id=picked, candidate_q="bulk 003")

    draft = hr.post("/hr/schedule/draft", data=form)
    assert draft.status_code == 200
    html = draft.get_data(as_text=True)
    assert f'name="candidate_id" value="{picked}"' in html and "with Bulk 003 (bulk3@example.com)" in html
    items = re.findall(r'name="q_id" value="([^"]*)"', html)
    texts = re.findall(r'name="q_text" rows="2">([^<]*)</textarea>', html)
    reviewed = {**form, "q_id": items, "q_text": texts, "q_category": ["technical"] * len(items),
                "q_difficulty": ["3"] * len(items), "q_tags": [""] * len(items),
                "q_reference_answer": [""] * len(items), "q_key_points": [""] * len(items),
                "q_source": ["custom"] * len(items)}
    review = hr.post("/hr/schedule/review", data={**reviewed, "op": "add"}).get_data(as_text=True)
    assert f'name="candidate_id" value="{picked}"' in review and "with Bulk 003" in review

    bad = hr.post("/hr/schedule/confirm", data={**reviewed, "job_title": ""})
    assert bad.status_code == 422 and f'name="candidate_id" value="{picked}"' in bad.get_data(as_text=True)

    done = hr.post("/hr/schedule/confirm", data=reviewed)
    assert done.status_code == 303
    interview = repos.interviews.get(done.headers["Location"].rsplit("/", 1)[1])
    assert interview.candidate_id == picked and interview.hr_id == world["hr_a"].id
    assert len(interview.questions) == 4
