import csv
import io
from dataclasses import replace
from datetime import datetime

from flask import Response as FlaskResponse
from flask import current_app, flash, render_template, request, stream_with_context, url_for
from flask_login import current_user

from .. import params
from ..ai import generation_provider
from ..clock import utcnow
from ..db import get_repos
from ..errors import Conflict, DomainError, ValidationError
from ..forms import page_number
from ..htmx import redirect_to, render, wants_fragment
from ..models import COMPLETED, EVALUATED, INTERVIEW_STATUSES
from ..repositories.base import oid
from ..services import interviews as svc
from ..services import questions as question_service
from ..services import resumes
from . import bp

DRAFT_FIELDS = ("id", "text", "category", "difficulty", "tags", "reference_answer", "key_points", "source")


def row_url(interview_id: str, question_id: str) -> str:
    """The interview page scrolled to one answer's row."""
    return url_for("hr.interview", interview_id=interview_id) + f"#row-{question_id}"


@bp.get("/interviews")
def interviews():
    """Interviews I may see, filtered, sorted by start and paginated; live progress for those in progress."""
    repos, now = get_repos(), utcnow()
    status = request.args.get("status", "")
    page = svc.list_for(
        repos, current_user, now,
        statuses=[status] if status in INTERVIEW_STATUSES else None,
        candidate_id=request.args.get("candidate_id", "")[:40],
        candidate=params.search_text(request.args.get("candidate")),
        job_title=params.search_text(request.args.get("job_title")),
        sort_desc=request.args.get("sort", "desc") != "asc",
        page=page_number(),
    )
    people = repos.users.by_ids(i.candidate_id for i in page.items)
    progress = svc.progress_of_page(repos, page.items)
    return render("hr/interviews.html", "hr/_interviews_table.html", page=page, people=people, progress=progress,
                  filters=request.args, statuses=INTERVIEW_STATUSES, now=now)


@bp.get("/interviews/<interview_id>/progress")
def progress(interview_id: str):
    """One interview's live progress cell (hr/_progress.html): polled while the candidate can answer.

    `shown` is the status the page shows and `view` where the cell is ("list" or "detail"). When the
    status changed, a list row also gets its status badge (out of band) and the detail page is told to
    reload (HX-Refresh), so a hand-in brings the scoring forms and "Evaluate all" without a manual reload.
    """
    repos, now = get_repos(), utcnow()
    interview = svc.get_visible(repos, current_user, interview_id, now)
    view = "detail" if request.args.get("view") == "detail" else "list"
    changed = request.args.get("shown", interview.status) != interview.status
    if changed and view == "detail":
        return "", 200, {"HX-Refresh": "true"}
    return render_template("hr/_progress.html", interview=interview, p=svc.progress(repos, interview), view=view,
                           status_oob=changed, now=now)


# --- scheduling ------------------------------------------------------------------------------

def _schedule_request() -> tuple[svc.ScheduleRequest, dict]:
    """The form as a request to the service, and the field errors of values it could not read
    (the service checks the rest: a missing time, a count out of range)."""
    form = request.form
    errors: dict[str, str] = {}
    times: dict[str, datetime | None] = {"starts_at": None, "deadline": None}
    try:
        tz = params.zone(form.get("tz"))
    except ValidationError as exc:
        errors.update(exc.details, _form=exc.message)
    else:
        for name in times:
            if form.get(name):
                try:
                    times[name] = params.local_datetime(form.get(name), tz, name)
                except ValidationError as exc:
                    errors.update(exc.details)
    # Unreadable or out of range: -1, which the service refuses with the form's other errors.
    num_questions = params.integer(form.get("num_questions"), 1, svc.MAX_QUESTIONS)
    req = svc.ScheduleRequest(
        candidate_id=form.get("candidate_id", ""),
        job_title=form.get("job_title", ""),
        job_description=form.get("job_description", ""),
        starts_at=times["starts_at"],
        deadline=times["deadline"],
        num_questions=-1 if num_questions is None else num_questions,
        source=form.get("question_source", "default"),
        picked_ids=form.getlist("picked"),
    )
    return req, errors


