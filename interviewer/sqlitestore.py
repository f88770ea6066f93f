"""The embedded default store: documents in sqlite3, behind the subset of pymongo's API that the
repositories use (DESIGN.md §2).

Why our own: measured at 10,000 documents, tinymongo re-validated unique indexes over the whole
collection on every insert (500 ms) and decoded every row for filtered updates and sorted pages;
the other maintained embedded Mongo-compatible stores lost writes across processes or read every
row for filtered finds (README, "The embedded store"). sqlite itself does all of it in
microseconds once queries go through expression indexes, so this module is a thin translation:

- one table per collection: ``id UNIQUE`` (the encoded ``_id``) and ``doc TEXT`` (JSON);
- a filter becomes a SQL ``WHERE`` over ``json_extract(doc, '$.field')``; ``create_index`` creates
  the same expression index, so sqlite's planner uses it (``explain`` shows the plan);
- unique indexes are sqlite's own; a violation raises pymongo's ``DuplicateKeyError``;
- WAL journal, one connection per thread for writes and one for reads (one more for each cursor
  still open beside another, so no read sees an older snapshot than the thread's own writes),
  ``BEGIN IMMEDIATE`` around every write (held across processes by sqlite's file locks, waited for
  up to ``busy_timeout``), so inserts, increments and compare-and-set updates from several
  processes never lose each other;
- any other sqlite failure (locked past the timeout, disk full, read-only, I/O) is raised as
  pymongo's ``OperationFailure``, which the app answers with 503 like a lost MongoDB.

Values: ``None``, ``bool``, ``int``, ``float`` (finite), ``str``, ``ObjectId``, ``datetime``, and
lists and dicts of them. ObjectIds and datetimes are stored as tagged strings (a private-use
character, a type letter, then 24 hex digits or an ISO time with milliseconds, as BSON keeps them)
so that equality, ranges and sort order work on them in SQL; a user string that starts with the
tag character is escaped, and one holding NUL is stored JSON-escaped behind the tag (sqlite's JSON
functions end a string at NUL). Datetimes come back naive UTC, like pymongo's default.

Query subset: equality; ``$eq $ne $in $nin $lt $lte $gt $gte $exists $regex`` (with ``$options``);
``$and $or``; dotted paths. Updates: ``$set $unset $inc`` (also on dotted paths). Not supported —
raised as ``NotImplementedError`` so a new query cannot silently mean something else: other
operators, array-element matching, ``upsert``. Differences from MongoDB that the repositories never
rely on: ``True`` equals ``1`` in a filter; a unique index allows many documents without the field; a
condition on a field holding an array or a document does not look inside it; a sort over a field of
several types orders them differently (numbers, strings, then dates, strings holding NUL, ObjectIds,
strings starting with the tag), though ranges, as in MongoDB, match only values of the bound's type.
tests/store compares every operation with mongomock.
"""
from __future__ import annotations

import json
import os
import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from bson import ObjectId
from pymongo.errors import DuplicateKeyError, OperationFailure

TAG = "\ue000"
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_FIELD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
BATCH = 50  # rows fetched at a time while a cursor is iterated: memory stays flat for exports (interviews: ~30 kB each decoded)

ASCENDING, DESCENDING = 1, -1


# --- values ----------------------------------------------------------------------------------

