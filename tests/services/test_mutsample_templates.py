"""Interview templates (services/templates.py, repositories/templates.py): behaviour a sampled
mutation run found untested — the refusals a bulk schedule explains, questions generated for a
template, the archive's audit events, and a stale scheduling claim taken over. Assertions are on
stored state, replies and messages."""
from __future__ import annotations

from datetime import timedelta

import pytest
from template_support import example_competencies, template_data

from interviewer.errors import ValidationError
from interviewer.repositories.base import from_db
from interviewer.services import interviews as svc
from interviewer.services import templates as tpl


@pytest.fixture
def two(repos, world):
    return example_competencies(repos, world["hr_a"])



# --- scheduling from a template ---------------------------------------------------------------------

def test_a_candidate_with_an_open_interview_from_the_template_is_refused_by_name(repos, world, now, two):
    made = tpl.create(repos, world["hr_a"], template_data(two), now)
    start = now + timedelta(hours=2)
    first = tpl.schedule(repos, world["hr_a"], made.id, start, [world["cand_a"].id], now, tpl.new_batch_id())
    again = tpl.schedule(repos, world["hr_a"], made.id, start, [world["cand_a"].id], now, tpl.new_batch_id())
    outcome = again.outcomes[0]
    assert (outcome.code, outcome.created, outcome.name) == ("already_open", False, "Cand A")
    assert outcome.message == "Cand A already has an open interview from this template at that time."
    assert outcome.interview_id == first.outcomes[0].interview_id


def test_a_resent_form_after_its_interview_was_cancelled_names_that_interview(repos, world, now, two):
    made = tpl.create(repos, world["hr_a"], template_data(two), now)
    batch, start = tpl.new_batch_id(), now + timedelta(hours=2)
    first = tpl.schedule(repos, world["hr_a"], made.id, start, [world["cand_a"].id], now, batch)
    interview_id = first.outcomes[0].interview_id
    svc.cancel(repos, world["hr_a"], interview_id, now)
    again = tpl.schedule(repos, world["hr_a"], made.id, start, [world["cand_a"].id], now, batch)
    outcome = again.outcomes[0]
    assert (outcome.code, outcome.created) == ("already_done", False)
    assert outcome.interview_id == interview_id
    assert repos.interviews.count_for_candidate(world["cand_a"].id) == 1
    assert repos.interviews.get(interview_id).status == "cancelled"


# --- questions for a template -----------------------------------------------------------------------

class Recorder:
    """A question generator that records the job it was given and returns `items`."""

    def __init__(self, items):
        self.items, self.jobs = items, []

    def generate_questions(self, job, resume, n, hint, bank):
        self.jobs.append(job)
        return self.items


def test_generated_template_questions_come_from_the_provider_given_the_job(repos, two):
    from interviewer.ai.types import GeneratedQuestion

    good = GeneratedQuestion(text="How would you shard a queue?", category="technical", difficulty=3,
                             reference_answer="By key.", key_points=["key"], tags=["queues"])
    provider = Recorder([good])
    ids = [c.id for c in two]
    questions, notice = tpl.generate_questions(repos, provider, "Backend engineer", "Queues and Flask", 1, ids)
    assert notice == ""
    assert [q["text"] for q in questions] == [good.text]
    assert questions[0]["competency_ids"] == ids
    assert [(j.title, j.description) for j in provider.jobs] == [("Backend engineer", "Queues and Flask")]


# --- archive ---------------------------------------------------------------------------------------

def test_archiving_and_bringing_back_are_audited_with_the_new_state(repos, world, now, two):
    made = tpl.create(repos, world["hr_a"], template_data(two), now)
    archived = tpl.set_archived(repos, world["hr_a"], made.id, True, made.version, now)
    back = tpl.set_archived(repos, world["hr_a"], made.id, False, archived.version, now)
    assert (archived.archived, back.archived) == (True, False)
    events = [e for e in repos.audit.in_order() if e["object_type"] == "template" and e["object_id"] == made.id]
    assert [(e["action"], e["before"], e["after"]) for e in events[1:]] == [
        ("template.archive", {"archived": False}, {"archived": True}),
        ("template.unarchive", {"archived": True}, {"archived": False})]


# --- scheduling claims ------------------------------------------------------------------------------

