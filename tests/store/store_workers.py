"""What the store's multi-process and kill -9 tests run in their child processes.

Imported by multiprocessing children (so it imports only the store), and run as a script by the crash test:
``python store_workers.py insert|cas|save FILE START`` writes in a loop and prints each acknowledged write
on its own line, flushed, until it is killed.
"""
from __future__ import annotations

import os
import sys
import threading
import time
from typing import Any

if __package__ in (None, ""):  # run as a script: the project root is two folders up
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from pymongo.errors import DuplicateKeyError  # noqa: E402

from interviewer.sqlitestore import Database, ReturnDocument  # noqa: E402

BIG = "x" * 3000  # documents that span pages, so a kill can land inside a write


def prepare(db: Database) -> None:
    """The collections every writer races on."""
    db.items.create_index("key", unique=True)
    db.counters.insert_one({"_id": "c", "n": 0})
    db.cas.insert_one({"_id": "cas", "n": 0, "rev": "start"})
    db.saves.insert_one({"_id": "save", "seq": -1, "text": ""})


def race(db: Database, worker: int, m: int, shared: int, workers: int) -> dict[str, Any]:
    """``m`` rounds of: a distinct insert, an insert of a shared key every worker tries (first ``shared``
    rounds), an ``$inc`` of one counter, a compare-and-set increment (retried until it wins) and an autosave
    (``seq`` guard, sequence numbers unique across workers). Returns what this worker won."""
    won, retries, saves = [], 0, 0
    started = time.time()
    for i in range(m):
        db.items.insert_one({"key": f"w{worker}-{i}", "by": worker})
        if i < shared:
            try:
                db.items.insert_one({"key": f"shared-{i}", "by": worker})
                won.append(i)
            except DuplicateKeyError:
                pass
        db.counters.update_one({"_id": "c"}, {"$inc": {"n": 1}})
        while True:
            seen = db.cas.find_one({"_id": "cas"})
            result = db.cas.update_one({"_id": "cas", "rev": seen["rev"]},
                                       {"$set": {"rev": f"{worker}-{i}", "n": seen["n"] + 1}})
            if result.matched_count == 1:
                break
            retries += 1
        seq = i * workers + worker
        saved = db.saves.find_one_and_update({"_id": "save", "seq": {"$lt": seq}},
                                             {"$set": {"seq": seq, "text": f"text {seq}"}},
                                             return_document=ReturnDocument.AFTER)
        saves += saved is not None
    return {"worker": worker, "won": won, "retries": retries, "saves": saves, "span": (started, time.time())}


def process_main(target: Any, index: int, threads: int, m: int, shared: int, workers: int, barrier: Any,
                 results: Any) -> None:
    """One process: ``threads`` threads racing (``target`` is the database file, or with the fork start
    method the parent's own Database object, which must reopen its connections in the child)."""
    db = Database(target) if isinstance(target, str) else target
    out: list[dict] = []
    errors: list[BaseException] = []

    def run(worker: int) -> None:
        try:
            out.append(race(db, worker, m, shared, workers))
        except BaseException as exc:  # reported to the parent, which fails the test
            errors.append(exc)

    pool = [threading.Thread(target=run, args=(index * threads + t,)) for t in range(threads)]
    barrier.wait(timeout=60)
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    results.put({"index": index, "results": out, "errors": [repr(e) for e in errors]})


def crash_loop(kind: str, path: str, start: int) -> None:
    """Write forever, printing each acknowledged write: ``insert`` prints the inserted number, ``cas`` the
    counter value it set, ``save`` the sequence number it saved."""
    db = Database(path)
    i = start
    while True:
        if kind == "insert":
            db.items.insert_one({"_id": i, "key": f"k{i}", "body": BIG})
            ack = i
        elif kind == "cas":
            seen = db.cas.find_one({"_id": "cas"})
            if db.cas.update_one({"_id": "cas", "rev": seen["rev"]},
                                 {"$set": {"rev": f"r{i}", "n": seen["n"] + 1, "body": BIG}}).matched_count != 1:
                continue
            ack = seen["n"] + 1
        else:
            if db.saves.find_one_and_update({"_id": "save", "seq": {"$lt": i}},
                                            {"$set": {"seq": i, "text": f"text {i}", "body": BIG}}) is None:
                raise SystemExit(f"save {i} lost to an older one")
            ack = i
        print(ack, flush=True)
        i += 1


if __name__ == "__main__":
    crash_loop(sys.argv[1], sys.argv[2], int(sys.argv[3]))
