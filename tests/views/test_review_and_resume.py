"""HR's schedule review step and the candidate's resume: focus after a draft edit, generated tags said
once, a notice when generation had neither resume nor job description, and who may read a resume."""
from __future__ import annotations

import re

import pytest
from support import schedule_form

from interviewer.ai.types import GeneratedQuestion
from interviewer.hr import routes as hr_routes
from interviewer.services import questions as question_service
from interviewer.services import resumes

HX = {"HX-Request": "true"}
RESUME = "Cara Candidate\n  Python developer <script>alert(1)</script> & Flask"


@pytest.fixture
def people(make_user):
    """hr_a with one candidate with a resume and one without; hr_b with a candidate of their own."""
    hr_a, hr_b = make_user("hr", name="HR A"), make_user("hr", name="HR B")
    return {
        "hr_a": hr_a, "hr_b": hr_b, "admin": make_user("admin"),
        "with": make_user("candidate", name="Cara", hr=hr_a, resume_text=RESUME, resume_filename="cara.txt"),
        "without": make_user("candidate", name="Noel", hr=hr_a),
        "theirs": make_user("candidate", name="Bea", hr=hr_b, resume_text="Bea's resume"),
    }


def review(client, data, op):
    return client.post("/hr/schedule/review", data={**data, "op": op}, headers=HX)


def draft_form(ids, **over):
    """A review form holding draft questions with the given ids (texts Q<id>)."""
    n = len(ids)
    data = {"candidate_id": "", "job_title": "Engineer", "q_id": ids, "q_text": [f"Q{i}" for i in ids],
            "q_source": ["custom"] * n, "q_category": ["technical"] * n, "q_difficulty": ["3"] * n,
            "q_tags": [""] * n, "q_reference_answer": [""] * n, "q_key_points": [""] * n}
    data.update(over)
    return data


def autofocused(html: str) -> list[str]:
    return re.findall(r'id="([^"]+)" autofocus', html)


# --- focus after a draft edit ------------------------------------------------------------------

@pytest.mark.parametrize(("op", "focus"), [
    ("up:2", "q-c-up"),          # the moved question's same button
    ("up:1", "q-b-down"),        # ... or its other one, where the same is now disabled (at the top)
    ("down:0", "q-a-down"),
    ("down:1", "q-b-up"),        # (at the bottom)
    ("remove:1", "q-c-remove"),  # the next question
    ("remove:2", "q-b-remove"),  # the last one gone: the one before
    ("add", "q-text-4"),         # the new question's first field
])
def test_a_draft_edit_puts_focus_on_the_changed_question(world, login, op, focus):
    client = login(world["hr_a"])
    response = review(client, draft_form(["a", "b", "c"]), op)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" not in html
    assert autofocused(html) == [focus]


def test_a_question_from_the_bank_gets_focus_in_its_text(world, login, repos):
    client = login(world["hr_a"])
    bank_id = repos.questions.list(enabled=True)[0].id
    html = client.post("/hr/schedule/review", data={**draft_form(["a"]), "op": "bank", "bank_pick": bank_id},
                       headers=HX).get_data(as_text=True)
    assert html.count('data-testid="draft-question"') == 2 and autofocused(html) == ["q-text-2"]
    html = client.post("/hr/schedule/review", data={**draft_form(["a"]), "op": "bank", "bank_pick": "nope"},
                       headers=HX).get_data(as_text=True)
    assert html.count('data-testid="draft-question"') == 1 and autofocused(html) == ["draft-bank-add"]


def test_removing_the_only_question_focuses_add_and_a_page_load_honours_it_too(world, login):
    client = login(world["hr_a"])
    assert autofocused(review(client, draft_form(["a"]), "remove:0").get_data(as_text=True)) == ["draft-add"]
    # Without JavaScript the whole page comes back; the browser focuses the same element on load.
    page = client.post("/hr/schedule/review", data={**draft_form(["a", "b"]), "op": "down:0"})
    assert page.status_code == 200 and "<html" in page.get_data(as_text=True)
    assert autofocused(page.get_data(as_text=True)) == ["q-a-up"]


