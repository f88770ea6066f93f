"""Per-answer scores are a compare-and-set, like the overall result: two staff scoring one answer at once,
or a page loaded earlier and posted later, never overwrite a newer score in silence. And numbers from
requests (scores, the autosave's `seq`) are ASCII digits only."""
from __future__ import annotations

from datetime import timedelta

import pytest

from interviewer import params
from interviewer.errors import Conflict, ValidationError
from interviewer.services import interviews as svc

SCORE_MESSAGE = "A score is a number from 0 to 10 (one decimal at most)."


@pytest.fixture
def completed(repos, world, schedule, now):
    interview = schedule(world["hr_a"], world["cand_a"])
    svc.save_answer(repos, world["cand_a"], interview.id, interview.questions[0].id, "An answer", now)
    return svc.submit(repos, world["cand_a"], interview.id, now)


def stored(repos, interview, n=0):
    response = repos.responses.find(interview.id, interview.questions[n].id)
    return (response.score, response.feedback) if response else (None, "")


def score_events(repos, interview) -> list[dict]:
    return [e for e in repos.audit.for_interview(interview.id) if e["action"] == "answer.score"]


def test_the_second_of_two_scores_saved_at_once_is_refused_with_the_first(repos, world, completed, now):
    hr, admin, question = world["hr_a"], world["admin"], completed.questions[0].id
    svc.score_response(repos, hr, completed.id, question, "2", "Thin", now, seen="")  # both pages showed no score
    with pytest.raises(Conflict) as refused:
        svc.score_response(repos, admin, completed.id, question, "8", "Strong", now + timedelta(seconds=1), seen="")
    assert "meanwhile (2/10)" in refused.value.message
    assert (refused.value.details["score"], refused.value.details["feedback"]) == (2.0, "Thin")
    assert stored(repos, completed) == (2.0, "Thin")  # the refused write left nothing
    assert len(score_events(repos, completed)) == 1


def test_a_page_loaded_before_a_newer_score_cannot_overwrite_it(repos, world, completed, now):
    hr, admin, question = world["hr_a"], world["admin"], completed.questions[0].id
    first = svc.score_response(repos, hr, completed.id, question, "5", "", now, seen="")
    old_page = first.scored_at.isoformat()  # HR's page, loaded now
    newer = svc.score_response(repos, admin, completed.id, question, "8", "Admin's", now + timedelta(minutes=1),
                               seen=old_page)
    with pytest.raises(Conflict) as refused:  # HR posts the page loaded before the admin's score
        svc.score_response(repos, hr, completed.id, question, "3", "Mine", now + timedelta(minutes=2), seen=old_page)
    assert refused.value.details["score"] == 8.0
    assert refused.value.details["scored_at"] == newer.scored_at.isoformat()
    assert stored(repos, completed) == (8.0, "Admin's")
    # Whoever saw the stored score may replace it, knowingly; "Z" and "+00:00" name the same time.
    seen = newer.scored_at.isoformat().replace("+00:00", "Z")
    assert svc.score_response(repos, hr, completed.id, question, "3", "Mine", now + timedelta(minutes=3),
                              seen=seen).score == 3.0
    assert stored(repos, completed) == (3.0, "Mine")


def test_the_same_score_sent_twice_is_accepted_once(repos, world, completed, now):
    hr, question = world["hr_a"], completed.questions[0].id
    one = svc.score_response(repos, hr, completed.id, question, "7", "Fine", now, seen="")
    two = svc.score_response(repos, hr, completed.id, question, "7", " Fine ", now + timedelta(seconds=1), seen="")
    assert (one.score, two.score) == (7.0, 7.0) and two.scored_at == one.scored_at  # the repeat wrote nothing
    assert stored(repos, completed) == (7.0, "Fine") and len(score_events(repos, completed)) == 1


def test_a_score_racing_between_read_and_write_is_not_overwritten(repos, world, completed, now, monkeypatch):
    """No `seen` (an older page or API client): the compare-and-set on what this request read still holds."""
    question = completed.questions[0].id
    stale = repos.responses.find(completed.id, question)
    svc.score_response(repos, world["admin"], completed.id, question, "4", "First", now)
    monkeypatch.setattr(svc, "ensure_response", lambda *a, **k: stale)  # this request read before the other wrote
    with pytest.raises(Conflict) as refused:
        svc.score_response(repos, world["hr_a"], completed.id, question, "9", "Second", now + timedelta(seconds=1))
    assert refused.value.details["score"] == 4.0
    assert stored(repos, completed) == (4.0, "First")


def test_without_a_precondition_the_last_score_wins(repos, world, completed, now):
    question = completed.questions[0].id
    svc.score_response(repos, world["admin"], completed.id, question, "4", "First", now)
    svc.score_response(repos, world["hr_a"], completed.id, question, "9", "Second", now + timedelta(seconds=1))
    assert stored(repos, completed) == (9.0, "Second")
    assert len(score_events(repos, completed)) == 2  # the audit trail keeps both


@pytest.mark.parametrize("seen", ["yesterday", "2026-13-01T00:00:00+00:00", "x" * 41, "0001-01-01T00:00:00+14:00"])
def test_an_unreadable_precondition_is_refused_naming_it(repos, world, completed, now, seen):
    question = completed.questions[0].id
    with pytest.raises(ValidationError) as refused:
        svc.score_response(repos, world["hr_a"], completed.id, question, "5", "", now, seen=seen)
    assert refused.value.details == {"seen": svc.SEEN_MESSAGE}
    with pytest.raises(ValidationError) as refused:
        svc.record_result(repos, world["hr_a"], completed.id, "5", "", now, seen=seen)
    assert refused.value.details == {"seen": svc.SEEN_MESSAGE}
    assert stored(repos, completed) == (None, "") and repos.interviews.get(completed.id).overall_score is None