def _draft_items() -> list[dict]:
    lists = {name: request.form.getlist(f"q_{name}") for name in DRAFT_FIELDS}
    count = len(lists["text"])
    return [{name: (lists[name][i] if i < len(lists[name]) else "") for name in DRAFT_FIELDS} for i in range(count)]


def _apply_op(items: list[dict], op: str) -> tuple[list[dict], str]:
    """Reorder, remove or add draft questions, as asked by the button pressed.

    Returns the items and the id of the element keyboard focus belongs on once the draft is redrawn
    (hr/_draft.html marks it `autofocus`, which htmx 2 honours in swapped content and browsers on a
    page load): the moved question's same button, the neighbour of a removed one, a new question's text.
    """
    name, _, arg = op.partition(":")
    index = -1
    if name in ("up", "down", "remove"):
        index = params.int_param(arg, 0, len(items) - 1, "questions",
                                 "That button does not belong to this draft: nothing was changed.")
    focus = ""
    if name == "up" and 0 < index < len(items):
        items[index - 1], items[index] = items[index], items[index - 1]
        focus = _move_focus(items, index - 1, "up")
    elif name == "down" and 0 <= index < len(items) - 1:
        items[index + 1], items[index] = items[index], items[index + 1]
        focus = _move_focus(items, index + 1, "down")
    elif name == "remove" and 0 <= index < len(items):
        items.pop(index)
        focus = f"q-{items[min(index, len(items) - 1)]['id']}-remove" if items else "draft-add"
    elif name == "add":
        items.append({"id": svc.new_question_id(), "text": "", "category": "technical", "difficulty": "3",
                      "tags": "", "reference_answer": "", "key_points": "", "source": "custom"})
        focus = f"q-text-{len(items)}"
    elif name == "bank":
        question = get_repos().questions.get(arg)
        focus = "draft-bank-add"
        if question is not None and question.enabled:
            items.append(question_service.form_fields(svc.question_from_bank(question)))
            focus = f"q-text-{len(items)}"
    return items, focus


def _move_focus(items: list[dict], index: int, button: str) -> str:
    """The moved question's same button, or its other one where the same is now disabled (top or bottom)."""
    if button == "up" and index == 0:
        button = "down"
    elif button == "down" and index == len(items) - 1:
        button = "up"
    return f"q-{items[index]['id']}-{button}"


def _chosen_candidate(repos, candidate_id: str):
    """The candidate picked in the form, shown whatever the search; None unless `current_user` may schedule them."""
    if not candidate_id:
        return None
    try:
        return svc.schedulable_candidate(repos, current_user, candidate_id)
    except DomainError:
        return None


def _schedule_context(step: str, errors: dict | None = None, items: list | None = None, notice: str = "",
                      focus: str = "") -> dict:
    repos = get_repos()
    form = request.form if request.method == "POST" else request.args
    context = dict(
        step=step, values=form, errors=errors or {}, items=items or [], notice=notice, focus=focus,
        tz=form.get("tz") or "UTC", chosen=_chosen_candidate(repos, form.get("candidate_id", "")[:40]),
        bank=repos.questions.list(enabled=True), picked=set(form.getlist("picked")),
    )
    if step == "review":  # the id the interview will get: confirming one draft twice makes one interview
        draft_id = form.get("draft_id", "")
        context["draft_id"] = draft_id if oid(draft_id) is not None else repos.interviews.new_id()
        context["time_notes"] = _time_notes(form)
        chosen, generated = context["chosen"], any(i.get("source") == "generated" for i in context["items"])
        context["inputs_notice"] = question_service.generation_inputs_notice(
            chosen.name, chosen.resume_text, form.get("job_description", "")) if chosen and generated else ""
    if step == "details":
        context.update(zones=params.zone_names(), search=params.search_text(form.get("candidate_q")))
        context["found"] = svc.find_schedulable(repos, current_user, context["search"])
    return context


