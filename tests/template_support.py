"""Helpers shared by the template tests: two of the example competencies, and a template's form data."""
from __future__ import annotations

from interviewer.services import competencies as comp


def example_competencies(repos, user):
    """"Problem solving" and "Communication", two of the examples the migration inserts."""
    by_name = {c.name: c for c in comp.list_page(repos, user, 1, 100).items}
    return by_name["Problem solving"], by_name["Communication"]


def template_data(two, **over):
    """A valid template over the competencies `two`: two questions, a 48-hour window; `over` replaces fields."""
    a, b = two
    data = {"name": "Backend, senior", "job_title": "Backend engineer", "job_description": "Python",
            "competency_ids": [a.id, b.id], "window_hours": 48,
            "questions": [{"text": "Design a rate limiter.", "competency_ids": [a.id]},
                          {"text": "Explain it to a product manager.", "competency_ids": [a.id, b.id]}]}
    data.update(over)
    return data
