"""The JSON API: the original design's /interview endpoints, tokens, and the OpenAPI document.

Each view parses (core.operation did it already), calls the same service functions as the
HTML views, and shapes the answer. What a caller may see is decided by the services
(`get_visible`, `candidate_result`); this module only leaves out what a candidate must
not read (reference answers, AI evaluations, unshared scores).
"""
from __future__ import annotations

from datetime import timedelta

from flask import current_app, g, jsonify, render_template_string
from flask_login import current_user

from ..ai import generation_provider
from ..assets import asset_url
from ..clock import utcnow
from ..db import get_repos
from ..errors import NotFound, ValidationError
from ..jobs import job_timeout, submitter
from ..models import COMPLETED, EVALUATED, SCHEDULED, BankQuestion, Interview, Question, Response, User
from ..services import evaluations as evaluation_service
from ..services import interviews as svc
from ..services import tokens as token_service
from ..services import users as user_service
from ..throttle import SIGN_IN_OVERALL, SIGN_IN_PER_ADDRESS, client_address, limiter
from . import schemas as s
from .core import ApiError, operation

STAFF = ("hr", "admin")
CANDIDATE = ("candidate",)


# --- shaping the answers -------------------------------------------------------------------------

def _is_staff(user: User) -> bool:
    return user.role in STAFF


def question_out(q: Question | BankQuestion, staff: bool) -> s.QuestionOut:
    return s.QuestionOut(id=q.id, text=q.text, category=q.category, difficulty=q.difficulty, tags=list(q.tags),
                         reference_answer=q.reference_answer if staff else None,
                         key_points=list(q.key_points) if staff else None,
                         competency_ids=list(getattr(q, "competency_ids", [])) if staff else None)


def _blind(interview: Interview, viewer: User) -> bool:
    """A rater of this panel interview who has not submitted: no scores, AI or result (services/panels.py)."""
    from ..services import panels

    return panels.blind(get_repos(), viewer, interview)  # no query unless the interview has a panel


def interview_out(interview: Interview, viewer: User, model: type[s.InterviewOut] = s.InterviewOut,
                  **extra) -> s.InterviewOut:
    staff = _is_staff(viewer)
    # Only a recorded result needs the blind check (a list page then pays no query per row: a panel
    # interview gets no result before its owner submits, services/interviews.record_result).
    if staff and (interview.overall_score is not None or interview.overall_feedback) and _blind(interview, viewer):
        score, feedback = None, ""
    elif staff:
        score, feedback = interview.overall_score, interview.overall_feedback
    else:
        score, feedback = svc.candidate_result(interview)
    return model(
        id=interview.id, candidate_id=interview.candidate_id, hr_id=interview.hr_id, job_title=interview.job_title,
        job_description=interview.job_description, status=interview.status,
        question_source=interview.question_source, questions=[question_out(q, staff) for q in interview.questions],
        starts_at=interview.starts_at, deadline=interview.deadline, started_at=interview.started_at,
        completed_at=interview.completed_at, evaluated_at=interview.evaluated_at,
        closed_reason=interview.closed_reason, overall_score=score, overall_feedback=feedback or "",
        shared=interview.shared if staff else score is not None, sequence=interview.sequence,
        template_id=interview.template_id if staff else None,
        competencies=[s.InterviewCompetencyOut(id=c["id"], name=c.get("name", ""), description=c.get("description", ""),
                                               anchors=list(c.get("anchors") or [])) for c in interview.competencies
                      if c.get("id")] if staff else None,
        require_evidence=interview.require_evidence if staff else None, **extra,
    )


def _ai_job(response: Response) -> s.AIJobOut | None:
    job = evaluation_service.job_of(response)
    if not job or job.get("state") not in ("pending", "running", "done", "failed"):
        return None
    return s.AIJobOut(state=job["state"], attempts=int(job.get("attempts") or 0), error_code=job.get("error_code"),
                      error_message=job.get("error_message"), requested_at=job.get("requested_at"),
                      finished_at=job.get("finished_at"))