def test_the_first_draft_focuses_nothing(world, login, now):
    client = login(world["hr_a"])
    html = client.post("/hr/schedule/draft", data=schedule_form(world, now)).get_data(as_text=True)
    assert "draft-question" in html and autofocused(html) == []


# --- generated drafts: tags, and what generation was given ------------------------------------

def test_tags_are_unique_case_insensitively_in_their_first_order():
    assert question_service.unique_tags(["Python", "python", "ORM", "sql", "SQL", "orm"]) == ["python", "orm", "sql"]
    fields = question_service.clean_question_fields({"text": "Q?", "tags": "nosql, NoSQL, sql, sql, , python"})
    assert fields["tags"] == ["nosql", "sql", "python"]


class Repeating:
    """A generator that repeats tags, as one that folds aliases (postgres → sql) does."""

    def generate_questions(self, job, resume, count, mix, bank):
        return [GeneratedQuestion(text=f"Generated question {n}?", category="technical", difficulty=3,
                                  tags=["python", "Python", "orm", "nosql", "sql", "NoSQL", "sql"],
                                  reference_answer="An answer.", key_points=["a point"])
                for n in range(count)]


def test_generated_drafts_say_each_tag_once(people, login, now, monkeypatch):
    monkeypatch.setattr(hr_routes, "generation_provider", lambda config: Repeating())
    client = login(people["hr_a"])
    data = schedule_form({"cand_a": people["with"]}, now, question_source="generated")
    html = client.post("/hr/schedule/draft", data=data).get_data(as_text=True)
    tags = re.findall(r'name="q_tags" value="([^"]*)"', html)
    assert tags and set(tags) == {"python, orm, nosql, sql"}


def test_the_local_generator_drafts_unique_tags(people, login, now):
    """The seed bank's tags fold to repeats under the local generator's aliases (flask → python)."""
    client = login(people["hr_a"])
    data = schedule_form({"cand_a": people["with"]}, now, question_source="generated", num_questions="10",
                         job_description="Python, Flask, Django ORM, TypeScript and JavaScript, SQL")
    html = client.post("/hr/schedule/draft", data=data).get_data(as_text=True)
    tags = [t.split(", ") for t in re.findall(r'name="q_tags" value="([^"]*)"', html)]
    assert len(tags) == 10
    assert all(len(t) == len(set(t)) for t in tags), tags


@pytest.mark.parametrize(("who", "description", "says"), [
    ("without", "", "without a resume or a job description"),
    ("without", "Python and Flask", "Noel uploaded no resume"),
    ("with", "  ", "The job description is empty"),
    ("with", "Python and Flask", None),
])
def test_the_review_says_what_generation_had_to_go_on(people, login, now, who, description, says):
    client = login(people["hr_a"])
    data = schedule_form({"cand_a": people[who]}, now, question_source="generated", job_description=description)
    html = client.post("/hr/schedule/draft", data=data).get_data(as_text=True)
    assert "draft-question" in html
    notice = re.search(r'data-testid="generation-inputs">([^<]*)<', html)
    if says is None:
        assert notice is None
    else:
        assert says in notice.group(1)
    # An edit of the draft (without JavaScript: the whole page again) keeps saying it.
    items = dict(q_id=re.findall(r'name="q_id" value="([^"]*)"', html),
                 q_text=re.findall(r'name="q_text" rows="2">([^<]*)</textarea>', html))
    n = len(items["q_id"])
    again = client.post("/hr/schedule/review", data={
        **data, **items, "q_source": ["generated"] * n, "q_category": ["technical"] * n, "q_difficulty": ["3"] * n,
        "q_tags": [""] * n, "q_reference_answer": [""] * n, "q_key_points": [""] * n, "op": "add"})
    assert ('data-testid="generation-inputs"' in again.get_data(as_text=True)) == (says is not None)


def test_the_default_set_carries_no_generation_notice(people, login, now):
    client = login(people["hr_a"])
    data = schedule_form({"cand_a": people["without"]}, now, job_description="")
    html = client.post("/hr/schedule/draft", data=data).get_data(as_text=True)
    assert "draft-question" in html and "generation-inputs" not in html


# --- the resume -----------------------------------------------------------------------------------

