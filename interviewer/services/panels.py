"""Panels with independent ratings, and the interview's outcome.

Who: the owner of an interview (the HR user its candidate is assigned to, `interview.hr_id`) adds
other active HR users to its `panel`; the owner always rates too. An admin manages any panel but
does not rate. A panel member sees that interview's rating page and nothing of its owner's powers
(scores, AI evaluation, result, sharing, cancel, reschedule, outcome, panel edits stay the
owner's: `interviews.may_see` is unchanged and still guards them).

What: each rater rates every (question, competency) pair of the interview on the competency's
behaviourally anchored 1–5 scale (BARS), with an evidence quote that must occur in the candidate's
answer to that question. An interview scheduled from a template rates each question on the
competencies it links (`Question.competency_ids`, scales from `Interview.competencies`); one
scheduled by hand is rated on one general competency, GENERAL, so every interview can have a panel.

Blind rule: on an interview with a panel (a member besides the owner was added, even if every
member was taken off again since), a rater who has
not submitted their rating — the owner included — is shown no other rating, no AI evaluation and no
per-answer score or overall result (`blind`). Submitting is one compare-and-set transition that
makes the rating read-only; after it the rater sees every rating side by side (`board`). Admins,
who do not rate, always see the board.

Outcome: advance | reject | hire | withdrawn, recorded by the owner (or an admin) once the interview
is completed or evaluated, compare-and-set on `outcome_at`, audited; HR-only.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from ..ai.checks import verified_quotes
from ..errors import Conflict, Forbidden, NotFound, ValidationError
from ..models import COMPLETED, EVALUATED, Interview, User
from ..repositories.panels import Rating
from . import audit
from . import interviews as svc

MAX_PANEL = 12  # members besides the owner
EVIDENCE_MAX = 1_000
OUTCOMES = ("advance", "reject", "hire", "withdrawn")
RATABLE = (COMPLETED, EVALUATED)  # answers are final: rating opens when the candidate hands in
GENERAL = {"id": "general", "name": "Overall answer quality", "anchors": [
    "Does not address the question, or is wrong on its central point.",
    "Addresses the question only in part; important gaps or errors.",
    "Answers the question correctly at a basic level, with little depth or example.",
    "A correct, well-organised answer with a relevant example or reasoning.",
    "A thorough, precise answer with concrete evidence, trade-offs and insight beyond the basics.",
]}
# Typographic quotes and apostrophes read as the plain ones when evidence is matched to the answer.
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
                         "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"'})


# --- who is who -----------------------------------------------------------------------------------

def raters(interview: Interview) -> list[str]:
    """The raters' ids: the owner first (when the interview has one), then the members in order added."""
    first = [interview.hr_id] if interview.hr_id else []
    return first + [m for m in interview.panel if m not in first]


def is_rater(user: User, interview: Interview) -> bool:
    return user.role == "hr" and user.id in raters(interview)


def is_member(user: User, interview: Interview) -> bool:
    """On the panel and not the owner (the owner's access comes from `interviews.may_see`)."""
    return user.role == "hr" and user.id in interview.panel and user.id != interview.hr_id


def blind(repos, user: User, interview: Interview, rating: Rating | None = None) -> bool:
    """Whether `user` must be shown no other rating, AI evaluation, score or result of this interview:
    a rater of an interview with a panel who has not submitted their own rating yet."""
    if not interview.has_panel or not is_rater(user, interview):
        return False
    rating = rating if rating is not None else repos.panels.get(interview.id, user.id)
    return rating is None or not rating.submitted


def blind_ids(repos, user: User, interviews: list[Interview]) -> set[str]:
    """Of a batch of interviews (an export's), those `user` is blind to: one query for the batch."""
    rated = [i.id for i in interviews if i.has_panel and is_rater(user, i)]
    return set(rated) - repos.panels.submitted_among(user.id, rated) if rated else set()


def blind_owned_ids(repos, user: User) -> set[str]:
    """The interviews in an HR user's scope they rate blind (an owner who has not submitted: after a
    reassignment, too), whose scores stay out of their agreement figures. Two indexed queries."""
    if user.role != "hr":
        return set()
    owned = repos.interviews.panel_ids_owned_by(user.id)
    return set(owned) - repos.panels.submitted_among(user.id, owned)


