"""AI evaluation jobs: queue → claim → done/failed, history, recovery of dead workers, access, agreement."""
from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

import pytest

from interviewer.ai.local import LOCAL_CRITERIA, LocalProvider
from interviewer.ai.types import CRITERIA, AIQuotaError, CriterionScore, Evaluation
from interviewer.clock import utcnow
from interviewer.db import get_repos
from interviewer.errors import Conflict, NotFound
from interviewer.services import evaluations as ev
from interviewer.services import interviews as svc
from interviewer.services import questions as question_service

ANSWER = "An index is a B-tree kept beside the table. Reads by that column get fast but inserts get slower."


@pytest.fixture
def finished(repos, world, schedule):
    """A completed interview of cand_a (HR A) with the given answers ('' = left unanswered)."""

    def make(answers=(ANSWER, "", "Use a queue and retry with backoff."), hr=None, cand=None, submit=True):
        hr, cand = hr or world["hr_a"], cand or world["cand_a"]
        interview = schedule(hr, cand, n=len(answers))
        now = utcnow()
        for q, text in zip(interview.questions, answers, strict=True):
            if text:
                svc.save_answer(repos, cand, interview.id, q.id, text, now)
        if submit:
            svc.submit(repos, cand, interview.id, now)
        return repos.interviews.get(interview.id)

    return make


def response_for(repos, interview, n=0):
    return repos.responses.find(interview.id, interview.questions[n].id)


class Recorder:
    """A `submit` that only remembers what it was given."""

    def __init__(self):
        self.ids: list[str] = []

    def __call__(self, response_id):
        self.ids.append(response_id)


class Fixed:
    name, model = "fake", "fake-1"

    def __init__(self, score=6.0, exc=None):
        self.score, self.exc, self.calls = score, exc, 0

    def evaluate(self, question, reference, answer, key_points=None, competencies=None):
        self.calls += 1
        if self.exc is not None:
            raise self.exc
        return Evaluation(score=self.score, feedback="Fine.", criteria={c: CriterionScore(score=5, reason="ok")
                                                                       for c in CRITERIA},
                          evidence=["Reads by that column get fast", "not in the answer"],
                          provider=self.name, model=self.model, prompt_version="p1", latency_ms=12)


def test_queue_run_done_records_the_evaluation_and_history(repos, world, finished):
    interview = finished()
    r = response_for(repos, interview)
    submit = Recorder()
    _, queued = ev.request_evaluation(repos, world["hr_a"], r.id, utcnow(), submit)
    assert submit.ids == [r.id]
    assert ev.job_of(queued)["state"] == ev.PENDING and ev.job_of(queued)["attempts"] == 0

    job = ev.run_job(repos, r.id, LocalProvider)
    assert job["state"] == ev.DONE and job["attempts"] == 1
    stored = repos.responses.get(r.id)
    assert ev.job_of(stored)["state"] == ev.DONE
    latest = ev.latest_of(stored)
    assert 0 <= latest["score"] <= 10 and latest["provider"] == "local" and latest["feedback"]
    assert set(latest["criteria"]) == set(LOCAL_CRITERIA)
    assert "no_fact_check" in [f["code"] for f in latest["flags"]]
    assert latest["created_at"].tzinfo is not None
    [record] = ev.history(repos, r.id)
    assert record["id"] == latest["id"]
    assert record["response_id"] == r.id and record["interview_id"] == interview.id
    assert record["requested_by"] == world["hr_a"].id
    for name in ("provider", "model", "prompt_version", "latency_ms", "created_at", "score", "feedback", "flags"):
        assert name in record
    # The HR score is untouched: the AI only proposes.
    assert stored.score is None


def test_checks_apply_to_any_provider(repos, world, finished):
    r = response_for(repos, finished())
    ev.request_evaluation(repos, world["hr_a"], r.id, utcnow(), Recorder())
    ev.run_job(repos, r.id, lambda: Fixed())
    latest = ev.latest_of(repos.responses.get(r.id))
    assert latest["evidence"] == ["Reads by that column get fast"]  # an invented quote is dropped
    assert latest["latency_ms"] == 12 and latest["prompt_version"] == "p1"


