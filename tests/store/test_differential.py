"""The embedded store (``interviewer.sqlitestore``) answers like mongomock: the same operations on both,
and every result (types included: ``1`` is not ``1.0`` is not ``True``) must be the same.

Three layers:
- generated (Hypothesis): documents from a small vocabulary of fields that covers every value type the
  store keeps (ObjectId, naive datetimes, strings starting with the store's tag character or holding NUL,
  unicode, ints, floats, bools, nested documents and lists), then a sequence of finds (filters from the
  supported subset, sorts on one and two keys, skip, limit, projections), counts, updates, find-and-updates,
  deletes and inserts (duplicate ``_id`` and duplicate unique key included); after every write the whole
  collection must be the same on both;
- explicit: every filter shape the repositories and migrations send, on documents shaped like theirs;
- repository level: every repository method, called with the same arguments over both backends after the
  same migrations, returns the same domain objects (generated ids compared after mapping them to labels).

What is not generated, because the store documents it as a difference (module docstring) or mongomock
itself differs from MongoDB there (most have an explicit test below):
- ``True`` equals ``1`` in a store filter (and in mongomock's), so booleans are compared only with booleans;
- sorting a field that holds values of several types, or strings holding NUL (the store orders tagged
  values by tag); ranges across types are generated: they match only the bound's type on both;
- a unique index over documents without the field (sqlite allows many, MongoDB one);
- conditions on fields holding arrays (MongoDB and mongomock match elements; the store does not);
- mongomock counts a ``$set`` that changes only a number's type (``1`` → ``1.0``, ``0.0`` → ``-0.0``) or a
  sub-document's key order as no modification, though it stores the change; MongoDB and the store count it;
- mongomock lets ``$set`` of ``a.b`` pass silently when ``a`` is null, and treats a dotted path through a null
  or a scalar oddly in filters and exclusions: parents of dotted paths are documents or missing here;
- mongomock's find_one_and_update with ``{"_id": 0}`` updates the first match whatever the sort.
"""
from __future__ import annotations

import copy
import dataclasses
import os
import re
import sqlite3
import sys
import tempfile
from collections.abc import Callable
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import mongomock
import pymongo
import pytest
from bson import ObjectId
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pymongo.errors import DuplicateKeyError, OperationFailure

from interviewer import sqlitestore

TAG = sqlitestore.TAG
MISSING = object()

# --- comparing -------------------------------------------------------------------------------------


def strict(value: Any) -> Any:
    """``value`` with every scalar paired with its type, so that equality also compares types."""
    if isinstance(value, dict):
        return {k: strict(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [strict(v) for v in value]
    return (type(value).__name__, value)


def outcome(fn: Callable[[], Any]) -> Any:
    """What ``fn`` returned (strictly), or the name of the pymongo error it raised."""
    try:
        return strict(fn())
    except (DuplicateKeyError, OperationFailure) as exc:
        return type(exc).__name__


class Pair:
    """The same collection on mongomock and on the embedded store."""

    def __init__(self, folder: Path, name: str = "c"):
        self.mock_db = mongomock.MongoClient().db
        self.store_db = sqlitestore.Database(folder / "x.sqlite3")
        self.name = name

    def sides(self):
        yield self.mock_db[self.name], pymongo.ReturnDocument
        yield self.store_db[self.name], sqlitestore.ReturnDocument

    def same(self, fn: Callable[[Any, Any], Any], what: str = "") -> Any:
        """``fn(collection, ReturnDocument)`` on both; the two outcomes must be equal."""
        mock, store = (outcome(lambda col=col, rd=rd: fn(col, rd)) for col, rd in self.sides())
        assert store == mock, what
        return mock

    def same_contents(self, what: str = "") -> None:
        self.same(lambda c, _: list(c.find({}).sort("_id", 1)), f"contents after {what}")

    def insert(self, docs: list[dict]) -> None:
        for doc in docs:
            self.same(lambda c, _, doc=doc: c.insert_one(copy.deepcopy(doc)).inserted_id, f"insert {doc!r}")

    def close(self) -> None:
        self.store_db.close()


def result_counts(result: Any) -> tuple:
    if hasattr(result, "matched_count"):
        return result.matched_count, result.modified_count
    return (result.deleted_count,)


# --- the generated vocabulary ----------------------------------------------------------------------

IDS = [ObjectId("%024x" % (0x65F000000000000000000000 + i)) for i in range(14)]
OIDS = [ObjectId("%024x" % (0x66A000000000000000000000 + i)) for i in range(4)]  # values of the field "o"
T0 = datetime(2024, 5, 1, 12, 0)
WORDS = ["", "a", "A", "ab", "Ab", "b", "B", "Ann Smith", "ann@example.com", "é", "É", "日本", "😀", " a ",
         TAG, TAG + "a", TAG + "s", TAG + "s" + TAG, TAG + "o" + "0" * 24, TAG + "d2024-05-01T12:00:00.000",
         "a.b*c", "(x)", "[", "\\", "%_", "\ue001", "\uffff"]
NUL_WORDS = ["a\x00b", "\x00", TAG + "\x00", "A\x00", "a\x00"]
UNIQUE = ["u0", "u1", "u2", "u3", "u4", "U0", TAG + "u0", "u0\x00"]
REVS = ["r1", "r2", "R1", TAG + "r1"]

sortable_text = st.sampled_from(WORDS) | st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=5)
any_text = sortable_text | st.sampled_from(NUL_WORDS) | st.text(st.characters(codec="utf-8"), max_size=5)
ints = st.sampled_from([0, 1, 2, -1, 3]) | st.integers(-(2**53), 2**53)
floats = (st.sampled_from([0.0, 0.5, 1.5, 2.0, -1.25, 0.1, 0.30000000000000004, 1e-300, 5e-324, 1.7976931348623157e308])
          | st.floats(allow_nan=False, allow_infinity=False)).map(lambda x: x + 0.0)  # -0.0 + 0.0 is 0.0 (see above)
datetimes = (st.sampled_from([T0 + timedelta(milliseconds=k) for k in (-1001, -1, 0, 1, 999, 1000, 86_400_000)])
             | st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59, 999000)))
oids = st.sampled_from(OIDS)


def sorted_dict(d: dict) -> dict:
    # Sub-documents with the same content get the same key order: mongomock compares dicts (order-blind)
    # to decide whether a $set modified a document, MongoDB and the store compare the stored bytes.
    return dict(sorted(d.items()))


json_values = st.recursive(
    st.none() | st.booleans() | ints | floats | any_text | datetimes | oids,
    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.sampled_from(["k", "x", "y", TAG, "é"]), kids,
                                                             max_size=3).map(sorted_dict),
    max_leaves=6)
jobs = st.fixed_dictionaries({"rev": st.sampled_from(REVS), "state": st.sampled_from(["queued", "running", "done"])},
                             optional={"at": datetimes})
evaluations = st.fixed_dictionaries({"score": st.none() | st.integers(0, 10)}, optional={"model": any_text})

# field -> its own values (None and missing are added where the field may hold them)
SCALAR_FIELDS = {"n": ints, "f": floats, "s": sortable_text, "raw": any_text, "t": datetimes, "b": st.booleans(),
                 "o": oids}
# "meta.k" is queried: a scalar of several types, never a boolean (ranges on one are a documented difference),
# and numbers only as floats (see mongomock's modified_count above).
scalars = st.none() | floats | any_text | datetimes | oids
# Parents of dotted paths are a document or missing, never null or a scalar (see the docstring above).
SUBDOC_FIELDS = {"ai_job": jobs, "ai_evaluation": evaluations,
                 "meta": st.fixed_dictionaries({}, optional={"k": scalars, "x": json_values, "y": json_values})
                 .map(sorted_dict)}


def maybe(values: st.SearchStrategy, none: bool = True) -> st.SearchStrategy:
    return st.one_of(values, st.just(MISSING), *([st.none()] if none else []))


@st.composite
def documents(draw, _id=None) -> dict:
    doc: dict[str, Any] = {"_id": _id if _id is not None else draw(st.sampled_from(IDS)), "u": draw(st.sampled_from(UNIQUE))}
    for name, values in SCALAR_FIELDS.items():
        value = draw(maybe(values))
        if value is not MISSING:
            doc[name] = value
    for name, values in SUBDOC_FIELDS.items():
        value = draw(maybe(values, none=False))
        if value is not MISSING:
            doc[name] = value
    tags = draw(maybe(st.lists(any_text | datetimes | oids, max_size=3), none=False))
    if tags is not MISSING:
        doc["tags"] = tags
    return doc


@st.composite
def collections(draw) -> list[dict]:
    n = draw(st.integers(0, 9))
    return [draw(documents(IDS[i])) for i in range(n)]


# --- generated filters -------------------------------------------------------------------------------

# Cross-type values for comparisons: never booleans against numbers (True equals 1 in the store, documented).
cross = ints | floats | sortable_text | datetimes | oids
not_text = ints | floats | datetimes | oids  # range bounds on fields that may hold NUL (such strings sort apart)
QUERYABLE: dict[str, tuple[st.SearchStrategy, bool, bool]] = {
    # field: (own values, may be null/missing, has an order within its type for $lt…)
    "_id": (st.sampled_from(IDS), False, True),
    "u": (st.sampled_from(UNIQUE), False, False),  # may hold NUL: no ranges
    "n": (ints, True, True),
    "f": (floats | ints, True, True),
    "s": (sortable_text, True, True),
    "raw": (any_text, True, False),
    "t": (datetimes, True, True),
    "b": (st.booleans(), True, True),
    "o": (oids, True, True),
    "ai_job": (st.nothing(), True, False),  # only null / missing / $exists: a document is never compared
    "ai_job.rev": (st.sampled_from(REVS), True, True),
    "ai_job.state": (st.sampled_from(["queued", "running", "done"]), True, True),
    "ai_job.at": (datetimes, True, True),
    "ai_evaluation": (st.nothing(), True, False),
    "ai_evaluation.score": (st.integers(-1, 11) | floats, True, True),
    "meta.k": (scalars, True, False),  # of several types: no sorts, and no ranges within its own
}
REGEXES = ["^a", "b$", "^$", ".", "A", "^" + TAG, "é", "\\x00", "^[a-z]+$", "ann@"]


@st.composite
def conditions(draw, field: str) -> Any:
    own, nullable, ordered = QUERYABLE[field]
    others = cross if field != "b" else (sortable_text | datetimes | oids)
    value = own | others | (st.none() if nullable else st.nothing())
    kind = draw(st.sampled_from(["eq", "$eq", "$ne", "$in", "$nin", "range", "range2", "$exists", "$regex"]))
    if kind == "eq":
        return draw(value)
    if kind in ("$eq", "$ne"):
        return {kind: draw(value)}
    if kind in ("$in", "$nin"):
        return {kind: draw(st.lists(value, max_size=3))}
    if kind == "$exists":
        return {"$exists": draw(st.booleans())}
    if kind == "$regex":
        pattern = draw(st.sampled_from(REGEXES) | any_text.map(re.escape))
        return {"$regex": pattern, "$options": draw(st.sampled_from(["", "i"]))}
    bound = (own if draw(st.booleans()) else others) if ordered else not_text
    if kind == "range":
        return {draw(st.sampled_from(["$lt", "$lte", "$gt", "$gte"])): draw(bound)}
    return {draw(st.sampled_from(["$gt", "$gte"])): draw(bound), draw(st.sampled_from(["$lt", "$lte"])): draw(bound)}


@st.composite
def filters(draw, depth: int = 0) -> dict:
    keys = draw(st.lists(st.sampled_from(list(QUERYABLE) + ([] if depth >= 2 else ["$or", "$and"])),
                         max_size=3, unique=True))
    out: dict[str, Any] = {}
    for key in keys:
        if key in ("$or", "$and"):
            out[key] = draw(st.lists(filters(depth + 1).filter(bool), min_size=1, max_size=3))
        else:
            out[key] = draw(conditions(key))
    return out


SORTABLE = ["_id", "n", "f", "s", "t", "b", "o", "ai_job.rev", "ai_job.at", "ai_evaluation.score"]


@st.composite
def sorts(draw) -> list[tuple[str, int]]:
    keys = draw(st.lists(st.sampled_from(SORTABLE), min_size=1, max_size=2, unique=True))
    spec = [(k, draw(st.sampled_from([1, -1]))) for k in keys]
    if "_id" not in keys:
        spec.append(("_id", draw(st.sampled_from([1, -1]))))  # a total order: ties are not ordered otherwise
    return spec


PROJECTABLE = ["u", "n", "f", "s", "raw", "t", "b", "o", "tags", "meta", "ai_job", "ai_job.rev", "ai_job.at",
               "ai_evaluation", "ai_evaluation.score", "meta.k"]


def _no_overlap(paths: list[str]) -> list[str]:
    """Paths none of which is inside another (MongoDB refuses ``a`` with ``a.b`` in one projection or update)."""
    out: list[str] = []
    for p in paths:
        if not any(p == q or p.startswith(q + ".") or q.startswith(p + ".") for q in out):
            out.append(p)
    return out