def response_out(response: Response, interview: Interview, viewer: User, model=s.ResponseOut, blind: bool = False,
                 **extra):
    staff = _is_staff(viewer)
    # A candidate sees per-answer scores under the same rule as the overall result; a blind rater none.
    shown = not blind and (staff or svc.candidate_result(interview)[0] is not None)
    latest = evaluation_service.latest_of(response) if staff and not blind else None
    return model(
        id=response.id, interview_id=response.interview_id, question_id=response.question_id,
        answer=response.answer, saved_at=response.saved_at, score=response.score if shown else None,
        feedback=(response.feedback or "") if shown else "",
        scored_at=response.scored_at if shown and staff else None,
        ai_evaluation=s.AIEvaluationOut(**latest) if latest else None,
        ai_job=_ai_job(response) if staff else None, **extra,
    )


def result_out(interview: Interview, viewer: User, names: dict[str, str] | None = None,
               profile: list | None = None) -> s.ResultOut:
    staff = _is_staff(viewer)
    score, feedback = ((interview.overall_score, interview.overall_feedback) if staff
                       else svc.candidate_result(interview))
    return s.ResultOut(
        interview_id=interview.id, candidate_id=interview.candidate_id,
        candidate_name=(names or {}).get(interview.candidate_id) if staff else None,
        job_title=interview.job_title, status=interview.status, completed_at=interview.completed_at,
        evaluated_at=interview.evaluated_at, overall_score=score, overall_feedback=feedback or "",
        shared=interview.shared if staff else score is not None,
        competency_profile=[s.CompetencyProfileOut(**vars(row)) for row in profile] if staff and profile else None,
    )


def _names(interviews: list[Interview]) -> dict[str, str]:
    users = get_repos().users.by_ids(i.candidate_id for i in interviews)
    return {i: user.name if user else "" for i, user in users.items()}


def _ordered_responses(interview: Interview) -> list[Response]:
    by_question = get_repos().responses.for_interview(interview.id)
    return [by_question[q.id] for q in interview.questions if q.id in by_question]


# --- auth --------------------------------------------------------------------------------------------

@operation("POST", "/auth/token", summary="Exchange e-mail and password for a bearer token", roles=None,
           body=s.TokenRequest, response=s.TokenOut, errors=(401, 429), tag="auth")
def create_token(body: s.TokenRequest):
    """The token is shown once; only its hash is stored. It expires after API_TOKEN_TTL_HOURS.
    429 with Retry-After when sign-ins are throttled (shared with the sign-in page: per account,
    per client address and overall; see README "Decisions worth knowing"). A success also sets the
    `device` cookie: a client that keeps it is exempt from strangers' failures on the account."""
    from ..errors import TooManyAttempts
    from ..throttle import device_for, refund_address_hit, remember_device

    repos = get_repos()
    with limiter.shared_limit(SIGN_IN_PER_ADDRESS, scope="sign-in"), \
            limiter.shared_limit(SIGN_IN_OVERALL, scope="sign-in-all", key_func=lambda: "all"):
        try:
            user = user_service.authenticate(repos, body.email, body.password, address=client_address(),
                                             device=device_for(body.email))
        except TooManyAttempts:
            refund_address_hit()  # refused before any password check: it uses up no allowance
            raise
    if user is None:
        raise ApiError(401, "invalid_credentials", "Wrong e-mail or password.")
    remember_device(user.email)
    hours = int(current_app.config.get("API_TOKEN_TTL_HOURS", 24))
    issued = token_service.issue(repos, user, utcnow(), timedelta(hours=hours))
    return s.TokenOut(access_token=issued.access_token, expires_at=issued.expires_at)


@operation("DELETE", "/auth/token", summary="Revoke the bearer token this request carries", status=204,
           errors=(400,), tag="auth")
def delete_token():
    """Only for token calls: a browser session signs out at /logout instead."""
    if not g.get("api_token_id"):
        raise ApiError(400, "no_token", "This request carries no bearer token to revoke.")
    token_service.revoke(get_repos(), g.api_token_id, utcnow(), actor=current_user)
    return None


