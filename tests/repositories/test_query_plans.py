"""Every query the app sends has a supporting index: the README's "Queries and their indexes" table is
the contract, and sqlite's own query plan is the judge.

A workload that walks every page and API call of each role runs on the embedded store while each
query's shape (collection, operation, filter fields and operators, sort) is recorded. Each recorded
shape must be a row of the README table, and sqlite's plan for it must use the index that row names
(a row whose index is "scan" is a deliberate full scan, and says why).
"""
from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from support import PASSWORD, sqlite_uri

from interviewer import create_app, mail, sqlitestore
from interviewer.ai import get_provider
from interviewer.db import get_db, get_repos
from interviewer.migrate import upgrade
from interviewer.services import audit
from interviewer.services import evaluations as ev
from interviewer.services import interviews as svc
from interviewer.services import users as user_service

README = Path(__file__).resolve().parents[2] / "README.md"


def shape(collection: str, op: str, filt: dict, sort: list | None = None) -> str:
    """``collection op {field op, …} sort field ±1, …`` — what the README table lists."""
    def fields(f: dict) -> list[str]:
        out = []
        for key, cond in f.items():
            if key in ("$or", "$and"):
                out.append(key + "(" + " or ".join(", ".join(fields(c)) for c in cond) + ")")
            elif isinstance(cond, dict) and cond and all(k.startswith("$") for k in cond):
                out.append(key + " " + " ".join(sorted(k for k in cond if k != "$options")))
            else:
                out.append(key)
        return sorted(out)
    text = f"{collection} {op} {{{', '.join(fields(filt))}}}"
    if sort:
        text += " sort " + ", ".join(f"{f} {d:+d}" for f, d in sort)
    return text