def test_re_evaluating_keeps_the_history(repos, world, finished):
    r = response_for(repos, finished())
    for score in (4.0, 7.5):
        ev.request_evaluation(repos, world["hr_a"], r.id, utcnow(), Recorder())
        ev.run_job(repos, r.id, lambda s=score: Fixed(s))
    records = ev.history(repos, r.id)
    assert [h["score"] for h in records] == [7.5, 4.0]  # newest first
    assert ev.latest_of(repos.responses.get(r.id))["score"] == 7.5


def test_a_pending_job_is_not_queued_twice(repos, world, finished):
    r = response_for(repos, finished())
    submit = Recorder()
    ev.request_evaluation(repos, world["hr_a"], r.id, utcnow(), submit)
    ev.request_evaluation(repos, world["admin"], r.id, utcnow(), submit)
    assert submit.ids == [r.id]


def test_failure_is_stored_and_retry_works(repos, world, finished):
    r = response_for(repos, finished())
    ev.request_evaluation(repos, world["hr_a"], r.id, utcnow(), Recorder())
    job = ev.run_job(repos, r.id, lambda: Fixed(exc=AIQuotaError("Gemini quota exhausted.")))
    assert job["state"] == ev.FAILED
    stored = ev.job_of(repos.responses.get(r.id))
    assert (stored["state"], stored["error_code"], stored["error_message"]) == (
        ev.FAILED, "quota", "Gemini quota exhausted.")
    assert ev.history(repos, r.id) == []

    submit = Recorder()
    retried = ev.job_of(ev.request_evaluation(repos, world["hr_a"], r.id, utcnow(), submit)[1])
    assert submit.ids == [r.id]
    assert (retried["state"], retried["attempts"], retried["error_code"]) == (ev.PENDING, 0, None)
    assert ev.run_job(repos, r.id, lambda: Fixed(8.0))["state"] == ev.DONE
    assert ev.latest_of(repos.responses.get(r.id))["score"] == 8.0


def test_an_unexpected_error_fails_with_a_generic_message_and_is_logged(repos, world, finished, caplog):
    r = response_for(repos, finished())
    ev.request_evaluation(repos, world["hr_a"], r.id, utcnow(), Recorder())
    with caplog.at_level(logging.ERROR, logger="interviewer.services.evaluations"):
        ev.run_job(repos, r.id, lambda: Fixed(exc=KeyError("secret internals")))
    job = ev.job_of(repos.responses.get(r.id))
    assert job["error_code"] == ev.GENERIC_CODE and job["error_message"] == ev.GENERIC_MESSAGE
    assert "secret internals" not in job["error_message"]
    assert any("failed" in rec.getMessage() for rec in caplog.records)


def test_a_provider_that_cannot_be_built_fails_the_job(repos, world, finished):
    from interviewer.ai import get_provider

    r = response_for(repos, finished())
    ev.request_evaluation(repos, world["hr_a"], r.id, utcnow(), Recorder())
    ev.run_job(repos, r.id, lambda: get_provider({"AI_PROVIDER": "gemini", "GEMINI_API_KEY": ""}))
    assert ev.job_of(repos.responses.get(r.id))["error_code"] == "not_configured"


def test_every_provider_is_given_the_questions_key_points(repos, world, finished):
    interview = finished()
    r = response_for(repos, interview)
    seen = {}

    class Recording(Fixed):
        def evaluate(self, question, reference, answer, key_points=None, competencies=None):
            seen["key_points"] = key_points
            return super().evaluate(question, reference, answer, key_points)

    ev.request_evaluation(repos, world["hr_a"], r.id, utcnow(), Recorder())
    assert ev.run_job(repos, r.id, Recording)["state"] == ev.DONE
    assert seen["key_points"] == list(interview.questions[0].key_points) and seen["key_points"]


def test_claiming_is_exclusive(repos, world, finished):
    r = response_for(repos, finished())
    ev.request_evaluation(repos, world["hr_a"], r.id, utcnow(), Recorder())
    now = utcnow()
    first = ev.claim(repos, r.id, "w1", now, timeout=60)
    assert first["worker"] == "w1" and first["attempts"] == 1
    assert ev.claim(repos, r.id, "w2", now, timeout=60) is None  # running and fresh
    assert ev.run_job(repos, r.id, LocalProvider, worker="w3") is None


