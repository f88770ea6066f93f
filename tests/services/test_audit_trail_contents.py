"""What the audit trail holds for each action on an interview, whole: who (pseudonym and role, or
the system), which object, and the before and after values an auditor reads. A trail that names
the wrong object, drops the actor or records the wrong "before" is as bad as none, so every field
of each event is compared, not just its action."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from panel_support import completed

from interviewer.services import audit
from interviewer.services import demographics as demo
from interviewer.services import evaluations as ev
from interviewer.services import interviews as svc

CHAINED = ("at", "seq", "hash", "prev_hash", "_id")


def last_event(repos, action):
    found = [e for e in repos.audit.in_order() if e["action"] == action]
    assert found, f"no {action} event"
    return {k: v for k, v in found[-1].items() if k not in CHAINED}


def event(actor, action, object_type, object_id, interview_id=None, before=None, after=None, reason=""):
    return {"actor": actor.audit_ref if actor else None, "actor_role": actor.role if actor else "system",
            "action": action, "object_type": object_type, "object_id": object_id, "interview_id": interview_id,
            "before": before, "after": after, "reason": reason}


def iso(value: datetime) -> str:
    return value.isoformat()


@pytest.fixture
def finished(repos, world, schedule, now):
    return completed(repos, world, schedule, now, ["Queues decouple producers.", "Indexes speed reads."])


def test_scheduling_records_the_candidate_by_pseudonym_and_the_window(repos, world, schedule):
    interview = schedule(world["hr_a"], world["cand_a"], n=2)
    assert last_event(repos, "interview.schedule") == event(
        world["hr_a"], "interview.schedule", "interview", interview.id, interview.id,
        after={"candidate": world["cand_a"].audit_ref, "job_title": "Backend engineer",
               "starts_at": iso(interview.starts_at), "deadline": iso(interview.deadline), "questions": 2,
               "source": interview.question_source})


def test_a_cancel_records_the_status_it_left(repos, world, schedule, now):
    interview = schedule(world["hr_a"], world["cand_a"], start=now + timedelta(hours=2))
    svc.cancel(repos, world["admin"], interview.id, now)
    assert last_event(repos, "interview.cancel") == event(
        world["admin"], "interview.cancel", "interview", interview.id, interview.id,
        before={"status": "scheduled"}, after={"status": "cancelled"})


def test_a_reschedule_records_both_windows_and_the_invitation_sequence(repos, world, schedule, now):
    start, end = now + timedelta(hours=2), now + timedelta(days=1)
    interview = schedule(world["hr_a"], world["cand_a"], start=start, deadline=end)
    new_start, new_end = now + timedelta(hours=5), now + timedelta(days=2)
    svc.reschedule(repos, world["hr_a"], interview.id, new_start, new_end, now)
    assert last_event(repos, "interview.reschedule") == event(
        world["hr_a"], "interview.reschedule", "interview", interview.id, interview.id,
        before={"starts_at": iso(interview.starts_at), "deadline": iso(interview.deadline)},
        after={"starts_at": iso(new_start), "deadline": iso(new_end), "sequence": interview.sequence + 1})


def test_a_hand_in_is_the_candidates_own_event(repos, world, finished):
    assert last_event(repos, "interview.submit") == event(
        world["cand_a"], "interview.submit", "interview", finished.id, finished.id,
        before={"status": "in_progress"}, after={"status": "completed"})


def test_a_score_records_the_old_and_new_score_and_only_a_fingerprint_of_the_feedback(repos, world, finished, now):
    question = finished.questions[1]
    svc.score_response(repos, world["hr_a"], finished.id, question.id, 6, "Fair.", now)
    svc.score_response(repos, world["hr_a"], finished.id, question.id, "7.5", "Better than fair.", now)
    response = repos.responses.find(finished.id, question.id)
    assert last_event(repos, "answer.score") == event(
        world["hr_a"], "answer.score", "response", response.id, finished.id,
        before={"score": 6.0, "feedback": audit.fingerprint("Fair.")},
        after={"score": 7.5, "feedback": audit.fingerprint("Better than fair."), "question": 2})


def test_a_result_records_what_it_replaced(repos, world, finished, now):
    svc.record_result(repos, world["hr_a"], finished.id, 6, "Solid.", now)
    first = last_event(repos, "interview.result")
    assert first == event(world["hr_a"], "interview.result", "interview", finished.id, finished.id,
                          before={"overall_score": None, "overall_feedback": "", "shared": False},
                          after={"overall_score": 6.0, "overall_feedback": audit.fingerprint("Solid."),
                                 "shared": False})
    later = now + timedelta(minutes=1)
    svc.record_result(repos, world["admin"], finished.id, 8, "Strong.", later, share=True)
    assert last_event(repos, "interview.result") == event(
        world["admin"], "interview.result", "interview", finished.id, finished.id,
        before={"overall_score": 6.0, "overall_feedback": audit.fingerprint("Solid."), "shared": False},
        after={"overall_score": 8.0, "overall_feedback": audit.fingerprint("Strong."), "shared": True})


def test_sharing_and_unsharing_record_both_switches(repos, world, finished, now):
    svc.record_result(repos, world["hr_a"], finished.id, 6, "Solid.", now)
    svc.set_shared(repos, world["hr_a"], finished.id, True, now, key_points=True)
    assert last_event(repos, "interview.share") == event(
        world["hr_a"], "interview.share", "interview", finished.id, finished.id,
        before={"shared": False, "key_points": False}, after={"shared": True, "key_points": True})
    svc.set_shared(repos, world["hr_a"], finished.id, False, now)
    assert last_event(repos, "interview.unshare") == event(
        world["hr_a"], "interview.unshare", "interview", finished.id, finished.id,
        before={"shared": True, "key_points": True}, after={"shared": False, "key_points": True})


def test_asking_for_ai_evaluations_records_who_asked_and_how_many(repos, world, finished, now):
    queued = []
    ev.evaluate_all(repos, world["hr_a"], finished.id, now, submit=queued.append)
    assert len(queued) == 2
    assert last_event(repos, "ai.requested") == event(
        world["hr_a"], "ai.requested", "interview", finished.id, finished.id, after={"answers": 2})


def test_self_identification_is_recorded_against_the_persons_pseudonym_without_the_answers(repos, world, now):
    person = world["cand_a"]
    categories = demo.categories_from("")
    demo.save(repos, person, {d: values[0] for d, values in categories.items()}, categories, now)
    assert last_event(repos, "self_identification.save") == event(
        person, "self_identification.save", "user", person.audit_ref)
    demo.withdraw(repos, person, now + timedelta(minutes=1))
    assert last_event(repos, "self_identification.withdraw") == event(
        person, "self_identification.withdraw", "user", person.audit_ref)

