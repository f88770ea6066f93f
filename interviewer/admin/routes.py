import json

from flask import abort, current_app, flash, render_template, request, url_for
from flask_login import current_user

from .. import params
from ..db import get_repos
from ..errors import ValidationError
from ..forms import apply_errors, page_number
from ..htmx import redirect_to, render, wants_fragment
from ..models import CANDIDATE_STATUSES, ROLES, Page
from ..services import questions as question_service
from ..services import users as user_service
from . import bp
from .forms import QuestionForm, StaffForm


def _user_filters() -> dict:
    active = request.args.get("active", "")
    return {
        "query": params.search_text(request.args.get("q")),
        "role": request.args.get("role") if request.args.get("role") in ROLES else None,
        "status": request.args.get("status") if request.args.get("status") in CANDIDATE_STATUSES else None,
        "active": {"yes": True, "no": False}.get(active),
    }


def _row(user, error: str | None = None, status: int = 200):
    html = render_template("admin/_user_row.html", user=user, **_hr_picker(get_repos()), row_error=error)
    return html, status, {"HX-Trigger": "users-changed"}


def _changed(user, message: str):
    """After an inline change: the row for htmx, else a flash and the list again."""
    if wants_fragment():
        return _row(user)
    flash(message, "success")
    return redirect_to(url_for("admin.users"))


def _hr_picker(repos) -> dict:
    """The HR users a candidate can be assigned to, and every HR user's name (one query)."""
    hr = repos.users.list(role="hr")
    return {"hr_users": [u for u in hr if u.active], "hr_names": {u.id: u.name for u in hr}}


@bp.get("/users")
def users():
    """List, search and filter accounts."""
    return render("admin/users.html", "admin/_users_table.html", **_users_context(StaffForm(), request.args))


def _users_context(form: StaffForm, filters) -> dict:
    """What the users page shows: the filtered list and the HR picker; the stats and the staff
    form only for the whole page (a filter's htmx swap needs the table alone)."""
    repos = get_repos()
    page = repos.users.search(**_user_filters(), page=page_number(), per_page=20)
    context = dict(page=page, filters=filters, **_hr_picker(repos))
    if not wants_fragment():
        context.update(stats=user_service.stats(repos), form=form)
    return context


@bp.get("/stats")
def stats():
    """The stats panel alone (refreshed after every change)."""
    return render_template("admin/_stats.html", stats=user_service.stats(get_repos()))


@bp.post("/users")
def create_user():
    """Create an HR or admin account."""
    repos = get_repos()
    form = StaffForm()
    if form.validate_on_submit():
        from ..clock import utcnow

        try:
            if form.password.data:
                user = user_service.create_user(repos, form.email.data, form.name.data, form.password.data,
                                                form.role.data, actor=current_user)
            else:
                user = user_service.invite_staff(repos, form.email.data, form.name.data, form.role.data, utcnow(),
                                                 actor=current_user)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            flash(f"Created {user.role} account for {user.email}." + (
                "" if form.password.data else " An e-mail with a link to choose a password is queued (see the outbox)."),
                "success")
            return redirect_to(url_for("admin.users"))
    if wants_fragment():
        return render_template("admin/_staff_form.html", form=form), 422
    return render_template("admin/users.html", **_users_context(form, {})), 422


@bp.post("/users/<user_id>/assign")
def assign(user_id: str):
    """Assign a candidate to the chosen HR user (inline)."""
    repos = get_repos()
    try:
        user = user_service.assign(repos, user_id, request.form.get("hr_id", ""), actor=current_user)
    except ValidationError as exc:
        return _row(user_service.get_candidate(repos, user_id), exc.message, 422)
    return _changed(user, f"{user.name} is assigned.")


@bp.post("/users/<user_id>/unassign")
def unassign(user_id: str):
    """Unassign a candidate (inline)."""
    user = user_service.unassign(get_repos(), user_id, actor=current_user)
    return _changed(user, f"{user.name} is unassigned.")


@bp.post("/users/<user_id>/active")
def set_active(user_id: str):
    """Deactivate or reactivate an account (inline)."""
    active = request.form.get("active") == "1"
    user = user_service.set_active(get_repos(), user_id, active, current_user.id)
    return _changed(user, f"{user.name} is {'reactivated' if active else 'deactivated'}.")


@bp.post("/users/<user_id>/sessions/end")
def sign_out_everywhere(user_id: str):
    """End every browser session and revoke every API token of an account (inline); the admin's own
    too if it is theirs."""
    ended = user_service.sign_out_everywhere(get_repos(), user_id, current_user.id)
    user = get_repos().users.get(user_id)
    return _changed(user, f"{user.name} is signed out everywhere ({ended} session{'' if ended == 1 else 's'} ended, "
                          "API tokens revoked).")


@bp.get("/questions")
def questions():
    """The question bank, with inline editing."""
    items = get_repos().questions.list(enabled=None)
    return render_template("admin/questions.html", questions=items, form=QuestionForm())


