"""API fixtures: one app per test module (an app on the embedded store costs a migration to build) and six actors."""
from __future__ import annotations

import pytest
from api_support import World, build_app, drop
from bson import ObjectId


@pytest.fixture(scope="module")
def api_app(tmp_path_factory):
    app = build_app(tmp_path_factory.mktemp("api"))
    yield app
    drop(app)


@pytest.fixture(scope="module")
def world(api_app) -> World:
    return World(api_app)


@pytest.fixture
def client(api_app):
    return api_app.test_client()


@pytest.fixture
def missing_id() -> str:
    return str(ObjectId())


