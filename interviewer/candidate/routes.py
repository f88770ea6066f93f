import json

from flask import Response as FlaskResponse
from flask import abort, current_app, flash, jsonify, render_template, request, url_for
from flask_login import current_user

from .. import params
from ..clock import utcnow
from ..db import get_repos
from ..errors import DomainError, json_error
from ..htmx import redirect_to
from ..models import COMPLETED, EVALUATED, SCHEDULED
from ..services import consent
from ..services import interviews as svc
from . import bp


@bp.get("/")
def dashboard():
    """Upcoming, in-progress and past interviews."""
    now = utcnow()
    return render_template("candidate/dashboard.html", board=svc.dashboard(get_repos(), current_user, now), now=now)


def _own(interview_id: str):
    now = utcnow()
    return svc.get_visible(get_repos(), current_user, interview_id, now), now


@bp.get("/interviews/<interview_id>")
def start(interview_id: str):
    """Resume where the candidate left off: the first unanswered question."""
    interview, now = _own(interview_id)
    if consent.needs_choice(get_repos(), current_user):
        return redirect_to(url_for("candidate.ai_notice", next=request.full_path.rstrip("?")))
    if interview.status in (COMPLETED, EVALUATED):
        return redirect_to(url_for("candidate.history_detail", interview_id=interview.id))
    problem = svc.answering_problem(interview, now)
    if problem:
        return render_template("candidate/closed.html", interview=interview, problem=problem, now=now)
    responses = get_repos().responses.for_interview(interview.id)
    n = svc.first_unanswered(interview, responses) + 1
    return redirect_to(url_for("candidate.question", interview_id=interview.id, n=n))


def _question_page(interview, now, n: int, error: str | None = None, draft: str | None = None, status: int = 200):
    responses = get_repos().responses.for_interview(interview.id)
    q = interview.questions[n - 1]
    r = responses.get(q.id)
    return render_template(
        "candidate/question.html", interview=interview, q=q, n=n, total=len(interview.questions), r=r,
        answer=draft if draft is not None else (r.answer if r else ""), responses=responses,
        answered=svc.answered_count(interview, responses), error=error, now=now,
    ), status


@bp.get("/interviews/<interview_id>/q/<int:n>")
def question(interview_id: str, n: int):
    """One question per screen."""
    interview, now = _own(interview_id)
    if not 1 <= n <= len(interview.questions):
        abort(404)
    if consent.needs_choice(get_repos(), current_user):
        return redirect_to(url_for("candidate.ai_notice", next=request.full_path.rstrip("?")))
    problem = svc.answering_problem(interview, now)
    if problem:
        if interview.status in (COMPLETED, EVALUATED):
            return redirect_to(url_for("candidate.history_detail", interview_id=interview.id))
        return render_template("candidate/closed.html", interview=interview, problem=problem, now=now)
    return _question_page(interview, now, n)


@bp.post("/interviews/<interview_id>/q/<int:n>")
def answer_form(interview_id: str, n: int):
    """Save the answer (a plain form post) and go where the button said: previous, next, a number,
    submit, or back to the dashboard."""
    interview, now = _own(interview_id)
    if not 1 <= n <= len(interview.questions):
        abort(404)
    q = interview.questions[n - 1]
    text = request.form.get("answer", "")
    try:
        svc.save_answer(get_repos(), current_user, interview.id, q.id, text, now,
                        seq=request.form.get("seq") or None, cleared=request.form.get("cleared") == "1")
    except DomainError as exc:
        if svc.answering_problem(interview, now):
            flash(exc.message, "error")
            return redirect_to(url_for("candidate.start", interview_id=interview.id))
        return _question_page(interview, now, n, exc.message, text, exc.status)
    go = request.form.get("go", "next")
    total = len(interview.questions)
    if go == "submit":
        return redirect_to(url_for("candidate.confirm_submit", interview_id=interview.id))
    if go == "leave":
        flash("Your answer is saved. Continue whenever you like before the deadline.", "success")
        return redirect_to(url_for("candidate.dashboard"))
    if go == "prev":
        target = max(1, n - 1)
    elif go == "stay":
        target = n
    elif go in ("next", ""):
        target = n + 1
        if target > total:
            return redirect_to(url_for("candidate.confirm_submit", interview_id=interview.id))
    else:
        target = params.integer(go, 1, total)
        if target is None:  # a hand-made request: the answer is saved, say so and stay
            flash(f"Your answer is saved, but that is not a question of this interview (they are 1 to {total}).",
                  "error")
            target = n
    return redirect_to(url_for("candidate.question", interview_id=interview.id, n=target))