@st.composite
def projections(draw, keep_id: bool = False) -> dict | None:
    """A projection; ``keep_id`` for find_one_and_update, where mongomock mishandles ``{"_id": 0}`` (it updates
    the first match whatever the sort, and answers None for an empty projection)."""
    kind = draw(st.sampled_from(["none", "include", "exclude", "_id1"] + ([] if keep_id else ["_id0"])))
    if kind == "none":
        return None
    if kind == "_id0":
        return {"_id": 0}
    if kind == "_id1":
        return {"_id": 1}
    fields = _no_overlap(draw(st.lists(st.sampled_from(PROJECTABLE), min_size=1, max_size=4)))
    flag = 1 if kind == "include" else 0
    projection: dict[str, Any] = {f: flag for f in fields}
    if not keep_id and draw(st.booleans()):
        projection["_id"] = 0
    elif flag and draw(st.booleans()):
        projection["_id"] = 1
    return projection


# --- generated updates -------------------------------------------------------------------------------

SETTABLE = {"n": ints, "f": floats, "s": sortable_text, "raw": any_text, "t": datetimes, "b": st.booleans(), "o": oids,
            "tags": st.lists(any_text | datetimes | oids, max_size=3), "meta": SUBDOC_FIELDS["meta"], "ai_job": jobs,
            "ai_evaluation": evaluations, "ai_job.rev": st.sampled_from(REVS), "ai_job.at": datetimes,
            "ai_evaluation.score": st.integers(0, 10), "meta.k": scalars}
NULLABLE = {"n", "f", "s", "raw", "t", "b", "o", "ai_evaluation.score", "meta.k"}
# Increments keep a field's type (ints on ints, floats on floats), so no update changes only a type.
INCREMENTS = {"n": st.sampled_from([0, 1, -1, 7]), "f": st.sampled_from([0.0, 0.5, -1.25, 1e-3]),
              "ai_evaluation.score": st.sampled_from([0, 1, -2])}


@st.composite
def updates(draw) -> tuple[dict, dict]:
    """(update, the condition that makes it valid on every document: $inc only on numbers)."""
    paths = _no_overlap(draw(st.lists(st.sampled_from(list(SETTABLE) + list(INCREMENTS)), min_size=1, max_size=4)))
    update: dict[str, dict] = {}
    guard: dict[str, Any] = {}
    for path in paths:
        op = draw(st.sampled_from(["$set", "$unset"] + (["$inc"] if path in INCREMENTS else [])))
        if op == "$set":
            update.setdefault("$set", {})[path] = draw(SETTABLE[path] | (st.none() if path in NULLABLE else st.nothing()))
        elif op == "$unset":
            update.setdefault("$unset", {})[path] = ""
        else:
            update.setdefault("$inc", {})[path] = draw(INCREMENTS[path])
            guard[path] = {"$ne": None}
    return update, guard


def guarded(filt: dict, guard: dict) -> dict:
    return {"$and": [filt, guard]} if guard else filt


@st.composite
def operations(draw) -> tuple:
    kind = draw(st.sampled_from(["find", "find", "find_one", "count", "update_one", "update_many", "find_one_and_update",
                                 "delete_one", "delete_many", "insert_one"]))
    if kind == "find":
        sort = draw(st.none() | sorts())
        skip = draw(st.integers(0, 4)) if sort else 0
        limit = draw(st.integers(0, 4)) if sort else 0
        return kind, draw(filters()), sort, skip, limit, draw(projections())
    if kind == "find_one":
        return kind, draw(filters()), draw(sorts()), draw(projections())
    if kind in ("count", "delete_many"):
        return kind, draw(filters())
    if kind == "update_many":
        return (kind, draw(filters()), *draw(updates()))
    if kind in ("update_one", "delete_one"):
        # The first match is picked in natural order, which no backend promises: one _id decides.
        filt = {"$and": [{"_id": draw(st.sampled_from(IDS))}, draw(filters())]}
        return (kind, filt, *draw(updates())) if kind == "update_one" else (kind, filt)
    if kind == "find_one_and_update":
        return (kind, draw(filters()), *draw(updates()), draw(sorts()), draw(st.booleans()), draw(projections(keep_id=True)))
    return kind, draw(documents())


def run(pair: Pair, op: tuple) -> None:
    kind = op[0]
    if kind == "find":
        _, filt, sort, skip, limit, projection = op

        def find(c, _):
            cursor = c.find(filt, projection)
            if sort:
                cursor = cursor.sort(sort)
            docs = list(cursor.skip(skip).limit(limit))
            return docs if sort else sorted(docs, key=lambda d: str(d.get("_id")))  # no order promised without a sort

        pair.same(find, repr(op))
    elif kind == "find_one":
        _, filt, sort, projection = op
        pair.same(lambda c, _: c.find_one(filt, projection, sort=sort), repr(op))
    elif kind == "count":
        pair.same(lambda c, _: c.count_documents(op[1]), repr(op))
    elif kind in ("update_one", "update_many"):
        _, filt, update, guard = op
        method = kind
        pair.same(lambda c, _: result_counts(getattr(c, method)(guarded(filt, guard), copy.deepcopy(update))), repr(op))
        pair.same_contents(repr(op))
    elif kind == "find_one_and_update":
        _, filt, update, guard, sort, after, projection = op
        pair.same(lambda c, rd: c.find_one_and_update(guarded(filt, guard), copy.deepcopy(update), projection=projection,
                                                      sort=sort, return_document=rd.AFTER if after else rd.BEFORE),
                  repr(op))
        pair.same_contents(repr(op))
    elif kind in ("delete_one", "delete_many"):
        pair.same(lambda c, _: result_counts(getattr(c, kind)(op[1])), repr(op))
        pair.same_contents(repr(op))
    else:
        pair.insert([op[1]])
        pair.same_contents(repr(op))


def new_pair(folder: Path) -> Pair:
    pair = Pair(folder)
    for col, _ in pair.sides():
        col.create_index("u", unique=True)
        col.create_index("n")
        col.create_index([("o", 1), ("t", -1)])
        col.create_index("s")
        col.create_index("ai_job.rev")
        col.create_index([("ai_evaluation.score", 1)])
    return pair


@contextmanager
def fresh_pair():
    """A new pair in its own temporary folder (Hypothesis runs many examples per test), closed after."""
    with tempfile.TemporaryDirectory() as folder:
        pair = new_pair(Path(folder))
        try:
            yield pair
        finally:
            pair.close()


# Fast and the same on every run; STORE_EXAMPLES=5000 STORE_SEED=random searches harder (run it after changing the store).
FAST = settings(max_examples=int(os.environ.get("STORE_EXAMPLES", 100)), deadline=None, database=None,
                derandomize=os.environ.get("STORE_SEED") != "random",
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])


@FAST
@given(docs=collections(), ops=st.lists(operations(), min_size=1, max_size=6))
def test_generated_operations_answer_like_mongomock(docs, ops):
    with fresh_pair() as pair:
        pair.insert(docs)
        pair.same_contents("the inserts")
        for op in ops:
            run(pair, op)


@FAST
@given(docs=collections(), filt=filters(), sort=sorts(), projection=projections())
def test_generated_finds_answer_like_mongomock(docs, filt, sort, projection):
    """Many filters over one collection: the matching, sorting and projecting part on its own."""
    with fresh_pair() as pair:
        pair.insert(docs)
        pair.same(lambda c, _: list(c.find(filt, projection).sort(sort)), f"find {filt!r} {sort!r}")
        pair.same(lambda c, _: c.count_documents(filt), f"count {filt!r}")


@FAST
@given(docs=st.lists(documents(), max_size=12))
def test_generated_documents_round_trip_and_duplicates_are_refused_alike(docs):
    """Every value comes back as it went in (datetimes to the millisecond); a repeated _id or unique key is a
    DuplicateKeyError on both, and leaves nothing behind."""
    with fresh_pair() as pair:
        pair.insert(docs)
        pair.same_contents("the inserts")
        for doc in docs:
            pair.same(lambda c, _, doc=doc: c.find_one({"_id": doc["_id"]}), "find_one by _id")
            pair.same(lambda c, _, doc=doc: c.find_one({"u": doc["u"]}), "find_one by the unique key")


# --- explicit cases: the values -----------------------------------------------------------------------

@pytest.fixture
def pair(tmp_path):
    p = new_pair(tmp_path)
    yield p
    p.close()


@pytest.mark.parametrize("value", [
    TAG, TAG + "s", TAG + "o" + "0" * 24, TAG + "d2024-05-01T12:00:00.000", TAG + "x" + TAG, "a" + TAG,
    "a\x00b", "\x00", TAG + "\x00", "日本語 😀 é", "", "\n\t\"'\\", "\u2028", 0, -1, 2**53 + 1, -(2**63), 2**63 - 1,
    0.1, 1e-300, 5e-324, 1.7976931348623157e308, 2.0, True, False, None, ObjectId("65f000000000000000000001"),
    datetime(2024, 5, 1, 12, 0, 0, 123456), datetime(1, 1, 1), datetime(9999, 12, 31, 23, 59, 59, 999999),
    {"a": [1, {"b": TAG}], "c": {"d": datetime(2020, 1, 1)}}, [[TAG + "z", "a\x00"], []], {},
])
def test_a_value_round_trips_and_is_found_by_equality(pair, value):
    pair.insert([{"_id": 1, "u": "u0", "v": value}, {"_id": 2, "u": "u1", "v": "other"}])
    pair.same_contents("insert")
    pair.same(lambda c, _: c.find_one({"_id": 1}, {"v": 1, "_id": 0}), "projection")
    if not isinstance(value, dict | list):
        pair.same(lambda c, _: [d["_id"] for d in c.find({"v": value}).sort("_id", 1)], "equality")
        pair.same(lambda c, _: [d["_id"] for d in c.find({"v": {"$in": [value, "zz"]}}).sort("_id", 1)], "$in")
        pair.same(lambda c, _: [d["_id"] for d in c.find({"v": {"$ne": value}}).sort("_id", 1)], "$ne")
        pair.same(lambda c, _: c.find_one({"_id": 1})["v"] == value, "value")


@pytest.mark.parametrize("key", ["s", TAG, TAG + "s" + TAG, "a\x00b", 7, 7.5, "65f000000000000000000001",
                                 ObjectId("65f000000000000000000001"), datetime(2024, 5, 1)])
def test_an_id_of_any_kind_round_trips_and_is_unique(pair, key):
    pair.insert([{"_id": key, "u": "u0"}, {"_id": key, "u": "u1"}, {"_id": -1, "u": "u2"}])
    pair.same_contents("inserts")
    pair.same(lambda c, _: c.find_one({"_id": key}), "by _id")
    pair.same(lambda c, _: c.count_documents({"_id": {"$in": [key]}}), "$in")


def test_datetimes_keep_milliseconds_like_bson(pair):
    at = datetime(2024, 5, 1, 12, 0, 0, 123999)
    pair.insert([{"_id": 1, "u": "u0", "t": at}])
    assert pair.same(lambda c, _: c.find_one({})["t"]) == ("datetime", datetime(2024, 5, 1, 12, 0, 0, 123000))
    for bound in (at, at.replace(microsecond=123000), at.replace(microsecond=124000)):
        for op in ("$lt", "$lte", "$gt", "$gte"):
            pair.same(lambda c, _, op=op, bound=bound: c.count_documents({"t": {op: bound}}), f"{op} {bound}")
    aware = datetime(2024, 5, 1, 14, 0, tzinfo=UTC).astimezone()
    stored = pair.store_db.c.insert_one({"u": "u9", "t": aware}).inserted_id
    assert pair.store_db.c.find_one({"_id": stored})["t"] == datetime(2024, 5, 1, 14, 0)  # naive UTC, like pymongo


def test_unsupported_values_are_refused_before_anything_is_written(pair):
    store = pair.store_db.c
    for bad in (float("nan"), float("inf"), b"bytes", {1: "int key"}, {"s": {1, 2}}, complex(1, 2)):
        with pytest.raises((TypeError, ValueError)):
            store.insert_one({"u": "u0", "v": bad})
    assert store.count_documents({}) == 0


# --- explicit cases: what the store documents as its own, and mongomock's deviations from MongoDB ---

def test_true_equals_one_in_a_store_filter_as_documented(pair):
    """MongoDB tells them apart; the store (documented) and mongomock (Python's equality) do not."""
    pair.insert([{"_id": 1, "u": "u0", "v": True}, {"_id": 2, "u": "u1", "v": 1}])
    pair.same_contents("inserts")  # stored and returned as what they are
    assert [d["_id"] for d in pair.store_db.c.find({"v": True}).sort("_id", 1)] == [1, 2]


def test_unique_index_allows_many_documents_without_the_field_in_the_store(pair):
    pair.store_db.c.insert_one({"_id": 1})
    pair.store_db.c.insert_one({"_id": 2})  # MongoDB: DuplicateKeyError (null is a value of the index)
    assert pair.store_db.c.count_documents({}) == 2