def _time_notes(form) -> dict[str, str]:
    """{field: note} for an opening time or deadline that a daylight-saving change made missing or double."""
    try:
        tz = params.zone(form.get("tz"))
    except ValidationError:
        return {}
    notes = {name: params.local_time_note(form.get(name), tz) for name in ("starts_at", "deadline")}
    return {name: note for name, note in notes.items() if note}


def _schedule_page(step: str, status: int = 200, errors: dict | None = None, items: list | None = None,
                   notice: str = "", focus: str = ""):
    context = _schedule_context(step, errors, items, notice, focus)
    if step == "review" and wants_fragment() and request.form.get("op"):
        return render_template("hr/_draft.html", **context), status
    return render_template("hr/schedule.html", **context), status


@bp.route("/schedule", methods=["GET", "POST"])
def schedule():
    """Step 1: the candidate, the job, the window and where the questions come from.

    The candidate search costs what it shows: htmx asks for just the matches as HR types (GET); without
    JavaScript the Search button posts the form here and gets it back with every value kept.
    """
    return render("hr/schedule.html", "hr/_candidate_choices.html", **_schedule_context("details"))


@bp.post("/schedule/draft")
def schedule_draft():
    """Step 2: draft the questions for review."""
    req, errors = _schedule_request()
    if errors:
        return _schedule_page("details", 422, errors)
    provider = generation_provider(current_app.config) if req.source == "generated" else None
    try:
        draft = svc.draft_questions(get_repos(), current_user, req, utcnow(), provider)
    except DomainError as exc:
        field_errors = exc.details if isinstance(exc.details, dict) else {}
        return _schedule_page("details", exc.status, {**field_errors, "_form": exc.message})
    return _schedule_page("review", items=[question_service.form_fields(q) for q in draft.questions], notice=draft.notice)


@bp.post("/schedule/review")
def schedule_review():
    """Edit the draft: reorder, remove, add (a blank question or one from the bank)."""
    op = request.form.get("op", "")
    if op == "bank":
        op = "bank:" + request.form.get("bank_pick", "")
    items = _draft_items()
    try:
        items, focus = _apply_op(items, op)
    except ValidationError as exc:
        return _schedule_page("review", exc.status, exc.details, items)
    return _schedule_page("review", items=items, focus=focus)


@bp.post("/schedule/confirm")
def schedule_confirm():
    """Create the interview from the reviewed draft."""
    req, errors = _schedule_request()
    items = _draft_items()
    if errors:
        return _schedule_page("review", 422, errors, items)
    try:
        interview, created = svc.schedule_draft_once(get_repos(), current_user, req, items, utcnow(),
                                                     request.form.get("draft_id", ""))
    except DomainError as exc:
        field_errors = exc.details if isinstance(exc.details, dict) else {}
        return _schedule_page("review", exc.status, {**field_errors, "_form": exc.message}, items)
    if created:
        flash(f"Interview “{interview.job_title}” scheduled with {len(interview.questions)} questions.", "success")
    else:
        flash(f"This draft was already scheduled: here is the interview “{interview.job_title}”.", "info")
    return redirect_to(url_for("hr.interview", interview_id=interview.id))


@bp.get("/candidates/<candidate_id>/resume")
def resume(candidate_id: str):
    """A candidate's stored resume text (or that they uploaded none): their HR user and admins only."""
    candidate = resumes.candidate_with_resume(get_repos(), current_user, candidate_id)
    return render("hr/resume.html", "hr/_resume.html", candidate=candidate)


# --- one interview ---------------------------------------------------------------------------

def _interview_context(interview, now):
    from ..services import panels
    from .panel_routes import panel_context

    repos = get_repos()
    interview = panels.as_seen_by(repos, current_user, [interview])[0]  # a blind owner: no result, no outcome
    responses = repos.responses.for_interview(interview.id)
    context = panel_context(interview)
    reviewable = interview.status in (COMPLETED, EVALUATED)
    return dict(
        interview=interview, responses=responses,
        candidate=repos.users.get(interview.candidate_id), p=svc.progress(repos, interview, responses), now=now,
        missed=svc.is_missed(interview, now), reviewable=reviewable,
        profile=panels.profile(repos, interview, responses) if reviewable and not context["panel_blind"] else [],
        **context,
    )


