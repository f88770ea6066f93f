"""Per-operation cost of the embedded store against the first wave's tinymongo and mongomock.

The operations the repositories send most, on a collection of N documents shaped like responses
(unique index on interview + question, an index on hr_id + score), timed as the median of many
calls in one process. Prints one table with each store's time and its ratio to the embedded store.

    .venv/bin/python bench/store_ops.py [--sizes 1000] [--stores sqlite,tinymongo,mongomock]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from bson import ObjectId
from pymongo.errors import DuplicateKeyError

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from interviewer.db import connect  # noqa: E402

REPEAT = 25


def open_store(kind: str, folder: Path):
    if kind == "sqlite":
        return connect(f"sqlite:///{folder / 'ops.sqlite3'}", "bench", str(folder))
    if kind == "tinymongo":
        return connect(f"tinymongo://{folder / 'tiny'}", "bench", str(folder))
    return connect("mongomock://", "bench", str(folder))


def seed(db, n: int) -> list[ObjectId]:
    col = db.responses
    col.create_index([("interview_id", 1), ("question_id", 1)], unique=True)
    col.create_index([("hr_id", 1), ("score", 1)])
    hrs = [ObjectId() for _ in range(4)]
    ids = []
    for i in range(n):
        doc = {"interview_id": f"i{i // 10}", "question_id": f"q{i % 10}", "hr_id": hrs[i % 4], "seq": 0,
               "answer": "An answer of a few words, as candidates write them. " * 4, "score": i % 11,
               "saved_at": datetime(2026, 1, 1), "ai_evaluation": {"score": (i * 7) % 11}}
        ids.append(col.insert_one(doc).inserted_id)
    return ids


def median_ms(call: Callable[[int], object], repeat: int = REPEAT) -> float:
    times = []
    for k in range(repeat):
        started = time.perf_counter()
        call(k)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def operations(db, n: int, ids: list[ObjectId]) -> dict[str, float]:
    col = db.responses
    fresh = iter(range(10**9))

    def insert_unique(_):
        col.insert_one({"interview_id": f"new{next(fresh)}", "question_id": "q0", "seq": 0})

    def duplicate(_):
        try:
            col.insert_one({"interview_id": "i0", "question_id": "q0"})
        except DuplicateKeyError:
            pass

    hr = col.find_one({})["hr_id"]
    return {
        "insert (unique index)": median_ms(insert_unique),
        "insert refused as duplicate": median_ms(duplicate),
        "find_one by _id": median_ms(lambda k: col.find_one({"_id": ids[(k * 37) % n]})),
        "find_one by unique pair": median_ms(lambda k: col.find_one({"interview_id": f"i{k % (n // 10)}", "question_id": "q3"})),
        "update_one by unique pair + seq guard": median_ms(lambda k: col.update_one(
            {"interview_id": f"i{k % (n // 10)}", "question_id": "q1", "seq": {"$lt": 10**9}},
            {"$set": {"answer": f"text {k}", "seq": k + 1}})),
        "find + sort + limit 20 on an index": median_ms(lambda k: list(
            col.find({"hr_id": hr}).sort([("score", -1)]).limit(20))),
        "count on an index": median_ms(lambda k: col.count_documents({"hr_id": hr, "score": {"$gte": 5}})),
        "_id $in 50 ids": median_ms(lambda k: list(col.find({"_id": {"$in": ids[k:k + 50]}}))),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000")  # tinymongo inserts slow down as it grows: seeding more takes long
    parser.add_argument("--stores", default="sqlite,tinymongo,mongomock")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    stores = args.stores.split(",")
    results: dict[tuple[str, int], dict[str, float]] = {}
    for n in sizes:
        for kind in stores:
            with tempfile.TemporaryDirectory() as folder:
                db = open_store(kind, Path(folder))
                started = time.perf_counter()
                ids = seed(db, n)
                print(f"[{kind} {n:,}] seeded in {time.perf_counter() - started:.1f} s", flush=True)
                results[(kind, n)] = operations(db, n, ids)
    names = list(next(iter(results.values())))
    header = f"{'median ms per call':40}" + "".join(f"| {k} {n:>6,} " + " " * max(0, 10 - len(k))
                                                   for n in sizes for k in stores)
    print("-" * len(header))
    print(header)
    print("-" * len(header))
    for name in names:
        cells = []
        for n in sizes:
            base = results[("sqlite", n)][name] if "sqlite" in stores else None
            for kind in stores:
                value = results[(kind, n)][name]
                ratio = f" x{value / base:.0f}" if base and kind != "sqlite" else ""
                cells.append(f"| {value:8.3f}{ratio:<9}")
        print(f"{name:40}" + "".join(cells))
    print("-" * len(header))
    print("ratios: that store's time / the embedded store's (sqlite) at the same size, same run")


if __name__ == "__main__":
    main()
