"""A store that cannot do a write says so as pymongo's ``OperationFailure`` (which the app answers with 503,
like a lost MongoDB), never as a bare sqlite3 error; nothing half-written remains; the same Database works
again once the cause is gone. Queries outside the supported subset raise NotImplementedError (the cases
are in test_differential: ``test_unsupported_query_operators_raise_not_implemented`` and the update one)."""
from __future__ import annotations

import os
import shutil
import sqlite3
import threading
import time

import pytest
from pymongo.errors import DuplicateKeyError, OperationFailure

from interviewer.sqlitestore import Database, ReturnDocument

BIG = "y" * 20_000


@pytest.fixture
def db(tmp_path):
    store = Database(tmp_path / "store.sqlite3", busy_timeout_ms=100)
    store.items.create_index("key", unique=True)
    store.items.insert_many([{"_id": i, "key": f"k{i}", "n": 0} for i in range(20)])
    yield store
    store.close()


def snapshot(db: Database) -> list[dict]:
    return list(db.items.find({}).sort("_id", 1))


WRITES = {
    "insert_one": lambda c: c.insert_one({"_id": 100, "key": "new"}),
    "insert_many": lambda c: c.insert_many([{"_id": 100 + i, "key": f"new{i}"} for i in range(5)]),
    "update_one": lambda c: c.update_one({"_id": 1}, {"$set": {"n": 1}}),
    "update_one_inc": lambda c: c.update_one({"_id": 1}, {"$inc": {"n": 1}}),
    "update_many": lambda c: c.update_many({}, {"$set": {"n": 5, "body": BIG}}),
    "update_many_dotted": lambda c: c.update_many({}, {"$set": {"a.b": BIG}}),
    "find_one_and_update": lambda c: c.find_one_and_update({"_id": 2}, {"$inc": {"n": 1}},
                                                           return_document=ReturnDocument.AFTER),
    "delete_one": lambda c: c.delete_one({"_id": 3}),
    "delete_many": lambda c: c.delete_many({}),
    "create_index": lambda c: c.create_index("n"),
}


