"""Conversions at the database boundary: ids, UTC datetimes, literal search patterns, page arguments."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest
from bson import ObjectId

from interviewer.repositories.base import contains_pattern, from_db, oid, page_args, to_db

HEX = "65f1a2b3c4d5e6f708192a3b"


@pytest.mark.parametrize(("value", "expected"), [
    (HEX, ObjectId(HEX)),
    (HEX.upper(), ObjectId(HEX)),
    (ObjectId(HEX), ObjectId(HEX)),
    ("xyz", None),
    ("", None),
    (None, None),
    (123, None),
    (HEX[:-1], None),
    (HEX + "0", None),
    ("z" * 24, None),
    (b"123456789012", None),  # 12 raw bytes are a valid ObjectId to bson; an id from a URL is never bytes
    ([HEX], None),
    ({"$ne": None}, None),  # an operator smuggled in through JSON never reaches a query
])
def test_oid_never_raises(value, expected):
    assert oid(value) == expected


def test_oid_keeps_the_same_object():
    value = ObjectId()
    assert oid(value) is value


@pytest.mark.parametrize("dt", [
    datetime(2024, 3, 31, 1, 30, tzinfo=UTC),
    datetime(2024, 3, 31, 3, 30, tzinfo=timezone(timedelta(hours=2))),
    datetime(2024, 12, 31, 23, 59, 59, 123000, tzinfo=timezone(timedelta(hours=-8))),
    datetime(2000, 1, 1, tzinfo=timezone(timedelta(hours=5, minutes=30))),
])
def test_aware_datetimes_round_trip_through_the_database_as_utc(repos, dt):
    key = repos.db.roundtrip.insert_one({"at": to_db(dt)}).inserted_id
    back = from_db(repos.db.roundtrip.find_one({"_id": key})["at"])
    assert back == dt
    assert back.utcoffset() == timedelta(0)
    assert back.tzinfo == UTC


def test_to_db_stores_naive_utc():
    stored = to_db(datetime(2024, 1, 1, 12, 0, tzinfo=timezone(timedelta(hours=3))))
    assert stored == datetime(2024, 1, 1, 9, 0)
    assert stored.tzinfo is None


def test_naive_datetimes_are_taken_as_utc():
    assert from_db(datetime(2024, 1, 1, 9, 0)) == datetime(2024, 1, 1, 9, 0, tzinfo=UTC)
    assert to_db(datetime(2024, 1, 1, 9, 0)) == datetime(2024, 1, 1, 9, 0)


def test_from_db_converts_aware_values_to_utc():
    back = from_db(datetime(2024, 1, 1, 12, 0, tzinfo=timezone(timedelta(hours=3))))
    assert back.tzinfo == UTC
    assert back.hour == 9


@pytest.mark.parametrize("convert", [to_db, from_db])
def test_none_stays_none(convert):
    assert convert(None) is None


@pytest.mark.parametrize("text", ["a.b", "(", ")", "[x", "*", "+", "?", "\\", "$", "^", "a|b", "{2}", "plain"])
def test_contains_pattern_escapes_user_text(text):
    pattern = contains_pattern(text)
    assert pattern == {"$regex": re.escape(text), "$options": "i"}
    assert re.search(pattern["$regex"], f"xx{text}yy")  # the literal text matches itself


@pytest.mark.parametrize(("text", "stored", "matches"), [
    ("a.b", "xa.by", True),
    ("a.b", "axb", False),
    ("(", "f(x)", True),
    ("(", "fx", False),
    ("A.B", "xa.by", True),  # case-insensitive
    ("[a-z]+", "abc", False),
    ("[a-z]+", "use [a-z]+ here", True),
])
def test_contains_pattern_in_a_real_query(repos, text, stored, matches):
    repos.db.patterns.insert_one({"text": stored})
    assert (repos.db.patterns.count_documents({"text": contains_pattern(text)}) == 1) is matches


@pytest.mark.parametrize(("page", "per_page", "expected"), [
    (1, 20, (0, 20)), (3, 10, (20, 10)), (0, 10, (0, 10)), (-5, 10, (0, 10)), (None, None, (0, 20)),
    (2, 1000, (100, 100)), (2, 0, (20, 20)), ("2", "5", (5, 5)),
])
def test_page_args(page, per_page, expected):
    assert page_args(page, per_page) == expected
