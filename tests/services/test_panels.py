"""Panels with independent ratings (services/panels.py): membership, the rating's rules, the blind
rule, the side-by-side board and the outcome. Assertions are on stored state."""
from __future__ import annotations

import threading
from datetime import timedelta

import panel_support
import pytest
from bson import ObjectId
from panel_support import items

from interviewer.errors import Conflict, Forbidden, NotFound, ValidationError
from interviewer.services import evaluations as ev
from interviewer.services import interviews as svc
from interviewer.services import panels
from interviewer.services import users as user_service

ANSWERS = ["I would put a queue between the services so a slow consumer never blocks the “producer”.",
           "Indexes make reads cheap; I'd measure with EXPLAIN before adding one."]


@pytest.fixture
def team(world, make_user):
    """hr_a owns cand_a's interviews; hr_b and hr_c are other HR users; hr_off is deactivated."""
    off = make_user("hr", name="HR Off")
    return {**world, "hr_c": make_user("hr", name="HR C"), "hr_off": off}


@pytest.fixture
def done(repos, team, schedule, now):
    """A completed interview of hr_a's with two answers."""
    return completed(repos, team, schedule, now)


def completed(repos, team, schedule, now, answers=ANSWERS):
    return panel_support.completed(repos, team, schedule, now, answers)


def rate(repos, user, interview, values, now, evidence=None):
    _, rating = panels.my_rating(repos, user, interview.id, now)
    return panels.submit(repos, user, interview.id, items(interview, values, evidence), rating.version, now)


def two_competencies(repos, done):
    """`done` as if scheduled from a template with competencies c1 "Design" and c2 "Clarity":
    question 1 rated on both, question 2 on c2 (pairs q1·c1, q1·c2, q2·c2)."""
    scales = [{"id": "c1", "name": "Design", "description": "", "anchors": list("abcde")},
              {"id": "c2", "name": "Clarity", "description": "", "anchors": list("fghij")}]
    questions = [{**q.__dict__, "competency_ids": ids} for q, ids in zip(done.questions, [["c1", "c2"], ["c2"]],
                                                                          strict=True)]
    repos.db.interviews.update_one({"_id": ObjectId(done.id)}, {"$set": {"competencies": scales, "questions": questions}})
    return repos.interviews.get(done.id)


def actions(repos):
    return [e["action"] for e in repos.audit.in_order()]


# --- membership ------------------------------------------------------------------------------------------

def test_the_owner_adds_a_member_who_then_sees_only_the_rating(repos, team, done, now):
    interview = panels.add_member(repos, team["hr_a"], done.id, team["hr_b"].id, now)
    assert interview.panel == [team["hr_b"].id]
    assert panels.raters(interview) == [team["hr_a"].id, team["hr_b"].id]
    assert set(repos.panels.for_interview(done.id)) == {team["hr_a"].id, team["hr_b"].id}
    assert "panel.add" in actions(repos)
    assert panels.viewable(repos, team["hr_b"], done.id, now).id == done.id
    with pytest.raises(NotFound):  # the owner's powers all go through get_visible
        svc.get_visible(repos, team["hr_b"], done.id, now)


@pytest.mark.parametrize("who", ["cand_a", "hr_off", "hr_a", "admin", "missing", "hr_b_twice"])
def test_only_active_hr_users_not_yet_raters_join(repos, team, done, now, who):
    panels.add_member(repos, team["hr_a"], done.id, team["hr_c"].id, now)
    target = {"missing": "000000000000000000000000", "hr_b_twice": team["hr_c"].id}.get(who) or team[who].id
    if who == "hr_off":
        user_service.set_active(repos, team["hr_off"].id, False)
    with pytest.raises(ValidationError) as err:
        panels.add_member(repos, team["hr_a"], done.id, target, now)
    assert "rater_id" in err.value.details
    assert repos.interviews.get(done.id).panel == [team["hr_c"].id]