@bp.get("/interviews/<interview_id>")
def interview(interview_id: str):
    """Every question with its answer, HR scores, the AI slot and the overall result."""
    from ..services import panels

    now = utcnow()
    repos = get_repos()
    item = panels.viewable(repos, current_user, interview_id, now)
    if panels.is_member(current_user, item):  # a panel member rates; the owner's page is not theirs
        return redirect_to(url_for("hr.panel_rating", interview_id=item.id))
    return render_template("hr/interview.html", **_interview_context(item, now), history=_history(repos, item.id))


def _history(repos, interview_id: str) -> list[tuple[dict, str]]:
    """The interview's audit events, oldest first, each with its sentence (two queries)."""
    from ..services import audit

    events = repos.audit.for_interview(interview_id)
    people = repos.users.by_audit_refs(e["actor"] for e in events)
    return [(e, audit.describe(e, people)) for e in events]


@bp.post("/interviews/<interview_id>/questions/<question_id>/score")
def score(interview_id: str, question_id: str):
    """Save HR's score and feedback for one answer; swaps just that row."""
    repos, now = get_repos(), utcnow()
    error, status, conflict = None, 422, None
    try:
        svc.score_response(repos, current_user, interview_id, question_id, request.form.get("score"),
                           request.form.get("feedback"), now, seen=request.form.get("seen"))
    except ValidationError as exc:
        error = next(iter(exc.details.values()), exc.message) if isinstance(exc.details, dict) else exc.message
    except Conflict as exc:
        if not (isinstance(exc.details, dict) and "scored_at" in exc.details):
            raise
        # Someone saved a score meanwhile: say so in the row with the stored one, keep what this user
        # typed; the row now carries the stored score's time, so saving again replaces it knowingly.
        error, status, conflict = exc.message, 409, question_id
    if not wants_fragment() and error is None:
        flash("Score saved.", "success")
        return redirect_to(row_url(interview_id, question_id))
    item = svc.get_visible(repos, current_user, interview_id, now)
    ctx = {**_interview_context(item, now), "score_conflict": conflict}
    if not wants_fragment():
        return render_template("hr/interview.html", **ctx, score_errors={question_id: error},
                               submitted=request.form), status
    index = item.index_of(question_id)
    html = render_template("hr/_answer_row.html", q=item.questions[index], n=index + 1, score_error=error,
                           submitted=request.form if error else None, **ctx)
    return html, status if error else 200


@bp.post("/interviews/<interview_id>/result")
def result(interview_id: str):
    """Save the overall score and feedback: the interview becomes evaluated."""
    repos, now = get_repos(), utcnow()
    errors, status = {}, 422
    try:
        svc.record_result(repos, current_user, interview_id, request.form.get("overall_score"),
                          request.form.get("overall_feedback"), now, seen=request.form.get("seen"))
    except ValidationError as exc:
        errors = exc.details if isinstance(exc.details, dict) else {"overall_score": exc.message}
    except Conflict as exc:
        if not (isinstance(exc.details, dict) and "evaluated_at" in exc.details):
            raise
        # Someone recorded a result meanwhile: say so beside the form, keep what this user typed;
        # the form now carries the stored result's time, so saving again replaces it knowingly.
        errors, status = {"overall_score": exc.message}, 409
    item = svc.get_visible(repos, current_user, interview_id, now)
    if not errors and not wants_fragment():
        flash("Overall result saved.", "success")
        return redirect_to(url_for("hr.interview", interview_id=interview_id))
    ctx = {**_interview_context(item, now), "result_errors": errors, "submitted": request.form if errors else None,
           "result_conflict": status == 409}
    if not wants_fragment():
        return render_template("hr/interview.html", **ctx), status
    return render_template("hr/_result.html", **ctx), status if errors else 200