def as_seen_by(repos, user: User, interviews: list[Interview]) -> list[Interview]:
    """The interviews as `user` may be shown them in a list, an export or the API: for one they are
    blind to, the overall result (score, feedback) and the outcome removed. A new owner after a
    reassignment rates blind although a result may be recorded already; an admin may record an outcome
    before every rater has submitted. One query for the batch (`blind_ids`)."""
    hidden = blind_ids(repos, user, interviews)
    if not hidden:
        return interviews
    return [replace(i, overall_score=None, overall_feedback="", outcome=None, outcome_at=None, outcome_by=None)
            if i.id in hidden else i for i in interviews]


def require_not_blind(repos, user: User, interview: Interview) -> None:
    """Conflict while `user` is a rater of this panel interview who has not submitted their rating."""
    if blind(repos, user, interview):
        raise Conflict("This interview has a rating panel: submit your own panel rating first.")


def viewable(repos, user: User, interview_id: str, now: datetime) -> Interview:
    """The interview if `user` owns it, administers it or sits on its panel; NotFound otherwise."""
    svc.require_staff(user)
    interview = repos.interviews.get(interview_id)
    if interview is None or not (svc.may_see(repos, user, interview) or is_member(user, interview)):
        raise NotFound("No such interview.")
    return svc.close_if_expired(repos, interview, now)


def owned(repos, user: User, interview_id: str, now: datetime) -> Interview:
    """The interview if `user` is its owner or an admin (panel members get NotFound: no owner powers)."""
    svc.require_staff(user)
    return svc.get_visible(repos, user, interview_id, now)


# --- the scale --------------------------------------------------------------------------------------

@dataclass
class Pair:
    """One (question, competency) cell a rater fills in: its 1-based question number and names."""

    question_id: str
    competency_id: str
    n: int
    question: str
    competency: str
    anchors: list[str]

    @property
    def key(self) -> str:
        return f"{self.question_id}.{self.competency_id}"

    @property
    def label(self) -> str:
        return f"Question {self.n} — {self.competency}"


def competencies_of(interview: Interview) -> dict[str, dict]:
    """The interview's rating scales by competency id (GENERAL alone for one scheduled by hand)."""
    snapshot = {c["id"]: c for c in interview.competencies if c.get("id") and len(c.get("anchors") or []) == 5}
    return snapshot or {GENERAL["id"]: GENERAL}


def pairs(interview: Interview) -> list[Pair]:
    """Every (question, competency) pair to rate, in question order."""
    scales = competencies_of(interview)
    out = []
    for n, q in enumerate(interview.questions, start=1):
        linked = [c for c in q.competency_ids if c in scales] or (
            [GENERAL["id"]] if GENERAL["id"] in scales else list(scales)[:1])
        for cid in linked:
            scale = scales[cid]
            out.append(Pair(q.id, cid, n, q.text, scale["name"], list(scale["anchors"])))
    return out


def evidence_found(quote: str, answer: str) -> bool:
    """Whether `quote` occurs in `answer`, ignoring case, typographic quotes and runs of whitespace
    (the AI's quotes are checked by the same `ai.checks.verified_quotes`)."""
    fold = lambda text: (text or "").translate(_QUOTES).casefold()  # noqa: E731
    return bool(verified_quotes([fold(quote)], fold(answer)))


