"""An audit event as a caller and an auditor see it: the fields `record` stores (times to the
millisecond, the system as actor, ids as text, the reason cut at 500 characters), the hash an
outside tool can recompute (SHA-256 over the previous hash and the canonical JSON), the exact
verdicts of `verify`, and the sentence the pages show for each kind of event."""
from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta

import pytest

from interviewer.models import User
from interviewer.repositories.audit import GENESIS
from interviewer.services import audit

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
HANA = User(id="u-hana", email="hana@example.com", name="Hana", role="hr", audit_ref="ref-hana")


# --- the hash ---------------------------------------------------------------------------------------

def an_event(**over):
    event = {"seq": 2, "prev_hash": "a" * 64, "at": datetime(2026, 3, 2, 9, 0, 0, 123456, tzinfo=UTC),
             "actor": "ab12", "actor_role": "hr", "action": "answer.score", "object_type": "response",
             "object_id": "r1", "interview_id": "i1", "before": {"score": None},
             "after": {"score": 8.0, "at": datetime(2026, 3, 2, 9, 0, tzinfo=UTC)}, "reason": "Zoë",
             "hash": "not part of the content", "_id": "nor is this"}
    event.update(over)
    return event


CANONICAL = ('{"action":"answer.score","actor":"ab12","actor_role":"hr","after":{"at":"2026-03-02T09:00:00+00:00",'
             '"score":8.0},"at":"2026-03-02T09:00:00.123","before":{"score":null},"interview_id":"i1",'
             '"object_id":"r1","object_type":"response","prev_hash":"' + "a" * 64 + '","reason":"Zo\\u00eb","seq":2}')


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def test_the_hash_is_sha256_of_the_previous_hash_and_the_canonical_json():
    """Sorted keys, no spaces, ASCII escapes, the event's time naive to the millisecond: what an
    outside tool recomputes, and what every event already stored was hashed with."""
    assert audit.event_hash(an_event()) == sha256("a" * 64 + CANONICAL)
    assert audit.event_hash(an_event()) == "c7ad29f81778b5cbd3a8b9e17bc66b8ed129fee3026fe37b668546f92c445bef"


def test_the_hash_reads_the_time_the_same_whether_it_carries_its_zone_or_not():
    naive = an_event(at=datetime(2026, 3, 2, 9, 0, 0, 123456))
    assert audit.event_hash(naive) == audit.event_hash(an_event())


def test_every_hashed_field_changes_the_hash_and_other_keys_do_not():
    base = audit.event_hash(an_event())
    assert audit.event_hash(an_event(hash="other", _id="other", extra="x")) == base
    for key in audit.HASHED:
        changed = an_event(**{key: datetime(2027, 1, 1, tzinfo=UTC) if key == "at" else "changed"})
        assert audit.event_hash(changed) != base, key


def test_an_event_without_a_previous_hash_or_a_datetime_is_hashed_as_it_is():
    text = ('{"action":null,"actor":null,"actor_role":null,"after":null,"at":"yesterday","before":null,'
            '"interview_id":null,"object_id":null,"object_type":null,"prev_hash":null,"reason":null,"seq":null}')
    assert audit.event_hash({"at": "yesterday"}) == sha256(text)


# --- small helpers --------------------------------------------------------------------------------

def test_feedback_goes_in_as_its_length_and_a_short_digest_never_the_words():
    assert audit.fingerprint("Good answer.") == "12 chars, sha256 " + hashlib.sha256(b"Good answer.").hexdigest()[:12]
    assert audit.fingerprint("Zoë") == "3 chars, sha256 " + hashlib.sha256("Zoë".encode()).hexdigest()[:12]
    assert audit.fingerprint("") == "" and audit.fingerprint(None) == ""


def test_a_pseudonym_is_sixteen_random_hex_digits():
    refs = {audit.new_ref() for _ in range(20)}
    assert len(refs) == 20 and all(re.fullmatch(r"[0-9a-f]{16}", r) for r in refs)


def test_a_person_is_named_by_their_pseudonym_and_no_one_by_none():
    assert audit.ref_of(HANA) == "ref-hana"
    assert audit.ref_of(User(id="u2", email="e", name="n", role="hr", audit_ref="")) is None
    assert audit.ref_of(None) is None


# --- what record stores ---------------------------------------------------------------------------

