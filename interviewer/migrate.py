"""Applies the numbered files in migrations/ in order and records each one."""
from __future__ import annotations

import importlib.util
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pymongo.errors import DuplicateKeyError

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.py$")


def available(directory: Path = MIGRATIONS_DIR) -> list[Path]:
    return sorted(p for p in directory.iterdir() if _NAME.match(p.name))


def _load(path: Path):
    spec = importlib.util.spec_from_file_location(f"migrations.{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def upgrade(db: Any, directory: Path = MIGRATIONS_DIR, rerun: bool = False) -> list[str]:
    """Apply every migration not yet recorded (every one, with `rerun`); return the names applied now.

    Each migration is itself idempotent, so two processes racing here do no harm:
    the loser's record insert fails on the unique `_id` and is ignored.
    """
    done = set() if rerun else {doc["_id"] for doc in db.migrations.find({}, {"_id": 1})}
    applied = []
    for path in available(directory):
        if path.stem in done:
            continue
        _load(path).upgrade(db)
        try:
            db.migrations.insert_one({"_id": path.stem, "applied_at": datetime.now(UTC)})
        except DuplicateKeyError:
            pass
        applied.append(path.stem)
    return applied


def copy_collections(source: Any, target: Any, skip: tuple[str, ...] = ("migrations",)) -> dict[str, tuple[int, int]]:
    """Copy every document of every collection of `source` into `target`, `_id`s kept; a document
    whose `_id` or unique field is already in `target` is left as it is there.
    Returns {collection: (copied, already there)}."""
    counts = {}
    for name in source.list_collection_names():
        if name in skip:
            continue
        added = kept = 0
        for doc in source[name].find({}):
            try:
                target[name].insert_one(doc)
                added += 1
            except DuplicateKeyError:
                kept += 1
        counts[name] = (added, kept)
    return counts
