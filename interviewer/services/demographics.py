"""Voluntary self-identification: a candidate may say their sex and race/ethnicity so that admins can
check the process for adverse impact (services/impact.py). Optional, changeable, withdrawable.

Rules:
- Only the candidate reads or changes their own answers; anyone else — another candidate, HR, an
  admin, or the candidate naming another id — gets ``Forbidden`` with a plain message.
- Stored in the `demographics` collection, apart from the account; no interview view, API reply,
  log line or export other than the admin's aggregated impact report (and the candidate's own data
  download) carries it. Audit events say that the answers changed or were withdrawn, never what.
- Withdrawal deletes the document; so does erasure of the account.
- Categories are configurable (``SELF_ID_CATEGORIES``); the default follows the US EEO-1 component 1
  categories for sex and race/ethnicity. "prefer not to say" is always offered and counts as unknown.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ..errors import Forbidden, ValidationError
from ..models import User
from . import audit
from .impact import UNKNOWN

DEFAULT_CATEGORIES: dict[str, list[str]] = {
    "sex": ["female", "male", UNKNOWN],
    "race_ethnicity": ["Hispanic or Latino", "White", "Black or African American",
                       "Native Hawaiian or Other Pacific Islander", "Asian", "American Indian or Alaska Native",
                       "Two or More Races", UNKNOWN],
}
LABELS = {"sex": "Sex", "race_ethnicity": "Race/ethnicity"}
PURPOSE = ("Telling us your sex and race/ethnicity is voluntary. We use it only to check that our "
           "interviews treat every group fairly (adverse impact monitoring). The people who read and score "
           "your answers never see it; admins see it only as counts per group, never per person. Whether you "
           "answer or not changes nothing in how your application is handled. You can change your answers or "
           "withdraw them at any time; withdrawing deletes them.")
MAX_CATEGORY_CHARS = 80
MAX_DIMENSIONS = 4


def categories_from(setting: str | None) -> dict[str, list[str]]:
    """The configured categories: ``setting`` is JSON ``{dimension: [category, …]}`` (empty: the
    EEO-1 defaults). "prefer not to say" is appended where missing. ValueError for a malformed
    setting, so a deployment learns at start-up rather than from a candidate."""
    if not setting or not setting.strip():
        return {d: list(c) for d, c in DEFAULT_CATEGORIES.items()}
    try:
        parsed = json.loads(setting)
    except ValueError as exc:
        raise ValueError(f"SELF_ID_CATEGORIES is not valid JSON: {exc}") from None
    if not isinstance(parsed, dict) or not 1 <= len(parsed) <= MAX_DIMENSIONS:
        raise ValueError(f"SELF_ID_CATEGORIES must be an object of 1 to {MAX_DIMENSIONS} dimensions")
    out: dict[str, list[str]] = {}
    for dimension, values in parsed.items():
        if not (isinstance(dimension, str) and dimension.isidentifier()):
            raise ValueError(f"SELF_ID_CATEGORIES: {dimension!r} is not a dimension name (letters, digits, _)")
        if not (isinstance(values, list) and values and all(isinstance(v, str) and v.strip() for v in values)):
            raise ValueError(f"SELF_ID_CATEGORIES: {dimension} needs a list of category names")
        names = list(dict.fromkeys(v.strip()[:MAX_CATEGORY_CHARS] for v in values))
        out[dimension] = names if UNKNOWN in names else names + [UNKNOWN]
    return out


def label(dimension: str) -> str:
    return LABELS.get(dimension, dimension.replace("_", " ").capitalize())


def _own(user: User, candidate_id: str | None) -> None:
    if user.role != "candidate":
        raise Forbidden("Self-identification is given by each candidate for themselves: nobody else can read "
                        "or change it.")
    if candidate_id is not None and candidate_id != user.id:
        raise Forbidden("You can only give, see or withdraw your own self-identification, not someone else's.")


def get_own(repos, user: User, candidate_id: str | None = None) -> dict | None:
    """The candidate's own answers {answers, updated_at}, or None; Forbidden for anyone else's."""
    _own(user, candidate_id)
    return repos.demographics.get(user.id)


def validate(answers: Mapping[str, Any], categories: Mapping[str, list[str]]) -> dict[str, str]:
    """The answers to store: each dimension's value must be one of its categories; a dimension left
    empty is not stored. ValidationError (per field) for anything else, or when nothing is chosen."""
    errors: dict[str, str] = {}
    clean: dict[str, str] = {}
    for dimension, value in answers.items():
        if dimension not in categories:
            errors[str(dimension)[:40]] = "Not a question asked here."
        elif value is None or value == "":
            continue
        elif not isinstance(value, str) or value not in categories[dimension]:
            errors[dimension] = f"Choose one of the listed answers for {label(dimension).lower()}."
        else:
            clean[dimension] = value
    if errors:
        raise ValidationError("Some answers are not among the choices offered: nothing was saved.", errors)
    if not clean:
        raise ValidationError("Choose at least one answer, or withdraw to remove what you gave before.",
                              {d: "No answer chosen." for d in categories})
    return clean


def save(repos, user: User, answers: Mapping[str, Any], categories: Mapping[str, list[str]], now: datetime,
         candidate_id: str | None = None) -> dict:
    """Store the candidate's own answers (replacing earlier ones); returns them as stored."""
    _own(user, candidate_id)
    clean = validate(answers, categories)
    repos.demographics.save(user.id, clean, now)
    # The event says that the candidate answered, never what: the values stay in one collection.
    audit.record(repos, user, "self_identification.save", "user", user.audit_ref, now)
    return repos.demographics.get(user.id) or {"answers": clean, "updated_at": now}


def withdraw(repos, user: User, now: datetime, candidate_id: str | None = None) -> bool:
    """Delete the candidate's own answers; False when there were none (nothing recorded then)."""
    _own(user, candidate_id)
    gone = repos.demographics.delete(user.id) > 0
    if gone:
        audit.record(repos, user, "self_identification.withdraw", "user", user.audit_ref, now)
    return gone