def parse_rating(value: Any) -> int | None:
    """A rating: a whole number 1–5 (an int, or its one ASCII digit as text); None for "" or None
    (not rated yet). ValueError for anything else."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, int) and 1 <= value <= 5:
        return value
    if isinstance(value, str) and value.strip() in ("1", "2", "3", "4", "5"):
        return int(value.strip())
    raise ValueError


def _clean(interview: Interview, items: Any, answers: dict[str, str], existing: list[dict]) -> list[dict]:
    """`existing` with `items` ({question_id, competency_id, rating, evidence}) applied, in pair order;
    ValidationError keyed "<question_id>.<competency_id>" (and ".evidence") when any is wrong."""
    if not isinstance(items, list):
        raise ValidationError("Send the ratings as a list.", {"items": "A list of ratings."})
    by_key = {p.key: p for p in pairs(interview)}
    merged = {f"{i['question_id']}.{i['competency_id']}": dict(i) for i in existing}
    errors: dict[str, str] = {}
    for n, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            errors[f"items.{n}"] = "Each rating is an object."
            continue
        key = f"{item.get('question_id')}.{item.get('competency_id')}"
        pair = by_key.get(key)
        if pair is None:
            errors[f"items.{n}"] = "This interview has no such question and competency to rate."
            continue
        try:
            value = parse_rating(item.get("rating"))
        except ValueError:
            errors[key] = f"{pair.label}: choose a rating from 1 to 5."
            continue
        evidence = item.get("evidence") or ""
        if not isinstance(evidence, str):
            errors[f"{key}.evidence"] = f"{pair.label}: evidence is text."
            continue
        evidence = " ".join(evidence.split())
        if len(evidence) > EVIDENCE_MAX:
            errors[f"{key}.evidence"] = f"{pair.label}: evidence is at most {EVIDENCE_MAX:,} characters."
        elif evidence and not evidence_found(evidence, answers.get(pair.question_id, "")):
            errors[f"{key}.evidence"] = (f"{pair.label}: this quote is not in the candidate's answer. "
                                         "Copy the words exactly as they were written.")
        else:
            merged[key] = {"question_id": pair.question_id, "competency_id": pair.competency_id, "rating": value,
                           "evidence": evidence}
    if errors:
        raise ValidationError("Some ratings need attention: nothing was saved.", errors)
    return [merged[p.key] for p in pairs(interview) if p.key in merged]


EVIDENCE_MIN_WORDS, EVIDENCE_MIN_CHARS = 3, 15


def evidence_enough(evidence: str, answer: str) -> bool:
    """Whether a quote is long enough to count as evidence: at least EVIDENCE_MIN_WORDS words or
    EVIDENCE_MIN_CHARS characters, unless it is the whole (shorter) answer."""
    quote = " ".join((evidence or "").split())
    whole = " ".join((answer or "").split())
    return bool(quote) and (len(quote.split()) >= EVIDENCE_MIN_WORDS or len(quote) >= EVIDENCE_MIN_CHARS
                            or len(quote) >= len(whole))


def missing(interview: Interview, items: list[dict], answers: dict[str, str]) -> list[str]:
    """What stops a submission, by name: each pair without a rating (or, when the interview requires
    evidence, without a quote or with one too short to be evidence: see `evidence_enough`). A question
    left unanswered has nothing to quote: it needs a rating only. `answers`: text by question id."""
    got = {f"{i['question_id']}.{i['competency_id']}": i for i in items}
    out = []
    for pair in pairs(interview):
        item = got.get(pair.key) or {}
        answer = answers.get(pair.question_id) or ""
        if item.get("rating") is None:
            out.append(f"{pair.label}: no rating")
        elif not interview.require_evidence or not answer.strip():
            continue
        elif not item.get("evidence"):
            out.append(f"{pair.label}: no evidence quoted")
        elif not evidence_enough(item["evidence"], answer):
            out.append(f"{pair.label}: the evidence is too short — quote at least {EVIDENCE_MIN_WORDS} words or "
                       f"{EVIDENCE_MIN_CHARS} characters of the answer")
    return out


# --- panel membership ----------------------------------------------------------------------------------

@dataclass
class Member:
    user_id: str
    name: str
    owner: bool
    status: str  # not started | rating | submitted


def members(repos, interview: Interview) -> list[Member]:
    """Every rater with where they are (never their values): two queries."""
    ids = raters(interview)
    people = repos.users.by_ids(ids)
    ratings = repos.panels.for_interview(interview.id)
    out = []
    for uid in ids:
        r = ratings.get(uid)
        status = "submitted" if r and r.submitted else "rating" if r and r.items else "not started"
        person = people.get(uid)
        out.append(Member(uid, person.name if person else "(removed account)", uid == interview.hr_id, status))
    return out


def candidates_for_panel(repos, interview: Interview) -> list[User]:
    """Active HR users who could join the panel, by name (one indexed query over the staff, who are
    few beside the candidates; the current raters left out)."""
    taken = set(raters(interview))
    return [u for u in repos.users.list(role="hr", active=True) if u.id not in taken]


def add_member(repos, user: User, interview_id: str, rater_id: Any, now: datetime) -> Interview:
    """Add an active HR user to the panel (the owner or an admin). Raises NotFound, ValidationError
    ({rater_id}: not an active HR user, the owner, already on it, panel full), Conflict (an evaluated
    or cancelled interview; the panel changed meanwhile)."""
    interview = owned(repos, user, interview_id, now)
    if interview.status == "cancelled":
        raise Conflict("A cancelled interview has no panel.")
    if interview.status == EVALUATED:  # raters would find a result recorded before they rated
        raise Conflict("The overall result is recorded already: form the panel before recording it.")
    person = repos.users.get(rater_id) if isinstance(rater_id, str) else None
    if person is None or person.role != "hr" or not person.active:
        raise ValidationError("Choose an active HR user.", {"rater_id": "Choose an active HR user."})
    if person.id == interview.hr_id:
        raise ValidationError(f"{person.name} owns this interview and rates it already.",
                              {"rater_id": "The owner rates already."})
    if person.id in interview.panel:
        raise ValidationError(f"{person.name} is on the panel already.", {"rater_id": "Already on the panel."})
    if not interview.panel and any(r.score is not None for r in repos.responses.for_interview(interview.id).values()):
        raise Conflict("Answers are scored already: form the panel before scoring, so every rater rates blind.")
    if len(interview.panel) >= MAX_PANEL:
        raise ValidationError(f"A panel has at most {MAX_PANEL} members.", {"rater_id": "The panel is full."})
    rev = repos.panels.panel_rev(interview.id)
    if not repos.panels.set_panel(interview.id, rev, [*interview.panel, person.id]):
        raise Conflict("The panel changed meanwhile: reload and try again.")
    repos.panels.ensure(interview.id, person.id, now, added_by=user.id)
    if interview.hr_id:  # the owner rates too: their rating exists from the start, so it is listed
        repos.panels.ensure(interview.id, interview.hr_id, now, added_by=user.id)
    audit.record(repos, user, "panel.add", "interview", interview.id, now, interview_id=interview.id,
                 after={"rater": audit.ref_of(person)})
    return repos.interviews.get(interview.id)


def remove_member(repos, user: User, interview_id: str, rater_id: str, now: datetime) -> Interview:
    """Take a member off the panel (the owner or an admin); their empty draft goes with them.
    Conflict, nothing changed, for: a member who has submitted (their rating is part of the record,
    code "submitted"); a member whose draft holds a rating or a quote (it is not deleted silently:
    they clear it, or submit it, first; code "draft"). A deactivated member's draft, which no one can
    finish any more, goes with them (the audit event says so)."""
    interview = owned(repos, user, interview_id, now)
    if rater_id not in interview.panel:
        raise NotFound("No such member of this panel.")
    rating = repos.panels.get(interview.id, rater_id)
    if rating is not None and rating.submitted:
        raise Conflict("This rater has submitted their rating; it stays part of the panel's record.",
                       {"code": "submitted"})
    person = repos.users.get(rater_id)
    who = person.name if person else "This rater"
    started = rating is not None and any(i.get("rating") is not None or i.get("evidence") for i in rating.items)
    if started and person is not None and person.active:
        raise Conflict(f"{who} has a draft rating in progress: removing them would delete it. Ask them to "
                       "clear it (or submit it) first; nothing was changed.", {"code": "draft"})
    rev = repos.panels.panel_rev(interview.id)
    if not repos.panels.set_panel(interview.id, rev, [m for m in interview.panel if m != rater_id]):
        raise Conflict("The panel changed meanwhile: reload and try again.")
    repos.panels.delete_draft(interview.id, rater_id)
    audit.record(repos, user, "panel.remove", "interview", interview.id, now, interview_id=interview.id,
                 before={"rater": audit.ref_of(person), **({"draft": "discarded"} if started else {})})
    return repos.interviews.get(interview.id)


# --- one rater's rating ------------------------------------------------------------------------------

def rater_interview(repos, user: User, interview_id: str, now: datetime) -> Interview:
    """The interview if `user` rates it; NotFound for one they cannot see, Forbidden for an admin
    (admins oversee panels, they do not rate)."""
    interview = viewable(repos, user, interview_id, now)
    if not is_rater(user, interview):
        raise Forbidden("Only the raters of an interview rate it: its owner and the HR users on its panel.")
    return interview


def my_rating(repos, user: User, interview_id: str, now: datetime) -> tuple[Interview, Rating]:
    """The interview and `user`'s rating of it (created as an empty draft on first read)."""
    interview = rater_interview(repos, user, interview_id, now)
    return interview, repos.panels.ensure(interview.id, user.id, now)