@pytest.mark.parametrize("who", ["hr_b", "hr_c", "cand_a"])
def test_members_and_strangers_get_no_owner_powers(repos, team, done, now, who):
    panels.add_member(repos, team["hr_a"], done.id, team["hr_b"].id, now)
    user = team[who]
    before = repos.interviews.get(done.id)
    qid = done.questions[0].id
    calls = [
        lambda: svc.score_response(repos, user, done.id, qid, "7", "", now),
        lambda: svc.record_result(repos, user, done.id, "7", "", now),
        lambda: svc.set_shared(repos, user, done.id, True, now),
        lambda: svc.cancel(repos, user, done.id, now),
        lambda: svc.reschedule(repos, user, done.id, None, now + timedelta(days=3), now),
        lambda: ev.evaluate_all(repos, user, done.id, now, lambda rid: None),
        lambda: panels.add_member(repos, user, done.id, team["hr_c"].id, now),
        lambda: panels.remove_member(repos, user, done.id, team["hr_b"].id, now),
        lambda: panels.record_outcome(repos, user, done.id, "hire", None, now),
    ]
    for call in calls:
        with pytest.raises(NotFound):
            call()
    assert repos.interviews.get(done.id) == before


def test_a_rater_not_on_the_panel_is_refused(repos, team, done, now):
    panels.add_member(repos, team["hr_a"], done.id, team["hr_b"].id, now)
    with pytest.raises(NotFound):
        panels.save_draft(repos, team["hr_c"], done.id, items(done, [3, 3]), 1, now)
    with pytest.raises(Forbidden):  # admins oversee panels; they do not rate
        panels.save_draft(repos, team["admin"], done.id, items(done, [3, 3]), 1, now)
    assert repos.panels.get(done.id, team["hr_c"].id) is None
    assert repos.panels.get(done.id, team["admin"].id) is None


def test_removing_a_member_drops_their_draft_but_not_a_submitted_rating(repos, team, done, now):
    panels.add_member(repos, team["hr_a"], done.id, team["hr_b"].id, now)
    panels.add_member(repos, team["hr_a"], done.id, team["hr_c"].id, now)
    rate(repos, team["hr_c"], done, [4, 4], now)
    panels.remove_member(repos, team["hr_a"], done.id, team["hr_b"].id, now)
    assert repos.interviews.get(done.id).panel == [team["hr_c"].id]
    assert repos.panels.get(done.id, team["hr_b"].id) is None
    with pytest.raises(Conflict):
        panels.remove_member(repos, team["admin"], done.id, team["hr_c"].id, now)
    assert repos.interviews.get(done.id).panel == [team["hr_c"].id]
    assert "panel.remove" in actions(repos)


def test_a_member_with_a_draft_in_progress_is_not_removed_silently(repos, team, done, now):
    """F3: a draft holding a rating or a quote is not deleted: the removal is refused, naming it."""
    panels.add_member(repos, team["hr_a"], done.id, team["hr_b"].id, now)
    panels.add_member(repos, team["hr_a"], done.id, team["hr_c"].id, now)
    panels.save_draft(repos, team["hr_c"], done.id, items(done, [4, None]), 1, now)
    with pytest.raises(Conflict) as err:
        panels.remove_member(repos, team["hr_a"], done.id, team["hr_c"].id, now)
    assert err.value.details == {"code": "draft"} and "HR C has a draft" in err.value.message
    assert repos.interviews.get(done.id).panel == [team["hr_b"].id, team["hr_c"].id]
    assert repos.panels.get(done.id, team["hr_c"].id).items[0]["rating"] == 4
    panels.save_draft(repos, team["hr_c"], done.id, items(done, [None, None]), 2, now)  # cleared: may go
    panels.remove_member(repos, team["hr_a"], done.id, team["hr_c"].id, now)
    assert repos.panels.get(done.id, team["hr_c"].id) is None


