"""HR pages for competencies (BARS) and interview templates, and scheduling from a template.

Every form is a real form (post/redirect/get); the template editor's buttons (add a question, one
from the bank, generated ones, remove one, refresh the competency links) post the whole form back
and get it redrawn with nothing stored, so it works without JavaScript; htmx only swaps the result.
"""
from __future__ import annotations

import re

from flask import current_app, flash, render_template, request, url_for
from flask_login import current_user

from .. import params
from ..ai import generation_provider
from ..clock import utcnow
from ..db import get_repos
from ..errors import Conflict, DomainError, ValidationError
from ..forms import page_number
from ..htmx import redirect_to, render
from ..services import competencies as comp_service
from ..services import interviews as interview_service
from ..services import questions as question_service
from ..services import templates as tpl_service
from . import bp

COMPETENCY_CHOICES = 100  # the editor offers this many competencies (by name), plus the template's own
QUESTION_FIELDS = ("id", "text", "category", "difficulty", "tags", "reference_answer", "key_points", "source")
_QUESTION_KEY = re.compile(r"q-(\d{1,3})-text")


def _field_errors(exc: DomainError) -> dict:
    details = exc.details if isinstance(exc.details, dict) else {}
    return {**{k: str(v) for k, v in details.items()}, "_form": exc.message}


# --- competencies ---------------------------------------------------------------------------------

def _competency_form() -> dict:
    form = request.form
    return {"name": form.get("name", ""), "description": form.get("description", ""),
            "anchors": [form.get(comp_service.anchor_field(level), "") for level in comp_service.SCALE]}


def _competency_page(values: dict, competency=None, errors: dict | None = None, status: int = 200):
    editable = competency is None or comp_service.may_edit(current_user, competency)
    return render_template("hr/competency.html", values=values, competency=competency, errors=errors or {},
                           scale=comp_service.SCALE, editable=editable), status


@bp.get("/competencies")
def competencies():
    """Every competency with its five behavioural anchors, by name, a page at a time."""
    page = comp_service.list_page(get_repos(), current_user, page_number(), 20)
    return render_template("hr/competencies.html", page=page)


@bp.get("/competencies/new")
def new_competency():
    """The form for a new competency."""
    return _competency_page({"name": "", "description": "", "anchors": [""] * 5})


@bp.post("/competencies")
def create_competency():
    """Create a competency from the form."""
    values = _competency_form()
    try:
        made = comp_service.create(get_repos(), current_user, values, utcnow())
    except DomainError as exc:
        return _competency_page(values, None, _field_errors(exc), exc.status)
    flash(f"Competency “{made.name}” created.", "success")
    return redirect_to(url_for("hr.competencies"))


@bp.get("/competencies/<competency_id>")
def competency(competency_id: str):
    """One competency's edit form."""
    found = comp_service.get(get_repos(), current_user, competency_id)
    return _competency_page(comp_service.current_values(found), found)


@bp.post("/competencies/<competency_id>")
def update_competency(competency_id: str):
    """Save an edit, if nobody saved one since the form was read (else 409 with the current values)."""
    repos = get_repos()
    found = comp_service.get(repos, current_user, competency_id)
    values = _competency_form()
    version = params.integer(request.form.get("version"), 0, 10**9)
    try:
        saved = comp_service.update(repos, current_user, competency_id, values, version, utcnow())
    except Conflict as exc:
        current = repos.competencies.get(competency_id) or found
        return _competency_page(comp_service.current_values(current), current, {"_form": exc.message}, 409)
    except DomainError as exc:
        # The version the form was read at stays: a stale form fixed and sent again is still refused (409).
        return _competency_page({**values, "version": request.form.get("version", "")[:12]}, found,
                                _field_errors(exc), exc.status)
    flash(f"Competency “{saved.name}” saved.", "success")
    return redirect_to(url_for("hr.competencies"))


@bp.post("/competencies/<competency_id>/copy")
def copy_competency(competency_id: str):
    """Copy a competency under a new name, then open the copy for editing."""
    made = comp_service.copy(get_repos(), current_user, competency_id, utcnow())
    flash(f"Copied as “{made.name}”: rename it and adjust its anchors.", "success")
    return redirect_to(url_for("hr.competency", competency_id=made.id))


# --- templates ----------------------------------------------------------------------------------

def _template_form() -> dict:
    """The editor's fields as the service takes them (questions in the order of their numbers)."""
    form = request.form
    numbers = sorted({int(m.group(1)) for key in form for m in [_QUESTION_KEY.fullmatch(key)] if m})
    questions = []
    for n in numbers[: tpl_service.MAX_QUESTIONS + 1]:
        item = {name: form.get(f"q-{n}-{name}", "") for name in QUESTION_FIELDS}
        item["competency_ids"] = form.getlist(f"q-{n}-competency")
        questions.append(item)
    values = {"name": form.get("name", ""), "job_title": form.get("job_title", ""),
              "job_description": form.get("job_description", ""), "window_hours": form.get("window_hours", ""),
              "competency_ids": form.getlist("competency_ids"), "questions": questions,
              "require_evidence": form.get("require_evidence", "")}
    if "version" in form:  # a redrawn or refused form keeps the version it was read at, never the stored one
        values["version"] = form.get("version", "")[:12]
    return values


