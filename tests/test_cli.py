"""The command line: `flask db upgrade`, `flask users create|assign|unassign`, `flask demo`."""
from __future__ import annotations

import pytest
from support import PASSWORD

from interviewer.db import get_repos
from interviewer.migrate import available
from interviewer.services import users as user_service


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def create(runner, email="staff@example.com", role="hr", name="Staff Person", password=PASSWORD, **kwargs):
    args = ["users", "create", email, "--role", role, "--name", name]
    if password is not None:
        args += ["--password", password]
    return runner.invoke(args=args, **kwargs)


# --- users create --------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["candidate", "hr", "admin"])
def test_create_prints_the_new_id_last(runner, repos, role):
    result = create(runner, role=role)
    assert result.exit_code == 0, result.output
    last = result.stdout.strip().splitlines()[-1]
    user = repos.users.get(last)
    assert user is not None
    assert (user.email, user.role, user.name) == ("staff@example.com", role, "Staff Person")
    assert user_service.authenticate(repos, "staff@example.com", PASSWORD).id == last


def test_create_prompts_for_the_password_twice_when_omitted(runner, repos):
    result = create(runner, password=None, input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output  # hidden input
    user_id = result.stdout.strip().splitlines()[-1]
    assert user_service.authenticate(repos, "staff@example.com", PASSWORD).id == user_id


def test_create_prompt_repeats_until_both_entries_match(runner, repos):
    result = create(runner, password=None, input=f"{PASSWORD}\nsomething-else\n{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert user_service.authenticate(repos, "staff@example.com", PASSWORD) is not None


@pytest.mark.parametrize("email", ["staff@example.com", "STAFF@example.com"])
def test_create_with_a_taken_email_exits_2(runner, repos, email):
    assert create(runner).exit_code == 0
    result = create(runner, email=email, name="Another")
    assert result.exit_code == 2
    assert "already exists" in result.stderr
    assert repos.users.count() == 1


@pytest.mark.parametrize("role", ["root", "HR", ""])
def test_create_with_an_unknown_role_exits_2(runner, repos, role):
    result = create(runner, role=role)
    assert result.exit_code == 2
    assert "unknown role" in result.stderr
    assert repos.users.count() == 0


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"email": "not-an-email"}, "valid e-mail"),
    ({"password": "short"}, "at least 8"),
    ({"name": "   "}, "name"),
])
def test_create_with_bad_input_exits_2_with_the_reason(runner, repos, kwargs, message):
    result = create(runner, **kwargs)
    assert result.exit_code == 2
    assert message in result.stderr
    assert repos.users.count() == 0


def test_create_needs_role_and_name(runner, repos):
    result = runner.invoke(args=["users", "create", "x@example.com"])
    assert result.exit_code == 2
    assert repos.users.count() == 0


# --- users assign / unassign ---------------------------------------------------------------------------

@pytest.fixture
def pair(make_user):
    return make_user("candidate", email="cand@example.com"), make_user("hr", email="hr@example.com")


def test_assign_then_unassign(runner, repos, pair):
    candidate, hr = pair
    result = runner.invoke(args=["users", "assign", "CAND@example.com", "hr@example.com"])
    assert result.exit_code == 0, result.output
    assert "assigned" in result.stdout
    stored = repos.users.get(candidate.id)
    assert (stored.status, stored.hr_id) == ("assigned", hr.id)

    result = runner.invoke(args=["users", "unassign", "cand@example.com"])
    assert result.exit_code == 0, result.output
    stored = repos.users.get(candidate.id)
    assert (stored.status, stored.hr_id) == ("registered", None)