def test_the_repository_writes_a_score_only_over_the_one_read(repos, world, completed, now):
    """The conditional update both stores run: `scored_at` null (never scored) or the time read."""
    response = repos.responses.find(completed.id, completed.questions[0].id)
    assert repos.responses.set_score(response.id, None, score=6.0, feedback="a", scored_at=now)
    assert not repos.responses.set_score(response.id, None, score=1.0, feedback="b", scored_at=now)
    assert not repos.responses.set_score(response.id, now - timedelta(seconds=1), score=1.0, scored_at=now)
    assert repos.responses.get(response.id).score == 6.0
    assert repos.responses.set_score(response.id, now, score=2.0, feedback="c", scored_at=now + timedelta(seconds=1))
    assert (repos.responses.get(response.id).score, repos.responses.get(response.id).feedback) == (2.0, "c")


# --- numbers from requests: ASCII digits only ------------------------------------------------------

NOT_ASCII = ["٥", "٣", "٣.٥", "５", "²", "𝟓", "1_0", "0_5", "1e1", "5e-1", "inf", "nan", "0x5", "5 5", "--5", "+-5", "."]


@pytest.mark.parametrize("value", NOT_ASCII)
def test_a_score_in_anything_but_ascii_digits_is_refused_naming_the_field(repos, world, completed, now, value):
    for field in ("score", "overall_score"):
        with pytest.raises(ValidationError) as refused:
            svc.parse_score(value, field)
        assert refused.value.details == {field: SCORE_MESSAGE}
    with pytest.raises(ValidationError):
        svc.score_response(repos, world["hr_a"], completed.id, completed.questions[0].id, value, "", now)
    with pytest.raises(ValidationError):
        svc.record_result(repos, world["hr_a"], completed.id, value, "", now)
    assert stored(repos, completed) == (None, "") and repos.interviews.get(completed.id).overall_score is None


@pytest.mark.parametrize("value, expected", [("7", 7.0), (" 7.5 ", 7.5), ("+3", 3.0), ("3,5", 3.5), (".5", 0.5),
                                             ("5.", 5.0), ("-0", 0.0), ("007.50", 7.5), (6, 6.0), (8.5, 8.5)])
def test_scores_as_before_are_still_read(value, expected):
    score = svc.parse_score(value)
    assert score == expected and str(score) != "-0.0"


@pytest.mark.parametrize("seq", ["٣", "1_000", "１２", "1e3", "12.0", "0x10", "²"])
def test_an_autosave_seq_in_anything_but_ascii_digits_is_refused(repos, world, schedule, now, seq):
    candidate = world["cand_a"]
    interview = schedule(world["hr_a"], candidate)
    question = interview.questions[0].id
    svc.save_answer(repos, candidate, interview.id, question, "Kept", now, seq="5")
    with pytest.raises(ValidationError) as refused:
        svc.save_answer(repos, candidate, interview.id, question, "Replaced", now, seq=seq)
    assert refused.value.details == {"seq": "Must be a whole number."}
    kept = repos.responses.find(interview.id, question)
    assert (kept.answer, kept.seq) == ("Kept", 5)


@pytest.mark.parametrize("seq, expected", [("6", 6), (" 7 ", 7), ("+8", 8), (str(svc.MAX_SEQ - 1), svc.MAX_SEQ - 1)])
def test_an_ascii_seq_is_read_as_before(repos, world, schedule, now, seq, expected):
    candidate = world["cand_a"]
    interview = schedule(world["hr_a"], candidate)
    result = svc.save_answer(repos, candidate, interview.id, interview.questions[0].id, "Text", now, seq=seq)
    assert result.applied and repos.responses.find(interview.id, interview.questions[0].id).seq == expected


@pytest.mark.parametrize("seq", ["-1", str(svc.MAX_SEQ), "9" * 17, "9" * 5000])
def test_an_out_of_range_seq_is_refused_not_a_500(repos, world, schedule, now, seq):
    interview = schedule(world["hr_a"], world["cand_a"])
    with pytest.raises(ValidationError) as refused:
        svc.save_answer(repos, world["cand_a"], interview.id, interview.questions[0].id, "Text", now, seq=seq)
    assert set(refused.value.details) == {"seq"}


@pytest.mark.parametrize("text, options, expected", [
    ("12", {}, 12), ("+12", {}, None), ("+12", {"signed": True}, 12), ("-3", {"signed": True}, -3),
    ("1.5", {}, None), ("1.5", {"fraction": True}, 1.5), ("1,5", {"fraction": True}, None),
    ("1,5", {"fraction": True, "comma": True}, 1.5), ("٥", {}, None), ("1_0", {}, None), ("1_0", {"fraction": True}, None),
    ("9" * 9, {}, 10**9 - 1), ("9" * 10, {}, None), ("9" * 10, {"max_digits": 10}, 10**10 - 1), ("", {}, None),
    (None, {}, None), (True, {}, None), (5, {}, 5), (-5, {}, None), (5.5, {}, None), (5.5, {"fraction": True}, 5.5),
    (float("nan"), {"fraction": True}, None), (float("inf"), {"fraction": True}, None),
    ("0." + "1" * 21, {"fraction": True}, None),
])
def test_the_one_number_reader(text, options, expected):
    assert params.number(text, **options) == expected
    assert params.integer("٣", 0, 10) is None and params.page_number("٢") == 1