def _as_form(template) -> dict:
    values = tpl_service.current_values(template)
    values["questions"] = [{**question_service.form_fields(q), "competency_ids": list(q.competency_ids)}
                           for q in template.questions]
    return values


def _blank_question(competency_ids: list[str]) -> dict:
    return {"id": interview_service.new_question_id(), "text": "", "category": "technical", "difficulty": "3",
            "tags": "", "reference_answer": "", "key_points": "", "source": "custom",
            "competency_ids": list(competency_ids)}


def _apply_op(values: dict, op: str) -> tuple[dict, str]:
    """Add (blank, from the bank, generated), remove, or just redraw; returns the values and a notice."""
    name, _, arg = op.partition(":")
    questions, chosen, notice = values["questions"], values["competency_ids"], ""
    if name == "remove":
        index = params.int_param(arg, 1, max(1, len(questions)), "questions",
                                 "That button does not belong to this form: nothing was changed.")
        if index <= len(questions):
            questions.pop(index - 1)
    elif name == "add":
        questions.append(_blank_question(chosen))
    elif name == "bank":
        found = get_repos().questions.get(request.form.get("bank_pick", ""))
        if found is None or not found.enabled:
            raise ValidationError("Pick a question from the bank.", {"bank_pick": "Pick a question from the bank."})
        questions.append({**question_service.form_fields(interview_service.question_from_bank(found)),
                          "competency_ids": list(chosen)})
    elif name == "find":  # the page is drawn again offering the competencies whose name matches
        pass
    elif name == "generate":
        count = params.int_param(request.form.get("generate_count"), 1, 10, "generate_count")
        provider = generation_provider(current_app.config)
        drafted, notice = tpl_service.generate_questions(get_repos(), provider, values["job_title"],
                                                         values["job_description"], count, chosen)
        questions.extend(drafted)
    values["questions"] = questions[: tpl_service.MAX_QUESTIONS]
    return values, notice


def _template_page(values: dict, template=None, errors: dict | None = None, status: int = 200, notice: str = ""):
    repos = get_repos()
    wanted = params.search_text(request.form.get("competency_q") or request.args.get("competency_q"))
    listed = repos.competencies.page(1, COMPETENCY_CHOICES)
    offered = repos.competencies.search(wanted, COMPETENCY_CHOICES) if wanted else listed.items
    known = {c.id for c in offered}
    chosen = values.get("competency_ids", [])[: tpl_service.MAX_COMPETENCIES]  # more is refused anyway
    extra = repos.competencies.by_ids(i for i in chosen if i not in known)
    offered = offered + [c for c in extra.values() if c is not None]
    names = {c.id: c.name for c in offered}
    return render_template("hr/template_edit.html", values=values, template=template, errors=errors or {},
                           notice=notice, competencies=offered, names=names, competency_q=wanted,
                           more_competencies=listed.total > COMPETENCY_CHOICES, choices=COMPETENCY_CHOICES,
                           bank=repos.questions.list(enabled=True), max_window=tpl_service.WINDOW_HOURS[1]), status


def _save_template(template=None):
    values = _template_form()
    op = request.form.get("op", "")
    if op:
        try:
            values, notice = _apply_op(values, op)
        except ValidationError as exc:
            return _template_page(values, template, _field_errors(exc), exc.status)
        return _template_page(values, template, notice=notice)
    repos, now = get_repos(), utcnow()
    try:
        if template is None:
            saved = tpl_service.create(repos, current_user, values, now)
        else:
            version = params.integer(request.form.get("version"), 0, 10**9)
            saved = tpl_service.update(repos, current_user, template.id, values, version, now)
    except Conflict as exc:
        current = repos.templates.get(template.id) or template
        return _template_page(_as_form(current), current, {"_form": exc.message}, 409)
    except DomainError as exc:
        return _template_page(values, template, _field_errors(exc), exc.status)
    flash(f"Template “{saved.name}” saved.", "success")
    return redirect_to(url_for("hr.template", template_id=saved.id))


@bp.get("/templates")
def templates():
    """My interview templates (an admin: everyone's), newest first, a page at a time; `?archived=1` the archived."""
    archived = request.args.get("archived") == "1"
    page = tpl_service.list_page(get_repos(), current_user, archived, page_number(), 20)
    return render_template("hr/templates.html", page=page, archived=archived)


@bp.get("/templates/new")
def new_template():
    """The editor for a new template, with one blank question."""
    return _template_page({"name": "", "job_title": "", "job_description": "", "window_hours": "72",
                           "competency_ids": [], "questions": [_blank_question([])]})[0]