def test_a_dead_worker_is_requeued_then_failed_after_the_attempts(repos, world, finished):
    r = response_for(repos, finished())
    t0 = utcnow()
    ev.request_evaluation(repos, world["hr_a"], r.id, t0, Recorder(), timeout=60)
    assert ev.claim(repos, r.id, "dies-1", t0, timeout=60)["attempts"] == 1  # ...and the worker dies

    submit = Recorder()
    _, polled = ev.poll(repos, world["hr_a"], r.id, t0 + timedelta(seconds=30), submit, timeout=60)
    assert ev.job_of(polled)["state"] == ev.RUNNING and submit.ids == []  # not stale yet

    t1 = t0 + timedelta(seconds=61)
    _, polled = ev.poll(repos, world["hr_a"], r.id, t1, submit, timeout=60)
    assert ev.job_of(polled)["state"] == ev.PENDING and submit.ids == [r.id]
    assert ev.job_of(polled)["attempts"] == 1
    assert ev.claim(repos, r.id, "dies-2", t1, timeout=60)["attempts"] == 2  # dies again

    t2 = t1 + timedelta(seconds=61)
    _, polled = ev.poll(repos, world["hr_a"], r.id, t2, submit, timeout=60)
    job = ev.job_of(polled)
    assert (job["state"], job["error_code"]) == (ev.FAILED, "timeout")
    assert submit.ids == [r.id]
    # A late result from the dead worker cannot overwrite the failure.
    assert ev.claim(repos, r.id, "late", t2, timeout=60) is None


def test_a_worker_may_reclaim_a_stale_running_job(repos, world, finished):
    r = response_for(repos, finished())
    t0 = utcnow() - timedelta(seconds=120)
    ev.request_evaluation(repos, world["hr_a"], r.id, t0, Recorder(), timeout=60)
    ev.claim(repos, r.id, "dies", t0, timeout=60)
    job = ev.run_job(repos, r.id, LocalProvider, timeout=60)
    assert job["state"] == ev.DONE and job["attempts"] == 2


def test_a_pending_job_nobody_ran_is_resubmitted(repos, world, finished):
    r = response_for(repos, finished())
    t0 = utcnow()
    ev.request_evaluation(repos, world["hr_a"], r.id, t0, Recorder(), timeout=60)
    submit = Recorder()
    ev.poll(repos, world["hr_a"], r.id, t0 + timedelta(seconds=61), submit, timeout=60)
    assert submit.ids == [r.id]


def test_evaluate_all_queues_only_answered_responses(repos, world, finished):
    interview = finished(answers=(ANSWER, "", "Second answer here.", "   "))
    submit = Recorder()
    queued = ev.evaluate_all(repos, world["hr_a"], interview.id, utcnow(), submit)
    answered = [response_for(repos, interview, 0).id, response_for(repos, interview, 2).id]
    assert queued == answered and submit.ids == answered
    # Already pending: nothing new to queue.
    assert ev.evaluate_all(repos, world["hr_a"], interview.id, utcnow(), Recorder()) == []


def test_evaluate_all_runs_with_bounded_concurrency(app, repos, world, finished):
    interview = finished(answers=tuple(f"Answer number {i} about indexes and B-trees." for i in range(5)))
    lock, state = threading.Lock(), {"now": 0, "max": 0}

    class Slow(Fixed):
        def evaluate(self, question, reference, answer, key_points=None, competencies=None):
            with lock:
                state["now"] += 1
                state["max"] = max(state["max"], state["now"])
            time.sleep(0.15)
            with lock:
                state["now"] -= 1
            return super().evaluate(question, reference, answer, key_points)

    def run(response_id):
        with app.app_context():
            return ev.run_job(get_repos(app), response_id, Slow)

    runner = ev.PoolRunner(2, run)
    futures = []
    try:
        queued = ev.evaluate_all(repos, world["hr_a"], interview.id, utcnow(),
                                 lambda rid: futures.append(runner.submit(rid)))
        assert len(queued) == 5
        results = [f.result(timeout=30) for f in futures]
    finally:
        runner.shutdown()
    assert all(job["state"] == ev.DONE for job in results)
    assert state["max"] == 2
    assert all(ev.latest_of(repos.responses.get(rid)) for rid in queued)


