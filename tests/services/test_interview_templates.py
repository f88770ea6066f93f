"""Competencies (BARS) and interview templates: validation, compare-and-set edits, copies, archive,
and scheduling many candidates from a template in one step — checked on stored state."""
from __future__ import annotations

from datetime import timedelta

import pytest

from interviewer.errors import Conflict, Forbidden, NotFound, ValidationError
from interviewer.services import competencies as comp
from interviewer.services import interviews as svc
from interviewer.services import templates as tpl
from interviewer.services import users as user_service

ANCHORS = ["Does nothing useful.", "Partly.", "Meets the bar.", "Above the bar.", "Sets the bar."]


def competency_data(name="Systems thinking", **over):
    return {"name": name, "description": "Sees the whole.", "anchors": list(ANCHORS), **over}


@pytest.fixture
def two(repos, world, now):
    """Two competencies of the examples the migration inserts."""
    page = comp.list_page(repos, world["hr_a"], 1, 100)
    by_name = {c.name: c for c in page.items}
    return by_name["Problem solving"], by_name["Communication"]


def template_data(two, **over):
    a, b = two
    data = {"name": "Backend, senior", "job_title": "Backend engineer", "job_description": "Python",
            "competency_ids": [a.id, b.id], "window_hours": 48,
            "questions": [{"text": "Design a rate limiter.", "competency_ids": [a.id], "key_points": "window\ncounter"},
                          {"text": "Explain it to a product manager.", "competency_ids": [a.id, b.id]}]}
    data.update(over)
    return data


# --- competencies -----------------------------------------------------------------------------

def test_the_migration_ships_example_competencies_with_five_anchors(repos, world):
    names = {c.name: c for c in comp.list_page(repos, world["admin"], 1, 100).items}
    for name in ("Problem solving", "Communication", "Technical depth", "Ownership and accountability",
                 "Collaboration", "Learning"):
        assert len(names[name].anchors) == 5 and all(names[name].anchors)
        assert names[name].builtin


def test_the_migration_is_safe_to_run_twice(app, repos, world):
    from interviewer.db import get_db
    from interviewer.migrate import _load, available

    before = repos.competencies.page(1, 100).total
    path = next(p for p in available() if p.stem == "0014_competencies_and_templates")
    with app.app_context():
        _load(path).upgrade(get_db())
    assert repos.competencies.page(1, 100).total == before


def test_create_and_case_insensitive_unique_names(repos, world, now):
    made = comp.create(repos, world["hr_a"], competency_data(), now)
    assert repos.competencies.get(made.id).anchors == ANCHORS
    with pytest.raises(ValidationError) as err:
        comp.create(repos, world["hr_b"], competency_data(name="  SYSTEMS   thinking "), now)
    assert "name" in err.value.details
    assert repos.competencies.page(1, 100).total == 7


def test_names_that_read_alike_are_one_name(repos, world, now, app):
    """Full-width letters and ligatures are the same name (NFKC); the migration recomputes stored keys,
    leaving a pair that would now collide as it was."""
    from interviewer.db import get_db
    from interviewer.migrate import _load, available

    comp.create(repos, world["hr_a"], competency_data(name="B skill"), now)
    for alike in ("\uff22 SKILL", "B s\u212aill", "\uff42 \uff53\uff4b\uff49\uff4c\uff4c"):  # Ｂ, Kelvin sign, ｂ ｓｋｉｌｌ
        with pytest.raises(ValidationError) as err:
            comp.create(repos, world["hr_b"], competency_data(name=alike), now)
        assert "name" in err.value.details, alike
    old_a = repos.competencies.col.insert_one({"name": "\ufb01le skill", "name_key": "\ufb01le skill"}).inserted_id
    old_b = repos.competencies.col.insert_one({"name": "Other \uff21", "name_key": "other \uff41"}).inserted_id
    repos.competencies.col.insert_one({"name": "Other A", "name_key": "other a"})
    path = next(p for p in available() if p.stem == "0018_competency_names_nfkc")
    with app.app_context():
        _load(path).upgrade(get_db())
    assert repos.competencies.col.find_one({"_id": old_a})["name_key"] == "file skill"
    assert repos.competencies.col.find_one({"_id": old_b})["name_key"] == "other \uff41"  # would collide: kept


