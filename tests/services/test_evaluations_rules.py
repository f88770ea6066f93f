"""AI evaluation jobs (services/evaluations.py) at their limits: a job is stale from one instant past
the timeout and not at it, the attempts stop at two with a message saying so, what each step stores
on the job and in the history, refusals with their messages, the history's length, the runner's
floor of one worker, and the agreement report's rows."""
from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from interviewer.ai.types import CRITERIA, AIError, CriterionScore, Evaluation
from interviewer.errors import Conflict, NotFound
from interviewer.services import evaluations as ev
from interviewer.services import interviews as svc

ANSWER = "An index is a B-tree kept beside the table; reads get fast, inserts slower."


class Fixed:
    name, model = "fake", "fake-1"

    def __init__(self, score=6.0, exc=None):
        self.score, self.exc = score, exc

    def evaluate(self, question, reference, answer, key_points=None, competencies=None):
        if self.exc is not None:
            raise self.exc
        return Evaluation(score=self.score, feedback="Fine.",
                          criteria={c: CriterionScore(score=5, reason="ok") for c in CRITERIA},
                          provider=self.name, model=self.model, prompt_version="p1")


def refusal(exc_type, call, *args, **kwargs):
    with pytest.raises(exc_type) as info:
        call(*args, **kwargs)
    return info.value


@pytest.fixture
def done(repos, world, schedule, now):
    """A completed interview of cand_a: first question answered, the others not."""
    interview = schedule(world["hr_a"], world["cand_a"], n=2)
    svc.save_answer(repos, world["cand_a"], interview.id, interview.questions[0].id, ANSWER, now)
    return svc.submit(repos, world["cand_a"], interview.id, now)


def first(repos, interview, n=0):
    return repos.responses.find(interview.id, interview.questions[n].id)


def test_refusals_say_why(repos, world, schedule, done, now):
    empty = first(repos, done, 1)
    assert refusal(Conflict, ev.request_evaluation, repos, world["hr_a"], empty.id, now, print).message == (
        "There is no answer to evaluate.")
    assert ev.job_of(repos.responses.get(empty.id)) is None
    open_one = schedule(world["hr_a"], world["cand_a"])
    r = first(repos, open_one)
    assert refusal(Conflict, ev.request_evaluation, repos, world["hr_a"], r.id, now, print).message == (
        "Answers can be evaluated once the interview is completed.")
    answered = first(repos, done)
    assert refusal(NotFound, ev.poll, repos, world["cand_a"], answered.id, now, print).message == "No such response."


def test_a_queued_job_records_who_asked_when(repos, world, done, now):
    r = first(repos, done)
    submitted = []
    _, queued = ev.request_evaluation(repos, world["hr_a"], r.id, now, submitted.append)
    job = ev.job_of(queued)
    assert submitted == [r.id]
    assert {k: job[k] for k in ("state", "attempts", "requested_at", "requested_by", "started_at", "worker",
                                "error_code", "error_message")} == {
        "state": "pending", "attempts": 0, "requested_at": now, "requested_by": world["hr_a"].id, "started_at": None,
        "worker": None, "error_code": None, "error_message": None}


@pytest.mark.parametrize("state", ["running", "pending"])
def test_a_job_goes_stale_one_instant_past_the_timeout_not_at_it(now, state):
    stamp = "heartbeat_at" if state == "running" else "requested_at"
    job = {"state": state, stamp: now}
    assert ev.is_stale(job, now + timedelta(seconds=60), 60) is False
    assert ev.is_stale(job, now + timedelta(seconds=60, microseconds=1), 60) is True
    assert ev.is_stale({"state": state}, now, 60) is True  # no time at all: nobody is on it
    assert ev.is_stale({"state": "done", stamp: now - timedelta(days=1)}, now, 60) is False


def test_a_running_job_without_a_heartbeat_is_judged_by_its_start(now):
    job = {"state": "running", "started_at": now, "heartbeat_at": None}
    assert ev.is_stale(job, now + timedelta(seconds=60), 60) is False
    assert ev.is_stale(job, now + timedelta(seconds=61), 60) is True


def test_a_claim_stamps_the_worker_and_its_times(repos, world, done, now):
    r = first(repos, done)
    ev.request_evaluation(repos, world["hr_a"], r.id, now, print)
    later = now + timedelta(seconds=5)
    claimed = ev.claim(repos, r.id, "w1", later, 60)
    stored = ev.job_of(repos.responses.get(r.id))
    for job in (claimed, stored):
        assert (job["state"], job["attempts"], job["worker"], job["started_at"], job["heartbeat_at"],
                job["finished_at"]) == ("running", 1, "w1", later, later, None)


def test_a_dead_workers_job_is_requeued_once_then_failed_with_a_timeout_message(repos, world, done, now):
    r = first(repos, done)
    ev.request_evaluation(repos, world["hr_a"], r.id, now, print, timeout=60)
    ev.claim(repos, r.id, "dies-1", now, 60)
    t1 = now + timedelta(seconds=61)
    assert ev.recover(repos, r.id, t1, 60) is True
    job = ev.job_of(repos.responses.get(r.id))
    assert (job["state"], job["requested_at"], job["worker"], job["heartbeat_at"], job["attempts"]) == (
        "pending", t1, None, None, 1)
    ev.claim(repos, r.id, "dies-2", t1, 60)
    t2 = t1 + timedelta(seconds=61)
    assert ev.recover(repos, r.id, t2, 60) is False
    job = ev.job_of(repos.responses.get(r.id))
    assert (job["state"], job["error_code"], job["error_message"], job["finished_at"]) == (
        "failed", "timeout", "The evaluation did not finish within 60 seconds (2 attempts).", t2)
    assert ev.claim(repos, r.id, "late", t2 + timedelta(seconds=61), 60) is None


