"""Scale benchmark: every page, export and autosave at 100 / 1,000 / 10,000 interviews (issue 9).

    python bench/scale.py [--sizes 100,1000,10000] [--backends embedded,mongomock] [--quick] [--no-http]
                          [--reps 7] [--size-timeout 900] [--http-timeout 900] [--seed 9] [--keep]

For each size N it seeds N interviews (10 questions each, mixed states, ~10 answers each for the
started ones, HR and AI scores on part of the finished ones) and 2·N users (2 admins, 4 HR users,
the rest candidates; the timed HR user owns half of them), all through the app's own services
(``services.users``, ``services.interviews``, ``services.evaluations``), into a fresh embedded
store in a temporary folder. mongomock gets a copy of the very documents the services wrote:
it checks unique indexes by scanning the collection on every insert and update, so seeding
100,000 responses through it would be quadratic.

Then, per size and backend, with the Flask test client signed in as each role, it times each
page and API call (p50 of ``--reps`` after one warm-up) and prints one table: the time at each
size, and the ratio largest ÷ smallest size. Cells that miss a target of the issue carry a ``!``.
Without ``--no-http`` it then serves the largest embedded database with ``make run``'s gunicorn
settings (2 workers × 4 threads, 127.0.0.1 only) and runs an autosave load (paced and burst)
beside a bare Flask app, and checks in the database that no acknowledged save was lost.
``--quick`` is sizes 100,1000 with a short load. Run by ``make bench``; never by ``make test``.
"""
from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from interviewer import create_app  # noqa: E402
from interviewer import db as dbmod  # noqa: E402
from interviewer.ai.types import CriterionScore, Evaluation  # noqa: E402
from interviewer.migrate import upgrade  # noqa: E402
from interviewer.models import CANCELLED, COMPLETED, EVALUATED, IN_PROGRESS, SCHEDULED  # noqa: E402
from interviewer.services import evaluations as ev  # noqa: E402
from interviewer.services import interviews as svc  # noqa: E402
from interviewer.services import panels, reliability  # noqa: E402
from interviewer.services import users as user_service  # noqa: E402

PASSWORD = "bench-password-9"
SECRET_KEY = "scale-bench-secret"
QUESTIONS = 10
JOB_TITLES = ("Backend engineer", "Frontend engineer", "Data engineer", "Site reliability engineer",
              "Product manager", "QA engineer", "Support engineer", "Engineering manager")
FIRST = ("Ada", "Alan", "Grace", "Edsger", "Barbara", "Donald", "Margaret", "Ken", "Frances", "Dennis",
         "Radia", "Tim", "Sophie", "Linus", "Hedy", "John", "Karen", "Niklaus", "Jean", "Bjarne")
LAST = ("Lovelace", "Turing", "Hopper", "Dijkstra", "Liskov", "Knuth", "Hamilton", "Thompson", "Allen",
        "Ritchie", "Perlman", "Berners", "Wilson", "Torvalds", "Lamarr", "McCarthy", "Jones", "Wirth",
        "Sammet", "Stroustrup")
WORDS = ("the", "service", "index", "query", "cache", "latency", "we", "would", "measure", "first", "then",
         "a", "database", "request", "retry", "because", "users", "team", "deploy", "test", "and", "of",
         "to", "design", "trade-off", "consistency", "throughput", "memory", "profile", "rollback",
         "incident", "monitoring", "schema", "migration", "review", "customer", "priority", "risk")
STATES = ((SCHEDULED, 15), ("missed", 5), (IN_PROGRESS, 20), (COMPLETED, 25), (EVALUATED, 25), (CANCELLED, 10))
HTTP_LOAD_SESSIONS = 100  # the largest paced load: one signed-in candidate each
PANEL_SHARE = 0.3  # of the handed-in interviews, those rated by a panel (the owner and 1-2 other HR users)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- seeding, through the app's services -------------------------------------------------------------

@dataclass
class World:
    """What the timings and the load need from a seeded database."""

    size: int
    admin: str
    hr: str
    candidate: str
    candidate_interview: str
    candidate_questions: list[str]
    load: list[tuple[str, str, list[str]]] = field(default_factory=list)  # (e-mail, interview id, question ids)
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    panel_interview: str = ""  # one the timed HR user rated on a panel (the board is timed)


