"""Migrations: applied in order, recorded, idempotent; the unique rules and the seeded question bank."""
from __future__ import annotations

import json
from datetime import datetime

import pytest
from pymongo.errors import DuplicateKeyError

from interviewer.db import get_db
from interviewer.migrate import MIGRATIONS_DIR, available, upgrade

SEED = json.loads((MIGRATIONS_DIR.parent / "interviewer" / "seed" / "questions.json").read_text(encoding="utf-8"))


@pytest.fixture
def fresh_db(fresh_app):
    """An empty database on the backend under test (the `app` fixture's is already migrated)."""
    return get_db(fresh_app)


def test_the_shipped_migrations_are_numbered_without_gaps():
    names = [p.stem for p in available()]
    assert names, "no migrations found"
    assert [int(n[:4]) for n in names] == list(range(1, len(names) + 1))
    assert names[:2] == ["0001_initial_indexes", "0002_question_bank"]


def test_upgrade_applies_every_migration_in_order_and_records_it(fresh_db):
    applied = upgrade(fresh_db)
    assert applied == [p.stem for p in available()]
    records = {d["_id"]: d for d in fresh_db.migrations.find()}
    assert set(records) == set(applied)
    assert all(isinstance(d["applied_at"], datetime) for d in records.values())


def test_a_second_upgrade_applies_nothing_and_changes_nothing(fresh_db):
    upgrade(fresh_db)
    bank = fresh_db.question_bank.count_documents({})
    records = sorted(d["_id"] for d in fresh_db.migrations.find())

    assert upgrade(fresh_db) == []

    assert fresh_db.question_bank.count_documents({}) == bank
    assert sorted(d["_id"] for d in fresh_db.migrations.find()) == records


def test_seed_question_bank_is_present(repos):
    questions = repos.questions.list(enabled=None)
    assert len(questions) >= 40
    assert len(questions) == len(SEED)
    assert {q.key for q in questions} == {item["key"] for item in SEED}
    assert all(q.enabled and q.builtin and q.text for q in questions)
    assert {q.category for q in questions} <= {"technical", "behavioural", "situational"}


def test_rerunning_the_bank_migration_keeps_admin_edits_and_adds_no_duplicates(repos):
    before = repos.questions.list(enabled=None)
    edited, disabled = before[0], before[1]
    repos.questions.update(edited.id, text="Edited by an admin", difficulty=5)
    repos.questions.update(disabled.id, enabled=False)
    repos.db.migrations.delete_one({"_id": "0002_question_bank"})

    assert upgrade(repos.db) == ["0002_question_bank"]

    after = repos.questions.list(enabled=None)
    assert len(after) == len(before)
    assert len({q.key for q in after}) == len(after)
    assert repos.questions.get(edited.id).text == "Edited by an admin"
    assert repos.questions.get(edited.id).difficulty == 5
    assert repos.questions.get(disabled.id).enabled is False


def test_a_removed_seed_question_comes_back_but_others_are_untouched(repos):
    gone = repos.questions.list(enabled=None)[0]
    repos.db.question_bank.delete_one({"key": gone.key})
    repos.db.migrations.delete_one({"_id": "0002_question_bank"})
    upgrade(repos.db)
    assert repos.questions.by_key(gone.key) is not None
    assert repos.db.question_bank.count_documents({}) == len(SEED)


@pytest.mark.parametrize("second", ["ann@example.com", "ANN@EXAMPLE.COM"])
def test_unique_email_index_is_enforced(repos, second):
    from interviewer.repositories.users import normalise_email

    repos.db.users.insert_one({"email": "ann@example.com", "email_norm": "ann@example.com", "role": "hr"})
    with pytest.raises(DuplicateKeyError):
        repos.db.users.insert_one({"email": second, "email_norm": normalise_email(second), "role": "admin"})
    assert repos.db.users.count_documents({}) == 1