def test_a_stale_running_job_out_of_attempts_is_not_reclaimed(repos, world, done, now):
    r = first(repos, done)
    ev.request_evaluation(repos, world["hr_a"], r.id, now, print)
    ev.claim(repos, r.id, "w1", now, 60)
    ev.recover(repos, r.id, now + timedelta(seconds=61), 60)
    ev.claim(repos, r.id, "w2", now + timedelta(seconds=61), 60)
    assert ev.claim(repos, r.id, "w3", now + timedelta(seconds=200), 60) is None
    assert ev.job_of(repos.responses.get(r.id))["worker"] == "w2"


def test_a_provider_error_message_is_stored_up_to_500_characters(repos, world, done, now):
    r = first(repos, done)
    ev.request_evaluation(repos, world["hr_a"], r.id, now, print)
    ev.run_job(repos, r.id, lambda: Fixed(exc=AIError("m" * 600)), clock=lambda: now)
    job = ev.job_of(repos.responses.get(r.id))
    assert (job["state"], job["error_message"], job["finished_at"]) == ("failed", "m" * 500, now)


def test_a_finished_job_and_its_history_record_say_who_ran_which_attempt(repos, world, done, now):
    r = first(repos, done)
    ev.request_evaluation(repos, world["hr_a"], r.id, now, print)
    later = now + timedelta(seconds=3)
    job = ev.run_job(repos, r.id, Fixed, clock=lambda: later, worker="w9")
    assert (job["state"], job["finished_at"], job["heartbeat_at"], job["error_code"], job["error_message"]) == (
        "done", later, later, None, None)
    [record] = ev.history(repos, r.id)
    assert (record["question_id"], record["attempt"], record["worker"], record["requested_by"], record["created_at"]) == (
        done.questions[0].id, 1, "w9", world["hr_a"].id, later)


def test_the_history_keeps_the_newest_50_by_default(repos, done, now):
    r = first(repos, done)
    for n in range(51):
        repos.evaluations.add(repos.evaluations.new_id(), {
            "response_id": r.id, "interview_id": done.id, "score": n, "created_at": now + timedelta(seconds=n)})
    history = ev.history(repos, r.id)
    assert len(history) == 50 and history[0]["score"] == 50 and history[-1]["score"] == 1
    assert [h["score"] for h in ev.history(repos, r.id, limit=2)] == [50, 49]


def test_the_runner_has_at_least_one_worker_and_survives_a_crashing_job(caplog):
    def run(response_id):
        if response_id == "bad":
            raise RuntimeError("boom")
        return response_id.upper()

    runner = ev.PoolRunner(0, run)
    try:
        assert runner.workers == 1
        with caplog.at_level(logging.ERROR, logger="interviewer.services.evaluations"):
            assert runner.submit("bad").result(timeout=10) is None
        assert runner.submit("ok").result(timeout=10) == "OK"
    finally:
        runner.shutdown()
    assert any("bad" in rec.getMessage() for rec in caplog.records)


def test_the_worker_name_says_host_process_and_thread():
    import os
    import socket
    import threading

    assert ev.worker_name() == f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


@pytest.mark.parametrize(("xs", "ys", "expected"), [
    ([1, 2, 3], [1, 2, 3], 1.0),
    ([0, 0, 10], [0, 0, 10], 1.0),
    ([1, 2, 3, 4], [1, 2, 3], None),
    ([1e-7, 0, 0], [1, 2, 3], None),  # a spread of squares at 1e-14: no variance worth the name
])
def test_pearson_at_its_edges(xs, ys, expected):
    r = ev.pearson(xs, ys)
    assert r == expected if expected is None else r == pytest.approx(expected)


def test_mean_abs_diff_needs_pairs():
    assert ev.mean_abs_diff([1, 2], [1]) is None
    assert ev.mean_abs_diff([1, 2], [3, 5]) == 2.5


def test_agreement_rows_come_busiest_first_and_name_lost_questions(repos, world, now):
    pairs = [
        {"interview_id": "000000000000000000000000", "question_id": "q1", "candidate_id": "c", "group": "g-lost",
         "hr_score": 5.0, "ai_score": 4.0},
        {"interview_id": "000000000000000000000000", "question_id": "q1", "candidate_id": "c", "group": None,
         "hr_score": 2.0, "ai_score": 4.0},
        {"interview_id": "000000000000000000000000", "question_id": "q2", "candidate_id": "c", "group": "",
         "hr_score": 3.0, "ai_score": 3.0},
    ]
    repos.responses.iter_scored_pairs = lambda hr_id: iter(pairs)
    report = ev.agreement_report(repos, world["admin"], now)
    assert [(a.key, a.label, a.n) for a in report.per_question] == [
        ("?", "(question no longer available)", 2), ("g-lost", "(question no longer available)", 1)]
    assert (report.overall.label, report.overall.n, report.overall.mad) == ("All questions", 3, 1.0)
