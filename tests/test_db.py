"""db.py: which backend a MONGO_URI picks, and how the connection is kept."""
from __future__ import annotations

import pytest

from interviewer import create_app, db


@pytest.mark.parametrize(("uri", "backend"), [
    ("mongodb://localhost:27017", "mongodb"),
    ("mongodb://user:pw@a,b,c/?replicaSet=rs0", "mongodb"),
    ("mongodb+srv://cluster0.example.net", "mongodb"),
    ("mongomock://", "mongomock"),
    ("mongomock://anything", "mongomock"),
    ("", "sqlite"),
    ("sqlite:///instance/app.sqlite3", "sqlite"),
    ("sqlite:////var/lib/interviewer/app.sqlite3?synchronous=full", "sqlite"),
    ("tinymongo:///var/lib/interviewer", "tinymongo"),
    ("tinymongo://relative/folder", "tinymongo"),
])
def test_backend_name(uri, backend):
    assert db.backend_name(uri) == backend


UNKNOWN = ["redis://localhost", "postgres://db/x", "sqlite://x.db", "sqlite:/x.db", "mongodb:/typo", "mongomock:", "tinymongo:/x",
           "http://example.com", "localhost:27017", "mongo://localhost"]


@pytest.mark.parametrize("uri", UNKNOWN)
def test_unknown_scheme_is_a_value_error(uri, tmp_path):
    with pytest.raises(ValueError, match="unknown scheme"):
        db.backend_name(uri)
    with pytest.raises(ValueError, match="unknown scheme"):
        db.connect(uri, "x", str(tmp_path))


def test_unknown_scheme_fails_on_first_use_of_the_app(tmp_path):
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "MONGO_URI": "redis://localhost"})
    with app.app_context(), pytest.raises(ValueError):
        db.get_db()


def test_tinymongo_uri_creates_its_folder(tmp_path):
    folder = tmp_path / "deep" / "er" / "data"
    handle = db.connect(f"tinymongo://{folder}", "interviewer", str(tmp_path / "instance"))
    assert folder.is_dir()
    handle.things.insert_one({"k": 1})
    assert handle.things.find_one({"k": 1})["k"] == 1
    assert not (tmp_path / "instance").exists()


def test_default_uri_is_the_embedded_store_under_instance(tmp_path):
    handle = db.connect("", "interviewer", str(tmp_path / "instance"))
    handle.things.insert_one({"k": 1})
    assert (tmp_path / "instance" / "interviewer.sqlite3").is_file()
    assert handle.things.count_documents({}) == 1


def test_sqlite_uri_takes_a_path_and_options(tmp_path):
    path = tmp_path / "sub" / "app.sqlite3"
    handle = db.connect(f"sqlite:///{path}?synchronous=full&busy_timeout_ms=500", "interviewer", str(tmp_path))
    handle.things.insert_one({"k": "kept"})
    assert path.is_file()
    assert (handle.synchronous, handle.busy_timeout_ms) == ("FULL", 500)
    assert db.connect(f"sqlite:///{path}", "interviewer", str(tmp_path)).things.find_one({})["k"] == "kept"


@pytest.mark.parametrize("uri", ["sqlite:///", "sqlite:///x.db?fast=yes", "sqlite:///x.db?synchronous=off"])
def test_bad_sqlite_uri_is_a_value_error(uri, tmp_path):
    with pytest.raises(ValueError):
        db.connect(uri, "x", str(tmp_path))


def test_tinymongo_data_outlives_the_connection(tmp_path):
    uri = f"tinymongo://{tmp_path / 'data'}"
    db.connect(uri, "interviewer", str(tmp_path)).things.insert_one({"k": "kept"})
    assert db.connect(uri, "interviewer", str(tmp_path)).things.find_one({})["k"] == "kept"


def test_mongodb_uses_majority_write_concern_without_connecting(tmp_path):
    handle = db.connect("mongodb://127.0.0.1:1", "interviewer", str(tmp_path))  # lazily connects: no server needed
    try:
        assert handle.name == "interviewer"
        assert handle.write_concern.document == {"w": "majority"}
    finally:
        handle.client.close()


def test_mongomock_database_name(tmp_path):
    assert db.connect("mongomock://", "other", str(tmp_path)).name == "other"


def test_get_db_is_opened_once_per_process(app, monkeypatch):
    with app.app_context():
        first = db.get_db()
        repos = db.get_repos()
        assert db.get_db() is first
        assert db.get_repos() is repos
        assert repos.db is first

        # After a fork the child must open its own client (pymongo clients are not fork-safe).
        monkeypatch.setattr(db.os, "getpid", lambda: -1)
        second = db.get_db()
        assert second is not first
        assert db.get_repos() is not repos
        assert db.get_repos().db is second


def test_get_db_accepts_an_explicit_app(app):
    with app.app_context():
        inside = db.get_db()
    assert db.get_db(app) is inside
