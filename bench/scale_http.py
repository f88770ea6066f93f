"""The HTTP part of bench/scale.py: autosave under load on `make run`'s gunicorn settings.

Serves the seeded embedded database with ``gunicorn --workers 2 --threads 4`` on 127.0.0.1 and:
(a) paced: N signed-in candidates (N = 10, 40, 100), each with its own in-progress interview,
    saving one answer every 2 s, as the page's script does (form fields ``answer``, ``seq``,
    ``cleared``; header ``X-CSRFToken``);
(b) burst: 16 of them saving as fast as they can;
(c) the bare Flask app below on the same gunicorn settings: GET and POST requests per second.
Then it stops the servers and checks in the database that every acknowledged save (HTTP 200)
still holds its text: the highest-seq acknowledged text of each answer, or a newer one we sent.

bench/scale.py runs this file in a process of its own (``--uri``, ``--world``: the accounts and
interviews it seeded, ``--workdir``: the servers' logs) and reads the table's rows from the last
line of its output. The bare app is this module's ``bare`` (``gunicorn --chdir bench scale_http:bare``).
Standard library only on the client side; every call has a timeout; the servers run in their own
process group and are always stopped (also on SIGTERM).
"""
from __future__ import annotations

import http.client
import json
import math
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from flask import Flask, request

bare = Flask("bare")


@bare.get("/")
def hello():
    """A short string."""
    return "ok"


@bare.post("/save")
def save():
    """Read a form like an autosave and answer a little JSON."""
    return {"saved": True, "seq": int(request.form.get("seq") or 0), "length": len(request.form.get("answer", ""))}


TIMEOUT = 30.0  # seconds, every HTTP call
PERIOD = 2.0  # seconds between two saves of one paced candidate
BURST_CLIENTS = 16
ROOT = Path(__file__).resolve().parent.parent
FILLER = " ".join(["the candidate keeps typing a sentence about indexes and latency"] * 8)


# --- a tiny client -------------------------------------------------------------------------------

class Session:
    """One browser: cookies, and a keep-alive connection that is reopened when the server closed it."""

    def __init__(self, port: int, address: str = ""):
        self.port = port
        self.address = address  # the client address it claims (X-Forwarded-For, trusted with PROXY_FIX=1)
        self.cookies: dict[str, str] = {}
        self.conn: http.client.HTTPConnection | None = None
        self.csrf = ""
        self.last_seq = 0

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def next_seq(self) -> int:
        """As the page's script: milliseconds, and always more than the last one."""
        self.last_seq = max(int(time.time() * 1000), self.last_seq + 1)
        return self.last_seq

    def request(self, method: str, path: str, form: dict | None = None, headers: dict | None = None,
                keep_alive: bool = True) -> tuple[int, bytes]:
        """(status, body); a request on a reused connection the server had closed is sent once more."""
        body = urlencode(form).encode() if form is not None else None
        sent = {"Host": f"127.0.0.1:{self.port}", **(headers or {})}
        if self.address:
            sent["X-Forwarded-For"] = self.address
        if body is not None:
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if not keep_alive:
            sent["Connection"] = "close"
        for attempt in range(2):
            fresh = self.conn is None
            if fresh:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
            try:
                self.conn.request(method, path, body=body, headers=sent)
                response = self.conn.getresponse()
                payload = response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()
                if fresh or attempt:
                    raise
                continue  # an idle keep-alive connection closed by the server: nothing was processed
            except BaseException:
                self.close()
                raise
            for value in response.headers.get_all("Set-Cookie") or []:
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
            if not keep_alive or response.will_close:
                self.close()
            return response.status, payload
        raise RuntimeError("unreachable")


def token_in(html: str) -> str:
    match = (re.search(r'"X-CSRFToken": "([^"]+)"', html)
             or re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html))
    if not match:
        raise RuntimeError("no CSRF token in the page")
    return match.group(1)


def sign_in(port: int, email: str, password: str, interview_id: str, n: int) -> Session:
    """Candidate `n` signed in through the login form, on their question page (whose token autosave uses),
    from an address of their own: the sign-in limits count per address, and 100 candidates are 100 people."""
    session = Session(port, f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}")
    status, html = session.request("GET", "/login")
    if status != 200:
        raise RuntimeError(f"GET /login: HTTP {status}")
    status, _ = session.request("POST", "/login", {"csrf_token": token_in(html.decode()), "email": email,
                                                  "password": password})
    if status != 302:
        raise RuntimeError(f"sign-in of {email}: HTTP {status}")
    status, html = session.request("GET", f"/candidate/interviews/{interview_id}/q/1")
    if status != 200:
        raise RuntimeError(f"question page of {email}: HTTP {status}")
    session.csrf = token_in(html.decode())
    return session