@pytest.mark.parametrize(("over", "field"), [
    ({"name": ""}, "name"), ({"name": "x" * 101}, "name"), ({"description": "d" * 1001}, "description"),
    ({"anchors": ANCHORS[:4]}, "anchor_5"), ({"anchors": ["", *ANCHORS[1:]]}, "anchor_1"),
    ({"anchors": [*ANCHORS[:2], "a" * 501, *ANCHORS[3:]]}, "anchor_3"), ({"anchors": [*ANCHORS, "six"]}, "anchors"),
    ({"anchors": "not a list"}, "anchor_1"),
])
def test_invalid_competencies_are_refused_at_the_field_and_not_stored(repos, world, now, over, field):
    total = repos.competencies.page(1, 100).total
    with pytest.raises(ValidationError) as err:
        comp.create(repos, world["hr_a"], competency_data(**over), now)
    assert field in err.value.details
    assert repos.competencies.page(1, 100).total == total


def test_a_stale_competency_edit_is_a_conflict_with_the_current_values(repos, world, now):
    made = comp.create(repos, world["hr_a"], competency_data(), now)
    first = comp.update(repos, world["hr_a"], made.id, competency_data(description="First."), made.version, now)
    assert first.version == made.version + 1
    with pytest.raises(Conflict) as err:
        comp.update(repos, world["admin"], made.id, competency_data(description="Second."), made.version, now)
    assert err.value.details["description"] == "First." and err.value.details["version"] == first.version
    assert repos.competencies.get(made.id).description == "First."
    # the same edit sent twice is no conflict
    assert comp.update(repos, world["hr_a"], made.id, competency_data(description="First."), made.version,
                       now).version == first.version


def test_hr_edits_only_competencies_they_created(repos, world, now, two):
    """F7: the library is shared: the shipped examples and another HR user's competencies are edited by
    an admin (HR copies them); nothing is written on a refusal."""
    mine = comp.create(repos, world["hr_a"], competency_data(), now)
    assert comp.may_edit(world["hr_a"], mine) and not comp.may_edit(world["hr_b"], mine)
    assert not comp.may_edit(world["hr_a"], two[0]) and comp.may_edit(world["admin"], two[0])
    for user, target in ((world["hr_b"], mine), (world["hr_a"], two[0])):
        with pytest.raises(Forbidden) as err:
            comp.update(repos, user, target.id, competency_data(name="Taken over"), target.version, now)
        assert "Copy it" in err.value.message
        assert repos.competencies.get(target.id).name == target.name
        assert repos.competencies.get(target.id).version == target.version
    assert comp.update(repos, world["hr_a"], mine.id, competency_data(description="Mine."), 1, now).version == 2
    assert comp.update(repos, world["admin"], two[0].id, competency_data(name="Solving problems"), two[0].version,
                       now).name == "Solving problems"
    copied = comp.copy(repos, world["hr_b"], mine.id, now)
    assert comp.may_edit(world["hr_b"], repos.competencies.get(copied.id))


def test_copy_a_competency(repos, world, now, two):
    one = comp.copy(repos, world["hr_a"], two[0].id, now)
    other = comp.copy(repos, world["hr_a"], two[0].id, now)
    assert (one.name, other.name) == ("Problem solving (copy)", "Problem solving (copy 2)")
    assert one.anchors == two[0].anchors and not one.builtin


def test_candidates_see_no_competency(repos, world, two):
    with pytest.raises(NotFound):
        comp.get(repos, world["cand_a"], two[0].id)


# --- templates ----------------------------------------------------------------------------------

def test_create_a_template(repos, world, now, two):
    made = tpl.create(repos, world["hr_a"], template_data(two), now)
    stored = repos.templates.get(made.id)
    assert stored.owner_id == world["hr_a"].id and stored.window_hours == 48 and stored.version == 1
    assert [q.competency_ids for q in stored.questions] == [[two[0].id], [two[0].id, two[1].id]]
    assert stored.questions[0].key_points == ["window", "counter"]
    assert repos.audit.last()["action"] == "template.create"


def test_a_competency_without_a_question_is_named(repos, world, now, two):
    data = template_data(two, questions=[{"text": "Only one.", "competency_ids": [two[0].id]}])
    with pytest.raises(ValidationError) as err:
        tpl.create(repos, world["hr_a"], data, now)
    assert "Communication" in err.value.details["competency_ids"]
    assert repos.templates.page(None).total == 0