@operation("GET", "/auth/me", summary="The caller", response=s.Me, tag="auth")
def me():
    """Who the credentials belong to."""
    u = current_user
    return s.Me(id=u.id, email=u.email, name=u.name, role=u.role, status=u.status, active=u.active)


def _notice_out(user) -> s.AINoticeOut:
    from ..services import consent

    repos = get_repos()
    notice = consent.current_notice(repos)
    return s.AINoticeOut(version=notice["version"], text=notice["text"],
                         your_choice=s.AIChoiceOut(**user.ai_consent) if user.ai_consent else None,
                         choice_needed=consent.needs_choice(repos, user))


@operation("GET", "/interview/ai-notice", summary="How answers are evaluated, and the caller's choice",
           response=s.AINoticeOut, tag="candidate")
def ai_notice():
    """The notice in force (versioned); for a candidate, the choice they made (human-only or not)."""
    return _notice_out(current_user)


@operation("POST", "/interview/ai-notice", summary="Record the candidate's choice under the notice in force",
           roles=CANDIDATE, body=s.AIChoiceIn, response=s.AINoticeOut, errors=(422,), tag="candidate")
def ai_notice_choice(body: s.AIChoiceIn):
    """`human_only: true` keeps every answer of the candidate away from AI evaluation. 422 when
    `version` is not the one in force (the notice changed: read it again)."""
    from ..services import consent

    user = consent.record_choice(get_repos(), current_user, body.version, body.human_only, utcnow())
    return _notice_out(user)


# --- voluntary self-identification (the candidate's own; never in any other reply) --------------------

def _self_id_out(stored: dict | None) -> s.SelfIdentificationOut:
    from ..services import demographics

    return s.SelfIdentificationOut(
        answers=(stored or {}).get("answers", {}), updated_at=(stored or {}).get("updated_at"),
        categories=demographics.categories_from(current_app.config.get("SELF_ID_CATEGORIES")),
        purpose=demographics.PURPOSE)


@operation("GET", "/interview/self-identification", summary="The caller's own voluntary self-identification",
           roles=CANDIDATE, query=s.SelfIdentificationQuery, response=s.SelfIdentificationOut, errors=(403,),
           tag="candidate")
def self_identification(query: s.SelfIdentificationQuery):
    """Optional answers on sex and race/ethnicity, for adverse impact monitoring only (admins see
    counts per group). 403 for anyone but the candidate themselves, `candidate_id` included."""
    from ..services import demographics

    return _self_id_out(demographics.get_own(get_repos(), current_user, query.candidate_id))


@operation("PUT", "/interview/self-identification", summary="Give or change the caller's own self-identification",
           roles=CANDIDATE, body=s.SelfIdentificationIn, response=s.SelfIdentificationOut, errors=(403, 422),
           tag="candidate")
def self_identification_put(body: s.SelfIdentificationIn):
    """Replaces earlier answers. 422 (nothing stored) for a dimension or category not offered;
    403 when `candidate_id` is someone else's."""
    from ..services import demographics

    categories = demographics.categories_from(current_app.config.get("SELF_ID_CATEGORIES"))
    stored = demographics.save(get_repos(), current_user, body.answers, categories, utcnow(), body.candidate_id)
    return _self_id_out(stored)


@operation("DELETE", "/interview/self-identification", summary="Withdraw the caller's own self-identification",
           roles=CANDIDATE, query=s.SelfIdentificationQuery, status=204, errors=(403,), tag="candidate")
def self_identification_delete(query: s.SelfIdentificationQuery):
    """Deletes the stored answers (204 also when there were none)."""
    from ..services import demographics

    demographics.withdraw(get_repos(), current_user, utcnow(), query.candidate_id)
    return None


# --- questions ---------------------------------------------------------------------------------------

@operation("GET", "/interview/default-questions", summary="The default question set",
           response=s.DefaultQuestions)
def default_questions():
    """The enabled bank questions; reference answers only for HR and admins."""
    staff = _is_staff(current_user)
    items = [question_out(q, staff) for q in get_repos().questions.list(enabled=True)]
    return s.DefaultQuestions(items=items)


# --- scheduling and lists ------------------------------------------------------------------------------

