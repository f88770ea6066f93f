"""Panels with independent ratings (services/panels.py): the panel section of the HR interview page,
the rating page of each rater, all ratings side by side once a rater has submitted, and the outcome.

Rating forms are real forms (post/redirect/get without JavaScript); htmx autosaves the draft on every
change and swaps in just the save status and the new version (`hx-sync` keeps saves in order).
"""
from __future__ import annotations

from flask import flash, render_template, request, url_for
from flask_login import current_user

from ..clock import utcnow
from ..db import get_repos
from ..errors import Conflict, DomainError, ValidationError
from ..forms import page_number
from ..htmx import redirect_to, wants_fragment
from ..models import Interview
from ..services import panels
from . import bp


def panel_context(interview: Interview) -> dict:
    """What the HR interview page needs of the panel (services/panels.py's blind rule decides
    `panel_blind`): members with their status, HR users who could join, the outcome choices."""
    repos = get_repos()
    owner_view = current_user.role == "admin" or current_user.id == interview.hr_id
    mine = repos.panels.get(interview.id, current_user.id) if panels.is_rater(current_user, interview) else None
    return dict(panel_members=panels.members(repos, interview) if owner_view else [],
                panel_choices=panels.candidates_for_panel(repos, interview) if owner_view else [],
                panel_blind=panels.blind(repos, current_user, interview, mine), my_rating=mine,
                panel_rater=panels.is_rater(current_user, interview), outcomes=panels.OUTCOMES,
                panel_owner_view=owner_view)


def _items_from_form(interview: Interview) -> list[dict]:
    """The pairs the form sent (`rating.<question>.<competency>`, `evidence.<question>.<competency>`)."""
    form, items = request.form, []
    for pair in panels.pairs(interview):
        rating, evidence = form.get(f"rating.{pair.key}"), form.get(f"evidence.{pair.key}")
        if rating is not None or evidence is not None:
            items.append({"question_id": pair.question_id, "competency_id": pair.competency_id,
                          "rating": rating or None, "evidence": evidence or ""})
    return items


def _rating_page(interview, rating, status: int = 200, errors: dict | None = None, message: str = ""):
    """The rater's form (a draft) or, once submitted, every rating side by side."""
    repos = get_repos()
    answers = {qid: r.answer for qid, r in repos.responses.for_interview(interview.id).items()}
    board = None
    if rating is None or rating.submitted:
        board = panels.board(repos, current_user, interview.id, utcnow())[1]
    sent = request.form if errors else None
    return render_template("hr/panel_rating.html", interview=interview, rating=rating, pairs=panels.pairs(interview),
                           answers=answers, board=board, errors=errors or {}, message=message, sent=sent,
                           members=panels.members(repos, interview)), status


@bp.get("/panels")
def panel_list():
    """The interviews I rate on a panel (or own and rate), newest first, with where my rating is."""
    found = panels.rated_by(get_repos(), current_user, page_number())
    return render_template("hr/panel_list.html", page=found)


@bp.get("/interviews/<interview_id>/rating")
def panel_rating(interview_id: str):
    """My rating form for the interview (a draft), or all ratings side by side once I submitted (admins:
    always the side-by-side view; they do not rate)."""
    repos, now = get_repos(), utcnow()
    interview = panels.viewable(repos, current_user, interview_id, now)
    rating = repos.panels.ensure(interview.id, current_user.id, now) if panels.is_rater(current_user, interview) \
        else None
    if rating is None and current_user.role != "admin":
        raise Conflict("Only the raters of an interview rate it.")
    return _rating_page(interview, rating)