class FixedProvider:
    """An AI provider that answers at once with a score given in advance (the seed's AI proposals)."""

    name, model = "bench", "fixed"

    def __init__(self, score: float):
        self.score = score

    def evaluate(self, question: str, reference: str, answer: str, key_points=None, competencies=None) -> Evaluation:
        criteria = {c: CriterionScore(score=self.score, reason="seeded") for c in
                    ("correctness", "completeness", "clarity", "relevance")}
        return Evaluation(score=self.score, feedback="Seeded evaluation for the scale benchmark.", criteria=criteria,
                          provider=self.name, model=self.model, prompt_version="bench-1", latency_ms=1)


def embedded_uri(folder: Path) -> str:
    """The MONGO_URI of the embedded default (what an unset MONGO_URI selects), in `folder`."""
    default = dbmod.backend_name("")
    if default == "sqlite":
        return f"sqlite:///{folder / 'interviewer.sqlite3'}"
    if default == "tinymongo":
        return f"tinymongo://{folder}"
    raise SystemExit(f"unknown embedded default {default!r} in interviewer/db.py")


def make_app(uri: str):
    """The app as `make run` builds it, on `uri`, with CSRF on and the offline AI provider."""
    # No e-mail sender thread: the seeding queues an invitation per interview, a backlog no real
    # deployment has at once; rendering it would load the machine while pages are timed.
    return create_app({"SECRET_KEY": SECRET_KEY, "MONGO_URI": uri, "MONGO_DB": "interviewer",
                       "AI_PROVIDER": "local", "GEMINI_API_KEY": "", "AI_EXECUTOR": "manual", "MAIL_SENDER": "manual"})


def answer_text(rng: random.Random, label: str) -> str:
    return label + " " + " ".join(rng.choices(WORDS, k=rng.randint(50, 150))) + "."


def question_sets(repos, rng: random.Random) -> list[list[dict]]:
    """One question list per job title (bank questions, as scheduling drafts them); ids left empty so
    `schedule` gives every interview its own."""
    bank = repos.questions.list(enabled=True)
    sets = []
    for _ in JOB_TITLES:
        picked = rng.sample(bank, min(QUESTIONS, len(bank)))
        sets.append([{**svc.question_from_bank(q).__dict__, "id": ""} for q in picked])
    return sets


def seed(app, size: int, rng: random.Random) -> World:
    """N interviews, 2·N users, answers, HR and AI scores: every write through the services."""
    started = time.perf_counter()
    repos = dbmod.get_repos(app)
    upgrade(dbmod.get_db(app))
    t = datetime.now(UTC).replace(microsecond=0)
    users = 2 * size
    admins = [user_service.create_user(repos, f"admin{i}@bench.example", f"Admin {i}", PASSWORD, "admin")
              for i in range(2)]
    hrs = [user_service.create_user(repos, f"hr{i}@bench.example", f"HR {LAST[i]}", PASSWORD, "hr") for i in range(4)]
    candidates = []
    n_candidates = users - len(admins) - len(hrs)
    for i in range(n_candidates):
        name = f"{FIRST[i % len(FIRST)]} {LAST[(i // len(FIRST)) % len(LAST)]} {i}"
        user = user_service.create_user(repos, f"candidate{i:05d}@bench.example", name, PASSWORD, "candidate")
        # Each has read the AI notice on a first visit (without a choice their pages lead to it).
        repos.users.set_fields(user.id, ai_consent={"version": 0, "human_only": False, "at": t})
        if i % 20 != 19:  # 5 % stay unassigned; the timed HR user (hrs[0]) owns half of all candidates
            hr = hrs[0] if i % 2 == 0 else hrs[1 + i % 3]
            user = user_service.assign(repos, user.id, hr.id)
        candidates.append(user)
        if i and i % 5000 == 0:
            log(f"  seed {size}: {i:,} candidates")
    hr_by_id = {h.id: h for h in hrs}
    assigned = [c for c in candidates if c.hr_id]
    rng.shuffle(assigned)
    sets = question_sets(repos, rng)
    weights = [w for _, w in STATES]
    counts: dict[str, int] = {}
    world = World(size, admins[0].email, hrs[0].email, "", "", [])
    open_owners: set[str] = set()
    for i in range(size):
        state = rng.choices([s for s, _ in STATES], weights)[0]
        candidate = assigned[i % len(assigned)]
        if state == IN_PROGRESS and candidate.id in open_owners:
            state = COMPLETED  # one open interview per candidate, so each load session has its own
        counts[state] = counts.get(state, 0) + 1
        interview = seed_interview(repos, rng, t, state, candidate, hr_by_id[candidate.hr_id], sets, i, hrs)
        if state == IN_PROGRESS:
            open_owners.add(candidate.id)
            if len(world.load) < HTTP_LOAD_SESSIONS:
                world.load.append((candidate.email, interview.id, [q.id for q in interview.questions]))
        if i and i % 1000 == 0:
            log(f"  seed {size}: {i:,} interviews ({time.perf_counter() - started:.0f} s)")
    email, interview_id, qids = next(item for item in world.load
                                     if repos.users.by_email(item[0]).hr_id == hrs[0].id)
    world.candidate, world.candidate_interview, world.candidate_questions = email, interview_id, qids
    rated = repos.panels.page_for_rater(hrs[0].id).items
    world.panel_interview = rated[0].interview_id if rated else ""
    counts["panel ratings"] = repos.panels.col.count_documents({})
    world.counts = counts
    world.seconds = time.perf_counter() - started
    return world


