"""HR pages for competencies and interview templates, and scheduling many candidates from a template:
forms without JavaScript, messages at the field, stale edits refused, stored state checked."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from interviewer.services import templates as tpl

ANCHORS = ["Nothing.", "Some.", "Enough.", "More.", "Most."]


def competency_form(name="Systems thinking", **over):
    data = {"name": name, "description": "Sees the whole."}
    data.update({f"anchor_{n}": text for n, text in enumerate(ANCHORS, start=1)})
    data.update(over)
    return data


@pytest.fixture
def examples(repos):
    return {c.name: c for c in repos.competencies.page(1, 100).items}


def template_form(examples, **over):
    a, b = examples["Problem solving"].id, examples["Communication"].id
    data = {"name": "Backend, senior", "job_title": "Backend engineer", "job_description": "Python",
            "window_hours": "48", "competency_ids": [a, b],
            "q-1-text": "Design a rate limiter.", "q-1-competency": [a], "q-1-key_points": "window\ncounter",
            "q-2-text": "Explain it to a product manager.", "q-2-competency": [a, b]}
    data.update(over)
    return data


def test_competency_pages_and_create(client, repos, world, login):
    login(world["hr_a"])
    page = client.get("/hr/competencies").get_data(as_text=True)
    assert "Problem solving" in page and "Communication" in page
    assert client.get("/hr/competencies/new").status_code == 200
    response = client.post("/hr/competencies", data=competency_form())
    assert response.status_code == 303 and response.headers["Location"].endswith("/hr/competencies")
    made = repos.competencies.by_name("systems THINKING")
    assert made.anchors == ANCHORS and repos.audit.last()["action"] == "competency.create"


@pytest.mark.parametrize(("over", "field", "message"), [
    ({"name": ""}, "name", "Enter the competency"),
    ({"name": "problem SOLVING"}, "name", "exists already"),
    ({"anchor_3": " "}, "anchor_3", "earns a 3"),
    ({"anchor_5": "x" * 501}, "anchor_5", "at most 500"),
])
def test_competency_errors_are_next_to_the_field_and_nothing_is_stored(client, repos, world, login, over, field,
                                                                       message):
    login(world["hr_a"])
    total = repos.competencies.page(1, 100).total
    response = client.post("/hr/competencies", data=competency_form(**over))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(rf'id="{field}-error"[^>]*>[^<]*{re.escape(message)}', html), html[:2000]
    assert repos.competencies.page(1, 100).total == total


def test_a_shipped_example_is_read_only_for_hr_who_copy_it(client, repos, world, login, examples):
    target = examples["Learning"]
    login(world["hr_a"])
    page = client.get(f"/hr/competencies/{target.id}").get_data(as_text=True)
    assert 'data-testid="competency-read-only"' in page and "<fieldset disabled" in page
    assert ">Save</button>" not in page and "Copy this competency" in page
    refused = client.post(f"/hr/competencies/{target.id}", data=competency_form(
        "Learning", description="Mine now.", version=str(target.version)))
    assert refused.status_code == 403 and repos.competencies.get(target.id).description == target.description
    login(world["admin"])
    assert 'data-testid="competency-read-only"' not in client.get(f"/hr/competencies/{target.id}").get_data(as_text=True)


def test_a_stale_competency_form_gets_409_with_the_current_values(client, repos, world, login, examples):
    target = examples["Learning"]
    login(world["admin"])
    first = client.post(f"/hr/competencies/{target.id}", data=competency_form(
        "Learning", description="First edit.", version=str(target.version)))
    assert first.status_code == 303
    stale = client.post(f"/hr/competencies/{target.id}", data=competency_form(
        "Learning", description="Second edit.", version=str(target.version)))
    html = stale.get_data(as_text=True)
    assert stale.status_code == 409 and "First edit." in html and "Someone changed" in html
    assert repos.competencies.get(target.id).description == "First edit."


def test_copy_a_competency(client, repos, world, login, examples):
    login(world["admin"])
    response = client.post(f"/hr/competencies/{examples['Collaboration'].id}/copy")
    assert response.status_code == 303
    assert repos.competencies.by_name("Collaboration (copy)").anchors == examples["Collaboration"].anchors


def test_candidates_cannot_reach_competencies(client, world, login, examples):
    login(world["cand_a"])
    assert client.get("/hr/competencies").status_code == 403
    assert client.post("/hr/competencies", data=competency_form()).status_code == 403


def test_template_editor_buttons_store_nothing(client, repos, world, login, examples):
    login(world["hr_a"])
    assert client.get("/hr/templates/new").status_code == 200
    added = client.post("/hr/templates", data=template_form(examples, op="add"))
    assert added.status_code == 200 and 'name="q-3-text"' in added.get_data(as_text=True)
    bank = repos.questions.list(enabled=True)[0]
    picked = client.post("/hr/templates", data=template_form(examples, op="bank", bank_pick=bank.id))
    assert bank.text[:30] in picked.get_data(as_text=True)
    generated = client.post("/hr/templates", data=template_form(examples, op="generate", generate_count="2"))
    assert generated.status_code == 200 and 'name="q-4-text"' in generated.get_data(as_text=True)
    removed = client.post("/hr/templates", data=template_form(examples, op="remove:1"))
    assert "Design a rate limiter." not in removed.get_data(as_text=True)
    for op in ("remove:²", "remove:99999999999", "bank"):
        assert client.post("/hr/templates", data=template_form(examples, op=op, bank_pick="x")).status_code == 422
    assert repos.templates.page(None).total == 0


def test_the_editor_finds_competencies_beyond_the_first_hundred_by_name(client, repos, world, login, examples,
                                                                        now):
    from interviewer.services import competencies as comp

    for n in range(101):
        comp.create(repos, world["admin"], {"name": f"Area {n:03d}", "anchors": ANCHORS}, now)
    late = comp.create(repos, world["admin"], {"name": "Zeal for testing", "anchors": ANCHORS}, now)
    login(world["hr_a"])
    page = client.get("/hr/templates/new").get_data(as_text=True)
    assert f'value="{late.id}"' not in page and 'name="competency_q"' in page and "The first 100 by name" in page
    found = client.post("/hr/templates", data=template_form(examples, op="find", competency_q=" ZEAL "))
    text = found.get_data(as_text=True)
    assert found.status_code == 200 and f'value="{late.id}"' in text
    assert f'value="{examples["Problem solving"].id}" checked' in text  # chosen ones stay offered and checked
    assert 'value="' + repos.competencies.by_name("Area 000").id + '"' not in text
    saved = client.post("/hr/templates", data=template_form(
        examples, competency_ids=[late.id], **{"q-1-competency": [late.id], "q-2-competency": [late.id]}))
    assert saved.status_code == 303
    assert repos.templates.page(world["hr_a"].id).items[0].competency_ids == [late.id]
    assert client.get("/hr/templates/new?competency_q=%00zeal").status_code == 200


def test_create_edit_copy_and_archive_a_template(client, repos, world, login, examples):
    login(world["hr_a"])
    response = client.post("/hr/templates", data=template_form(examples))
    assert response.status_code == 303
    made = repos.templates.page(world["hr_a"].id).items[0]
    assert made.window_hours == 48 and made.questions[0].key_points == ["window", "counter"]
    assert client.get("/hr/templates").get_data(as_text=True).count(made.name) >= 1
    edited = client.post(f"/hr/templates/{made.id}", data=template_form(examples, window_hours="24", version="1"))
    assert edited.status_code == 303 and repos.templates.get(made.id).window_hours == 24
    stale = client.post(f"/hr/templates/{made.id}", data=template_form(examples, window_hours="72", version="1"))
    assert stale.status_code == 409 and repos.templates.get(made.id).window_hours == 24
    assert client.post(f"/hr/templates/{made.id}/copy").status_code == 303
    assert repos.templates.page(world["hr_a"].id).total == 2
    archived = client.post(f"/hr/templates/{made.id}/archive", data={"archived": "1", "version": "2"})
    assert archived.status_code == 303 and repos.templates.get(made.id).archived
    assert made.name in client.get("/hr/templates?archived=1").get_data(as_text=True)


def test_the_require_evidence_switch_is_stored_and_shown(client, repos, world, login, examples):
    login(world["hr_a"])
    assert client.post("/hr/templates", data=template_form(examples, require_evidence="on")).status_code == 303
    made = repos.templates.page(world["hr_a"].id).items[0]
    assert made.require_evidence is True
    page = client.get(f"/hr/templates/{made.id}").get_data(as_text=True)
    assert re.search(r'<input type="checkbox" role="switch" id="require_evidence"[^>]*\bchecked\b', page)
    refused = client.post(f"/hr/templates/{made.id}", data=template_form(examples, version="1", window_hours="0",
                                                                         require_evidence="on"))
    assert refused.status_code == 422 and repos.templates.get(made.id).require_evidence is True
    assert re.search(r'id="require_evidence"[^>]*\bchecked\b', refused.get_data(as_text=True))  # kept on error
    unticked = client.post(f"/hr/templates/{made.id}", data=template_form(examples, version="1"))  # box not sent
    assert unticked.status_code == 303 and repos.templates.get(made.id).require_evidence is False


def test_a_competency_without_questions_is_named_at_the_field(client, repos, world, login, examples):
    login(world["hr_a"])
    data = template_form(examples, **{"q-2-competency": [examples["Problem solving"].id]})
    response = client.post("/hr/templates", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(r'id="competency_ids-error"[^>]*>No question rates Communication', html)
    assert repos.templates.page(None).total == 0


@pytest.mark.parametrize(("over", "field"), [
    ({"window_hours": "٣"}, "window_hours"), ({"window_hours": "9" * 5000}, "window_hours"),
    ({"name": ""}, "name"), ({"q-1-text": ""}, "questions-1-text"), ({"q-1-competency": []}, "questions-1-competency_ids"),
    ({"competency_ids": ["000000000000000000000000"]}, "competency_ids"),
])
def test_bad_template_input_is_422_at_the_field(client, repos, world, login, examples, over, field):
    login(world["hr_a"])
    response = client.post("/hr/templates", data=template_form(examples, **over))
    assert response.status_code == 422 and f'id="{field}-error"' in response.get_data(as_text=True)
    assert repos.templates.page(None).total == 0


def test_another_hr_users_template_is_404(client, repos, world, login, examples):
    login(world["hr_a"])
    client.post("/hr/templates", data=template_form(examples))
    made = repos.templates.page(world["hr_a"].id).items[0]
    client.post("/logout")
    login(world["hr_b"])
    for method, url in (("GET", f"/hr/templates/{made.id}"), ("POST", f"/hr/templates/{made.id}"),
                        ("POST", f"/hr/templates/{made.id}/copy"), ("POST", f"/hr/templates/{made.id}/archive"),
                        ("GET", f"/hr/templates/{made.id}/schedule"), ("POST", f"/hr/templates/{made.id}/schedule")):
        assert client.open(url, method=method, data=template_form(examples)).status_code == 404, url
    assert repos.templates.get(made.id) == made


def _bulk_form(page_html: str, **over) -> dict:
    batch = re.search(r'name="batch_id" value="([0-9a-f]{24})"', page_html).group(1)
    return {"batch_id": batch, "tz": "UTC", **over}


def test_bulk_schedule_from_the_form_once_even_when_sent_twice(client, repos, world, make_user, login, examples, now):
    hr = world["hr_a"]
    second = make_user("candidate", hr=hr)
    login(hr)
    client.post("/hr/templates", data=template_form(examples))
    made = repos.templates.page(hr.id).items[0]
    page = client.get(f"/hr/templates/{made.id}/schedule").get_data(as_text=True)
    assert world["cand_a"].email in page and world["cand_b"].email not in page
    start = (now + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    form = _bulk_form(page, starts_at=start, candidate_ids=[world["cand_a"].id, second.id, world["cand_b"].id])
    first = client.post(f"/hr/templates/{made.id}/schedule", data=form)
    html = first.get_data(as_text=True)
    assert first.status_code == 201 and "2 interviews scheduled" in html and tpl.UNKNOWN_HR in html
    assert world["cand_b"].name not in html  # F5: another HR user's candidate is refused without a name
    again = client.post(f"/hr/templates/{made.id}/schedule", data=form)
    assert again.status_code == 200 and "sent twice" in again.get_data(as_text=True)
    assert repos.interviews.count_for_candidate(world["cand_a"].id) == 1
    assert repos.interviews.count_for_candidate(second.id) == 1
    assert repos.interviews.count_for_candidate(world["cand_b"].id) == 0


@pytest.mark.parametrize(("over", "field"), [
    ({"starts_at": ""}, "starts_at"), ({"starts_at": "2020-01-01T10:00"}, "starts_at"),
    ({"starts_at": "²⁰²⁴-01-01T00:00"}, "starts_at"), ({"tz": "Not/A_Zone"}, "tz"), ({"candidate_ids": []}, "candidate_ids"),
])
def test_bulk_schedule_bad_input_is_422_and_stores_nothing(client, repos, world, login, examples, now, over, field):
    login(world["hr_a"])
    client.post("/hr/templates", data=template_form(examples))
    made = repos.templates.page(world["hr_a"].id).items[0]
    page = client.get(f"/hr/templates/{made.id}/schedule").get_data(as_text=True)
    form = _bulk_form(page, starts_at=(now + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
                      candidate_ids=[world["cand_a"].id])
    form.update(over)
    response = client.post(f"/hr/templates/{made.id}/schedule", data=form)
    assert response.status_code == 422 and f'id="{field}-error"' in response.get_data(as_text=True)
    assert repos.interviews.count_for_candidate(world["cand_a"].id) == 0


def test_a_dst_gap_is_explained_before_anything_is_scheduled(client, repos, world, login, examples, now):
    login(world["hr_a"])
    client.post("/hr/templates", data=template_form(examples))
    made = repos.templates.page(world["hr_a"].id).items[0]
    page = client.get(f"/hr/templates/{made.id}/schedule").get_data(as_text=True)
    year = now.year + 1
    form = _bulk_form(page, starts_at=f"{year}-03-{_second_sunday_of_march(year):02d}T02:30", tz="America/New_York",
                      candidate_ids=[world["cand_a"].id])
    first = client.post(f"/hr/templates/{made.id}/schedule", data=form)
    html = first.get_data(as_text=True)
    assert first.status_code == 422 and re.search(r'id="starts_at-error"[^>]*>[^<]*does not exist in America/New_York',
                                                  html)
    assert repos.interviews.count_for_candidate(world["cand_a"].id) == 0
    confirmed = re.search(r'name="time_confirmed" value="([^"]+)"', html).group(1)
    second = client.post(f"/hr/templates/{made.id}/schedule", data={**form, "time_confirmed": confirmed})
    assert second.status_code == 201 and "does not exist in America/New_York" in second.get_data(as_text=True)
    interview = repos.interviews.for_candidate(world["cand_a"].id)[0]
    assert interview.starts_at.hour == 7 and interview.starts_at.minute == 30  # 03:30 EDT, as the note said


def _second_sunday_of_march(year: int) -> int:
    from datetime import date

    first = date(year, 3, 1)
    return 1 + (6 - first.weekday()) % 7 + 7


def test_template_pages_have_no_inline_script_or_style(client, repos, world, login, examples):
    login(world["hr_a"])
    client.post("/hr/templates", data=template_form(examples))
    made = repos.templates.page(world["hr_a"].id).items[0]
    for url in ("/hr/competencies", "/hr/competencies/new", f"/hr/competencies/{examples['Learning'].id}",
                "/hr/templates", "/hr/templates/new", f"/hr/templates/{made.id}", f"/hr/templates/{made.id}/schedule"):
        html = client.get(url).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=|\sstyle\s*=|<style", html), url


def test_tpl_batch_ids_are_stable_per_candidate():
    batch = tpl.new_batch_id()
    assert tpl.interview_id_for(batch, "a") == tpl.interview_id_for(batch, "a") != tpl.interview_id_for(batch, "b")
    assert tpl.interview_id_for(batch, "a", "t1") != tpl.interview_id_for(batch, "a", "t2")  # F6


def test_the_candidate_search_swaps_the_list_and_keeps_the_ticked(client, repos, world, make_user, login, examples):
    hr = world["hr_a"]
    other = make_user("candidate", name="Zed Zulu", hr=hr)
    login(hr)
    client.post("/hr/templates", data=template_form(examples))
    made = repos.templates.page(hr.id).items[0]
    url = f"/hr/templates/{made.id}/schedule"
    reply = client.get(url, query_string={"candidate_q": "zulu", "candidate_ids": [world["cand_a"].id,
                                                                                     world["cand_b"].id]},
                       headers={"HX-Request": "true"})
    html = reply.get_data(as_text=True)
    assert reply.status_code == 200 and "<html" not in html
    assert other.email in html and world["cand_a"].email in html  # the ticked one stays, ticked
    assert world["cand_b"].email not in html  # another HR user's candidate is never shown
    assert re.search(rf'value="{world["cand_a"].id}" checked', html)


def test_an_empty_template_form_reads_as_sentences(client, world, login):
    login(world["hr_a"])
    response = client.post("/hr/templates", data={"q-1-text": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    text = re.sub(r"<[^>]+>", " ", html)
    assert not re.search(r"\b(questions\.\d|competency_ids|window_hours|job_title|_form)\b", text)
    for field in ("name", "job_title", "window_hours", "competency_ids", "questions-1-text"):
        assert f'id="{field}-error"' in html, field


def test_a_refused_stale_form_keeps_its_old_version(client, repos, world, login, examples):
    """A stale form that also has a mistake is redrawn with the version it was read at, so fixing the
    mistake and sending it again is still refused rather than written over the newer edit."""
    target = examples["Collaboration"]
    login(world["admin"])
    assert client.post(f"/hr/competencies/{target.id}", data=competency_form(
        "Collaboration", description="Newer.", version=str(target.version))).status_code == 303
    mistake = client.post(f"/hr/competencies/{target.id}", data=competency_form(
        "Collaboration", anchor_2="", version=str(target.version)))
    assert mistake.status_code == 422
    assert f'name="version" value="{target.version}"' in mistake.get_data(as_text=True)
    login(world["hr_a"])  # templates are an HR user's own
    client.post("/hr/templates", data=template_form(examples))
    made = repos.templates.page(world["hr_a"].id).items[0]
    client.post(f"/hr/templates/{made.id}", data=template_form(examples, window_hours="24", version="1"))
    redrawn = client.post(f"/hr/templates/{made.id}", data=template_form(examples, op="add", version="1"))
    assert 'name="version" value="1"' in redrawn.get_data(as_text=True)
    assert client.post(f"/hr/templates/{made.id}", data=template_form(examples, version="1")).status_code == 409
    assert repos.templates.get(made.id).window_hours == 24


def test_search_without_javascript_keeps_the_form_and_stores_nothing(client, repos, world, login, examples, now):
    login(world["hr_a"])
    client.post("/hr/templates", data=template_form(examples))
    made = repos.templates.page(world["hr_a"].id).items[0]
    page = client.get(f"/hr/templates/{made.id}/schedule").get_data(as_text=True)
    start = (now + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    form = _bulk_form(page, starts_at=start, candidate_ids=[world["cand_a"].id], candidate_q="nobody", op="search")
    reply = client.post(f"/hr/templates/{made.id}/schedule", data=form)
    html = reply.get_data(as_text=True)
    assert reply.status_code == 200 and f'value="{start}"' in html and f'value="{form["batch_id"]}"' in html
    assert re.search(rf'value="{world["cand_a"].id}" checked', html)
    assert repos.interviews.count_for_candidate(world["cand_a"].id) == 0