def test_set_that_changes_only_the_type_is_a_modification_in_the_store_as_in_mongodb(pair):
    pair.insert([{"_id": 1, "u": "u0", "x": 1, "y": 2, "z": 0}])
    store = pair.store_db.c
    # top-level $set (sqlite's json_set) and the general path ($inc beside it) agree with each other
    assert result_counts(store.update_one({"_id": 1}, {"$set": {"x": 1.0}})) == (1, 1)
    assert result_counts(store.update_one({"_id": 1}, {"$set": {"y": 2.0}, "$inc": {"z": 0}})) == (1, 1)
    assert result_counts(store.update_one({"_id": 1}, {"$set": {"y": 2.0}, "$inc": {"z": 0}})) == (1, 0)
    assert result_counts(store.update_one({"_id": 1}, {"$set": {"x": True}, "$unset": {"nothing": ""}})) == (1, 1)
    assert strict(store.find_one({"_id": 1})) == strict({"_id": 1, "u": "u0", "x": True, "y": 2.0, "z": 0})
    # mongomock stores the new type but counts no modification (MongoDB counts one)
    assert result_counts(pair.mock_db.c.update_one({"_id": 1}, {"$set": {"x": 1.0}})) == (1, 0)
    assert type(pair.mock_db.c.find_one({"_id": 1})["x"]) is float


def test_find_one_and_update_projects_and_sorts_like_mongodb(pair):
    """Checked against MongoDB's behaviour rather than mongomock's: with ``{"_id": 0}`` mongomock updates the
    first match whatever the sort, and answers None when the projection leaves nothing."""
    pair.insert([{"_id": 1, "u": "u0", "n": 0, "e": {"score": 1, "m": "x"}}, {"_id": 2, "u": "u1", "n": 0, "e": {"score": 2}}])
    store, after = pair.store_db.c, sqlitestore.ReturnDocument.AFTER
    assert store.find_one_and_update({}, {"$set": {"n": 5}}, projection={"_id": 0, "e.score": 0}, sort=[("_id", -1)],
                                     return_document=after) == {"u": "u1", "n": 5, "e": {}}
    assert [d["n"] for d in store.find({}).sort("_id", 1)] == [0, 5]
    assert store.find_one_and_update({"_id": 1}, {"$inc": {"n": 1}}, projection={"zz": 1, "_id": 0}) == {}
    assert store.find_one_and_update({"_id": 1}, {"$inc": {"n": 1}}, projection={"e.m": 1}) == {"_id": 1, "e": {"m": "x"}}
    assert store.find_one_and_update({"_id": 1}, {"$inc": {"n": 1}}, projection={"e": 0, "u": 0}) == {"_id": 1, "n": 2}
    assert store.find_one_and_update({"_id": 9}, {"$inc": {"n": 1}}) is None
    # AFTER is the document as stored, not the update's own values
    got = store.find_one_and_update({"_id": 2}, {"$set": {"t": datetime(2024, 5, 1, 12, 0, 0, 123456), "l": (1, "a"),
                                                          "z": datetime(2024, 5, 1, 14, 0, tzinfo=UTC).astimezone()}},
                                    return_document=after)
    assert strict(got) == strict({"_id": 2, "u": "u1", "n": 5, "e": {"score": 2}, "t": datetime(2024, 5, 1, 12, 0, 0, 123000),
                                  "l": [1, "a"], "z": datetime(2024, 5, 1, 14, 0)})
    assert got == store.find_one({"_id": 2})


@pytest.mark.parametrize("parent", [None, 5, "text", [1]])
def test_set_inside_a_value_that_is_not_a_document_is_refused(pair, parent):
    """MongoDB: "Cannot create field 'b' in element {a: …}" (a WriteError, an OperationFailure); mongomock lets
    it pass silently for null."""
    pair.insert([{"_id": 1, "u": "u0", "a": parent}])
    for update in ({"$set": {"a.b": 1}}, {"$inc": {"a.b": 1}}):
        with pytest.raises(OperationFailure):
            pair.store_db.c.update_one({"_id": 1}, update)
    assert pair.store_db.c.find_one({"_id": 1}) == {"_id": 1, "u": "u0", "a": parent}
    # $unset of a path through it is a no-op, as in MongoDB
    assert result_counts(pair.store_db.c.update_one({"_id": 1}, {"$unset": {"a.b": ""}})) == (1, 0)


def test_mixed_type_range_matches_only_values_of_the_bound_type(pair):
    """MongoDB compares ranges within one type: numbers with numbers, strings with strings, dates with dates."""
    values = [3, 2.5, "b", "", TAG + "z", "\uffff", ObjectId("65f000000000000000000003"),
              datetime(2024, 1, 1), None, {"x": 1}, [1, 2]]
    pair.insert([{"_id": i, "u": f"u{i}", "v": v} for i, v in enumerate(values)])
    for bound in (0, 2.5, 2**62, "", "a", "c", TAG, ObjectId("65f000000000000000000001"), ObjectId("ffffffffffffffffffffffff"),
                  datetime(2000, 1, 1), datetime(2100, 1, 1)):
        for op in ("$lt", "$lte", "$gt", "$gte"):
            got = [d["_id"] for d in pair.store_db.c.find({"v": {op: bound}}).sort("_id", 1)]
            # mongomock's answer, without the array element matching it does (the store compares no arrays)
            want = [d["_id"] for d in pair.mock_db.c.find({"v": {op: bound}}).sort("_id", 1) if not isinstance(d["v"], list)]
            assert got == want, (op, bound)


def test_ints_and_floats_compare_and_sort_as_numbers(pair):
    values = [3, 2.5, -1, 0, -0.0, 2**53 + 1, 2.0**53, 2**63 - 1, -(2**63), 1e300, 5e-324, 0.1, 1, 1.0]
    pair.insert([{"_id": i, "u": f"u{i}", "v": v} for i, v in enumerate(values)])
    for direction in (1, -1):
        pair.same(lambda c, _, d=direction: [x["_id"] for x in c.find({}).sort([("v", d), ("_id", d)])], "sort")
    for bound in values:
        for op in ("$lt", "$lte", "$gt", "$gte", "$eq", "$ne"):
            pair.same(lambda c, _, op=op, bound=bound: [d["_id"] for d in c.find({"v": {op: bound}}).sort("_id", 1)],
                      f"{op} {bound!r}")


def test_regex_matches_only_strings(pair):
    values = ["abc", TAG + "abc", "a\x00bc", ObjectId("65f0000000000000000abc00"), datetime(2024, 1, 1), 123,
              {"abc": 1}, ["x", "abc"], None]
    pair.insert([{"_id": i, "u": f"u{i}", "v": v} for i, v in enumerate(values)])
    for pattern in ("abc", "bc$", "^" + TAG, "2024", "12", "\\{", "\\[", "^a.bc$", "0"):
        got = [d["_id"] for d in pair.store_db.c.find({"v": {"$regex": pattern, "$options": "s"}}).sort("_id", 1)]
        want = [d["_id"] for d in pair.mock_db.c.find({"v": {"$regex": pattern, "$options": "s"}}).sort("_id", 1)
                if not isinstance(d["v"], list)]
        assert got == want, pattern


def test_literal_searches_find_what_the_regex_finds(pair):
    """A literal pattern is pre-filtered on the raw JSON text in C: every value the regex matches
    must still pass, including letters that fold to ASCII (Kelvin sign, long s, dotted and
    dotless i), characters JSON escapes, NUL and tagged strings."""
    values = ["Kelvin \u212a", "\u017fmith", "\u0130stanbul", "d\u0131jkstra", 'say "hi"', "back\\slash", "tab\there",
              "a\x00kb", TAG + "kelvin", "Dijkstra", "DIJKSTRA@EXAMPLE.COM", "caf\u00e9", 7, None]
    pair.insert([{"_id": i, "u": f"u{i}", "v": v, "w": f"w{i}"} for i, v in enumerate(values)])
    for text in ("k", "K", "kelvin", "smith", "SMITH", "istanbul", "dijkstra", "ijk", '"hi"', "k\\s", "\t", "\x00k",
                 TAG, "caf\u00e9", "CAF\u00c9", "example.com", "7", "w1", "nothing"):
        for options in ("", "i"):
            filt = {"$or": [{"v": {"$regex": re.escape(text), "$options": options}},
                            {"w": {"$regex": re.escape(text), "$options": options}}]}
            pair.same(lambda c, _, filt=filt: [d["_id"] for d in c.find(filt).sort("_id", 1)], f"{text!r} {options}")


def test_the_letters_folding_to_ascii_are_all_known():
    ascii_letter = re.compile("[a-z]", re.IGNORECASE)
    found = {}
    for code in range(128, sys.maxunicode + 1):
        if ascii_letter.fullmatch(chr(code)):
            letter = next(a for a in "abcdefghijklmnopqrstuvwxyz" if re.fullmatch(a, chr(code), re.IGNORECASE))
            found[letter] = found.get(letter, "") + chr(code)
    assert found == sqlitestore._FOLDS_TO_ASCII


def test_strings_with_nul_are_matched_whole(pair):
    """sqlite's JSON functions end a string at NUL: the store must not see "a" in "a\\x00b"."""
    pair.insert([{"_id": 1, "u": "a\x00b", "v": "a\x00b"}, {"_id": 2, "u": "a", "v": "a"}, {"_id": 3, "u": "a\x00c", "v": ""}])
    for filt in ({"v": "a"}, {"v": "a\x00b"}, {"u": "a"}, {"v": {"$in": ["a", ""]}}, {"v": {"$nin": ["", None]}},
                 {"v": {"$regex": "b$"}}, {"v": {"$regex": "^a$"}}):
        pair.same(lambda c, _, filt=filt: [d["_id"] for d in c.find(filt).sort("_id", 1)], repr(filt))
    pair.same(lambda c, _: c.insert_one({"u": "a\x00b"}).acknowledged, "a duplicate of a NUL string")


@pytest.mark.parametrize(("filt", "error"), [
    ({"v": {"$elemMatch": {"a": 1}}}, NotImplementedError),
    ({"v": {"$size": 2}}, NotImplementedError),
    ({"v": {"$all": [1]}}, NotImplementedError),
    ({"v": {"$not": {"$gt": 1}}}, NotImplementedError),
    ({"v": {"$type": "string"}}, NotImplementedError),
    ({"v": {"$mod": [2, 0]}}, NotImplementedError),
    ({"$nor": [{"v": 1}]}, NotImplementedError),
    ({"$where": "this.v == 1"}, NotImplementedError),
    ({"$expr": {"$eq": ["$v", 1]}}, NotImplementedError),
    ({"$text": {"$search": "x"}}, NotImplementedError),
    ({"v": {"a": 1}}, NotImplementedError),
    ({"v": [1, 2]}, NotImplementedError),
    ({"v": {"$in": [[1]]}}, NotImplementedError),
    ({"v": {"$lt": None}}, NotImplementedError),
    ({"v": {"$regex": re.compile("a")}}, NotImplementedError),
])
def test_unsupported_query_operators_raise_not_implemented(pair, filt, error):
    col = pair.store_db.c
    col.insert_one({"_id": 1, "u": "u0", "v": 1})
    with pytest.raises(error):
        list(col.find(filt))
    with pytest.raises(error):
        col.count_documents(filt)
    with pytest.raises(error):
        col.update_many(filt, {"$set": {"w": 1}})
    with pytest.raises(error):
        col.delete_many(filt)
    assert col.find_one({"_id": 1}) == {"_id": 1, "u": "u0", "v": 1}


@pytest.mark.parametrize("update", [
    {"$push": {"v": 1}}, {"$addToSet": {"v": 1}}, {"$pull": {"v": 1}}, {"$rename": {"v": "w"}}, {"$min": {"v": 0}},
    {"$max": {"v": 9}}, {"$mul": {"v": 2}}, {"$setOnInsert": {"v": 1}}, {"$currentDate": {"v": True}},
])
def test_unsupported_update_operators_raise_not_implemented(pair, update):
    col = pair.store_db.c
    col.insert_one({"_id": 1, "u": "u0", "v": 1})
    for call in (lambda: col.update_one({"_id": 1}, update), lambda: col.update_many({}, update),
                 lambda: col.find_one_and_update({"_id": 1}, update)):
        with pytest.raises(NotImplementedError):
            call()
    with pytest.raises(NotImplementedError):
        col.update_one({"_id": 1}, {"$set": {"v": 2}}, upsert=True)
    assert col.find_one({"_id": 1}) == {"_id": 1, "u": "u0", "v": 1}


def test_a_cursor_being_iterated_does_not_hide_this_threads_later_writes(pair):
    """A long find keeps its sqlite statement (and snapshot) open between batches; a read beside it in the
    same thread must still see the writes this thread made meanwhile (MongoDB: read your own writes)."""
    col = pair.store_db.c
    col.insert_many([{"_id": i, "u": f"u{i}", "v": 0} for i in range(sqlitestore.BATCH * 2 + 10)])
    stale = 0
    for doc in col.find({}).sort("_id", 1):
        col.update_one({"_id": doc["_id"]}, {"$set": {"v": 1}})
        stale += col.find_one({"_id": doc["_id"]})["v"] != 1
        stale += col.count_documents({"_id": doc["_id"], "v": 1}) != 1
    assert stale == 0
    assert col.count_documents({"v": 1}) == sqlitestore.BATCH * 2 + 10


def test_a_cursor_abandoned_mid_way_does_not_pin_this_threads_reads(pair):
    col = pair.store_db.c
    col.insert_many([{"_id": i, "u": f"u{i}", "v": 0} for i in range(sqlitestore.BATCH + 10)])
    held = iter(col.find({}))
    try:
        next(held)  # a generator kept alive (e.g. by a traceback) holds its statement open
        col.update_one({"_id": 3}, {"$set": {"v": 7}})
        assert col.find_one({"_id": 3})["v"] == 7
        assert col.count_documents({"v": 7}) == 1
        assert [d["v"] for d in col.find({"_id": {"$in": [2, 3]}}).sort("_id", 1)] == [0, 7]
    finally:
        held.close()