def seed_interview(repos, rng: random.Random, t: datetime, state: str, candidate, hr, sets, i: int, staff: list):
    """One interview taken to `state` the way the app gets there (schedule, saves, submit, panel
    ratings, scores, outcome)."""
    minutes = timedelta(minutes=1)
    if state == SCHEDULED:
        starts = t + timedelta(days=rng.uniform(1, 30))
        created = t
    elif state == IN_PROGRESS:
        starts = t - timedelta(days=rng.uniform(0.1, 2))
        created = starts - timedelta(days=1)
    else:
        starts = t - timedelta(days=rng.uniform(10, 180))
        created = starts - timedelta(days=rng.uniform(0.5, 5))
    deadline = (t + timedelta(days=rng.uniform(2, 7))) if state == IN_PROGRESS else starts + timedelta(days=7)
    n = i % len(JOB_TITLES)
    req = svc.ScheduleRequest(candidate_id=candidate.id, job_title=JOB_TITLES[n],
                              job_description=f"{JOB_TITLES[n]}: Python, SQL, on call, code review.",
                              starts_at=starts, deadline=deadline, num_questions=QUESTIONS,
                              source="default" if n % 2 == 0 else "custom")
    interview = svc.schedule(repos, hr, req, sets[n], created)
    if state in (SCHEDULED, "missed"):
        return interview
    if state == CANCELLED:
        if rng.random() < 0.5:
            svc.save_answer(repos, candidate, interview.id, interview.questions[0].id,
                            answer_text(rng, "cancelled"), starts + minutes)
        return svc.cancel(repos, hr, interview.id, starts + 2 * minutes)
    answered = rng.randint(2, QUESTIONS - 1) if state == IN_PROGRESS else rng.randint(QUESTIONS - 2, QUESTIONS)
    now = starts + minutes
    for k, q in enumerate(interview.questions[:answered]):
        now = starts + (k + 1) * 7 * minutes
        svc.save_answer(repos, candidate, interview.id, q.id, answer_text(rng, f"answer {k + 1}"), now)
    if state == IN_PROGRESS:
        return interview
    if rng.random() < 0.2:  # closed at the deadline, as a page read would do it
        done = svc.close_if_expired(repos, repos.interviews.get(interview.id), deadline)
    else:
        done = svc.submit(repos, candidate, interview.id, now + minutes)
    review = done.completed_at + timedelta(days=1)
    responses = repos.responses.for_interview(done.id)
    quality = rng.random()
    rated = rng.random() < PANEL_SHARE
    if rated:
        seat_panel(repos, rng, done, hr, [h for h in staff if h.id != hr.id], quality, review - minutes)
    hr_scores = state == EVALUATED or rng.random() < 0.3
    for q in done.questions:
        r = responses.get(q.id)
        if r is None:
            continue
        mark = min(10.0, max(0.0, round(quality * 10 + rng.gauss(0, 1.5), 1)))
        if r.answered and rng.random() < 0.6:
            ai = min(10.0, max(0.0, round(mark + rng.gauss(0, 1.5), 1)))
            ev.queue(repos, r.id, hr.id, review)
            ev.run_job(repos, r.id, lambda s=ai: FixedProvider(s), clock=lambda: review)
        if hr_scores and (state == EVALUATED or rng.random() < 0.5):
            svc.score_response(repos, hr, done.id, q.id, mark if r.answered else 0, "Seeded score.", review)
    if rated and rng.random() < 0.5:
        panels.record_outcome(repos, hr, done.id, "advance" if quality > 0.5 else "reject", "", review)
    if state == EVALUATED:
        return svc.record_result(repos, hr, done.id, round(quality * 10, 1), "Seeded overall feedback.",
                                 review + minutes, share=rng.random() < 0.5)
    return done


