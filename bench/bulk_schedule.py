"""Bulk scheduling benchmark: one HTTP request schedules N candidates from an interview template.

    python bench/bulk_schedule.py [--sizes 1,50,200] [--questions 8] [--reps 3] [--keep]

Seeds one HR user with max(sizes) × reps assigned candidates and a template of `--questions`
questions over three competencies, in a fresh embedded store (the default backend) in a temporary
folder, mail queued only (MAIL_SENDER=manual). For each size it posts the bulk form
(POST /hr/templates/<id>/schedule, through the Flask test client signed in as the HR user) for N
candidates not scheduled before, `--reps` times, and prints the median: total time, ms per
candidate, and the ratio of ms per candidate to the 1-candidate run of the same process. Each
created interview is the same work as the single path (invitation queued, one response per
question, the interview, its audit event), so the per-candidate cost is what scales.
The target (issue 14): 200 candidates in at most 10 s. Run by ``make bench``; never by ``make test``.
"""
from __future__ import annotations

import argparse
import re
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from interviewer import create_app  # noqa: E402
from interviewer.db import get_db, get_repos  # noqa: E402
from interviewer.migrate import upgrade  # noqa: E402
from interviewer.services import templates as tpl_service  # noqa: E402
from interviewer.services import users as user_service  # noqa: E402

PASSWORD = "bench-password-9"
TARGET_SECONDS = {200: 10.0}


def seed(app, candidates: int, questions: int):
    """The HR user, `candidates` assigned candidates and a template; returns (hr, candidate ids, template)."""
    user_service.HASH_METHOD = "pbkdf2:sha256:1000"  # signing in is not what is measured
    with app.app_context():
        upgrade(get_db())
        repos = get_repos()
        hr = user_service.create_user(repos, "hr@example.com", "HR", PASSWORD, "hr")
        ids = []
        for n in range(candidates):
            made = user_service.create_user(repos, f"cand{n}@example.com", f"Candidate {n}", PASSWORD, "candidate")
            ids.append(user_service.assign(repos, made.id, hr.id).id)
        competencies = [c.id for c in repos.competencies.page(1, 3).items]
        template = tpl_service.create(repos, hr, {
            "name": "Bench", "job_title": "Backend engineer", "job_description": "Python and SQL",
            "competency_ids": competencies, "window_hours": 72,
            "questions": [{"text": f"Question {q + 1}: how would you design part {q + 1}?",
                           "reference_answer": "A reference answer.", "key_points": ["one", "two"],
                           "competency_ids": [competencies[q % len(competencies)]]} for q in range(questions)]},
            datetime.now(UTC))
    return hr, ids, template


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1,50,200")
    parser.add_argument("--questions", type=int, default=8)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    folder = Path(tempfile.mkdtemp(prefix="interviewer-bulk-"))
    try:
        app = create_app({"SECRET_KEY": "bulk-bench", "MONGO_URI": f"sqlite:///{folder / 'interviewer.sqlite3'}",
                          "MONGO_DB": "interviewer", "AI_PROVIDER": "local", "GEMINI_API_KEY": "",
                          "AI_EXECUTOR": "manual", "MAIL_SENDER": "manual", "WTF_CSRF_ENABLED": False})
        needed = sum(sizes) * args.reps
        started = time.perf_counter()
        hr, ids, template = seed(app, needed, args.questions)
        print(f"seeded {needed} candidates and a {args.questions}-question template in "
              f"{time.perf_counter() - started:.1f} s (embedded store, {folder})", file=sys.stderr)
        client = app.test_client()
        assert client.post("/login", data={"email": hr.email, "password": PASSWORD}).status_code == 302
        start = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
        rows, baseline, cursor = [], None, 0
        for size in sizes:
            times = []
            for _ in range(args.reps):
                chosen, cursor = ids[cursor:cursor + size], cursor + size
                form = {"batch_id": tpl_service.new_batch_id(), "tz": "UTC", "starts_at": start,
                        "candidate_ids": chosen}
                t0 = time.perf_counter()
                reply = client.post(f"/hr/templates/{template.id}/schedule", data=form)
                times.append(time.perf_counter() - t0)
                made = re.search(r"(\d+) interviews? scheduled", reply.get_data(as_text=True))
                assert reply.status_code == 201 and made and int(made.group(1)) == size, (reply.status_code, made)
            seconds = statistics.median(times)
            per = seconds * 1000 / size
            baseline = baseline or per
            rows.append((size, seconds, per, per / baseline))
        print(f"{'candidates':>10} | {'time':>8} | {'ms/candidate':>12} | {'× 1-candidate':>13}")
        print(f"{'-' * 10}-+-{'-' * 8}-+-{'-' * 12}-+-{'-' * 13}")
        for size, seconds, per, ratio in rows:
            flag = " !" if size in TARGET_SECONDS and seconds > TARGET_SECONDS[size] else ""
            print(f"{size:>10} | {seconds:>7.2f}s | {per:>12.1f} | {ratio:>13.2f}{flag}")
        print(f"median of {args.reps}; {args.questions} questions per interview; target: 200 candidates ≤ 10 s")
    finally:
        if args.keep:
            print(f"kept {folder}", file=sys.stderr)
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
