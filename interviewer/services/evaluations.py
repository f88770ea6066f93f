"""AI evaluation of answers: jobs that run off the request thread, their history, and agreement.

A job lives on its response (`ai_job`), so any process can answer a poll:

    (none|done|failed) --queue--> pending --claim--> running --> done | failed
                                     ^                  |
                                     +---- recover -----+  (worker died: stale heartbeat)

Every change is a compare-and-set on the job's `rev` (see repositories/evaluations.py):
exactly one worker claims a pending job and, while the provider works, rewrites its heartbeat
every quarter of the job timeout (`Heartbeat`), so a slow but live call is never mistaken for a
dead worker; a running job whose heartbeat is older than the job timeout (the process died) is
re-queued by whoever polls it while attempts < MAX_ATTEMPTS, and failed with "timeout" after
that. Each successful result is appended to the `evaluations` history and
becomes the response's latest `ai_evaluation`; HR's score stays the final one.

Where the work runs is the caller's choice: `submit(response_id)` may run `run_job` inline
(tests) or hand it to a `PoolRunner` (the app), which bounds concurrency.
"""
from __future__ import annotations

import hashlib
import logging
import math
import os
import socket
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ..ai import checks, close_provider
from ..ai.scoring import result_fields
from ..ai.types import AIError, Evaluation
from ..clock import utcnow
from ..errors import Conflict
from ..models import COMPLETED, EVALUATED, Interview, Response, User
from ..repositories.evaluations import job_from_db, new_rev, summary_from_db
from . import audit, consent
from . import interviews as interview_service

log = logging.getLogger(__name__)

PENDING, RUNNING, DONE, FAILED = "pending", "running", "done", "failed"
ACTIVE = (PENDING, RUNNING)
MAX_ATTEMPTS = 2
DEFAULT_JOB_TIMEOUT = 180
GENERIC_CODE = "internal_error"
GENERIC_MESSAGE = "The evaluation failed unexpectedly. Try again; if it keeps failing, tell an administrator."

Submit = Callable[[str], Any]
ProviderFactory = Callable[[], Any]


# --- reading the state -----------------------------------------------------------------------

def job_of(response: Response | None) -> dict[str, Any] | None:
    """The response's job with aware datetimes, or None when it was never evaluated."""
    return job_from_db(response.ai_job) if response is not None else None


def latest_of(response: Response | None) -> dict[str, Any] | None:
    return summary_from_db(response.ai_evaluation) if response is not None else None


def is_stale(job: dict[str, Any], now: datetime, timeout: float) -> bool:
    """A running job whose worker stopped beating, or a pending job nobody picked up in time."""
    cutoff = now - timedelta(seconds=timeout)
    if job["state"] == RUNNING:
        seen = job.get("heartbeat_at") or job.get("started_at")
        return seen is None or seen < cutoff
    if job["state"] == PENDING:
        requested = job.get("requested_at")
        return requested is None or requested < cutoff
    return False


# --- access ----------------------------------------------------------------------------------

def visible_response(repos, user: User, response_id: str, now: datetime) -> tuple[Interview, Response]:
    """The response and its interview if `user` is staff and may see it; NotFound otherwise."""
    interview_service.require_staff(user, "No such response.")
    return interview_service.visible_response(repos, user, response_id, now)


def evaluable_response(repos, user: User, response_id: str, now: datetime) -> tuple[Interview, Response]:
    """As `visible_response`, and the interview must be completed or evaluated (Conflict)."""
    interview, response = visible_response(repos, user, response_id, now)
    if interview.status not in (COMPLETED, EVALUATED):
        raise Conflict("Answers can be evaluated once the interview is completed.")
    refuse_human_only(repos, interview)
    return interview, response


HUMAN_ONLY = "The candidate asked for a human-only review: their answers are never sent for AI evaluation."


def refuse_human_only(repos, interview: Interview) -> None:
    """Conflict (409) when the interview's candidate chose a human-only review (``consent``)."""
    if consent.is_human_only(repos.users.get(interview.candidate_id)):
        raise Conflict(HUMAN_ONLY)


# --- job transitions -------------------------------------------------------------------------

def _blank_job(requested_by: str | None, now: datetime) -> dict[str, Any]:
    return {"state": PENDING, "attempts": 0, "error_code": None, "error_message": None, "requested_at": now,
            "requested_by": requested_by, "started_at": None, "heartbeat_at": None, "finished_at": None,
            "worker": None, "rev": new_rev()}