def seat_panel(repos, rng: random.Random, interview, owner, others: list, quality: float, at: datetime) -> None:
    """1-2 other HR users join the panel; every rater (the owner first) submits a 1-5 rating of each
    (question, competency) pair, near the answer's quality, quoting the answer's first words."""
    members = rng.sample(others, rng.randint(1, 2))
    for member in members:
        panels.add_member(repos, owner, interview.id, member.id, at)
    answers = {qid: r.answer for qid, r in repos.responses.for_interview(interview.id).items()}
    for rater in [owner, *members]:
        items = [{"question_id": p.question_id, "competency_id": p.competency_id,
                  "rating": min(5, max(1, round(1 + quality * 4 + rng.gauss(0, 0.7)))),
                  "evidence": " ".join((answers.get(p.question_id) or "").split()[:8])}
                 for p in panels.pairs(interview)]
        version = repos.panels.get(interview.id, rater.id).version
        panels.submit(repos, rater, interview.id, items, version, at)


def copy_database(source, target) -> int:
    """Copy every collection's documents from `source` into an empty, migrated `target` (mongomock),
    with the indexes the migrations declared on it (built after the copy: one pass each)."""
    copied = 0
    for name in source.list_collection_names():
        indexes = [spec for spec in target[name].index_information().values() if spec["key"] != [("_id", 1)]]
        target.drop_collection(name)
        docs = list(source[name].find({}))
        for start in range(0, len(docs), 5000):
            target[name].insert_many(docs[start:start + 5000])
        for spec in indexes:
            target[name].create_index(list(spec["key"]), unique=bool(spec.get("unique")))
        copied += len(docs)
    return copied


# --- timing in process -----------------------------------------------------------------------------

MS, MB, KB, SECONDS = "ms", "MB", "KB", "s"  # a row's unit


@dataclass
class Row:
    key: str
    label: str
    unit: str
    limit_ms: float | None = None  # p50 target at every size
    max_ratio: float | None = None  # largest ÷ smallest size
    flat_vs: str | None = None  # memory: at most 1.5 × this row's value, at 10,000 interviews and over


ROWS = [
    Row("seed", "seeding, s (mongomock: the copy)", SECONDS),
    Row("hr_list", "HR interview list p.1 (HR, half)", MS, 100, 3),
    Row("hr_list_admin", "HR interview list p.1 (admin)", MS, 100, 3),
    Row("hr_list_admin_kb", "  admin's HR list page, KB", KB, None, 3),
    Row("results", "results page (HR)", MS, 300, 3),
    Row("csv", "results.csv (HR), all", MS, 5000),
    Row("csv_first", "  first data row", MS, 300),
    Row("csv_mem", "  traced memory peak, MB", MB),
    Row("csv_mem_all", "  admin's (all, ~2x rows), MB", MB, flat_vs="csv_mem"),
    Row("csv_resp", "results.csv?per=response, all", MS, 5000),
    Row("csv_resp_first", "  first data row", MS, 300),
    Row("csv_resp_mem", "  traced memory peak, MB", MB),
    Row("csv_resp_mem_all", "  admin's (all, ~2x rows), MB", MB, flat_vs="csv_resp_mem"),
    Row("agreement", "agreement page (HR)", MS, 300),
    Row("agreement_first", "  the same, first view after a change", MS, 300),
    Row("agreement_rel", "  its reliability section, computed", MS),
    Row("agreement_rel_again", "  the same again (scores unchanged)", MS, 300),
    Row("panels_list", "HR's panels list p.1 (/hr/panels)", MS, 100, 3),
    Row("panel_board", "  one interview's rating board", MS, 100, 3),
    Row("api_all", "GET /interview/all (HR token)", MS, 300, 3),
    Row("api_results", "GET /interview/results/all (HR)", MS, 300, 3),
    Row("admin_users", "admin users list", MS, 300, 3),
    Row("admin_search", "admin users search (1 in 20 match)", MS, 300, 3),
    Row("admin_search_one", "  one user's whole e-mail (its index)", MS, 300, 3),
    Row("admin_search_rare", "  part of one e-mail (a scan: no ratio target)", MS, 300),
    Row("cand_dashboard", "candidate dashboard", MS, 100, 3),
    Row("cand_question", "candidate question page", MS, 100, 3),
    Row("autosave", "autosave (one answer)", MS, 100, 1.5),
    Row("hr_score", "HR scores one answer (compare-and-set, htmx row)", MS, 100, 1.5),
]
ROW_BY_KEY = {r.key: r for r in ROWS}
STOPPED = "stopped"  # results[(backend, size, STOPPED)]: "t/o" or "err" for the cells a size did not reach
FLAT_FROM = 10_000  # below, exports are smaller than the batches they are read in: memory still grows