def encode(value: Any) -> Any:
    """A stored value as JSON-able data (tagged strings for ObjectId and datetime); TypeError or
    ValueError for anything the store does not keep."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, str):
        if "\x00" in value:  # sqlite's JSON functions end a string at NUL: kept JSON-escaped, so no NUL is stored
            return TAG + "j" + json.dumps(value, ensure_ascii=False)[1:-1]
        return TAG + "s" + value if value.startswith(TAG) else value
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError("the store keeps finite numbers only")
        return value
    if isinstance(value, ObjectId):
        return TAG + "o" + str(value)
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        value = value.replace(microsecond=value.microsecond // 1000 * 1000)  # BSON keeps milliseconds
        return TAG + "d" + value.isoformat(timespec="milliseconds")
    if isinstance(value, Mapping):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"document keys must be strings, not {type(key).__name__}")
            out[key] = encode(item)
        return out
    if isinstance(value, list | tuple):
        return [encode(item) for item in value]
    raise TypeError(f"the store cannot keep a {type(value).__name__}")


def _decode_str(value: str) -> Any:
    kind, rest = value[1:2], value[2:]
    if kind == "o":
        return ObjectId(rest)
    if kind == "d":
        return datetime.fromisoformat(rest)
    if kind == "j":
        return json.loads('"' + rest + '"')  # a user string holding NUL
    return rest  # "s": an escaped user string


def _decode_in(container: Any, pairs: Iterable[tuple[Any, Any]]) -> Any:
    """Untag the strings of a decoded list or dict in place (`pairs`: its enumerate() or items())."""
    for key, item in pairs:
        if type(item) is str:
            if item[:1] == TAG:
                container[key] = _decode_str(item)
        elif type(item) is list:
            _decode_in(item, enumerate(item))
    return container


def _hook(obj: dict) -> dict:
    return _decode_in(obj, obj.items())  # inner dicts were decoded by their own call


_DECODER = json.JSONDecoder(object_hook=_hook)  # one decoder: json.loads(object_hook=…) builds one per call


def decode_json(text: str | None) -> Any:
    """The value of a stored JSON text (None stays None)."""
    if text is None:
        return None
    value = _DECODER.decode(text)
    if type(value) is str and value[:1] == TAG:
        return _decode_str(value)
    if type(value) is list:
        _decode_in(value, enumerate(value))
    return value


def _dumps(value: Any) -> str:
    return json.dumps(encode(value), ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def _param(value: Any) -> Any:
    """A filter value as sqlite compares it with json_extract's result."""
    if isinstance(value, Mapping | list | tuple):
        raise NotImplementedError("filters on whole documents or arrays are not supported")
    value = encode(value)
    return int(value) if isinstance(value, bool) else value


# --- filters -----------------------------------------------------------------------------------

def _expr(field: str) -> str:
    if field == "_id":
        return "id"
    if not _FIELD.match(field):
        raise ValueError(f"unsupported field name: {field!r}")
    return f"json_extract(doc, '$.{field}')"


@lru_cache(maxsize=256)
def _compiled(pattern: str, flags: str) -> re.Pattern:
    bits = 0
    for letter in flags:
        bits |= {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL, "x": re.VERBOSE}.get(letter, 0)
    return re.compile(pattern, bits)


def _regexp(pattern: str, flags: str, value: Any) -> int:
    if not isinstance(value, str):
        return 0
    if value[:1] == TAG:
        if value[1:2] not in ("s", "j"):
            return 0
        value = _decode_str(value)
    return 1 if _compiled(pattern, flags or "").search(value) else 0


def compile_filter(filt: Mapping[str, Any] | None) -> tuple[str, list[Any]]:
    """(SQL condition, parameters) for a Mongo filter; NotImplementedError outside the subset."""
    if not filt:
        return "1", []
    parts, params = [], []
    for key, cond in filt.items():
        if key in ("$and", "$or"):
            if not isinstance(cond, list | tuple) or not cond:
                raise ValueError(f"{key} needs a non-empty list")
            subs = [compile_filter(c) for c in cond]
            joiner = " AND " if key == "$and" else " OR "
            parts.append("(" + joiner.join(f"({s})" for s, _ in subs) + ")")
            for _, p in subs:
                params.extend(p)
        elif key.startswith("$"):
            raise NotImplementedError(f"query operator {key} is not supported")
        else:
            sql, p = _field_condition(key, cond)
            parts.append(sql)
            params.extend(p)
    return " AND ".join(parts), params


def _field_condition(field: str, cond: Any) -> tuple[str, list[Any]]:
    expr = _expr(field)
    if not (isinstance(cond, Mapping) and cond and all(str(k).startswith("$") for k in cond)):
        return _eq(expr, cond)
    parts, params = [], []
    options = cond.get("$options", "")
    for op, value in cond.items():
        if op == "$eq":
            sql, p = _eq(expr, value)
        elif op == "$ne":
            sql, p = _eq(expr, value)
            sql = f"NOT ({sql})" if value is None else f"({expr} IS NULL OR NOT ({sql}))"
        elif op in ("$in", "$nin"):
            sql, p = _in(expr, value)
            if op == "$nin":
                sql = f"NOT ({sql})" if None in value else f"({expr} IS NULL OR NOT ({sql}))"
        elif op in ("$lt", "$lte", "$gt", "$gte"):
            if value is None:
                raise NotImplementedError(f"{op} null is not supported")
            bound = _param(value)
            same, p = _same_type(field, expr, bound)
            sql, p = f"{expr} {_CMP[op]} ? AND {same}", [bound, *p]
        elif op == "$exists":
            # json_type, unlike json_extract, tells a stored null (exists) from a missing field.
            present = "1" if field == "_id" else f"json_type(doc, '$.{field}') IS NOT NULL"
            sql, p = (present if value else f"NOT ({present})"), []
        elif op == "$regex":
            if not isinstance(value, str):
                raise NotImplementedError("$regex takes a pattern string")
            sql, p = f"{_is_text(field)} AND regexp(?, ?, {expr})", [value, options]
            prefilter = _literal_prefilter(value, options) if field != "_id" else None
            if prefilter:
                sql, p = f"{prefilter[0]} AND {sql}", [*prefilter[1], *p]
        elif op == "$options":
            continue
        else:
            raise NotImplementedError(f"query operator {op} is not supported")
        parts.append(sql)
        params.extend(p)
    return " AND ".join(parts) or "1", params