def _answers(repos, interview: Interview) -> dict[str, str]:
    return {qid: r.answer for qid, r in repos.responses.for_interview(interview.id).items()}


def _open(interview: Interview) -> None:
    if interview.status not in RATABLE:
        raise Conflict("Rating opens once the candidate has handed in (or the deadline has passed).")


def _stale(current: Rating, sent_items: list[dict]) -> Rating:
    """The stored rating when it already holds what was sent (a repeat); else Conflict with it."""
    if current.items == sent_items:
        return current
    if current.submitted:
        raise Conflict("Your rating is submitted and read-only.", _rating_details(current))
    raise Conflict("Your rating was saved from elsewhere meanwhile (another tab?): yours was not saved. "
                   "Reload to see it.", _rating_details(current))


def _rating_details(rating: Rating) -> dict:
    return {"version": rating.version, "status": rating.status, "items": rating.items}


def save_draft(repos, user: User, interview_id: str, items: Any, version: Any, now: datetime) -> Rating:
    """Apply `items` to the caller's draft (pairs not sent keep their values). Compare-and-set on
    `version` (the one last read): a stale one is Conflict with the stored rating in `details`.
    ValidationError (nothing stored) for a rating outside 1–5 or evidence not in the answer."""
    interview, rating = my_rating(repos, user, interview_id, now)
    _open(interview)
    if rating.submitted:
        raise Conflict("Your rating is submitted and read-only.", _rating_details(rating))
    version = _version(version)
    merged = _clean(interview, items, _answers(repos, interview), rating.items)
    if version != rating.version:
        return _stale(rating, merged)
    if merged == rating.items:
        return rating
    if not repos.panels.save_draft(rating, merged, now):
        return _stale(repos.panels.get(interview.id, user.id), merged)
    return repos.panels.get(interview.id, user.id)


