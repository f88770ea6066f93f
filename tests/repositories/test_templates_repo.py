"""The competencies and interview_templates repositories: unique names in any case, compare-and-set
on `version`, pages newest first per owner, malformed ids as None — on every backend."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pymongo.errors import DuplicateKeyError

from interviewer.models import Competency, InterviewTemplate, TemplateQuestion
from interviewer.repositories.competencies import name_key

ANCHORS = ["1", "2", "3", "4", "5"]


def competency(name="Resilience"):
    return Competency(id="", name=name, description="", anchors=list(ANCHORS), created_at=datetime.now(UTC))


def template(owner_id, name="T", created_at=None, archived=False):
    return InterviewTemplate(id="", owner_id=owner_id, name=name, job_title="Engineer", job_description="",
                             competency_ids=["c1"], questions=[TemplateQuestion(id="q1", text="Why?",
                                                                                competency_ids=["c1"])],
                             window_hours=24, archived=archived, created_at=created_at or datetime.now(UTC))


def test_name_key_ignores_case_and_spacing():
    assert name_key("  Problem   SOLVING ") == name_key("problem solving")


def test_names_are_unique_in_any_case(repos):
    made = repos.competencies.insert(competency())
    with pytest.raises(DuplicateKeyError):
        repos.competencies.insert(competency("RESILIENCE"))
    assert repos.competencies.by_name("resilience").id == made.id


def test_competency_compare_and_set(repos):
    made = repos.competencies.insert(competency())
    assert repos.competencies.update(made.id, 1, description="One.")
    assert not repos.competencies.update(made.id, 1, description="Two.")
    stored = repos.competencies.get(made.id)
    assert (stored.version, stored.description) == (2, "One.")
    assert not repos.competencies.update("xyz", 1, description="Three.")


@pytest.mark.parametrize("bad", ["xyz", "", None, 5, "0" * 24, {"$ne": None}])
def test_malformed_or_unknown_ids_are_none(repos, bad):
    assert repos.competencies.get(bad) is None and repos.templates.get(bad) is None


def test_competencies_page_by_name(repos):
    total = repos.competencies.page(1, 100).total
    repos.competencies.insert(competency("aaa first"))
    page = repos.competencies.page(1, 2)
    assert page.total == total + 1 and page.items[0].name == "aaa first" and len(page.items) == 2


def test_template_pages_per_owner_newest_first(repos, world):
    base = datetime.now(UTC)
    a, b = world["hr_a"].id, world["hr_b"].id
    for n in range(3):
        repos.templates.insert(template(a, f"A{n}", base + timedelta(minutes=n)))
    repos.templates.insert(template(b, "B0", base))
    repos.templates.insert(template(a, "A-archived", base, archived=True))
    page = repos.templates.page(a, False, 1, 2)
    assert [t.name for t in page.items] == ["A2", "A1"] and page.total == 3 and page.has_next
    assert [t.name for t in repos.templates.page(a, True).items] == ["A-archived"]
    assert repos.templates.page(None).total == 4


def test_template_compare_and_set_and_round_trip(repos, world):
    made = repos.templates.insert(template(world["hr_a"].id))
    assert made.questions[0] == TemplateQuestion(id="q1", text="Why?", competency_ids=["c1"])
    assert repos.templates.update(made.id, 1, window_hours=48,
                                  questions=[TemplateQuestion(id="q2", text="How?", competency_ids=["c1"])])
    assert not repos.templates.update(made.id, 1, window_hours=72)
    stored = repos.templates.get(made.id)
    assert (stored.version, stored.window_hours, stored.questions[0].text) == (2, 48, "How?")
