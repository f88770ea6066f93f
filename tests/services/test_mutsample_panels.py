"""Panels (services/panels.py, repositories/panels.py): behaviour a sampled mutation run found
untested — the draft's save time, the rater's first page, the conflict a submit from another tab
causes, short evidence, quotes from an empty answer, taking a member off, and the names the
reliability figures show. Assertions are on stored state, replies and messages."""
from __future__ import annotations

from datetime import timedelta

import pytest
from bson import ObjectId
from panel_support import completed, items

from interviewer.errors import Conflict, NotFound, ValidationError
from interviewer.services import panels
from interviewer.services import reliability as rel

ANSWERS = ["I would put a queue between the services so a slow consumer never blocks the producer.",
           "Indexes make reads cheap; I'd measure with EXPLAIN before adding one."]


@pytest.fixture
def done(repos, world, schedule, now):
    """A completed interview of hr_a's (cand_a's) with two answers."""
    return completed(repos, world, schedule, now, ANSWERS)


# --- one rater's rating ---------------------------------------------------------------------------

def test_a_saved_draft_records_when_it_was_saved(repos, world, done, now):
    later = now + timedelta(minutes=7)
    _, rating = panels.my_rating(repos, world["hr_a"], done.id, now)
    saved = panels.save_draft(repos, world["hr_a"], done.id, items(done, [3, None]), rating.version, later)
    stored = repos.panels.get(done.id, world["hr_a"].id)
    assert saved.version == rating.version + 1
    assert stored.updated_at == later
    assert stored.added_at == now


def test_a_draft_saved_while_another_tab_submitted_is_refused_with_the_submitted_rating(repos, world, done, now,
                                                                                         monkeypatch):
    _, rating = panels.my_rating(repos, world["hr_a"], done.id, now)
    other_tab = items(done, [5, 5])
    real_save = repos.panels.save_draft

    def submitted_first(current, merged, when):  # the other tab's submit lands between read and write
        assert repos.panels.submit(current, other_tab, when)
        return real_save(current, merged, when)

    monkeypatch.setattr(repos.panels, "save_draft", submitted_first)
    with pytest.raises(Conflict) as err:
        panels.save_draft(repos, world["hr_a"], done.id, items(done, [2, 2]), rating.version, now)
    assert "submitted" in err.value.message
    assert err.value.details == {"version": rating.version + 1, "status": "submitted", "items": other_tab}
    assert repos.panels.get(done.id, world["hr_a"].id).items == other_tab


def test_a_two_word_quote_under_fifteen_characters_is_too_short_as_evidence(repos, world, done, now):
    repos.db.interviews.update_one({"_id": ObjectId(done.id)}, {"$set": {"require_evidence": True}})
    interview = repos.interviews.get(done.id)
    _, rating = panels.my_rating(repos, world["hr_a"], done.id, now)
    quotes = ["slow consumer", "I'd measure with EXPLAIN"]  # 13 characters in two words; four words
    with pytest.raises(ValidationError) as err:
        panels.submit(repos, world["hr_a"], done.id, items(interview, [4, 4], quotes), rating.version, now)
    assert len(err.value.details["missing"]) == 1
    assert "too short" in err.value.details["missing"][0]
    assert not repos.panels.get(done.id, world["hr_a"].id).submitted
    assert panels.evidence_enough("slow consumer", ANSWERS[0]) is False
    assert panels.evidence_enough("a slow consumer", ANSWERS[0]) is True


def test_no_quote_is_found_in_an_empty_answer():
    assert panels.evidence_found("xxxx", "") is False
    assert panels.evidence_found("XXXX", None) is False
    assert panels.evidence_found("queue", "A queue.") is True


def test_the_first_page_of_a_raters_list_is_the_default(repos, world, now):
    for n in range(3):
        repos.panels.ensure(str(ObjectId()), world["hr_b"].id, now + timedelta(minutes=n))
    page = repos.panels.page_for_rater(world["hr_b"].id, per_page=2)
    assert page.page == 1 and page.total == 3
    assert len(page.items) == 2
    assert [r.added_at for r in page.items] == [now + timedelta(minutes=2), now + timedelta(minutes=1)]


# --- the panel --------------------------------------------------------------------------------------

def test_taking_off_someone_not_on_the_panel_says_so(repos, world, done, now):
    with pytest.raises(NotFound) as err:
        panels.remove_member(repos, world["hr_a"], done.id, world["hr_b"].id, now)
    assert err.value.message == "No such member of this panel."