@bp.post("/interviews/<interview_id>/share")
def share(interview_id: str):
    """Share the overall result with the candidate, or stop sharing it."""
    repos, now = get_repos(), utcnow()
    svc.set_shared(repos, current_user, interview_id, request.form.get("shared") == "1", now,
                   key_points="1" in request.form.getlist("key_points") if "key_points" in request.form else None)
    item = svc.get_visible(repos, current_user, interview_id, now)
    if not wants_fragment():
        return redirect_to(url_for("hr.interview", interview_id=interview_id))
    return render_template("hr/_result.html", **_interview_context(item, now))


@bp.post("/interviews/<interview_id>/cancel")
def cancel(interview_id: str):
    """Cancel an interview that is not completed."""
    svc.cancel(get_repos(), current_user, interview_id, utcnow())
    flash("The interview is cancelled.", "info")
    return redirect_to(url_for("hr.interview", interview_id=interview_id))


# --- results ----------------------------------------------------------------------------------

@bp.get("/results")
def results():
    """Completed and evaluated interviews."""
    repos, now = get_repos(), utcnow()
    page = svc.list_for(repos, current_user, now, statuses=[COMPLETED, EVALUATED], page=page_number())
    people = repos.users.by_ids(i.candidate_id for i in page.items)
    return render_template("hr/results.html", page=page, people=people)


# A cell starting with one of these makes a spreadsheet run it as a formula (OWASP "CSV injection":
# = + - @, and tab, CR or LF before one, which Excel skips): such a cell gets a leading apostrophe.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")


