"""The panel's pages: adding raters, the rating form (autosave and plain posts), per-field errors,
submission, the side-by-side board, the outcome — and the blind rule in every reply a rater gets."""
from __future__ import annotations

import re

import pytest
from markupsafe import escape

from interviewer.ai import get_provider
from interviewer.services import evaluations as ev
from interviewer.services import interviews as svc
from interviewer.services import panels

ANSWER = "I would put a queue between the services so that a slow consumer never blocks the producer."
HX = {"HX-Request": "true"}


@pytest.fixture
def site(app, repos, world, make_user, schedule, now):
    """hr_a's completed interview with an AI evaluation of its answer, hr_b on its panel, hr_c not."""
    world = {**world, "hr_c": make_user("hr", name="HR C")}
    interview = schedule(world["hr_a"], world["cand_a"], n=1)
    svc.save_answer(repos, world["cand_a"], interview.id, interview.questions[0].id, ANSWER, now, seq=1)
    interview = svc.submit(repos, world["cand_a"], interview.id, now)
    response = repos.responses.find(interview.id, interview.questions[0].id)
    ev.request_evaluation(repos, world["hr_a"], response.id, now, lambda rid: None)
    ev.run_job(repos, response.id, lambda: get_provider(app.config))
    ai = repos.responses.get(response.id).ai_evaluation
    panels.add_member(repos, world["hr_a"], interview.id, world["hr_b"].id, now)
    key = f"{interview.questions[0].id}.general"
    return {"world": world, "interview": interview, "response": response, "ai": ai, "key": key}


def client_of(app, login, user):
    return login(user, c=app.test_client())


def rating_form(site, value, evidence="", version=None, repos=None, user=None):
    if version is None:
        version = repos.panels.get(site["interview"].id, user.id).version
    return {f"rating.{site['key']}": str(value), f"evidence.{site['key']}": evidence, "version": str(version)}


def ai_markers(site) -> list[str]:
    ai = site["ai"]
    return [f'{ai["score"]:g}/10', ai["feedback"][:60], 'data-state="done"']


def test_the_owner_adds_a_rater_and_a_wrong_one_gets_a_message_where_it_was_chosen(app, repos, login, site):
    w, interview = site["world"], site["interview"]
    owner = client_of(app, login, w["hr_a"])
    reply = owner.post(f"/hr/interviews/{interview.id}/panel", data={"rater_id": w["cand_a"].id})
    html = reply.get_data(as_text=True)
    assert reply.status_code == 422 and 'id="panel-rater-error"' in html and "Choose an active HR user." in html
    reply = owner.post(f"/hr/interviews/{interview.id}/panel", data={"rater_id": w["hr_b"].id}, headers=HX)
    assert reply.status_code == 422 and "is on the panel already" in reply.get_data(as_text=True)
    assert "<html" not in reply.get_data(as_text=True)
    reply = owner.post(f"/hr/interviews/{interview.id}/panel", data={"rater_id": w["hr_c"].id})
    assert reply.status_code == 303 and reply.headers["Location"].endswith(f"/hr/interviews/{interview.id}#panel")
    assert repos.interviews.get(interview.id).panel == [w["hr_b"].id, w["hr_c"].id]
    page = owner.get(f"/hr/interviews/{interview.id}").get_data(as_text=True)
    assert page.count('data-testid="panel-status"') == 3
    reply = owner.post(f"/hr/interviews/{interview.id}/panel/{w['hr_c'].id}/remove", headers=HX)
    assert reply.status_code == 200 and 'id="panel"' in reply.get_data(as_text=True)
    assert repos.interviews.get(interview.id).panel == [w["hr_b"].id]


def test_a_member_is_sent_to_the_rating_page_and_rates_with_anchors(app, repos, login, site):
    w, interview = site["world"], site["interview"]
    member = client_of(app, login, w["hr_b"])
    reply = member.get(f"/hr/interviews/{interview.id}")
    assert reply.status_code == 303 and reply.headers["Location"].endswith(f"/hr/interviews/{interview.id}/rating")
    html = member.get(f"/hr/interviews/{interview.id}/rating").get_data(as_text=True)
    assert "<legend>Overall answer quality (question 1)</legend>" in html
    assert html.count(f'name="rating.{site["key"]}"') == 5
    assert ANSWER in html
    for page in (html, member.get("/hr/panels").get_data(as_text=True)):
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=|\sstyle\s*=|<style", page)
    assert interview.id in member.get("/hr/panels").get_data(as_text=True)
    assert interview.id not in client_of(app, login, w["hr_c"]).get("/hr/panels").get_data(as_text=True)