@bp.post("/questions")
def add_question():
    """Add a question to the bank."""
    form = QuestionForm()
    if form.validate_on_submit():
        try:
            question = question_service.add(get_repos(), form.data, actor=current_user)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            flash(f"Added question “{question.text[:60]}”.", "success")
            return redirect_to(url_for("admin.questions"))
    if wants_fragment():
        return render_template("admin/_question_form.html", form=form), 422
    return render_template("admin/questions.html", questions=get_repos().questions.list(enabled=None),
                           form=form), 422


@bp.get("/questions/<question_id>")
def question_row(question_id: str):
    """One bank row, read-only (used by Cancel)."""
    return render_template("admin/_question_row.html", q=question_service.get(get_repos(), question_id))


@bp.get("/questions/<question_id>/edit")
def edit_question(question_id: str):
    """One bank row as an edit form."""
    question = question_service.get(get_repos(), question_id)
    form = QuestionForm(data=question_service.form_fields(question))
    return render_template("admin/_question_edit.html", q=question, form=form)


@bp.post("/questions/<question_id>")
def update_question(question_id: str):
    """Save an edited bank row."""
    repos = get_repos()
    question = question_service.get(repos, question_id)
    form = QuestionForm()
    if form.validate_on_submit():
        try:
            question = question_service.update(repos, question_id, form.data, actor=current_user)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            if not wants_fragment():
                return redirect_to(url_for("admin.questions"))
            return render_template("admin/_question_row.html", q=question)
    return render_template("admin/_question_edit.html", q=question, form=form), 422


@bp.post("/questions/<question_id>/enabled")
def toggle_question(question_id: str):
    """Disable or re-enable a bank question."""
    question = question_service.set_enabled(get_repos(), question_id, request.form.get("enabled") == "1",
                                            actor=current_user)
    if not wants_fragment():
        return redirect_to(url_for("admin.questions"))
    return render_template("admin/_question_row.html", q=question)


@bp.get("/outbox")
def outbox():
    """Every e-mail the app queued, newest first: queued, sent, kept (no MAIL_URL), failed, dropped."""
    from ..repositories.outbox import STATES

    repos = get_repos()
    state = request.args.get("state") if request.args.get("state") in STATES else None
    rows, more = repos.outbox.page(state, page_number(), 50)
    return render_template("admin/outbox.html", rows=rows, pages=Page(rows, page_number(), 50, None, more), state=state,
                           counts=repos.outbox.counts(), mail_url=bool(current_app.config.get("MAIL_URL")))


@bp.get("/outbox/<message_id>")
def outbox_message(message_id: str):
    """One message as it was (or will be) sent; links that sign someone in are not shown."""
    message = get_repos().outbox.get(message_id)
    if message is None:
        abort(404)
    return render_template("admin/outbox_message.html", message=message)


@bp.post("/outbox/<message_id>/resend")
def outbox_resend(message_id: str):
    """Queue a failed or dropped message again."""
    from ..clock import utcnow
    from ..services import outbox as outbox_service

    try:
        outbox_service.resend(get_repos(), message_id, utcnow(), actor=current_user)
    except ValidationError as exc:
        flash(exc.message, "error")
    else:
        flash("The message is queued again.", "success")
    return redirect_to(url_for("admin.outbox_message", message_id=message_id))


def _audit_filters() -> tuple[dict, dict[str, str]]:
    """The audit page's filters from the query string, and the errors of values it could not read."""
    from datetime import UTC, datetime, time, timedelta

    args, errors = request.args, {}
    filters: dict = {"action": (args.get("action") or "").strip()[:60] or None,
                     "object_id": (args.get("object") or "").strip()[:60] or None}
    email = (args.get("actor") or "").strip()[:254]
    if email:
        actor = get_repos().users.by_email(email)
        filters["actor"] = actor.audit_ref if actor else "-"  # nobody: no event matches
    days = {}
    for name, value in (("from", args.get("from")), ("to", args.get("to"))):
        try:
            days[name] = params.day(value, name)  # years MIN_YEAR..MAX_YEAR: the day after cannot overflow
        except ValidationError as exc:
            errors.update(exc.details)
    if days.get("from"):
        filters["start"] = datetime.combine(days["from"], time(), UTC)
    if days.get("to"):
        filters["end"] = datetime.combine(days["to"], time(), UTC) + timedelta(days=1)  # "to" includes its whole day
    return filters, errors


@bp.get("/audit")
def audit():
    """Search the audit trail (actor e-mail, action, object id, dates), newest first."""
    from ..services import audit as audit_service

    repos = get_repos()
    filters, errors = _audit_filters()
    rows, more = repos.audit.search(**filters, page=page_number(), per_page=50) if not errors else ([], False)
    people = repos.users.by_audit_refs(e["actor"] for e in rows)
    lines = [(e, audit_service.describe(e, people)) for e in rows]
    return render_template("admin/audit.html", lines=lines, pages=Page(rows, page_number(), 50, None, more),
                           args=request.args, errors=errors), 422 if errors else 200