# --- servers ---------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def gunicorn(root: Path, target: str, env: dict[str, str], logfile: Path, probe: str,
             chdir: Path | None = None) -> Iterator[int]:
    """`make run`'s gunicorn (2 workers × 4 threads, access log) on a free 127.0.0.1 port; always stopped."""
    port = free_port()
    cmd = [sys.executable, "-m", "gunicorn", "--workers", "2", "--threads", "4", "--bind", f"127.0.0.1:{port}",
           "--access-logfile", "-"]
    if chdir is not None:
        cmd += ["--chdir", str(chdir)]
    if has_control_socket():
        cmd.append("--no-control-socket")  # not the one in ~/.gunicorn, which another server may hold
    with open(logfile, "ab") as out:
        proc = subprocess.Popen(cmd + [target], cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
        try:
            wait_ready(proc, port, probe)
            yield port
        finally:
            stop(proc)


def has_control_socket() -> bool:
    """Whether this gunicorn (23+) opens a control socket by default."""
    from gunicorn import config

    return any(s.name == "no_control_socket" for s in config.KNOWN_SETTINGS)


def wait_ready(proc: subprocess.Popen, port: int, probe: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with code {proc.returncode} (see its log)")
        try:
            status, _ = Session(port).request("GET", probe, keep_alive=False)
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer on port {port} within {seconds:.0f} s")


def stop(proc: subprocess.Popen) -> None:
    """Graceful stop (SIGTERM to the master), then SIGKILL to its own process group if it hangs."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


# --- load ------------------------------------------------------------------------------------------

@dataclass
class Save:
    interview_id: str
    question_id: str
    seq: int
    text: str
    status: int | str
    started: float
    seconds: float


@dataclass
class Outcome:
    saves: list[Save] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, save: Save) -> None:
        with self.lock:
            self.saves.append(save)

    @property
    def ok(self) -> list[Save]:
        return [s for s in self.saves if s.status == 200]

    @property
    def errors(self) -> list[Save]:
        return [s for s in self.saves if s.status != 200]


def post_save(session: Session, item: tuple[str, str, list[str]], k: int, outcome: Outcome,
              keep_alive: bool) -> None:
    """One autosave of `item`'s interview: a new text for one answer (three saves per answer, then the next)."""
    email, interview_id, qids = item
    qid = qids[(k // 3) % len(qids)]
    seq = session.next_seq()
    text = f"{email} {qid} save {k} seq {seq}: {FILLER[:200 + (k * 37) % 300]}"
    started = time.monotonic()
    try:
        status, body = session.request("POST", f"/candidate/interviews/{interview_id}/answers/{qid}",
                                       {"answer": text, "seq": str(seq), "cleared": "0"},
                                       {"X-CSRFToken": session.csrf, "Accept": "application/json"}, keep_alive)
        if status == 200 and "saved" not in json.loads(body):
            status = "no-json"
    except Exception as exc:  # a timeout or a dropped connection is an error of this save
        status = type(exc).__name__
    outcome.add(Save(interview_id, qid, seq, text, status, started, time.monotonic() - started))


def paced(sessions: list[Session], items: list, seconds: float, outcome: Outcome) -> float:
    """Each session saves every PERIOD seconds for `seconds` (starts spread over one period); a save
    that is due while the previous one is still out goes as soon as it returns. Returns elapsed s."""
    start = time.monotonic() + 0.5
    until = start + seconds

    def client(n: int) -> None:
        due, k = start + PERIOD * n / len(sessions), 0
        while due < until:
            time.sleep(max(0.0, due - time.monotonic()))
            post_save(sessions[n], items[n], k, outcome, keep_alive=False)
            k += 1
            due = max(due + PERIOD, time.monotonic())

    run_threads(client, len(sessions))
    return time.monotonic() - start


def burst(count: int, seconds: float, call: Callable[[int, int], None]) -> float:
    """`count` threads calling `call(thread, k)` back to back for `seconds`; returns elapsed seconds."""
    start = time.monotonic()
    until = start + seconds

    def client(n: int) -> None:
        k = 0
        while time.monotonic() < until:
            call(n, k)
            k += 1

    run_threads(client, count)
    return time.monotonic() - start


def run_threads(target: Callable[[int], None], count: int) -> None:
    threads = [threading.Thread(target=target, args=(n,), daemon=True) for n in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (0..100) of `values` in ms (nearest rank), 0 for none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))] * 1000


class Bare:
    """Clients of the bare app: counts its GET / and POST /save answers per second."""

    def __init__(self, port: int):
        self.sessions = [Session(port) for _ in range(BURST_CLIENTS)]
        self.counts = {"GET": 0, "POST": 0, "errors": 0}
        self.seconds = {"GET": 0.0, "POST": 0.0}
        self.lock = threading.Lock()

    def run(self, method: str, seconds: float) -> None:
        def one(n: int, k: int) -> None:
            try:
                if method == "GET":
                    status, _ = self.sessions[n].request("GET", "/")
                else:
                    status, _ = self.sessions[n].request("POST", "/save", {"answer": FILLER[:400], "seq": str(k),
                                                                           "cleared": "0"})
            except Exception:
                status = 0
            with self.lock:
                self.counts[method if status == 200 else "errors"] += 1

        self.seconds[method] += burst(BURST_CLIENTS, seconds, one)

    def rate(self, method: str) -> float:
        return self.counts[method] / self.seconds[method] if self.seconds[method] else 0.0

    def close(self) -> None:
        for s in self.sessions:
            s.close()


def make_app(uri: str, secret_key: str):
    """The app over the seeded database (for extra candidates and the final check), as bench/scale.py builds it."""
    sys.path.insert(0, str(ROOT))
    from interviewer import create_app

    return create_app({"SECRET_KEY": secret_key, "MONGO_URI": uri, "MONGO_DB": "interviewer", "AI_PROVIDER": "local",
                       "GEMINI_API_KEY": "", "AI_EXECUTOR": "manual", "MAIL_SENDER": "manual"})


def extra_items(app, world: dict, needed: int) -> list:
    """More candidates with an open interview when the seed has fewer than `needed` (small sizes):
    created, assigned and scheduled through the services, like the seed."""
    from datetime import UTC, datetime, timedelta

    from interviewer.db import get_repos
    from interviewer.services import interviews as svc
    from interviewer.services import users as user_service

    user_service.HASH_METHOD = "pbkdf2:sha256:1000"
    repos = get_repos(app)
    hr = repos.users.by_email(world["hr"])
    now = datetime.now(UTC)
    bank = repos.questions.list(enabled=True)[:10]
    items = []
    for n in range(needed):
        user = user_service.create_user(repos, f"load{n:03d}@bench.example", f"Load {n}", world["password"],
                                        "candidate")
        user = user_service.assign(repos, user.id, hr.id)
        req = svc.ScheduleRequest(candidate_id=user.id, job_title="Load test", job_description="",
                                  starts_at=now - timedelta(hours=1), deadline=now + timedelta(days=1),
                                  num_questions=len(bank), source="custom")
        interview = svc.schedule(repos, hr, req, [{**svc.question_from_bank(q).__dict__, "id": ""} for q in bank], now)
        items.append((user.email, interview.id, [q.id for q in interview.questions]))
    return items


def lost_saves(app, saves: list[Save]) -> tuple[int, int, int]:
    """(lost, acknowledged, answers checked): an answer loses when the database holds an older
    sequence number than its highest acknowledged save, or that sequence number with other text."""
    from interviewer.db import get_repos

    repos = get_repos(app)
    best: dict[tuple[str, str], Save] = {}
    acked = 0
    for s in saves:
        if s.status == 200:
            acked += 1
            key = (s.interview_id, s.question_id)
            if key not in best or s.seq > best[key].seq:
                best[key] = s
    lost = 0
    for (interview_id, question_id), s in best.items():
        stored = repos.responses.find(interview_id, question_id)
        if stored is None or stored.seq < s.seq or (stored.seq == s.seq and stored.answer != s.text):
            lost += 1
    return lost, acked, len(best)


def run_load(uri: str, world: dict, quick: bool, workdir: Path, log: Callable[[str], None]) -> list[tuple[str, str, bool]]:
    """The whole HTTP part; returns the table's rows (label, text, misses a target)."""
    root, password = ROOT, world["password"]
    app = make_app(uri, world["secret_key"])
    window = 8.0 if quick else 20.0
    burst_for = 5.0 if quick else 10.0  # seconds of each burst (and of the bare app's POST and GET runs)
    sizes = (10, 40, 100)
    items = [tuple(item) for item in world["load"][:max(sizes)]]
    if len(items) < max(sizes):
        items += extra_items(app, world, max(sizes) - len(items))
    rows: list[tuple[str, str, bool]] = []
    everything, bursts = Outcome(), Outcome()
    burst_seconds = 0.0
    # PROXY_FIX=1: the app reads each candidate's address from X-Forwarded-For, as behind a reverse proxy.
    app_env = {**os.environ, "MONGO_URI": uri, "MONGO_DB": "interviewer", "SECRET_KEY": world["secret_key"],
               "AI_PROVIDER": "local", "GEMINI_API_KEY": "", "PROXY_FIX": "1",
               "MAIL_SENDER": "manual"}  # the seeded backlog of invitations is no part of the autosave load
    bare_env = {**os.environ, "PYTHONPATH": str(root / "bench")}
    bare_clients = None
    try:
        with gunicorn(root, "wsgi:app", app_env, workdir / "gunicorn-app.log", "/login") as port, \
                gunicorn(root, "scale_http:bare", bare_env, workdir / "gunicorn-bare.log", "/",
                         chdir=root / "bench") as bare_port:
            log(f"gunicorn serving {world['size']:,} interviews on 127.0.0.1:{port}, the bare app on {bare_port}; "
                f"signing in {len(items)} candidates")
            sessions = [sign_in(port, email, password, interview_id, n)
                        for n, (email, interview_id, _) in enumerate(items)]
            for n in sizes:
                outcome = Outcome()
                elapsed = paced(sessions[:n], items[:n], window, outcome)
                everything.saves += outcome.saves
                latencies = [s.seconds for s in outcome.ok]
                served, needed = len(outcome.ok) / elapsed, n / PERIOD
                due = sum(math.ceil((window - PERIOD * i / n) / PERIOD) for i in range(n))
                text = (f"{served:5.1f} of {needed:.0f} saves/s served ({len(outcome.ok)}/{due} due); "
                        f"p50 {pct(latencies, 50):.0f} p95 {pct(latencies, 95):.0f} "
                        f"p99 {pct(latencies, 99):.0f} ms; errors {len(outcome.errors)}")
                miss = len(outcome.ok) < due or pct(latencies, 95) > 250 or bool(outcome.errors)
                rows.append((f"paced: {n} candidates", text, miss))
                log(f"paced {n}: {text}")
            # The app's burst and the bare app take turns, so a change in the machine's load between
            # the two (other jobs share these 2 cores) weighs on both alike.
            clients = sessions[:BURST_CLIENTS]
            bare_clients = Bare(bare_port)
            for turn in range(2):
                bare_clients.run("POST", burst_for / 2)
                burst_seconds += burst(len(clients), burst_for / 2,
                                       lambda n, k, t=turn: post_save(clients[n], items[n], 10_000 * (t + 1) + k,
                                                                      bursts, keep_alive=True))
            bare_clients.run("GET", burst_for / 2)
            for s in sessions:
                s.close()
            bare_clients.close()
    except Exception as exc:
        log(f"HTTP load failed: {type(exc).__name__}: {exc}")
        rows.append(("HTTP load", f"failed: {type(exc).__name__}: {exc}", True))
    everything.saves += bursts.saves
    rate = len(bursts.ok) / burst_seconds if burst_seconds else 0.0
    latencies = [s.seconds for s in bursts.ok]
    rows.append((f"burst: {BURST_CLIENTS} candidates, {burst_for:.0f} s",
                 f"{rate:,.0f} saves/s; p50 {pct(latencies, 50):.0f} p95 {pct(latencies, 95):.0f} ms; "
                 f"errors {len(bursts.errors)}", bool(bursts.errors) or not burst_seconds))
    log(f"burst: {rate:,.0f} saves/s, errors {len(bursts.errors)}")
    get_rate, post_rate = (bare_clients.rate("GET"), bare_clients.rate("POST")) if bare_clients else (0.0, 0.0)
    errors = bare_clients.counts["errors"] if bare_clients else 0
    rows.append(("bare Flask, same gunicorn", f"GET {get_rate:,.0f} req/s, POST {post_rate:,.0f} req/s"
                 + (f"; errors {errors}" if errors else ""), bool(errors)))
    ratio = rate / post_rate if post_rate else 0.0
    rows.append(("burst / bare POST", f"{ratio:.2f}", ratio < 0.1))
    lost, acked, answers = lost_saves(app, everything.saves)
    rows.append(("lost acknowledged saves", f"lost = {lost} ({acked:,} acknowledged saves of {answers} answers "
                                            f"checked in the database)", lost > 0))
    log(f"lost = {lost} of {acked:,} acknowledged saves")
    return rows


def log_line(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    """Run by bench/scale.py: the load on a seeded database; prints the table's rows as JSON, last."""
    import argparse

    parser = argparse.ArgumentParser(description="The HTTP part of bench/scale.py.")
    parser.add_argument("--uri", required=True, help="MONGO_URI of the seeded embedded database")
    parser.add_argument("--world", required=True, help="JSON written by bench/scale.py: accounts and interviews")
    parser.add_argument("--workdir", required=True, help="folder for the servers' logs")
    parser.add_argument("--quick", action="store_true", help="8 s paced phases and 5 s bursts")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))  # finally blocks stop the servers
    world = json.loads(Path(args.world).read_text())
    rows = run_load(args.uri, world, args.quick, Path(args.workdir), log_line)
    print(json.dumps(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