_CMP = {"$lt": "<", "$lte": "<=", "$gt": ">", "$gte": ">="}
_REGEX_SPECIAL = frozenset(".^$*+?{}[]|()\\")
# The characters outside ASCII that Python's re (like MongoDB's PCRE) matches case-insensitively
# with an ASCII letter: found by trying every code point against a-z.
_FOLDS_TO_ASCII = {"i": "\u0130\u0131", "s": "\u017f", "k": "\u212a"}


def _literal_prefilter(pattern: str, options: str) -> tuple[str, list[str]] | None:
    """A cheap SQL test that is true for every document whose field a literal `pattern` matches,
    or None when the pattern is not a plain literal (then only the regexp decides).

    A substring of a field is a substring of the document's JSON text when it has no character
    JSON escapes, so `instr` over the raw text, in C and without parsing the JSON, passes over
    most rows; the regexp still decides the rest, so the result is unchanged. Case-insensitively
    (`i`), sqlite's `lower` folds ASCII only, so a document with a non-ASCII letter that folds to
    one of the pattern's letters (say the Kelvin sign for "k") is passed on to the regexp too.
    """
    if not set(options) <= {"i"}:
        return None
    out, chars = [], iter(pattern)
    for char in chars:
        if char == "\\":
            char = next(chars, "")
            if not char or char.isalnum():  # \d, \b, \1 ... are operators, not characters
                return None
        elif char in _REGEX_SPECIAL:
            return None
        if not " " <= char <= "~" or char in '"\\':
            return None
        out.append(char)
    if not out:
        return None
    needle = "".join(out)
    if not options:
        return "instr(doc, ?) > 0", [needle]
    needle = needle.lower()
    folds = [c for letter in sorted(set(needle)) for c in _FOLDS_TO_ASCII.get(letter, "")]
    tests = " OR ".join(["instr(lower(doc), ?) > 0"] + ["instr(doc, ?) > 0"] * len(folds))
    return f"({tests})", [needle, *folds]


def _is_text(field: str) -> str:
    """True when the field holds a string (json_extract gives arrays and documents as text too)."""
    return "typeof(id) = 'text'" if field == "_id" else f"json_type(doc, '$.{field}') = 'text'"


def _same_type(field: str, expr: str, bound: Any) -> tuple[str, list[Any]]:
    """True when the field holds a value of the (encoded) ``bound``'s type: MongoDB compares a range within one
    type, where sqlite puts every number before every text and compares tagged values with strings."""
    if not isinstance(bound, str):
        return f"{expr} < ''", []  # a number (or, as documented, a boolean): every text sorts after it
    kind = bound[1:2] if bound[:1] == TAG and bound[1:2] in ("o", "d") else ""
    if kind:
        return f"{expr} >= ? AND {expr} < ?", [TAG + kind, TAG + chr(ord(kind) + 1)]
    return f"{_is_text(field)} AND substr({expr}, 1, 2) NOT IN (?, ?)", [TAG + "o", TAG + "d"]


def _eq(expr: str, value: Any) -> tuple[str, list[Any]]:
    if value is None:
        return f"{expr} IS NULL", []  # MongoDB: null matches a missing field too
    return f"{expr} = ?", [_param(value)]


def _in(expr: str, values: Any) -> tuple[str, list[Any]]:
    if not isinstance(values, list | tuple | set | frozenset):
        raise ValueError("$in / $nin need a list")
    values = list(values)
    concrete = [_param(v) for v in values if v is not None]
    parts = []
    if concrete:
        parts.append(f"{expr} IN ({','.join('?' * len(concrete))})")
    if len(concrete) < len(values):
        parts.append(f"{expr} IS NULL")
    return ("(" + " OR ".join(parts) + ")") if parts else "0", concrete