def test_a_deactivated_member_with_a_draft_can_be_taken_off_the_panel(repos, team, done, now):
    """No one can finish a deactivated member's draft: it goes with them, and the audit says so."""
    panels.add_member(repos, team["hr_a"], done.id, team["hr_c"].id, now)
    panels.save_draft(repos, team["hr_c"], done.id, items(done, [4, None]), 1, now)
    user_service.set_active(repos, team["hr_c"].id, False, team["admin"].id)
    panels.remove_member(repos, team["admin"], done.id, team["hr_c"].id, now)
    assert repos.interviews.get(done.id).panel == [] and repos.panels.get(done.id, team["hr_c"].id) is None
    removed = [e for e in repos.audit.in_order() if e["action"] == "panel.remove"]
    assert removed[-1]["before"]["draft"] == "discarded"


def test_the_rater_list_shows_the_interviews_they_rate(repos, team, done, now, schedule):
    other = completed(repos, team, schedule, now)
    panels.add_member(repos, team["hr_a"], done.id, team["hr_b"].id, now)
    page = panels.rated_by(repos, team["hr_b"])
    assert [i.id for i, _ in page.items] == [done.id] and page.total == 1
    assert other.id not in [i.id for i, _ in panels.rated_by(repos, team["hr_c"]).items]


# --- one rating -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("bad", [0, 6, -1, 2.5, "2.5", "²", "٣", "6", "1" * 5000, 10**40, True, "three", [3]])
def test_a_rating_outside_the_scale_is_refused_and_nothing_stored(repos, team, done, now, bad):
    panels.save_draft(repos, team["hr_a"], done.id, items(done, [3, 2]), 1, now)
    before = repos.panels.get(done.id, team["hr_a"].id)
    with pytest.raises(ValidationError) as err:
        panels.save_draft(repos, team["hr_a"], done.id, items(done, [bad, 4]), before.version, now)
    assert any("1 to 5" in m for m in err.value.details.values())
    assert repos.panels.get(done.id, team["hr_a"].id) == before


def test_evidence_must_occur_in_the_answer(repos, team, done, now):
    rating = panels.my_rating(repos, team["hr_a"], done.id, now)[1]
    with pytest.raises(ValidationError) as err:
        panels.save_draft(repos, team["hr_a"], done.id, items(done, [4, 4], ["a message broker", ""]), 1, now)
    key = f"{done.questions[0].id}.general.evidence"
    assert "not in the candidate's answer" in err.value.details[key]
    assert repos.panels.get(done.id, team["hr_a"].id) == rating
    # case, typographic quotes and spacing aside, the words are the answer's
    quote = 'SO a slow   consumer never blocks the "producer"'
    saved = panels.save_draft(repos, team["hr_a"], done.id, items(done, [4, None], [quote, ""]), 1, now)
    assert saved.items[0]["evidence"] == 'SO a slow consumer never blocks the "producer"'
    assert saved.version == 2


def test_a_stale_version_is_409_with_the_current_values(repos, team, done, now):
    first = panels.save_draft(repos, team["hr_a"], done.id, items(done, [3, 3]), 1, now)
    with pytest.raises(Conflict) as err:
        panels.save_draft(repos, team["hr_a"], done.id, items(done, [5, 5]), 1, now)
    assert err.value.details["version"] == first.version == 2
    assert [i["rating"] for i in err.value.details["items"]] == [3, 3]
    assert repos.panels.get(done.id, team["hr_a"].id) == first
    # the same save sent twice is simply accepted
    assert panels.save_draft(repos, team["hr_a"], done.id, items(done, [3, 3]), 1, now) == first


def test_submitting_needs_every_pair_and_lists_what_is_missing(repos, team, done, now):
    panels.save_draft(repos, team["hr_a"], done.id, items(done, [3, None]), 1, now)
    with pytest.raises(ValidationError) as err:
        panels.submit(repos, team["hr_a"], done.id, [], 2, now)
    assert err.value.details["missing"] == ["Question 2 — Overall answer quality: no rating"]
    assert not repos.panels.get(done.id, team["hr_a"].id).submitted