@pytest.mark.parametrize("who", ["hr_b", "cand_a", "cand_b"])
def test_only_staff_who_see_the_interview_may_evaluate(repos, world, finished, who):
    interview = finished()
    r = response_for(repos, interview)
    with pytest.raises(NotFound):
        ev.request_evaluation(repos, world[who], r.id, utcnow(), Recorder())
    with pytest.raises(NotFound):
        ev.poll(repos, world[who], r.id, utcnow(), Recorder())
    with pytest.raises(NotFound):
        ev.evaluate_all(repos, world[who], interview.id, utcnow(), Recorder())


def test_admin_may_evaluate_any_interview(repos, world, finished):
    r = response_for(repos, finished())
    assert ev.job_of(ev.request_evaluation(repos, world["admin"], r.id, utcnow(), Recorder())[1])["state"] == ev.PENDING


def test_unknown_response_is_not_found(repos, world):
    with pytest.raises(NotFound):
        ev.request_evaluation(repos, world["hr_a"], "0" * 24, utcnow(), Recorder())
    with pytest.raises(NotFound):
        ev.poll(repos, world["hr_a"], "not-an-id", utcnow(), Recorder())


def test_an_interview_not_completed_cannot_be_evaluated(repos, world, finished):
    interview = finished(submit=False)
    r = response_for(repos, interview)
    with pytest.raises(Conflict):
        ev.request_evaluation(repos, world["hr_a"], r.id, utcnow(), Recorder())
    with pytest.raises(Conflict):
        ev.evaluate_all(repos, world["hr_a"], interview.id, utcnow(), Recorder())


def test_an_empty_answer_cannot_be_evaluated(repos, world, finished):
    interview = finished()
    empty = svc.ensure_response(repos, interview, interview.questions[1].id)
    with pytest.raises(Conflict):
        ev.request_evaluation(repos, world["hr_a"], empty.id, utcnow(), Recorder())


# --- agreement --------------------------------------------------------------------------------

@pytest.mark.parametrize(("xs", "ys", "expected"), [
    ([1, 2, 3], [2, 4, 6], 1.0),
    ([1, 2, 3], [3, 2, 1], -1.0),
    ([1, 2, 3, 4, 5], [2, 4, 5, 4, 5], 0.7745966692),
    ([2, 4, 6, 8], [1, 3, 2, 4], 0.8),
    ([1, 2], [1, 2], None),  # n < 3
    ([5, 5, 5], [1, 2, 3], None),  # no variance in HR scores
    ([1, 2, 3], [7, 7, 7], None),  # no variance in AI scores
    ([], [], None),
])
def test_pearson(xs, ys, expected):
    r = ev.pearson(xs, ys)
    assert r == expected if expected is None else r == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize(("xs", "ys", "expected"), [
    ([1, 2, 3], [2, 2, 5], 1.0),
    ([7.5], [5.0], 2.5),
    ([], [], None),
])
def test_mean_absolute_difference(xs, ys, expected):
    assert ev.mean_abs_diff(xs, ys) == (expected if expected is None else pytest.approx(expected))


def test_agreement_of_pairs():
    a = ev.agreement([(1, 2), (2, 4), (3, 6)], "Q")
    assert (a.label, a.n, a.mad) == ("Q", 3, pytest.approx(2.0)) and a.r == pytest.approx(1.0)


def test_question_key_groups_bank_questions_by_key_and_others_by_text():
    assert question_service.question_key("bank:sql-index", "Anything") == "bank:sql-index"
    assert question_service.question_key("custom", "  What   is X? ") == question_service.question_key("generated", "what is x?")


def _evaluate_and_score(repos, hr, interview, ai_scores, hr_scores):
    for n, (ai, hr_score) in enumerate(zip(ai_scores, hr_scores, strict=True)):
        r = response_for(repos, interview, n)
        ev.request_evaluation(repos, hr, r.id, utcnow(), Recorder())
        ev.run_job(repos, r.id, lambda s=ai: Fixed(s))
        if hr_score is not None:
            svc.score_response(repos, hr, interview.id, interview.questions[n].id, hr_score, "", utcnow())