def submit(repos, user: User, interview_id: str, items: Any, version: Any, now: datetime) -> Rating:
    """Apply `items` and submit: draft → submitted in one compare-and-set on `version`, after which
    the rating is read-only. ValidationError listing by name every pair still without a rating (or
    evidence, when required); Conflict when stale or submitted already."""
    interview, rating = my_rating(repos, user, interview_id, now)
    _open(interview)
    if rating.submitted:
        raise Conflict("Your rating was submitted already.", _rating_details(rating))
    version = _version(version)
    answers = _answers(repos, interview)
    merged = _clean(interview, items or [], answers, rating.items)
    if version != rating.version:
        raise Conflict("Your rating changed meanwhile (another tab?): reload and submit again.",
                       _rating_details(rating))
    gaps = missing(interview, merged, answers)
    if gaps:
        raise ValidationError("Rate every answer on every competency before submitting: " + "; ".join(gaps) + ".",
                              {"missing": gaps})
    if not repos.panels.submit(rating, merged, now):
        current = repos.panels.get(interview.id, user.id)
        raise Conflict("Your rating was submitted already." if current and current.submitted
                       else "Your rating changed meanwhile: reload and submit again.",
                       _rating_details(current) if current else None)
    audit.record(repos, user, "rating.submit", "interview", interview.id, now, interview_id=interview.id,
                 after={"ratings": len(merged)})
    return repos.panels.get(interview.id, user.id)


def _version(value: Any) -> int:
    if isinstance(value, bool):
        value = None
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit() and len(value.strip()) < 10:
        value = int(value.strip())
    if not isinstance(value, int) or not 1 <= value < 2**31:
        raise ValidationError("This form is out of date: reload the page.", {"version": "Missing or unreadable."})
    return value


# --- all ratings side by side -------------------------------------------------------------------

@dataclass
class Cell:
    """One (question, competency) pair across the panel."""

    pair: Pair
    ratings: list[tuple[str, int | None, str]] = field(default_factory=list)  # (rater name, rating, evidence)
    ai_score: float | None = None  # the AI's latest proposal for the answer (0–10), when there is one
    ai_rating: dict | None = None  # its proposal on this competency: {rating 1–5, evidence [quotes], reason}

    @property
    def values(self) -> list[int]:
        return [v for _, v, _ in self.ratings if v is not None]

    @property
    def mean(self) -> float | None:
        return round(statistics.fmean(self.values), 2) if self.values else None

    @property
    def spread(self) -> tuple[int, int] | None:
        return (min(self.values), max(self.values)) if self.values else None

    @property
    def sd(self) -> float | None:
        """Population standard deviation of the submitted ratings (0 for one)."""
        return round(statistics.pstdev(self.values), 2) if self.values else None