# --- explicit cases: the repositories' query shapes, on documents shaped like theirs ---------------

HR, HR2, CAND, CAND2, CAND3, ADMIN = (ObjectId("65f0000000000000000000%02x" % i) for i in range(1, 7))
INTS = [ObjectId("65f0000000000000000001%02x" % i) for i in range(6)]
RESP = [ObjectId("65f0000000000000000002%02x" % i) for i in range(12)]
NOW = datetime(2024, 5, 1, 12, 0)


def _seed() -> dict[str, list[dict]]:
    users = [
        {"_id": HR, "email": "hr@example.com", "email_norm": "hr@example.com", "name": "Harriet Ray", "role": "hr",
         "active": True, "status": "active", "hr_id": None, "created_at": NOW - timedelta(days=3)},
        {"_id": HR2, "email": "HR2@example.com", "email_norm": "hr2@example.com", "name": "Ann (HR)", "role": "hr",
         "active": False, "status": "active", "hr_id": None, "created_at": NOW - timedelta(days=3)},
        {"_id": CAND, "email": "ann@example.com", "email_norm": "ann@example.com", "name": "Ann Smith", "role": "candidate",
         "active": True, "status": "assigned", "hr_id": HR, "created_at": NOW - timedelta(days=2)},
        {"_id": CAND2, "email": "bob+1@example.com", "email_norm": "bob+1@example.com", "name": "Bob Ángel",
         "role": "candidate", "active": True, "status": "assigned", "hr_id": HR2, "created_at": NOW - timedelta(days=1)},
        {"_id": CAND3, "email": "c@example.com", "email_norm": "c@example.com", "name": TAG + "odd", "role": "candidate",
         "active": True, "status": "registered", "hr_id": None, "created_at": None},
        {"_id": ADMIN, "email": "root@example.com", "email_norm": "root@example.com", "name": "Root", "role": "admin",
         "active": True, "status": "active", "hr_id": None, "created_at": NOW},
    ]
    statuses = ["scheduled", "in_progress", "completed", "evaluated", "cancelled", "scheduled"]
    interviews = [
        {"_id": INTS[i], "candidate_id": [CAND, CAND2, CAND][i % 3], "hr_id": [HR, HR2, HR][i % 3],
         "job_title": ["Backend engineer", "Data (ML) engineer", "backend lead"][i % 3], "status": statuses[i],
         "starts_at": NOW + timedelta(hours=i // 2), "deadline": NOW + timedelta(hours=i - 2),
         "questions": [{"id": f"q{k}", "text": f"Question {k}", "source": "bank:k"} for k in range(2)],
         "created_by": HR, "overall_score": [None, 7.5, 8][i % 3]}
        for i in range(6)]
    responses = []
    for _k, interview in enumerate(interviews[:5]):
        for q in range(2):
            n = len(responses)
            doc = {"_id": RESP[n], "interview_id": str(interview["_id"]), "question_id": f"q{q}",
                   "candidate_id": interview["candidate_id"], "hr_id": interview["hr_id"], "group": f"bank:k{q}",
                   "answer": ["", "An answer", None, "   "][n % 4], "seq": n % 3, "saved_at": NOW,
                   "score": [None, 0, 7, 10][n % 4], "feedback": ""}
            if n % 3:
                doc["ai_evaluation"] = {"score": [None, 6, 9.5][n % 3], "model": "local"}
                doc["ai_job"] = {"rev": f"rev{n}", "state": "done", "requested_at": NOW}
            responses.append(doc)
    return {
        "users": users,
        "interviews": interviews,
        "responses": responses,
        "evaluations": [{"_id": ObjectId("65f0000000000000000003%02x" % i), "response_id": str(RESP[i % 2]),
                         "interview_id": str(INTS[0]), "score": i, "created_at": NOW + timedelta(minutes=i % 3)}
                        for i in range(5)],
        "question_bank": [{"_id": ObjectId("65f0000000000000000004%02x" % i), "key": f"k{i}", "text": f"Q{i}",
                           "category": ["technical", "behavioural"][i % 2],
                           "difficulty": i % 4, "enabled": i != 2, "tags": ["a", TAG], "updated_at": None}
                          for i in range(6)],
        "api_tokens": [{"_id": ObjectId("65f0000000000000000005%02x" % i), "token_hash": "h%d" % i,
                        "user_id": str([HR, CAND][i % 2]), "created_at": NOW + timedelta(seconds=i),
                        "expires_at": NOW + timedelta(days=1), "revoked_at": None if i != 1 else NOW} for i in range(4)],
        "login_attempts": [{"_id": ObjectId("65f0000000000000000006%02x" % i), "key": ["ann@example.com", "x"][i % 2],
                            "at": NOW + timedelta(seconds=30 * i)} for i in range(6)],
        "migrations": [{"_id": "0001_initial_indexes", "applied_at": NOW}, {"_id": "0002_question_bank", "applied_at": NOW}],
    }


@pytest.fixture
def seeded(tmp_path):
    mock_db = mongomock.MongoClient().db
    store_db = sqlitestore.Database(tmp_path / "x.sqlite3")
    for db in (mock_db, store_db):
        db.responses.create_index([("interview_id", 1), ("question_id", 1)], unique=True)
        db.users.create_index("email_norm", unique=True)
        db.api_tokens.create_index("token_hash", unique=True)
        db.question_bank.create_index("key", unique=True)
        for name, docs in _seed().items():
            for doc in docs:
                db[name].insert_one(doc)
    yield mock_db, store_db
    store_db.close()


def _ids(cursor) -> list:
    return [d["_id"] for d in cursor]


def _set(cursor) -> list:
    return sorted((d for d in cursor), key=lambda d: str(d.get("_id", d)))


A = str(INTS[0])
QUERIES: list[Any] = [
    # users
    ("users.get", lambda db, rd: db.users.find_one({"_id": CAND})),
    ("users.by_ids", lambda db, rd: _set(db.users.find({"_id": {"$in": [CAND, HR, ObjectId()]}}))),
    ("users.by_email", lambda db, rd: db.users.find_one({"email_norm": "ann@example.com"})),
    ("users.set_fields", lambda db, rd: result_counts(db.users.update_one(
        {"_id": CAND}, {"$set": {"name": "A", "hr_id": None}}))),
    ("users.set_assignment", lambda db, rd: result_counts(db.users.update_one(
        {"_id": CAND3, "role": "candidate"}, {"$set": {"hr_id": HR, "status": "assigned"}}))),
    ("users.set_assignment/not a candidate", lambda db, rd: result_counts(db.users.update_one(
        {"_id": HR, "role": "candidate"}, {"$set": {"hr_id": HR2, "status": "assigned"}}))),
    ("users.search/text", lambda db, rd: _ids(db.users.find(
        {"$or": [{"name": {"$regex": re.escape("ann"), "$options": "i"}},
                 {"email_norm": {"$regex": re.escape("ann"), "$options": "i"}}]}).sort([("created_at", -1), ("_id", -1)]))),
    ("users.search/escaped", lambda db, rd: _ids(db.users.find(
        {"$or": [{"name": {"$regex": re.escape("(hr)"), "$options": "i"}},
                 {"email_norm": {"$regex": re.escape("+1@"), "$options": "i"}}]}))),
    ("users.search/tag text", lambda db, rd: _ids(db.users.find({"name": {"$regex": re.escape(TAG + "O"), "$options": "i"}}))),
    ("users.search/all filters", lambda db, rd: db.users.count_documents(
        {"role": "candidate", "status": "assigned", "active": True, "hr_id": HR})),
    ("users.search/page", lambda db, rd: _ids(db.users.find({"role": {"$in": ["candidate", "hr"]}}).sort(
        [("created_at", -1), ("_id", -1)]).skip(1).limit(3))),
    ("users.search/inactive", lambda db, rd: _ids(db.users.find({"active": False}).sort([("created_at", -1), ("_id", -1)]))),
    ("users.list", lambda db, rd: _ids(db.users.find({"role": "hr", "active": True}).sort([("name", 1)]))),
    ("users.list/by hr", lambda db, rd: _ids(db.users.find({"hr_id": HR2}).sort([("name", 1)]))),
    ("users.ids_assigned_to", lambda db, rd: _set(db.users.find({"hr_id": HR, "role": "candidate"}, {"_id": 1}))),
    ("users.count", lambda db, rd: db.users.count_documents({"role": "candidate"})),
    ("users.count/unassigned", lambda db, rd: db.users.count_documents({"role": "candidate", "hr_id": None})),
    ("users.insert/duplicate e-mail", lambda db, rd: db.users.insert_one({"email_norm": "ann@example.com"}).acknowledged),
    # interviews
    ("interviews.get", lambda db, rd: db.interviews.find_one({"_id": INTS[1]})),
    ("interviews.transition", lambda db, rd: result_counts(db.interviews.update_one(
        {"_id": INTS[0], "status": {"$in": ["scheduled", "in_progress"]}},
        {"$set": {"status": "in_progress", "started_at": NOW, "last_activity_at": NOW}}))),
    ("interviews.transition/refused", lambda db, rd: result_counts(db.interviews.update_one(
        {"_id": INTS[2], "status": {"$in": ["scheduled", "in_progress"]}}, {"$set": {"status": "cancelled"}}))),
    ("interviews.set_fields", lambda db, rd: result_counts(db.interviews.update_one(
        {"_id": INTS[3], "status": {"$in": ["evaluated"]}}, {"$set": {"overall_score": 9.0, "shared": True}}))),
    ("interviews.search/hr", lambda db, rd: (db.interviews.count_documents({"hr_id": HR}), _ids(db.interviews.find(
        {"hr_id": HR}).sort([("starts_at", -1), ("_id", -1)]).skip(0).limit(2)))),
    ("interviews.search/scope", lambda db, rd: _ids(db.interviews.find(
        {"hr_id": HR, "candidate_id": {"$in": [CAND, CAND2]}, "status": {"$in": ["scheduled", "completed"]},
         "job_title": {"$regex": re.escape("backend"), "$options": "i"}}).sort([("starts_at", 1), ("_id", 1)])
        .skip(1).limit(20))),
    ("interviews.search/one candidate", lambda db, rd: _ids(db.interviews.find(
        {"candidate_id": CAND2, "status": "completed"}).sort([("starts_at", -1), ("_id", -1)]))),
    ("interviews.search/title with regex characters", lambda db, rd: _ids(db.interviews.find(
        {"job_title": {"$regex": re.escape("(ML)"), "$options": "i"}}))),
    ("interviews.iter_matching", lambda db, rd: _ids(db.interviews.find({"status": {"$in": ["completed", "evaluated"]}}).sort(
        [("starts_at", -1), ("_id", -1)]))),
    ("interviews.by_ids", lambda db, rd: _set(db.interviews.find({"_id": {"$in": INTS[:3]}}))),
    ("interviews.set_hr_for_candidate", lambda db, rd: result_counts(db.interviews.update_many(
        {"candidate_id": CAND}, {"$set": {"hr_id": HR2}}))),
    ("interviews.set_hr_for_candidate/none", lambda db, rd: result_counts(db.interviews.update_many(
        {"candidate_id": CAND}, {"$set": {"hr_id": None}}))),
    ("interviews.for_candidate", lambda db, rd: _ids(db.interviews.find(
        {"candidate_id": CAND, "status": {"$in": ["scheduled", "in_progress"]}}).sort([("starts_at", -1), ("_id", -1)]))),
    ("interviews.past_deadline", lambda db, rd: _set(db.interviews.find(
        {"status": {"$in": ["scheduled", "in_progress"]}, "deadline": {"$lte": NOW}}))),
    # responses
    ("responses.get", lambda db, rd: db.responses.find_one({"_id": RESP[3]})),
    ("responses.find", lambda db, rd: db.responses.find_one({"interview_id": A, "question_id": "q1"})),
    ("responses.for_interview", lambda db, rd: _set(db.responses.find({"interview_id": A}))),
    ("responses.count_answered", lambda db, rd: [db.responses.count_documents(
        {"interview_id": str(i), "answer": {"$nin": ["", None]}}) for i in INTS]),
    ("responses.create_for/duplicate", lambda db, rd: db.responses.insert_one(
        {"interview_id": A, "question_id": "q0", "answer": ""}).acknowledged),
    ("responses.save_answer/wins", lambda db, rd: db.responses.find_one_and_update(
        {"interview_id": A, "question_id": "q1", "seq": {"$lt": 5}},
        {"$set": {"answer": "new " + TAG, "seq": 5, "saved_at": NOW}}, return_document=rd.AFTER)),
    ("responses.save_answer/stale", lambda db, rd: db.responses.find_one_and_update(
        {"interview_id": A, "question_id": "q1", "seq": {"$lt": 1}},
        {"$set": {"answer": "old", "seq": 1, "saved_at": NOW}}, return_document=rd.AFTER)),
    ("responses.save_answer/before", lambda db, rd: db.responses.find_one_and_update(
        {"interview_id": A, "question_id": "q0", "seq": {"$lt": 9}},
        {"$set": {"answer": "x", "seq": 9, "saved_at": NOW}}, return_document=rd.BEFORE)),
    ("responses.add_missing", lambda db, rd: _set(db.responses.find({"interview_id": A}, {"question_id": 1}))),
    ("responses.for_interviews", lambda db, rd: _set(db.responses.find({"interview_id": {"$in": [str(i) for i in INTS[:3]]}}))),
    ("responses.answered_counts", lambda db, rd: sorted(d["interview_id"] for d in db.responses.find(
        {"interview_id": {"$in": [str(i) for i in INTS]}, "answer": {"$nin": ["", None]}}, {"interview_id": 1, "_id": 0}))),
    ("responses.set_hr_for_candidate", lambda db, rd: result_counts(db.responses.update_many(
        {"candidate_id": CAND}, {"$set": {"hr_id": HR}}))),
    ("responses.iter_scored_pairs", lambda db, rd: sorted(
        (d for d in db.responses.find({"score": {"$gte": 0}, "ai_evaluation.score": {"$gte": 0}},
                                      {"interview_id": 1, "question_id": 1, "group": 1, "score": 1, "ai_evaluation.score": 1,
                                       "_id": 0})), key=lambda d: (d["interview_id"], d["question_id"]))),
    ("responses.iter_scored_pairs/hr", lambda db, rd: sorted(
        (d for d in db.responses.find({"hr_id": HR, "score": {"$gte": 0}, "ai_evaluation.score": {"$gte": 0}},
                                      {"interview_id": 1, "question_id": 1, "ai_evaluation.score": 1, "_id": 0})),
        key=lambda d: (d["interview_id"], d["question_id"]))),
    ("responses.set_fields", lambda db, rd: result_counts(db.responses.update_one(
        {"_id": RESP[0]}, {"$set": {"score": 7, "feedback": "ok", "scored_by": HR, "scored_at": NOW}}))),
    # evaluations
    ("evaluations.history", lambda db, rd: _ids(db.evaluations.find({"response_id": str(RESP[0])}).sort("created_at", -1)
                                                .limit(2))),
    ("evaluations.count", lambda db, rd: db.evaluations.count_documents({"response_id": str(RESP[1])})),
    ("evaluations.job_doc", lambda db, rd: db.responses.find_one({"_id": RESP[1]})),
    ("evaluations.replace_job/first", lambda db, rd: result_counts(db.responses.update_one(
        {"_id": RESP[0], "ai_job": None}, {"$set": {"ai_job": {"rev": "n1", "state": "queued", "requested_at": NOW}}}))),
    ("evaluations.replace_job/not first", lambda db, rd: result_counts(db.responses.update_one(
        {"_id": RESP[1], "ai_job": None}, {"$set": {"ai_job": {"rev": "n1", "state": "queued"}}}))),
    ("evaluations.replace_job/cas", lambda db, rd: result_counts(db.responses.update_one(
        {"_id": RESP[1], "ai_job.rev": "rev1"}, {"$set": {"ai_job": {"rev": "n2", "state": "done", "finished_at": NOW},
                                                        "ai_evaluation": {"score": 8, "created_at": NOW}}}))),
    ("evaluations.replace_job/lost", lambda db, rd: result_counts(db.responses.update_one(
        {"_id": RESP[1], "ai_job.rev": "rev-other"}, {"$set": {"ai_job": {"rev": "n3"}}}))),
    # questions
    ("questions.by_key", lambda db, rd: db.question_bank.find_one({"key": "k3"}, {"_id": 0})),
    ("questions.update", lambda db, rd: result_counts(db.question_bank.update_one(
        {"key": "k1"}, {"$set": {"text": "T", "tags": ["x", TAG], "updated_at": NOW}}))),
    ("questions.list", lambda db, rd: [d["key"] for d in db.question_bank.find({"enabled": True}).sort(
        [("category", 1), ("difficulty", 1), ("key", 1)])]),
    ("questions.list/category", lambda db, rd: [d["key"] for d in db.question_bank.find(
        {"enabled": False, "category": "technical"}).sort([("category", 1), ("difficulty", 1), ("key", 1)])]),
    ("questions.list/all", lambda db, rd: [d["key"] for d in db.question_bank.find({}).sort(
        [("category", 1), ("difficulty", 1), ("key", 1)])]),
    # tokens
    ("tokens.by_hash", lambda db, rd: db.api_tokens.find_one({"token_hash": "h2"}, {"_id": 0})),
    ("tokens.revoke", lambda db, rd: [result_counts(db.api_tokens.update_one(
        {"token_hash": h, "revoked_at": None}, {"$set": {"revoked_at": NOW}})) for h in ("h0", "h1", "nope")]),
    ("tokens.revoke_for_user", lambda db, rd: result_counts(db.api_tokens.update_many(
        {"user_id": str(HR), "revoked_at": None}, {"$set": {"revoked_at": NOW}}))),
    ("tokens.for_user", lambda db, rd: [d["token_hash"] for d in db.api_tokens.find({"user_id": str(CAND)})
                                        .sort([("created_at", 1)])]),
    ("tokens.insert/duplicate", lambda db, rd: db.api_tokens.insert_one({"token_hash": "h0"}).acknowledged),
    # login attempts
    ("attempts.failures_since", lambda db, rd: [db.login_attempts.count_documents(
        {"key": "ann@example.com", "at": {"$gte": NOW + timedelta(seconds=s)}}) for s in (0, 1, 60, 61, 600)]),
    ("attempts.clear/before", lambda db, rd: result_counts(db.login_attempts.delete_many(
        {"key": "ann@example.com", "at": {"$lt": NOW + timedelta(seconds=60)}}))),
    ("attempts.clear", lambda db, rd: result_counts(db.login_attempts.delete_many({"key": "x"}))),
    # migrations (string _ids) and 0006's backfill
    ("migrate.done", lambda db, rd: _set(db.migrations.find({}, {"_id": 1}))),
    ("migrate.record/duplicate", lambda db, rd: db.migrations.insert_one({"_id": "0002_question_bank"}).acknowledged),
    ("0006.candidates", lambda db, rd: _set(db.users.find({"role": "candidate"}, {"hr_id": 1}))),
    ("0006.interviews", lambda db, rd: _set(db.interviews.find({}, {"candidate_id": 1, "hr_id": 1, "questions": 1}))),
    ("0006.responses", lambda db, rd: result_counts(db.responses.update_many(
        {"interview_id": A, "question_id": "q0"}, {"$set": {"hr_id": HR, "group": "bank:k0"}}))),
    ("delete_one", lambda db, rd: result_counts(db.login_attempts.delete_one({"key": "x"}))),
]


@pytest.mark.parametrize("query", [pytest.param(q, id=name) for name, q in QUERIES])
def test_repository_query_shapes_answer_like_mongomock(seeded, query):
    mock_db, store_db = seeded
    mock, store = (outcome(lambda db=db, rd=rd: query(db, rd))
                   for db, rd in ((mock_db, pymongo.ReturnDocument), (store_db, sqlitestore.ReturnDocument)))
    assert store == mock
    for name in sorted(_seed()):  # and writes left the same documents behind
        assert strict(list(store_db[name].find({}).sort("_id", 1))) == strict(list(mock_db[name].find({}).sort("_id", 1))), name


# --- the repositories themselves ------------------------------------------------------------------------

HEX24 = re.compile(r"^[0-9a-f]{24}$")


@dataclasses.dataclass
class Step:
    """One repository call, made the same way on both backends: ``call(repos, ref)`` where ``ref(label)`` is
    that backend's id for an entity an earlier step named. ``name`` labels the id of what this step returns
    (``result.id`` or the string itself); ``unordered`` compares a list as a multiset (no order promised)."""

    method: str  # "users.insert": what the coverage check counts
    call: Callable[[Any, Callable[[str], str]], Any]
    name: str | None = None
    unordered: bool = False


class Labels:
    """Each backend's generated ids, mapped to the same labels in the order they were first seen."""

    def __init__(self):
        self.to_label: dict[str, str] = {}
        self.to_id: dict[str, str] = {}

    def name(self, label: str, backend_id: str) -> None:
        self.to_label[backend_id] = label
        self.to_id[label] = backend_id

    def canon(self, value: Any) -> Any:
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return {"<type>": type(value).__name__,
                    **{f.name: self.canon(getattr(value, f.name)) for f in dataclasses.fields(value)}}
        if isinstance(value, dict):
            items = ((self.canon(k) if isinstance(k, str | ObjectId) else k, self.canon(v)) for k, v in value.items())
            return dict(sorted(items, key=lambda kv: repr(kv[0])))  # key order is no part of the answer
        if isinstance(value, list | tuple):
            return [self.canon(v) for v in value]
        if isinstance(value, ObjectId):
            return ("ObjectId", self.canon(str(value)))
        if isinstance(value, str) and HEX24.match(value):
            if value not in self.to_label:
                self.name(f"#{len(self.to_label)}", value)
            return "id:" + self.to_label[value]
        return strict(value)


def _owner(r, ref, interview: str, candidate: str, hr: str | None):
    from interviewer.repositories.responses import Owner

    return Owner(ref(interview), ref(candidate), ref(hr) if hr else None)


def _user(email, name, role="candidate", status="registered", active=True, days=0, hr_id=None):
    from interviewer.models import User

    return User(id="", email=email, name=name, role=role, password_hash="h", active=active, status=status,
                hr_id=hr_id, created_at=datetime(2024, 5, 1, 12, 0, tzinfo=UTC) - timedelta(days=days))


def _interview(ref, key, cand, hr, status="scheduled", hours=0, title="Backend engineer", template=None):
    from interviewer.models import Interview, Question

    start = datetime(2024, 5, 1, 12, 0, tzinfo=UTC) + timedelta(hours=hours)
    return Interview(id=ref(key), candidate_id=ref(cand), hr_id=ref(hr) if hr else None, job_title=title,
                     job_description="Python " + TAG, starts_at=start, deadline=start + timedelta(days=1), status=status,
                     questions=[Question(id=f"q{k}", text=f"Question {k} é", tags=["t", TAG], key_points=["p"],
                                         source=f"bank:k{k}", competency_ids=["c1"] if template else [])
                                for k in range(3)],
                     created_by=ref("hr"), created_at=start - timedelta(days=1),
                     template_id=ref(template) if template else None,
                     competencies=[{"id": "c1", "name": "Grit", "anchors": ["1", "2", "3", "4", "5"]}] if template else [])


def _competency(name):
    from interviewer.models import Competency

    return Competency(id="", name=name, description="", anchors=["One", "Two", TAG, "Four", "Five é"],
                      created_at=AT, updated_at=AT)


def _template(ref, owner, name, archived=False, minutes=0):
    from interviewer.models import InterviewTemplate, TemplateQuestion

    return InterviewTemplate(id="", owner_id=ref(owner), name=name, job_title="Engineer", job_description=TAG,
                             competency_ids=["c1", "c2"], window_hours=24, archived=archived,
                             questions=[TemplateQuestion(id="q1", text="Why " + TAG, competency_ids=["c1", "c2"],
                                                         key_points=["k"])],
                             created_at=AT + timedelta(minutes=minutes), updated_at=AT)


AT = datetime(2024, 5, 1, 12, 0, 0, 250000, tzinfo=UTC)


def _steps() -> list[Step]:
    from interviewer.models import BankQuestion
    from interviewer.repositories.interviews import scope_filter

    T = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    return [
        # users
        Step("users.insert", lambda r, ref: r.users.insert(_user("hr@example.com", "Harriet", "hr", "active", days=5)), "hr"),
        Step("users.insert", lambda r, ref: r.users.insert(_user("HR2@Example.com", "Ann (HR)", "hr", "active", days=4)), "hr2"),
        Step("users.insert", lambda r, ref: r.users.insert(_user("  Ann@Example.com ", "Ann Smith", days=3)), "ann"),
        Step("users.insert", lambda r, ref: r.users.insert(_user("bob@example.com", "Bob " + TAG, days=2)), "bob"),
        Step("users.insert", lambda r, ref: r.users.insert(_user("cy\x00@example.com", "Cy", days=1, active=False)), "cy"),
        Step("users.insert", lambda r, ref: r.users.insert(_user("ann@example.com", "Dup"))),  # DuplicateKeyError
        Step("users.get", lambda r, ref: [r.users.get(ref("ann")), r.users.get("nope"), r.users.get(str(ObjectId()))]),
        Step("users.by_ids", lambda r, ref: r.users.by_ids([ref("ann"), ref("hr"), "bad"])),
        Step("users.by_email", lambda r, ref: [r.users.by_email(e) for e in ("ANN@example.com ", "cy\x00@example.com", "cy",
                                                                             "", "x@y")]),
        Step("users.set_fields", lambda r, ref: [r.users.set_fields(ref("bob"), name="Bob B", resume_text="CV " + TAG),
                                                 r.users.set_fields("bad", name="x")]),
        Step("users.set_assignment", lambda r, ref: [r.users.set_assignment(ref("ann"), ref("hr"), "assigned"),
                                                     r.users.set_assignment(ref("bob"), ref("hr2"), "assigned"),
                                                     r.users.set_assignment(ref("hr"), ref("hr2"), "assigned")]),
        Step("users.search", lambda r, ref: [r.users.search(), r.users.search("ann"), r.users.search("(hr)"),
                                             r.users.search(role="candidate", status="assigned", active=True, hr_id=ref("hr")),
                                             r.users.search(active=False), r.users.search(page=2, per_page=2),
                                             r.users.search(TAG)]),
        Step("users.list", lambda r, ref: [r.users.list(role="hr"), r.users.list(hr_id=ref("hr2")), r.users.list()]),
        Step("users.ids_assigned_to", lambda r, ref: r.users.ids_assigned_to(ref("hr")), unordered=True),
        Step("users.count", lambda r, ref: [r.users.count(role="candidate"), r.users.count(), r.users.count(active=False)]),
        # questions (the seeded bank, then our own)
        Step("questions.list", lambda r, ref: [r.questions.list(), r.questions.list(enabled=None, category="behavioural")]),
        Step("questions.insert", lambda r, ref: r.questions.insert(BankQuestion(
            id="", key="own " + TAG, text="Why?", category="technical", difficulty=2, tags=["x", TAG], updated_at=AT)), "bq"),
        Step("questions.insert", lambda r, ref: r.questions.insert(BankQuestion(id="", key="own " + TAG, text="Dup",
                                                                                category="technical", difficulty=1))),
        Step("questions.get", lambda r, ref: [r.questions.get(ref("bq")), r.questions.get("bad")]),
        Step("questions.by_key", lambda r, ref: [r.questions.by_key("own " + TAG), r.questions.by_key("none")]),
        Step("questions.update", lambda r, ref: [r.questions.update(ref("bq"), enabled=False, updated_at=AT),
                                                 r.questions.update("bad", enabled=True)]),
        Step("questions.by_ids", lambda r, ref: r.questions.by_ids([ref("bq"), "bad"] + [q.id for q in r.questions.list()[:3]])),
        # interviews
        Step("interviews.new_id", lambda r, ref: r.interviews.new_id(), "i1"),
        Step("interviews.new_id", lambda r, ref: r.interviews.new_id(), "i2"),
        Step("interviews.new_id", lambda r, ref: r.interviews.new_id(), "i3"),
        Step("interviews.insert", lambda r, ref: r.interviews.insert(_interview(ref, "i1", "ann", "hr"))),
        Step("interviews.insert", lambda r, ref: r.interviews.insert(_interview(ref, "i2", "ann", "hr", "completed", 2,
                                                                                "Data (ML) engineer"))),
        Step("interviews.insert", lambda r, ref: r.interviews.insert(_interview(ref, "i3", "bob", "hr2", "in_progress", -30))),
        Step("interviews.get", lambda r, ref: [r.interviews.get(ref("i1")), r.interviews.get("bad")]),
        Step("interviews.transition", lambda r, ref: [
            r.interviews.transition(ref("i1"), ("scheduled",), "in_progress", started_at=AT),
            r.interviews.transition(ref("i1"), ("scheduled",), "in_progress", started_at=AT),
            r.interviews.get(ref("i1"))]),
        Step("interviews.set_fields", lambda r, ref: [
            r.interviews.set_fields(ref("i2"), ("completed",), overall_score=7.5, last_activity_at=AT),
            r.interviews.set_fields(ref("i2"), ("scheduled",), overall_score=1.0), r.interviews.get(ref("i2"))]),
        Step("interviews.update_result", lambda r, ref: [
            r.interviews.update_result(ref("i2"), None, overall_score=9.0),  # not evaluated: refused
            r.interviews.transition(ref("i2"), ("completed",), "evaluated", evaluated_at=AT, overall_score=5.0),
            r.interviews.update_result(ref("i2"), AT + timedelta(seconds=1), overall_score=9.0),  # stale time: refused
            r.interviews.update_result(ref("i2"), AT, overall_score=6.0, evaluated_at=AT + timedelta(seconds=2)),
            r.interviews.update_result(ref("i2"), AT, overall_score=1.0),  # the time moved on: refused
            r.interviews.get(ref("i2"))]),
        Step("interviews.search", lambda r, ref: [
            r.interviews.search(), r.interviews.search(scope_filter(hr_id=ref("hr"))),
            r.interviews.search(scope_filter(candidate_ids=[ref("ann"), ref("bob")], statuses=["completed", "in_progress"])),
            r.interviews.search(scope_filter(candidate_ids=[ref("ann")], job_title="(ml)"), descending=False),
            r.interviews.search(page=2, per_page=1)]),
        Step("interviews.iter_matching", lambda r, ref: list(r.interviews.iter_matching(scope_filter(hr_id=ref("hr"))))),
        Step("interviews.by_ids", lambda r, ref: r.interviews.by_ids([ref("i1"), ref("i3"), "bad"])),
        Step("interviews.outcomes", lambda r, ref: [r.interviews.set_fields(ref("i3"), outcome="hire"),
                                                    r.interviews.outcomes([ref("i1"), ref("i3"), "bad"]),
                                                    r.interviews.outcomes([])]),
        Step("interviews.for_candidate", lambda r, ref: [r.interviews.for_candidate(ref("ann")),
                                                         r.interviews.for_candidate(ref("ann"), ["completed"])]),
        Step("interviews.past_deadline", lambda r, ref: r.interviews.past_deadline(T, ["in_progress", "scheduled"]),
             unordered=True),
        # responses
        Step("responses.create_for", lambda r, ref: r.responses.create_for(
            _owner(r, ref, "i1", "ann", "hr"), [("q0", "bank:k0"), ("q1", "bank:k1"), ("q0", "bank:k0")], AT)),
        Step("responses.create_for", lambda r, ref: r.responses.create_for(
            _owner(r, ref, "i2", "ann", "hr"), [("q0", "bank:k0"), ("q1", "bank:k1"), ("q2", "bank:k2")], AT)),
        Step("responses.add_missing", lambda r, ref: r.responses.add_missing(
            _owner(r, ref, "i1", "ann", "hr"), [("q0", "bank:k0"), ("q2", "bank:k2")], AT)),
        Step("responses.save_answer", lambda r, ref: [
            r.responses.save_answer(_owner(r, ref, "i1", "ann", "hr"), "q0", "bank:k0", "first " + TAG, 1, AT),
            r.responses.save_answer(_owner(r, ref, "i1", "ann", "hr"), "q0", "bank:k0", "stale", 1, AT),
            r.responses.save_answer(_owner(r, ref, "i1", "ann", "hr"), "q0", "bank:k0", "\x00second", 3, AT),
            r.responses.save_answer(_owner(r, ref, "i2", "ann", "hr"), "q1", "bank:k1", "answer", 1, AT),
            r.responses.save_answer(_owner(r, ref, "i3", "bob", "hr2"), "q0", "bank:k0", "inserted", 1, AT)]),
        Step("responses.close_for", lambda r, ref: [
            r.responses.close_for(ref("i2")), r.responses.close_for(ref("i2")),
            r.responses.save_answer(_owner(r, ref, "i2", "ann", "hr"), "q1", "bank:k1", "after the close", 9, AT)]),
        Step("responses.find", lambda r, ref: [r.responses.find(ref("i1"), "q0"), r.responses.find(ref("i1"), "zz")]),
        Step("responses.get", lambda r, ref: [r.responses.get(r.responses.find(ref("i1"), "q0").id), r.responses.get("bad")]),
        Step("responses.for_interview", lambda r, ref: r.responses.for_interview(ref("i1"))),
        Step("responses.count_answered", lambda r, ref: [r.responses.count_answered(ref(i)) for i in ("i1", "i2", "i3")]),
        Step("responses.for_interviews", lambda r, ref: r.responses.for_interviews([ref("i1"), ref("i3")])),
        Step("responses.answered_counts", lambda r, ref: r.responses.answered_counts([ref("i1"), ref("i2"), ref("i3")])),
        Step("responses.set_fields", lambda r, ref: [
            r.responses.set_fields(r.responses.find(ref("i1"), "q0").id, score=7, feedback="good", scored_by=ref("hr"),
                                   scored_at=AT),
            r.responses.set_fields(r.responses.find(ref("i2"), "q1").id, score=0.5),
            r.responses.set_fields(str(ObjectId()), score=1)]),
        # compare-and-set on the time of the score read: None matches a response never scored
        Step("responses.set_score", lambda r, ref: [
            r.responses.set_score(r.responses.find(ref("i1"), "q0").id, None, score=1),
            r.responses.set_score(r.responses.find(ref("i1"), "q0").id, AT, score=8, scored_at=AT + timedelta(seconds=1)),
            r.responses.set_score(r.responses.find(ref("i1"), "q0").id, AT, score=9),
            r.responses.set_score(r.responses.find(ref("i2"), "q1").id, None, score=2, scored_at=AT),
            r.responses.set_score(str(ObjectId()), None, score=3),
            [(x.score, x.scored_at) for x in (r.responses.find(ref("i1"), "q0"), r.responses.find(ref("i2"), "q1"))]]),
        # evaluations
        Step("evaluations.new_id", lambda r, ref: r.evaluations.new_id(), "e1"),
        Step("evaluations.add", lambda r, ref: r.evaluations.add(ref("e1"), {
            "response_id": r.responses.find(ref("i1"), "q0").id, "interview_id": ref("i1"), "score": 6.5,
            "feedback": "ok " + TAG, "model": "local", "created_at": AT})),
        Step("evaluations.add", lambda r, ref: r.evaluations.add(str(ObjectId()), {
            "response_id": r.responses.find(ref("i1"), "q0").id, "interview_id": ref("i1"), "score": 8,
            "created_at": AT + timedelta(minutes=1)}), "e2"),
        Step("evaluations.history", lambda r, ref: [r.evaluations.history(r.responses.find(ref("i1"), "q0").id),
                                                    r.evaluations.history(r.responses.find(ref("i1"), "q0").id, limit=1)]),
        Step("evaluations.count", lambda r, ref: r.evaluations.count(r.responses.find(ref("i1"), "q0").id)),
        Step("evaluations.job_doc", lambda r, ref: [r.evaluations.job_doc(r.responses.find(ref("i1"), "q0").id),
                                                    r.evaluations.job_doc("bad")]),
        Step("evaluations.replace_job", lambda r, ref: [
            r.evaluations.replace_job(r.responses.find(ref("i1"), "q0").id, None,
                                      {"rev": "a1", "state": "queued", "requested_at": AT}),
            r.evaluations.replace_job(r.responses.find(ref("i1"), "q0").id, None, {"rev": "a2", "state": "queued"}),
            r.evaluations.replace_job(r.responses.find(ref("i1"), "q0").id, "a1",
                                      {"rev": "a3", "state": "done", "finished_at": AT}, {"score": 9, "created_at": AT}),
            r.evaluations.replace_job(r.responses.find(ref("i1"), "q0").id, "a1", {"rev": "a4"}),
            r.evaluations.replace_job("bad", None, {"rev": "x"}),
            r.evaluations.job_doc(r.responses.find(ref("i1"), "q0").id)]),
        Step("responses.iter_scored_pairs", lambda r, ref: [
            sorted(r.responses.iter_scored_pairs(None), key=repr), list(r.responses.iter_scored_pairs(ref("hr"))),
            list(r.responses.iter_scored_pairs(ref("hr2")))]),
        # the assignment moving, and the HR scope following it
        Step("users.set_assignment", lambda r, ref: r.users.set_assignment(ref("ann"), ref("hr2"), "assigned")),
        Step("interviews.set_hr_for_candidate", lambda r, ref: [r.interviews.set_hr_for_candidate(ref("ann"), ref("hr2")),
                                                                r.interviews.set_hr_for_candidate(ref("ann"), ref("hr2")),
                                                                r.interviews.set_hr_for_candidate(ref("bob"), None)]),
        Step("responses.set_hr_for_candidate", lambda r, ref: [r.responses.set_hr_for_candidate(ref("ann"), ref("hr2")),
                                                               r.responses.set_hr_for_candidate(ref("bob"), None)]),
        Step("interviews.search", lambda r, ref: [r.interviews.search(scope_filter(hr_id=ref("hr"))),
                                                  r.interviews.search(scope_filter(hr_id=ref("hr2")))]),
        Step("responses.iter_scored_pairs", lambda r, ref: [list(r.responses.iter_scored_pairs(ref("hr"))),
                                                            list(r.responses.iter_scored_pairs(ref("hr2")))]),
        # tokens
        Step("tokens.insert", lambda r, ref: r.tokens.insert("a" * 64, ref("hr"), AT, AT + timedelta(days=30)), "t1"),
        Step("tokens.insert", lambda r, ref: r.tokens.insert("b" * 64, ref("hr"), AT + timedelta(seconds=1),
                                                             AT + timedelta(days=30)), "t2"),
        Step("tokens.insert", lambda r, ref: r.tokens.insert("a" * 64, ref("ann"), AT, AT)),  # DuplicateKeyError
        Step("tokens.by_hash", lambda r, ref: [r.tokens.by_hash("a" * 64), r.tokens.by_hash("c" * 64), r.tokens.by_hash(None)]),
        Step("tokens.revoke", lambda r, ref: [r.tokens.revoke(ref("t1"), AT), r.tokens.revoke(ref("t1"), AT),
                                              r.tokens.revoke("bad", AT)]),
        Step("tokens.revoke_for_user", lambda r, ref: [r.tokens.revoke_for_user(ref("hr"), AT),
                                                       r.tokens.revoke_for_user(ref("hr"), AT)]),
        Step("tokens.for_user", lambda r, ref: [r.tokens.for_user(ref("hr")), r.tokens.for_user(ref("ann"))]),
        # browser sessions
        Step("sessions.start", lambda r, ref: r.sessions.start(ref("ann"), AT, "Firefox"), "s1"),
        Step("sessions.start", lambda r, ref: r.sessions.start(ref("ann"), AT + timedelta(seconds=1), "x" * 300), "s2"),
        Step("sessions.start", lambda r, ref: r.sessions.start(ref("bob"), AT), "s3"),
        Step("sessions.is_live", lambda r, ref: [r.sessions.is_live(ref("s1"), ref("ann")),
                                                 r.sessions.is_live(ref("s1"), ref("bob")),
                                                 r.sessions.is_live("bad", ref("ann")), r.sessions.is_live(None, ref("ann"))]),
        Step("sessions.end", lambda r, ref: [r.sessions.end(ref("s1"), AT), r.sessions.end(ref("s1"), AT),
                                             r.sessions.end("bad", AT), r.sessions.is_live(ref("s1"), ref("ann"))]),
        Step("sessions.count_live", lambda r, ref: [r.sessions.count_live(ref("ann")), r.sessions.count_live(ref("bob"))]),
        Step("sessions.end_all", lambda r, ref: [r.sessions.end_all(ref("ann"), AT), r.sessions.end_all(ref("ann"), AT),
                                                 r.sessions.count_live(ref("ann")), r.sessions.count_live(ref("bob"))]),
        # rate-limit windows
        Step("rate_limits.hit", lambda r, ref: [
            r.rate_limits.hit(k, AT + timedelta(seconds=s), timedelta(seconds=60), n) for k, s, n in
            (("a", 0, 1), ("a", 10, 1), ("a", 59, 3), ("a", 60, 1), ("a", 61, 2), ("b", 0, 1))]),
        Step("rate_limits.get", lambda r, ref: [r.rate_limits.get(k, AT + timedelta(seconds=s))
                                                for k, s in (("a", 61), ("a", 200), ("b", 30), ("c", 0))]),
        # giving back: only from a live window, never below zero, never starting one
        Step("rate_limits.hit", lambda r, ref: [
            r.rate_limits.hit(k, AT + timedelta(seconds=s), timedelta(seconds=60), n) for k, s, n in
            (("a", 62, -1), ("a", 63, -5), ("a", 64, -1), ("a", 65, -1), ("b", 61, -1), ("g", 0, -1))]),
        Step("rate_limits.purge", lambda r, ref: [r.rate_limits.purge(AT + timedelta(seconds=90)),
                                                  r.rate_limits.get("a", AT + timedelta(seconds=90))]),
        Step("rate_limits.clear", lambda r, ref: [r.rate_limits.clear("a"), r.rate_limits.clear("zz"),
                                                  r.rate_limits.get("a", AT + timedelta(seconds=90))]),
        Step("rate_limits.reset", lambda r, ref: [r.rate_limits.hit("d", AT, timedelta(seconds=5)), r.rate_limits.reset()]),
        # audit pseudonyms
        Step("users.set_fields", lambda r, ref: [r.users.set_fields(ref("ann"), audit_ref="ref-ann"),
                                                 r.users.set_fields(ref("hr"), audit_ref="ref-hr")]),
        Step("users.by_audit_refs", lambda r, ref: [r.users.by_audit_refs(["ref-ann", "ref-hr", "nobody", ""]),
                                                    r.users.by_audit_refs([])]),
        # moving a window, reminders, retention
        Step("interviews.new_id", lambda r, ref: r.interviews.new_id(), "i9"),
        Step("interviews.insert", lambda r, ref: r.interviews.insert(_interview(ref, "i9", "bob", "hr2", hours=5))),
        Step("interviews.move_window", lambda r, ref: (lambda stale: [
            r.interviews.move_window(stale, AT, AT + timedelta(days=3), {"old_starts_at": stale.starts_at, "starts_at": AT,
                                                                         "changed_by": "x"}, AT),
            r.interviews.move_window(stale, AT, AT + timedelta(days=4), {"changed_by": "y"}, AT),  # stale sequence
            r.interviews.get(ref("i9"))])(r.interviews.get(ref("i9")))),
        Step("interviews.set_next_reminder", lambda r, ref: (lambda read: [
            r.interviews.set_next_reminder(read, AT + timedelta(hours=2)),
            r.interviews.set_next_reminder(read, AT + timedelta(hours=3)),  # read before the first: refused
            r.interviews.get(ref("i9")).next_reminder_at])(r.interviews.get(ref("i9")))),
        Step("interviews.reminders_due", lambda r, ref: [r.interviews.reminders_due(AT + timedelta(hours=2), 10),
                                                         r.interviews.reminders_due(AT, 10)]),
        Step("interviews.count_for_candidate", lambda r, ref: [r.interviews.count_for_candidate(ref("bob")),
                                                               r.interviews.count_for_candidate(ref("cy"))]),
        Step("interviews.closed_before", lambda r, ref: [
            r.interviews.closed_before("evaluated", "evaluated_at", AT + timedelta(days=1), 10),
            r.interviews.closed_before("evaluated", "evaluated_at", AT - timedelta(days=1), 10),
            r.interviews.closed_before("cancelled", "cancelled_at", AT + timedelta(days=1), 10)]),
        Step("responses.count_for_interview", lambda r, ref: [r.responses.count_for_interview(ref("i1")),
                                                              r.responses.count_for_interview(ref("i9"))]),
        Step("evaluations.count_for_interview", lambda r, ref: [r.evaluations.count_for_interview(ref("i1")),
                                                                r.evaluations.count_for_interview(ref("i9"))]),
        Step("tokens.count_for_user", lambda r, ref: [r.tokens.count_for_user(ref("hr")), r.tokens.count_for_user(ref("bob"))]),
        Step("sessions.count_for_user", lambda r, ref: [r.sessions.count_for_user(ref("ann")),
                                                        r.sessions.count_for_user(ref("hr"))]),
        # the e-mail outbox
        Step("outbox.add", lambda r, ref: r.outbox.add({"kind": "invitation", "key": "invitation:x:0", "to_user_id": ref("ann"),
                                                        "refs": {"interview_id": ref("i1")}, "message_id": "<m1@x>",
                                                        "created_at": AT}), "m1"),
        Step("outbox.add", lambda r, ref: r.outbox.add({"kind": "reminder", "key": "reminder:x:60m", "to_user_id": ref("bob"),
                                                        "refs": {"interview_id": ref("i9")}, "message_id": "<m2@x>",
                                                        "created_at": AT + timedelta(seconds=1),
                                                        "next_attempt_at": AT + timedelta(hours=1)}), "m2"),
        Step("outbox.add", lambda r, ref: r.outbox.add({"kind": "invitation", "key": "invitation:x:0", "to_user_id": "z",
                                                        "refs": {}, "message_id": "<m3@x>", "created_at": AT})),  # same key
        Step("outbox.get", lambda r, ref: [r.outbox.get(ref("m1")), r.outbox.get("bad")]),
        Step("outbox.by_key", lambda r, ref: [r.outbox.by_key("reminder:x:60m"), r.outbox.by_key("none")]),
        Step("outbox.due", lambda r, ref: [r.outbox.due(AT, 10), r.outbox.due(AT + timedelta(hours=2), 1),
                                           r.outbox.due(AT + timedelta(hours=2), 10)]),
        Step("outbox.claim", lambda r, ref: (lambda m: [r.outbox.claim(m, AT, AT + timedelta(minutes=5)),
                                                        r.outbox.claim(m, AT, AT + timedelta(minutes=5)),  # taken
                                                        r.outbox.due(AT + timedelta(minutes=6), 10)])(r.outbox.get(ref("m1")))),
        Step("outbox.update", lambda r, ref: (lambda m: [
            r.outbox.update(m, {"state": "sent", "finished_at": AT, "rendered": {"to": "a@b", "subject": "S " + TAG}}),
            r.outbox.update(m, {"state": "failed"}), r.outbox.get(ref("m1"))])(r.outbox.get(ref("m1")))),
        Step("outbox.page", lambda r, ref: [r.outbox.page(None), r.outbox.page("sent"), r.outbox.page("nonsense", 1, 1),
                                            r.outbox.page(None, 2, 1)]),
        Step("outbox.counts", lambda r, ref: r.outbox.counts()),
        Step("outbox.count_about", lambda r, ref: [r.outbox.count_about(ref("ann"), [ref("i1")]),
                                                   r.outbox.count_about(ref("bob"), [ref("i9"), ref("i1")]),
                                                   r.outbox.count_about("", [ref("i9")])]),
        # the audit trail and the AI notice
        Step("audit.last", lambda r, ref: r.audit.last()),
        Step("audit.append", lambda r, ref: [r.audit.append({"at": AT + timedelta(seconds=k), "actor": "ref-hr",
                                                             "actor_role": "hr", "action": action, "object_type": "interview",
                                                             "object_id": "obj-1", "interview_id": "obj-1",
                                                             "before": {"score": None}, "after": {"score": k},
                                                             "reason": TAG}, _event_hash)
                                             for k, action in enumerate(("answer.score", "answer.score", "interview.share"))]),
        Step("audit.last", lambda r, ref: r.audit.last()),
        Step("audit.in_order", lambda r, ref: [list(r.audit.in_order()), list(r.audit.in_order(batch=2))]),
        Step("audit.for_interview", lambda r, ref: [r.audit.for_interview("obj-1"), r.audit.for_interview("obj-1", limit=1),
                                                    r.audit.for_interview("none")]),
        Step("audit.search", lambda r, ref: [r.audit.search(), r.audit.search(actor="ref-hr", action="answer.score"),
                                             r.audit.search(object_id="obj-1", page=2, per_page=2),
                                             r.audit.search(start=AT + timedelta(seconds=1), end=AT + timedelta(seconds=2)),
                                             r.audit.search(action="nothing")]),
        Step("notices.current", lambda r, ref: r.notices.current()),
        Step("notices.publish", lambda r, ref: [r.notices.publish("First " + TAG, ref("hr"), AT),
                                                r.notices.publish("Second", None, AT), r.notices.current()]),
        # voluntary self-identification: one document per candidate, keyed by the candidate's id
        Step("demographics.save", lambda r, ref: [
            r.demographics.save(ref("ann"), {"sex": "female"}, AT),
            r.demographics.save(ref("ann"), {"race_ethnicity": "Asian " + TAG}, AT + timedelta(seconds=1)),
            r.demographics.save(ref("bob"), {"sex": "male"}, AT)]),
        Step("demographics.get", lambda r, ref: [r.demographics.get(ref("ann")), r.demographics.get("bad"),
                                                 r.demographics.get(str(ObjectId()))]),
        Step("demographics.all_answers", lambda r, ref: sorted(r.demographics.all_answers())),
        Step("demographics.delete", lambda r, ref: [r.demographics.delete(ref("bob")), r.demographics.delete(ref("bob")),
                                                    r.demographics.delete("bad"), sorted(r.demographics.all_answers())]),
        # competencies and interview templates
        Step("competencies.insert", lambda r, ref: r.competencies.insert(_competency("Grit " + TAG)), "grit"),
        Step("competencies.insert", lambda r, ref: r.competencies.insert(_competency("  GRIT   " + TAG))),  # duplicate
        Step("competencies.get", lambda r, ref: [r.competencies.get(ref("grit")), r.competencies.get("bad"),
                                                 r.competencies.get(str(ObjectId()))]),
        Step("competencies.by_name", lambda r, ref: [r.competencies.by_name("grit " + TAG),
                                                     r.competencies.by_name("PROBLEM solving"), r.competencies.by_name("")]),
        Step("competencies.by_ids", lambda r, ref: r.competencies.by_ids([ref("grit"), "bad", str(ObjectId())])),
        Step("competencies.update", lambda r, ref: [r.competencies.update(ref("grit"), 1, description="One " + TAG),
                                                    r.competencies.update(ref("grit"), 1, description="stale"),
                                                    r.competencies.update(ref("grit"), 2, name="Problem Solving"),
                                                    r.competencies.update("bad", 1, description="x"),
                                                    r.competencies.get(ref("grit"))]),
        Step("competencies.page", lambda r, ref: [r.competencies.page(1, 3), r.competencies.page(3, 3),
                                                  r.competencies.page(1, 100)]),
        Step("competencies.search", lambda r, ref: [r.competencies.search("SOLV", 10), r.competencies.search("o", 2),
                                                    r.competencies.search("grit " + TAG, 5), r.competencies.search(".*", 5),
                                                    r.competencies.search("\uff27RIT", 5)]),
        Step("templates.insert", lambda r, ref: r.templates.insert(_template(ref, "hr", "Backend " + TAG)), "tpl"),
        Step("templates.insert", lambda r, ref: r.templates.insert(_template(ref, "hr", "Old", archived=True))),
        Step("templates.insert", lambda r, ref: r.templates.insert(_template(ref, "hr2", "Other", minutes=5))),
        Step("templates.get", lambda r, ref: [r.templates.get(ref("tpl")), r.templates.get("bad"),
                                              r.templates.get(str(ObjectId()))]),
        Step("templates.update", lambda r, ref: [r.templates.update(ref("tpl"), 1, window_hours=48, questions=[]),
                                                 r.templates.update(ref("tpl"), 1, window_hours=72),
                                                 r.templates.update("bad", 1, window_hours=1), r.templates.get(ref("tpl"))]),
        Step("templates.page", lambda r, ref: [r.templates.page(ref("hr")), r.templates.page(None),
                                               r.templates.page(ref("hr"), True), r.templates.page(None, False, 2, 1)]),
        Step("interviews.new_id", lambda r, ref: r.interviews.new_id(), "it"),
        Step("interviews.insert", lambda r, ref: r.interviews.insert(_interview(ref, "it", "ann", "hr", template="tpl"))),
        Step("interviews.open_from_template", lambda r, ref: [
            r.interviews.open_from_template(ref("tpl"), datetime(2024, 5, 1, 12, 0, tzinfo=UTC)),
            r.interviews.open_from_template(ref("tpl"), datetime(2024, 5, 1, 13, 0, tzinfo=UTC)),
            r.interviews.open_from_template("bad", datetime(2024, 5, 1, 12, 0, tzinfo=UTC))]),
        # scheduling claims: one holder per key (unique _id), compare-and-set take-over, release by the holder
        Step("templates.claim", lambda r, ref: [r.templates.claim("k:" + TAG, "a1", AT),
                                                r.templates.claim("k:" + TAG, "a2", AT + timedelta(minutes=1)),
                                                r.templates.claim("k2", "a3", AT)]),
        Step("templates.take_over", lambda r, ref: [r.templates.take_over("k:" + TAG, "a2", "a3", AT),  # not the holder
                                                    r.templates.take_over("k:" + TAG, "a1", "a4", AT),
                                                    r.templates.take_over("missing", "a1", "a4", AT),
                                                    r.templates.claim("k:" + TAG, "a5", AT)]),
        Step("templates.release", lambda r, ref: [r.templates.release("k:" + TAG, "a1"),  # no longer the holder: kept
                                                  r.templates.claim("k:" + TAG, "a6", AT),
                                                  r.templates.release("k:" + TAG, "a4"),
                                                  r.templates.claim("k:" + TAG, "a7", AT)]),
        # panels: the array on the interview (compare-and-set on panel_rev) and one rating per rater
        Step("panels.panel_rev", lambda r, ref: [r.panels.panel_rev(ref("it")), r.panels.panel_rev("bad")]),
        Step("panels.set_panel", lambda r, ref: [r.panels.set_panel(ref("it"), 0, [ref("hr2")]),
                                                 r.panels.set_panel(ref("it"), 0, [ref("hr")]),  # stale
                                                 r.panels.set_panel(ref("it"), 1, [ref("hr2"), ref("ann")]),
                                                 r.panels.panel_rev(ref("it")), r.interviews.get(ref("it"))]),
        Step("panels.ensure", lambda r, ref: [r.panels.ensure(ref("it"), ref("hr2"), AT, ref("hr")),
                                              r.panels.ensure(ref("it"), ref("hr2"), AT + timedelta(hours=1)),
                                              r.panels.ensure(ref("it"), ref("hr"), AT + timedelta(seconds=1))]),
        Step("panels.get", lambda r, ref: [r.panels.get(ref("it"), ref("hr2")), r.panels.get(ref("it"), ref("ann")),
                                           r.panels.get("bad", "bad")]),
        Step("panels.save_draft", lambda r, ref: [
            r.panels.save_draft(r.panels.get(ref("it"), ref("hr2")),
                                [{"question_id": "q0", "competency_id": "c1", "rating": 4, "evidence": TAG}], AT),
            r.panels.save_draft(r.panels.get(ref("it"), ref("hr")), [], AT),
            r.panels.get(ref("it"), ref("hr2"))]),
        Step("panels.submit", lambda r, ref: [
            r.panels.submit(r.panels.get(ref("it"), ref("hr2")),
                            [{"question_id": "q0", "competency_id": "c1", "rating": 5, "evidence": "é"}], AT),
            r.panels.submit(r.panels.get(ref("it"), ref("hr2")), [], AT),  # already submitted
            r.panels.get(ref("it"), ref("hr2"))]),
        Step("panels.for_interview", lambda r, ref: [r.panels.for_interview(ref("it")), r.panels.for_interview("bad")]),
        Step("panels.page_for_rater", lambda r, ref: [r.panels.page_for_rater(ref("hr2")),
                                                      r.panels.page_for_rater(ref("hr2"), 2, 1),
                                                      r.panels.page_for_rater("bad")]),
        Step("panels.submitted_among", lambda r, ref: [sorted(r.panels.submitted_among(ref("hr2"), [ref("it"), "bad"])),
                                                       sorted(r.panels.submitted_among(ref("hr"), [ref("it")])),
                                                       sorted(r.panels.submitted_among(ref("hr2"), []))]),
        Step("panels.submitted_in_scope", lambda r, ref: [list(r.panels.submitted_in_scope()),
                                                          list(r.panels.submitted_in_scope(ref("hr2"))),
                                                          list(r.panels.submitted_in_scope(ref("hr2"), chunk=1)),
                                                          list(r.panels.submitted_in_scope(ref("hr"))),
                                                          list(r.panels.submitted_in_scope("bad"))]),
        Step("panels.count_submitted", lambda r, ref: r.panels.count_submitted()),
        Step("responses.count_scored", lambda r, ref: r.responses.count_scored()),
        Step("evaluations.count_all", lambda r, ref: r.evaluations.count_all()),
        Step("panels.set_outcome", lambda r, ref: [
            r.panels.set_outcome(ref("it"), None, ("completed", "evaluated"), outcome="hire", outcome_at=AT,
                                 outcome_by=ref("hr")),  # still scheduled: refused
            r.panels.set_outcome(ref("it"), None, ("scheduled",), outcome="advance", outcome_at=AT, outcome_by=ref("hr")),
            r.panels.set_outcome(ref("it"), None, ("scheduled",), outcome="reject", outcome_at=AT, outcome_by=ref("hr")),
            r.interviews.get(ref("it"))]),
        Step("panels.delete_draft", lambda r, ref: [r.panels.delete_draft(ref("it"), ref("hr2")),  # submitted: kept
                                                    r.panels.delete_draft(ref("it"), ref("hr")),
                                                    sorted(r.panels.for_interview(ref("it")))]),
        Step("panels.delete_for_interview", lambda r, ref: [r.panels.delete_for_interview(ref("it")),
                                                            r.panels.for_interview(ref("it"))]),
        # erasure and retention: deletions last
        *[Step("interviews.new_id", lambda r, ref: r.interviews.new_id(), key) for key in ("cA", "cB", "cC")],
        *[Step("interviews.insert", lambda r, ref, key=key, done=done, decided=decided: r.interviews.insert(
            dataclasses.replace(_interview(ref, key, "bob", "hr", "completed", 40), completed_at=done, outcome_at=decided)))
          for key, done, decided in (("cA", AT, None), ("cB", AT + timedelta(days=2), None),
                                     ("cC", AT, AT + timedelta(days=5)))],
        Step("interviews.closed_before", lambda r, ref: [
            [i.id for i in r.interviews.closed_before("completed", "completed_at", AT + timedelta(days=d), n)]
            for d, n in ((0, 10), (1, 10), (3, 10), (6, 10), (6, 1))]),
        Step("interviews.panel_ids_owned_by", lambda r, ref: [
            r.interviews.panel_ids_owned_by(ref("hr")), r.interviews.panel_ids_owned_by(ref("hr2"))]),
        Step("outbox.delete_about", lambda r, ref: [r.outbox.delete_about(ref("bob"), [ref("i1")]), r.outbox.page(None)]),
        Step("responses.delete_for_interview", lambda r, ref: [r.responses.delete_for_interview(ref("i1")),
                                                               r.responses.for_interview(ref("i1"))]),
        Step("evaluations.delete_for_interview", lambda r, ref: [r.evaluations.delete_for_interview(ref("i1")),
                                                                 r.evaluations.count_for_interview(ref("i1"))]),
        Step("tokens.delete_for_user", lambda r, ref: [r.tokens.delete_for_user(ref("hr")), r.tokens.for_user(ref("hr"))]),
        Step("sessions.delete_for_user", lambda r, ref: [r.sessions.delete_for_user(ref("ann")),
                                                         r.sessions.count_for_user(ref("ann"))]),
        Step("rate_limits.delete_for_account", lambda r, ref: [
            [r.rate_limits.hit(k, AT, timedelta(seconds=60)) for k in ("signin:account:a.b@x.io", "signin:next:a.b@x.io",
                                                                        "signin:pair:a.b@x.io:10.0.0.1",
                                                                        "signin:account:a.b@x.iox", "signin:account:aXb@x.io")],
            r.rate_limits.delete_for_account("a.b@x.io"),
            [r.rate_limits.get(k, AT) for k in ("signin:account:a.b@x.iox", "signin:account:aXb@x.io",
                                                "signin:next:a.b@x.io")],
            # a completed reset clears the sign-in counters (device cookies too) and keeps the reset e-mails'
            [r.rate_limits.hit(k, AT, timedelta(seconds=60)) for k in ("signin:device:c@x.io:d1", "reset:account:c@x.io",
                                                                        "signin:pair:c@x.io:10.0.0.2")],
            r.rate_limits.delete_for_account("c@x.io", sign_in_only=True),
            [r.rate_limits.get(k, AT) for k in ("signin:device:c@x.io:d1", "reset:account:c@x.io",
                                                "signin:pair:c@x.io:10.0.0.2")]]),
        Step("interviews.delete", lambda r, ref: [r.interviews.delete(ref("i9")), r.interviews.delete(ref("i9")),
                                                  r.interviews.get(ref("i9"))]),
        Step("users.delete", lambda r, ref: [r.users.delete(ref("cy")), r.users.delete(ref("cy")), r.users.delete("bad"),
                                             r.users.get(ref("cy"))]),
    ]


def _event_hash(event):
    from interviewer.services.audit import event_hash

    return event_hash(event)


@pytest.fixture
def migrated(tmp_path):
    """Both backends after the same migrations."""
    from interviewer.migrate import upgrade

    store = sqlitestore.Database(tmp_path / "store.sqlite3")
    mock = mongomock.MongoClient().db
    assert upgrade(store) == upgrade(mock)
    yield mock, store
    store.close()


def test_repositories_answer_alike_on_both_backends(migrated):
    from interviewer.repositories import Repositories

    mock_db, store_db = migrated
    sides = [(Repositories(mock_db), Labels()), (Repositories(store_db), Labels())]
    for number, step in enumerate(_steps()):
        answers = []
        for repos, labels in sides:
            def ref(label, labels=labels):
                return labels.to_id[label]
            try:
                result = step.call(repos, ref)
            except (DuplicateKeyError, OperationFailure) as exc:
                answers.append(type(exc).__name__)
                continue
            if step.name:
                labels.name(step.name, result if isinstance(result, str) else result.id)
            canon = labels.canon(result)
            answers.append(sorted(canon, key=repr) if step.unordered else canon)
        assert answers[1] == answers[0], f"step {number}: {step.method}"
    for name in sorted(mock_db.list_collection_names()):  # and the same documents stored
        if name == "migrations":
            continue
        mock_docs, store_docs = (sorted((labels.canon(d) for d in db[name].find({})), key=repr)
                                 for db, (_, labels) in ((mock_db, sides[0]), (store_db, sides[1])))
        assert store_docs == mock_docs, name


def test_every_repository_method_has_a_differential_step():
    """A method added to a repository needs a step above (which is what makes the store's promise hold)."""
    from interviewer.repositories import Repositories

    covered = {step.method for step in _steps()}
    repos = Repositories(mongomock.MongoClient().db)
    missing = []
    for attr, repo in vars(repos).items():
        if attr == "db":
            continue
        for name, member in vars(type(repo)).items():
            if not name.startswith("_") and callable(getattr(repo, name)) and not isinstance(member, property):
                if f"{attr}.{name}" not in covered:
                    missing.append(f"{attr}.{name}")
    assert not missing, f"no differential step calls {missing}"


def test_the_migrations_leave_the_same_indexes_and_documents(migrated):
    mock, store = migrated
    assert sorted(store.list_collection_names()) == sorted(mock.list_collection_names())
    for name in mock.list_collection_names():
        want = {tuple(ix["key"].items()): bool(ix.get("unique")) or ix["name"] == "_id_" for ix in mock[name].list_indexes()}
        got = {tuple(info["key"]): info["unique"] for info in store[name].index_information().values()}
        assert got == want, name
        if name != "migrations":
            assert strict(list(store[name].find({}, {"_id": 0}).sort("key", 1))) == \
                strict(list(mock[name].find({}, {"_id": 0}).sort("key", 1))), name


def test_sqlite_file_is_sound_after_the_differential_run(tmp_path):
    pair = new_pair(tmp_path)
    pair.insert([{"_id": i, "u": f"u{i}", "s": TAG * i} for i in range(5)])
    pair.close()
    conn = sqlite3.connect(tmp_path / "x.sqlite3")
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        conn.close()