def test_agreement_report_per_role(repos, world, finished):
    answers = ("First answer text.", "Second answer text.")
    a1, a2 = finished(answers=answers), finished(answers=answers)
    b1 = finished(answers=answers, hr=world["hr_b"], cand=world["cand_b"])
    _evaluate_and_score(repos, world["hr_a"], a1, [5.0, 2.0], [6, 3])
    _evaluate_and_score(repos, world["hr_a"], a2, [7.0, 9.0], [7, None])  # one without an HR score
    _evaluate_and_score(repos, world["hr_b"], b1, [1.0, 1.0], [9, 9])

    mine = ev.agreement_report(repos, world["hr_a"], utcnow())
    assert mine.overall.n == 3
    assert mine.overall.mad == pytest.approx((1 + 1 + 0) / 3)
    assert mine.overall.r == pytest.approx(ev.pearson([6, 3, 7], [5, 2, 7]))
    # Both interviews drew the same default questions, so they group together.
    first_key = question_service.question_key(a1.questions[0].source, a1.questions[0].text)
    assert [(q.key, q.n) for q in mine.per_question][0] == (first_key, 2)
    assert sum(q.n for q in mine.per_question) == 3
    assert all(q.r is None for q in mine.per_question)  # n < 3 everywhere

    everyone = ev.agreement_report(repos, world["admin"], utcnow())
    assert everyone.overall.n == 5
    theirs = ev.agreement_report(repos, world["hr_b"], utcnow())
    assert theirs.overall.n == 2 and theirs.overall.r is None and theirs.overall.mad == pytest.approx(8.0)

    with pytest.raises(NotFound):
        ev.agreement_report(repos, world["cand_a"], utcnow())


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now


def _wait_for(predicate, seconds=10.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return False


def test_a_slow_live_worker_keeps_its_job_by_heartbeat(repos, world, finished):
    """A provider call longer than the job timeout is not mistaken for a dead worker: the
    heartbeat keeps the job fresh, pollers leave it alone and the late result is stored."""
    r = response_for(repos, finished())
    clock = Clock(utcnow().replace(microsecond=0))  # whole seconds: stored times keep milliseconds
    timeout = 0.4  # heartbeat every 0.1 s (real time); staleness is judged on the test's clock
    ev.request_evaluation(repos, world["hr_a"], r.id, clock(), Recorder(), timeout=timeout)
    release, started = threading.Event(), threading.Event()

    class Blocking(Fixed):
        def evaluate(self, question, reference, answer, key_points=None, competencies=None):
            started.set()
            assert release.wait(30)
            return super().evaluate(question, reference, answer, key_points)

    result = {}
    worker = threading.Thread(target=lambda: result.update(job=ev.run_job(repos, r.id, Blocking, clock=clock,
                                                                          timeout=timeout)))
    worker.start()
    try:
        assert started.wait(10)
        for _ in range(3):  # three job timeouts pass on the clock while the call runs
            clock.now += timedelta(seconds=timeout * 0.75)
            assert _wait_for(lambda: ev.job_of(repos.responses.get(r.id))["heartbeat_at"] == clock.now)
            submit = Recorder()
            _, polled = ev.poll(repos, world["hr_a"], r.id, clock.now + timedelta(seconds=timeout * 0.5), submit,
                             timeout=timeout)
            assert ev.job_of(polled)["state"] == ev.RUNNING and submit.ids == []
    finally:
        release.set()
        worker.join(30)
    assert result["job"]["state"] == ev.DONE and result["job"]["attempts"] == 1
    assert ev.latest_of(repos.responses.get(r.id))["score"] == 6.0


def test_a_job_taken_over_while_running_drops_the_late_result(repos, world, finished, caplog):
    r = response_for(repos, finished())
    ev.request_evaluation(repos, world["hr_a"], r.id, utcnow(), Recorder())

    class TakenOver(Fixed):
        def evaluate(self, question, reference, answer, key_points=None, competencies=None):
            # meanwhile the job is re-queued elsewhere (its worker looked dead to a poller)
            job = ev.job_of(repos.responses.get(r.id))
            assert repos.evaluations.replace_job(r.id, job["rev"], {**job, "state": ev.PENDING, "rev": "other"})
            return super().evaluate(question, reference, answer, key_points)

    with caplog.at_level(logging.WARNING):
        assert ev.run_job(repos, r.id, TakenOver) is None
    assert "result dropped" in caplog.text
    assert ev.job_of(repos.responses.get(r.id))["state"] == ev.PENDING
    assert ev.latest_of(repos.responses.get(r.id)) is None and repos.evaluations.count(r.id) == 0
