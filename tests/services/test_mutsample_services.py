"""Competencies, self-identification, interviews, AI evaluations and resumes: behaviour a sampled
mutation run found untested — paging, edits that lose a race, the messages users read, and who and
what the audit trail records. Assertions are on stored state, replies and messages."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from interviewer.errors import Conflict, NotFound, ValidationError
from interviewer.services import audit, resumes
from interviewer.services import competencies as comp
from interviewer.services import demographics as demo
from interviewer.services import evaluations as ev
from interviewer.services import interviews as svc
from interviewer.services import reliability as rel

ANCHORS = ["Does nothing useful.", "Partly.", "Meets the bar.", "Above the bar.", "Sets the bar."]


def competency_data(name, **over):
    return {"name": name, "description": "Sees the whole.", "anchors": list(ANCHORS), **over}


def events(repos, action):
    return [e for e in repos.audit.in_order() if e["action"] == action]


@pytest.fixture
def finished(repos, world, schedule, now):
    """A completed interview of hr_a's (cand_a's) with two answers."""
    interview = schedule(world["hr_a"], world["cand_a"], n=2)
    for q, text in zip(interview.questions, ["Queues decouple producers.", "Indexes speed reads."], strict=True):
        svc.save_answer(repos, world["cand_a"], interview.id, q.id, text, now, seq=1)
    return svc.submit(repos, world["cand_a"], interview.id, now)


# --- competencies ----------------------------------------------------------------------------------

def test_the_second_page_of_competencies_is_the_second_page(repos, world):
    first = comp.list_page(repos, world["hr_a"], 1, 2)
    second = comp.list_page(repos, world["hr_a"], 2, 2)
    assert (first.page, second.page) == (1, 2)
    assert len(second.items) == 2
    assert not {c.id for c in first.items} & {c.id for c in second.items}
    everything = [c.id for c in comp.list_page(repos, world["hr_a"], 1, 100).items]
    assert [c.id for c in second.items] == everything[2:4]


def test_an_unknown_competency_is_not_found_with_a_message(repos, world):
    with pytest.raises(NotFound) as err:
        comp.get(repos, world["hr_a"], "000000000000000000000000")
    assert err.value.message == "No such competency."


def test_a_rename_to_a_name_taken_meanwhile_is_refused_at_the_name(repos, world, now, monkeypatch):
    mine = comp.create(repos, world["hr_a"], competency_data("Alpha thinking"), now)
    comp.create(repos, world["hr_b"], competency_data("Beta thinking"), now)
    # the check for a taken name ran before the other competency got the name: only the unique index sees it
    monkeypatch.setattr(repos.competencies, "by_name", lambda name: None)
    with pytest.raises(ValidationError) as err:
        comp.update(repos, world["hr_a"], mine.id, competency_data("Beta thinking"), mine.version, now)
    assert "Beta thinking" in err.value.details["name"]
    assert repos.competencies.get(mine.id).name == "Alpha thinking"


def test_an_edit_that_loses_the_race_to_another_is_refused_with_the_current_values(repos, world, now, monkeypatch):
    mine = comp.create(repos, world["hr_a"], competency_data("Alpha thinking"), now)
    real_by_name = repos.competencies.by_name

    def saved_elsewhere_first(name):  # another editor's save lands after this edit read the competency
        repos.competencies.update(mine.id, mine.version, description="Changed elsewhere.", updated_at=now)
        monkeypatch.setattr(repos.competencies, "by_name", real_by_name)
        return real_by_name(name)

    monkeypatch.setattr(repos.competencies, "by_name", saved_elsewhere_first)
    with pytest.raises(Conflict) as err:
        comp.update(repos, world["hr_a"], mine.id, competency_data("Alpha thinking", description="Mine."),
                    mine.version, now)
    assert err.value.details["description"] == "Changed elsewhere."
    assert err.value.details["version"] == mine.version + 1
    assert repos.competencies.get(mine.id).description == "Changed elsewhere."


# --- self-identification ------------------------------------------------------------------------------

def test_saving_self_identification_is_audited_as_the_candidates_act(repos, world, now):
    categories = demo.categories_from("")
    demo.save(repos, world["cand_a"], {"sex": "female"}, categories, now)
    (event,) = events(repos, "self_identification.save")
    assert event["actor"] == audit.ref_of(world["cand_a"]) and event["actor"]
    assert event["actor_role"] == "candidate"


def test_saving_no_answer_at_all_says_to_choose_one_or_withdraw(repos, world, now):
    with pytest.raises(ValidationError) as err:
        demo.save(repos, world["cand_a"], {"sex": ""}, demo.categories_from(""), now)
    assert err.value.message == "Choose at least one answer, or withdraw to remove what you gave before."
    assert repos.demographics.get(world["cand_a"].id) is None


# --- interviews: the audit trail -----------------------------------------------------------------------

def test_a_cancellation_is_audited_on_the_interview(repos, world, schedule, now):
    interview = schedule(world["hr_a"], world["cand_a"])
    svc.cancel(repos, world["hr_a"], interview.id, now)
    (event,) = events(repos, "interview.cancel")
    assert (event["object_type"], event["object_id"], event["interview_id"]) == ("interview", interview.id, interview.id)


def test_sharing_with_key_points_is_audited_with_the_new_settings(repos, world, finished, now):
    svc.record_result(repos, world["hr_a"], finished.id, "7", "Solid.", now)
    svc.set_shared(repos, world["hr_a"], finished.id, True, now, key_points=True)
    (event,) = events(repos, "interview.share")
    assert event["before"] == {"shared": False, "key_points": False}
    assert event["after"] == {"shared": True, "key_points": True}
    assert repos.interviews.get(finished.id).share_key_points is True


def test_a_reschedule_is_audited_with_the_new_times(repos, world, schedule, now):
    interview = schedule(world["hr_a"], world["cand_a"], start=now + timedelta(hours=1),
                         deadline=now + timedelta(days=1))
    starts, deadline = now + timedelta(hours=3), now + timedelta(days=2)
    svc.reschedule(repos, world["hr_a"], interview.id, starts, deadline, now)
    (event,) = events(repos, "interview.reschedule")
    assert event["after"]["starts_at"] == starts.isoformat()
    assert event["after"]["deadline"] == deadline.isoformat()


# --- AI evaluations ----------------------------------------------------------------------------------

def test_evaluating_every_answer_is_audited_as_the_hr_users_request(repos, world, finished, now):
    ev.evaluate_all(repos, world["hr_a"], finished.id, now, lambda response_id: None)
    (event,) = events(repos, "ai.requested")
    assert event["actor"] == audit.ref_of(world["hr_a"]) and event["actor_role"] == "hr"
    assert event["interview_id"] == finished.id


def test_the_ai_reliability_report_carries_the_ai_against_hr(repos, world, now, monkeypatch):
    rel.clear_memo()  # computed afresh, not a report an earlier test left in this process
    at = datetime(2026, 3, 1, tzinfo=UTC)
    pairs = [{"interview_id": f"{u:024x}", "question_id": "q7", "candidate_id": "c", "group": "g",
              "hr_score": float(u % 7), "ai_score": float((u + 1) % 7), "scored_at": at} for u in range(4)]
    monkeypatch.setattr(repos.responses, "iter_scored_pairs", lambda hr_id: iter(pairs))
    report = ev.ai_reliability(repos, world["admin"], now)
    assert report.ai is not None
    assert (report.ai.rater, report.ai.n) == ("ai", 4)
    assert report.ai.reason == f"not enough data: 4 units rated by both; at least {rel.MIN_UNITS} are needed"


# --- resumes -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["unknown", "not_a_candidate", "other_hr"])
def test_a_resume_out_of_reach_is_not_found_with_one_message(repos, world, who):
    target = {"unknown": "000000000000000000000000", "not_a_candidate": world["hr_b"].id,
              "other_hr": world["cand_b"].id}[who]
    with pytest.raises(NotFound) as err:
        resumes.candidate_with_resume(repos, world["hr_a"], target)
    assert err.value.message == "No such candidate."


def test_text_with_exactly_a_quarter_vowels_reads_as_words():
    text = "bcda " * 5  # 20 Latin letters, 5 of them vowels: the minimum share, 0.25
    assert resumes.looks_like_words(text) is True
    assert resumes.looks_like_words("bcdf " * 5) is False


# --- more: competencies, results, AI provenance ---------------------------------------------------------

def test_a_long_description_is_refused_with_its_limit(repos, world, now):
    with pytest.raises(ValidationError) as err:
        comp.create(repos, world["hr_a"], competency_data("Gamma thinking", description="d" * 1001), now)
    assert err.value.details["description"] == "A description has at most 1,000 characters."


def test_a_new_competency_is_dated_when_it_was_made(repos, world, now):
    made = comp.create(repos, world["hr_a"], competency_data("Delta thinking"), now)
    stored = repos.competencies.get(made.id)
    assert (stored.created_at, stored.updated_at) == (now, now)
    assert stored.created_by == world["hr_a"].id


def test_a_result_is_audited_with_the_score_before_and_after_and_the_sharing(repos, world, finished, now):
    svc.record_result(repos, world["hr_a"], finished.id, "6", "First.", now)
    svc.record_result(repos, world["hr_a"], finished.id, "8", "Second.", now + timedelta(minutes=1), share=True)
    first, second = events(repos, "interview.result")
    assert first["before"]["overall_score"] is None and first["after"]["overall_score"] == 6
    assert second["before"]["overall_score"] == 6 and second["after"]["overall_score"] == 8
    assert (first["after"]["shared"], second["before"]["shared"], second["after"]["shared"]) == (False, False, True)
    assert repos.interviews.get(finished.id).shared is True


def test_an_ai_evaluation_is_audited_with_its_flags(repos, world, finished, now):
    from interviewer.ai.local import LocalProvider

    response = repos.responses.find(finished.id, finished.questions[0].id)
    ev.request_evaluation(repos, world["hr_a"], response.id, now, lambda response_id: None)
    job = ev.run_job(repos, response.id, LocalProvider)
    assert job["state"] == ev.DONE
    latest = ev.latest_of(repos.responses.get(response.id))
    (event,) = events(repos, "ai.evaluated")
    assert event["after"]["flags"] == [f["code"] for f in latest["flags"]]
    assert "no_fact_check" in event["after"]["flags"]


def test_a_deadline_before_the_start_is_refused_at_the_deadline(repos, world, now):
    req = svc.ScheduleRequest(candidate_id=world["cand_a"].id, job_title="Backend engineer", job_description="Python",
                              starts_at=now + timedelta(days=2), deadline=now + timedelta(days=1), num_questions=3)
    with pytest.raises(ValidationError) as err:
        svc.validate_request(req, now)
    assert err.value.details["deadline"] == "The deadline must be after the start."


def test_generated_questions_without_a_provider_say_they_come_from_the_default_set(repos, world, now):
    req = svc.ScheduleRequest(candidate_id=world["cand_a"].id, job_title="Backend engineer", job_description="Python",
                              starts_at=now + timedelta(hours=1), deadline=now + timedelta(days=1), num_questions=3,
                              source="generated")
    draft = svc.draft_questions(repos, world["hr_a"], req, now, provider=None)
    assert draft.notice == "Question generation is not available; these questions come from the default set instead."
    assert len(draft.questions) == 3