class Budget(Exception):
    """The time allowed for one size and backend ran out."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise Budget in the main thread once `seconds` have passed (SIGALRM)."""
    def expire(signum, frame):
        raise Budget()

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, max(1.0, seconds))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def csrf_from(html: str) -> str:
    """The CSRF token of a page: the one in ``hx-headers``, else a form's hidden field."""
    match = (re.search(r'"X-CSRFToken": "([^"]+)"', html)
             or re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
             or re.search(r'value="([^"]+)"[^>]*name="csrf_token"', html))
    if not match:
        raise RuntimeError("no CSRF token in the page")
    return match.group(1)


def signed_in(app, email: str):
    """A test client signed in through the login form (CSRF on, as in production)."""
    client = app.test_client()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"csrf_token": token, "email": email, "password": PASSWORD})
    if response.status_code != 302:
        raise RuntimeError(f"sign-in of {email} failed: HTTP {response.status_code}")
    return client


def p50(samples: list[float]) -> float:
    return statistics.median(samples)


class Timer:
    """Runs each call once to warm up, then `reps` times (fewer when a call is slow); p50 in ms."""

    def __init__(self, reps: int):
        self.reps = reps

    def run(self, call: Callable[[], object]) -> float:
        warm = self._once(call)
        reps = self.reps if warm < 2 else min(3, self.reps) if warm < 10 else 1
        return p50([self._once(call) for _ in range(reps)]) * 1000

    @staticmethod
    def _once(call: Callable[[], object]) -> float:
        started = time.perf_counter()
        call()
        return time.perf_counter() - started


def get_ok(client, url: str, headers: dict | None = None) -> bytes:
    response = client.get(url, headers=headers or {})
    if response.status_code != 200:
        raise RuntimeError(f"GET {url}: HTTP {response.status_code}")
    return response.get_data()


def stream(client, url: str, trace: bool = False) -> tuple[float, float, int, float]:
    """Download a streamed response chunk by chunk: (seconds to the first data row, total seconds,
    bytes, traced peak in MB when `trace`)."""
    if trace:
        tracemalloc.start()
        tracemalloc.reset_peak()
    started = time.perf_counter()
    response = client.get(url, buffered=False)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url}: HTTP {response.status_code}")
    first, size, chunks = None, 0, 0
    try:
        for chunk in response.response:
            chunks += 1
            size += len(chunk)
            if first is None and chunks >= 2:  # the header line comes before any query runs
                first = time.perf_counter() - started
    finally:
        response.close()
    total = time.perf_counter() - started
    peak = 0.0
    if trace:
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return first if first is not None else total, total, size, peak


def hr_scorer(hr, api, bearer: dict) -> Callable[[], None]:
    """A call that saves the timed HR user's score of one answer of an interview in their results,
    as the score form does with htmx (sending the `seen` the row showed; the reply row carries the next)."""
    items = json.loads(get_ok(api, "/interview/results/all", bearer))["items"]
    html = get_ok(hr, f"/hr/interviews/{items[0]['interview_id']}").decode()
    form = re.search(r'hx-post="(/hr/interviews/[^"]+/score)"(.*?)</form>', html, re.S)
    if not form:
        raise RuntimeError("the interview page shows no score form")
    url, csrf, state = form.group(1), csrf_from(html), {"seen": re.search(r'name="seen" value="([^"]*)"',
                                                                             form.group(2)).group(1), "n": 0}

    def score() -> None:
        state["n"] += 1
        response = hr.post(url, data={"csrf_token": csrf, "score": str(state["n"] % 11), "feedback": "Timed.",
                                      "seen": state["seen"]}, headers={"HX-Request": "true"})
        if response.status_code != 200:
            raise RuntimeError(f"score: HTTP {response.status_code} {response.get_data(as_text=True)[:200]}")
        state["seen"] = re.search(r'name="seen" value="([^"]*)"', response.get_data(as_text=True)).group(1)

    return score