@bp.post("/interviews/<interview_id>/answers/<question_id>")
def autosave(interview_id: str, question_id: str):
    """Autosave from the page's script: JSON in, JSON out, ordered by the client's `seq`."""
    now = utcnow()
    try:
        result = svc.save_answer(get_repos(), current_user, interview_id, question_id,
                                 request.form.get("answer", ""), now, seq=request.form.get("seq"),
                                 cleared=request.form.get("cleared") == "1")
    except DomainError as exc:  # a JSON endpoint whatever the request's Accept header says
        return json_error(exc.status, exc.code, exc.message, exc.details)
    r = result.response
    return jsonify(saved=result.applied, reason=result.reason, seq=r.seq if r else None,
                   saved_at=r.saved_at.isoformat() if r and r.saved_at else None,
                   stored_length=len(r.answer) if r else 0)


@bp.get("/interviews/<interview_id>/submit")
def confirm_submit(interview_id: str):
    """Before handing in: which questions are still unanswered."""
    interview, now = _own(interview_id)
    problem = svc.answering_problem(interview, now)
    if problem:
        return redirect_to(url_for("candidate.start", interview_id=interview.id))
    responses = get_repos().responses.for_interview(interview.id)
    unanswered = [(i + 1, q) for i, q in enumerate(interview.questions)
                  if not (q.id in responses and responses[q.id].answered)]
    return render_template("candidate/confirm_submit.html", interview=interview, unanswered=unanswered)


@bp.post("/interviews/<interview_id>/submit")
def submit(interview_id: str):
    """Hand in: the interview is completed and its answers read-only."""
    interview = svc.submit(get_repos(), current_user, interview_id, utcnow())
    return redirect_to(url_for("candidate.receipt", interview_id=interview.id))


@bp.get("/interviews/<interview_id>/receipt")
def receipt(interview_id: str):
    """Proof of submission: when, and how many answers."""
    interview, _ = _own(interview_id)
    if interview.status not in (COMPLETED, EVALUATED):
        return redirect_to(url_for("candidate.start", interview_id=interview.id))
    responses = get_repos().responses.for_interview(interview.id)
    return render_template("candidate/receipt.html", interview=interview,
                           answered=svc.answered_count(interview, responses))


@bp.get("/interviews/<interview_id>/invite.ics")
def invitation(interview_id: str):
    """The interview as a calendar invitation."""
    from ..services.calendar import invitation_ics

    interview, _ = _own(interview_id)
    if interview.status not in (SCHEDULED, "in_progress", "cancelled"):
        abort(404)
    # A cancelled interview's file withdraws the calendar entry a download or the e-mail added.
    body = invitation_ics(interview, url_for("candidate.start", interview_id=interview.id, _external=True),
                          method="CANCEL" if interview.status == "cancelled" else "PUBLISH")
    return FlaskResponse(body, mimetype="text/calendar",
                         headers={"Content-Disposition": f'attachment; filename="interview-{interview.id}.ics"'})


@bp.get("/history")
def history():
    """Completed interviews."""
    now = utcnow()
    return render_template("candidate/history.html", board=svc.dashboard(get_repos(), current_user, now), now=now)


@bp.get("/history/<interview_id>")
def history_detail(interview_id: str):
    """A completed interview with its answers, and the result once HR shares it."""
    interview, now = _own(interview_id)
    if interview.status not in (COMPLETED, EVALUATED):
        return redirect_to(url_for("candidate.start", interview_id=interview.id))
    score, feedback = svc.candidate_result(interview)
    return render_template("candidate/history_detail.html", interview=interview,
                           responses=get_repos().responses.for_interview(interview.id),
                           score=score, feedback=feedback)