def _order_by(sort: list[tuple[str, int]] | None) -> str:
    if not sort:
        return ""
    return " ORDER BY " + ", ".join(f"{_expr(f)} {'DESC' if d == DESCENDING else 'ASC'}" for f, d in sort)


def _sort_spec(key: Any, direction: int | None = None) -> list[tuple[str, int]]:
    if isinstance(key, str):
        return [(key, direction or ASCENDING)]
    return [(f, d) for f, d in key]


# --- documents in Python: matching for updates, applying updates, projections ------------------

def _parent(doc: dict, path: str, create: bool) -> tuple[dict | None, str]:
    parts = path.split(".")
    current = doc
    for part in parts[:-1]:
        nxt = current.get(part)
        if not isinstance(nxt, dict):
            if not create:
                return None, parts[-1]
            if part in current:  # null included, as MongoDB refuses it
                raise OperationFailure(f"cannot create field {part!r} inside a non-document value")
            nxt = current[part] = {}
        current = nxt
    return current, parts[-1]


def check_update(update: Mapping[str, Any]) -> None:
    """ValueError / NotImplementedError unless ``update`` is ``$set``, ``$unset`` and ``$inc`` of fields."""
    if not update or not all(k.startswith("$") for k in update):
        raise ValueError("an update is a document of update operators ($set, $unset, $inc)")
    for op, fields in update.items():
        if op not in ("$set", "$unset", "$inc"):
            raise NotImplementedError(f"update operator {op} is not supported")
        for path in fields:
            if path == "_id" or not _FIELD.match(path):
                raise ValueError(f"cannot update field {path!r}")


def apply_update(doc: dict, update: Mapping[str, Any]) -> dict:
    """``doc`` itself with ``$set``, ``$unset`` and ``$inc`` applied (MongoDB's semantics)."""
    check_update(update)
    new = doc
    for op, fields in update.items():
        if op not in ("$set", "$unset", "$inc"):
            raise NotImplementedError(f"update operator {op} is not supported")
        for path, value in fields.items():
            parent, leaf = _parent(new, path, create=op != "$unset")
            if op == "$set":
                parent[leaf] = value
            elif op == "$unset":
                if parent is not None:
                    parent.pop(leaf, None)
            else:
                if isinstance(value, bool) or not isinstance(value, int | float):
                    raise ValueError("$inc takes a number")
                current = parent.get(leaf, 0)
                if isinstance(current, bool) or not isinstance(current, int | float):
                    raise OperationFailure(f"cannot $inc the non-number field {path!r}")
                parent[leaf] = current + value
    return new


def _path_columns(field: str) -> str:
    """The columns an inclusion of ``field`` reads: the JSON type of each document on its path, then its value."""
    if not _FIELD.match(field):
        raise ValueError(f"unsupported field name: {field!r}")
    parts = field.split(".")
    return "".join(f"json_type(doc, '$.{'.'.join(parts[:i])}'), " for i in range(1, len(parts))) + f"doc -> '$.{field}'"


def _include(out: dict, doc: Mapping, path: str) -> None:
    """Copy ``path`` of ``doc`` into ``out`` as a MongoDB inclusion projection does: each document on the way is
    kept (empty when the path ends inside it); a value that is not a document ends the path."""
    *parents, leaf = path.split(".")
    for part in parents:
        doc = doc.get(part)
        if not isinstance(doc, Mapping):
            return
        out = out.setdefault(part, {})
    if leaf in doc:
        out[leaf] = doc[leaf]


def _projector(projection: Mapping[str, Any] | list | None):
    """(fields to select or None for the whole document, include _id?, exclusions)."""
    if projection is None:
        return None, True, ()
    if isinstance(projection, list | tuple):
        projection = {f: 1 for f in projection}
    include_id = bool(projection.get("_id", 1))
    rest = {k: v for k, v in projection.items() if k != "_id"}
    if not rest:
        return ([] if include_id else None), include_id, ()
    if all(bool(v) for v in rest.values()):
        return list(rest), include_id, ()
    if not any(bool(v) for v in rest.values()):
        return None, include_id, tuple(rest)
    raise ValueError("a projection either includes or excludes fields")


# --- results -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class InsertOneResult:
    inserted_id: Any
    acknowledged: bool = True


@dataclass(frozen=True)
class InsertManyResult:
    inserted_ids: list
    acknowledged: bool = True


@dataclass(frozen=True)
class UpdateResult:
    matched_count: int
    modified_count: int
    upserted_id: Any = None
    acknowledged: bool = True


