"""The one module that knows how to reach the database.

`MONGO_URI` picks the backend (DESIGN.md §2):
  mongodb://… or mongodb+srv://…  pymongo, a real MongoDB (production, several app hosts)
  unset                          the embedded store (interviewer.sqlitestore) in instance/interviewer.sqlite3
  sqlite:///path/to/file.sqlite3  the same in a file of your choice (relative path; ``sqlite:////abs/path``
                                 for an absolute one); ``?synchronous=full`` also survives power loss
  mongomock://                   mongomock, in memory (fast tests)
  tinymongo:///some/folder       the first wave's embedded store, kept to read old data (``flask db copy``)
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from flask import Flask, current_app

_EXT = "interviewer.db"


def connect(uri: str, db_name: str, instance_path: str) -> Any:
    """Open a client for `uri` and return its database handle (ValueError for an unknown scheme)."""
    backend = backend_name(uri)
    if backend == "mongodb":
        import pymongo
        from pymongo.write_concern import WriteConcern

        client = pymongo.MongoClient(uri, serverSelectionTimeoutMS=5000)
        return client.get_database(db_name, write_concern=WriteConcern("majority"))
    if backend == "mongomock":
        import mongomock

        return mongomock.MongoClient()[db_name]
    if backend == "sqlite":
        from .sqlitestore import Database

        path, options = sqlite_location(uri, instance_path)
        return Database(path, db_name, **options)
    import tinymongo

    folder = uri[len("tinymongo://"):] if uri else str(Path(instance_path) / "data")
    Path(folder).mkdir(parents=True, exist_ok=True)
    return tinymongo.TinyMongoClient(folder, backend="sqlite")[db_name]


def backend_name(uri: str) -> str:
    """The backend `uri` selects: mongodb, mongomock, sqlite or tinymongo; ValueError for any other scheme."""
    if uri.startswith(("mongodb://", "mongodb+srv://")):
        return "mongodb"
    if uri.startswith("mongomock://"):
        return "mongomock"
    if uri == "" or uri.startswith("sqlite:///"):
        return "sqlite"
    if uri.startswith("tinymongo://"):
        return "tinymongo"
    raise ValueError(f"MONGO_URI has an unknown scheme: {uri.split(':', 1)[0]!r}")


def sqlite_location(uri: str, instance_path: str) -> tuple[str, dict[str, Any]]:
    """(file path, Database options) of an embedded-store URI; ValueError for an unknown option."""
    if not uri:
        return str(Path(instance_path) / "interviewer.sqlite3"), {}
    rest = uri[len("sqlite:///"):]
    path, _, query = rest.partition("?")
    if not path:
        raise ValueError("MONGO_URI sqlite:/// needs a file path")
    options: dict[str, Any] = {}
    for key, value in parse_qsl(query, strict_parsing=bool(query)):
        if key == "synchronous":
            options["synchronous"] = value
        elif key == "busy_timeout_ms":
            options["busy_timeout_ms"] = int(value)
        else:
            raise ValueError(f"MONGO_URI sqlite: unknown option {key!r}")
    return path, options


def get_db(app: Flask | None = None) -> Any:
    """The database of this app, opened once per process (after a fork, again)."""
    app = app or current_app
    holder = app.extensions.setdefault(_EXT, {})
    if holder.get("pid") != os.getpid():
        holder["db"] = connect(app.config["MONGO_URI"], app.config["MONGO_DB"], app.instance_path)
        holder["pid"] = os.getpid()
        holder.pop("repos", None)
    return holder["db"]


def get_repos(app: Flask | None = None):
    """The repositories over this app's database."""
    from .repositories import Repositories

    app = app or current_app
    db = get_db(app)
    holder = app.extensions[_EXT]
    if "repos" not in holder:
        holder["repos"] = Repositories(db)
    return holder["repos"]