@pytest.mark.parametrize(("over", "field"), [
    ({"name": ""}, "name"), ({"job_title": ""}, "job_title"), ({"job_title": "t" * 201}, "job_title"),
    ({"window_hours": "0"}, "window_hours"), ({"window_hours": "²"}, "window_hours"),
    ({"window_hours": "9" * 5000}, "window_hours"), ({"window_hours": True}, "window_hours"),
    ({"competency_ids": []}, "competency_ids"), ({"competency_ids": ["000000000000000000000000"]}, "competency_ids"),
    ({"questions": []}, "questions"), ({"questions": [{"text": "x"}] * 51}, "questions"),
])
def test_invalid_templates_are_refused_and_not_stored(repos, world, now, two, over, field):
    with pytest.raises(ValidationError) as err:
        tpl.create(repos, world["hr_a"], template_data(two, **over), now)
    assert field in err.value.details
    assert repos.templates.page(None).total == 0


def test_a_question_must_link_the_templates_competencies(repos, world, now, two):
    foreign = comp.create(repos, world["hr_a"], competency_data(), now)
    data = template_data(two)
    data["questions"][0]["competency_ids"] = [foreign.id]
    data["questions"].append({"text": "No links.", "competency_ids": []})
    with pytest.raises(ValidationError) as err:
        tpl.create(repos, world["hr_a"], data, now)
    assert {"questions.1.competency_ids", "questions.3.competency_ids"} <= set(err.value.details)


def test_hr_sees_only_their_own_templates(repos, world, now, two):
    made = tpl.create(repos, world["hr_a"], template_data(two), now)
    with pytest.raises(NotFound):
        tpl.visible(repos, world["hr_b"], made.id)
    with pytest.raises(NotFound):
        tpl.update(repos, world["hr_b"], made.id, template_data(two, name="Mine now"), 1, now)
    assert tpl.visible(repos, world["admin"], made.id).id == made.id
    assert tpl.list_page(repos, world["hr_b"]).total == 0 and tpl.list_page(repos, world["admin"]).total == 1
    assert repos.templates.get(made.id).name == "Backend, senior"


def test_a_stale_template_edit_is_a_conflict_and_not_stored(repos, world, now, two):
    made = tpl.create(repos, world["hr_a"], template_data(two), now)
    tpl.update(repos, world["hr_a"], made.id, template_data(two, window_hours=24), 1, now)
    with pytest.raises(Conflict) as err:
        tpl.update(repos, world["admin"], made.id, template_data(two, window_hours=72), 1, now)
    assert err.value.details["window_hours"] == 24 and err.value.details["version"] == 2
    assert repos.templates.get(made.id).window_hours == 24


def test_copy_and_archive(repos, world, now, two):
    made = tpl.create(repos, world["hr_a"], template_data(two), now)
    copied = tpl.copy(repos, world["hr_a"], made.id, now)
    assert copied.name == "Backend, senior (copy)" and [q.text for q in copied.questions] == [
        q.text for q in made.questions]
    tpl.set_archived(repos, world["hr_a"], made.id, True, 1, now)
    assert tpl.list_page(repos, world["hr_a"]).total == 1
    assert tpl.list_page(repos, world["hr_a"], archived=True).items[0].id == made.id
    with pytest.raises(Conflict):
        tpl.schedule(repos, world["hr_a"], made.id, now + timedelta(hours=1), [world["cand_a"].id], now,
                     tpl.new_batch_id())


@pytest.mark.parametrize(("value", "stored"), [(True, True), ("on", True), ("true", True), (False, False),
                                               ("off", False), ("", False), (None, False), (1, False)])
def test_require_evidence_is_read_from_json_and_from_a_checkbox(repos, world, now, two, value, stored):
    made = tpl.create(repos, world["hr_a"], template_data(two, require_evidence=value), now)
    assert repos.templates.get(made.id).require_evidence is stored


