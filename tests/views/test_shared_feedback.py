"""A shared result shows the candidate HR's feedback on each answer, never a reference answer or
an AI proposal; HR previews exactly that before sharing."""
from __future__ import annotations

import pytest
from support import PASSWORD

from interviewer.ai import get_provider
from interviewer.services import evaluations as ev
from interviewer.services import interviews as svc


@pytest.fixture
def scored(app, repos, world, schedule, now):
    hr, cand = world["hr_a"], world["cand_a"]
    interview = schedule(hr, cand, n=2)
    for q in interview.questions:
        svc.save_answer(repos, cand, interview.id, q.id, "My answer to this one.", now, seq=1)
    svc.submit(repos, cand, interview.id, now)
    first = repos.responses.find(interview.id, interview.questions[0].id)
    ev.request_evaluation(repos, hr, first.id, now, lambda rid: None)
    ev.run_job(repos, first.id, lambda: get_provider(app.config))
    svc.score_response(repos, hr, interview.id, interview.questions[0].id, "8", "Clear on the trade-offs.", now)
    svc.score_response(repos, hr, interview.id, interview.questions[1].id, "5", "Missed the failure modes.", now)
    svc.record_result(repos, hr, interview.id, "6.5", "A solid start.", now)
    return interview, repos.responses.get(first.id).ai_evaluation["feedback"]


def test_the_candidate_sees_hr_feedback_on_each_answer_once_shared(repos, world, scored, login, client, now):
    interview, ai_feedback = scored
    page = login(world["cand_a"]).get(f"/candidate/history/{interview.id}").get_data(as_text=True)
    assert 'data-testid="no-result"' in page and "Clear on the trade-offs." not in page
    svc.set_shared(repos, world["hr_a"], interview.id, True, now)
    page = client.get(f"/candidate/history/{interview.id}").get_data(as_text=True)
    assert "Your result: 6.5/10" in page and "A solid start." in page
    assert "Clear on the trade-offs." in page and "Missed the failure modes." in page
    assert page.count('data-testid="shared-answer-score"') == 2 and ">8/10<" in page
    assert ai_feedback not in page
    assert all(q.reference_answer[:40] not in page for q in interview.questions if q.reference_answer)


def test_hr_previews_exactly_what_the_candidate_will_see(repos, world, scored, login, client):
    interview, ai_feedback = scored
    page = login(world["hr_a"]).get(f"/hr/interviews/{interview.id}").get_data(as_text=True)
    preview = page.split('data-testid="share-preview"', 1)[1].split("</details>", 1)[0]
    assert "Preview: what the candidate will see" in preview
    assert "Your result: 6.5/10" in preview and "Clear on the trade-offs." in preview
    assert "Missed the failure modes." in preview and ai_feedback not in preview


def test_hr_may_also_share_the_key_points_each_answer_touched_or_missed(repos, world, scored, login, client):
    interview, ai_feedback = scored
    first = repos.responses.find(interview.id, interview.questions[0].id)
    covered, missed = first.ai_evaluation["key_points_covered"], first.ai_evaluation["key_points_missed"]
    assert covered or missed
    hr = login(world["hr_a"])
    assert 'data-testid="share-key-points"' in hr.get(f"/hr/interviews/{interview.id}").get_data(as_text=True)
    hr.post(f"/hr/interviews/{interview.id}/share", data={"shared": "1", "key_points": ["0", "1"]})
    stored = repos.interviews.get(interview.id)
    assert stored.shared and stored.share_key_points
    cand = client.application.test_client()
    cand.post("/login", data={"email": world["cand_a"].email, "password": PASSWORD})
    page = cand.get(f"/candidate/history/{interview.id}").get_data(as_text=True)
    assert page.count('data-testid="shared-key-points"') == 1  # only the answer the AI compared
    for point in covered:
        assert point in page.split("Your answer touched on:")[1].split("</p>")[0]
    for point in missed:
        assert point in page.split("It did not cover:")[1].split("</p>")[0]
    assert ai_feedback not in page
    assert all(q.reference_answer[:40] not in page for q in interview.questions if q.reference_answer)
    hr.post(f"/hr/interviews/{interview.id}/share", data={"shared": "0"})
    hr.post(f"/hr/interviews/{interview.id}/share", data={"shared": "1", "key_points": "0"})
    assert 'data-testid="shared-key-points"' not in cand.get(f"/candidate/history/{interview.id}").get_data(as_text=True)