def queue(repos, response_id: str, requested_by: str | None, now: datetime) -> bool:
    """Make the job pending unless one is already pending or running; True if this call queued it."""
    for _ in range(3):
        job = job_from_db(repos.evaluations.job_doc(response_id))
        if job is not None and job["state"] in ACTIVE:
            return False
        if repos.evaluations.replace_job(response_id, job["rev"] if job else None, _blank_job(requested_by, now)):
            return True
    return False


def claim(repos, response_id: str, worker: str, now: datetime, timeout: float) -> dict[str, Any] | None:
    """Take the job for `worker`: pending → running, or reclaim a stale running one.

    Returns the claimed job, or None when there is nothing to do or someone else won.
    """
    job = job_from_db(repos.evaluations.job_doc(response_id))
    if job is None:
        return None
    if job["state"] == RUNNING:
        if not is_stale(job, now, timeout) or job.get("attempts", 0) >= MAX_ATTEMPTS:
            return None
    elif job["state"] != PENDING:
        return None
    claimed = {**job, "state": RUNNING, "attempts": int(job.get("attempts") or 0) + 1, "started_at": now,
               "heartbeat_at": now, "finished_at": None, "worker": worker, "rev": new_rev()}
    return claimed if repos.evaluations.replace_job(response_id, job["rev"], claimed) else None


def _fail(repos, response_id: str, job: dict[str, Any], code: str, message: str, now: datetime) -> dict | None:
    failed = {**job, "state": FAILED, "error_code": code, "error_message": message[:500], "finished_at": now,
              "rev": new_rev()}
    return failed if repos.evaluations.replace_job(response_id, job["rev"], failed) else None


def recover(repos, response_id: str, now: datetime, timeout: float) -> bool:
    """Deal with a job whose worker is gone; True when it was re-queued (the caller submits it)."""
    job = job_from_db(repos.evaluations.job_doc(response_id))
    if job is None or not is_stale(job, now, timeout):
        return False
    attempts = int(job.get("attempts") or 0)
    if attempts >= MAX_ATTEMPTS:
        _fail(repos, response_id, job, "timeout",
              f"The evaluation did not finish within {int(timeout)} seconds ({attempts} attempts).", now)
        return False
    requeued = {**job, "state": PENDING, "requested_at": now, "worker": None, "heartbeat_at": None,
                "rev": new_rev()}
    return repos.evaluations.replace_job(response_id, job["rev"], requeued)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def _evaluate(provider, interview: Interview, response: Response) -> Evaluation:
    question = interview.question(response.question_id)
    if question is None:
        raise AIError("The question of this answer no longer exists in the interview.")
    result = provider.evaluate(question.text, question.reference_answer, response.answer,
                               key_points=list(question.key_points), competencies=scales_of(interview, question))
    # Whatever the provider did, the server-side checks have the last word.
    return checks.finalize(result, question.text, response.answer, reference=question.reference_answer)


def scales_of(interview: Interview, question) -> list[dict]:
    """The anchored scales a question is rated on (services/panels.py): its template competencies,
    or the general scale for an interview scheduled by hand. The AI proposes a rating on each."""
    from . import panels

    scales = panels.competencies_of(interview)
    return [{"id": p.competency_id, "name": p.competency, "description": scales[p.competency_id].get("description", ""),
             "anchors": p.anchors} for p in panels.pairs(interview) if p.question_id == question.id]


def summary_fields(evaluation: Evaluation, evaluation_id: str, created_at: datetime) -> dict[str, Any]:
    return {
        "id": evaluation_id,
        **result_fields(evaluation),
        "key_points_covered": list(evaluation.key_points_covered),
        "key_points_missed": list(evaluation.key_points_missed),
        "evidence": list(evaluation.evidence),
        "competencies": [c.model_dump() for c in evaluation.competencies],
        "flags": [f.model_dump() for f in evaluation.flags],
        "provider": evaluation.provider,
        "model": evaluation.model,
        "prompt_version": evaluation.prompt_version,
        "latency_ms": int(evaluation.latency_ms or 0),
        "provenance": dict(evaluation.provenance),
        "created_at": created_at,
    }