def test_record_stores_the_event_as_given_with_the_time_to_the_millisecond(repos):
    at = datetime(2026, 3, 2, 9, 0, 0, 987654, tzinfo=UTC)
    event = audit.record(repos, HANA, "answer.score", "response", "r1", at, before={"score": None},
                         after={"score": 8.0}, reason="Second look.", interview_id="i1")
    expected = {"at": datetime(2026, 3, 2, 9, 0, 0, 987000, tzinfo=UTC), "actor": "ref-hana", "actor_role": "hr",
                "action": "answer.score", "object_type": "response", "object_id": "r1", "interview_id": "i1",
                "before": {"score": None}, "after": {"score": 8.0}, "reason": "Second look.", "seq": 1,
                "prev_hash": GENESIS}
    assert {k: v for k, v in event.items() if k != "hash"} == expected
    assert event["hash"] == audit.event_hash(event)
    assert list(repos.audit.in_order()) == [event]


def test_the_system_acts_with_no_pseudonym_and_ids_are_kept_as_text(repos):
    event = audit.record(repos, None, "interview.purge", "interview", 0, T0, interview_id="")
    assert (event["actor"], event["actor_role"], event["object_id"], event["interview_id"]) == (
        None, "system", "0", None)
    assert (event["before"], event["after"], event["reason"]) == (None, None, "")
    nothing = audit.record(repos, None, "job.run", "job", None, T0, interview_id=12, reason=None)
    assert (nothing["object_id"], nothing["interview_id"], nothing["reason"]) == (None, "12", "")


def test_the_reason_is_kept_up_to_500_characters(repos):
    assert audit.record(repos, None, "x", "t", "1", T0, reason="r" * 500)["reason"] == "r" * 500
    assert audit.record(repos, None, "x", "t", "2", T0, reason="s" * 500 + "t")["reason"] == "s" * 500


def test_times_tuples_and_keys_in_before_and_after_are_stored_as_plain_json(repos):
    when = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    event = audit.record(repos, HANA, "interview.reschedule", "interview", "i1", T0,
                         before={"starts_at": when, 7: ("a", when, [when])}, after=[{"deadline": when}])
    iso = "2026-03-02T09:30:00+00:00"
    assert event["before"] == {"starts_at": iso, "7": ["a", iso, [iso]]}
    assert event["after"] == [{"deadline": iso}]
    assert repos.audit.last()["before"] == {"starts_at": iso, "7": ["a", iso, [iso]]}
    assert audit.verify(repos).ok


# --- verify ---------------------------------------------------------------------------------------

def five_events(repos):
    for n in range(5):
        audit.record(repos, HANA, "test.event", "test", str(n), T0 + timedelta(minutes=n))
    return repos.audit.col


def test_an_empty_or_intact_trail_verifies_with_its_count(repos):
    assert audit.verify(repos) == audit.Verdict(True, 0, "")
    five_events(repos)
    assert audit.verify(repos) == audit.Verdict(True, 5, "")


def test_a_removed_event_is_reported_by_number(repos):
    five_events(repos).delete_one({"seq": 3})
    assert audit.verify(repos) == audit.Verdict(False, 3, "event 3 is missing (the next one is 4)")


def test_a_removed_first_event_is_reported(repos):
    five_events(repos).delete_one({"seq": 1})
    assert audit.verify(repos) == audit.Verdict(False, 1, "event 1 is missing (the next one is 2)")


def test_an_edited_event_is_reported_by_number(repos):
    five_events(repos).update_one({"seq": 4}, {"$set": {"object_id": "edited"}})
    assert audit.verify(repos) == audit.Verdict(False, 4, "event 4 was changed after it was written")


def test_an_event_whose_previous_hash_is_not_the_one_before_is_reported(repos):
    col = five_events(repos)
    col.update_one({"seq": 2}, {"$set": {"prev_hash": "f" * 64}})
    assert audit.verify(repos) == audit.Verdict(
        False, 2, "event 2 does not follow the one before it (moved or the one before was changed)")


def test_the_first_event_must_follow_the_genesis_hash(repos):
    col = five_events(repos)
    first = next(repos.audit.in_order())
    forged = {**first, "prev_hash": "1" * 64}
    col.update_one({"seq": 1}, {"$set": {"prev_hash": forged["prev_hash"], "hash": audit.event_hash(forged)}})
    assert audit.verify(repos) == audit.Verdict(
        False, 1, "event 1 does not follow the one before it (moved or the one before was changed)")


# --- describe -------------------------------------------------------------------------------------

def said(action, before=None, after=None, actor="ref-hana", actor_role="hr"):
    event = {"actor": actor, "actor_role": actor_role, "action": action, "before": before, "after": after}
    return audit.describe(event, {"ref-hana": HANA})


def test_who_did_it_is_the_person_the_system_or_someone():
    assert said("interview.cancel") == "Hana (hr) cancelled it"
    assert said("interview.cancel", actor=None, actor_role="system") == "The system cancelled it"
    assert said("interview.cancel", actor="ref-erased", actor_role="candidate") == "Someone cancelled it"
    assert said("interview.cancel", actor=None, actor_role="hr") == "Someone cancelled it"


