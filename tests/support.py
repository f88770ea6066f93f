"""What every test folder shares: the test accounts' password, the backend a run tests, and
reading the CSRF token out of a page."""
from __future__ import annotations

import os
import re
import uuid
from datetime import timedelta

from bson import ObjectId

PASSWORD = "correct-horse-9"


def backend_uri(folder) -> tuple[str, str]:
    """(MONGO_URI, database name) for the backend this run tests: TEST_MONGO_URI (a real MongoDB,
    a fresh database per call), else TEST_BACKEND=sqlite (the embedded store, a file under ``folder``),
    else mongomock."""
    if os.environ.get("TEST_MONGO_URI"):
        return os.environ["TEST_MONGO_URI"], f"interviewer_test_{uuid.uuid4().hex[:10]}"
    if embedded():
        return sqlite_uri(folder / "db.sqlite3"), "interviewer"
    return "mongomock://", "interviewer"


def embedded() -> bool:
    """Whether this run tests the embedded store (TEST_BACKEND=sqlite)."""
    return os.environ.get("TEST_BACKEND", "mongomock") == "sqlite"


def sqlite_uri(path) -> str:
    """The MONGO_URI of the embedded store in the file ``path`` (absolute)."""
    return f"sqlite:///{path}"


def schedule_form(world, now, **over) -> dict:
    """The schedule form's fields for HR A's candidate, open an hour ago, due in a day, with a draft id of
    its own (what the review page holds); `over` replaces any."""
    data = {
        "draft_id": str(ObjectId()),
        "candidate_id": world["cand_a"].id, "job_title": "Data engineer", "job_description": "SQL and Python",
        "starts_at": (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "deadline": (now + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"), "tz": "UTC",
        "num_questions": "4", "question_source": "default",
    }
    data.update(over)
    return data


def saved(stored: dict) -> dict:
    """``{question_id: answer}`` of the saves applied to an interview's responses (``for_interview``'s
    result): the empty responses created with the interview (seq 0, no answer) are left out."""
    return {q: r.answer for q, r in stored.items() if r.seq or r.answer}


def csrf_token_from(html: str) -> str:
    """The CSRF token of a page: a form's hidden field, else the one in ``hx-headers``."""
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'"X-CSRFToken": "([^"]+)"', html)
    assert match, "no CSRF token in page"
    return match.group(1)


def at_once(n: int, call, refusal: type[BaseException]) -> int:
    """Call `call()` in `n` threads released together by a barrier; returns how many raised `refusal`
    (anything else raised fails the caller's test through the missing count)."""
    import threading

    start, refused = threading.Barrier(n), []

    def one():
        start.wait()
        try:
            call()
        except refusal:
            refused.append(1)

    threads = [threading.Thread(target=one) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(refused)