def csv_cell(value):
    """`value` as a spreadsheet may open it: text that could start a formula is made literal."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS) else value


def _csv_line(row: list) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow([csv_cell(c) for c in row])
    return buffer.getvalue()


RESPONSE_COLUMNS = ["interview_id", "candidate", "email", "job_title", "question_no", "question", "answer", "score",
                    "feedback", "ai_score"]
INTERVIEW_COLUMNS = ["interview_id", "candidate", "email", "job_title", "status", "starts_at", "deadline",
                     "completed_at", "answered", "questions", "overall_score", "overall_feedback", "shared"]


def _response_rows(repos, batches):
    from ..services import panels

    for batch in batches:
        people = repos.users.by_ids(i.candidate_id for i in batch)
        answers = repos.responses.for_interviews([i.id for i in batch])
        blind = panels.blind_ids(repos, current_user, batch)  # scores and AI stay hidden from a rater not done yet
        for i in batch:
            person, responses = people[i.candidate_id], answers[i.id]
            for n, q in enumerate(i.questions, start=1):
                r = responses.get(q.id)
                ai = (r.ai_evaluation or {}).get("score") if r else None
                if i.id in blind and r is not None:
                    r, ai = replace(r, score="", feedback=""), None
                yield [i.id, person.name if person else "", person.email if person else "", i.job_title, n, q.text,
                       r.answer if r else "", r.score if r else "", r.feedback if r else "", "" if ai is None else ai]


def _interview_rows(repos, batches):
    iso = lambda d: d.isoformat() if d else ""  # noqa: E731
    for batch in batches:
        people = repos.users.by_ids(i.candidate_id for i in batch)
        answered = repos.responses.answered_counts([i.id for i in batch])
        for i in batch:
            person = people[i.candidate_id]
            yield [i.id, person.name if person else "", person.email if person else "", i.job_title, i.status,
                   iso(i.starts_at), iso(i.deadline), iso(i.completed_at), answered[i.id], len(i.questions),
                   "" if i.overall_score is None else i.overall_score, i.overall_feedback, "yes" if i.shared else "no"]


@bp.get("/results.csv")
def results_csv():
    """Export results, streamed in batches: one row per interview, or per response with `?per=response`."""
    from ..services import audit

    repos, now = get_repos(), utcnow()
    items = svc.iter_all_for(repos, current_user, now, statuses=[COMPLETED, EVALUATED])
    audit.record(repos, current_user, "results.export", "results", None, now,
                 after={"per": "response" if request.args.get("per") == "response" else "interview"})
    if request.args.get("per") == "response":
        header, rows, filename = RESPONSE_COLUMNS, _response_rows(repos, items), "responses.csv"
    else:
        header, rows, filename = INTERVIEW_COLUMNS, _interview_rows(repos, items), "interviews.csv"

    def lines():
        # A UTF-8 byte-order mark first: Excel on Windows reads the file as UTF-8 ("Zoë Núñez", not "ZoÃ«").
        yield "\ufeff" + _csv_line(header)
        for row in rows:
            yield _csv_line(row)

    return FlaskResponse(stream_with_context(lines()), mimetype="text/csv",
                         headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.get("/questions")
def default_questions():
    """The default question bank, read-only."""
    return render_template("hr/default_questions.html", questions=get_repos().questions.list(enabled=True))


def _window_values(interview, tz) -> dict[str, str]:
    return {"starts_at": interview.starts_at.astimezone(tz).strftime("%Y-%m-%dT%H:%M"),
            "deadline": interview.deadline.astimezone(tz).strftime("%Y-%m-%dT%H:%M"), "tz": tz.key}


def _in_zone(moment: datetime, tz) -> str:
    """`moment` in the zone `tz` with UTC beside it; UTC alone when `tz` is UTC."""
    utc = f"{moment:%Y-%m-%d %H:%M} UTC"
    return utc if tz.key == "UTC" else f"{moment.astimezone(tz):%Y-%m-%d %H:%M %Z} ({utc})"


@bp.route("/interviews/<interview_id>/reschedule", methods=["GET", "POST"])
def reschedule(interview_id: str):
    """Move the opening time and/or deadline; the candidate gets an updated calendar invitation.

    A time that a daylight-saving change makes missing or double (params.local_time_note, as on the
    schedule review and template pages) is said beside its field first, with the time it became in the
    zone and in UTC, nothing moved and nothing sent: sending the form again as it is (it then carries
    `time_confirmed`, naming those values and the zone) moves the interview to the times named."""
    repos, now = get_repos(), utcnow()
    interview = svc.get_visible(repos, current_user, interview_id, now)
    errors: dict[str, str] = {}
    values, confirm = _window_values(interview, params.zone("UTC")), ""
    if request.method == "POST":
        values = {name: request.form.get(name, "") for name in ("starts_at", "deadline", "tz")}
        times: dict[str, datetime | None] = {"starts_at": None, "deadline": None}
        try:
            tz = params.zone(values["tz"])
            for name in times:
                if values[name]:
                    times[name] = params.local_datetime(values[name], tz, name)
        except ValidationError as exc:
            errors.update(exc.details)
        notes = _time_notes(request.form)
        if interview.status == "in_progress":  # its opening time stays, whatever was sent
            notes.pop("starts_at", None)
        check = " ".join(f"{name}={values[name]}" for name in notes) + f" {values['tz']}" if notes else ""
        if not errors and notes and request.form.get("time_confirmed") != check:
            errors = {**notes, "_form": "Check the times said beside their fields, then send the form again "
                                        "to move the interview at them."}
            confirm = check
        elif not errors:
            try:
                moved = svc.reschedule(repos, current_user, interview.id, times["starts_at"], times["deadline"], now)
            except ValidationError as exc:
                errors.update(exc.details or {"_form": exc.message})
            else:
                flash(f"The interview now opens {_in_zone(moved.starts_at, tz)} and closes "
                      f"{_in_zone(moved.deadline, tz)}; the candidate is sent an updated invitation.", "success")
                return redirect_to(url_for("hr.interview", interview_id=interview.id))
    status = 422 if errors else 200
    return render_template("hr/reschedule.html", interview=interview, values=values, errors=errors,
                           zones=params.zone_names(), time_confirmed=confirm), status