def test_scores_read_as_first_score_changed_feedback_or_a_change():
    assert said("answer.score", {"score": None}, {"question": 3, "score": 8.0}) == "Hana (hr) scored answer 3: 8"
    assert said("answer.score", None, {"question": 3, "score": 7.5}) == "Hana (hr) scored answer 3: 7.5"
    assert said("answer.score", {"score": 8.0}, {"question": 3, "score": 8.0}) == \
        "Hana (hr) changed the feedback on answer 3"
    assert said("answer.score", {"score": 8.0}, {"question": 3, "score": 9.0}) == \
        "Hana (hr) changed the score of answer 3 from 8 to 9"
    assert said("answer.score", {"score": 8}, {"score": None}) == "Hana (hr) changed the score of answer ? from 8 to none"
    assert said("answer.score", {"score": 1}, {"question": 2, "score": "n/a"}) == \
        "Hana (hr) changed the score of answer 2 from 1 to n/a"


def test_the_overall_result_reads_as_recorded_or_changed():
    assert said("interview.result", {"overall_score": None}, {"overall_score": 7.0}) == \
        "Hana (hr) recorded the overall result: 7"
    assert said("interview.result", None, None) == "Hana (hr) recorded the overall result: none"
    assert said("interview.result", {"overall_score": 7.0}, {"overall_score": 6.5}) == \
        "Hana (hr) changed the overall result from 7 to 6.5"


def test_schedules_read_with_their_times_in_utc_to_the_minute():
    opens, due = datetime(2026, 3, 2, 9, 5, 59, tzinfo=UTC), "2026-03-09T17:30:00"
    assert said("interview.schedule", None, {"starts_at": opens, "deadline": due, "questions": 4}) == \
        "Hana (hr) scheduled it: opens 2026-03-02 09:05 UTC, deadline 2026-03-09 17:30 UTC, 4 questions"
    assert said("interview.reschedule", {"starts_at": opens, "deadline": due},
                {"starts_at": "2026-03-03T10:00", "deadline": "2026-03-10T08:00"}) == \
        "Hana (hr) moved it from 2026-03-02 09:05 UTC – 2026-03-09 17:30 UTC to 2026-03-03 10:00 UTC – 2026-03-10 08:00 UTC"
    assert said("interview.reschedule", None, {"starts_at": None, "deadline": "2026-03-10T08:00"}) == \
        "Hana (hr) moved it from — – — to — – 2026-03-10 08:00 UTC"


@pytest.mark.parametrize(("action", "after", "text"), [
    ("panel.add", None, "Hana (hr) added a rater to the panel"),
    ("panel.remove", None, "Hana (hr) took a rater off the panel"),
    ("rating.submit", None, "Hana (hr) submitted their panel rating"),
    ("interview.outcome", {"outcome": "hired"}, "Hana (hr) recorded the outcome: hired"),
    ("interview.share", None, "Hana (hr) shared the result with the candidate"),
    ("interview.unshare", None, "Hana (hr) stopped sharing the result"),
    ("ai.requested", {"answers": 4}, "Hana (hr) asked for AI evaluation of 4 answers"),
    ("ai.requested", {"answers": 0}, "Hana (hr) asked for AI evaluation of one answer"),
    ("ai.requested", None, "Hana (hr) asked for AI evaluation of one answer"),
    ("competency.create", {"name": "SQL"}, "Hana (hr) created the competency “SQL”"),
    ("competency.copy", {"name": "SQL 2"}, "Hana (hr) copied a competency as “SQL 2”"),
    ("competency.update", {"changed": ["name", "levels"]}, "Hana (hr) edited a competency (name, levels)"),
    ("competency.update", {"changed": []}, "Hana (hr) edited a competency (no change)"),
    ("competency.update", None, "Hana (hr) edited a competency (no change)"),
    ("template.create", {"name": "Backend"}, "Hana (hr) created the interview template “Backend”"),
    ("template.copy", {"name": "Backend 2"}, "Hana (hr) copied an interview template as “Backend 2”"),
    ("template.update", {"changed": ["questions", "name"]}, "Hana (hr) edited an interview template (questions, name)"),
    ("template.update", {}, "Hana (hr) edited an interview template (no change)"),
    ("template.archive", None, "Hana (hr) archived an interview template"),
    ("template.unarchive", None, "Hana (hr) restored an interview template"),
    ("ai.evaluated", {"provider": "local", "model": "m1", "score": 6.0},
     "The AI (local, m1) proposed 6 for one answer"),
    ("sign_in.failed", None, "Hana (hr): sign_in.failed"),
])
def test_each_kind_of_event_reads_as_one_sentence(action, after, text):
    assert said(action, None, after) == text
