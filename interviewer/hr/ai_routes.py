"""HR's AI evaluation: per-answer and whole-interview jobs, the self-polling slot, agreement.

Where the jobs run is decided in `interviewer/jobs.py` (`AI_EXECUTOR`).
"""
from __future__ import annotations

import re
from typing import Any

from flask import Flask, current_app, flash, render_template, request, url_for
from flask_login import current_user
from markupsafe import escape

from ..ai import describe_provider
from ..clock import utcnow
from ..db import get_repos
from ..errors import DomainError
from ..htmx import redirect_to, render, wants_fragment
from ..jobs import job_timeout, submitter
from ..services import evaluations as ev
from ..services import interviews as svc
from ..services import panels as panel_service
from . import bp
from .routes import row_url

_SLOT_ID = re.compile(r"ai-slot-[A-Za-z0-9]{1,40}")


def _app() -> Flask:
    return current_app._get_current_object()  # type: ignore[attr-defined]


def _hidden_from_rater(interview) -> bool:
    """Whether the caller rates this panel interview and has not submitted yet: AI results stay hidden
    from them (services/panels.py), so they are sent back to the interview page instead."""
    return panel_service.blind(get_repos(), current_user, interview)


def _slot(interview, response, **extra):
    question = interview.question(response.question_id)
    return render_template("hr/_ai_slot.html", interview=interview, q=question, r=response, **extra)


@bp.post("/responses/<response_id>/ai")
def ai_evaluate(response_id: str):
    """Queue an AI evaluation of one answer; answers at once with the slot in its pending state."""
    app, repos, now = _app(), get_repos(), utcnow()
    interview, response = ev.request_evaluation(repos, current_user, response_id, now, submitter(app),
                                                job_timeout(app))
    if not wants_fragment() or _hidden_from_rater(interview):
        flash("AI evaluation requested.", "info")
        return redirect_to(row_url(interview.id, response.question_id))
    return _slot(interview, response)


@bp.get("/responses/<response_id>/ai")
def ai_slot(response_id: str):
    """The AI slot of one answer; while its job is pending it polls this route every second."""
    app, repos, now = _app(), get_repos(), utcnow()
    try:
        interview, response = ev.poll(repos, current_user, response_id, now, submitter(app), job_timeout(app))
    except DomainError as exc:
        target = request.headers.get("HX-Target", "")
        if not (wants_fragment() and _SLOT_ID.fullmatch(target)):
            raise
        # Replace the polling slot itself, so a refused poll does not repeat every second.
        html = (f'<div id="{target}" class="ai-box" data-testid="ai-slot" data-state="error">'
                f'<p class="flash flash-error" role="alert">{escape(exc.message)}</p></div>')
        return html, exc.status, {"HX-Retarget": f"#{target}", "HX-Reswap": "outerHTML"}
    if not wants_fragment() or _hidden_from_rater(interview):
        return redirect_to(row_url(interview.id, response.question_id))
    return _slot(interview, response)


@bp.post("/interviews/<interview_id>/ai/evaluate-all")
def ai_evaluate_all(interview_id: str):
    """Queue every answered question of the interview; the slots are swapped in out of band."""
    app, repos, now = _app(), get_repos(), utcnow()
    queued = ev.evaluate_all(repos, current_user, interview_id, now, submitter(app), job_timeout(app))
    interview = repos.interviews.get(interview_id)
    if not wants_fragment() or _hidden_from_rater(interview):
        flash(f"AI evaluation requested for {len(queued)} answers.", "info")
        return redirect_to(url_for("hr.interview", interview_id=interview_id))
    responses = repos.responses.for_interview(interview_id)
    return render_template("hr/_ai_toolbar.html", interview=interview, responses=responses,
                           p=svc.progress(repos, interview, responses), oob_slots=True, queued_count=len(queued))


@bp.get("/agreement")
def agreement():
    """How closely HR's scores follow the AI's proposals: Pearson r, mean absolute difference, n. The
    reliability figures (bootstrap intervals: the costly part) load after the page, from the next route."""
    report = ev.agreement_report(get_repos(), current_user, utcnow())
    return render_template("hr/agreement.html", report=report)


@bp.get("/agreement/reliability")
def agreement_reliability():
    """Reliability: the AI against HR's final scores, and the panels' inter-rater reliability per
    competency and per rater, each overall and by month. A fragment for the agreement page's lazy
    section; a page of its own without JavaScript."""
    repos, now = get_repos(), utcnow()
    return render("hr/agreement_reliability.html", "hr/_agreement_reliability.html",
                  reliability=ev.ai_reliability(repos, current_user, now),
                  panels=panel_service.reliability_of_ratings(repos, current_user))


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