@operation("POST", "/interview/schedule", summary="Schedule an interview for an assigned candidate",
           roles=STAFF, body=s.ScheduleIn, status=201, response=s.ScheduleOut, errors=(404, 409), extra_statuses=(200,))
def schedule(body: s.ScheduleIn):
    """`default` and `generated` draft `num_questions` questions; `custom` takes `questions` as given.
    When generation is unavailable or fails, the questions come from the default set and `notice`
    says so. An unknown candidate, or another HR user's, is 404; an unassigned or deactivated one is 409.
    With `id`, a repeat of the request returns the interview the first one made (200)."""
    repos, now = get_repos(), utcnow()
    if body.id and (done := svc.scheduled_draft(repos, current_user, body.id)) is not None:
        return interview_out(done, current_user, s.ScheduleOut), 200
    if body.question_source == "custom" and not body.questions:
        raise ValidationError("Custom interviews need their questions.", {"questions": "Add at least one question."})
    if body.question_source != "custom" and body.questions is not None:
        raise ValidationError("Questions are given only with question_source `custom`.",
                              {"questions": "Only for custom."})
    req = svc.ScheduleRequest(
        candidate_id=body.candidate_id, job_title=body.job_title, job_description=body.job_description,
        starts_at=body.starts_at, deadline=body.deadline,
        num_questions=len(body.questions) if body.question_source == "custom" else body.num_questions,
        source=body.question_source,
    )
    notice = ""
    if body.question_source == "custom":
        items = [q.model_dump() for q in body.questions]
    else:
        provider = generation_provider(current_app.config) if body.question_source == "generated" else None
        draft = svc.draft_questions(repos, current_user, req, now, provider)
        items, notice = [q.__dict__ for q in draft.questions], draft.notice
    if body.id is None:
        interview, created = svc.schedule(repos, current_user, req, items, now), True
    else:
        interview, created = svc.schedule_draft_once(repos, current_user, req, items, now, body.id)
    return interview_out(interview, current_user, s.ScheduleOut, notice=notice or None), 201 if created else 200


def _page_out(page, items, model):
    return model(items=items, page=page.page, limit=page.per_page, total=page.total,
                 next_page=page.page + 1 if page.has_next else None)


@operation("GET", "/interview/all", summary="Interviews the caller may see", roles=STAFF, query=s.ListQuery,
           response=s.InterviewList)
def all_interviews(query: s.ListQuery):
    """HR: their assigned candidates' interviews; admin: all. Newest start first, paginated."""
    page = svc.list_for(get_repos(), current_user, utcnow(), statuses=[query.status] if query.status else None,
                        candidate_id=query.candidate_id or "", page=query.page, per_page=query.limit)
    return _page_out(page, [interview_out(i, current_user) for i in page.items], s.InterviewList)


@operation("GET", "/interview/results/all", summary="Completed and evaluated interviews with their results",
           roles=STAFF, query=s.PageQuery, response=s.ResultList, tag="results")
def all_results(query: s.PageQuery):
    """Overall score, feedback and sharing state of every completed or evaluated interview the caller sees."""
    page = svc.list_for(get_repos(), current_user, utcnow(), statuses=[COMPLETED, EVALUATED], page=query.page,
                        per_page=query.limit)
    names = _names(page.items)
    return _page_out(page, [result_out(i, current_user, names) for i in page.items], s.ResultList)


# --- the candidate's side --------------------------------------------------------------------------------

@operation("POST", "/interview/submit-response", summary="Save one answer", roles=CANDIDATE, body=s.AnswerIn,
           response=s.SavedAnswer, errors=(404, 409), tag="candidate")
def submit_response(body: s.AnswerIn):
    """Idempotent per question: saving again replaces the answer. An empty answer never erases a
    non-empty one (`reason: kept`). 409 once the interview is completed, cancelled, not open yet
    or past its deadline."""
    repos = get_repos()
    result = svc.save_answer(repos, current_user, body.interview_id, body.question_id, body.answer, utcnow())
    interview = repos.interviews.get(body.interview_id)
    return response_out(result.response, interview, current_user, s.SavedAnswer, saved=result.applied,
                        reason=result.reason)