@pytest.mark.parametrize(("args", "message"), [
    (["users", "assign", "nobody@example.com", "hr@example.com"], "no candidate with e-mail nobody@example.com"),
    (["users", "assign", "cand@example.com", "nobody@example.com"], "no hr with e-mail nobody@example.com"),
    (["users", "assign", "hr@example.com", "hr@example.com"], "no candidate"),  # the wrong role
    (["users", "assign", "cand@example.com", "cand@example.com"], "no hr"),
    (["users", "unassign", "nobody@example.com"], "no candidate with e-mail nobody@example.com"),
    (["users", "unassign", "hr@example.com"], "no candidate"),
])
def test_assign_and_unassign_errors_exit_2(runner, repos, pair, args, message):
    result = runner.invoke(args=args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert repos.users.get(pair[0].id).status == "registered"


def test_assign_to_a_deactivated_hr_user_exits_2(runner, repos, pair):
    candidate, hr = pair
    user_service.set_active(repos, hr.id, False)
    result = runner.invoke(args=["users", "assign", "cand@example.com", "hr@example.com"])
    assert result.exit_code == 2
    assert "deactivated" in result.stderr
    assert repos.users.get(candidate.id).status == "registered"


# --- demo ------------------------------------------------------------------------------------------------

def test_demo_is_idempotent(runner, repos):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert repos.users.count() == 4
    assert {r: repos.users.count(role=r) for r in ("admin", "hr", "candidate")} == {"admin": 1, "hr": 1,
                                                                                   "candidate": 2}
    candidate = repos.users.by_email("candidate@example.com")
    hr = repos.users.by_email("hr@example.com")
    assert (candidate.status, candidate.hr_id) == ("assigned", hr.id)
    assert candidate.resume_text
    assert repos.users.by_email("candidate2@example.com").status == "registered"
    ids = sorted(u.id for u in repos.users.search(per_page=100).items)

    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0, second.output
    assert sorted(u.id for u in repos.users.search(per_page=100).items) == ids
    assert repos.users.get(candidate.id).hr_id == hr.id

    # The same accounts and passwords are printed both times; only "(created)" and the assignment note differ.
    def accounts(output):
        lines = [line for line in output.splitlines() if line.startswith("  ") and " / " in line]
        return [line.replace("(created)", "").rstrip() for line in lines]

    assert accounts(first.stdout) == accounts(second.stdout)
    assert len(accounts(first.stdout)) == 4
    assert first.stdout.count("(created)") == 4 and "(created)" not in second.stdout
    assert first.stdout.splitlines()[0] == second.stdout.splitlines()[0]


def test_demo_accounts_can_sign_in(runner, repos):
    runner.invoke(args=["demo"])
    for line in runner.invoke(args=["demo"]).stdout.splitlines()[1:]:
        role, credentials = line.split(maxsplit=1)
        email, password = (part.strip() for part in credentials.split(" / "))
        user = user_service.authenticate(repos, email, password)
        assert user is not None and user.role == role


def test_demo_keeps_an_existing_assignment(runner, repos, make_user):
    other_hr = make_user("hr", email="other-hr@example.com")
    runner.invoke(args=["demo"])
    candidate = repos.users.by_email("candidate@example.com")
    user_service.assign(repos, candidate.id, other_hr.id)
    runner.invoke(args=["demo"])
    assert repos.users.get(candidate.id).hr_id == other_hr.id


# --- db upgrade -----------------------------------------------------------------------------------------

@pytest.fixture
def fresh_runner(fresh_app):
    """A runner over an empty database (the `app` fixture's is already migrated)."""
    return fresh_app.test_cli_runner(), get_repos(fresh_app).db


def test_db_upgrade_twice(fresh_runner):
    runner, handle = fresh_runner
    names = [p.stem for p in available()]

    first = runner.invoke(args=["db", "upgrade"])
    assert first.exit_code == 0, first.output
    assert first.stdout.strip() == f"Applied: {', '.join(names)}"
    assert sorted(d["_id"] for d in handle.migrations.find()) == names
    bank = handle.question_bank.count_documents({})
    assert bank >= 40

    second = runner.invoke(args=["db", "upgrade"])
    assert second.exit_code == 0, second.output
    assert second.stdout.strip() == "Database is up to date."
    assert sorted(d["_id"] for d in handle.migrations.find()) == names
    assert handle.question_bank.count_documents({}) == bank


# --- db copy ---------------------------------------------------------------------------------------------

def test_db_copy_brings_first_wave_data_over_and_fills_in_the_scope(runner, repos, tmp_path):
    """An old tinymongo folder: interviews and responses written before they carried `hr_id`
    and `group`. After the copy they are in the current HR user's scope and grouped."""
    from datetime import datetime

    import tinymongo
    from bson import ObjectId

    old = tinymongo.TinyMongoClient(str(tmp_path / "old"), backend="sqlite")["interviewer"]
    hr_id, cand_id, interview_id = ObjectId(), ObjectId(), ObjectId()
    old.users.insert_one({"_id": hr_id, "email": "hr@old.org", "email_norm": "hr@old.org", "role": "hr",
                          "name": "Old HR", "password_hash": "x", "active": True, "status": "active",
                          "created_at": datetime(2026, 1, 1)})
    old.users.insert_one({"_id": cand_id, "email": "c@old.org", "email_norm": "c@old.org", "role": "candidate",
                          "name": "Old Cand", "password_hash": "x", "active": True, "status": "assigned",
                          "hr_id": hr_id, "created_at": datetime(2026, 1, 2)})
    old.interviews.insert_one({"_id": interview_id, "candidate_id": cand_id, "hr_id": None, "job_title": "Dev",
                               "status": "completed", "question_source": "custom",
                               "questions": [{"id": "q1", "text": "What is  an index?", "source": "custom"}],
                               "starts_at": datetime(2026, 1, 3), "deadline": datetime(2026, 1, 4)})
    old.responses.insert_one({"interview_id": str(interview_id), "question_id": "q1", "candidate_id": cand_id,
                              "answer": "A sorted structure.", "seq": 3, "score": 7})
    old.users.insert_one({"email": "dup@old.org", "email_norm": "dup@old.org", "role": "admin", "name": "Dup"})
    repos.db.users.insert_one({"email": "dup@old.org", "email_norm": "dup@old.org", "role": "admin", "name": "Here"})

    result = runner.invoke(args=["db", "copy", f"tinymongo://{tmp_path / 'old'}"])
    assert result.exit_code == 0, result.output
    assert "users: 2 copied, 1 already here" in result.output
    interview = repos.interviews.get(str(interview_id))
    assert interview.hr_id == str(hr_id)
    assert repos.interviews.search({"hr_id": hr_id}).total == 1
    stored = repos.db.responses.find_one({"interview_id": str(interview_id)})
    assert (stored["hr_id"], stored["group"], stored["answer"]) == (hr_id, "text:what is an index?", "A sorted structure.")
    assert repos.users.by_email("dup@old.org").name == "Here"


def test_db_copy_refuses_an_unknown_uri(runner):
    result = runner.invoke(args=["db", "copy", "redis://localhost"])
    assert result.exit_code == 2 and "unknown scheme" in result.output
