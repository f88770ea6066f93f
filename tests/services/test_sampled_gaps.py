"""Behaviour a second uniform mutation sample found untested: the limit on copies of a competency
and what a copy carries, the labels and messages of self-identification, evidence exactly at its
length limit, a template edit sent twice, and the message for an unreadable bulk-schedule form.
Assertions are on stored state, replies and messages."""
from __future__ import annotations

from datetime import timedelta

import pytest
from bson import ObjectId
from panel_support import completed, items
from template_support import example_competencies, template_data

from interviewer.errors import Conflict, ValidationError
from interviewer.services import competencies as comp
from interviewer.services import demographics as demo
from interviewer.services import panels
from interviewer.services import templates as tpl

ANCHORS = ["Does nothing useful.", "Partly.", "Meets the bar.", "Above the bar.", "Sets the bar."]


@pytest.fixture
def two(repos, world):
    return example_competencies(repos, world["hr_a"])


# --- copies of a competency --------------------------------------------------------------------------

def test_a_copy_carries_the_description_and_anchors_and_is_the_copiers_new_one(repos, world, now):
    source = comp.create(repos, world["hr_a"], {"name": "Ownership", "description": "Sees it through.",
                                                "anchors": list(ANCHORS)}, now)
    later = now + timedelta(hours=1)
    made = comp.copy(repos, world["hr_b"], source.id, later)
    stored = repos.competencies.get(made.id)
    assert (stored.name, stored.description, stored.anchors) == ("Ownership (copy)", "Sees it through.", ANCHORS)
    assert (stored.created_by, stored.created_at, stored.updated_at) == (world["hr_b"].id, later, later)


def test_twenty_copies_are_made_and_the_twenty_first_is_refused_without_writing(repos, world, now, two):
    names = [comp.copy(repos, world["hr_a"], two[0].id, now).name for _ in range(comp.COPIES)]
    assert names == ["Problem solving (copy)"] + [f"Problem solving (copy {n})" for n in range(2, comp.COPIES + 1)]
    before = comp.list_page(repos, world["hr_a"], 1, 100).total
    with pytest.raises(Conflict) as err:
        comp.copy(repos, world["hr_a"], two[0].id, now)
    assert err.value.message == "There are 20 copies of “Problem solving” already: rename one first."
    assert comp.list_page(repos, world["hr_a"], 1, 100).total == before


# --- self-identification -----------------------------------------------------------------------------

def test_a_configured_dimension_without_a_label_is_named_from_its_key():
    assert demo.label("sex") == "Sex"
    assert demo.label("veteran_status") == "Veteran status"


def test_choosing_nothing_names_every_question_unanswered_and_stores_nothing(repos, world, now):
    categories = demo.categories_from("")
    with pytest.raises(ValidationError) as err:
        demo.save(repos, world["cand_a"], {d: "" for d in categories}, categories, now)
    assert err.value.details == {d: "No answer chosen." for d in categories}
    assert repos.demographics.get(world["cand_a"].id) is None


# --- evidence at its limit ----------------------------------------------------------------------------

def test_evidence_of_exactly_the_limit_is_kept_and_one_character_more_is_refused(repos, world, schedule, now):
    long_answer = " ".join(f"word{n:04d}" for n in range(200))  # 1,799 characters
    done = completed(repos, world, schedule, now, [long_answer])
    repos.db.interviews.update_one({"_id": ObjectId(done.id)}, {"$set": {"require_evidence": True}})
    done = repos.interviews.get(done.id)
    exact = long_answer[:panels.EVIDENCE_MAX]
    _, rating = panels.my_rating(repos, world["hr_a"], done.id, now)
    saved = panels.save_draft(repos, world["hr_a"], done.id, items(done, [4], [exact]), rating.version, now)
    assert saved.items[0]["evidence"] == exact
    with pytest.raises(ValidationError) as err:
        panels.save_draft(repos, world["hr_a"], done.id, items(done, [4], [long_answer[:panels.EVIDENCE_MAX + 1]]),
                          saved.version, now)
    assert list(err.value.details.values()) == [f"{panels.pairs(done)[0].label}: evidence is at most 1,000 characters."]
    assert repos.panels.get(done.id, world["hr_a"].id).items[0]["evidence"] == exact


# --- templates -----------------------------------------------------------------------------------------


def test_a_template_edit_sent_twice_is_accepted_once_and_a_different_one_is_a_conflict(repos, world, now, two):
    made = tpl.create(repos, world["hr_a"], template_data(two), now)
    edit = template_data(two, window_hours=24, job_title="Platform engineer")
    first = tpl.update(repos, world["hr_a"], made.id, edit, made.version, now)
    again = tpl.update(repos, world["hr_a"], made.id, edit, made.version, now)  # the resend, at the old version
    assert again.version == first.version == made.version + 1
    assert (again.window_hours, again.job_title) == (24, "Platform engineer")
    with pytest.raises(Conflict):
        tpl.update(repos, world["hr_a"], made.id, template_data(two, window_hours=24, job_title="Other"),
                   made.version, now)
    assert repos.templates.get(made.id).job_title == "Platform engineer"


def test_an_unreadable_batch_id_says_the_form_is_out_of_date(repos, world, now, two):
    made = tpl.create(repos, world["hr_a"], template_data(two), now)
    with pytest.raises(ValidationError) as err:
        tpl.schedule(repos, world["hr_a"], made.id, now + timedelta(hours=2), [world["cand_a"].id], now, "nope")
    assert err.value.message == "This form is out of date: reload it and send it again."
    assert err.value.details == {"batch_id": "Missing or unreadable."}
    assert repos.interviews.count_for_candidate(world["cand_a"].id) == 0


# --- the impact report's CSV -----------------------------------------------------------------------------

def test_the_csvs_unknown_row_carries_only_its_count_the_median_the_minimum_and_a_note():
    from interviewer.services import impact

    records = [impact.Record(groups={"sex": "female" if k % 2 else "male"}, outcome="hire" if k % 3 else "reject",
                             person=f"p{k}") for k in range(12)]
    records += [impact.Record(groups={}, outcome="hire", person=f"q{k}") for k in range(2)]
    rows = impact.csv_rows(impact.impact_report(records, dimensions=("sex",)))
    unknown = next(r for r in rows if r[:3] == ["selection", "sex", "(unknown: prefer not to say or no answer)"])
    assert unknown[3] == 2
    assert unknown[4:9] == [""] * 5
    assert unknown[9:11] == ["", impact.impact_report(records).min_group]
    assert unknown[11] and unknown[11] != "suppressed"


# --- pairs to rate -----------------------------------------------------------------------------------------

def test_a_question_linked_to_none_of_the_interviews_scales_is_rated_on_its_first_one(repos, world, schedule, two):
    interview = schedule(world["hr_a"], world["cand_a"], n=2)
    snapshot = [{"id": c.id, "name": c.name, "anchors": list(c.anchors)} for c in two]
    repos.db.interviews.update_one({"_id": ObjectId(interview.id)}, {"$set": {"competencies": snapshot}})
    interview = repos.interviews.get(interview.id)
    assert all(not q.competency_ids for q in interview.questions)
    assert [(p.question_id, p.competency_id, p.competency) for p in panels.pairs(interview)] == [
        (q.id, two[0].id, two[0].name) for q in interview.questions]
    by_hand = schedule(world["hr_a"], world["cand_a"], n=1)
    assert [p.competency_id for p in panels.pairs(by_hand)] == [panels.GENERAL["id"]]