@operation("POST", "/interview/submit-all", summary="Save every answer and hand the interview in",
           roles=CANDIDATE, body=s.SubmitAllIn, response=s.SubmitAllOut, errors=(404, 409), tag="candidate")
def submit_all(body: s.SubmitAllIn):
    """All answers are checked before any is saved; then the interview is completed and read-only.
    A second call is 409."""
    repos, now = get_repos(), utcnow()
    interview = svc.open_for_answers(repos, current_user, body.interview_id, now)
    errors, seen = {}, set()
    for n, item in enumerate(body.responses):
        if interview.question(item.question_id) is None:
            errors[f"responses.{n}.question_id"] = "This interview has no such question."
        elif item.question_id in seen:
            errors[f"responses.{n}.question_id"] = "This question is answered twice."
        seen.add(item.question_id)
    if errors:
        raise ValidationError("Some answers need attention.", errors)
    for item in body.responses:
        svc.save_answer(repos, current_user, interview.id, item.question_id, item.answer, now)
    interview = svc.submit(repos, current_user, interview.id, now)
    return s.SubmitAllOut(interview=interview_out(interview, current_user),
                          responses=[response_out(r, interview, current_user) for r in _ordered_responses(interview)])


@operation("GET", "/interview/candidate/me", summary="My scheduled and in-progress interviews", roles=CANDIDATE,
           response=s.CandidateInterviews, tag="candidate")
def candidate_me():
    """Including scheduled ones whose deadline passed unanswered (missed)."""
    board = svc.dashboard(get_repos(), current_user, utcnow())
    missed = [i for i in board.history if i.status == SCHEDULED]
    items = sorted(board.upcoming + board.in_progress + missed, key=lambda i: i.starts_at)
    return s.CandidateInterviews(items=[interview_out(i, current_user) for i in items])


@operation("GET", "/interview/candidate/history", summary="My completed and evaluated interviews",
           roles=CANDIDATE, response=s.CandidateInterviews, tag="candidate")
def candidate_history():
    """Overall results appear once HR shares them."""
    board = svc.dashboard(get_repos(), current_user, utcnow())
    items = [i for i in board.history if i.status in (COMPLETED, EVALUATED)]
    return s.CandidateInterviews(items=[interview_out(i, current_user) for i in items])


# --- results and evaluation ------------------------------------------------------------------------------

@operation("GET", "/interview/results/{interview_id}", summary="Overall score and feedback of one interview",
           response=s.ResultOut, tag="results")
def result(interview_id: str):
    """Staff see the current state (null scores before evaluation); the candidate only once it is shared."""
    from ..services import panels

    repos = get_repos()
    interview = svc.get_visible(repos, current_user, interview_id, utcnow())
    if not _is_staff(current_user) and svc.candidate_result(interview)[0] is None:
        raise NotFound("No result has been shared for this interview.")
    profile = None
    if _is_staff(current_user) and interview.status in (COMPLETED, EVALUATED):
        seen = panels.as_seen_by(repos, current_user, [interview])[0]
        profile = panels.profile(repos, interview) if seen is interview else None  # a blind rater: neither
        interview = seen
    return result_out(interview, current_user, _names([interview]), profile)


@operation("POST", "/interview/{interview_id}/results", summary="Record the overall result and per-answer scores",
           roles=STAFF, body=s.ResultsIn, response=s.InterviewOut, errors=(404, 409), tag="results")
