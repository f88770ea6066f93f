"""The JSON API for rating panels: members, the caller's rating (draft, submit), all ratings, the outcome.

The same services as the HR pages (services/panels.py). The blind rule holds here too: before the
caller has submitted their own rating, `GET …/ratings` is refused (409, `error.details.code` "blind")
and the interview's other replies leave out scores, AI evaluations and the result.
"""
from __future__ import annotations

from typing import Annotated, Literal

from flask_login import current_user
from pydantic import BaseModel, Field, StringConstraints

from ..clock import utcnow
from ..db import get_repos
from ..models import Interview
from ..repositories.panels import Rating
from ..services import panels
from .core import operation
from .schemas import Id, ObjectIdStr, OutTime, Request

STAFF = ("hr", "admin")
Version = Annotated[int, Field(ge=1, le=2**31 - 1, description="The rating's version when it was last read")]


class MemberOut(BaseModel):
    user_id: ObjectIdStr
    name: str
    owner: bool = Field(description="The interview's owner, who always rates")
    status: Literal["not started", "rating", "submitted"]


class PanelOut(BaseModel):
    interview_id: ObjectIdStr
    members: list[MemberOut] = Field(description="The owner first, then the members in the order added")
    require_evidence: bool
    outcome: Literal["advance", "reject", "hire", "withdrawn"] | None
    outcome_at: OutTime | None = None


class RatingItem(Request):
    question_id: Id
    competency_id: Id
    rating: Annotated[int, Field(ge=1, le=5, description="1–5 on the competency's anchored scale")] | None = None
    evidence: Annotated[str, StringConstraints(max_length=panels.EVIDENCE_MAX)] = Field(
        "", description="A quote that occurs in the candidate's answer (case, quotes and spacing aside)")


class RatingIn(Request):
    version: Version
    items: Annotated[list[RatingItem], Field(max_length=600)] = Field(
        default_factory=list, description="Pairs to set; pairs not sent keep their stored values")


class PairOut(BaseModel):
    question_id: str
    competency_id: str
    label: str
    question: str = Field(description="The question's text")
    answer: str = Field(description="The candidate's answer as handed in (\"\" when unanswered): the text a "
                                    "quote in `evidence` must come from")
    anchors: list[str] = Field(description="Five anchors: anchors[0] earns a 1, anchors[4] a 5")


class RatingOut(BaseModel):
    interview_id: ObjectIdStr
    status: Literal["draft", "submitted"]
    version: int
    items: list[RatingItem]
    pairs: list[PairOut] = Field(description="Every (question, competency) pair to rate")
    updated_at: OutTime | None = None
    submitted_at: OutTime | None = None


class CellRating(BaseModel):
    rater: str
    rating: int | None
    evidence: str


class AIRatingOut(BaseModel):
    """The AI's proposal on one competency, beside the panel's ratings (never one of them)."""

    rating: int = Field(ge=1, le=5)
    evidence: list[str] = Field(description="Quotes from the answer, each checked to occur in it")
    reason: str


class CellOut(BaseModel):
    question_id: str
    competency_id: str
    label: str
    ratings: list[CellRating]
    mean: float | None
    min: int | None
    max: int | None
    sd: float | None = Field(description="Population standard deviation of the ratings")
    ai_score: float | None = Field(description="The AI's latest proposal for the answer (0–10), if any")
    ai_rating: AIRatingOut | None = Field(None, description="The AI's latest proposal on this competency, if any")


class BoardOut(BaseModel):
    interview_id: ObjectIdStr
    submitted: list[str] = Field(description="Names of the raters who submitted")
    waiting: list[str] = Field(description="Names of the raters still rating")
    cells: list[CellOut]


class OutcomeIn(Request):
    outcome: Literal["advance", "reject", "hire", "withdrawn"]
    seen: str | None = Field(None, max_length=40, description=(
        "The `outcome_at` last read (\"\" for none): a decision recorded since is 409 with it in `error.details`; "
        "leave out to replace whatever is recorded"))


def panel_out(interview: Interview) -> PanelOut:
    """The panel as the caller may see it: no outcome for a rater still rating blind."""
    repos = get_repos()
    interview = panels.as_seen_by(repos, current_user, [interview])[0]
    members = panels.members(repos, interview)
    return PanelOut(interview_id=interview.id, require_evidence=interview.require_evidence, outcome=interview.outcome,
                    outcome_at=interview.outcome_at,
                    members=[MemberOut(user_id=m.user_id, name=m.name, owner=m.owner, status=m.status)
                             for m in members])


def rating_out(interview: Interview, rating: Rating) -> RatingOut:
    """The rater's rating with every pair to rate, each with its question and the answer to quote from."""
    answers = get_repos().responses.for_interview(interview.id)
    return RatingOut(interview_id=interview.id, status=rating.status, version=rating.version,
                     items=[RatingItem(**i) for i in rating.items],
                     pairs=[PairOut(question_id=p.question_id, competency_id=p.competency_id, label=p.label,
                                    question=p.question,
                                    answer=answers[p.question_id].answer if p.question_id in answers else "",
                                    anchors=p.anchors) for p in panels.pairs(interview)],
                     updated_at=rating.updated_at, submitted_at=rating.submitted_at)


@operation("GET", "/interview/{interview_id}/panel", summary="The rating panel and the outcome", roles=STAFF,
           response=PanelOut, errors=(404,), tag="panels")