@dataclass
class Board:
    cells: list[Cell]
    raters: list[str]  # names of those who submitted
    waiting: list[str]  # names of those still rating


def board(repos, user: User, interview_id: str, now: datetime) -> tuple[Interview, Board]:
    """Every submitted rating side by side with its mean, spread and SD, and the AI's score.
    Conflict ("blind") for a rater who has not submitted their own yet; admins always see it."""
    interview = viewable(repos, user, interview_id, now)
    if user.role == "hr" and is_rater(user, interview):
        mine = repos.panels.get(interview.id, user.id)
        if mine is None or not mine.submitted:
            raise Conflict("Ratings stay hidden until you submit your own.", {"code": "blind"})
    ratings = repos.panels.for_interview(interview.id)
    ids = raters(interview)
    # Every submitted rating is part of the record, also one by a rater no longer on the panel (the
    # former owner of a reassigned candidate): listed after the current raters, in submission order.
    former = sorted((uid for uid, r in ratings.items() if r.submitted and uid not in ids),
                    key=lambda uid: (str(ratings[uid].submitted_at or ""), uid))
    people = repos.users.by_ids([*ids, *former])
    name = lambda uid: people[uid].name if people.get(uid) else "(removed account)"  # noqa: E731
    done = [uid for uid in [*ids, *former] if ratings.get(uid) and ratings[uid].submitted]
    responses = repos.responses.for_interview(interview.id)
    cells = []
    for pair in pairs(interview):
        response = responses.get(pair.question_id)
        ai = (response.ai_evaluation or {}) if response else {}
        cell = Cell(pair, ai_score=ai.get("score"), ai_rating=proposals_of(response).get(pair.competency_id))
        for uid in done:
            item = ratings[uid].item(pair.question_id, pair.competency_id) or {}
            cell.ratings.append((name(uid), item.get("rating"), item.get("evidence", "")))
        cells.append(cell)
    return interview, Board(cells, [name(u) for u in done], [name(u) for u in ids if u not in done])


def proposals_of(response) -> dict[str, dict]:
    """The AI's per-competency proposals in an answer's latest evaluation, by competency id (the
    first for an id): {competency_id, rating 1–5, evidence, reason}; {} without an evaluation."""
    found: dict[str, dict] = {}
    for proposal in ((response.ai_evaluation if response is not None else None) or {}).get("competencies") or []:
        found.setdefault(proposal.get("competency_id"), proposal)
    return found


# --- the competency profile ------------------------------------------------------------------------------

@dataclass(frozen=True)
class ProfileRow:
    """One competency of an interview's result: what the panel, HR and the AI said on it.

    `panel_mean`: mean of every submitted panel rating (1–5) of the answers rated on it, over
    `panel_ratings` ratings with their range `panel_low`–`panel_high`; `hr_mean`: mean of HR's
    per-answer scores (0–10) of those answers, over `hr_scored` answers; `ai_mean`: mean of the AI's
    proposals (1–5) on it. None where there is nothing to average."""

    competency_id: str
    name: str
    questions: int
    panel_mean: float | None = None
    panel_ratings: int = 0
    panel_low: int | None = None
    panel_high: int | None = None
    hr_mean: float | None = None
    hr_scored: int = 0
    ai_mean: float | None = None


def profile(repos, interview: Interview, responses: dict | None = None) -> list[ProfileRow]:
    """The interview's competency profile, one row per competency in the order of its scales (one
    "Overall answer quality" row for an interview scheduled by hand). Two queries at most (the
    ratings; the responses unless given). The caller shows it only to someone not blind to the
    interview (`blind`): it holds every rater's values."""
    responses = responses if responses is not None else repos.responses.for_interview(interview.id)
    submitted = [r for r in repos.panels.for_interview(interview.id).values() if r.submitted]
    by_competency: dict[str, list[Pair]] = {}
    for pair in pairs(interview):
        by_competency.setdefault(pair.competency_id, []).append(pair)
    rows = []
    for competency_id, linked in by_competency.items():
        ratings = [item["rating"] for r in submitted for p in linked
                   for item in [r.item(p.question_id, competency_id) or {}] if isinstance(item.get("rating"), int)]
        answers = [responses.get(p.question_id) for p in linked]
        hr = [a.score for a in answers if a is not None and a.score is not None]
        ai = [proposal["rating"] for a in answers for proposal in [proposals_of(a).get(competency_id)] if proposal]
        rows.append(ProfileRow(
            competency_id=competency_id, name=linked[0].competency, questions=len(linked),
            panel_mean=round(statistics.fmean(ratings), 2) if ratings else None, panel_ratings=len(ratings),
            panel_low=min(ratings) if ratings else None, panel_high=max(ratings) if ratings else None,
            hr_mean=round(statistics.fmean(hr), 2) if hr else None, hr_scored=len(hr),
            ai_mean=round(statistics.fmean(ai), 2) if ai else None))
    return rows