class Heartbeat:
    """Keeps a claimed job fresh while its worker is busy: every `interval` seconds a thread
    rewrites `heartbeat_at` (a compare-and-set like every other change, so `job` follows the
    latest rev). After `stop()`, `job` is the job as last written and `lost` says whether
    someone else took it over meanwhile (then this worker's result must be dropped)."""

    def __init__(self, repos, response_id: str, job: dict[str, Any], clock: Callable[[], datetime],
                 interval: float):
        self.repos, self.response_id, self.job, self.clock = repos, response_id, job, clock
        self.interval = interval
        self.lost = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"ai-heartbeat-{response_id}", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def beat(self) -> bool:
        fresh = {**self.job, "heartbeat_at": self.clock(), "rev": new_rev()}
        if self.repos.evaluations.replace_job(self.response_id, self.job["rev"], fresh):
            self.job = fresh
            return True
        self.lost = True
        return False

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                if not self.beat():
                    return
            except Exception:  # a database hiccup: try again at the next beat
                log.warning("AI job heartbeat for response %s failed", self.response_id, exc_info=True)

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()


def run_job(repos, response_id: str, provider_factory: ProviderFactory, *, clock: Callable[[], datetime] = utcnow,
            timeout: float = DEFAULT_JOB_TIMEOUT, worker: str | None = None) -> dict[str, Any] | None:
    """Claim and run one job to done or failed; returns the job as this worker left it
    (None when there was nothing to claim or the job was taken over). Never raises for
    provider failures."""
    worker = worker or worker_name()
    job = claim(repos, response_id, worker, clock(), timeout)
    if job is None:
        return None
    failure: tuple[str, str] | None = None
    with Heartbeat(repos, response_id, job, clock, interval=max(0.05, timeout / 4)) as heartbeat:
        try:
            response, evaluation = _run_provider(repos, response_id, provider_factory)
        except _JobFailed as exc:
            failure = exc.args
    if heartbeat.lost:
        return _dropped(response_id, worker)
    if failure is not None:
        return _fail(repos, response_id, heartbeat.job, *failure, clock())
    return _finish(repos, heartbeat.job, response, evaluation, worker, clock())


def _dropped(response_id: str, worker: str) -> None:
    log.warning("AI job for response %s was taken over before %s finished; result dropped", response_id, worker)


class _JobFailed(Exception):
    """Raised with (code, message) for a job that ends as failed."""


def _run_provider(repos, response_id: str, provider_factory: ProviderFactory) -> tuple[Response, Evaluation]:
    try:
        response = repos.responses.get(response_id)
        interview = repos.interviews.get(response.interview_id) if response else None
        if response is None or interview is None:
            raise _JobFailed("gone", "The answer no longer exists.")
        provider = provider_factory()
        try:
            return response, _evaluate(provider, interview, response)
        finally:
            close_provider(provider)
    except _JobFailed:
        raise
    except AIError as exc:
        raise _JobFailed(exc.code, exc.message or str(exc)) from None
    except Exception:
        log.exception("AI evaluation of response %s failed", response_id)
        raise _JobFailed(GENERIC_CODE, GENERIC_MESSAGE) from None


def _finish(repos, job: dict[str, Any], response: Response, evaluation: Evaluation, worker: str,
            now: datetime) -> dict[str, Any] | None:
    """Store the result and mark the job done (compare-and-set); None when the job was taken over."""
    response_id = response.id
    created_at = evaluation.created_at or now
    evaluation_id = repos.evaluations.new_id()
    summary = summary_fields(evaluation, evaluation_id, created_at)
    done = {**job, "state": DONE, "error_code": None, "error_message": None, "finished_at": now,
            "heartbeat_at": now, "rev": new_rev()}
    if not repos.evaluations.replace_job(response_id, job["rev"], done, summary):
        return _dropped(response_id, worker)
    record = {k: v for k, v in summary.items() if k != "id"}
    record.update(response_id=response.id, interview_id=response.interview_id, question_id=response.question_id,
                  requested_by=job.get("requested_by"), attempt=job["attempts"], worker=worker)
    repos.evaluations.add(evaluation_id, record)
    # Provenance: which provider and model proposed what; the system acts, HR requested it.
    audit.record(repos, None, "ai.evaluated", "response", response.id, now, interview_id=response.interview_id,
                 after={"score": evaluation.score, "provider": evaluation.provider, "model": evaluation.model,
                        "prompt_version": evaluation.prompt_version, "flags": [f.code for f in evaluation.flags],
                        "evaluation": evaluation_id})
    return done


# --- what the views call ---------------------------------------------------------------------

def request_evaluation(repos, user: User, response_id: str, now: datetime, submit: Submit,
                       timeout: float = DEFAULT_JOB_TIMEOUT) -> tuple[Interview, Response]:
    """Queue an evaluation of one answer (a no-op while one is pending or running); returns
    the interview and the response with its job as it now stands."""
    interview, response = evaluable_response(repos, user, response_id, now)
    if not response.answered:
        raise Conflict("There is no answer to evaluate.")
    if recover(repos, response.id, now, timeout) or queue(repos, response.id, user.id, now):
        audit.record(repos, user, "ai.requested", "response", response.id, now, interview_id=interview.id)
        submit(response.id)
    return interview, repos.responses.get(response.id)


