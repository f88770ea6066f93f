"""AI evaluation jobs at their edges: races a worker can lose, the heartbeat's contract, what
operators read in the log, and the agreement report's scope and labels."""
from __future__ import annotations

import logging
import os
import socket
import threading
import time
from datetime import timedelta

import pytest
from bson import ObjectId

from interviewer.ai.types import AIError, CriterionScore, Evaluation
from interviewer.clock import utcnow
from interviewer.services import evaluations as ev
from interviewer.services import interviews as svc

ANSWER = "An index is a B-tree kept beside the table. Reads by that column get fast but inserts get slower."


@pytest.fixture
def finished(repos, world, schedule):
    """A completed interview (HR A's candidate unless told) with an answer to each question."""

    def make(hr=None, cand=None, n=2, items=None):
        hr, cand = hr or world["hr_a"], cand or world["cand_a"]
        interview = schedule(hr, cand, n=n, items=items)
        now = utcnow()
        for q in interview.questions:
            svc.save_answer(repos, cand, interview.id, q.id, ANSWER, now)
        svc.submit(repos, cand, interview.id, now)
        return repos.interviews.get(interview.id)

    return make


def response_for(repos, interview, n=0):
    return repos.responses.find(interview.id, interview.questions[n].id)


def nothing(_response_id):
    """A `submit` that runs nothing (the test runs the job itself)."""


class Fixed:
    name, model = "fake", "fake-1"

    def __init__(self, score=6.0, during=None, exc=None):
        self.score, self.during, self.exc = score, during, exc

    def evaluate(self, question, reference, answer, key_points=None, competencies=None):
        if self.during is not None:
            self.during()
        if self.exc is not None:
            raise self.exc
        return Evaluation(score=self.score, feedback="Fine.", criteria={"accuracy": CriterionScore(score=5, reason="ok")},
                          provider=self.name, model=self.model, prompt_version="p1", latency_ms=3)


def stored_job(repos, response_id):
    return ev.job_of(repos.responses.get(response_id))


# --- races a worker can lose ----------------------------------------------------------------------

def test_a_failure_after_the_job_was_requeued_elsewhere_is_dropped(repos, world, finished):
    """The provider fails, but meanwhile a poller re-queued the job: the worker's failure must not
    overwrite the re-queued job, and run_job reports that it left nothing (None)."""
    r = response_for(repos, finished())
    ev.request_evaluation(repos, world["hr_a"], r.id, utcnow(), nothing)

    def requeued_meanwhile():
        assert ev.recover(repos, r.id, utcnow() + timedelta(hours=1), timeout=60)

    result = ev.run_job(repos, r.id, lambda: Fixed(during=requeued_meanwhile, exc=AIError("provider down")))
    assert result is None
    job = stored_job(repos, r.id)
    assert job["state"] == ev.PENDING and job["error_code"] is None


def test_a_job_failed_by_timeout_keeps_its_failure_against_the_late_worker(repos, world, finished):
    """The worker on its last attempt is taken for dead and the job is failed ("timeout"); when its
    result arrives after all, it is dropped: the failure stands and no evaluation is stored."""
    r = response_for(repos, finished())
    t0 = utcnow() - timedelta(hours=1)
    ev.request_evaluation(repos, world["hr_a"], r.id, t0, nothing, timeout=60)
    assert ev.claim(repos, r.id, "dies", t0, timeout=60)["attempts"] == 1
    assert ev.recover(repos, r.id, t0 + timedelta(seconds=61), timeout=60)  # re-queued for attempt 2

    def failed_for_timeout_meanwhile():
        assert not ev.recover(repos, r.id, utcnow() + timedelta(hours=1), timeout=60)
        assert stored_job(repos, r.id)["error_code"] == "timeout"

    assert ev.run_job(repos, r.id, lambda: Fixed(during=failed_for_timeout_meanwhile), timeout=60) is None
    job = stored_job(repos, r.id)
    assert (job["state"], job["error_code"], job["attempts"]) == (ev.FAILED, "timeout", 2)
    assert ev.latest_of(repos.responses.get(r.id)) is None and repos.evaluations.count(r.id) == 0


