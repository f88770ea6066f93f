"""Every main page of every role, on a phone (375 px, dark) and a desktop (1280 px, light): the page never scrolls
sideways, nothing a person must reach is cut off at the edge (wide tables scroll inside their own
box), and axe-core finds no serious or critical accessibility problem.

One browser context per role and width walks all of that role's pages, so the whole walk costs a
few page loads per page, not a browser each. axe-core is vendored for these tests only
(tests/browser/vendor/, pinned; never served by the app): it is run by Playwright's evaluate, which
the pages' Content-Security-Policy does not govern.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from interviewer.services import interviews as svc
from interviewer.services import panels
from interviewer.services import templates as tpl_service

from . import playwright_expect

pytestmark = pytest.mark.browser
expect = playwright_expect()

AXE_VERSION = "4.14.1"
AXE = Path(__file__).with_name("vendor") / f"axe-core-{AXE_VERSION}.min.js"
# The phone walks in the dark colour scheme and the desktop in the light one: Pico follows the system's,
# and a colour of our own (a badge, a flash) must stay readable in both, at no extra walk.
WIDTHS = {"phone": (375, "dark"), "desktop": (1280, "light")}
BLOCKING = ("serious", "critical")

# A job title and an e-mail address longer than a phone is wide: tables must scroll in their box,
# headings and cards must wrap.
JOB = "Senior backend engineer (Python, Flask, MongoDB) for the platform and payments team"
LONG_EMAIL = "cara.candidate.with.a.rather.long.address@example-company.example.com"
RESUME = "Cara Candidate\nPython developer, 6 years.\n<script>alert(1)</script> Flask, MongoDB, pytest."

# What each visible control's box must lie within, and where it may overflow: a box that scrolls.
MEASURE = """() => {
  const width = window.innerWidth;
  const scrolls = el => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const style = getComputedStyle(p);
      if (/(auto|scroll)/.test(style.overflowX) && p.getBoundingClientRect().right <= width + 1) return true;
    }
    return false;
  };
  const clipped = [];
  const selector = ["a[href]", "button", "input:not([type=hidden])", "select", "textarea", "summary"]
    .flatMap(s => ["body > header " + s, "main " + s]).join(", ");
  for (const el of document.querySelectorAll(selector)) {
    const box = el.getBoundingClientRect();
    if (!box.width || !box.height || getComputedStyle(el).visibility === "hidden") continue;
    if ((box.left < -1 || box.right > width + 1) && !scrolls(el)) {
      clipped.push(`${el.tagName.toLowerCase()} "${(el.innerText || el.value || el.name || "").trim().slice(0, 40)}"`
                   + ` at x=${Math.round(box.left)}..${Math.round(box.right)}`);
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, width, clipped};
}"""

RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return {
    rules: result.passes.length + result.violations.length + result.incomplete.length,
    blocking: result.violations.filter(v => ["serious", "critical"].includes(v.impact)).map(v =>
      `${v.impact} ${v.id}: ${v.help} — ` + v.nodes.slice(0, 3).map(n =>
        n.target.join(" ") + ((n.any[0] || {}).message ? ` (${n.any[0].message})` : "")).join(" | ")),
  };
}"""


@pytest.fixture(scope="module")
def axe_source() -> str:
    return AXE.read_text(encoding="utf-8")


@pytest.fixture
def people(live_server, make_user, schedule):
    """One of each role, and interviews in every state a page shows: one open with an answer, one
    handed in (HR reviews it), one evaluated and shared (the candidate's history)."""
    repos, now = live_server.repos, datetime.now(UTC)
    hr = make_user("hr", name="Harriet HR")
    candidate = make_user("candidate", name="Cara Candidate", email=LONG_EMAIL, hr=hr,
                          resume_text=RESUME, resume_filename="cara.txt")
    admin = make_user("admin", name="Ada Admin")

    def interview(n=3):
        made = schedule(hr, candidate, n=n)
        repos.interviews.set_fields(made.id, job_title=JOB)
        return made

    open_one, handed_in, shared = interview(4), interview(), interview()
    svc.save_answer(repos, candidate, open_one.id, open_one.questions[0].id, "A first answer.", now)
    for made in (handed_in, shared):
        for q in made.questions[:2]:
            svc.save_answer(repos, candidate, made.id, q.id, q.reference_answer or "An answer.", now)
        svc.submit(repos, candidate, made.id, now)
    svc.record_result(repos, hr, shared.id, "7.5", "Clear and correct.", now + timedelta(seconds=1))
    svc.set_shared(repos, hr, shared.id, True, now + timedelta(seconds=2))
    competencies = repos.competencies.page(1, 2).items
    template = tpl_service.create(repos, hr, {
        "name": JOB, "job_title": JOB, "window_hours": 48, "competency_ids": [c.id for c in competencies],
        "questions": [{"text": "Design a rate limiter for the payments API.",
                       "competency_ids": [c.id for c in competencies]}]}, now)
    # Two panel interviews: on `rating`, the owner has not rated yet (the form, blind); on `board`,
    # both raters have submitted (the side-by-side board, and the competency profile on the result).
    member = make_user("hr", name="Pat Panel")
    rating, board = interview(), interview()
    for made in (rating, board):
        for q in made.questions:
            svc.save_answer(repos, candidate, made.id, q.id, q.reference_answer or "An answer.", now)
        svc.submit(repos, candidate, made.id, now)
        panels.add_member(repos, hr, made.id, member.id, now)
        for rater in ((member,) if made is rating else (member, hr)):
            items = [{"question_id": p.question_id, "competency_id": p.competency_id, "rating": 3 + (rater is hr),
                      "evidence": ""} for p in panels.pairs(made)]
            panels.submit(repos, rater, made.id, items, repos.panels.get(made.id, rater.id).version, now)
    return {"hr": hr, "candidate": candidate, "admin": admin,
            "open": open_one.id, "handed_in": handed_in.id, "shared": shared.id,
            "template": template.id, "competency": competencies[0].id, "rating": rating.id, "board": board.id}