def time_pages(app, world: World, timer: Timer, record: Callable[[str, float], None]) -> None:
    """Every page and call of the table, recorded as they finish (so a timeout keeps the rest); the
    exports last, as they take longest."""
    hr, admin = signed_in(app, world.hr), signed_in(app, world.admin)
    cand = signed_in(app, world.candidate)
    api = app.test_client()
    token = api.post("/auth/token", json={"email": world.hr, "password": PASSWORD}).get_json()["access_token"]
    bearer = {"Authorization": f"Bearer {token}"}

    search = f"/admin/users?q={LAST[3].lower()}"
    for client, url in ((hr, "/hr/interviews"), (admin, "/hr/interviews"), (hr, "/hr/results"), (admin, "/admin/users"),
                        (admin, search)):
        if get_ok(client, url).count(b"<tr") < 2:  # a header row and at least one item: no empty page is timed
            raise RuntimeError(f"GET {url} shows no rows: the seed is not what the app reads")
    for url in ("/interview/all", "/interview/results/all"):
        if not json.loads(get_ok(api, url, bearer))["items"]:
            raise RuntimeError(f"GET {url} lists nothing: the seed is not what the app reads")
    if b"agreement-overall" not in get_ok(hr, "/hr/agreement"):
        raise RuntimeError("the agreement page shows no figures")
    board = f"/hr/interviews/{world.panel_interview}/rating"
    if get_ok(hr, "/hr/panels").count(b"<tr") < 2 or b"Mean " not in get_ok(hr, board):
        raise RuntimeError("the panels list or the rating board shows no ratings: the seed has no panels")

    record("hr_list", timer.run(lambda: get_ok(hr, "/hr/interviews")))
    record("hr_list_admin", timer.run(lambda: get_ok(admin, "/hr/interviews")))
    record("hr_list_admin_kb", len(get_ok(admin, "/hr/interviews")) / 1024)
    record("results", timer.run(lambda: get_ok(hr, "/hr/results")))
    record("agreement", timer.run(lambda: get_ok(hr, "/hr/agreement")))
    record("agreement_first", timer.run(lambda: (reliability.clear_memo(), get_ok(hr, "/hr/agreement"))))
    section = "/hr/agreement/reliability"
    record("agreement_rel", timer.run(lambda: (reliability.clear_memo(), get_ok(hr, section))))
    record("agreement_rel_again", timer.run(lambda: get_ok(hr, section)))
    record("panels_list", timer.run(lambda: get_ok(hr, "/hr/panels")))
    record("panel_board", timer.run(lambda: get_ok(hr, board)))
    record("api_all", timer.run(lambda: get_ok(api, "/interview/all", bearer)))
    record("api_results", timer.run(lambda: get_ok(api, "/interview/results/all", bearer)))
    record("admin_users", timer.run(lambda: get_ok(admin, "/admin/users")))
    record("admin_search", timer.run(lambda: get_ok(admin, search)))
    one = f"/admin/users?q={world.candidate}"
    record("admin_search_one", timer.run(lambda: get_ok(admin, one)))
    rare = f"/admin/users?q={world.candidate.partition('@')[0]}@"  # a substring only this e-mail has
    record("admin_search_rare", timer.run(lambda: get_ok(admin, rare)))
    record("cand_dashboard", timer.run(lambda: get_ok(cand, "/candidate/")))
    page = f"/candidate/interviews/{world.candidate_interview}/q/1"
    record("cand_question", timer.run(lambda: get_ok(cand, page)))
    csrf = csrf_from(get_ok(cand, page).decode())
    url = f"/candidate/interviews/{world.candidate_interview}/answers/{world.candidate_questions[0]}"
    seq = [int(time.time() * 1000)]

    def autosave() -> None:
        seq[0] += 1
        response = cand.post(url, data={"answer": f"typed so far, save {seq[0]}", "seq": str(seq[0]), "cleared": "0"},
                             headers={"X-CSRFToken": csrf, "Accept": "application/json"})
        if response.status_code != 200 or not response.get_json().get("saved"):
            raise RuntimeError(f"autosave: HTTP {response.status_code} {response.get_data(as_text=True)[:200]}")

    record("autosave", timer.run(autosave))
    record("hr_score", timer.run(hr_scorer(hr, api, bearer)))
    for key, url in (("csv", "/hr/results.csv"), ("csv_resp", "/hr/results.csv?per=response")):
        warm = stream(hr, url)[1]
        runs = [stream(hr, url) for _ in range(min(3, timer.reps) if warm < 10 else 1)]
        record(key + "_first", p50([r[0] for r in runs]) * 1000)
        record(key, p50([r[1] for r in runs]) * 1000)
        record(key + "_mem", stream(hr, url, trace=True)[3])
        if warm < 20:  # tracing costs about as much again: skip the larger export where it takes minutes
            record(key + "_mem_all", stream(admin, url, trace=True)[3])


# --- the table -------------------------------------------------------------------------------------

def fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit != MS:
        return f"{value:,.1f}" if value < 100 else f"{value:,.0f}"
    if value < 10:
        return f"{value:.2f}"
    if value < 100:
        return f"{value:.1f}"
    return f"{value:,.0f}"


LEGEND = """\
! misses a target of issue 9 (set for the embedded default at 10,000 interviews): p50 <= 300 ms; HR list,
  candidate pages and autosave <= 100 ms; ratio largest/smallest <= 3 for list pages, <= 1.5 for autosave;
  results.csv done <= 5 s, first data row <= 300 ms, memory flat (from 10,000 interviews: the admin's
  export, about twice the HR user's rows, peaks at <= 1.5 x the HR user's).
  HTTP (each paced candidate saves every 2 s): every save served, p95 <= 250 ms, 0 errors, 0 lost;
  burst >= 0.1 x the bare Flask app's POST rate."""


def render_table(results: dict, sizes: list[int], backends: list[str], http_rows: list) -> str:
    """One table: rows are pages and calls, columns each size per backend and the ratio."""
    width = max(len(r.label) for r in ROWS) + 1
    short = {s: f"{s // 1000}k" if s >= 1000 and s % 1000 == 0 else str(s) for s in sizes}
    cols = [f"{s:,}" for s in sizes] + [f"{short[sizes[-1]]}/{short[sizes[0]]}" if len(sizes) > 1 else "ratio"]
    head1 = " " * width + "".join(f"| {b:<{9 * len(cols) - 1}}" for b in backends)
    head2 = f"{'p50 ms unless stated':<{width}}" + "".join("|" + "".join(f"{c:>9}" for c in cols) for _ in backends)
    rule = "-" * len(head2)
    lines = [rule, head1, head2, rule]
    for row in ROWS:
        line = f"{row.label:<{width}}"
        for backend in backends:
            line += "|"
            values = [results.get((backend, size, row.key)) for size in sizes]
            for size, value in zip(sizes, values):
                miss = value is not None and row.limit_ms is not None and value > row.limit_ms
                base = results.get((backend, size, row.flat_vs)) if row.flat_vs and size >= FLAT_FROM else None
                miss = miss or (base is not None and value is not None and value > 1.5 * base)
                text = fmt(value, row.unit) if value is not None else results.get((backend, size, STOPPED), "-")
                line += f"{text + ('!' if miss else ' '):>9}"
            first, last = values[0], values[-1]
            if first and last is not None and len(sizes) > 1:
                ratio = last / first
                miss = row.max_ratio is not None and ratio > row.max_ratio
                line += f"{'x' + format(ratio, '.1f') + ('!' if miss else ' '):>9}"
            else:
                line += f"{'-':>9}"
        lines.append(line)
    if http_rows:
        lines.append(rule)
        for label, text, miss in http_rows:
            lines.append(f"{label:<{width}}| {text}{'  !' if miss else ''}")
    lines.append(rule)
    lines += LEGEND.splitlines()
    if any(key[2] == STOPPED for key in results):
        lines.append("t/o: the size ran out of time (--size-timeout); err: a page failed (see the messages above).")
    return "\n".join(lines)


# --- the HTTP load, in a process of its own ----------------------------------------------------------

def run_http(uri: str, world: World, workdir: Path, quick: bool, timeout: float) -> list[tuple[str, str, bool]]:
    """Run bench/scale_http.py on the seeded database: a small process, so that the load generator's
    threads do not share an interpreter (and its garbage collector) with the seeded data. Returns the
    table's rows; it is stopped (and stops its servers) when it takes longer than `timeout`."""
    spec = workdir / "world.json"
    spec.write_text(json.dumps({"size": world.size, "hr": world.hr, "password": PASSWORD, "secret_key": SECRET_KEY,
                                "load": world.load}))
    cmd = [sys.executable, str(Path(__file__).with_name("scale_http.py")), "--uri", uri, "--world", str(spec),
           "--workdir", str(workdir)] + (["--quick"] if quick else [])
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        log(f"the HTTP load took over {timeout:.0f} s: stopping it")
        return [("HTTP load", f"stopped after {timeout:.0f} s", True)]
    finally:
        if proc.poll() is None:
            proc.terminate()  # its SIGTERM handler stops the gunicorn servers it started
            try:
                proc.wait(timeout=90)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    lines = out.strip().splitlines()
    if proc.returncode != 0 or not lines:
        return [("HTTP load", f"failed (exit code {proc.returncode}; see the messages above)", True)]
    return [tuple(row) for row in json.loads(lines[-1])]


