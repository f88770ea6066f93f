"""The AI notice before the first interview, the choice of a human-only review, and what that
choice stops: no answer of that candidate is ever sent for AI evaluation."""
from __future__ import annotations

import pytest

from interviewer.services import consent
from interviewer.services import interviews as svc

pytestmark = pytest.mark.ai_notice


def test_the_first_interview_waits_for_the_notice_and_the_choice_is_kept(repos, world, schedule, login, client):
    cand = world["cand_a"]
    interview = schedule(world["hr_a"], cand)
    login(cand)
    start = client.get(f"/candidate/interviews/{interview.id}")
    assert start.status_code in (302, 303) and "/candidate/ai-notice" in start.headers["Location"]
    assert client.get(f"/candidate/interviews/{interview.id}/q/1").headers["Location"].startswith("/candidate/ai-notice")
    page = client.get(start.headers["Location"]).get_data(as_text=True)
    assert "an AI system may propose a score" in page and 'value="human"' in page and 'data-version="0"' in page
    chosen = client.post("/candidate/ai-notice", data={"version": "0", "choice": "human",
                                                       "next": f"/candidate/interviews/{interview.id}"})
    assert chosen.status_code in (302, 303) and chosen.headers["Location"].endswith(f"/candidate/interviews/{interview.id}")
    stored = repos.users.get(cand.id).ai_consent
    assert stored["version"] == 0 and stored["human_only"] is True and stored["at"] is not None
    assert client.get(f"/candidate/interviews/{interview.id}/q/1").status_code == 200
    assert [e["action"] for e in repos.audit.in_order()][-1] == "ai_notice.choice"


def test_a_new_version_asks_again_and_an_out_of_date_page_is_refused(repos, world, schedule, login, client, now):
    cand = world["cand_a"]
    interview = schedule(world["hr_a"], cand)
    consent.record_choice(repos, cand, 0, False, now)
    version = consent.publish(repos, world["admin"], "New wording: AI proposes, people decide.", now)
    assert version == 1
    login(cand)
    assert "/candidate/ai-notice" in client.get(f"/candidate/interviews/{interview.id}").headers["Location"]
    stale = client.post("/candidate/ai-notice", data={"version": "0", "choice": "ai"})
    assert stale.status_code == 422 and "changed while you were reading" in stale.get_data(as_text=True)
    assert client.post("/candidate/ai-notice", data={"version": "1", "choice": "ai"}).status_code in (302, 303)
    assert not consent.needs_choice(repos, repos.users.get(cand.id))


def test_a_human_only_candidate_is_never_sent_to_ai(repos, world, schedule, login, client, now):
    hr, cand = world["hr_a"], world["cand_a"]
    interview = schedule(hr, cand, n=2)
    for q in interview.questions:
        svc.save_answer(repos, cand, interview.id, q.id, "An answer.", now, seq=1)
    svc.submit(repos, cand, interview.id, now)
    consent.record_choice(repos, cand, 0, True, now)
    response = repos.responses.find(interview.id, interview.questions[0].id)
    login(hr)
    page = client.get(f"/hr/interviews/{interview.id}").get_data(as_text=True)
    assert 'data-testid="human-only"' in page
    one = client.post(f"/hr/responses/{response.id}/ai")
    assert one.status_code == 409
    every = client.post(f"/hr/interviews/{interview.id}/ai/evaluate-all", headers={"HX-Request": "true"})
    assert every.status_code == 409 and "human-only review" in every.get_data(as_text=True)
    assert repos.responses.get(response.id).ai_job is None  # nothing was queued by any of these


def test_an_admin_publishes_a_new_version(world, login, client, repos):
    admin = login(world["admin"])
    assert "built-in text" in admin.get("/admin/ai-notice").get_data(as_text=True)
    assert admin.post("/admin/ai-notice", data={"text": "  "}).status_code == 422
    assert admin.post("/admin/ai-notice", data={"text": "Version one."}).status_code in (302, 303)
    assert consent.current_notice(repos)["version"] == 1 and consent.current_notice(repos)["text"] == "Version one."


def test_the_api_shows_the_notice_records_the_choice_and_refuses_ai_for_human_only(repos, world, schedule, client, now):
    from support import PASSWORD

    hr, cand = world["hr_a"], world["cand_a"]
    interview = schedule(hr, cand, n=1)
    svc.save_answer(repos, cand, interview.id, interview.questions[0].id, "An answer.", now, seq=1)
    svc.submit(repos, cand, interview.id, now)

    def bearer(user):
        token = client.post("/auth/token", json={"email": user.email, "password": PASSWORD}).get_json()["access_token"]
        return {"Authorization": f"Bearer {token}"}

    as_cand = bearer(cand)
    notice = client.get("/interview/ai-notice", headers=as_cand).get_json()
    assert notice["version"] == 0 and notice["choice_needed"] is True and notice["your_choice"] is None
    assert client.post("/interview/ai-notice", json={"version": 3, "human_only": True}, headers=as_cand).status_code == 422
    chosen = client.post("/interview/ai-notice", json={"version": 0, "human_only": True}, headers=as_cand).get_json()
    assert chosen["your_choice"]["human_only"] is True and chosen["choice_needed"] is False
    response = repos.responses.find(interview.id, interview.questions[0].id)
    refused = client.post(f"/interview/responses/{response.id}/evaluate", headers=bearer(hr))
    assert refused.status_code == 409 and "human-only" in refused.get_json()["error"]["message"]