def schedule_chosen(page, people):
    """The schedule form with a candidate picked: their resume unfolded below the list."""
    page.goto("/hr/schedule")
    page.get_by_role("radio", name=f"Cara Candidate — {LONG_EMAIL}").check()
    resume = page.locator("#candidate-resume").get_by_test_id("resume")
    resume.locator("summary").click()
    expect(resume.get_by_test_id("resume-text")).to_contain_text("<script>alert(1)</script> Flask")


def schedule_review(page, people):
    """The form of `schedule_chosen`, filled in, then its second step (the draft to review)."""
    now = datetime.now(UTC)
    page.get_by_label("Job title", exact=True).fill("Backend engineer")
    page.get_by_label("Opens at", exact=True).fill((now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Deadline", exact=True).fill((now + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Time zone of these times").select_option("UTC")
    page.get_by_label("Number of questions", exact=True).fill("3")
    page.get_by_role("button", name="Draft the questions").click()
    expect(page.get_by_test_id("draft-question")).to_have_count(3)


def agreement_loaded(page, people):
    """The agreement page once htmx has filled in its reliability section."""
    page.goto("/hr/agreement")
    expect(page.get_by_test_id("agreement-reliability")).to_be_visible()


def evaluated_by_ai(page, people):
    """The interview page of `people["handed_in"]` after "Evaluate all": AI results, flags and criteria."""
    page.get_by_test_id("ai-evaluate-all").click()
    expect(page.locator("[data-testid=ai-slot][data-state=done]")).to_have_count(2)


# Each role's main pages: a path (formatted with the `people` ids) or a function that brings the page there.
PAGES = {
    "anonymous": ["/login", "/register", "/api/docs"],
    "candidate": ["/candidate/", "/candidate/interviews/{open}/q/1", "/candidate/interviews/{open}/submit",
                  "/candidate/history", "/candidate/history/{shared}", "/account/password"],
    "hr": ["/hr/interviews", schedule_chosen, schedule_review, "/hr/interviews/{handed_in}", evaluated_by_ai,
           "/hr/interviews/{open}", "/hr/results", agreement_loaded, "/hr/agreement/reliability",
           "/hr/questions", "/hr/competencies",
           "/hr/competencies/{competency}", "/hr/templates", "/hr/templates/new", "/hr/templates/{template}",
           "/hr/templates/{template}/schedule", "/hr/panels", "/hr/interviews/{rating}",
           "/hr/interviews/{rating}/rating", "/hr/interviews/{board}", "/hr/interviews/{board}/rating"],
    "admin": ["/admin/users", "/admin/questions", "/hr/interviews", "/hr/interviews/{shared}"],
}


def check_page(page, axe_source) -> list[str]:
    """What is wrong with the page as it is now (an empty list when nothing is)."""
    page.wait_for_load_state("load")
    problems = []
    measured = page.evaluate(MEASURE)
    if measured["scrollWidth"] > measured["width"]:
        problems.append(f"the page scrolls sideways: {measured['scrollWidth']} px wide in {measured['width']}")
    problems += [f"cut off: {c}" for c in measured["clipped"]]
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        page.evaluate(axe_source)
    axe = page.evaluate(RUN_AXE)
    assert axe["rules"] >= 20, f"axe-core ran only {axe['rules']} rules on {page.url}"
    return problems + axe["blocking"]


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("role", PAGES)
def test_every_main_page_fits_and_passes_axe(new_page, sign_in, people, axe_source, role, width):
    pixels, scheme = WIDTHS[width]
    page = new_page(viewport={"width": pixels, "height": 800}, color_scheme=scheme)
    if role != "anonymous":
        sign_in(page, people[role])
    found = {}
    for step in PAGES[role]:
        if callable(step):
            step(page, people)
            name = step.__name__
        else:
            name = step.format(**people)
            page.goto(name)
        problems = check_page(page, axe_source)
        if problems:
            found[name] = problems
    assert not found, "\n".join(f"{role} {width} {url}:\n  " + "\n  ".join(p) for url, p in found.items())