def test_a_template_asking_for_evidence_freezes_it_into_its_interviews(repos, world, now, two):
    made = tpl.create(repos, world["hr_a"], template_data(two, require_evidence=True), now)
    assert tpl.current_values(made)["require_evidence"] is True
    assert tpl.copy(repos, world["hr_a"], made.id, now).require_evidence is True
    result = tpl.schedule(repos, world["hr_a"], made.id, now + timedelta(hours=1), [world["cand_a"].id], now,
                          tpl.new_batch_id())
    first = repos.interviews.get(result.created[0].interview_id)
    assert first.require_evidence is True
    turned_off = tpl.update(repos, world["hr_a"], made.id, template_data(two, require_evidence=False), 1, now)
    assert turned_off.require_evidence is False and turned_off.version == 2
    assert repos.interviews.get(first.id).require_evidence is True  # frozen in: later edits leave it


# --- scheduling from a template ---------------------------------------------------------------------

def test_bulk_schedule_reports_each_candidate(repos, world, make_user, now, two):
    hr = world["hr_a"]
    made = tpl.create(repos, hr, template_data(two), now)
    second = make_user("candidate", hr=hr)
    off = make_user("candidate", hr=hr)
    user_service.set_active(repos, off.id, False)
    start = now + timedelta(hours=2)
    ids = [world["cand_a"].id, second.id, world["cand_a"].id, world["cand_b"].id, "000000000000000000000000",
           "nonsense", off.id, world["cand_free"].id]
    audit_before = repos.audit.last()["seq"]
    result = tpl.schedule(repos, hr, made.id, start, ids, now, tpl.new_batch_id())
    codes = [o.code for o in result.outcomes]
    assert codes == ["created", "created", "duplicate_in_request", "unknown", "unknown", "unknown", "deactivated",
                     "unknown"]
    for outcome in result.created:
        interview = repos.interviews.get(outcome.interview_id)
        assert interview.template_id == made.id and interview.deadline == start + timedelta(hours=48)
        assert [q.competency_ids for q in interview.questions] == [[two[0].id], [two[0].id, two[1].id]]
        assert [c["name"] for c in interview.competencies] == ["Problem solving", "Communication"]
        assert len(interview.competencies[0]["anchors"]) == 5
        assert len(repos.responses.for_interview(interview.id)) == 2
        assert repos.outbox.by_key(f"invitation:{interview.id}:0") is not None
    events = [e for e in repos.audit.in_order() if e["seq"] > audit_before]
    assert [e["action"] for e in events] == ["interview.schedule", "interview.schedule"]
    assert repos.interviews.count_for_candidate(world["cand_b"].id) == 0


def test_a_resent_bulk_request_creates_nothing_twice(repos, world, now, two):
    made = tpl.create(repos, world["hr_a"], template_data(two), now)
    batch, start = tpl.new_batch_id(), now + timedelta(hours=2)
    first = tpl.schedule(repos, world["hr_a"], made.id, start, [world["cand_a"].id], now, batch)
    again = tpl.schedule(repos, world["hr_a"], made.id, start, [world["cand_a"].id], now, batch)
    assert [o.code for o in again.outcomes] == ["already_done"]
    assert again.outcomes[0].interview_id == first.outcomes[0].interview_id
    other = tpl.schedule(repos, world["hr_a"], made.id, start, [world["cand_a"].id], now, tpl.new_batch_id())
    assert [o.code for o in other.outcomes] == ["already_open"]
    assert repos.interviews.count_for_candidate(world["cand_a"].id) == 1


def test_two_different_requests_racing_for_one_interview_create_it_once(repos, world, now, two, monkeypatch):
    """Two forms (or the owner and an admin) schedule the same candidate from the same template at the
    same time, each passing the check for an open interview before the other inserted: one creates it."""
    made = tpl.create(repos, world["hr_a"], template_data(two), now)
    start = now + timedelta(hours=2)
    first = tpl.schedule(repos, world["hr_a"], made.id, start, [world["cand_a"].id], now, tpl.new_batch_id())
    real = repos.interviews.open_from_template
    # the second request read the open interviews before the first inserted: its first check sees none
    monkeypatch.setattr(repos.interviews, "open_from_template",
                        lambda t, at, candidate_id=None: [] if candidate_id is None else real(t, at, candidate_id))
    second = tpl.schedule(repos, world["admin"], made.id, start, [world["cand_a"].id], now, tpl.new_batch_id())
    assert [o.code for o in second.outcomes] == ["already_open"]
    assert second.outcomes[0].interview_id == first.outcomes[0].interview_id
    assert repos.interviews.count_for_candidate(world["cand_a"].id) == 1
    assert repos.db.schedule_claims.count_documents({}) == 0  # released