def record_results(interview_id: str, body: s.ResultsIn):
    """completed → evaluated (or an update of an evaluated interview); 409 before the candidate submits.
    Every score and every `seen` is checked before anything is written. Without `share_with_candidate`
    a first result is not shared and a corrected one keeps its sharing. With `seen` (the result's, an
    answer's) a result or score recorded since that read is 409 with it in `error.details`, nothing
    written; without, the last write wins (the audit trail keeps both)."""
    repos, now = get_repos(), utcnow()
    interview = svc.get_visible(repos, current_user, interview_id, now)
    errors, scored = {}, []
    for check in (lambda: svc.parse_score(body.overall_score, "overall_score"), lambda: svc.seen_time(body.seen)):
        try:
            check()
        except ValidationError as exc:
            errors.update(exc.details)
    seen = set()
    for n, item in enumerate(body.responses):
        response = repos.responses.get(item.response_id)
        if response is None or response.interview_id != interview.id:
            errors[f"responses.{n}.response_id"] = "This interview has no such response."
            continue
        if response.id in seen:
            errors[f"responses.{n}.response_id"] = "This response is scored twice."
        seen.add(response.id)
        try:
            svc.parse_score(item.score)
        except ValidationError as exc:
            errors[f"responses.{n}.score"] = exc.details["score"]
        try:
            svc.seen_time(item.seen)
        except ValidationError as exc:
            errors[f"responses.{n}.seen"] = exc.details["seen"]
        scored.append((response, item))
    if errors:
        raise ValidationError("Please correct the highlighted fields.", errors)
    # Fields left out keep what is stored: feedback is not blanked by a call that only corrects a
    # score, and sharing stays as it is (false for a first result).
    answers = [(response, item.score, item.feedback if "feedback" in item.model_fields_set else response.feedback,
                item.seen) for response, item in scored]
    share = body.share_with_candidate if "share_with_candidate" in body.model_fields_set else None
    overall_feedback = (body.overall_feedback if "overall_feedback" in body.model_fields_set
                        else interview.overall_feedback)
    if interview.status in (COMPLETED, EVALUATED):  # else the first write says why it cannot be scored yet
        # A stale call is refused whole, before its first write (each write checks again).
        svc.check_results_seen(repos, current_user, interview.id, now, body.overall_score, overall_feedback,
                               body.seen, answers)
    for response, score, feedback, seen in answers:
        svc.score_response(repos, current_user, interview.id, response.question_id, score, feedback, now, seen=seen)
    interview = svc.record_result(repos, current_user, interview.id, body.overall_score, overall_feedback, now,
                                  share=share, seen=body.seen)
    return interview_out(interview, current_user)


@operation("POST", "/interview/responses/{response_id}/evaluate", summary="Run (or queue) the AI evaluation",
           roles=STAFF, response=s.ResponseOut, extra_statuses=(202,), errors=(404, 409), tag="results")
def evaluate(response_id: str):
    """200 when the job finished at once (`ai_job.state` done or failed), 202 while it is pending or
    running: follow it with GET /interview/{interview_id}/responses. Calling this again while a job is
    pending or running changes nothing; after it finished, it asks for a new evaluation (the history keeps
    both). 409 before the interview is completed, or for an empty answer."""
    app = current_app._get_current_object()
    repos, now = get_repos(), utcnow()
    interview, response = evaluation_service.request_evaluation(repos, current_user, response_id, now,
                                                                submitter(app), job_timeout(app))
    job = evaluation_service.job_of(response)
    status = 202 if job and job.get("state") in evaluation_service.ACTIVE else 200
    return response_out(response, interview, current_user, blind=_blind(interview, current_user)), status


# --- one interview ---------------------------------------------------------------------------------------

@operation("POST", "/interview/{interview_id}/reschedule", summary="Move the opening time and/or deadline",
           roles=STAFF, body=s.RescheduleIn, response=s.InterviewOut, errors=(404, 409), tag="interviews")
def reschedule(interview_id: str, body: s.RescheduleIn):
    """For a scheduled or in-progress interview (an interview already started keeps its opening time),
    with the checks of scheduling; the candidate is sent an updated calendar invitation (SEQUENCE + 1)
    and the old and new window are kept. 409 once it is completed or cancelled, or when it was moved
    meanwhile."""
    moved = svc.reschedule(get_repos(), current_user, interview_id, body.starts_at, body.deadline, utcnow())
    return interview_out(moved, current_user)


@operation("GET", "/interview/{interview_id}", summary="One interview", response=s.InterviewOut)
def get_interview(interview_id: str):
    """Candidates get no reference answers, and the overall result only once it is shared."""
    interview = svc.get_visible(get_repos(), current_user, interview_id, utcnow())
    return interview_out(interview, current_user)