def test_a_dropped_result_names_the_response_and_the_worker_in_the_log(repos, world, finished, caplog):
    r = response_for(repos, finished())
    ev.request_evaluation(repos, world["hr_a"], r.id, utcnow(), nothing)

    def requeued_meanwhile():
        assert ev.recover(repos, r.id, utcnow() + timedelta(hours=1), timeout=60)

    with caplog.at_level(logging.WARNING, logger="interviewer.services.evaluations"):
        assert ev.run_job(repos, r.id, lambda: Fixed(during=requeued_meanwhile), worker="host:1:2") is None
    assert [rec.getMessage() for rec in caplog.records if rec.levelno == logging.WARNING] == [
        f"AI job for response {r.id} was taken over before host:1:2 finished; result dropped"]


# --- the heartbeat ------------------------------------------------------------------------------

def test_each_heartbeat_is_a_new_revision_of_the_job(repos, world, finished):
    """A beat rewrites the job's rev, so a writer holding the job as it was before the beat (a poller
    that judged it dead on an older read) can no longer replace it."""
    r = response_for(repos, finished())
    now = utcnow()
    ev.request_evaluation(repos, world["hr_a"], r.id, now, nothing)
    claimed = ev.claim(repos, r.id, "w1", now, timeout=60)
    later = now + timedelta(seconds=20)
    beat = ev.Heartbeat(repos, r.id, claimed, lambda: later, interval=60)
    assert beat.beat() is True and beat.lost is False
    job = stored_job(repos, r.id)
    assert job["rev"] == beat.job["rev"] != claimed["rev"]
    assert job["heartbeat_at"] == later.replace(microsecond=later.microsecond // 1000 * 1000)
    assert not repos.evaluations.replace_job(r.id, claimed["rev"], {**claimed, "state": ev.PENDING})
    assert stored_job(repos, r.id)["state"] == ev.RUNNING


def test_a_heartbeat_on_a_job_taken_over_reports_it_lost(repos, world, finished):
    r = response_for(repos, finished())
    now = utcnow()
    ev.request_evaluation(repos, world["hr_a"], r.id, now, nothing)
    claimed = ev.claim(repos, r.id, "w1", now, timeout=60)
    beat = ev.Heartbeat(repos, r.id, claimed, lambda: now + timedelta(seconds=5), interval=60)
    assert ev.recover(repos, r.id, now + timedelta(hours=1), timeout=60)  # taken for dead, re-queued
    assert beat.beat() is False and beat.lost is True
    job = stored_job(repos, r.id)
    assert job["state"] == ev.PENDING and job["heartbeat_at"] is None  # the beat wrote nothing


# --- the agreement report ----------------------------------------------------------------------

def _evaluate_and_score(repos, hr, interview, pairs):
    """Give each question in turn (hr score, ai score)."""
    for n, (hr_score, ai_score) in enumerate(pairs):
        r = response_for(repos, interview, n)
        ev.request_evaluation(repos, hr, r.id, utcnow(), nothing)
        assert ev.run_job(repos, r.id, lambda s=ai_score: Fixed(s))["state"] == ev.DONE
        svc.score_response(repos, hr, interview.id, interview.questions[n].id, hr_score, "", utcnow())


def _items(*texts):
    return [{"text": t, "reference_answer": "A reference answer.", "key_points": ["point"], "source": "custom"}
            for t in texts]


def test_an_hr_users_report_skips_a_candidate_no_longer_theirs_and_counts_the_rest(repos, world, finished):
    """A reassignment a crash cut short left a moved candidate's answers in HR A's scope: the report
    leaves those out, and still counts HR A's own candidate's answers that come after them."""
    moved = finished(hr=world["hr_b"], cand=world["cand_b"], n=1)  # stored first
    _evaluate_and_score(repos, world["hr_b"], moved, [(9, 1)])
    repos.responses.set_hr_for_candidate(world["cand_b"].id, world["hr_a"].id)  # ...and the crash
    own = finished(n=1)
    _evaluate_and_score(repos, world["hr_a"], own, [(6, 5)])

    report = ev.agreement_report(repos, world["hr_a"], utcnow())
    assert report.overall.n == 1 and report.overall.mad == pytest.approx(1.0)
    assert [(q.label, q.n) for q in report.per_question] == [(own.questions[0].text, 1)]


def test_the_report_labels_each_question_by_its_text(repos, world, finished):
    interview = finished(items=_items("What is an index for?", "How do you retry a failed call?"))
    _evaluate_and_score(repos, world["hr_a"], interview, [(6, 5), (3, 4)])
    report = ev.agreement_report(repos, world["admin"], utcnow())
    assert sorted(q.label for q in report.per_question) == ["How do you retry a failed call?",
                                                            "What is an index for?"]
    assert report.overall.label == "All questions"


def test_a_question_whose_interview_is_gone_is_labelled_as_such(repos, world, finished):
    interview = finished(items=_items("What is an index for?"), n=1)
    _evaluate_and_score(repos, world["hr_a"], interview, [(6, 5)])
    repos.interviews.col.delete_one({"_id": ObjectId(interview.id)})
    [row] = ev.agreement_report(repos, world["admin"], utcnow()).per_question
    assert (row.label, row.n) == ("(question no longer available)", 1)


def test_questions_asked_as_often_are_listed_alphabetically_ignoring_case(repos, world, finished):
    texts = ("why use a_b naming?", "Why use AB naming?", "what is a queue?")
    interview = finished(items=_items(*texts), n=3)
    _evaluate_and_score(repos, world["hr_a"], interview, [(6, 5), (3, 4), (7, 7)])
    report = ev.agreement_report(repos, world["hr_a"], utcnow())
    assert [q.label for q in report.per_question] == sorted(texts, key=str.lower)


def test_a_report_for_an_hr_user_without_candidates_is_empty(repos, world, make_user):
    hr = make_user("hr")
    report = ev.agreement_report(repos, hr, utcnow())
    assert (report.overall.n, report.overall.r, report.overall.mad, report.per_question) == (0, None, None, [])


# --- polling and evaluating everything -----------------------------------------------------------

class CountingReads:
    """Counts the reads a service call makes through the repositories it is given."""

    def __init__(self, repos, monkeypatch):
        self.calls: list[str] = []
        for repo, name in ((repos.responses, "get"), (repos.evaluations, "job_doc"), (repos.interviews, "get")):
            original, label = getattr(repo, name), f"{type(repo).__name__}.{name}"

            def counted(*args, _original=original, _label=label, **kwargs):
                self.calls.append(_label)
                return _original(*args, **kwargs)

            monkeypatch.setattr(repo, name, counted)


def test_polling_a_live_job_reads_only_the_response_and_its_interview(repos, world, finished, monkeypatch):
    r = response_for(repos, finished())
    now = utcnow()
    ev.request_evaluation(repos, world["hr_a"], r.id, now, nothing, timeout=60)
    ev.claim(repos, r.id, "w1", now, timeout=60)
    reads = CountingReads(repos, monkeypatch)
    _, polled = ev.poll(repos, world["hr_a"], r.id, now + timedelta(seconds=30), nothing, timeout=60)
    assert ev.job_of(polled)["state"] == ev.RUNNING
    assert sorted(reads.calls) == ["InterviewRepository.get", "ResponseRepository.get"]


def test_polling_an_answer_never_evaluated_returns_it_as_it_is(repos, world, finished):
    r = response_for(repos, finished())
    submitted = []
    interview, polled = ev.poll(repos, world["hr_a"], r.id, utcnow(), submitted.append)
    assert (interview.id, polled.id, ev.job_of(polled), ev.latest_of(polled), submitted) == (
        r.interview_id, r.id, None, None, [])


def test_polling_closes_an_interview_whose_deadline_passed_on_the_way(repos, world, schedule):
    interview = schedule(world["hr_a"], world["cand_a"], n=1)
    svc.save_answer(repos, world["cand_a"], interview.id, interview.questions[0].id, ANSWER, utcnow())
    assert repos.interviews.get(interview.id).status == "in_progress"
    r = response_for(repos, interview)
    polled_interview, _ = ev.poll(repos, world["hr_a"], r.id, interview.deadline + timedelta(minutes=1), nothing)
    assert polled_interview.status == "completed"
    assert repos.interviews.get(interview.id).status == "completed"


def test_no_job_and_no_response_read_as_none():
    assert ev.job_of(None) is None and ev.latest_of(None) is None


def test_evaluate_all_requeues_a_job_whose_worker_died_and_records_who_asked(repos, world, finished):
    interview = finished(n=2)
    dead, fresh = response_for(repos, interview, 0), response_for(repos, interview, 1)
    t0 = utcnow() - timedelta(hours=1)
    ev.request_evaluation(repos, world["admin"], dead.id, t0, nothing, timeout=60)
    ev.claim(repos, dead.id, "dies", t0, timeout=60)
    submitted = []
    queued = ev.evaluate_all(repos, world["hr_a"], interview.id, utcnow(), submitted.append, timeout=60)
    assert queued == submitted == [dead.id, fresh.id]
    assert stored_job(repos, dead.id)["state"] == ev.PENDING
    assert stored_job(repos, fresh.id)["requested_by"] == world["hr_a"].id
    assert ev.run_job(repos, fresh.id, Fixed)["state"] == ev.DONE
    [record] = ev.history(repos, fresh.id)
    assert record["requested_by"] == world["hr_a"].id


# --- the pool that runs jobs --------------------------------------------------------------------

def test_the_pool_runs_jobs_on_named_threads_and_shutdown_waits_for_them(caplog):

    seen = []

    def run(response_id):
        time.sleep(0.1)
        seen.append((response_id, threading.current_thread().name))
        return response_id

    runner = ev.PoolRunner(0, run)  # at least one worker, whatever the setting
    assert runner.workers == 1
    future = runner.submit("r1")
    runner.shutdown()
    assert future.done() and future.result() == "r1"
    assert seen[0][0] == "r1" and seen[0][1].startswith("ai-job")


def test_a_crashing_job_runner_is_logged_and_does_not_break_the_pool(caplog):
    def run(response_id):
        if response_id == "bad":
            raise RuntimeError("boom")
        return response_id

    runner = ev.PoolRunner(1, run)
    try:
        with caplog.at_level(logging.ERROR, logger="interviewer.services.evaluations"):
            assert runner.submit("bad").result(timeout=10) is None
        assert runner.submit("good").result(timeout=10) == "good"
    finally:
        runner.shutdown()
    [record] = [rec for rec in caplog.records if rec.levelno == logging.ERROR]
    assert record.getMessage() == "AI job runner crashed on response bad" and record.exc_info


# --- agreement arithmetic -----------------------------------------------------------------------

def test_agreement_defaults_to_no_label_and_no_key():
    a = ev.agreement([])
    assert (a.label, a.key, a.n, a.r, a.mad) == ("", "", 0, None, None)


@pytest.mark.parametrize(("xs", "ys", "expected"), [
    ([5, 5.5, 6], [5, 5.5, 6], 1.0),  # a spread of half a point is variance enough
    ([5, 5.5, 6], [6, 5.5, 5], -1.0),
    ([0.0, 0.0, 2.5], [0.0, 0.0, 2.25], 1.0),  # rounds to 1.0000000000000002 before it is clamped
    ([0.0, 0.0, 5.5], [10.0, 10.0, 4.5], -1.0),  # rounds to -1.0000000000000002 before it is clamped
])
def test_pearson_stays_within_minus_one_and_one(xs, ys, expected):
    assert ev.pearson(xs, ys) == expected


def test_a_variance_at_the_tolerance_counts_as_none():
    tiny = [0.0, 0.0, 0.0, 1.1547005383792516e-06]  # its sum of squared deviations is exactly 1e-12
    assert ev.pearson(tiny, [1, 2, 3, 4]) is None
    assert ev.pearson([1, 2, 3, 4], tiny) is None


# --- what a finished job stores -------------------------------------------------------------------

Q = "In Python, why is using a mutable default argument such as def f(x=[]) a common bug, and how do you avoid it?"
REF = ("Default argument values are evaluated once, when the function is defined, not each time it is called. "
       "A mutable default like a list is therefore shared between calls, so changes made in one call leak into "
       "later calls. The fix is to use None as the default and create a new list inside the function: "
       "if x is None: x = [].")
OFF_TOPIC = ("A Kubernetes Deployment manages ReplicaSets, which keep a desired number of pod replicas running. "
             "When you update the pod template, the Deployment performs a rolling update, creating new pods and "
             "terminating old ones gradually, and you can roll back if the new version fails its readiness probes.")


@pytest.fixture
def answered(repos, world, schedule):
    """A completed one-question interview on Q (reference REF) with the given answer; its response."""

    def make(answer):
        interview = schedule(world["hr_a"], world["cand_a"], n=1, items=[
            {"text": Q, "reference_answer": REF, "key_points": ["evaluated once", "use None"], "source": "custom"}])
        svc.save_answer(repos, world["cand_a"], interview.id, interview.questions[0].id, answer, utcnow())
        svc.submit(repos, world["cand_a"], interview.id, utcnow())
        r = response_for(repos, interview)
        ev.request_evaluation(repos, world["hr_a"], r.id, utcnow(), nothing)
        return r

    return make


class Model(Fixed):
    """A model provider (not the local scorer) that records what it was asked."""

    name = "gemini"

    def __init__(self, score=9.0, **fields):
        super().__init__(score)
        self.fields, self.asked = fields, None

    def evaluate(self, question, reference, answer, key_points=None, competencies=None):
        self.asked = (question, reference, answer, key_points)
        return super().evaluate(question, reference, answer, key_points).model_copy(update=self.fields)


def test_the_provider_is_asked_with_the_question_its_reference_and_the_answer(repos, answered):
    r = answered(OFF_TOPIC)
    model = Model()
    assert ev.run_job(repos, r.id, lambda: model)["state"] == ev.DONE
    assert model.asked == (Q, REF, OFF_TOPIC, ["evaluated once", "use None"])


def test_the_server_checks_judge_a_models_result_against_the_question_and_reference(repos, answered):
    """An off-topic answer a model scores 9 gets the gates' second opinion (which needs the
    reference) and the disagreement flag; an answer that copies the question is flagged as such."""
    off = answered(OFF_TOPIC)
    ev.run_job(repos, off.id, Model)
    codes = [f["code"] for f in ev.latest_of(repos.responses.get(off.id))["flags"]]
    assert "off_topic" in codes and "disagreement" in codes

    copy = answered(Q)
    ev.run_job(repos, copy.id, Model)
    assert "copies_question" in [f["code"] for f in ev.latest_of(repos.responses.get(copy.id))["flags"]]


def test_the_latest_evaluation_keeps_key_points_provenance_and_a_zero_latency(repos, answered):
    r = answered(OFF_TOPIC)
    model = Model(key_points_covered=["evaluated once"], key_points_missed=["use None"],
                  provenance={"finish_reason": "STOP"}, latency_ms=0)
    ev.run_job(repos, r.id, lambda: model)
    latest = ev.latest_of(repos.responses.get(r.id))
    assert (latest["key_points_covered"], latest["key_points_missed"]) == (["evaluated once"], ["use None"])
    assert latest["provenance"] == {"finish_reason": "STOP"} and latest["latency_ms"] == 0
    [record] = ev.history(repos, r.id)
    assert record["provenance"] == {"finish_reason": "STOP"} and record["key_points_missed"] == ["use None"]


def test_a_done_job_is_a_new_revision_a_stale_writer_cannot_replace(repos, answered):
    r = answered(OFF_TOPIC)
    running = {}

    def remember_the_running_job():
        running.update(stored_job(repos, r.id))

    done = ev.run_job(repos, r.id, lambda: Fixed(during=remember_the_running_job))
    assert done["state"] == ev.DONE and running["state"] == ev.RUNNING
    assert stored_job(repos, r.id)["rev"] == done["rev"] != running["rev"]
    assert not repos.evaluations.replace_job(r.id, running["rev"], {**running, "state": ev.FAILED})
    assert stored_job(repos, r.id)["state"] == ev.DONE


def test_a_question_removed_from_the_interview_fails_the_job_with_a_reason(repos, answered):
    r = answered(OFF_TOPIC)
    repos.interviews.col.update_one({"_id": ObjectId(r.interview_id)}, {"$set": {"questions": []}})
    job = ev.run_job(repos, r.id, Model)
    assert job["state"] == ev.FAILED
    assert stored_job(repos, r.id)["error_message"] == "The question of this answer no longer exists in the interview."


def test_asking_again_requeues_a_job_whose_worker_died(repos, world, answered):
    r = answered(OFF_TOPIC)
    t0 = utcnow() - timedelta(hours=1)
    ev.claim(repos, r.id, "dies", t0, timeout=60)
    submitted = []
    _, response = ev.request_evaluation(repos, world["hr_a"], r.id, utcnow(), submitted.append, timeout=60)
    assert submitted == [r.id]
    job = ev.job_of(response)
    assert (job["state"], job["attempts"]) == (ev.PENDING, 1)


def test_a_job_whose_interview_is_gone_fails_as_gone(repos, answered):
    r = answered(OFF_TOPIC)
    repos.interviews.col.delete_one({"_id": ObjectId(r.interview_id)})
    job = ev.run_job(repos, r.id, Model)
    assert (job["state"], job["error_code"], job["error_message"]) == (ev.FAILED, "gone", "The answer no longer exists.")
    assert stored_job(repos, r.id)["error_code"] == "gone"


def test_a_running_job_has_a_heartbeat_thread_named_after_its_response(repos, answered):

    r = answered(OFF_TOPIC)
    names = []
    ev.run_job(repos, r.id, lambda: Fixed(during=lambda: names.extend(t.name for t in threading.enumerate())))
    assert f"ai-heartbeat-{r.id}" in names


def test_an_answer_deleted_while_its_job_was_claimed_fails_as_gone(repos, answered, monkeypatch, caplog):
    """The response disappears between the claim and the read of the answer (a concurrent delete):
    the job ends as "gone", not as an unexpected error with a traceback in the log."""
    r = answered(OFF_TOPIC)
    monkeypatch.setattr(repos.responses, "get", lambda response_id: None)
    with caplog.at_level(logging.ERROR, logger="interviewer.services.evaluations"):
        job = ev.run_job(repos, r.id, Model)
    assert (job["state"], job["error_code"]) == (ev.FAILED, "gone")
    assert [rec for rec in caplog.records if rec.levelno >= logging.ERROR] == []


# --- claiming, closing the provider, the heartbeat's log ------------------------------------------

def test_of_two_workers_that_read_the_same_pending_job_only_the_first_to_write_claims_it(repos, answered,
                                                                                        monkeypatch):
    r = answered(OFF_TOPIC)
    now = utcnow()
    read_before = repos.evaluations.job_doc(r.id)  # the second worker read the job as pending ...
    first = ev.claim(repos, r.id, "w1", now, timeout=60)  # ... then the first worker claimed it
    assert first["worker"] == "w1" and first["rev"] != read_before["rev"]
    monkeypatch.setattr(repos.evaluations, "job_doc", lambda response_id: dict(read_before))
    assert ev.claim(repos, r.id, "w2", now, timeout=60) is None
    monkeypatch.undo()
    job = stored_job(repos, r.id)
    assert (job["state"], job["worker"], job["attempts"]) == (ev.RUNNING, "w1", 1)


def test_queue_gives_up_after_three_lost_writes(repos, answered, monkeypatch):
    r = answered(OFF_TOPIC)
    assert ev.run_job(repos, r.id, Model)["state"] == ev.DONE
    writes = []

    def always_lost(*args, **kwargs):
        writes.append(args)
        return False

    monkeypatch.setattr(repos.evaluations, "replace_job", always_lost)
    assert ev.queue(repos, r.id, "someone", utcnow()) is False
    assert len(writes) == 3


def test_the_provider_is_closed_after_the_job_whatever_happened(repos, answered):
    closed = []

    class Closing(Model):
        def close(self):
            closed.append(self.exc)

    ok = answered(OFF_TOPIC)
    assert ev.run_job(repos, ok.id, Closing)["state"] == ev.DONE
    bad = answered(OFF_TOPIC)

    def failing():
        provider = Closing()
        provider.exc = AIError("down")
        return provider

    assert ev.run_job(repos, bad.id, failing)["state"] == ev.FAILED
    assert len(closed) == 2


def test_a_provider_error_without_a_message_is_stored_with_an_empty_message(repos, answered):
    r = answered(OFF_TOPIC)
    job = ev.run_job(repos, r.id, lambda: Fixed(exc=AIError("")))
    assert (job["error_code"], job["error_message"]) == ("ai_error", "")


def test_an_unexpected_provider_error_is_logged_naming_the_response(repos, answered, caplog):
    r = answered(OFF_TOPIC)
    with caplog.at_level(logging.ERROR, logger="interviewer.services.evaluations"):
        ev.run_job(repos, r.id, lambda: Fixed(exc=KeyError("internals")))
    [record] = [rec for rec in caplog.records if rec.levelno == logging.ERROR]
    assert record.getMessage() == f"AI evaluation of response {r.id} failed" and record.exc_info


def test_the_running_job_names_its_worker_and_its_heartbeat_thread_is_a_daemon(repos, answered):

    seen = {}

    def look():
        seen["job"] = stored_job(repos, r.id)
        seen["threads"] = {t.name: t.daemon for t in threading.enumerate()}
        seen["ident"] = threading.get_ident()

    r = answered(OFF_TOPIC)
    ev.run_job(repos, r.id, lambda: Fixed(during=look), worker="host:1:2")
    assert seen["job"]["worker"] == "host:1:2" and seen["threads"][f"ai-heartbeat-{r.id}"] is True

    r = answered(OFF_TOPIC)
    assert ev.run_job(repos, r.id, lambda: Fixed(during=look))["worker"] == (
        f"{socket.gethostname()}:{os.getpid()}:{seen['ident']}")


def test_a_heartbeat_that_fails_is_logged_and_tried_again(repos, answered, monkeypatch, caplog):
    r = answered(OFF_TOPIC)
    now = utcnow()
    claimed = ev.claim(repos, r.id, "w1", now, timeout=60)
    real, calls = repos.evaluations.replace_job, []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("database hiccup")
        return real(*args, **kwargs)

    monkeypatch.setattr(repos.evaluations, "replace_job", flaky)
    with caplog.at_level(logging.WARNING, logger="interviewer.services.evaluations"):
        with ev.Heartbeat(repos, r.id, claimed, lambda: now + timedelta(seconds=9), interval=0.02) as beat:
            deadline = time.monotonic() + 10
            while len(calls) < 2 and time.monotonic() < deadline:
                time.sleep(0.01)
    assert len(calls) >= 2 and beat.lost is False
    assert stored_job(repos, r.id)["heartbeat_at"] == now.replace(microsecond=now.microsecond // 1000 * 1000) + \
        timedelta(seconds=9)
    [record] = [rec for rec in caplog.records if rec.levelno == logging.WARNING]
    assert record.getMessage() == f"AI job heartbeat for response {r.id} failed"
    assert record.exc_info and isinstance(record.exc_info[1], ConnectionError)


def test_a_worker_whose_heartbeat_finds_the_job_taken_drops_its_result(repos, answered, caplog):
    """The job is re-queued elsewhere while the provider works; the next beat notices, and the
    worker's result is dropped (logged), leaving the re-queued job alone."""

    r = answered(OFF_TOPIC)

    def taken_over_then_slow():
        assert ev.recover(repos, r.id, utcnow() + timedelta(hours=1), timeout=0.2)
        time.sleep(0.3)  # heartbeat every 0.05 s: it finds the job taken over

    with caplog.at_level(logging.WARNING, logger="interviewer.services.evaluations"):
        assert ev.run_job(repos, r.id, lambda: Fixed(during=taken_over_then_slow), timeout=0.2, worker="w9") is None
    assert stored_job(repos, r.id)["state"] == ev.PENDING and repos.evaluations.count(r.id) == 0
    assert [rec.getMessage() for rec in caplog.records if rec.levelno == logging.WARNING] == [
        f"AI job for response {r.id} was taken over before w9 finished; result dropped"]


def test_with_a_short_timeout_a_live_worker_beats_often_enough_not_to_look_dead(repos, answered):
    """Real time: a 0.8 s job timeout means a beat every 0.2 s; a poller checking all along never
    finds the job stale while the provider works for 1.2 s."""

    r = answered(OFF_TOPIC)
    done, stale_seen = threading.Event(), []

    def poll_all_along():
        while not done.is_set():
            job = stored_job(repos, r.id)
            if job["state"] == ev.RUNNING and ev.is_stale(job, utcnow(), 0.8):
                stale_seen.append(job)
            time.sleep(0.02)

    poller = threading.Thread(target=poll_all_along)
    poller.start()
    try:
        job = ev.run_job(repos, r.id, lambda: Fixed(during=lambda: time.sleep(1.2)), timeout=0.8)
    finally:
        done.set()
        poller.join(10)
    assert job["state"] == ev.DONE and stale_seen == []
