"""The users repository beyond its own test file: the HR reference written through `set_fields`
and read through `list`, the default page size, a text search's page, and old documents."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from bson import ObjectId

from interviewer.models import User

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def _user(email, name="Someone", role="candidate", status="registered", created_at=T0, **extra):
    return User(id="", email=email, name=name, role=role, password_hash="x", status=status,
                created_at=created_at, **extra)


@pytest.fixture
def users(repos):
    return repos.users


def test_an_hr_user_set_through_set_fields_is_a_reference_lists_and_scopes_follow(users):
    hr = users.insert(_user("hr@example.com", "Hana", role="hr", status="active"))
    cand = users.insert(_user("c@example.com", "Cleo"))
    other = users.insert(_user("d@example.com", "Dara"))
    assert users.set_fields(cand.id, hr_id=hr.id, status="assigned") is True
    assert users.get(cand.id).hr_id == hr.id
    assert users.ids_assigned_to(hr.id) == [cand.id]
    assert [u.name for u in users.list(hr_id=hr.id)] == ["Cleo"]
    assert users.search(hr_id=hr.id).total == 1
    assert users.set_fields(cand.id, hr_id=None) is True
    assert users.get(cand.id).hr_id is None and users.list(hr_id=hr.id) == []
    assert users.set_fields(other.id, name="Dara B.") is True and users.get(other.id).name == "Dara B."
    assert users.set_fields(str(ObjectId()), name="nobody") is False


def test_a_page_holds_twenty_users_unless_told(users):
    for n in range(23):
        users.insert(_user(f"u{n:02d}@example.com", f"User {n:02d}", created_at=T0 + timedelta(minutes=n)))
    page = users.search()
    assert (len(page.items), page.per_page, page.total) == (20, 20, 23)
    text = users.search("user")
    assert (len(text.items), text.per_page, text.total, text.more) == (20, 20, None, True)
    last = users.search("user", page=2)
    assert (len(last.items), last.page, last.per_page, last.more) == (3, 2, 20, False)
    second = users.search(page=2, per_page=10)
    assert (second.page, len(second.items), second.total) == (2, 10, 23)
    assert isinstance(last.page, int) and isinstance(second.page, int)  # shown as "page 2", not "2.0"


def test_an_old_user_document_reads_with_defaults(users):
    key = users.col.insert_one({"email": "old@example.com", "email_norm": "old@example.com", "role": "hr"}).inserted_id
    old = users.get(str(key))
    assert (old.name, old.password_hash, old.active, old.status, old.hr_id) == ("", "", True, "active", None)
    assert (old.resume_text, old.resume_filename, old.created_at) == ("", "", None)