@bp.post("/templates")
def create_template():
    """Create a template (or redraw the editor after one of its buttons)."""
    return _save_template()


@bp.get("/templates/<template_id>")
def template(template_id: str):
    """One template in the editor."""
    found = tpl_service.visible(get_repos(), current_user, template_id)
    return _template_page(_as_form(found), found)[0]


@bp.post("/templates/<template_id>")
def update_template(template_id: str):
    """Save an edit (compare-and-set: a stale form gets 409 with the current values), or redraw the editor."""
    return _save_template(tpl_service.visible(get_repos(), current_user, template_id))


@bp.post("/templates/<template_id>/copy")
def copy_template(template_id: str):
    """Copy the template (its questions and competencies) and open the copy."""
    made = tpl_service.copy(get_repos(), current_user, template_id, utcnow())
    flash(f"Copied as “{made.name}”.", "success")
    return redirect_to(url_for("hr.template", template_id=made.id))


@bp.post("/templates/<template_id>/archive")
def archive_template(template_id: str):
    """Archive the template (`archived=0` brings it back)."""
    archived = request.form.get("archived", "1") != "0"
    version = params.integer(request.form.get("version"), 0, 10**9)
    made = tpl_service.set_archived(get_repos(), current_user, template_id, archived, version, utcnow())
    flash(f"Template “{made.name}” {'archived' if made.archived else 'restored'}.", "success")
    return redirect_to(url_for("hr.templates", archived="1" if made.archived else None))


# --- scheduling from a template -----------------------------------------------------------------------

CANDIDATE_CHOICES = 100  # candidates offered at once by the bulk form (a search narrows them)


def _bulk_context(template, errors: dict | None = None) -> dict:
    form = request.form if request.method == "POST" else request.args
    search = params.search_text(form.get("candidate_q"))
    found = interview_service.find_schedulable(get_repos(), current_user, search, CANDIDATE_CHOICES)
    batch_id = form.get("batch_id", "")
    picked = list(dict.fromkeys(form.getlist("candidate_ids")))[: tpl_service.MAX_BULK]
    people = get_repos().users.by_ids(picked) if picked else {}
    # Ticked ones stay ticked whatever the search: only those `current_user` may schedule are shown.
    kept = [p for p in (people.get(i) for i in picked) if p is not None and p.role == "candidate"
            and (current_user.role == "admin" or p.hr_id == current_user.id)]
    return dict(template=template, values=form, errors=errors or {}, zones=params.zone_names(),
                tz=form.get("tz") or "UTC", search=search, found=found, picked={p.id for p in kept}, kept=kept,
                batch_id=batch_id if len(batch_id) == 24 else tpl_service.new_batch_id())


@bp.get("/templates/<template_id>/schedule")
def template_schedule(template_id: str):
    """The bulk form: an opening time and any number of my candidates (htmx: just the candidate list, for a search)."""
    found = tpl_service.visible(get_repos(), current_user, template_id)
    return render("hr/template_schedule.html", "hr/_template_candidates.html", **_bulk_context(found))


@bp.post("/templates/<template_id>/schedule")
def schedule_from_template(template_id: str):
    """Schedule every picked candidate from the template; the page reports each one's outcome.

    Sent twice (a double click, a reload), the same `batch_id` makes nothing twice. The Search button
    (`op=search`) only redraws the form with every value kept. An opening time that
    a daylight-saving change makes missing or double is said beside the field first, nothing stored:
    sending the form again as it is (it then carries `time_confirmed`) schedules at the time named."""
    repos, now = get_repos(), utcnow()
    found = tpl_service.visible(repos, current_user, template_id)
    if request.form.get("op") == "search":  # the Search button without JavaScript: the form back, values kept
        return render_template("hr/template_schedule.html", **_bulk_context(found))
    form, errors, starts_at, status, note = request.form, {}, None, 422, None
    try:
        tz = params.zone(form.get("tz"))
        if form.get("starts_at"):
            starts_at = params.local_datetime(form.get("starts_at"), tz, "starts_at")
            note = params.local_time_note(form.get("starts_at"), tz)
    except ValidationError as exc:
        errors = _field_errors(exc)
    if note and form.get("time_confirmed") != form.get("starts_at"):
        errors = {"starts_at": note, "_form": "Check the opening time, then send the form again to schedule."}
        return render_template("hr/template_schedule.html", time_confirmed=form.get("starts_at"),
                               **_bulk_context(found, errors)), 422
    if not errors:
        try:
            result = tpl_service.schedule(repos, current_user, found.id, starts_at, form.getlist("candidate_ids"),
                                          now, form.get("batch_id", ""))
        except DomainError as exc:
            errors, status = _field_errors(exc), exc.status
        else:
            code = 201 if result.created else 200
            return render_template("hr/template_scheduled.html", result=result, time_note=note), code
    return render_template("hr/template_schedule.html", **_bulk_context(found, errors)), status