@bp.get("/data.json")
def my_data():
    """Everything stored about me, as a JSON download."""
    from ..services import audit, privacy

    repos = get_repos()
    data = privacy.export_for(repos, current_user)
    audit.record(repos, current_user, "candidate.export", "user", current_user.audit_ref, utcnow())
    body = json.dumps(data, default=lambda v: v.isoformat() if hasattr(v, "isoformat") else str(v), indent=2,
                      ensure_ascii=False)
    return FlaskResponse(body, mimetype="application/json",
                         headers={"Content-Disposition": 'attachment; filename="my-interviewer-data.json"'})


@bp.route("/ai-notice", methods=["GET", "POST"])
def ai_notice():
    """How answers are evaluated, and the choice of a human-only review (asked before the first
    interview, and again when the notice changes; changeable at any time)."""
    from ..errors import ValidationError
    from ..security import safe_next

    repos = get_repos()
    notice = consent.current_notice(repos)
    error = None
    if request.method == "POST":
        try:
            version = params.integer(request.form.get("version"), 0, 10**6)
            consent.record_choice(repos, current_user, -1 if version is None else version,
                                  request.form.get("choice") == "human", utcnow())
        except ValidationError as exc:
            error = exc.message
            notice = consent.current_notice(repos)
        else:
            flash("Your choice is saved." if request.form.get("choice") != "human" else
                  "Your choice is saved: people alone will review your answers, with no AI proposal.", "success")
            return redirect_to(safe_next(request.form.get("next")) or url_for("candidate.dashboard"))
    return render_template("candidate/ai_notice.html", notice=notice, error=error,
                           next=request.values.get("next", ""), chosen=current_user.ai_consent), 422 if error else 200


def _self_id_page(error: str | None = None, errors: dict | None = None, chosen: dict | None = None, status: int = 200):
    from ..services import demographics

    categories = demographics.categories_from(current_app.config.get("SELF_ID_CATEGORIES"))
    stored = demographics.get_own(get_repos(), current_user)
    answers = chosen if chosen is not None else (stored or {}).get("answers", {})
    return render_template("candidate/self_identification.html", categories=categories, answers=answers,
                           stored=stored, label=demographics.label, purpose=demographics.PURPOSE, error=error,
                           errors=errors or {}), status


@bp.route("/self-identification", methods=["GET", "POST"])
def self_identification():
    """Voluntary self-identification (sex, race/ethnicity): give, change, or see one's own answers."""
    from ..errors import Forbidden, ValidationError
    from ..services import demographics

    if request.method == "GET":
        return _self_id_page()
    categories = demographics.categories_from(current_app.config.get("SELF_ID_CATEGORIES"))
    answers = {d: request.form.get(d, "") for d in categories}
    try:
        demographics.save(get_repos(), current_user, answers, categories, utcnow(),
                          candidate_id=request.form.get("candidate_id") or None)
    except Forbidden as exc:
        return _self_id_page(error=exc.message, status=403)
    except ValidationError as exc:
        return _self_id_page(error=exc.message, errors=exc.details, status=422)
    flash("Your answers are saved. You can change or withdraw them here at any time.", "success")
    return redirect_to(url_for("candidate.self_identification"))


@bp.post("/self-identification/withdraw")
def self_identification_withdraw():
    """Withdraw one's self-identification: the stored answers are deleted."""
    from ..errors import Forbidden
    from ..services import demographics

    try:
        gone = demographics.withdraw(get_repos(), current_user, utcnow(), candidate_id=request.form.get("candidate_id") or None)
    except Forbidden as exc:
        return _self_id_page(error=exc.message, status=403)
    flash("Your answers are deleted." if gone else "There was nothing to withdraw.", "success")
    return redirect_to(url_for("candidate.self_identification"))