def get_panel(interview_id: str):
    """The raters (owner first) with where each is — never their values — and the recorded outcome
    (null for a rater who has not submitted). Visible to the owner, an admin and the panel's members;
    anyone else gets 404."""
    interview = panels.viewable(get_repos(), current_user, interview_id, utcnow())
    return panel_out(interview)


@operation("PUT", "/interview/{interview_id}/panel/{rater_id}", summary="Add an HR user to the panel",
           roles=STAFF, response=PanelOut, errors=(404, 409, 422), tag="panels")
def add_panel_member(interview_id: str, rater_id: str):
    """The owner or an admin adds an active HR user (not the owner, not twice: 422 at `rater_id`).
    409 for a cancelled or evaluated interview, or when the panel changed meanwhile."""
    return panel_out(panels.add_member(get_repos(), current_user, interview_id, rater_id, utcnow()))


@operation("DELETE", "/interview/{interview_id}/panel/{rater_id}", summary="Take a member off the panel",
           roles=STAFF, response=PanelOut, errors=(404, 409), tag="panels")
def remove_panel_member(interview_id: str, rater_id: str):
    """The member's empty draft goes with them. 409, nothing changed, with `error.details.code`:
    "submitted" (their rating is part of the record), "draft" (their draft holds a rating or a quote: it is
    not deleted silently). 404 for someone not on it."""
    return panel_out(panels.remove_member(get_repos(), current_user, interview_id, rater_id, utcnow()))


@operation("GET", "/interview/{interview_id}/rating", summary="My rating of the interview", roles=STAFF,
           response=RatingOut, errors=(403, 404), tag="panels")
def get_my_rating(interview_id: str):
    """The caller's rating (an empty draft at version 1 on first read) and every pair to rate. 403 for an
    admin (admins do not rate), 404 for an HR user who does not rate it."""
    interview, rating = panels.my_rating(get_repos(), current_user, interview_id, utcnow())
    return rating_out(interview, rating)


@operation("PUT", "/interview/{interview_id}/rating", summary="Save my draft rating", roles=STAFF, body=RatingIn,
           response=RatingOut, errors=(403, 404, 409, 422), tag="panels")
def put_my_rating(interview_id: str, body: RatingIn):
    """Compare-and-set on `version`: a stale one is 409 with the stored rating in `error.details`; the same
    save sent twice is 200. 422 (nothing stored) for a rating outside 1–5 or evidence not found in the
    answer, keyed `<question_id>.<competency_id>[.evidence]`. 409 once submitted, or before the candidate
    has handed in."""
    items = [i.model_dump() for i in body.items]
    rating = panels.save_draft(get_repos(), current_user, interview_id, items, body.version, utcnow())
    return rating_out(get_repos().interviews.get(interview_id), rating)


@operation("POST", "/interview/{interview_id}/rating/submit", summary="Submit my rating", roles=STAFF,
           body=RatingIn, response=RatingOut, errors=(403, 404, 409, 422), tag="panels")
def submit_my_rating(interview_id: str, body: RatingIn):
    """Apply `items`, then draft → submitted in one compare-and-set on `version`: read-only afterwards.
    422 with `error.details.missing` naming every pair without a rating (or evidence, when the interview
    requires it); 409 when stale or submitted already."""
    items = [i.model_dump() for i in body.items]
    rating = panels.submit(get_repos(), current_user, interview_id, items, body.version, utcnow())
    return rating_out(get_repos().interviews.get(interview_id), rating)


def _ai_rating(proposal: dict | None) -> AIRatingOut | None:
    if not proposal:
        return None
    return AIRatingOut(rating=proposal["rating"], evidence=list(proposal.get("evidence") or []),
                       reason=proposal.get("reason", ""))


@operation("GET", "/interview/{interview_id}/ratings", summary="All ratings side by side", roles=STAFF,
           response=BoardOut, errors=(404, 409), tag="panels")
def all_ratings(interview_id: str):
    """Every submitted rating per (question, competency) with the mean, the spread (min–max) and the SD,
    and the AI's score. Blind rule: 409 with `error.details.code` "blind" for a rater who has not submitted
    their own yet. Admins always see it."""
    interview, board = panels.board(get_repos(), current_user, interview_id, utcnow())
    cells = [CellOut(question_id=c.pair.question_id, competency_id=c.pair.competency_id, label=c.pair.label,
                     ratings=[CellRating(rater=n, rating=v, evidence=e) for n, v, e in c.ratings], mean=c.mean,
                     min=c.spread[0] if c.spread else None, max=c.spread[1] if c.spread else None, sd=c.sd,
                     ai_score=c.ai_score, ai_rating=_ai_rating(c.ai_rating)) for c in board.cells]
    return BoardOut(interview_id=interview.id, submitted=board.raters, waiting=board.waiting, cells=cells)


@operation("PUT", "/interview/{interview_id}/outcome", summary="Record the outcome", roles=STAFF, body=OutcomeIn,
           response=PanelOut, errors=(404, 409, 422), tag="panels")
def put_outcome(interview_id: str, body: OutcomeIn):
    """The owner or an admin records advance, reject, hire or withdrawn once the interview is completed or
    evaluated (409 before; 409 for an owner who rates on a panel and has not submitted). HR-only: never
    shown to the candidate. Compare-and-set with `seen`."""
    interview = panels.record_outcome(get_repos(), current_user, interview_id, body.outcome, body.seen, utcnow())
    return panel_out(interview)