def readme_table() -> dict[str, str]:
    """The README rows: shape → index name ("scan" for a deliberate full scan)."""
    text = README.read_text(encoding="utf-8")
    if "### Queries and their indexes" not in text:
        return {}
    section = text.split("### Queries and their indexes", 1)[1].split("\n## ", 1)[0].split("\n### ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip().strip("`") for c in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and not set(cells[0]) <= {"-", " "} and cells[0] != "query":
            rows[cells[0]] = cells[1]
    return rows


@pytest.fixture
def recorded(monkeypatch):
    """Every query shape sent to the embedded store while the test runs: shape → (collection, filter, sort, count?)."""
    seen: dict[str, tuple] = {}

    def note(col, op, filt, sort=None, count=False):
        if col.name != "migrations":
            seen.setdefault(shape(col.name, op, filt or {}, sort), (col, dict(filt or {}), sort, count))

    iterate, count, update, delete_one, delete_many = (
        sqlitestore.Cursor.__iter__, sqlitestore.Collection.count_documents, sqlitestore.Collection._update,
        sqlitestore.Collection.delete_one, sqlitestore.Collection.delete_many)

    def cursor_iter(self):
        note(self._col, "find", self.filter, self.sort_spec or None)
        return iterate(self)

    def counting(self, filt=None):
        note(self, "count", filt, count=True)
        return count(self, filt)

    def updating(self, filt, update_doc, many, sort=None, upsert=False, want_docs=False):
        note(self, "update", filt, sort)
        return update(self, filt, update_doc, many, sort, upsert, want_docs)

    def deleting(original):
        def run(self, filt):
            note(self, "delete", filt)
            return original(self, filt)
        return run

    monkeypatch.setattr(sqlitestore.Cursor, "__iter__", cursor_iter)
    monkeypatch.setattr(sqlitestore.Collection, "count_documents", counting)
    monkeypatch.setattr(sqlitestore.Collection, "_update", updating)
    monkeypatch.setattr(sqlitestore.Collection, "delete_one", deleting(delete_one))
    monkeypatch.setattr(sqlitestore.Collection, "delete_many", deleting(delete_many))
    return seen


@pytest.fixture
def store_app(tmp_path, monkeypatch):
    monkeypatch.setattr(user_service, "HASH_METHOD", "pbkdf2:sha256:1000")
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "WTF_CSRF_ENABLED": False, "AI_PROVIDER": "local",
                      "GEMINI_API_KEY": "", "MONGO_URI": sqlite_uri(tmp_path / "plans.sqlite3"),
                      "MAIL_SENDER": "manual"})
    with app.app_context():
        upgrade(get_db())
    return app


def _workload(app) -> None:
    """Every role's pages and API calls once, over a small but complete data set."""
    repos = get_repos(app)
    now = datetime.now(UTC)
    make = lambda role, n: user_service.create_user(repos, f"{role}{n}@example.com", f"{role} {n}", PASSWORD, role)  # noqa: E731
    admin, hr = make("admin", 1), make("hr", 1)
    cands = [user_service.assign(repos, make("candidate", n).id, hr.id) for n in range(3)]
    req = lambda c, start: svc.ScheduleRequest(c.id, "Backend engineer", "Python", start, now + timedelta(days=1), 3)  # noqa: E731
    made = []
    for c in cands:
        draft = svc.draft_questions(repos, hr, req(c, now - timedelta(hours=1)), now)
        made.append(svc.schedule(repos, hr, req(c, now - timedelta(hours=1)), [q.__dict__ for q in draft.questions], now))
    done = made[0]
    for q in done.questions:
        svc.save_answer(repos, cands[0], done.id, q.id, "An answer about " + q.text[:30], now, seq=1)
    svc.submit(repos, cands[0], done.id, now)
    response = repos.responses.find(done.id, done.questions[0].id)

    client = app.test_client()
    get = lambda url, **kw: (lambda r: (r.get_data(), r)[1])(client.get(url, **kw))  # noqa: E731  (streams read to the end)
    def login(user):
        client.post("/logout")
        assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302

    login(admin)
    for url in ("/admin/users", "/admin/users?q=cand", "/admin/users?role=candidate&status=assigned",
                "/admin/users?active=0", f"/admin/users?hr_id={hr.id}", "/admin/stats", "/admin/questions",
                "/hr/interviews", "/hr/interviews?candidate=candidate%201", "/hr/agreement",
                "/hr/agreement/reliability", "/hr/results.csv",
                "/hr/schedule", "/hr/schedule?candidate_q=cand", "/admin/users?q=Candidate1@Example.com",
                "/hr/schedule?candidate_q=candidate2@example.com"):
        assert get(url).status_code == 200, url
    client.post(f"/admin/users/{cands[2].id}/unassign")
    client.post(f"/admin/users/{cands[2].id}/assign", data={"hr_id": hr.id})
    client.post(f"/admin/users/{cands[2].id}/sessions/end")

    login(hr)
    for url in ("/hr/interviews", "/hr/interviews?status=completed", "/hr/interviews?job_title=back&sort=asc",
                f"/hr/interviews?candidate_id={cands[0].id}", "/hr/interviews?candidate=candidate",
                "/hr/interviews?status=in_progress&candidate=c", "/hr/results", "/hr/results.csv",
                "/hr/results.csv?per=response", "/hr/agreement", "/hr/agreement/reliability",
                f"/hr/interviews/{done.id}",
                f"/hr/interviews/{made[1].id}/progress", "/hr/schedule", "/hr/questions",
                f"/hr/schedule?candidate_q=Candidate%201&candidate_id={cands[0].id}",
                "/hr/schedule?candidate_q=candidate0@example.com"):
        assert get(url).status_code == 200, url
    _templates_workload(client, get, repos, hr, cands, now)
    _panels_workload(client, get, repos, hr, done, make("hr", 2))
    ev.request_evaluation(repos, hr, response.id, now, lambda rid: None)
    ev.run_job(repos, response.id, lambda: get_provider(app.config))
    assert get(f"/hr/responses/{response.id}/ai", headers={"HX-Request": "true"}).status_code == 200
    client.post(f"/hr/interviews/{done.id}/questions/{done.questions[0].id}/score", data={"score": "7", "feedback": ""})
    client.post(f"/hr/interviews/{done.id}/result", data={"overall_score": "7", "overall_feedback": "ok"})
    client.post(f"/hr/interviews/{done.id}/share", data={"shared": "1"})
    moved = (now + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    assert client.post(f"/hr/interviews/{made[2].id}/reschedule", data={"deadline": moved, "tz": "UTC"}).status_code == 303
    client.post(f"/hr/interviews/{made[2].id}/cancel")
    assert get("/hr/agreement").status_code == 200
    token = client.post("/auth/token", json={"email": hr.email, "password": PASSWORD}).get_json()["access_token"]
    bearer = {"Authorization": f"Bearer {token}"}
    for url in ("/interview/all", "/interview/results/all", f"/interview/{done.id}/responses",
                f"/interview/all?candidate_id={cands[0].id}&status=completed"):
        assert get(url, headers=bearer).status_code == 200, url
    client.delete("/auth/token", headers=bearer)

    login(cands[1])
    interview = made[1]
    for url in ("/candidate/", f"/candidate/interviews/{interview.id}", f"/candidate/interviews/{interview.id}/q/1",
                "/candidate/history", f"/candidate/interviews/{interview.id}/invite.ics"):
        assert get(url).status_code in (200, 303), url
    save = client.post(f"/candidate/interviews/{interview.id}/answers/{interview.questions[0].id}",
                       data={"answer": "typed", "seq": "5"})
    assert save.status_code == 200
    client.post(f"/candidate/interviews/{interview.id}/submit")
    assert get("/candidate/self-identification").status_code == 200
    for _ in range(2):  # the first stores, the second replaces
        assert client.post("/candidate/self-identification", data={"sex": "female"}).status_code == 303
    assert client.post("/candidate/self-identification/withdraw").status_code == 303
    client.post("/candidate/self-identification", data={"sex": "male"})
    client.post("/logout")
    client.post("/login", data={"email": cands[1].email, "password": "wrong password"})
    svc.close_expired(repos, now + timedelta(days=2))
    login(admin)
    for url in ("/admin/audit", "/admin/audit?action=answer.score", "/admin/audit.csv", "/admin/outbox",
                "/hr/templates", "/admin/impact", "/admin/impact.csv"):
        assert get(url).status_code == 200, url
    assert audit.verify(repos).ok
    sent = mail.send_due(app)  # a cancellation, two hand-ins, results shared; invitations to closed interviews dropped
    # … and the three invitations of the bulk schedule from a template (_templates_workload)
    assert sent["kept"] == 4 + 3 and sent["dropped"] == 4, sent


def _templates_workload(client, get, repos, hr, cands, now) -> None:
    """Competencies and interview templates: their pages, an edit of each, a bulk schedule (twice)."""
    from interviewer.services import templates as tpl_service

    competencies = repos.competencies.page(1, 2).items
    ids = [c.id for c in competencies]
    form = {"name": "Plans", "job_title": "Engineer", "window_hours": "24", "competency_ids": ids,
            "q-1-text": "Why?", "q-1-competency": ids}
    assert client.post("/hr/templates", data=form).status_code == 303
    template = repos.templates.page(hr.id).items[0]
    for url in ("/hr/competencies", "/hr/competencies?page=2", f"/hr/competencies/{ids[0]}", "/hr/templates",
                "/hr/templates?archived=1", f"/hr/templates/{template.id}", f"/hr/templates/{template.id}/schedule",
                "/hr/templates/new", "/hr/templates/new?competency_q=solv"):
        assert get(url).status_code == 200, url
    # an HR user edits a competency of their own (the shipped examples are an admin's to edit)
    assert client.post("/hr/competencies", data={"name": "Plans competency", **{f"anchor_{n}": str(n) for n in
                                                                                  range(1, 6)}}).status_code == 303
    first = repos.competencies.by_name("Plans competency")
    edit = {"name": first.name, "description": "Edited.", "version": str(first.version),
            **{f"anchor_{n}": a for n, a in enumerate(first.anchors, 1)}}
    assert client.post(f"/hr/competencies/{first.id}", data=edit).status_code == 303
    assert client.post(f"/hr/templates/{template.id}", data={**form, "version": "1"}).status_code == 303
    bulk = {"batch_id": tpl_service.new_batch_id(), "tz": "UTC", "candidate_ids": [c.id for c in cands],
            "starts_at": (now + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")}
    for _ in range(2):
        assert client.post(f"/hr/templates/{template.id}/schedule", data=bulk).status_code in (200, 201)


def _panels_workload(client, get, repos, hr, done, rater) -> None:
    """A panel: a member added, the pages, a draft, the submission, the board, the outcome, a removal."""
    assert client.post(f"/hr/interviews/{done.id}/panel", data={"rater_id": rater.id}).status_code == 303
    for url in (f"/hr/interviews/{done.id}", "/hr/panels", f"/hr/interviews/{done.id}/rating",
                "/hr/results.csv?per=response"):
        assert get(url).status_code == 200, url
    form = {f"rating.{q.id}.general": "4" for q in done.questions}
    assert client.post(f"/hr/interviews/{done.id}/rating", data={**form, "version": "1"}).status_code == 303
    assert client.post(f"/hr/interviews/{done.id}/rating/submit", data={**form, "version": "2"}).status_code == 303
    assert get(f"/hr/interviews/{done.id}/rating").status_code == 200
    assert client.post(f"/hr/interviews/{done.id}/outcome", data={"outcome": "advance", "seen": ""}).status_code == 303
    assert client.post(f"/hr/interviews/{done.id}/panel/{rater.id}/remove").status_code == 303


_SCAN = re.compile(r"^SCAN c_\w+$")


def _index_of(plan: list[str]) -> str:
    """The index sqlite's plan uses ("scan" when it reads the whole table)."""
    used = [m.group(1) for line in plan for m in [re.search(r"INDEX (\w+)", line)] if m]
    if any(_SCAN.match(line) for line in plan):
        return "scan"
    if used:
        return used[0]
    return "id" if any("PRIMARY KEY" in line for line in plan) else "scan"


def test_every_query_uses_the_index_the_readme_names(store_app, recorded):
    _workload(store_app)
    table = readme_table()
    found = {}
    with store_app.app_context():
        for key, (col, filt, sort, count) in sorted(recorded.items()):
            found[key] = _index_of(col.explain(filt, sort, count=count)).removeprefix(f"ix_{col.name}_")
    found = {k: ("id" if v.startswith("sqlite_autoindex") else v) for k, v in found.items()}
    missing = sorted(k for k in found if k not in table)
    assert not missing, "queries missing from the README table:\n" + "\n".join(f"| `{k}` | {found[k]} |" for k in missing)
    stale = sorted(k for k in table if k not in found)
    assert not stale, f"README rows no query sends any more: {stale}"
    wrong = {k: (table[k], v) for k, v in found.items() if table[k] != v}
    assert not wrong, f"README index ≠ sqlite's plan (README, plan): {wrong}"
    assert len(found) >= 30  # the workload really walked the app


@pytest.mark.skipif(not os.environ.get("TEST_MONGO_URI"), reason="needs a MongoDB server (TEST_MONGO_URI)")
def test_every_query_is_indexed_on_mongodb(store_app, recorded, tmp_path):
    """The same queries on a real MongoDB after the same workload: no collection scan in a winning plan
    except for the shapes the README marks as a deliberate scan."""
    import json
    import uuid

    _workload(store_app)
    table = readme_table()
    name = f"interviewer_plans_{uuid.uuid4().hex[:10]}"
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "WTF_CSRF_ENABLED": False, "AI_PROVIDER": "local",
                      "GEMINI_API_KEY": "", "MONGO_URI": os.environ["TEST_MONGO_URI"], "MONGO_DB": name})
    try:
        with app.app_context():
            upgrade(get_db())
        _workload(app)
        db = get_db(app)
        scans = []
        for key, (col, filt, sort, count) in sorted(recorded.items()):
            command = {"count": col.name, "query": filt} if count else {"find": col.name, "filter": filt}
            if sort and not count:
                command["sort"] = dict(sort)
            plan = db.command("explain", command, verbosity="queryPlanner")["queryPlanner"]["winningPlan"]
            if "COLLSCAN" in json.dumps(plan, default=str) and table.get(key) != "scan":
                scans.append(key)
        assert not scans, f"collection scans on MongoDB: {scans}"
    finally:
        get_db(app).client.drop_database(name)
