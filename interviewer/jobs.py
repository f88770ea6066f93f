"""Where AI evaluation jobs run: shared by the HR pages and the JSON API.

Where jobs run is `app.config["AI_EXECUTOR"]`:
    "pool" (default)  a ThreadPoolExecutor of AI_CONCURRENCY workers, created lazily per process
    "inline"          run in the request (tests, or a deployment that prefers it)
    "manual"          only queue; something else runs `services.evaluations.run_job` (tests)
    a callable        called with the response id
`app.config["AI_PROVIDER_OVERRIDE"]` (a provider, or a factory returning one) replaces
`get_provider(config)`; tests use it to inject failing or slow providers.
"""
from __future__ import annotations

import os
import threading
from typing import Any

from flask import Flask

from .ai import get_provider
from .db import get_repos
from .services import evaluations as ev

_EXT = "interviewer.ai_jobs"
_LOCK = threading.Lock()


def provider_for(app: Flask) -> Any:
    """The provider a job uses: the test override, else the one the config names."""
    override = app.config.get("AI_PROVIDER_OVERRIDE")
    if override is not None:
        return override() if callable(override) and not hasattr(override, "evaluate") else override
    return get_provider(app.config)


def job_timeout(app: Flask) -> float:
    return float(app.config.get("AI_JOB_TIMEOUT") or ev.DEFAULT_JOB_TIMEOUT)


def job_runner(app: Flask):
    """`run(response_id)`: one job, in an app context of its own (safe on any thread)."""

    def run(response_id: str):
        with app.app_context():
            return ev.run_job(get_repos(app), response_id, lambda: provider_for(app), timeout=job_timeout(app))

    return run


def pool(app: Flask) -> ev.PoolRunner:
    """This process's worker pool (a forked worker builds its own on first use)."""
    holder = app.extensions.setdefault(_EXT, {})
    with _LOCK:
        if holder.get("pid") != os.getpid():
            holder["runner"] = ev.PoolRunner(int(app.config.get("AI_CONCURRENCY") or 4), job_runner(app))
            holder["pid"] = os.getpid()
        return holder["runner"]


def submitter(app: Flask):
    mode = app.config.get("AI_EXECUTOR") or "pool"
    if callable(mode):
        return mode
    if mode == "inline":
        return job_runner(app)
    if mode == "manual":
        return lambda response_id: None
    return pool(app).submit