def resume_url(candidate) -> str:
    return f"/hr/candidates/{candidate.id}/resume"


@pytest.mark.parametrize("reader", ["hr_a", "admin"])
def test_the_assigned_hr_user_and_admins_read_the_resume_escaped(people, login, reader):
    client = login(people[reader])
    page = client.get(resume_url(people["with"]))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<script>alert(1)" not in html
    assert "Python developer &lt;script&gt;alert(1)&lt;/script&gt; &amp; Flask" in html
    assert 'class="resume-text"' in html and "cara.txt" in html and "<details open" in html
    fragment = client.get(resume_url(people["with"]), headers=HX).get_data(as_text=True)
    assert "<html" not in fragment and 'data-testid="resume-text"' in fragment


def test_no_resume_is_said_plainly(people, login):
    html = login(people["hr_a"]).get(resume_url(people["without"])).get_data(as_text=True)
    assert "Noel uploaded no resume." in html and "resume-text" not in html


@pytest.mark.parametrize(("reader", "candidate", "status"), [
    ("hr_b", "with", 404),       # another HR user's candidate: as if there were none
    ("hr_a", "theirs", 404),
    ("with", "with", 403),       # candidates never reach HR pages, not even their own resume there
    ("theirs", "with", 403),
])
def test_others_cannot_read_a_resume(people, login, reader, candidate, status):
    client = login(people[reader])
    for headers in ({}, HX):
        response = client.get(resume_url(people[candidate]), headers=headers)
        assert response.status_code == status
        assert "Cara Candidate" not in response.get_data(as_text=True)
        assert "Bea&#39;s resume" not in response.get_data(as_text=True)


def test_anonymous_is_sent_to_sign_in(client, people):
    response = client.get(resume_url(people["with"]))
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("who", ["hr_b", "admin", "with"])
def test_the_service_refuses_as_the_pages_do(repos, people, who):
    if who == "admin":
        assert resumes.candidate_with_resume(repos, people["admin"], people["with"].id).resume_text == RESUME
        return
    from interviewer.errors import NotFound
    with pytest.raises(NotFound):
        resumes.candidate_with_resume(repos, people[who], people["with"].id)


def test_an_hr_users_own_id_is_not_a_candidate(repos, people):
    from interviewer.errors import NotFound
    with pytest.raises(NotFound):
        resumes.candidate_with_resume(repos, people["admin"], people["hr_a"].id)


def test_the_interview_page_shows_the_resume(people, login, schedule):
    interview = schedule(people["hr_a"], people["with"])
    client = login(people["hr_a"])
    html = client.get(f"/hr/interviews/{interview.id}").get_data(as_text=True)
    assert 'data-testid="resume-text"' in html and "&lt;script&gt;" in html
    other = schedule(people["hr_a"], people["without"])
    assert "Noel uploaded no resume." in client.get(f"/hr/interviews/{other.id}").get_data(as_text=True)
    assert login(people["hr_b"]).get(f"/hr/interviews/{interview.id}").status_code == 404


def test_the_schedule_page_shows_the_chosen_candidates_resume(people, login, now):
    client = login(people["hr_a"])
    # The form back (Search without JavaScript, or an error): the chosen candidate's resume is there.
    html = client.post("/hr/schedule", data={"candidate_id": people["with"].id}).get_data(as_text=True)
    assert re.search(r'<div id="candidate-resume">\s*<div class="resume"', html)
    assert "&lt;script&gt;" in html
    # Every choice fetches its candidate's resume when picked.
    assert f'hx-get="/hr/candidates/{people["with"].id}/resume"' in html
    assert f'hx-get="/hr/candidates/{people["without"].id}/resume"' in html
    # The review step shows it beside the summary.
    data = schedule_form({"cand_a": people["without"]}, now)
    assert "Noel uploaded no resume." in client.post("/hr/schedule/draft", data=data).get_data(as_text=True)
    # Another HR user's candidate is never shown as chosen, nor their resume.
    html = client.post("/hr/schedule", data={"candidate_id": people["theirs"].id}).get_data(as_text=True)
    assert "Bea&#39;s resume" not in html and 'id="candidate-resume"></div>' in html
