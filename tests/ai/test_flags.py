"""Flags carry a stable code and the sentence HR reads; evaluations stored before codes existed
(flags as bare messages) still read and render."""
from interviewer.ai import checks
from interviewer.ai.types import Evaluation, Flag, as_flag
from interviewer.api.schemas import AIEvaluationOut
from interviewer.filters import ai_flags


def test_legacy_messages_get_their_codes_and_unknown_notes_are_model_notes():
    assert as_flag("the answer contains text addressed to the evaluator") == checks.FLAG_INJECTION
    assert as_flag("Empty answer") == Flag(code="empty", message="Empty answer")
    assert as_flag("mentions an unrelated framework") == Flag(code="model_note", message="mentions an unrelated framework")
    assert as_flag({"code": "off_topic", "message": "about something else"}).code == "off_topic"


def test_an_evaluation_reads_stored_flags_of_either_form():
    ev = Evaluation(score=1, feedback="", criteria={}, provider="p", model="m", prompt_version="v",
                    flags=["empty answer", {"code": "injection", "message": "x"}])
    assert [f.code for f in ev.flags] == ["empty", "injection"]
    assert ev.has_flag("injection") and not ev.has_flag("off_topic")


def test_the_api_and_the_page_show_codes_and_messages():
    out = AIEvaluationOut(score=2.0, flags=["empty answer", {"code": "off_topic", "message": "about X"}])
    assert [f.model_dump() for f in out.flags] == [{"code": "empty", "message": "empty answer"},
                                                   {"code": "off_topic", "message": "about X"}]
    schema = AIEvaluationOut.model_json_schema()
    assert "flags" in schema["properties"]
    assert [f.code for f in ai_flags(["the answer copies the question"])] == ["copies_question"]


def test_merging_keeps_one_flag_per_code_and_every_distinct_model_note():
    note_a, note_b = Flag(code="model_note", message="a"), Flag(code="model_note", message="b")
    merged = checks.merge_flags([checks.FLAG_EMPTY], [checks.FLAG_EMPTY, note_a, note_b, note_a])
    assert merged == [checks.FLAG_EMPTY, note_a, note_b]
