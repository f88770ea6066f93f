"""Several processes (and threads) writing to one embedded-store file at once lose nothing (DESIGN.md §2):
every distinct insert is there and each shared key has exactly one winner, every ``$inc`` counts, every
compare-and-set increment counts once, and the autosave ``seq`` guard keeps the newest save.

Each process opens its own Database on the file (spawn); with fork, children use the parent's own Database
object, opened and written to before the fork, which must reopen its connections in the child."""
from __future__ import annotations

import multiprocessing
import queue
import sqlite3
import threading
import time

import pytest
import store_workers

from interviewer.sqlitestore import Database

M = 200  # rounds per worker: 4 workers x 200 rounds x 5 writes (and the retries) take about a second
SHARED = 40  # keys every worker tries to insert


def run_race(tmp_path, start_method: str, processes: int, threads: int) -> tuple[Database, list[dict]]:
    ctx = multiprocessing.get_context(start_method)
    path = str(tmp_path / "race.sqlite3")
    db = Database(path)
    store_workers.prepare(db)
    workers = processes * threads
    barrier, results = ctx.Barrier(processes), ctx.Queue()
    target = db if start_method == "fork" else path
    children = [ctx.Process(target=store_workers.process_main,
                            args=(target, index, threads, M, SHARED, workers, barrier, results))
                for index in range(processes)]
    for child in children:
        child.start()
    reports = [results.get(timeout=120) for _ in children]
    for child in children:
        child.join(timeout=30)
        assert child.exitcode == 0
    assert [r["errors"] for r in reports] == [[]] * processes
    return db, [r for report in reports for r in report["results"]]


def check(db: Database, results: list[dict], workers: int) -> None:
    assert sorted(r["worker"] for r in results) == list(range(workers))
    # they did write at the same time: every worker started before any finished
    assert max(r["span"][0] for r in results) < min(r["span"][1] for r in results)
    # (a) every distinct insert is there, and each shared key has exactly one winner, the one told it won
    for worker in range(workers):
        assert db.items.count_documents({"by": worker, "key": {"$regex": f"^w{worker}-"}}) == M
    winners = {i: r["worker"] for r in results for i in r["won"]}
    assert sorted(winners) == list(range(SHARED))
    assert sum(len(r["won"]) for r in results) == SHARED
    for i, worker in winners.items():
        assert db.items.find_one({"key": f"shared-{i}"}, {"by": 1, "_id": 0}) == {"by": worker}
    assert db.items.count_documents({}) == workers * M + SHARED
    # (b) no lost increment
    assert db.counters.find_one({"_id": "c"})["n"] == workers * M
    # (c) no lost compare-and-set: each success counted exactly once
    assert db.cas.find_one({"_id": "cas"})["n"] == workers * M
    # the seq guard: the newest save is the one stored, whatever order they arrived in
    last = M * workers - 1
    assert db.saves.find_one({"_id": "save"}) == {"_id": "save", "seq": last, "text": f"text {last}"}
    assert sum(r["saves"] for r in results) >= M  # each worker's own saves are increasing; many win
    conn = sqlite3.connect(db.path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        conn.close()


# Python 3.12+ warns when forking a process that has threads (another test's may still run): the children
# here only use the store, which reopens its connections after a fork.
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
@pytest.mark.parametrize("start_method", ["spawn", "fork"])
def test_four_processes_writing_at_once_lose_nothing(tmp_path, start_method):
    started = time.monotonic()
    db, results = run_race(tmp_path, start_method, processes=4, threads=1)
    check(db, results, workers=4)
    assert time.monotonic() - started < 30
    db.close()


def test_two_processes_of_four_threads_lose_nothing(tmp_path):
    db, results = run_race(tmp_path, "spawn", processes=2, threads=4)
    check(db, results, workers=8)
    db.close()


def test_threads_of_one_process_share_a_database_and_lose_nothing(tmp_path):
    """gunicorn's threads share one Database per worker process: one sqlite connection per thread."""
    db = Database(tmp_path / "threads.sqlite3")
    store_workers.prepare(db)
    results: queue.Queue = queue.Queue()
    store_workers.process_main(db, 0, 6, M, SHARED, 6, threading.Barrier(1), results)
    report = results.get_nowait()
    assert report["errors"] == []
    check(db, report["results"], workers=6)
    db.close()
