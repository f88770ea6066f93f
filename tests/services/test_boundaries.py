"""Every size limit at the limit and one past it, and refusals checked in the store (a refused
write must have stored nothing), where a mutation of the check would otherwise go unnoticed."""
from __future__ import annotations

import math
from datetime import timedelta

import pytest
from support import PASSWORD

from interviewer.ai import checks
from interviewer.ai.types import CriterionScore, Evaluation
from interviewer.errors import Conflict, ValidationError
from interviewer.services import interviews as svc
from interviewer.services import users as user_service


def request(world, now, **over):
    fields = dict(candidate_id=world["cand_a"].id, job_title="Engineer", job_description="Python",
                  starts_at=now, deadline=now + timedelta(days=1), num_questions=2)
    return svc.ScheduleRequest(**{**fields, **over})


@pytest.mark.parametrize(("field", "limit"), [("job_title", 200), ("job_description", 20_000)])
def test_schedule_text_limits(world, now, field, limit):
    svc.validate_request(request(world, now, **{field: "x" * limit}), now)
    with pytest.raises(ValidationError) as refused:
        svc.validate_request(request(world, now, **{field: "x" * (limit + 1)}), now)
    assert field in refused.value.details


def test_a_deadline_equal_to_the_opening_is_refused_one_second_later_accepted(world, now):
    with pytest.raises(ValidationError) as refused:
        svc.validate_request(request(world, now, starts_at=now + timedelta(hours=1), deadline=now + timedelta(hours=1)), now)
    assert "deadline" in refused.value.details
    svc.validate_request(request(world, now, starts_at=now + timedelta(hours=1),
                                 deadline=now + timedelta(hours=1, seconds=1)), now)


def test_a_deactivated_candidate_cannot_be_scheduled_and_nothing_is_stored(repos, world, now):
    user_service.set_active(repos, world["cand_a"].id, False, world["admin"].id)
    before = repos.db.interviews.count_documents({})
    with pytest.raises(Conflict):
        svc.schedule(repos, world["hr_a"], request(world, now), [{"text": "Q?", "category": "technical"}], now)
    assert repos.db.interviews.count_documents({}) == before
    assert repos.db.responses.count_documents({"candidate_id": world["cand_a"].id}) == 0


def test_the_api_refuses_a_deactivated_candidate_too(client, repos, world, now):
    user_service.set_active(repos, world["cand_a"].id, False, world["admin"].id)
    token = client.post("/auth/token", json={"email": world["hr_a"].email, "password": PASSWORD}).get_json()
    body = {"candidate_id": world["cand_a"].id, "job_title": "Engineer", "starts_at": now.isoformat(),
            "deadline": (now + timedelta(days=1)).isoformat(), "num_questions": 2}
    response = client.post("/interview/schedule", json=body, headers={"Authorization": f"Bearer {token['access_token']}"})
    assert response.status_code in (409, 422)
    assert repos.db.interviews.count_documents({}) == 0


@pytest.mark.parametrize(("limit", "field"), [(svc.FEEDBACK_MAX_CHARS, "overall_feedback")])
def test_result_feedback_limit_and_nothing_stored_past_it(repos, world, schedule, now, limit, field):
    interview = schedule(world["hr_a"], world["cand_a"])
    svc.submit(repos, world["cand_a"], interview.id, now)
    with pytest.raises(ValidationError):
        svc.record_result(repos, world["hr_a"], interview.id, "5", "x" * (limit + 1), now)
    assert repos.interviews.get(interview.id).overall_score is None
    assert svc.record_result(repos, world["hr_a"], interview.id, "5", "x" * limit, now).overall_feedback == "x" * limit


def test_answer_limit(repos, world, schedule, now):
    interview = schedule(world["hr_a"], world["cand_a"])
    q = interview.questions[0].id
    assert svc.save_answer(repos, world["cand_a"], interview.id, q, "a" * svc.ANSWER_MAX_CHARS, now).applied
    with pytest.raises(ValidationError):
        svc.save_answer(repos, world["cand_a"], interview.id, q, "b" * (svc.ANSWER_MAX_CHARS + 1), now)
    assert repos.responses.find(interview.id, q).answer == "a" * svc.ANSWER_MAX_CHARS


@pytest.mark.parametrize(("value", "expected"), [(math.nan, 0.0), (math.inf, 10.0), (-math.inf, 0.0), ("7.25", 7.2),
                                                 (None, 0.0), ("x", 0.0), (10.04, 10.0)])
def test_clamp_never_passes_on_nan_or_infinity(value, expected):
    assert checks.clamp(value) == expected


def test_model_text_is_cut_at_its_limits():
    ev = Evaluation(score=5, feedback="f" * 2_001, criteria={"clarity": CriterionScore(score=5, reason="r" * 301)},
                    provider="gemini", model="m", prompt_version="p")
    out = checks.finalize(ev, "Q?", "An answer.")
    assert len(out.feedback) == 2_000 and len(out.criteria["clarity"].reason) == 300
    exact = checks.finalize(ev.model_copy(update={"feedback": "f" * 2_000}), "Q?", "An answer.")
    assert exact.feedback == "f" * 2_000