@bp.post("/interviews/<interview_id>/rating")
def panel_save(interview_id: str):
    """Save my draft: htmx gets the save status (and the new version) back; a plain post returns to the form."""
    repos, now = get_repos(), utcnow()
    interview = panels.viewable(repos, current_user, interview_id, now)
    try:
        rating = panels.save_draft(repos, current_user, interview.id, _items_from_form(interview),
                                   request.form.get("version"), now)
    except DomainError as exc:
        errors = exc.details if isinstance(exc, ValidationError) and isinstance(exc.details, dict) else {}
        if wants_fragment():
            current = repos.panels.get(interview.id, current_user.id)
            return render_template("hr/_panel_save_status.html", rating=current, errors=errors,
                                   message=exc.message), exc.status
        current = repos.panels.get(interview.id, current_user.id) if panels.is_rater(current_user, interview) else None
        if current is None:
            raise
        return _rating_page(interview, current, exc.status, errors, exc.message)
    if wants_fragment():
        return render_template("hr/_panel_save_status.html", rating=rating, errors={}, message="")
    flash("Draft saved.", "success")
    return redirect_to(url_for("hr.panel_rating", interview_id=interview.id))


@bp.post("/interviews/<interview_id>/rating/submit")
def panel_submit(interview_id: str):
    """Submit my rating (what the form holds): read-only from now on; then every rating is shown."""
    repos, now = get_repos(), utcnow()
    interview = panels.viewable(repos, current_user, interview_id, now)
    try:
        panels.submit(repos, current_user, interview.id, _items_from_form(interview), request.form.get("version"), now)
    except DomainError as exc:
        current = repos.panels.get(interview.id, current_user.id) if panels.is_rater(current_user, interview) else None
        if current is None:
            raise
        if current.submitted:  # a second click, or another tab: it is submitted, which is what was asked
            flash("Your rating was submitted already.", "info")
            return redirect_to(url_for("hr.panel_rating", interview_id=interview.id))
        errors = exc.details if isinstance(exc, ValidationError) and isinstance(exc.details, dict) else {}
        return _rating_page(interview, current, exc.status, errors, exc.message)
    flash("Rating submitted. Here are all the ratings submitted so far.", "success")
    return redirect_to(url_for("hr.panel_rating", interview_id=interview.id))


def _interview_page(interview_id: str, status: int, errors: dict):
    """The HR interview page again, with the panel form's (or the outcome form's) errors beside it."""
    from .routes import _history, _interview_context

    repos, now = get_repos(), utcnow()
    item = panels.owned(repos, current_user, interview_id, now)
    ctx = {**_interview_context(item, now), "panel_errors": errors}
    if wants_fragment():
        return render_template("hr/_panel_section.html", **ctx), status
    return render_template("hr/interview.html", **ctx, history=_history(repos, item.id)), status


def _panel_reply(interview_id: str, message: str):
    if wants_fragment():
        return _interview_page(interview_id, 200, {})
    flash(message, "success")
    return redirect_to(url_for("hr.interview", interview_id=interview_id) + "#panel")


@bp.post("/interviews/<interview_id>/panel")
def panel_add(interview_id: str):
    """Add an HR user to the interview's panel (its owner or an admin)."""
    try:
        interview = panels.add_member(get_repos(), current_user, interview_id, request.form.get("rater_id", ""),
                                      utcnow())
    except (ValidationError, Conflict) as exc:
        field = "rater_id" if isinstance(exc, ValidationError) else "_form"
        return _interview_page(interview_id, exc.status, {field: exc.message})
    return _panel_reply(interview.id, "Added to the panel.")


@bp.post("/interviews/<interview_id>/panel/<rater_id>/remove")
def panel_remove(interview_id: str, rater_id: str):
    """Take a member off the panel (an empty draft goes with them); refused beside the panel, nothing
    changed, for a submitted rating or a draft in progress."""
    try:
        interview = panels.remove_member(get_repos(), current_user, interview_id, rater_id, utcnow())
    except Conflict as exc:
        return _interview_page(interview_id, exc.status, {"_form": exc.message})
    return _panel_reply(interview.id, "Removed from the panel.")


@bp.post("/interviews/<interview_id>/outcome")
def panel_outcome(interview_id: str):
    """Record the final decision: advance, reject, hire or withdrawn (HR only; never shown to the candidate)."""
    try:
        interview = panels.record_outcome(get_repos(), current_user, interview_id, request.form.get("outcome"),
                                          request.form.get("seen"), utcnow())
    except (ValidationError, Conflict) as exc:
        return _interview_page(interview_id, exc.status, {"outcome": exc.message})
    return _panel_reply(interview.id, f"Outcome recorded: {interview.outcome}.")