def test_unique_bank_key_is_enforced(repos):
    with pytest.raises(DuplicateKeyError):
        repos.db.question_bank.insert_one({**SEED[0], "enabled": True})


def test_one_response_per_interview_and_question(repos):
    repos.db.responses.insert_one({"interview_id": "i1", "question_id": "q1", "answer": "a"})
    repos.db.responses.insert_one({"interview_id": "i1", "question_id": "q2", "answer": "b"})
    repos.db.responses.insert_one({"interview_id": "i2", "question_id": "q1", "answer": "c"})
    with pytest.raises(DuplicateKeyError):
        repos.db.responses.insert_one({"interview_id": "i1", "question_id": "q1", "answer": "again"})
    assert repos.db.responses.count_documents({}) == 3


# --- the runner, with migrations of our own -----------------------------------------------------------

TRACE = '''
def upgrade(db):
    db.trace.insert_one({{"step": "{name}", "n": db.trace.count_documents({{}})}})
'''


def write(folder, name, body=None):
    (folder / f"{name}.py").write_text(body if body is not None else TRACE.format(name=name))


@pytest.fixture
def folder(tmp_path):
    path = tmp_path / "migrations"
    path.mkdir()
    return path


def test_runner_orders_by_number_and_ignores_other_files(repos, folder):
    for name in ("0010_tenth", "0002_second", "0001_first"):
        write(folder, name)
    write(folder, "helper")  # not numbered
    write(folder, "0003-dash")  # wrong separator
    write(folder, "0004_Upper")  # names are lower case
    (folder / "0005_notes.txt").write_text("not python")
    (folder / "README.md").write_text("docs")

    assert upgrade(repos.db, folder) == ["0001_first", "0002_second", "0010_tenth"]
    steps = [d["step"] for d in repos.db.trace.find().sort("n", 1)]
    assert steps == ["0001_first", "0002_second", "0010_tenth"]
    assert {"0001_first", "0002_second", "0010_tenth"} <= {d["_id"] for d in repos.db.migrations.find()}

    write(folder, "0011_eleventh")
    assert upgrade(repos.db, folder) == ["0011_eleventh"]
    assert upgrade(repos.db, folder) == []
    assert repos.db.trace.count_documents({}) == 4


def test_a_failing_migration_is_not_recorded_and_runs_again(repos, folder):
    write(folder, "0001_first")
    write(folder, "0002_broken", "def upgrade(db):\n    raise RuntimeError('boom')\n")
    write(folder, "0003_third")

    with pytest.raises(RuntimeError, match="boom"):
        upgrade(repos.db, folder)
    recorded = {d["_id"] for d in repos.db.migrations.find()}
    assert "0001_first" in recorded
    assert not {"0002_broken", "0003_third"} & recorded
    assert [d["step"] for d in repos.db.trace.find()] == ["0001_first"]

    write(folder, "0002_broken", TRACE.format(name="0002_broken"))
    assert upgrade(repos.db, folder) == ["0002_broken", "0003_third"]
    assert [d["step"] for d in repos.db.trace.find().sort("n", 1)] == ["0001_first", "0002_broken", "0003_third"]


def test_a_migration_recorded_by_a_racing_process_is_not_an_error(repos, folder, monkeypatch):
    """Two processes upgrading at once: the loser's record insert hits the unique _id and is ignored."""
    write(folder, "0001_first")
    real_find = type(repos.db.migrations).find

    def stale_find(self, *args, **kwargs):  # this process read the records before the other one wrote
        return iter([])

    monkeypatch.setattr(type(repos.db.migrations), "find", stale_find)
    repos.db.migrations.insert_one({"_id": "0001_first"})
    assert upgrade(repos.db, folder) == ["0001_first"]
    monkeypatch.setattr(type(repos.db.migrations), "find", real_find)
    assert repos.db.migrations.count_documents({"_id": "0001_first"}) == 1