def test_taking_a_member_off_is_audited_with_who_was_taken_off(repos, world, done, now):
    from interviewer.services import audit

    panels.add_member(repos, world["hr_a"], done.id, world["hr_b"].id, now)
    panels.remove_member(repos, world["hr_a"], done.id, world["hr_b"].id, now)
    event = [e for e in repos.audit.in_order() if e["action"] == "panel.remove"][-1]
    assert event["before"] == {"rater": audit.ref_of(repos.users.get(world["hr_b"].id))}
    assert event["before"]["rater"]
    assert repos.interviews.get(done.id).panel == []


# --- reliability of the panels' ratings: names ------------------------------------------------------

def _submitted(repos, interview_id, rater_id, competency_id, values, when):
    repos.panels.col.insert_one({
        "interview_id": interview_id, "rater_id": rater_id, "status": "submitted", "version": 2,
        "items": [{"question_id": f"q{n}", "competency_id": competency_id, "rating": v, "evidence": ""}
                  for n, v in enumerate(values)],
        "added_at": when, "updated_at": when, "submitted_at": when})


def test_a_competency_taken_out_of_the_library_shows_under_its_frozen_name(repos, world, done, now):
    frozen = {"id": str(ObjectId()), "name": "Design under load", "description": "", "anchors": list("abcde")}
    repos.db.interviews.update_one({"_id": ObjectId(done.id)}, {"$set": {"competencies": [frozen]}})
    _submitted(repos, done.id, world["hr_a"].id, frozen["id"], [3, 4], now)
    _submitted(repos, done.id, world["hr_b"].id, frozen["id"], [2, 4], now)
    rel.clear_memo()  # computed from these ratings, not a report an earlier test left in this process
    report = panels.reliability_of_ratings(repos, world["admin"])
    assert [p.label for p in report.parts] == ["Design under load"]
    assert list(report.ai_parts) == ["Design under load"]


def test_a_rater_whose_account_is_gone_is_named_removed_account(repos, world, now):
    gone = str(ObjectId())
    interview_id = str(ObjectId())
    _submitted(repos, interview_id, world["hr_a"].id, panels.GENERAL["id"], [3, 4], now)
    _submitted(repos, interview_id, gone, panels.GENERAL["id"], [2, 4], now)
    rel.clear_memo()
    report = panels.reliability_of_ratings(repos, world["admin"])
    assert sorted(a.rater for a in report.raters) == ["(removed account)", "HR A"]


def test_the_ai_proposals_are_read_for_every_interview_whatever_the_chunk(repos):
    ids = [str(ObjectId()) for _ in range(3)]
    for n, interview_id in enumerate(ids, start=1):
        repos.responses.col.insert_one({
            "interview_id": interview_id, "question_id": "q1", "candidate_id": str(ObjectId()), "answer": "x",
            "ai_evaluation": {"score": 5, "competencies": [
                {"competency_id": panels.GENERAL["id"], "rating": n, "evidence": [], "reason": ""}]}})
    expected = {(i, "q1", panels.GENERAL["id"]): n for n, i in enumerate(ids, start=1)}
    assert panels._ai_proposals(repos, ids, chunk=1) == expected
    assert panels._ai_proposals(repos, ids) == expected


# --- more of the rating's rules and messages ---------------------------------------------------------

def test_the_first_save_of_a_draft_creates_it_dated_now(repos, world, done, now):
    panels.save_draft(repos, world["hr_a"], done.id, items(done, [4, None]), 1, now)
    stored = repos.panels.get(done.id, world["hr_a"].id)
    assert stored.added_at == now and stored.updated_at == now
    assert [i["rating"] for i in stored.items] == [4, None]


def test_a_submitted_rating_cannot_be_saved_as_a_draft(repos, world, done, now):
    _, rating = panels.my_rating(repos, world["hr_a"], done.id, now)
    submitted = panels.submit(repos, world["hr_a"], done.id, items(done, [3, 4]), rating.version, now)
    with pytest.raises(Conflict) as err:
        panels.save_draft(repos, world["hr_a"], done.id, items(done, [1, 1]), submitted.version, now)
    assert err.value.message == "Your rating is submitted and read-only."
    assert err.value.details["status"] == "submitted"
    assert [i["rating"] for i in repos.panels.get(done.id, world["hr_a"].id).items] == [3, 4]


def test_an_unreadable_version_is_refused_at_the_version_field(repos, world, done, now):
    with pytest.raises(ValidationError) as err:
        panels.save_draft(repos, world["hr_a"], done.id, items(done, [3, 3]), "soon", now)
    assert err.value.details == {"version": "Missing or unreadable."}


def test_an_admin_is_told_that_only_raters_rate(repos, world, done, now):
    from interviewer.errors import Forbidden

    with pytest.raises(Forbidden) as err:
        panels.my_rating(repos, world["admin"], done.id, now)
    assert err.value.message == "Only the raters of an interview rate it: its owner and the HR users on its panel."