@pytest.mark.parametrize("write", list(WRITES))
def test_a_write_while_another_connection_holds_the_lock_fails_cleanly(db, write):
    before = snapshot(db)
    other = sqlite3.connect(db.path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        started = time.monotonic()
        with pytest.raises(OperationFailure, match="locked"):
            WRITES[write](db.items)
        assert time.monotonic() - started < 5  # the store's busy timeout, not sqlite's default
        assert snapshot(db) == before  # reads still work (WAL), and see nothing of the failed write
        assert db.items.count_documents({"n": 0}) == 20
    finally:
        other.execute("ROLLBACK")
        other.close()
    WRITES[write](db.items)  # the same connection writes again once the lock is gone
    db.items.insert_one({"_id": 999, "key": "after"})
    assert db.items.find_one({"_id": 999}) == {"_id": 999, "key": "after"}


BIG_WRITES = {  # each needs new pages
    "insert_one": lambda c: c.insert_one({"_id": 100, "key": "new", "body": BIG}),
    "insert_many": lambda c: c.insert_many([{"_id": 100 + i, "key": f"new{i}", "body": BIG} for i in range(3)]),
    "update_one": lambda c: c.update_one({"_id": 1}, {"$set": {"body": BIG}}),
    "update_one_dotted": lambda c: c.update_one({"_id": 1}, {"$set": {"a.b": BIG}, "$inc": {"n": 1}}),
    "update_many": lambda c: c.update_many({}, {"$set": {"n": 5, "body": BIG}}),
    "find_one_and_update": lambda c: c.find_one_and_update({"_id": 2}, {"$set": {"body": BIG}},
                                                           return_document=ReturnDocument.AFTER),
}


@pytest.mark.parametrize("write", list(BIG_WRITES))
def test_a_full_disk_fails_with_the_cause_and_leaves_nothing_half_written(db, write):
    """sqlite rolls the transaction back itself after SQLITE_FULL: the store must report "full" (not the
    "cannot rollback" of a second rollback) and keep its connection usable."""
    before = snapshot(db)
    writer = db._writer()
    pages = writer.execute("PRAGMA page_count").fetchone()[0]
    writer.execute(f"PRAGMA max_page_count={pages}")  # what a full disk does to this file
    try:
        with pytest.raises(OperationFailure, match="full"):
            BIG_WRITES[write](db.items)
        assert not writer.in_transaction
        assert snapshot(db) == before
    finally:
        writer.execute("PRAGMA max_page_count=1073741823")
    BIG_WRITES[write](db.items)  # room again: the same connection writes
    assert db.items.count_documents({"$or": [{"body": BIG}, {"a.b": BIG}]}) >= 1


def test_update_many_that_runs_out_of_room_half_way_changes_nothing(db):
    writer = db._writer()
    pages = writer.execute("PRAGMA page_count").fetchone()[0]
    writer.execute(f"PRAGMA max_page_count={pages + 20}")  # room for a few padded documents, not twenty
    try:
        with pytest.raises(OperationFailure, match="full"):
            db.items.update_many({}, {"$set": {"body": BIG}})
        with pytest.raises(OperationFailure, match="full"):
            db.items.insert_many([{"_id": 100 + i, "key": f"new{i}", "body": BIG} for i in range(20)])
        assert db.items.count_documents({"body": {"$exists": True}}) == 0
        assert db.items.count_documents({}) == 20
    finally:
        writer.execute("PRAGMA max_page_count=1073741823")


def test_a_read_only_database_refuses_writes_as_operation_failure(db):
    writer = db._writer()
    writer.execute("PRAGMA query_only=ON")  # what a read-only file or mount does to every write
    try:
        for write in WRITES.values():
            with pytest.raises(OperationFailure, match="readonly|read-only|query_only"):
                write(db.items)
        assert db.items.count_documents({}) == 20
    finally:
        writer.execute("PRAGMA query_only=OFF")
    db.items.insert_one({"_id": 999, "key": "after"})


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to a read-only file anyway")
def test_a_read_only_file_refuses_writes_as_operation_failure(tmp_path):
    store = Database(tmp_path / "ro.sqlite3")
    store.items.insert_one({"_id": 1})
    store.close()
    os.chmod(tmp_path / "ro.sqlite3", 0o444)
    try:
        reopened = Database(tmp_path / "ro.sqlite3")
        with pytest.raises(OperationFailure):
            reopened.items.insert_one({"_id": 2})
        reopened.close()
    except OperationFailure:
        pass  # refused already when opening (WAL needs to write): the same mapping
    finally:
        os.chmod(tmp_path / "ro.sqlite3", 0o644)


def test_a_failed_commit_is_rolled_back_and_does_not_keep_the_lock(db, tmp_path):
    """COMMIT itself can fail (I/O error, disk full while writing the WAL): the transaction then stays open
    on the connection, holding the file's write lock for every process. A deferred foreign key, checked only
    at COMMIT, stands in for that failure here."""
    writer = db._writer()
    writer.executescript("""
        CREATE TABLE parent (id INTEGER PRIMARY KEY);
        CREATE TABLE child (pid INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED);
        CREATE TRIGGER fail_at_commit AFTER INSERT ON c_items WHEN json_extract(new.doc, '$.fail') = 1
        BEGIN INSERT INTO child VALUES (42); END;
    """)
    writer.execute("PRAGMA foreign_keys=ON")
    with pytest.raises((OperationFailure, DuplicateKeyError)):  # sqlite calls it an IntegrityError
        db.items.insert_one({"_id": 100, "key": "doomed", "fail": 1})
    assert not writer.in_transaction
    assert db.items.find_one({"_id": 100}) is None
    other = Database(db.path, busy_timeout_ms=100)  # another process would not be locked out
    other.items.insert_one({"_id": 101, "key": "other"})
    other.close()
    db.items.insert_one({"_id": 102, "key": "same connection"})
    assert db.items.count_documents({"_id": {"$in": [101, 102]}}) == 2


def test_a_file_that_is_not_a_database_is_an_operation_failure(tmp_path):
    path = tmp_path / "junk.sqlite3"
    path.write_bytes(b"this is not a database, it is a text file that happens to be long enough" * 20)
    with pytest.raises(OperationFailure):
        store = Database(path)
        store.items.insert_one({"_id": 1})


def test_a_file_that_cannot_be_opened_any_more_is_an_operation_failure(tmp_path):
    """A thread's first read or write opens its own connection: that failing is a store failure too."""
    store = Database(tmp_path / "gone" / "store.sqlite3")
    store.items.insert_one({"_id": 1})
    shutil.rmtree(tmp_path / "gone")
    raised: list[BaseException] = []

    def other_thread():
        for call in (lambda: list(store.items.find({})), lambda: store.items.count_documents({}),
                     lambda: store.items.insert_one({"_id": 2}), lambda: store.items.find_one({"_id": 1})):
            try:
                call()
            except BaseException as exc:
                raised.append(exc)

    thread = threading.Thread(target=other_thread)
    thread.start()
    thread.join()
    assert [type(e) for e in raised] == [OperationFailure] * 4
    store.close()


def test_nothing_half_written_after_a_duplicate_in_insert_many(db):
    """insert_many is all or none on the store (MongoDB's ordered insert keeps the documents before the
    duplicate: the repositories never rely on either)."""
    with pytest.raises(DuplicateKeyError):
        db.items.insert_many([{"_id": 200, "key": "fresh"}, {"_id": 201, "key": "k3"}, {"_id": 202, "key": "x"}])
    assert db.items.count_documents({"_id": {"$gte": 200}}) == 0
    with pytest.raises(DuplicateKeyError):
        db.items.update_many({"_id": {"$in": [4, 5]}}, {"$set": {"key": "same"}})  # the second collides
    assert db.items.count_documents({"key": "same"}) == 0
    with pytest.raises(DuplicateKeyError):
        db.items.update_one({"_id": 6}, {"$set": {"key": "k7"}})
    assert db.items.find_one({"_id": 6})["key"] == "k6"