def test_a_claim_held_by_a_request_still_writing_refuses_and_a_stale_one_is_taken_over(repos, world, now, two):
    made = tpl.create(repos, world["hr_a"], template_data(two), now)
    start = now + timedelta(hours=2)
    key = f"{made.id}:{world['cand_a'].id}:{start.isoformat()}"
    repos.db.schedule_claims.insert_one({"_id": key, "interview_id": "0" * 24, "claimed_at": now - timedelta(seconds=5)})
    busy = tpl.schedule(repos, world["hr_a"], made.id, start, [world["cand_a"].id], now, tpl.new_batch_id())
    assert [o.code for o in busy.outcomes] == ["already_open"] and "being scheduled" in busy.outcomes[0].message
    assert repos.interviews.count_for_candidate(world["cand_a"].id) == 0
    later = now + tpl.CLAIM_STALE  # the holder died: its claim is taken over
    done = tpl.schedule(repos, world["hr_a"], made.id, start, [world["cand_a"].id], later, tpl.new_batch_id())
    assert [o.code for o in done.outcomes] == ["created"]
    assert repos.interviews.count_for_candidate(world["cand_a"].id) == 1
    assert repos.db.schedule_claims.count_documents({}) == 0


def test_a_foreign_candidate_is_refused_exactly_like_a_made_up_id(repos, world, now, two):
    """F5: another HR user's candidate, an unassigned one and an id that does not exist get one
    refusal — same code, same message, no name — even when listed twice."""
    made = tpl.create(repos, world["hr_a"], template_data(two), now)
    ids = [world["cand_b"].id, world["cand_free"].id, "000000000000000000000000", world["cand_b"].id]
    result = tpl.schedule(repos, world["hr_a"], made.id, now + timedelta(hours=2), ids, now, tpl.new_batch_id())
    refused = result.outcomes[:3]
    assert {(o.code, o.message, o.name) for o in refused} == {("unknown", tpl.UNKNOWN_HR, "")}
    assert result.outcomes[3].code == "duplicate_in_request" and result.outcomes[3].name == ""
    for outcome in result.outcomes:
        assert world["cand_b"].name not in outcome.message + outcome.name
        assert world["cand_free"].name not in outcome.message + outcome.name
    assert repos.interviews.count_for_candidate(world["cand_b"].id) == 0


def test_a_batch_id_reused_on_another_template_schedules_there_and_writes_no_stray_response(repos, world, now, two):
    """F6: the derived id includes the template, so T2 schedules; T1's interview gains nothing."""
    t1 = tpl.create(repos, world["hr_a"], template_data(two), now)
    t2 = tpl.create(repos, world["hr_a"], template_data(two, name="Other", questions=[
        {"text": "Something else entirely.", "competency_ids": [two[0].id, two[1].id]}]), now)
    batch, start = tpl.new_batch_id(), now + timedelta(hours=2)
    first = tpl.schedule(repos, world["hr_a"], t1.id, start, [world["cand_a"].id], now, batch)
    second = tpl.schedule(repos, world["hr_a"], t2.id, start, [world["cand_a"].id], now, batch)
    assert [o.code for o in second.outcomes] == ["created"]
    one, two_ = first.outcomes[0].interview_id, second.outcomes[0].interview_id
    assert one != two_
    assert repos.interviews.get(two_).template_id == t2.id
    assert len(repos.responses.for_interview(one)) == 2  # no stray response for T2's question
    assert len(repos.responses.for_interview(two_)) == 1
    assert repos.interviews.count_for_candidate(world["cand_a"].id) == 2


