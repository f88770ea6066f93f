"""HR's AI evaluation: per-answer and whole-interview jobs, the self-polling slot, agreement.

Where jobs run is `app.config["AI_EXECUTOR"]`:
    "pool" (default)  a ThreadPoolExecutor of AI_CONCURRENCY workers, created lazily per process
    "inline"          run in the request (tests, or a deployment that prefers it)
    "manual"          only queue; something else runs `services.evaluations.run_job` (tests)
    a callable        called with the response id
`app.config["AI_PROVIDER_OVERRIDE"]` (a provider, or a factory returning one) replaces
`get_provider(config)`; tests use it to inject failing or slow providers.
"""
from __future__ import annotations

import os
import re
import threading
from typing import Any

from flask import Flask, current_app, flash, render_template, request, url_for
from flask_login import current_user
from markupsafe import escape

from ..ai import describe_provider, get_provider
from ..clock import utcnow
from ..db import get_repos
from ..errors import DomainError
from ..htmx import redirect_to, wants_fragment
from ..services import evaluations as ev
from . import bp

_EXT = "interviewer.ai_jobs"
_LOCK = threading.Lock()
_SLOT_ID = re.compile(r"ai-slot-[A-Za-z0-9]{1,40}")


def provider_for(app: Flask) -> Any:
    """The provider a job uses: the test override, else the one the config names."""
    override = app.config.get("AI_PROVIDER_OVERRIDE")
    if override is not None:
        return override() if callable(override) and not hasattr(override, "evaluate") else override
    return get_provider(app.config)


def job_timeout(app: Flask) -> float:
    return float(app.config.get("AI_JOB_TIMEOUT") or ev.DEFAULT_JOB_TIMEOUT)


def job_runner(app: Flask):
    """`run(response_id)`: one job, in an app context of its own (safe on any thread)."""

    def run(response_id: str):
        with app.app_context():
            return ev.run_job(get_repos(app), response_id, lambda: provider_for(app), timeout=job_timeout(app))

    return run


def pool(app: Flask) -> ev.PoolRunner:
    """This process's worker pool (a forked worker builds its own on first use)."""
    holder = app.extensions.setdefault(_EXT, {})
    with _LOCK:
        if holder.get("pid") != os.getpid():
            holder["runner"] = ev.PoolRunner(int(app.config.get("AI_CONCURRENCY") or 4), job_runner(app))
            holder["pid"] = os.getpid()
        return holder["runner"]


def submitter(app: Flask):
    mode = app.config.get("AI_EXECUTOR") or "pool"
    if callable(mode):
        return mode
    if mode == "inline":
        return job_runner(app)
    if mode == "manual":
        return lambda response_id: None
    return pool(app).submit


def _app() -> Flask:
    return current_app._get_current_object()  # type: ignore[attr-defined]


def _slot(interview, response, **extra):
    question = interview.question(response.question_id)
    return render_template("hr/_ai_slot.html", interview=interview, q=question, r=response, **extra)


def _row_url(interview_id: str, question_id: str) -> str:
    return url_for("hr.interview", interview_id=interview_id) + f"#row-{question_id}"


@bp.post("/responses/<response_id>/ai")
def ai_evaluate(response_id: str):
    """Queue an AI evaluation of one answer; answers at once with the slot in its pending state."""
    app, repos, now = _app(), get_repos(), utcnow()
    response = ev.request_evaluation(repos, current_user, response_id, now, submitter(app), job_timeout(app))
    interview = repos.interviews.get(response.interview_id)
    if not wants_fragment():
        flash("AI evaluation requested.", "info")
        return redirect_to(_row_url(interview.id, response.question_id))
    return _slot(interview, repos.responses.get(response.id))


@bp.get("/responses/<response_id>/ai")
def ai_slot(response_id: str):
    """The AI slot of one answer; while its job is pending it polls this route every second."""
    app, repos, now = _app(), get_repos(), utcnow()
    try:
        response = ev.poll(repos, current_user, response_id, now, submitter(app), job_timeout(app))
    except DomainError as exc:
        target = request.headers.get("HX-Target", "")
        if not (wants_fragment() and _SLOT_ID.fullmatch(target)):
            raise
        # Replace the polling slot itself, so a refused poll does not repeat every second.
        html = (f'<div id="{target}" class="ai-box" data-testid="ai-slot" data-state="error">'
                f'<p class="flash flash-error" role="alert">{escape(exc.message)}</p></div>')
        return html, exc.status, {"HX-Retarget": f"#{target}", "HX-Reswap": "outerHTML"}
    interview = repos.interviews.get(response.interview_id)
    if not wants_fragment():
        return redirect_to(_row_url(interview.id, response.question_id))
    return _slot(interview, response)


@bp.post("/interviews/<interview_id>/ai/evaluate-all")
def ai_evaluate_all(interview_id: str):
    """Queue every answered question of the interview; the slots are swapped in out of band."""
    app, repos, now = _app(), get_repos(), utcnow()
    queued = ev.evaluate_all(repos, current_user, interview_id, now, submitter(app), job_timeout(app))
    if not wants_fragment():
        flash(f"AI evaluation requested for {len(queued)} answers.", "info")
        return redirect_to(url_for("hr.interview", interview_id=interview_id))
    interview = repos.interviews.get(interview_id)
    return render_template("hr/_ai_toolbar.html", interview=interview,
                           responses=repos.responses.for_interview(interview_id), oob_slots=True,
                           queued_count=len(queued))


@bp.get("/agreement")
def agreement():
    """How closely HR's scores follow the AI's proposals: Pearson r, mean absolute difference, n."""
    report = ev.agreement_report(get_repos(), current_user, utcnow())
    return render_template("hr/agreement.html", report=report)


def _history(response_id: str, limit: int = 20) -> list[dict]:
    return ev.history(get_repos(), response_id, limit)


def _provider_label() -> str:
    app = _app()
    override = app.config.get("AI_PROVIDER_OVERRIDE")
    if override is not None:
        return f"{getattr(override, 'name', 'custom')} (override)"
    return describe_provider(app.config)


@bp.app_context_processor
def ai_context() -> dict[str, Any]:
    # Callables, so pages that never show AI data pay nothing for it.
    return {"ai_provider_label": _provider_label, "ai_job_of": ev.job_of, "ai_latest_of": ev.latest_of,
            "ai_history": _history}
