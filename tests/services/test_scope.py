"""HR visibility follows the current assignment even when the indexed scope field lags behind:
a reassignment racing a scheduling, or one a crash cut short between its writes."""
from __future__ import annotations

import csv
import io

import pytest

from interviewer.clock import utcnow
from interviewer.services import evaluations as ev
from interviewer.services import interviews as svc
from interviewer.services import users as user_service


def _finish(repos, cand, interview):
    now = utcnow()
    for q in interview.questions:
        svc.save_answer(repos, cand, interview.id, q.id, f"Secret answer of {cand.name}", now)
    svc.submit(repos, cand, interview.id, now)


def _csv_names(client, per=""):
    body = client.get("/hr/results.csv" + per).get_data(as_text=True)
    return {row["candidate"] for row in csv.DictReader(io.StringIO(body))}


def test_a_reassignment_during_scheduling_carries_the_new_interview_over(repos, world, schedule, monkeypatch):
    cand, hr_a, hr_b = world["cand_a"], world["hr_a"], world["hr_b"]
    create_for = repos.responses.create_for

    def reassign_meanwhile(*args, **kwargs):
        monkeypatch.setattr(repos.responses, "create_for", create_for)
        user_service.assign(repos, cand.id, hr_b.id)  # lands between reading the candidate and the writes
        return create_for(*args, **kwargs)

    monkeypatch.setattr(repos.responses, "create_for", reassign_meanwhile)
    interview = schedule(hr_a, cand)
    assert repos.interviews.get(interview.id).hr_id == hr_b.id
    assert {str(d["hr_id"]) for d in repos.db.responses.find({"interview_id": interview.id})} == {hr_b.id}
    assert [i.id for i in svc.list_for(repos, hr_b, utcnow()).items] == [interview.id]
    assert svc.list_for(repos, hr_a, utcnow()).items == []


@pytest.mark.parametrize("per", ["", "?per=response"])
def test_a_reassignment_cut_short_leaves_nothing_in_the_old_hr_users_exports(repos, world, schedule, login, client, per):
    cand, hr_a, hr_b = world["cand_a"], world["hr_a"], world["hr_b"]
    interview = schedule(hr_a, cand)
    _finish(repos, cand, interview)
    login(hr_a)
    assert _csv_names(client, per) == {cand.name}
    repos.users.set_assignment(cand.id, hr_b.id, "assigned")  # the crash: the candidate moved, the scope did not
    assert _csv_names(client, per) == set()
    assert svc.list_for(repos, hr_a, utcnow()).items == []


def test_the_agreement_report_counts_only_answers_of_candidates_assigned_now(repos, world, schedule):
    cand, hr_a, hr_b = world["cand_a"], world["hr_a"], world["hr_b"]
    interview = schedule(hr_a, cand, n=1)
    _finish(repos, cand, interview)
    response = repos.responses.find(interview.id, interview.questions[0].id)
    ev.request_evaluation(repos, hr_a, response.id, utcnow(), lambda rid: None)
    ev.run_job(repos, response.id, lambda: _Fixed())
    svc.score_response(repos, hr_a, interview.id, interview.questions[0].id, 7, "", utcnow())
    assert ev.agreement_report(repos, hr_a, utcnow()).overall.n == 1
    repos.users.set_assignment(cand.id, hr_b.id, "assigned")  # the scope fields still say HR A
    assert ev.agreement_report(repos, hr_a, utcnow()).overall.n == 0


class _Fixed:
    name, model = "fixed", "fixed-1"

    def evaluate(self, question, reference, answer, key_points=None, competencies=None):
        from interviewer.ai.types import CRITERIA, CriterionScore, Evaluation
        return Evaluation(score=6.0, feedback="Fine.", criteria={c: CriterionScore(score=5, reason="ok") for c in CRITERIA},
                          provider=self.name, model=self.model, prompt_version="p1")