def test_an_interview_under_the_derived_id_is_never_written_into(repos, world, now, two, monkeypatch):
    """F6: whatever holds the derived id (here: forced to collide), nothing is written before the
    insert and the refusal says so — no stray response, no invitation."""
    t1 = tpl.create(repos, world["hr_a"], template_data(two), now)
    t2 = tpl.create(repos, world["hr_a"], template_data(two, name="Other", questions=[
        {"text": "Something else entirely.", "competency_ids": [two[0].id, two[1].id]}]), now)
    batch, start = tpl.new_batch_id(), now + timedelta(hours=2)
    first = tpl.schedule(repos, world["hr_a"], t1.id, start, [world["cand_a"].id], now, batch)
    taken = first.outcomes[0].interview_id
    monkeypatch.setattr(tpl, "interview_id_for", lambda *_: taken)
    outbox_before = repos.db.outbox.count_documents({})
    second = tpl.schedule(repos, world["hr_a"], t2.id, start, [world["cand_a"].id], now, batch)
    assert [o.code for o in second.outcomes] == ["batch_reused"] and second.outcomes[0].interview_id is None
    assert len(repos.responses.for_interview(taken)) == 2
    assert repos.db.outbox.count_documents({}) == outbox_before
    assert repos.interviews.get(taken).template_id == t1.id


def test_later_template_edits_do_not_change_past_interviews(repos, world, now, two):
    made = tpl.create(repos, world["hr_a"], template_data(two), now)
    result = tpl.schedule(repos, world["hr_a"], made.id, now + timedelta(hours=1), [world["cand_a"].id], now,
                          tpl.new_batch_id())
    tpl.update(repos, world["hr_a"], made.id, template_data(two, questions=[
        {"text": "Replaced.", "competency_ids": [two[0].id, two[1].id]}]), 1, now)
    comp.update(repos, world["admin"], two[0].id, competency_data(name="Renamed"), two[0].version, now)
    interview = repos.interviews.get(result.created[0].interview_id)
    assert interview.questions[0].text == "Design a rate limiter."
    assert interview.competencies[0]["name"] == "Problem solving"


@pytest.mark.parametrize(("start", "ids", "batch", "field"), [
    (None, ["x"], None, "starts_at"), (-100, ["x"], None, "starts_at"), (1, [], None, "candidate_ids"),
    (1, ["x"] * 501, None, "candidate_ids"), (1, ["x"], "bad", "batch_id"),
])
def test_bulk_schedule_bad_input(repos, world, now, two, start, ids, batch, field):
    made = tpl.create(repos, world["hr_a"], template_data(two), now)
    starts_at = None if start is None else now + timedelta(hours=start)
    with pytest.raises(ValidationError) as err:
        tpl.schedule(repos, world["hr_a"], made.id, starts_at, ids, now, batch or tpl.new_batch_id())
    assert field in err.value.details
    assert repos.interviews.count_for_candidate(world["cand_a"].id) == 0


def test_scheduling_without_a_template_still_works(repos, world, schedule):
    interview = schedule(world["hr_a"], world["cand_a"])
    assert interview.template_id is None and interview.competencies == []
    assert svc.get_visible(repos, world["hr_a"], interview.id, interview.created_at).id == interview.id


def test_template_and_competency_events_read_as_sentences(repos, world, now, two):
    from interviewer.services import audit

    tpl.create(repos, world["hr_a"], template_data(two), now)
    event = repos.audit.last()
    people = repos.users.by_audit_refs([event["actor"]])
    assert audit.describe(event, people) == "HR A (hr) created the interview template “Backend, senior”"


@pytest.mark.parametrize("raw", ["Backend\u202e roines", "Back\u200bend\u2066 senior\u2069", "Backend\n\tsenior\x00"])
def test_names_lose_bidi_overrides_zero_width_and_control_characters(repos, world, now, two, raw):
    made = tpl.create(repos, world["hr_a"], template_data(two, name=raw, job_title=raw), now)
    stored = repos.templates.get(made.id)
    assert stored.name == stored.job_title == " ".join(
        "".join(c for c in raw if c not in "\u202e\u200b\u2066\u2069\x00").split())
    assert not any(c in stored.name for c in "\u202e\u200b\u2066\u2069\x00\n\t")
    competency = comp.create(repos, world["hr_a"], competency_data(name=raw), now)
    assert repos.competencies.get(competency.id).name == stored.name


def test_a_name_of_format_characters_only_is_refused(repos, world, now, two):
    with pytest.raises(ValidationError) as err:
        tpl.create(repos, world["hr_a"], template_data(two, name="\u202e\u200b"), now)
    assert "name" in err.value.details and repos.templates.page(world["hr_a"].id).total == 0