# --- the run ---------------------------------------------------------------------------------------

def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,1000,10000", help="interview counts, comma-separated")
    parser.add_argument("--backends", default="embedded,mongomock", help="embedded and/or mongomock")
    parser.add_argument("--quick", action="store_true", help="sizes 100,1000 and a short HTTP load")
    parser.add_argument("--no-http", action="store_true", help="skip the gunicorn autosave load")
    parser.add_argument("--reps", type=int, default=7, help="timed repetitions per call (after one warm-up)")
    parser.add_argument("--size-timeout", type=float, default=900,
                        help="seconds allowed for seeding one size, and again for timing it on each backend")
    parser.add_argument("--http-timeout", type=float, default=900, help="seconds allowed for the whole HTTP part")
    parser.add_argument("--seed", type=int, default=9, help="random seed of the generated data")
    parser.add_argument("--keep", action="store_true", help="keep the temporary databases (path printed)")
    args = parser.parse_args(argv)
    if args.quick and "--sizes" not in " ".join(argv or sys.argv):
        args.sizes = "100,1000"
    args.sizes = sorted({int(s.replace("_", "").replace(",", "")) for s in args.sizes.split(",") if s.strip()})
    args.backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = set(args.backends) - {"embedded", "mongomock"}
    if unknown or not args.backends or not args.sizes:
        parser.error(f"--backends takes embedded and/or mongomock (got {', '.join(sorted(unknown)) or 'none'})")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))  # run the finally blocks: stop servers
    user_service.HASH_METHOD = "pbkdf2:sha256:1000"  # seeding 20,000 accounts; sign-in reads the method from the hash
    workdir = Path(tempfile.mkdtemp(prefix="interviewer-scale-"))
    results: dict[tuple[str, int, str], float | str] = {}
    http_rows: list[tuple[str, str, bool]] = []
    timer = Timer(args.reps)
    started = time.perf_counter()
    largest: tuple[Path, World] | None = None
    try:
        for size in args.sizes:
            folder = workdir / f"embedded-{size}"
            app = make_app(embedded_uri(folder))
            log(f"seeding {size:,} interviews into {folder}")
            try:
                with time_limit(args.size_timeout):
                    world = seed(app, size, random.Random(args.seed))
            except Budget:
                log(f"seeding {size:,} ran out of time ({args.size_timeout:.0f} s); larger sizes skipped")
                break
            log(f"seeded {size:,} in {world.seconds:.0f} s: {world.counts}, "
                f"{dbmod.get_db(app).responses.count_documents({}):,} responses")
            results[("embedded", size, "seed")] = world.seconds
            largest = (folder, world)
            for backend in args.backends:
                target = app
                if backend == "mongomock":
                    copy_started = time.perf_counter()
                    target = make_app("mongomock://")
                    upgrade(dbmod.get_db(target))
                    copy_database(dbmod.get_db(app), dbmod.get_db(target))
                    results[("mongomock", size, "seed")] = time.perf_counter() - copy_started
                    log(f"copied {size:,} to mongomock in {results[('mongomock', size, 'seed')]:.0f} s")
                log(f"timing {backend} at {size:,}")

                def record(key: str, value: float, backend=backend, size=size) -> None:
                    results[(backend, size, key)] = value
                    log(f"  {backend:9} {size:>6,} {ROW_BY_KEY[key].label.strip():34} {fmt(value, ROW_BY_KEY[key].unit)}")

                try:
                    with time_limit(args.size_timeout):
                        time_pages(target, world, timer, record)
                except Budget:
                    results[(backend, size, STOPPED)] = "t/o"
                    log(f"timing {backend} at {size:,} ran out of time ({args.size_timeout:.0f} s): partial results")
                except Exception as exc:  # a failing page: report it and keep the other results
                    results[(backend, size, STOPPED)] = "err"
                    log(f"timing {backend} at {size:,} failed: {type(exc).__name__}: {exc}")
                if backend == "mongomock":
                    dbmod.get_db(target).client.close()
                    del target
            log(f"size {size:,} done")
        if largest and not args.no_http and "embedded" in args.backends:
            folder, world = largest
            http_rows = run_http(embedded_uri(folder), world, workdir, args.quick, args.http_timeout)
    except KeyboardInterrupt:
        log("interrupted: printing what was measured")
    finally:
        print(render_table(results, args.sizes, args.backends, http_rows))
        print(f"whole run {time.perf_counter() - started:.0f} s")
        if args.keep:
            print(f"databases kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