def poll(repos, user: User, response_id: str, now: datetime, submit: Submit,
         timeout: float = DEFAULT_JOB_TIMEOUT) -> tuple[Interview, Response]:
    """The interview and the response as they stand; a job whose worker died is re-queued (or
    failed) on the way. A live job costs no reads beyond the response and its interview."""
    interview, response = visible_response(repos, user, response_id, now)
    job = job_of(response)
    if job is None or job["state"] not in ACTIVE or not is_stale(job, now, timeout):
        return interview, response
    if recover(repos, response.id, now, timeout):
        submit(response.id)
    return interview, repos.responses.get(response.id)


def evaluate_all(repos, user: User, interview_id: str, now: datetime, submit: Submit,
                 timeout: float = DEFAULT_JOB_TIMEOUT) -> list[str]:
    """Queue every answered response of the interview; returns the ids handed to `submit`."""
    interview = interview_service.reviewable(repos, user, interview_id, now)
    refuse_human_only(repos, interview)
    responses = repos.responses.for_interview(interview.id)
    queued = []
    for question in interview.questions:
        response = responses.get(question.id)
        if response is None or not response.answered:
            continue
        if recover(repos, response.id, now, timeout) or queue(repos, response.id, user.id, now):
            queued.append(response.id)
    if queued:
        audit.record(repos, user, "ai.requested", "interview", interview.id, now, interview_id=interview.id,
                     after={"answers": len(queued)})
    for response_id in queued:
        submit(response_id)
    return queued


def history(repos, response_id: str, limit: int = 50) -> list[dict]:
    """Stored evaluations of a response, newest first."""
    return repos.evaluations.history(response_id, limit)


# --- where jobs run --------------------------------------------------------------------------

class PoolRunner:
    """A bounded in-process pool; `run(response_id)` does one job (with whatever context it needs).

    The pool only decides *when* work runs; the job state in the database decides *whether*
    it runs, so a job submitted twice is still done once.
    """

    def __init__(self, workers: int, run: Callable[[str], Any]):
        self.workers = max(1, int(workers))
        self._run = run
        self._pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="ai-job")

    def _safe(self, response_id: str) -> Any:
        try:
            return self._run(response_id)
        except Exception:  # run_job handles provider failures; this is the last line of defence
            log.exception("AI job runner crashed on response %s", response_id)
            return None

    def submit(self, response_id: str) -> Future:
        return self._pool.submit(self._safe, response_id)

    def shutdown(self, wait: bool = True) -> None:
        self._pool.shutdown(wait=wait)


# --- agreement between HR and AI scores -------------------------------------------------------

def pearson(xs: list[float], ys: list[float]) -> float | None:
    """Pearson's r, or None when it is undefined or meaningless (n < 3, or no variance)."""
    n = len(xs)
    if n != len(ys) or n < 3:
        return None
    mx, my = math.fsum(xs) / n, math.fsum(ys) / n
    sxx = math.fsum((x - mx) ** 2 for x in xs)
    syy = math.fsum((y - my) ** 2 for y in ys)
    if sxx <= 1e-12 or syy <= 1e-12:
        return None
    sxy = math.fsum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    return max(-1.0, min(1.0, sxy / math.sqrt(sxx * syy)))


def mean_abs_diff(xs: list[float], ys: list[float]) -> float | None:
    if not xs or len(xs) != len(ys):
        return None
    return math.fsum(abs(x - y) for x, y in zip(xs, ys, strict=True)) / len(xs)


@dataclass
class Agreement:
    label: str
    n: int
    r: float | None
    mad: float | None
    key: str = ""


def agreement(pairs: Iterable[tuple[float, float]], label: str = "", key: str = "") -> Agreement:
    """Agreement of (hr, ai) score pairs."""
    pairs = list(pairs)
    hr, ai = [p[0] for p in pairs], [p[1] for p in pairs]
    return Agreement(label=label, n=len(pairs), r=pearson(hr, ai), mad=mean_abs_diff(hr, ai), key=key)


@dataclass
class AgreementReport:
    overall: Agreement
    per_question: list[Agreement] = field(default_factory=list)