@bp.get("/audit.csv")
def audit_csv():
    """The events the filters select, as CSV (newest first); the export itself is recorded."""
    import csv
    import io

    from flask import Response

    from ..clock import utcnow
    from ..services import audit as audit_service

    repos = get_repos()
    filters, errors = _audit_filters()
    if errors:
        raise ValidationError("Check the dates: " + " ".join(f"{name.title()}: {message}"
                                                           for name, message in errors.items()), errors)
    audit_service.record(repos, current_user, "audit.export", "audit", None, utcnow(),
                         after={k: v for k, v in filters.items() if v and k != "actor"})

    def rows():
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["seq", "at", "actor", "actor_role", "action", "object_type", "object_id", "interview_id",
                         "before", "after", "reason", "hash"])
        page = 1
        while True:
            events, more = repos.audit.search(**filters, page=page, per_page=100)
            for e in events:
                writer.writerow([e["seq"], e["at"].isoformat() if e["at"] else "", e["actor"] or "", e["actor_role"],
                                 e["action"], e["object_type"], e["object_id"] or "", e["interview_id"] or "",
                                 json.dumps(e["before"]), json.dumps(e["after"]), e["reason"], e["hash"]])
            yield out.getvalue()
            out.seek(0)
            out.truncate()
            if not more:
                return
            page += 1

    return Response(rows(), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="audit.csv"'})


@bp.route("/users/<user_id>/erase", methods=["GET", "POST"])
def erase(user_id: str):
    """Erase a candidate and everything about them, after a confirmation listing what goes."""
    from ..clock import utcnow
    from ..services import privacy

    repos = get_repos()
    user = repos.users.get(user_id)
    plan = privacy.erasure_plan(repos, user_id)  # NotFound / ValidationError before anything else
    error = None
    if request.method == "POST":
        if (request.form.get("confirm") or "").strip().lower() != user.email.lower():
            error = "Type the candidate's e-mail address exactly to confirm."
        else:
            gone = privacy.erase_candidate(repos, current_user, user_id, utcnow())
            flash(f"Erased: {', '.join(f'{n} {kind}' for kind, n in gone.items() if n)}.", "success")
            return redirect_to(url_for("admin.users"))
    return render_template("admin/erase.html", user=user, plan=plan, error=error), 422 if error else 200


@bp.route("/ai-notice", methods=["GET", "POST"])
def ai_notice():
    """The notice candidates read before their first interview: publish a new version."""
    from ..clock import utcnow
    from ..services import consent

    repos = get_repos()
    errors: dict = {}
    text = None
    if request.method == "POST":
        text = request.form.get("text", "")
        try:
            version = consent.publish(repos, current_user, text, utcnow())
        except ValidationError as exc:
            errors = exc.details or {"text": exc.message}
        else:
            flash(f"Version {version} of the notice is in force: every candidate reads it before their next answer.",
                  "success")
            return redirect_to(url_for("admin.ai_notice"))
    notice = consent.current_notice(repos)
    return render_template("admin/ai_notice.html", notice=notice, text=notice["text"] if text is None else text,
                           errors=errors), 422 if errors else 200


def _impact_report():
    from ..clock import utcnow
    from ..services import demographics, impact

    repos = get_repos()
    categories = demographics.categories_from(current_app.config.get("SELF_ID_CATEGORIES"))
    records = impact.records_for(repos, current_user, utcnow())
    report = impact.impact_report(records, dimensions=list(categories), categories=categories,
                                  min_group=max(1, int(current_app.config.get("IMPACT_MIN_GROUP") or impact.MIN_GROUP)))
    return report, categories


@bp.get("/impact")
def impact():
    """Adverse impact: selection and scoring rates per self-identified group, with impact ratios."""
    from ..services import demographics
    from ..services import impact as impact_service

    report, categories = _impact_report()
    return render_template("admin/impact.html", report=report, measures=impact_service.MEASURES,
                           label=demographics.label, categories=categories)


@bp.get("/impact.csv")
def impact_csv():
    """The adverse impact report as CSV (aggregates only; the export itself is recorded)."""
    import csv
    import io

    from flask import Response

    from ..clock import utcnow
    from ..hr.routes import csv_cell
    from ..services import audit as audit_service
    from ..services import impact as impact_service

    report, _ = _impact_report()
    audit_service.record(get_repos(), current_user, "impact.export", "impact", None, utcnow(),
                         after={"records": report.n_records, "min_group": report.min_group})
    out = io.StringIO()
    writer = csv.writer(out)
    for row in impact_service.csv_rows(report):
        writer.writerow([csv_cell(c) for c in row])
    # A byte-order mark first, as the results export: Excel then reads the file as UTF-8.
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="adverse-impact.csv"'})