def test_ratings_in_scope_are_listed_once_each(repos, world, now):
    first, second = str(ObjectId()), str(ObjectId())
    _submitted(repos, first, world["hr_a"].id, panels.GENERAL["id"], [3], now)
    _submitted(repos, second, world["hr_a"].id, panels.GENERAL["id"], [4], now)
    _submitted(repos, first, world["hr_b"].id, panels.GENERAL["id"], [2], now)
    found = sorted((r.interview_id, r.rater_id) for r in repos.panels.submitted_in_scope(world["hr_a"].id))
    assert found == sorted([(first, world["hr_a"].id), (second, world["hr_a"].id), (first, world["hr_b"].id)])


def test_former_raters_are_listed_on_the_board_in_the_order_they_submitted(repos, world, done, make_user, now):
    hr_c = make_user("hr", name="HR C")  # created after HR B: a larger id
    pairs = panels.pairs(done)
    for rater, minutes in ((world["hr_b"], 2), (hr_c, 1)):  # neither on the panel (any more): former raters
        repos.panels.col.insert_one({
            "interview_id": done.id, "rater_id": rater.id, "status": "submitted", "version": 2,
            "items": [{"question_id": p.question_id, "competency_id": p.competency_id, "rating": 3, "evidence": ""}
                      for p in pairs],
            "added_at": now, "updated_at": now, "submitted_at": now + timedelta(minutes=minutes)})
    _, board = panels.board(repos, world["admin"], done.id, now)
    assert board.raters == ["HR C", "HR B"]
    assert board.waiting == ["HR A"]
    assert [name for name, _, _ in board.cells[0].ratings] == ["HR C", "HR B"]


def test_the_profile_shows_the_ais_mean_to_two_decimals(repos, world, done):
    for question, rating in zip(done.questions, [3, 4], strict=True):
        repos.db.responses.update_one({"interview_id": done.id, "question_id": question.id}, {"$set": {
            "ai_evaluation": {"score": 6, "competencies": [
                {"competency_id": panels.GENERAL["id"], "rating": rating, "evidence": [], "reason": ""}]}}})
    (row,) = panels.profile(repos, repos.interviews.get(done.id))
    assert row.ai_mean == 3.5
    assert (row.competency_id, row.questions) == (panels.GENERAL["id"], 2)


# --- the outcome -----------------------------------------------------------------------------------

def test_the_outcome_records_who_decided(repos, world, done, now):
    decided = panels.record_outcome(repos, world["hr_a"], done.id, "advance", None, now)
    assert (decided.outcome, decided.outcome_by) == ("advance", world["hr_a"].id)
    assert repos.interviews.get(done.id).outcome_by == world["hr_a"].id


def test_an_outcome_outside_the_four_is_refused_at_the_field(repos, world, done, now):
    with pytest.raises(ValidationError) as err:
        panels.record_outcome(repos, world["hr_a"], done.id, "maybe", None, now)
    assert err.value.message == "Choose advance, reject, hire or withdrawn."
    assert err.value.details == {"outcome": "Choose advance, reject, hire or withdrawn."}
    assert repos.interviews.get(done.id).outcome is None


def test_no_outcome_before_the_interview_is_completed(repos, world, schedule, now):
    interview = schedule(world["hr_a"], world["cand_a"])
    with pytest.raises(Conflict) as err:
        panels.record_outcome(repos, world["hr_a"], interview.id, "hire", None, now)
    assert err.value.message == "An outcome is recorded once the interview is completed."
    assert repos.interviews.get(interview.id).outcome is None


def test_adding_a_member_lists_the_owners_rating_dated_then(repos, world, done, now):
    later = now + timedelta(minutes=3)
    panels.add_member(repos, world["hr_a"], done.id, world["hr_b"].id, later)
    owner = repos.panels.get(done.id, world["hr_a"].id)
    assert owner.added_at == later
    listed = repos.panels.page_for_rater(world["hr_a"].id, 1, 20)
    assert [(r.interview_id, r.added_at) for r in listed.items] == [(done.id, later)]


def test_a_member_whose_account_is_gone_is_listed_as_removed_account(repos, world, done, now):
    panels.add_member(repos, world["hr_a"], done.id, world["hr_b"].id, now)
    repos.db.users.delete_one({"_id": ObjectId(world["hr_b"].id)})
    people = panels.members(repos, repos.interviews.get(done.id))
    assert [(m.name, m.owner) for m in people] == [("HR A", True), ("(removed account)", False)]


def test_an_interview_out_of_reach_is_not_found_with_a_message(repos, world, done, now):
    with pytest.raises(NotFound) as err:
        panels.viewable(repos, world["hr_b"], done.id, now)
    assert err.value.message == "No such interview."
