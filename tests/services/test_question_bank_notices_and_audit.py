"""The question bank (services/questions.py) as HR and the audit trail see it: what HR is told about
the inputs of generated questions, tags said once, and the event each admin edit records."""
from __future__ import annotations

import pytest

from interviewer.errors import NotFound, ValidationError
from interviewer.services import questions as qs


@pytest.mark.parametrize(("resume", "job", "notice"), [
    ("Python dev", "Flask role", ""),
    (" x ", " y ", ""),
    ("", "", "These questions were generated without a resume or a job description: Zoë uploaded no resume and "
             "the job description is empty, so they are general questions, not tailored to this candidate or role. "
             "Go back, add a job description and draft again to tailor them."),
    (" \n", None, "These questions were generated without a resume or a job description: Zoë uploaded no resume "
                  "and the job description is empty, so they are general questions, not tailored to this candidate "
                  "or role. Go back, add a job description and draft again to tailor them."),
    ("", "Flask role", "Zoë uploaded no resume: these questions were generated from the job description alone."),
    (None, "Flask role", "Zoë uploaded no resume: these questions were generated from the job description alone."),
    ("Python dev", "  ", "The job description is empty: these questions were generated from Zoë's resume alone."),
    ("Python dev", None, "The job description is empty: these questions were generated from Zoë's resume alone."),
])
def test_hr_is_told_which_input_the_generated_questions_lacked(resume, job, notice):
    assert qs.generation_inputs_notice("Zoë", resume, job) == notice


def test_tags_are_lower_cased_and_said_once_in_the_order_first_given():
    assert qs.unique_tags(["Python", "python", "ORM", "sql", "PYTHON", "orm"]) == ["python", "orm", "sql"]
    assert qs.unique_tags([]) == []
    cleaned = qs.clean_question_fields({"text": "Q", "tags": "SQL, sql, Indexes", "key_points": ["a", 1, " "]})
    assert (cleaned["tags"], cleaned["key_points"]) == (["sql", "indexes"], ["a", "1"])


def test_twenty_distinct_tags_are_kept_after_repeats_are_folded():
    tags = ", ".join(f"T{i}, t{i}" for i in range(21))
    assert qs.clean_question_fields({"text": "Q", "tags": tags})["tags"] == [f"t{i}" for i in range(20)]


def test_each_admin_edit_records_who_did_what_to_which_question(repos, make_user):
    admin = make_user("admin")
    q = qs.add(repos, {"text": "What is an index?", "tags": "sql"}, actor=admin)
    [created] = repos.audit.search(action="question.create")[0]
    assert (created["actor"], created["object_type"], created["object_id"], created["after"]) == (
        admin.audit_ref, "question", q.id, {"key": "what-is-an-index"})
    qs.update(repos, q.id, {"text": "What is an index?", "tags": "sql, btree", "difficulty": 4}, actor=admin)
    [updated] = repos.audit.search(action="question.update")[0]
    assert (updated["actor"], updated["object_type"], updated["object_id"], updated["after"]) == (
        admin.audit_ref, "question", q.id, {"changed": ["difficulty", "tags"]})
    qs.update(repos, q.id, {"text": "What is an index?", "tags": "sql, btree", "difficulty": 4})
    unchanged = repos.audit.search(action="question.update")[0][0]
    assert (unchanged["actor"], unchanged["after"]) == (None, {"changed": []})
    qs.set_enabled(repos, q.id, False, actor=admin)
    qs.set_enabled(repos, q.id, True)
    [off] = repos.audit.search(action="question.disable")[0]
    [on] = repos.audit.search(action="question.enable")[0]
    assert (off["actor"], off["object_type"], off["object_id"]) == (admin.audit_ref, "question", q.id)
    assert (on["actor"], on["actor_role"], on["object_id"]) == (None, "system", q.id)


def test_a_refused_or_unknown_edit_records_nothing(repos):
    q = qs.add(repos, {"text": "Kept?"})
    with pytest.raises(ValidationError):
        qs.update(repos, q.id, {"text": ""})
    with pytest.raises(NotFound):
        qs.set_enabled(repos, "65f1a2b3c4d5e6f708192a3b", False)
    assert repos.audit.search(action="question.update")[0] == []
    assert repos.audit.search(action="question.disable")[0] == []


def test_the_default_set_takes_an_evenly_spaced_pick_and_leaves_disabled_questions_out(repos):
    from interviewer.models import BankQuestion

    repos.questions.col.delete_many({})
    for n in range(7):
        repos.questions.insert(BankQuestion(id="", key=f"t{n}", text=f"T{n}?", category="technical",
                                            difficulty=1 + n % 5, enabled=n != 6))
    # Ordered by (difficulty, key): t0 t5 t1 t2 t3 t4 (t6 is disabled). 3 technical wanted, every
    # second one; no other category, so the 2 missing come from the rest in the bank's order.
    assert [q.key for q in qs.default_set(repos, 5)] == ["t0", "t1", "t3", "t5", "t2"]
    assert [q.key for q in qs.default_set(repos, 10)] == ["t0", "t5", "t1", "t2", "t3", "t4"]