@pytest.mark.parametrize("bad", ["0", "6", "2.5", "²", "9" * 5000, "-1"])
def test_a_rating_outside_the_scale_is_a_message_beside_it_and_nothing_is_stored(app, repos, login, site, bad):
    w, interview = site["world"], site["interview"]
    member = client_of(app, login, w["hr_b"])
    member.get(f"/hr/interviews/{interview.id}/rating")
    before = repos.panels.get(interview.id, w["hr_b"].id)
    reply = member.post(f"/hr/interviews/{interview.id}/rating", data=rating_form(site, bad, version=1))
    html = reply.get_data(as_text=True)
    assert reply.status_code == 422 and "choose a rating from 1 to 5" in html and 'aria-invalid="true"' in html
    reply = member.post(f"/hr/interviews/{interview.id}/rating", data=rating_form(site, bad, version=1), headers=HX)
    assert reply.status_code == 422 and "choose a rating from 1 to 5" in reply.get_data(as_text=True)
    assert repos.panels.get(interview.id, w["hr_b"].id) == before


def test_evidence_not_in_the_answer_is_refused_where_it_was_typed(app, repos, login, site):
    w, interview = site["world"], site["interview"]
    member = client_of(app, login, w["hr_b"])
    member.get(f"/hr/interviews/{interview.id}/rating")
    reply = member.post(f"/hr/interviews/{interview.id}/rating", data=rating_form(site, 4, "a message bus", 1))
    html = reply.get_data(as_text=True)
    assert reply.status_code == 422 and "this quote is not in the candidate" in html
    assert f'id="r-{interview.questions[0].id}-general-evidence-error"' in html
    assert repos.panels.get(interview.id, w["hr_b"].id).items == []


def test_autosave_then_a_stale_form_then_submit(app, repos, login, site):
    w, interview = site["world"], site["interview"]
    member = client_of(app, login, w["hr_b"])
    member.get(f"/hr/interviews/{interview.id}/rating")
    reply = member.post(f"/hr/interviews/{interview.id}/rating", data=rating_form(site, 4, "slow consumer", 1),
                        headers=HX)
    html = reply.get_data(as_text=True)
    assert reply.status_code == 200 and 'id="rating-version" name="version" value="2" hx-swap-oob="true"' in html
    assert repos.panels.get(interview.id, w["hr_b"].id).items[0]["rating"] == 4
    stale = member.post(f"/hr/interviews/{interview.id}/rating", data=rating_form(site, 1, "", 1))
    assert stale.status_code == 409 and "saved from elsewhere" in stale.get_data(as_text=True)
    assert repos.panels.get(interview.id, w["hr_b"].id).items[0]["rating"] == 4
    empty = member.post(f"/hr/interviews/{interview.id}/rating/submit",
                        data={f"rating.{site['key']}": "", "version": "2"})
    assert empty.status_code == 422 and "Question 1 — Overall answer quality: no rating" in empty.get_data(as_text=True)
    done = member.post(f"/hr/interviews/{interview.id}/rating/submit", data=rating_form(site, 5, "slow consumer", 2))
    assert done.status_code == 303
    assert repos.panels.get(interview.id, w["hr_b"].id).status == "submitted"
    again = member.post(f"/hr/interviews/{interview.id}/rating/submit", data=rating_form(site, 5, "", 2))
    assert again.status_code == 303  # a second click: submitted already, which is what was asked
    assert [e["action"] for e in repos.audit.in_order()].count("rating.submit") == 1


def _replies(client, site, role):
    """Every page a rater of `role` can get for the interview."""
    i, r = site["interview"].id, site["response"].id
    urls = [f"/hr/interviews/{i}", f"/hr/interviews/{i}/rating", "/hr/panels", "/hr/interviews"]
    if role == "owner":
        urls += [f"/hr/interviews/{i}/progress", "/hr/results", "/hr/results.csv?per=response", "/hr/results.csv"]
    urls.append(f"/hr/responses/{r}/ai")
    out = []
    for url in urls:  # each body read before the next request: the exports stream
        reply = client.get(url, headers={**HX, "HX-Target": f"ai-slot-{r}"} if "/ai" in url else {})
        out.append((reply.status_code, reply.get_data(as_text=True)))
    return out


