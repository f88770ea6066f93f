"""The users repository: e-mail identity, ids at the boundary, search, filters, paging, assignment."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from interviewer.models import User

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def _user(email, name="Someone", role="candidate", status="registered", active=True, created_at=T0, **extra):
    return User(id="", email=email, name=name, role=role, password_hash="x", active=active, status=status,
                created_at=created_at, **extra)


@pytest.fixture
def users(repos):
    return repos.users


def test_insert_then_get_round_trips_every_field(users):
    hr = users.insert(_user("hr@example.com", "Harriet", role="hr", status="active"))
    created = users.insert(_user("  Ann@Example.COM ", "Ann Smith", hr_id=hr.id, resume_text="Python",
                                 resume_filename="cv.txt"))

    fetched = users.get(created.id)
    assert fetched == created
    assert fetched.email == "Ann@Example.COM"
    assert (fetched.name, fetched.role, fetched.status) == ("Ann Smith", "candidate", "registered")
    assert fetched.hr_id == hr.id
    assert (fetched.resume_text, fetched.resume_filename) == ("Python", "cv.txt")
    assert fetched.created_at == T0
    assert users.col.find_one({"_id": ObjectId(created.id)})["email_norm"] == "ann@example.com"


@pytest.mark.parametrize("lookup", ["ann@example.com", "ANN@EXAMPLE.COM", "  Ann@Example.com  ", "aNn@eXample.cOm"])
def test_by_email_ignores_case_and_surrounding_spaces(users, lookup):
    created = users.insert(_user("Ann@Example.com"))
    assert users.by_email(lookup).id == created.id


@pytest.mark.parametrize("lookup", ["", "ann@example.org", "ann", None])
def test_by_email_unknown_is_none(users, lookup):
    users.insert(_user("ann@example.com"))
    assert users.by_email(lookup) is None


@pytest.mark.parametrize("second", ["ann@example.com", "ANN@example.com", "Ann@Example.Com", " ann@example.com "])
def test_email_differing_only_by_case_is_a_duplicate(users, second):
    users.insert(_user("ann@example.com"))
    with pytest.raises(DuplicateKeyError):
        users.insert(_user(second, "Other"))
    assert users.count() == 1


@pytest.mark.parametrize("bad_id", [
    "xyz", "", None, 42, 4.2, [], {}, "0" * 23, "0" * 25, "g" * 24, "000000000000000000000000",
    "ffffffffffffffffffffffff", ObjectId(), b"123456789012",
])
def test_get_with_malformed_or_unknown_id_is_none(users, bad_id):
    users.insert(_user("ann@example.com"))
    assert users.get(bad_id) is None


@pytest.mark.parametrize("bad_id", ["xyz", "", None, "000000000000000000000000"])
def test_writes_with_malformed_or_unknown_id_touch_nothing(users, bad_id):
    ann = users.insert(_user("ann@example.com"))
    assert users.set_fields(bad_id, name="Changed") is False
    assert users.set_assignment(bad_id, None, "assigned") is False
    assert users.get(ann.id).name == "Someone"
    assert users.get(ann.id).status == "registered"


@pytest.fixture
def people(users):
    """Five accounts with distinct names, e-mails, roles, statuses and activity."""
    rows = [
        ("alice.b@example.com", "Alice Brown", "candidate", "registered", True),
        ("axb@example.com", "Axel Bax", "candidate", "assigned", True),
        ("bob@corp.test", "Bob (Ops) Stone", "hr", "active", True),
        ("carol@example.com", "Carol Alvarez", "admin", "active", True),
        ("dan@corp.test", "Dan Old", "candidate", "registered", False),
    ]
    made = {}
    for i, (email, name, role, status, active) in enumerate(rows):
        made[email.split("@")[0]] = users.insert(
            _user(email, name, role, status, active, created_at=T0 + timedelta(minutes=i)))
    return made


def _emails(page):
    return sorted(u.email for u in page.items)


@pytest.mark.parametrize(("query", "expected"), [
    ("alice", ["alice.b@example.com"]),
    ("ALICE", ["alice.b@example.com"]),
    ("brown", ["alice.b@example.com"]),
    ("corp.test", ["bob@corp.test", "dan@corp.test"]),
    ("CORP", ["bob@corp.test", "dan@corp.test"]),
    ("Al", ["alice.b@example.com", "carol@example.com"]),  # a name ("Alvarez") or an e-mail ("alice")
    ("@example.com", ["alice.b@example.com", "axb@example.com", "carol@example.com"]),
    ("nobody", []),
    # Regex metacharacters are literal: "a.b" is not "a, any character, b" (it would match axb@).
    ("e.b", ["alice.b@example.com"]),
    ("a.b", []),
    ("x.b", []),
    ("(Ops)", ["bob@corp.test"]),
    ("(", ["bob@corp.test"]),
    (")", ["bob@corp.test"]),
    ("[", []),
    ("*", []),
    (".*", []),
    ("+", []),
    ("?", []),
    ("\\", []),
    ("$", []),
    ("^alice", []),
    ("a|b", []),
    ("{2}", []),
])
def test_search_is_a_literal_case_insensitive_substring_of_name_or_email(users, people, query, expected):
    page = users.search(query=query)
    assert _emails(page) == expected
    assert (page.total, page.has_next) == (None, False)


@pytest.mark.parametrize(("query", "expected"), [
    ("Alice.B@Example.com", ["alice.b@example.com"]),
    ("  bob@corp.test ", ["bob@corp.test"]),
    ("ice.b@example.com", []),  # a whole address is that account, not every address ending so
    ("nobody@example.com", []),
])
def test_a_whole_e_mail_address_finds_that_account_and_is_counted(users, people, query, expected):
    page = users.search(query=query)
    assert _emails(page) == expected
    assert page.total == len(expected)


def test_a_whole_e_mail_address_keeps_the_other_filters(users, people):
    assert _emails(users.search(query="bob@corp.test", role="hr")) == ["bob@corp.test"]
    assert _emails(users.search(query="bob@corp.test", role="candidate")) == []
    assert _emails(users.search(query="dan@corp.test", active=True)) == []


@pytest.mark.parametrize(("filters", "expected"), [
    ({"role": "candidate"}, ["alice.b@example.com", "axb@example.com", "dan@corp.test"]),
    ({"role": "hr"}, ["bob@corp.test"]),
    ({"role": "admin"}, ["carol@example.com"]),
    ({"status": "registered"}, ["alice.b@example.com", "dan@corp.test"]),
    ({"status": "assigned"}, ["axb@example.com"]),
    ({"active": False}, ["dan@corp.test"]),
    ({"active": True}, ["alice.b@example.com", "axb@example.com", "bob@corp.test", "carol@example.com"]),
    ({"role": "candidate", "active": True}, ["alice.b@example.com", "axb@example.com"]),
    ({"role": "candidate", "status": "registered", "active": True}, ["alice.b@example.com"]),
    ({"role": "hr", "query": "alice"}, []),
    ({"query": "corp", "active": True}, ["bob@corp.test"]),
    ({}, ["alice.b@example.com", "axb@example.com", "bob@corp.test", "carol@example.com", "dan@corp.test"]),
])
def test_search_filters_combine(users, people, filters, expected):
    assert _emails(users.search(**filters)) == expected


def test_search_by_hr_id(users, people):
    hr = people["bob"]
    users.set_assignment(people["alice.b"].id, hr.id, "assigned")
    assert _emails(users.search(hr_id=hr.id)) == ["alice.b@example.com"]


def test_search_orders_newest_first(users, people):
    assert [u.email for u in users.search().items] == [
        "dan@corp.test", "carol@example.com", "bob@corp.test", "axb@example.com", "alice.b@example.com"]


@pytest.mark.parametrize(("count", "per_page", "pages", "last_page_size"), [
    (0, 10, 1, 0), (1, 10, 1, 1), (10, 10, 1, 10), (11, 10, 2, 1), (25, 10, 3, 5), (7, 3, 3, 1),
])
def test_pagination_covers_every_user_once_in_a_stable_order(users, count, per_page, pages, last_page_size):
    # Several users share a creation time: the order must still be total (tie broken by id).
    for i in range(count):
        users.insert(_user(f"user{i:02d}@example.com", f"User {i}", created_at=T0 + timedelta(minutes=i // 3)))

    first = users.search(page=1, per_page=per_page)
    assert (first.total, first.pages, first.page, first.per_page) == (count, pages, 1, per_page)
    seen = []
    for number in range(1, pages + 1):
        page = users.search(page=number, per_page=per_page)
        assert page.total == count
        assert page.has_prev == (number > 1)
        assert page.has_next == (number < pages)
        seen.extend(u.id for u in page.items)
    assert len(users.search(page=pages, per_page=per_page).items) == last_page_size
    assert len(seen) == len(set(seen)) == count
    again = [u.id for n in range(1, pages + 1) for u in users.search(page=n, per_page=per_page).items]
    assert again == seen
    created = [users.get(i).created_at for i in seen]
    assert created == sorted(created, reverse=True)


@pytest.mark.parametrize(("matching", "per_page"), [(0, 3), (2, 3), (3, 3), (4, 3), (7, 3)])
def test_text_search_pages_without_counting_and_says_when_there_is_more(users, matching, per_page):
    # A substring has no index to count it with: the page reads one row past its end instead.
    for i in range(matching):
        users.insert(_user(f"match{i}@example.com", f"Wanted {i}", created_at=T0 + timedelta(minutes=i // 2)))
    for i in range(5):
        users.insert(_user(f"other{i}@example.com", f"Other {i}"))
    seen, number = [], 1
    while True:
        page = users.search(query="WANTED", page=number, per_page=per_page)
        assert page.total is None and page.pages is None
        assert page.has_prev == (number > 1)
        seen.extend(u.id for u in page.items)
        if not page.has_next:
            break
        assert len(page.items) == per_page
        number += 1
    assert number == max(1, -(-matching // per_page))
    assert len(seen) == len(set(seen)) == matching
    assert all(users.get(i).name.startswith("Wanted") for i in seen)


@pytest.mark.parametrize(("page", "per_page", "expected_page", "expected_per_page"), [
    (0, 10, 1, 10), (-3, 10, 1, 10), (1, 0, 1, 20), (1, 1000, 1, 100),
])
def test_pagination_arguments_are_clamped(users, page, per_page, expected_page, expected_per_page):
    users.insert(_user("ann@example.com"))
    result = users.search(page=page, per_page=per_page)
    assert (result.page, result.per_page, result.total) == (expected_page, expected_per_page, 1)


def test_page_beyond_the_last_is_empty_not_an_error(users, people):
    page = users.search(page=9, per_page=2)
    assert page.items == []
    assert page.total == 5


@pytest.mark.parametrize("role", ["hr", "admin"])
def test_set_assignment_touches_only_candidates(users, role):
    staff = users.insert(_user(f"{role}@example.com", role=role, status="active"))
    hr = users.insert(_user("hr2@example.com", role="hr", status="active"))

    assert users.set_assignment(staff.id, hr.id, "assigned") is False

    doc = users.col.find_one({"_id": ObjectId(staff.id)})
    assert (doc["status"], doc["hr_id"]) == ("active", None)


def test_set_assignment_assigns_and_unassigns_a_candidate(users):
    candidate = users.insert(_user("ann@example.com"))
    hr = users.insert(_user("hr@example.com", role="hr", status="active"))

    assert users.set_assignment(candidate.id, hr.id, "assigned") is True
    doc = users.col.find_one({"_id": ObjectId(candidate.id)})
    assert (doc["status"], doc["hr_id"]) == ("assigned", ObjectId(hr.id))
    assert users.ids_assigned_to(hr.id) == [candidate.id]

    assert users.set_assignment(candidate.id, None, "registered") is True
    doc = users.col.find_one({"_id": ObjectId(candidate.id)})
    assert (doc["status"], doc["hr_id"]) == ("registered", None)
    assert users.ids_assigned_to(hr.id) == []


def test_list_is_sorted_by_name_and_filters(users, people):
    assert [u.name for u in users.list(role="candidate")] == ["Alice Brown", "Axel Bax", "Dan Old"]
    assert [u.name for u in users.list(role="candidate", active=False)] == ["Dan Old"]


@pytest.mark.parametrize(("filters", "expected"), [
    ({}, 5), ({"role": "candidate"}, 3), ({"role": "candidate", "status": "registered"}, 2), ({"active": False}, 1),
])
def test_count(users, people, filters, expected):
    assert users.count(**filters) == expected


def test_by_ids_answers_every_id_asked_for(users):
    ann, bob = users.insert(_user("ann@example.com", "Ann")), users.insert(_user("bob@example.com", "Bob"))
    missing, malformed = str(ObjectId()), "not-an-id"
    found = users.by_ids([ann.id, bob.id, ann.id, missing, malformed])
    assert set(found) == {ann.id, bob.id, missing, malformed}
    assert (found[ann.id].name, found[bob.id].name) == ("Ann", "Bob")
    assert found[missing] is None and found[malformed] is None
    assert users.by_ids([]) == {}