def test_a_claim_taken_over_is_dated_when_it_was_taken_over(repos, now):
    key = "template:candidate:2026-01-01T09:00:00+00:00"
    assert repos.templates.claim(key, "a" * 24, now - timedelta(minutes=5))["interview_id"] == "a" * 24
    assert repos.templates.take_over(key, "a" * 24, "b" * 24, now)
    held = repos.templates.claim(key, "c" * 24, now + timedelta(seconds=1))
    assert held["interview_id"] == "b" * 24
    assert from_db(held["claimed_at"]) == now  # fresh: not stale for another two minutes


def test_an_open_interview_of_one_candidate_does_not_stop_the_next_ones(repos, world, now, two, make_user):
    other = make_user("candidate", name="Cand Next", hr=world["hr_a"])
    made = tpl.create(repos, world["hr_a"], template_data(two), now)
    start = now + timedelta(hours=2)
    tpl.schedule(repos, world["hr_a"], made.id, start, [world["cand_a"].id], now, tpl.new_batch_id())
    result = tpl.schedule(repos, world["hr_a"], made.id, start, [world["cand_a"].id, other.id], now,
                          tpl.new_batch_id())
    assert [(o.candidate_id, o.code) for o in result.outcomes] == [(world["cand_a"].id, "already_open"),
                                                                  (other.id, "created")]
    assert repos.interviews.count_for_candidate(other.id) == 1


def test_an_unreadable_version_is_refused_at_the_version_field(repos, world, now, two):
    made = tpl.create(repos, world["hr_a"], template_data(two), now)
    with pytest.raises(ValidationError) as err:
        tpl.set_archived(repos, world["hr_a"], made.id, True, "1", now)
    assert err.value.details == {"version": "Missing or unreadable."}
    assert repos.templates.get(made.id).archived is False


def test_an_edit_is_audited_with_the_new_version_and_what_changed(repos, world, now, two):
    made = tpl.create(repos, world["hr_a"], template_data(two), now)
    questions = tpl.current_values(made)["questions"]  # with their ids, as the edit form sends them
    tpl.update(repos, world["hr_a"], made.id, template_data(two, name="Backend, staff", questions=questions),
               made.version, now)
    (event,) = [e for e in repos.audit.in_order() if e["action"] == "template.update"]
    assert event["before"] == {"version": made.version}
    assert event["after"] == {"version": made.version + 1, "changed": ["name"]}


def test_a_template_keeps_its_job_description_and_hands_it_to_its_interviews(repos, world, now, two):
    made = tpl.create(repos, world["hr_a"], template_data(two, job_description="Python services at scale"), now)
    assert repos.templates.get(made.id).job_description == "Python services at scale"
    result = tpl.schedule(repos, world["hr_a"], made.id, now + timedelta(hours=2), [world["cand_a"].id], now,
                          tpl.new_batch_id())
    interview = repos.interviews.get(result.outcomes[0].interview_id)
    assert interview.job_description == "Python services at scale"


@pytest.mark.parametrize(("over", "field", "message"), [
    ({"competency_ids": []}, "competency_ids", "Choose at least one competency this interview assesses."),
    ({"competency_ids": ["000000000000000000000000"], "questions": [
        {"text": "Design a rate limiter.", "competency_ids": ["000000000000000000000000"]}]},
     "competency_ids", "Some of the chosen competencies do not exist: choose them again."),
    ({"questions": ["not a question"]}, "questions.1.text", "Unreadable question."),
    ({"questions": [{"text": "Design a rate limiter.", "competency_ids": []}]}, "questions.1.competency_ids",
     "Link the question to at least one competency it rates."),
])
def test_a_template_refused_says_what_to_correct_at_the_field(repos, world, now, two, over, field, message):
    with pytest.raises(ValidationError) as err:
        tpl.create(repos, world["hr_a"], template_data(two, **over), now)
    assert err.value.message == "Please correct the highlighted fields."
    assert err.value.details[field] == message
    assert repos.templates.page(None).total == 0


def test_a_template_without_questions_is_told_to_add_one_not_to_link_competencies(repos, world, now, two):
    with pytest.raises(ValidationError) as err:
        tpl.create(repos, world["hr_a"], template_data(two, questions=[]), now)
    assert err.value.details == {"questions": "Add at least one question."}


def test_a_new_template_is_dated_when_it_was_made(repos, world, now, two):
    made = tpl.create(repos, world["hr_a"], template_data(two), now)
    stored = repos.templates.get(made.id)
    assert (stored.created_at, stored.updated_at) == (now, now)
    assert stored.owner_id == world["hr_a"].id