def test_a_required_evidence_is_listed_when_missing(repos, team, done, now):
    repos.db.interviews.update_one({"_id": ObjectId(done.id)}, {"$set": {"require_evidence": True}})
    with pytest.raises(ValidationError) as err:
        panels.submit(repos, team["hr_a"], done.id, items(done, [3, 4], ["a queue between the services", ""]), 1, now)
    assert err.value.details["missing"] == ["Question 2 — Overall answer quality: no evidence quoted"]
    assert repos.panels.get(done.id, team["hr_a"].id).items == []


def test_submit_is_one_transition_and_read_only_after(repos, team, done, now):
    submitted = rate(repos, team["hr_a"], done, [4, 2], now)
    assert submitted.status == "submitted" and submitted.submitted_at is not None
    with pytest.raises(Conflict):
        panels.save_draft(repos, team["hr_a"], done.id, items(done, [1, 1]), submitted.version, now)
    with pytest.raises(Conflict):
        panels.submit(repos, team["hr_a"], done.id, [], submitted.version, now)
    assert repos.panels.get(done.id, team["hr_a"].id) == submitted
    assert actions(repos).count("rating.submit") == 1


def test_two_racing_submits_make_exactly_one_transition(repos, team, done, now):
    panels.save_draft(repos, team["hr_a"], done.id, items(done, [4, 4]), 1, now)
    results, barrier = [], threading.Barrier(2)

    def go():
        barrier.wait()
        try:
            results.append(panels.submit(repos, team["hr_a"], done.id, [], 2, now).status)
        except Conflict:
            results.append("conflict")

    threads = [threading.Thread(target=go) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["conflict", "submitted"]
    assert repos.panels.get(done.id, team["hr_a"].id).version == 3
    assert actions(repos).count("rating.submit") == 1


def test_rating_opens_once_the_candidate_hands_in(repos, team, schedule, now):
    open_ = schedule(team["hr_a"], team["cand_a"], n=1)
    with pytest.raises(Conflict):
        panels.save_draft(repos, team["hr_a"], open_.id, items(open_, [3]), 1, now)


def test_template_interviews_rate_each_question_on_its_competencies(repos, team, done, now):
    interview = two_competencies(repos, done)
    assert [p.label for p in panels.pairs(interview)] == ["Question 1 — Design", "Question 1 — Clarity",
                                                          "Question 2 — Clarity"]
    with pytest.raises(ValidationError):  # a competency the question is not rated on
        panels.save_draft(repos, team["hr_a"], done.id, [{"question_id": done.questions[1].id,
                                                         "competency_id": "c1", "rating": 3}], 1, now)


# --- the blind rule ----------------------------------------------------------------------------------------

def test_blind_until_one_submits_then_the_board_shows_everyone(repos, team, done, now):
    panels.add_member(repos, team["hr_a"], done.id, team["hr_b"].id, now)
    interview = repos.interviews.get(done.id)
    assert panels.blind(repos, team["hr_a"], interview) and panels.blind(repos, team["hr_b"], interview)
    assert not panels.blind(repos, team["admin"], interview)
    with pytest.raises(Conflict) as err:
        panels.board(repos, team["hr_b"], done.id, now)
    assert err.value.details == {"code": "blind"}
    with pytest.raises(Conflict):  # the owner scores and decides after their own rating
        svc.score_response(repos, team["hr_a"], done.id, done.questions[0].id, "7", "", now)
    with pytest.raises(Conflict):
        svc.record_result(repos, team["hr_a"], done.id, "7", "", now)
    rate(repos, team["hr_b"], done, [5, 2], now, ["queue between the services", ""])
    _, board = panels.board(repos, team["hr_b"], done.id, now)
    assert board.raters == ["HR B"] and board.waiting == ["HR A"]
    rate(repos, team["hr_a"], done, [3, 2], now)
    _, board = panels.board(repos, team["hr_a"], done.id, now)
    first = board.cells[0]
    assert [(n, v) for n, v, _ in first.ratings] == [("HR A", 3), ("HR B", 5)]
    assert (first.mean, first.spread, first.sd) == (4.0, (3, 5), 1.0)
    assert board.cells[1].sd == 0.0
    assert not panels.blind(repos, team["hr_a"], repos.interviews.get(done.id))
    assert svc.score_response(repos, team["hr_a"], done.id, done.questions[0].id, "7", "", now).score == 7


def test_emptying_the_panel_does_not_lift_the_owners_blindness(repos, team, done, now):
    """An owner who takes every member off again (none with a draft in progress) before submitting
    stays blind: the rule follows whether a panel was formed, not the current member list."""
    panels.add_member(repos, team["hr_a"], done.id, team["hr_b"].id, now)
    panels.remove_member(repos, team["hr_a"], done.id, team["hr_b"].id, now)
    interview = repos.interviews.get(done.id)
    assert interview.panel == [] and interview.panel_rev == 2
    assert panels.blind(repos, team["hr_a"], interview)
    with pytest.raises(Conflict):
        svc.score_response(repos, team["hr_a"], done.id, done.questions[0].id, "9", "", now)
    assert repos.responses.for_interview(done.id)[done.questions[0].id].score is None
    assert panels.blind_ids(repos, team["hr_a"], [interview]) == {done.id}
    rate(repos, team["hr_a"], done, [3, 2], now)
    assert not panels.blind(repos, team["hr_a"], repos.interviews.get(done.id))


def test_an_interview_never_given_a_panel_is_not_blind(repos, team, done, now):
    interview = repos.interviews.get(done.id)
    assert interview.panel_rev == 0 and not interview.has_panel
    assert not panels.blind(repos, team["hr_a"], interview)


def test_a_submitted_rating_stays_on_the_board_when_the_candidate_is_reassigned(repos, team, done, now):
    """F4: the former owner's submitted rating stays part of the record; the new owner rates blind."""
    panels.add_member(repos, team["hr_a"], done.id, team["hr_b"].id, now)
    rate(repos, team["hr_a"], done, [2, 2], now)
    rate(repos, team["hr_b"], done, [5, 5], now)
    user_service.assign(repos, team["cand_a"].id, team["hr_c"].id, team["admin"])
    interview = repos.interviews.get(done.id)
    assert interview.hr_id == team["hr_c"].id
    _, board = panels.board(repos, team["admin"], done.id, now)
    assert sorted(board.raters) == ["HR A", "HR B"] and board.waiting == ["HR C"]
    assert board.cells[0].mean == 3.5 and board.cells[0].spread == (2, 5)
    assert repos.panels.get(done.id, team["hr_a"].id).submitted  # stored, untouched
    assert panels.blind(repos, team["hr_c"], interview)
    rate(repos, team["hr_c"], done, [3, 3], now)
    _, board = panels.board(repos, team["hr_c"], done.id, now)
    assert [(n, v) for n, v, _ in board.cells[0].ratings] == [("HR C", 3), ("HR B", 5), ("HR A", 2)]


def test_one_character_is_not_evidence_when_evidence_is_required(repos, team, done, now, schedule):
    repos.db.interviews.update_one({"_id": ObjectId(done.id)}, {"$set": {"require_evidence": True}})
    with pytest.raises(ValidationError) as err:
        panels.submit(repos, team["hr_a"], done.id, items(done, [3, 4], ["a", "make reads cheap"]), 1, now)
    assert err.value.details["missing"] == ["Question 1 — Overall answer quality: the evidence is too short — "
                                            "quote at least 3 words or 15 characters of the answer"]
    assert not repos.panels.get(done.id, team["hr_a"].id).submitted
    short = completed(repos, team, schedule, now, answers=["Use a queue.", "Indexes."])
    repos.db.interviews.update_one({"_id": ObjectId(short.id)}, {"$set": {"require_evidence": True}})
    with pytest.raises(ValidationError):
        rate(repos, team["hr_a"], short, [3, 3], now, ["queue", "Indexes."])
    rating = rate(repos, team["hr_a"], short, [3, 3], now, ["use a queue", "Indexes."])  # 3 words; the whole answer
    assert rating.submitted


def test_an_unanswered_question_needs_a_rating_but_no_quote_when_evidence_is_required(repos, team, now, schedule):
    """A required quote cannot come from an empty answer: without this rule no rater could ever submit
    (and the owner would stay blind, unable to record a result or an outcome)."""
    partly = completed(repos, team, schedule, now, answers=[ANSWERS[0], "   "])
    repos.db.interviews.update_one({"_id": ObjectId(partly.id)}, {"$set": {"require_evidence": True}})
    with pytest.raises(ValidationError) as err:
        rate(repos, team["hr_a"], partly, [4, None], now, ["a queue between the services", ""])
    assert err.value.details["missing"] == ["Question 2 — Overall answer quality: no rating"]
    with pytest.raises(ValidationError) as err:  # nothing written can be quoted from it either
        rate(repos, team["hr_a"], partly, [4, 1], now, ["a queue between the services", "no answer"])
    assert list(err.value.details) == [f"{partly.questions[1].id}.{panels.GENERAL['id']}.evidence"]
    rating = rate(repos, team["hr_a"], partly, [4, 1], now, ["a queue between the services", ""])
    assert rating.submitted and [i["rating"] for i in rating.items] == [4, 1]
    assert panels.record_outcome(repos, team["hr_a"], partly.id, "reject", "", now).outcome == "reject"


def test_a_new_owner_sees_no_result_outcome_or_scores_in_lists_exports_and_agreement_until_submitting(
        repos, team, done, now, app):
    """After a reassignment the new owner rates blind although a result, an outcome and scores exist:
    the HR lists, the results export, the interview page and the agreement figures show none of them."""
    from interviewer.ai.local import LocalProvider
    from interviewer.hr.routes import _interview_context

    panels.add_member(repos, team["hr_a"], done.id, team["hr_b"].id, now)
    ev.evaluate_all(repos, team["hr_a"], done.id, now, lambda rid: ev.run_job(repos, rid, LocalProvider))
    rate(repos, team["hr_a"], done, [3, 3], now)
    rate(repos, team["hr_b"], done, [4, 4], now)
    svc.score_response(repos, team["hr_a"], done.id, done.questions[0].id, "2", "", now)
    svc.record_result(repos, team["hr_a"], done.id, "7.5", "SECRETFEEDBACK strong", now)
    panels.record_outcome(repos, team["hr_a"], done.id, "hire", "", now)
    assert ev.agreement_report(repos, team["hr_a"], now).overall.n == 1
    user_service.assign(repos, team["cand_a"].id, team["hr_c"].id, team["admin"])
    hr_c = team["hr_c"]

    def shown():
        listed = [i for i in svc.list_for(repos, hr_c, now).items if i.id == done.id]
        exported = [i for batch in svc.iter_all_for(repos, hr_c, now) for i in batch if i.id == done.id]
        with app.test_request_context():
            from flask_login import login_user

            login_user(hr_c)
            page = _interview_context(repos.interviews.get(done.id), now)["interview"]
        return ([(i.overall_score, i.overall_feedback, i.outcome) for i in listed + exported + [page]],
                ev.agreement_report(repos, hr_c, now).overall.n)

    assert shown() == ([(None, "", None)] * 3, 0)
    assert panels.as_seen_by(repos, team["admin"], [repos.interviews.get(done.id)])[0].outcome == "hire"
    rate(repos, hr_c, done, [5, 5], now)
    assert shown() == ([(7.5, "SECRETFEEDBACK strong", "hire")] * 3, 1)


# --- the outcome ----------------------------------------------------------------------------------------------

def test_the_outcome_is_recorded_once_completed_with_compare_and_set(repos, team, done, now, schedule):
    open_ = schedule(team["hr_a"], team["cand_a"], n=1)
    with pytest.raises(Conflict):
        panels.record_outcome(repos, team["hr_a"], open_.id, "advance", "", now)
    with pytest.raises(ValidationError):
        panels.record_outcome(repos, team["hr_a"], done.id, "promote", "", now)
    recorded = panels.record_outcome(repos, team["hr_a"], done.id, "advance", "", now)
    assert (recorded.outcome, recorded.outcome_by) == ("advance", team["hr_a"].id)
    assert repos.db.interviews.find_one({"_id": ObjectId(done.id)})["outcome"] == "advance"
    with pytest.raises(Conflict) as err:  # someone else's form, read before the decision
        panels.record_outcome(repos, team["admin"], done.id, "reject", "", now)
    assert err.value.details["outcome"] == "advance"
    assert panels.record_outcome(repos, team["admin"], done.id, "advance", "", now).outcome == "advance"  # a repeat
    later = panels.record_outcome(repos, team["admin"], done.id, "hire", recorded.outcome_at.isoformat(),
                                  now + timedelta(seconds=1))
    assert later.outcome == "hire"
    events = [e for e in repos.audit.in_order() if e["action"] == "interview.outcome"]
    assert [(e["before"], e["after"]) for e in events] == [({"outcome": None}, {"outcome": "advance"}),
                                                            ({"outcome": "advance"}, {"outcome": "hire"})]


def test_a_rating_owner_decides_after_submitting(repos, team, done, now):
    panels.add_member(repos, team["hr_a"], done.id, team["hr_b"].id, now)
    with pytest.raises(Conflict):
        panels.record_outcome(repos, team["hr_a"], done.id, "hire", None, now)
    assert repos.interviews.get(done.id).outcome is None
    rate(repos, team["hr_a"], done, [3, 3], now)
    assert panels.record_outcome(repos, team["hr_a"], done.id, "hire", None, now).outcome == "hire"


def test_the_history_names_what_the_panel_did(repos, team, done, now):
    from interviewer.services import audit

    panels.add_member(repos, team["hr_a"], done.id, team["hr_b"].id, now)
    rate(repos, team["hr_b"], done, [3, 3], now)
    rate(repos, team["hr_a"], done, [3, 3], now)
    panels.record_outcome(repos, team["hr_a"], done.id, "reject", None, now)
    events = repos.audit.for_interview(done.id)
    people = repos.users.by_audit_refs(e["actor"] for e in events)
    texts = [audit.describe(e, people) for e in events]
    assert texts[-4:] == ["HR A (hr) added a rater to the panel", "HR B (hr) submitted their panel rating",
                          "HR A (hr) submitted their panel rating", "HR A (hr) recorded the outcome: reject"]
    assert [e["after"] for e in events if e["action"] == "rating.submit"] == [{"ratings": 2}] * 2  # no values


def test_no_score_exists_that_a_rater_still_rating_could_read(repos, team, done, now, schedule):
    scored = completed(repos, team, schedule, now)
    svc.score_response(repos, team["hr_a"], scored.id, scored.questions[0].id, "6", "", now)
    with pytest.raises(Conflict):  # scored before the panel formed: a rater would find the score in reports
        panels.add_member(repos, team["hr_a"], scored.id, team["hr_b"].id, now)
    assert repos.interviews.get(scored.id).panel == []
    panels.add_member(repos, team["hr_a"], done.id, team["hr_b"].id, now)
    with pytest.raises(Conflict):  # an admin waits for the owner's rating too
        svc.score_response(repos, team["admin"], done.id, done.questions[0].id, "6", "", now)
    assert all(r.score is None for r in repos.responses.for_interview(done.id).values())


def test_the_ai_proposes_a_rating_per_competency_beside_the_panels(repos, team, done, now):
    """The evaluation job gives the provider the scales each question is rated on; its proposal per
    competency (quotes checked against the answer) shows on the board once a rater has submitted."""
    from interviewer.ai.local import LocalProvider, level_of

    interview = two_competencies(repos, done)
    assert [c["id"] for c in ev.scales_of(interview, interview.questions[0])] == ["c1", "c2"]
    assert ev.scales_of(interview, interview.questions[1])[0]["anchors"] == list("fghij")
    seen = []

    class Recording(LocalProvider):
        def evaluate(self, question, reference, answer, key_points=None, competencies=None):
            seen.append([c["id"] for c in competencies or []])
            return super().evaluate(question, reference, answer, key_points, competencies)

    panels.add_member(repos, team["hr_a"], done.id, team["hr_b"].id, now)
    ev.evaluate_all(repos, team["hr_a"], done.id, now, lambda rid: ev.run_job(repos, rid, Recording))
    assert sorted(seen) == [["c1", "c2"], ["c2"]]
    stored = repos.responses.for_interview(done.id)[done.questions[0].id].ai_evaluation
    assert [c["competency_id"] for c in stored["competencies"]] == ["c1", "c2"]
    assert all(q in ANSWERS[0] for c in stored["competencies"] for q in c["evidence"])
    rate(repos, team["hr_b"], interview, [4, 4, 4], now)
    _, board = panels.board(repos, team["hr_b"], done.id, now)
    first = board.cells[0]
    assert first.ai_rating["rating"] == level_of(stored["score"]) and first.ai_rating["competency_id"] == "c1"
    assert [c.ai_rating["competency_id"] for c in board.cells] == ["c1", "c2", "c2"]


def test_an_interview_scheduled_by_hand_gets_a_proposal_on_the_general_scale(repos, team, done):
    scales = ev.scales_of(done, done.questions[0])
    assert scales == [{"id": "general", "name": panels.GENERAL["name"], "description": "",
                       "anchors": panels.GENERAL["anchors"]}]


def test_the_result_shows_a_competency_profile(repos, team, done, now):
    """Per competency: the panel's submitted ratings (mean, range, count), HR's scores of the answers
    rated on it, and the AI's proposals — computed from the stored values."""
    interview = two_competencies(repos, done)
    panels.add_member(repos, team["hr_a"], done.id, team["hr_b"].id, now)
    panels.add_member(repos, team["hr_a"], done.id, team["hr_c"].id, now)
    rate(repos, team["hr_b"], interview, [5, 2, 3], now)  # pairs: q1·c1, q1·c2, q2·c2
    rate(repos, team["hr_a"], interview, [3, 4, 4], now)  # hr_c has not submitted: not counted
    _, draft = panels.my_rating(repos, team["hr_c"], done.id, now)
    panels.save_draft(repos, team["hr_c"], done.id, items(interview, [1, 1, 1]), draft.version, now)
    svc.score_response(repos, team["hr_a"], done.id, done.questions[0].id, "6", "", now)
    before = panels.profile(repos, repos.interviews.get(done.id))
    assert [(r.name, r.questions, r.panel_mean, r.panel_ratings, r.panel_low, r.panel_high) for r in before] == [
        ("Design", 1, 4.0, 2, 3, 5), ("Clarity", 2, 3.25, 4, 2, 4)]
    assert [(r.hr_mean, r.hr_scored) for r in before] == [(6.0, 1), (6.0, 1)]
    assert [r.ai_mean for r in before] == [None, None]
    proposals = {"score": 5, "competencies": [{"competency_id": "c1", "rating": 2}, {"competency_id": "c2", "rating": 3}]}
    repos.db.responses.update_one({"interview_id": done.id, "question_id": done.questions[0].id},
                                  {"$set": {"ai_evaluation": proposals}})
    repos.db.responses.update_one({"interview_id": done.id, "question_id": done.questions[1].id},
                                  {"$set": {"ai_evaluation": {"score": 9, "competencies": [
                                      {"competency_id": "c2", "rating": 5}]}}})
    after = panels.profile(repos, repos.interviews.get(done.id))
    assert [r.ai_mean for r in after] == [2.0, 4.0]