@pytest.mark.parametrize("role", ["owner", "member"])
def test_blind_in_every_reply_until_the_rater_submits(app, repos, login, site, now, role):
    w, interview = site["world"], site["interview"]
    me, other = (w["hr_a"], w["hr_b"]) if role == "owner" else (w["hr_b"], w["hr_a"])
    # the other rater has submitted already: their rating and evidence exist to be leaked
    other_quote = "slow consumer never blocks"
    panels.submit(repos, other, interview.id, [{"question_id": interview.questions[0].id, "competency_id": "general",
                                                "rating": 2, "evidence": other_quote}], 1, now)
    client = client_of(app, login, me)
    for status, html in _replies(client, site, role):
        assert status < 500
        # names and statuses of the raters are shown; their values never
        for marker in ai_markers(site) + ['data-testid="panel-board"', f"<td>{other.name}</td>", f"“{other_quote}”",
                                          "AI proposed", 'data-testid="board-ai-rating"',
                                          'data-testid="competency-profile"']:
            assert marker not in html, (marker, html[:200])
    if role == "owner":
        assert "panel-blind" in client.get(f"/hr/interviews/{interview.id}").get_data(as_text=True)
    version = repos.panels.get(interview.id, me.id).version
    client.post(f"/hr/interviews/{interview.id}/rating/submit", data=rating_form(site, 4, "", version))
    board = client.get(f"/hr/interviews/{interview.id}/rating").get_data(as_text=True)
    assert 'data-testid="panel-board"' in board and f"“{other_quote}”" in board
    assert "Mean 3.00 · spread 2–4 · SD 1.00" in board
    assert f"AI proposed {site['ai']['score']}/10" in board
    proposal = site["ai"]["competencies"][0]
    assert f"AI's proposal on Overall answer quality: {proposal['rating']}</strong>" in board
    assert str(escape(proposal["reason"])) in board
    assert board.count("<q>") == len(proposal["evidence"]) and all(str(escape(q)) in board for q in proposal["evidence"])
    if role == "owner":
        page = client.get(f"/hr/interviews/{interview.id}").get_data(as_text=True)
        assert site["ai"]["feedback"][:60] in page and "panel-blind" not in page
        profile = page[page.index('data-testid="competency-profile"'):]
        assert re.search(r'<th scope="row">Overall answer quality</th><td>1</td>\s*<td>3\.00 <small class="muted">'
                         r'\(2–4, 2 ratings\)</small>', profile)


def test_the_outcome_form_with_compare_and_set(app, repos, login, site, now):
    w, interview = site["world"], site["interview"]
    owner = client_of(app, login, w["hr_a"])
    page = owner.get(f"/hr/interviews/{interview.id}").get_data(as_text=True)
    assert "Submit your own rating first" in page and 'name="outcome"' not in page
    reply = owner.post(f"/hr/interviews/{interview.id}/outcome", data={"outcome": "hire", "seen": ""})
    assert reply.status_code == 409 and repos.interviews.get(interview.id).outcome is None
    panels.submit(repos, w["hr_a"], interview.id, [{"question_id": interview.questions[0].id,
                                                    "competency_id": "general", "rating": 3}], 1, now)
    page = owner.get(f"/hr/interviews/{interview.id}").get_data(as_text=True)
    assert "<legend>Decision (HR only; never shown to the candidate)</legend>" in page
    bad = owner.post(f"/hr/interviews/{interview.id}/outcome", data={"outcome": "promote", "seen": ""})
    assert bad.status_code == 422 and 'id="outcome-error"' in bad.get_data(as_text=True)
    assert owner.post(f"/hr/interviews/{interview.id}/outcome", data={"outcome": "advance", "seen": ""}).status_code == 303
    stale = owner.post(f"/hr/interviews/{interview.id}/outcome", data={"outcome": "reject", "seen": ""})
    assert stale.status_code == 409 and "recorded the outcome “advance” meanwhile" in stale.get_data(as_text=True)
    assert repos.interviews.get(interview.id).outcome == "advance"
    listing = owner.get("/hr/interviews").get_data(as_text=True)
    assert '<span class="badge" data-testid="outcome">advance</span>' in listing
    candidate = client_of(app, login, w["cand_a"])
    assert "advance" not in candidate.get("/candidate/history").get_data(as_text=True)