# --- the outcome ----------------------------------------------------------------------------------------

def record_outcome(repos, user: User, interview_id: str, outcome: Any, seen: Any, now: datetime) -> Interview:
    """The final decision, by the owner or an admin, once the interview is completed or evaluated.

    `seen` is the `outcome_at` the form or client read (ISO 8601, "" for none): a decision someone
    recorded meanwhile is Conflict (409) with it in `details`; the same decision sent twice is accepted.
    A rater-owner of a panel interview decides after submitting their own rating."""
    interview = owned(repos, user, interview_id, now)
    if outcome not in OUTCOMES:
        raise ValidationError("Choose advance, reject, hire or withdrawn.",
                              {"outcome": "Choose advance, reject, hire or withdrawn."})
    if interview.status not in RATABLE:
        raise Conflict("An outcome is recorded once the interview is completed.")
    require_not_blind(repos, user, interview)
    seen_at = None if seen in (None, "") else str(seen)
    current = interview.outcome_at.isoformat() if interview.outcome_at else None
    if seen is not None and seen_at != current:
        return _outcome_conflict(interview, outcome)
    if not repos.panels.set_outcome(interview.id, interview.outcome_at, RATABLE, outcome=outcome, outcome_at=now,
                                    outcome_by=user.id):
        fresh = repos.interviews.get(interview.id)
        if fresh is None:
            raise NotFound("No such interview.")
        return _outcome_conflict(fresh, outcome)
    audit.record(repos, user, "interview.outcome", "interview", interview.id, now, interview_id=interview.id,
                 before={"outcome": interview.outcome}, after={"outcome": outcome})
    return repos.interviews.get(interview.id)


def _outcome_conflict(current: Interview, outcome: str) -> Interview:
    if current.outcome == outcome:
        return current
    raise Conflict(f"Someone recorded the outcome “{current.outcome or 'none'}” meanwhile; yours was not saved. "
                   "Reload to see it, then record yours again if it should replace it.",
                   {"outcome": current.outcome,
                    "outcome_at": current.outcome_at.isoformat() if current.outcome_at else ""})


# --- the rater's list ------------------------------------------------------------------------------------

def rated_by(repos, user: User, page: int = 1, per_page: int = 20):
    """One page of the interviews `user` rates (a page of ratings and the interviews they name: two
    queries plus the count), as (Page of (Interview, Rating)); interviews no longer theirs to rate
    are left out."""
    svc.require_staff(user)
    found = repos.panels.page_for_rater(user.id, page, per_page)
    interviews = repos.interviews.by_ids(r.interview_id for r in found.items)
    found.items = [(interviews[r.interview_id], r) for r in found.items
                   if r.interview_id in interviews and is_rater(user, interviews[r.interview_id])]
    return found


# --- reliability of the panels' ratings -------------------------------------------------------------