@dataclass(frozen=True)
class DeleteResult:
    deleted_count: int
    acknowledged: bool = True


class ReturnDocument:
    BEFORE = False
    AFTER = True


# --- the store ------------------------------------------------------------------------------------

@contextmanager
def _sqlite_errors():
    try:
        yield
    except sqlite3.IntegrityError as exc:
        raise DuplicateKeyError(f"duplicate key: {exc}") from None
    except sqlite3.OperationalError as exc:
        raise OperationFailure(f"the embedded database cannot do this now: {exc}") from exc
    except sqlite3.DatabaseError as exc:
        raise OperationFailure(f"the embedded database failed: {exc}") from exc


class Database:
    """One sqlite file as a database of collections (``db.users``, ``db["users"]``)."""

    def __init__(self, path: str | os.PathLike, name: str = "interviewer", busy_timeout_ms: int = 15_000,
                 synchronous: str = "NORMAL"):
        self.path = str(path)
        self.name = name
        self.busy_timeout_ms = busy_timeout_ms
        if synchronous.upper() not in ("NORMAL", "FULL", "EXTRA"):
            raise ValueError("synchronous is NORMAL, FULL or EXTRA")
        self.synchronous = synchronous.upper()
        self._local = threading.local()
        self._tables: set[str] = set()
        self._pid = os.getpid()
        self._collections: dict[str, Collection] = {}
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        with _sqlite_errors():
            self._writer().execute("PRAGMA journal_mode=WAL")

    def _connect(self) -> sqlite3.Connection:
        with _sqlite_errors():  # opened on a thread's first read or write: "unable to open" is a failure too
            conn = sqlite3.connect(self.path, timeout=self.busy_timeout_ms / 1000, isolation_level=None)
            conn.execute(f"PRAGMA busy_timeout={int(self.busy_timeout_ms)}")
            conn.execute(f"PRAGMA synchronous={self.synchronous}")
        conn.create_function("regexp", 3, _regexp, deterministic=True)
        return conn

    def _conns(self) -> dict[str, sqlite3.Connection]:
        if self._pid != os.getpid():  # a forked child opens its own connections
            self._pid, self._local, self._tables = os.getpid(), threading.local(), set()
        conns = getattr(self._local, "conns", None)
        if conns is None:
            conns = self._local.conns = {}
        return conns

    def _readers(self) -> list[sqlite3.Connection]:
        """This thread's read connections that no cursor being iterated holds."""
        self._conns()
        readers = getattr(self._local, "readers", None)
        if readers is None:
            readers = self._local.readers = []
        return readers

    def _reader(self) -> sqlite3.Connection:
        """A read connection of this thread, for a statement read to its end at once (a count, a plan)."""
        readers = self._readers()
        if not readers:
            readers.append(self._connect())
        return readers[-1]

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        """A read connection of this thread, held while a cursor is iterated: its open statement keeps its
        snapshot, so the thread's other reads meanwhile use another connection and see its later writes."""
        readers = self._readers()
        conn = readers.pop() if readers else self._connect()
        try:
            yield conn
        finally:
            readers.append(conn)

    def _writer(self) -> sqlite3.Connection:
        conns = self._conns()
        if "w" not in conns:
            conns["w"] = self._connect()
        return conns["w"]

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (``BEGIN IMMEDIATE``: the file's write lock, across processes)."""
        conn = self._writer()
        with _sqlite_errors():
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                # sqlite has already rolled back after some errors (disk full, I/O): a ROLLBACK then would fail
                # and hide the cause; a failed COMMIT leaves the transaction open, and this connection with it.
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    def ensure_table(self, name: str) -> str:
        table = "c_" + name
        self._conns()
        if table not in self._tables:
            with _sqlite_errors():
                self._writer().execute(
                    f'CREATE TABLE IF NOT EXISTS "{table}" (id NOT NULL UNIQUE, doc TEXT NOT NULL)')
            self._tables.add(table)
        return table

    def __getattr__(self, name: str) -> Collection:
        if name.startswith("_"):
            raise AttributeError(name)
        return self[name]

    def __getitem__(self, name: str) -> Collection:
        if not _NAME.match(name):
            raise ValueError(f"bad collection name: {name!r}")
        if name not in self._collections:
            self._collections[name] = Collection(self, name)
        return self._collections[name]

    def list_collection_names(self) -> list[str]:
        with _sqlite_errors():
            rows = self._reader().execute("SELECT name FROM sqlite_master WHERE type='table' AND name LIKE 'c\\_%' "
                                          "ESCAPE '\\'").fetchall()
        return sorted(r[0][2:] for r in rows)

    def drop_collection(self, name: str) -> None:
        self[name].drop()

    def backup_to(self, path: str | os.PathLike) -> None:
        """A consistent copy of the whole database in the file ``path`` (sqlite's online backup)."""
        target = sqlite3.connect(str(path))
        try:
            with _sqlite_errors():
                self._reader().backup(target)
        finally:
            target.close()

    def close(self) -> None:
        """Close this thread's connections (others close when their threads end)."""
        for conn in [*self._conns().values(), *self._readers()]:
            conn.close()
        self._local.conns, self._local.readers = {}, []


class Cursor:
    """The rows of a ``find``: sort, skip and limit run in SQL; rows are decoded as iterated."""

    def __init__(self, collection: Collection, filt: Mapping | None, projection: Any = None):
        self._col = collection
        self.filter = dict(filt or {})
        self._where, self._params = compile_filter(filt)
        self._fields, self._include_id, self._exclude = _projector(projection)
        self.sort_spec: list[tuple[str, int]] = []
        self._skip = 0
        self._limit = 0

    def sort(self, key: Any, direction: int | None = None) -> Cursor:
        self.sort_spec = _sort_spec(key, direction)
        return self

    def skip(self, n: int) -> Cursor:
        self._skip = max(0, int(n))
        return self

    def limit(self, n: int) -> Cursor:
        self._limit = max(0, int(n))
        return self

    def batch_size(self, n: int) -> Cursor:
        return self

    def sql(self) -> tuple[str, list[Any]]:
        """The SELECT this cursor runs, with its parameters (``explain`` reads its plan)."""
        fields = self._fields
        columns = "id" + ("" if fields is None else "".join(f", {_path_columns(f)}" for f in fields)) \
            + (", doc" if fields is None else "")
        sql = f'SELECT {columns} FROM "{self._col.table}" WHERE {self._where}{_order_by(self.sort_spec)}'
        if self._limit or self._skip:
            sql += f" LIMIT {self._limit or -1} OFFSET {self._skip}"
        return sql, list(self._params)

    def _row(self, row: tuple) -> dict:
        fields = self._fields
        if fields is None:
            doc = decode_json(row[1])
            for name in self._exclude:
                parent, leaf = _parent(doc, name, create=False)
                if parent is not None:
                    parent.pop(leaf, None)
        else:
            doc = {}
            values = iter(row[1:])
            for name in fields:
                *parents, leaf = name.split(".")
                kinds = [next(values) for _ in parents]
                text, target = next(values), doc
                for part, kind in zip(parents, kinds):
                    if kind != "object":  # as in MongoDB: a value that is not a document ends the path
                        break
                    target = target.setdefault(part, {})  # a document on the way is kept, empty if need be
                else:
                    if text is not None:
                        target[leaf] = decode_json(text)
        if self._include_id:
            doc = {"_id": _decode_id(row[0]), **doc}
        return doc

    def __iter__(self) -> Iterator[dict]:
        sql, params = self.sql()
        with self._col.db._reading() as conn:
            with _sqlite_errors():
                cur = conn.execute(sql, params)
            try:
                while True:
                    with _sqlite_errors():
                        rows = cur.fetchmany(BATCH)
                    if not rows:
                        return
                    for row in rows:
                        yield self._row(row)
            finally:
                cur.close()  # an open statement would pin this connection's snapshot


class Collection:
    """A collection: the pymongo methods the repositories call, with the same results and errors."""

    def __init__(self, db: Database, name: str):
        self.db = db
        self.name = name

    @property
    def table(self) -> str:
        return self.db.ensure_table(self.name)

    # --- reads

    def find(self, filter: Mapping | None = None, projection: Any = None) -> Cursor:  # noqa: A002
        return Cursor(self, filter, projection)

    def find_one(self, filter: Mapping | None = None, projection: Any = None, sort: Any = None) -> dict | None:  # noqa: A002
        cursor = self.find(filter, projection).limit(1)
        if sort:
            cursor.sort(sort)
        return next(iter(cursor), None)

    def count_documents(self, filter: Mapping | None = None) -> int:  # noqa: A002
        where, params = compile_filter(filter)
        with _sqlite_errors():
            return self.db._reader().execute(f'SELECT COUNT(*) FROM "{self.table}" WHERE {where}', params).fetchone()[0]

    def estimated_document_count(self) -> int:
        return self.count_documents({})

    def explain(self, filter: Mapping | None = None, sort: Any = None, count: bool = False) -> list[str]:  # noqa: A002
        """sqlite's query plan for a find (or a count): lines such as ``SEARCH c_users USING INDEX …``."""
        if count:
            where, params = compile_filter(filter)
            sql = f'SELECT COUNT(*) FROM "{self.table}" WHERE {where}'
        else:
            cursor = self.find(filter)
            if sort:
                cursor.sort(sort)
            sql, params = cursor.sql()
        with _sqlite_errors():
            conn = self.db._reader()
            # A plan is made from the schema this connection last read; a real read first picks up
            # indexes created since by another connection (a migration).
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql, params)]

    # --- writes

    def insert_one(self, document: dict) -> InsertOneResult:
        """Insert; DuplicateKeyError on a taken ``_id`` or unique field. Sets ``document['_id']``."""
        if "_id" not in document:
            document["_id"] = ObjectId()
        key = _dumps_id(document["_id"])
        body = _dumps({k: v for k, v in document.items() if k != "_id"})
        with self.db.write() as conn:
            conn.execute(f'INSERT INTO "{self.table}" (id, doc) VALUES (?, ?)', (key, body))
        return InsertOneResult(document["_id"])

    def insert_many(self, documents: list[dict]) -> InsertManyResult:
        """Insert all in one transaction: all or none (DuplicateKeyError leaves none)."""
        rows = []
        for document in documents:
            if "_id" not in document:
                document["_id"] = ObjectId()
            rows.append((_dumps_id(document["_id"]), _dumps({k: v for k, v in document.items() if k != "_id"})))
        with self.db.write() as conn:
            conn.executemany(f'INSERT INTO "{self.table}" (id, doc) VALUES (?, ?)', rows)
        return InsertManyResult([d["_id"] for d in documents])

    def _update(self, filt: Mapping | None, update: Mapping, many: bool, sort: Any = None,
                upsert: bool = False, want_docs: bool = False) -> tuple[int, int, dict | None, dict | None]:
        if upsert:
            raise NotImplementedError("upsert is not supported: insert and catch DuplicateKeyError")
        check_update(update)
        where, params = compile_filter(filt)
        order = _order_by(_sort_spec(sort) if sort else None)
        limit = "" if many else " LIMIT 1"
        if not want_docs and set(update) == {"$set"} and all("." not in f for f in update["$set"]):
            return self._set_in_sql(where, params, order + limit, update["$set"])
        matched = modified = 0
        before = after = None
        with self.db.write() as conn:
            sql = f'SELECT id, doc FROM "{self.table}" WHERE {where}{order}{limit}'
            for key, text in conn.execute(sql, params).fetchall():
                matched += 1
                old = decode_json(text)
                new = apply_update(decode_json(text), update)
                body = _dumps(new)
                if body != _dumps(old):  # compared as stored: 1 -> 1.0 or True is a change, as in MongoDB
                    conn.execute(f'UPDATE "{self.table}" SET doc = ? WHERE id = ?', (body, key))
                    modified += 1
                if want_docs:  # as stored (datetimes to the millisecond, tuples as lists), as MongoDB returns it
                    _id = _decode_id(key)
                    before, after = {"_id": _id, **old}, {"_id": _id, **decode_json(body)}
        return matched, modified, before, after

    def _set_in_sql(self, where: str, params: list, tail: str, fields: Mapping[str, Any]) -> tuple[int, int, None, None]:
        """``$set`` of top-level fields done by sqlite's ``json_set``: the document is never decoded
        here, so the cost does not grow with its size (an interview's embedded questions)."""
        setter = "json_set(doc, " + ", ".join(f"'$.{f}', json(?)" for f in fields) + ")"
        values = [_dumps(v) for v in fields.values()]
        with self.db.write() as conn:
            keys = [row[0] for row in conn.execute(f'SELECT id FROM "{self.table}" WHERE {where}{tail}', params)]
            modified = 0
            for key in keys:
                modified += conn.execute(f'UPDATE "{self.table}" SET doc = {setter} WHERE id = ? AND doc IS NOT {setter}',
                                         [*values, key, *values]).rowcount
        return len(keys), modified, None, None

    def update_one(self, filter: Mapping, update: Mapping, upsert: bool = False) -> UpdateResult:  # noqa: A002
        matched, modified, _, _ = self._update(filter, update, many=False, upsert=upsert)
        return UpdateResult(matched, modified)

    def update_many(self, filter: Mapping, update: Mapping, upsert: bool = False) -> UpdateResult:  # noqa: A002
        matched, modified, _, _ = self._update(filter, update, many=True, upsert=upsert)
        return UpdateResult(matched, modified)

    def find_one_and_update(self, filter: Mapping, update: Mapping, projection: Any = None, sort: Any = None,  # noqa: A002
                            return_document: bool = ReturnDocument.BEFORE, upsert: bool = False) -> dict | None:
        """Update the first match and return it as it was (or, with ``ReturnDocument.AFTER``, as it is now)."""
        _, _, before, after = self._update(filter, update, many=False, sort=sort, upsert=upsert, want_docs=True)
        doc = after if return_document else before
        if doc is None or projection is None:
            return doc
        fields, include_id, exclude = _projector(projection)
        if fields is not None:
            out = {}
            for name in fields:
                _include(out, doc, name)
        else:
            out = dict(doc)
            for name in exclude:  # dotted ones too, as in a find
                parent, leaf = _parent(out, name, create=False)
                if parent is not None:
                    parent.pop(leaf, None)
        if include_id:
            out = {"_id": doc["_id"], **out}
        else:
            out.pop("_id", None)
        return out

    def delete_one(self, filter: Mapping) -> DeleteResult:  # noqa: A002
        where, params = compile_filter(filter)
        with self.db.write() as conn:
            cur = conn.execute(f'DELETE FROM "{self.table}" WHERE id IN '
                               f'(SELECT id FROM "{self.table}" WHERE {where} LIMIT 1)', params)
        return DeleteResult(cur.rowcount)

    def delete_many(self, filter: Mapping) -> DeleteResult:  # noqa: A002
        where, params = compile_filter(filter)
        with self.db.write() as conn:
            cur = conn.execute(f'DELETE FROM "{self.table}" WHERE {where}', params)
        return DeleteResult(cur.rowcount)

    def drop(self) -> None:
        with self.db.write() as conn:
            conn.execute(f'DROP TABLE IF EXISTS "c_{self.name}"')
        self.db._tables.discard("c_" + self.name)

    # --- indexes

    def create_index(self, keys: Any, unique: bool = False, name: str | None = None) -> str:
        """An expression index over the fields (``"field"`` or ``[(field, ±1), …]``); returns its name.

        Raises DuplicateKeyError when ``unique`` and existing documents already collide.
        """
        spec = _sort_spec(keys)
        name = name or "_".join(f"{f}_{d}" for f, d in spec)
        index = f"ix_{self.name}_{re.sub(r'[^A-Za-z0-9_]', '_', name)}"
        columns = ", ".join(f"{_expr(f)}{' DESC' if d == DESCENDING else ''}" for f, d in spec)
        with self.db.write() as conn:
            conn.execute(f'CREATE {"UNIQUE " if unique else ""}INDEX IF NOT EXISTS "{index}" '
                         f'ON "{self.table}" ({columns})')
        return name

    def drop_index(self, name: str) -> None:
        index = f"ix_{self.name}_{re.sub(r'[^A-Za-z0-9_]', '_', name)}"
        with self.db.write() as conn:
            conn.execute(f'DROP INDEX IF EXISTS "{index}"')

    def index_information(self) -> dict[str, dict]:
        prefix = f"ix_{self.name}_"
        with _sqlite_errors():
            rows = self.db._reader().execute(
                "SELECT name, sql FROM sqlite_master WHERE type='index' AND tbl_name=?", (self.table,)).fetchall()
        info = {"_id_": {"key": [("_id", ASCENDING)], "unique": True}}
        for index, sql in rows:
            if index.startswith(prefix):
                columns = sql[sql.index("(", sql.index(" ON ")):]
                key = [(field or "_id", DESCENDING if desc else ASCENDING) for field, desc in
                       re.findall(r"(?:json_extract\(doc, '\$\.([A-Za-z0-9_.]+)'\)|\bid\b)( DESC)?", columns)]
                info[index[len(prefix):]] = {"key": key, "unique": sql.startswith("CREATE UNIQUE")}
        return info


def _dumps_id(value: Any) -> Any:
    """The ``id`` column's value: the encoded scalar itself, so ``id = ?`` compares like a filter."""
    if isinstance(value, Mapping | list | tuple) or value is None:
        raise TypeError("an _id is a scalar")
    return _param(value)


def _decode_id(value: Any) -> Any:
    return _decode_str(value) if type(value) is str and value[:1] == TAG else value