def _scored_pairs_in_scope(repos, user: User) -> Iterator[dict]:
    """The (HR, AI) score pairs `user` may see: HR theirs, an admin all; none of an interview HR
    still rates blind on a panel (services/panels.py)."""
    from . import panels

    # HR: the scope field follows assignments; a candidate moved meanwhile (or by a reassignment a
    # crash cut short) is checked against who is assigned to them now (one indexed query).
    mine = set(repos.users.ids_assigned_to(user.id)) if user.role == "hr" else None
    blind = panels.blind_owned_ids(repos, user)
    for pair in repos.responses.iter_scored_pairs(user.id if user.role == "hr" else None):
        if (mine is None or pair["candidate_id"] in mine) and pair["interview_id"] not in blind:
            yield pair


def scores_version(repos, user: User) -> tuple:
    """A token for the reliability figures `user` sees (an admin: everyone's, HR: their own) that
    changes whenever the scores, AI evaluations or panel ratings they read may have: the last audit
    event (each HR score, result, AI evaluation, rating submission, reassignment, erasure and purge is
    audited once written; its hash chains every event before it, so no two databases share one), the
    counts of scored answers, AI evaluations and submitted ratings, and for HR the candidates assigned
    to them now (a reassignment a crash cut short before its audit event changes it too). Four
    indexed reads whatever the number of scores, and one of the HR user's candidate ids."""
    last = repos.audit.last() or {}
    scope = "all" if user.role == "admin" else (user.id, hashlib.blake2b(
        " ".join(sorted(repos.users.ids_assigned_to(user.id))).encode(), digest_size=16).hexdigest())
    return (scope, last.get("seq"), last.get("hash"), repos.responses.count_scored(), repos.evaluations.count_all(),
            repos.panels.count_submitted())


def ai_reliability(repos, user: User, now: datetime):
    """The AI's proposals against HR's final scores, answer by answer (services/reliability.py):
    Krippendorff's alpha with its 95 % bootstrap interval, Pearson's r and the mean absolute
    difference, overall and per calendar month (UTC) of HR's score, to show drift. Loads numpy and
    scipy: only the agreement page's reliability section calls it. Read and computed once per
    `scores_version` and scope in a process (`reliability.memo`)."""
    from . import reliability

    interview_service.require_staff(user)

    def compute():
        rows = sorted((p["interview_id"], p["question_id"], p["hr_score"], p["ai_score"], p.get("scored_at"))
                      for p in _scored_pairs_in_scope(repos, user))
        humans = {(i, q): {"hr": hr} for i, q, hr, _, _ in rows}
        ai = {(i, q): score for i, q, _, score, _ in rows}
        when = {(i, q): at for i, q, _, _, at in rows}
        overall = reliability.ai_vs_humans(humans, ai)
        return reliability.ReliabilityReport(overall=overall.reliability, ai=overall,
                                             months=reliability.by_month(humans, when, ai))

    return reliability.memo("ai-vs-hr", scores_version(repos, user), compute)


def agreement_report(repos, user: User, now: datetime) -> AgreementReport:
    """HR vs AI agreement over the answers `user` may see (HR: theirs; admin: all).

    One indexed query over the responses that carry both scores (each knows its HR scope and its
    question's group), one over the HR user's candidates, then one read of an interview per group
    for the label; once per `scores_version` and scope in a process (`reliability.memo`, which loads
    neither numpy nor scipy).
    """
    from . import reliability

    interview_service.require_staff(user)
    return reliability.memo("agreement", scores_version(repos, user), lambda: _agreement_report(repos, user))


def _agreement_report(repos, user: User) -> AgreementReport:
    groups: dict[str, list[tuple[float, float]]] = {}
    sample: dict[str, tuple[str, str]] = {}
    overall: list[tuple[float, float]] = []
    for pair in _scored_pairs_in_scope(repos, user):
        key = pair["group"] or "?"
        sample.setdefault(key, (pair["interview_id"], pair["question_id"]))
        groups.setdefault(key, []).append((pair["hr_score"], pair["ai_score"]))
        overall.append((pair["hr_score"], pair["ai_score"]))
    interviews = repos.interviews.by_ids(i for i, _ in sample.values())
    labels = {}
    for key, (interview_id, question_id) in sample.items():
        question = interviews[interview_id].question(question_id) if interview_id in interviews else None
        labels[key] = question.text if question else "(question no longer available)"
    per_question = [agreement(p, labels[k], k) for k, p in groups.items()]
    per_question.sort(key=lambda a: (-a.n, a.label.lower()))
    return AgreementReport(overall=agreement(overall, "All questions"), per_question=per_question)