def reliability_of_ratings(repos, user: User):
    """Inter-rater reliability of the submitted panel ratings `user` may see (services/reliability.py),
    or None when there are none: Krippendorff's alpha (interval, on the 1–5 scales) with its 95 %
    bootstrap interval per competency (`parts`, units = answers) and over every competency pooled
    (`overall`, units = answer × competency); each rater against the mean of the others (`raters`,
    by name); the AI's proposals per competency against the mean of the panel's ratings of the same
    answer and competency (`ai`, pooled; `ai_parts`, per competency); the pooled figure by calendar
    month of a unit's last submitted rating (`months`).

    Scope: an admin, every panel; an HR user, the interviews they rate now and have submitted a rating
    of themselves (what their boards show them), so nothing of an interview they still rate blind or
    no longer rate.
    Read and computed once per `evaluations.scores_version` and scope in a process (`reliability.memo`);
    names are read each time (a rename shows at once)."""
    from . import reliability
    from .evaluations import scores_version

    svc.require_staff(user)

    def compute():
        rows = sorted((r.interview_id, i["question_id"], i["competency_id"], r.rater_id, i["rating"], r.submitted_at)
                      for r in repos.panels.submitted_in_scope(None if user.role == "admin" else user.id)
                      for i in r.items if isinstance(i.get("rating"), int))
        if user.role != "admin":  # a former owner (the candidate reassigned since) no longer sees that board
            still = _still_rated_by(repos, user, sorted({row[0] for row in rows}))
            rows = [row for row in rows if row[0] in still]
        if not rows:
            return None
        proposals = _ai_proposals(repos, sorted({row[0] for row in rows}))
        pooled: dict[tuple, dict[str, int]] = {}
        when: dict[tuple, datetime] = {}
        per_competency: dict[str, dict[tuple, dict[str, int]]] = {}
        for interview_id, question_id, competency_id, rater_id, value, at in rows:
            unit = (interview_id, question_id, competency_id)
            pooled.setdefault(unit, {})[rater_id] = value
            per_competency.setdefault(competency_id, {}).setdefault((interview_id, question_id), {})[rater_id] = value
            if at is not None and (unit not in when or at > when[unit]):
                when[unit] = at
        parts = [reliability.reliability(units, competency_id) for competency_id, units in per_competency.items()]
        parts.sort(key=lambda p: (-p.n_units, p.label))
        ai_parts = {c: reliability.ai_vs_humans(units, {(i, q): proposals.get((i, q, c)) for i, q in units})
                    for c, units in per_competency.items()}
        report = reliability.ReliabilityReport(overall=reliability.reliability(pooled, "All competencies"),
                                               raters=reliability.rater_vs_others(pooled),
                                               ai=reliability.ai_vs_humans(pooled, proposals),
                                               months=reliability.by_month(pooled, when), parts=parts,
                                               ai_parts=ai_parts)
        return report, {row[2]: row[0] for row in rows}  # an interview per competency, for a removed one's name

    computed = reliability.memo("panel-ratings", scores_version(repos, user), compute)
    return _named(repos, *computed) if computed else None


def _still_rated_by(repos, user: User, interview_ids: list[str], chunk: int = 500) -> set[str]:
    """Of these interviews, those `user` is a rater of now (owner or panel member)."""
    out = set()
    for start in range(0, len(interview_ids), chunk):
        found = repos.interviews.by_ids(interview_ids[start:start + chunk])
        out |= {i for i, interview in found.items() if is_rater(user, interview)}
    return out


def _ai_proposals(repos, interview_ids: list[str], chunk: int = 500) -> dict[tuple[str, str, str], int]:
    """The AI's latest proposal per (interview, question, competency) of these interviews, 1–5."""
    out = {}
    for start in range(0, len(interview_ids), chunk):
        for interview_id, by_question in repos.responses.for_interviews(interview_ids[start:start + chunk]).items():
            for question_id, response in by_question.items():
                for competency_id, proposal in proposals_of(response).items():
                    if isinstance(proposal.get("rating"), int):
                        out[(interview_id, question_id, competency_id)] = proposal["rating"]
    return out


def _named(repos, report, sample: dict[str, str]):
    """The report with competency ids and rater ids replaced by names, read now (renames show at once);
    `sample`: an interview rated on each competency (a removed competency's name is frozen there)."""
    competency_ids = set(sample)
    library = repos.competencies.by_ids([c for c in competency_ids if c != GENERAL["id"]])
    names = {c.id: c.name for c in library.values()}
    names[GENERAL["id"]] = GENERAL["name"]
    unnamed = {c for c in competency_ids if c not in names}
    if unnamed:  # taken out of the library since: the name frozen into an interview that used it
        for competency_id, interview_id in ((c, sample[c]) for c in unnamed):
            interview = repos.interviews.get(interview_id)
            frozen = competencies_of(interview).get(competency_id) if interview else None
            names[competency_id] = frozen["name"] if frozen else "(removed competency)"
    people = repos.users.by_ids({a.rater for a in report.raters})
    person = {uid: u.name if u else "(removed account)" for uid, u in people.items()}
    return replace(report, parts=[replace(p, label=names.get(p.label, p.label)) for p in report.parts],
                   ai_parts={names.get(c, c): a for c, a in report.ai_parts.items()},
                   raters=sorted((replace(a, rater=person.get(a.rater, "(removed account)")) for a in report.raters),
                                 key=lambda a: a.rater.lower()))
