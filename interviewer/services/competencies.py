"""Competencies and their behaviourally anchored rating scales (BARS).

A competency has a name (unique in any case), a description, and five anchors: `anchors[0]` is the
observable behaviour that earns a rating of 1, `anchors[4]` the one that earns 5. HR users and
admins list, create and copy them. The library is shared, so an HR user edits only the competencies
they created; the shipped examples and other users' competencies are edited by an admin, and HR
copies them to make a version of their own (`may_edit`). Interviews keep the scale they were
scheduled with (a snapshot), so an edit never changes a past rating's meaning. Every edit is a
compare-and-set on `version`, so an edit made from a stale form is refused with the current values
(Conflict, 409), never written over them.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo.errors import DuplicateKeyError

from ..errors import Conflict, Forbidden, NotFound, ValidationError
from ..models import Competency, Page, User
from ..params import one_line
from . import audit

SCALE = (1, 2, 3, 4, 5)
NAME_MAX = 100
DESCRIPTION_MAX = 1_000
ANCHOR_MAX = 500
COPIES = 20  # "Name (copy)", "Name (copy 2)" … tried before giving up


def anchor_field(level: int) -> str:
    """The field name of the anchor for rating `level` (1–5): what errors are keyed by."""
    return f"anchor_{level}"


def require_staff(user: User) -> None:
    """HR and admins only; anyone else is told the competency does not exist."""
    if user.role not in ("hr", "admin"):
        raise NotFound("No such competency.")


def clean(data: dict[str, Any]) -> dict[str, Any]:
    """{name, description, anchors} checked: the name required (at most NAME_MAX characters), the
    description at most DESCRIPTION_MAX, exactly five anchors each required (at most ANCHOR_MAX).
    ValidationError keyed `name`, `description`, `anchor_1` … `anchor_5`."""
    errors: dict[str, str] = {}
    name = one_line(data.get("name"))
    if not name:
        errors["name"] = "Enter the competency's name."
    elif len(name) > NAME_MAX:
        errors["name"] = f"A name has at most {NAME_MAX} characters."
    description = str(data.get("description") or "").strip()
    if len(description) > DESCRIPTION_MAX:
        errors["description"] = f"A description has at most {DESCRIPTION_MAX:,} characters."
    given = data.get("anchors")
    anchors_in = list(given) if isinstance(given, list | tuple) else []
    anchors = []
    for level in SCALE:
        text = str(anchors_in[level - 1] if level <= len(anchors_in) else "").strip()
        if not text:
            errors[anchor_field(level)] = f"Describe the behaviour that earns a {level}."
        elif len(text) > ANCHOR_MAX:
            errors[anchor_field(level)] = f"An anchor has at most {ANCHOR_MAX} characters."
        anchors.append(text)
    if len(anchors_in) > len(SCALE):
        errors["anchors"] = "The scale has five levels: give exactly five anchors."
    if errors:
        raise ValidationError("Please correct the highlighted fields.", errors)
    return {"name": name, "description": description, "anchors": anchors}


def _taken(name: str) -> ValidationError:
    return ValidationError("That name is taken.", {"name": f"A competency named “{name}” exists already "
                                                           "(names are compared ignoring case)."})


def list_page(repos, user: User, page: Any = 1, per_page: Any = 20) -> Page:
    """One page of every competency by name."""
    require_staff(user)
    return repos.competencies.page(page, per_page)


def get(repos, user: User, competency_id: str) -> Competency:
    """The competency; NotFound when there is none (or `user` is not staff)."""
    require_staff(user)
    found = repos.competencies.get(competency_id)
    if found is None:
        raise NotFound("No such competency.")
    return found


def create(repos, user: User, data: dict[str, Any], now: datetime) -> Competency:
    """A new competency from `data` (see `clean`); ValidationError when invalid or the name is taken."""
    require_staff(user)
    fields = clean(data)
    if repos.competencies.by_name(fields["name"]) is not None:
        raise _taken(fields["name"])
    try:
        made = repos.competencies.insert(Competency(id="", created_by=user.id, created_at=now, updated_at=now,
                                                    **fields))
    except DuplicateKeyError:  # created meanwhile under the same name
        raise _taken(fields["name"]) from None
    audit.record(repos, user, "competency.create", "competency", made.id, now, after={"name": made.name})
    return made


def may_edit(user: User, competency: Competency) -> bool:
    """Admins edit any competency; an HR user only one they created (not a shipped example)."""
    return user.role == "admin" or (user.role == "hr" and not competency.builtin and competency.created_by == user.id)


NOT_YOURS = ("Only the HR user who created this competency, or an admin, may edit it: other templates use it "
             "too. Copy it to make a version of your own.")


def current_values(competency: Competency) -> dict[str, Any]:
    """What a Conflict carries: the stored values and version, so the editor can start again from them."""
    return {"name": competency.name, "description": competency.description, "anchors": list(competency.anchors),
            "version": competency.version}


def update(repos, user: User, competency_id: str, data: dict[str, Any], version: Any, now: datetime) -> Competency:
    """Replace name, description and anchors if the competency is still at `version` (the one the
    form was read at). Raises NotFound, ValidationError, or Conflict (409) with the current values
    in `details` when someone saved a change meanwhile; the same values sent twice are accepted.
    Forbidden (403), nothing written, for an HR user who may not edit it (`may_edit`)."""
    before = get(repos, user, competency_id)
    if not may_edit(user, before):
        raise Forbidden(NOT_YOURS)
    fields = clean(data)
    if isinstance(version, bool) or not isinstance(version, int):
        raise ValidationError("This form is out of date: reload the page.", {"version": "Missing or unreadable."})
    if version != before.version:
        return _conflict(before, fields)
    other = repos.competencies.by_name(fields["name"])
    if other is not None and other.id != before.id:
        raise _taken(fields["name"])
    try:
        written = repos.competencies.update(before.id, version, updated_at=now, **fields)
    except DuplicateKeyError:
        raise _taken(fields["name"]) from None
    if not written:
        fresh = repos.competencies.get(before.id)
        if fresh is None:
            raise NotFound("No such competency.")
        return _conflict(fresh, fields)
    changed = sorted(k for k, v in fields.items() if getattr(before, k) != v)
    audit.record(repos, user, "competency.update", "competency", before.id, now,
                 before={"version": before.version}, after={"version": version + 1, "changed": changed})
    return repos.competencies.get(before.id)


def _conflict(current: Competency, fields: dict[str, Any]) -> Competency:
    if (current.name, current.description, current.anchors) == (fields["name"], fields["description"],
                                                                fields["anchors"]):
        return current  # the same edit twice (a double click): nothing to refuse
    raise Conflict("Someone changed this competency meanwhile; yours was not saved. The current values are "
                   "shown: make your change again on them.", current_values(current))


def copy(repos, user: User, competency_id: str, now: datetime) -> Competency:
    """A new competency with the same description and anchors, named "<name> (copy)" (or "(copy 2)" …)."""
    source = get(repos, user, competency_id)
    for n in range(1, COPIES + 1):
        suffix = " (copy)" if n == 1 else f" (copy {n})"
        name = source.name[: NAME_MAX - len(suffix)] + suffix
        if repos.competencies.by_name(name) is not None:
            continue
        try:
            made = repos.competencies.insert(Competency(
                id="", name=name, description=source.description, anchors=list(source.anchors),
                created_by=user.id, created_at=now, updated_at=now))
        except DuplicateKeyError:
            continue
        audit.record(repos, user, "competency.copy", "competency", made.id, now,
                     before={"from": source.id}, after={"name": made.name})
        return made
    raise Conflict(f"There are {COPIES} copies of “{source.name}” already: rename one first.")