@operation("GET", "/interview/{interview_id}/responses", summary="The interview's answers",
           response=s.ResponseList)
def interview_responses(interview_id: str):
    """In question order; AI evaluations are hidden from candidates."""
    interview = svc.get_visible(get_repos(), current_user, interview_id, utcnow())
    blind = _blind(interview, current_user)
    return s.ResponseList(items=[response_out(r, interview, current_user, blind=blind)
                                 for r in _ordered_responses(interview)])


# --- the document ------------------------------------------------------------------------------------------

_DOCUMENT: dict = {}
_DOCUMENT_PAGES: dict = {}


def document() -> dict:
    if not _DOCUMENT:
        from .openapi import build_document

        _DOCUMENT.update(build_document())
    return _DOCUMENT


@operation("GET", "/openapi.json", summary="This OpenAPI 3.1 document", roles=None, tag="meta")
def openapi_json():
    """Machine-readable description of every endpoint."""
    return jsonify(document())


DOCS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Interviewer API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="{{ asset_url('favicon.svg') }}" type="image/svg+xml">
<link rel="stylesheet" href="{{ asset_url('vendor/pico-2.1.1.min.css') }}">
<link rel="stylesheet" href="{{ asset_url('app.css') }}"></head>
<body class="api-docs"><main class="container">
<h1>{{ doc.info.title }} <small>{{ doc.info.version }}</small></h1>
<p>{{ doc.info.description }}</p>
<p>The machine-readable document: <a href="{{ url_for('api.openapi_json') }}">/openapi.json</a>.</p>
<h2>Endpoints</h2>
<div class="table-scroll" tabindex="0" role="region" aria-label="Endpoints">
<table><thead><tr><th>Method</th><th>Path</th><th>Who</th><th>Summary</th></tr></thead><tbody>
{% for path, methods in doc.paths.items() %}{% for method, op in methods.items() %}
<tr><td class="m">{{ method|upper }}</td><td><a href="#{{ op.operationId }}"><code>{{ path }}</code></a></td>
<td>{{ (op.get('x-roles') or ['anyone'])|join(', ') }}</td><td>{{ op.summary }}</td></tr>
{% endfor %}{% endfor %}</tbody></table></div>
{% for path, methods in doc.paths.items() %}{% for method, op in methods.items() %}
<section id="{{ op.operationId }}"><h3><code>{{ method|upper }} {{ path }}</code></h3>
<p>{{ op.summary }}. {{ op.description }}</p>
{% if op.parameters %}<p>Parameters:
{% for p in op.parameters %}<code>{{ p.name }}</code> ({{ p['in'] }}){{ ", " if not loop.last }}{% endfor %}</p>
{% endif %}
{% if op.requestBody %}{% set body = op.requestBody.content['application/json'].schema['$ref'].rsplit('/', 1)[1] %}
<p>Body: <a href="#schema-{{ body }}"><code>{{ body }}</code></a></p>{% endif %}
<p>Responses: {% for code, r in op.responses.items() %}<code>{{ code }}</code> {{ r.description }}
{{- "; " if not loop.last }}{% endfor %}</p>
</section>
{% endfor %}{% endfor %}
<h2>Schemas</h2>
{% for name, schema in doc.components.schemas.items() %}
<section id="schema-{{ name }}"><h3>{{ name }}</h3><pre tabindex="0"><code>{{ schema|tojson(indent=2) }}</code></pre></section>
{% endfor %}
</main></body></html>"""


@operation("GET", "/api/docs", summary="This documentation as a web page", roles=None, tag="meta",
           media_type="text/html")
def docs():
    """Server-rendered, no external assets: works offline."""
    # Rendered once per set of static URLs: a rebuilt or edited stylesheet gets a new hashed name.
    key = ("docs", asset_url("vendor/pico-2.1.1.min.css"), asset_url("app.css"), asset_url("favicon.svg"))
    if key not in _DOCUMENT_PAGES:
        _DOCUMENT_PAGES[key] = render_template_string(DOCS_PAGE, doc=document())
    return _DOCUMENT_PAGES[key]

