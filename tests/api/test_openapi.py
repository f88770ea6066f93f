"""The OpenAPI document: complete, in step with the routes, readable offline; and Schemathesis
fuzzing every operation as every kind of caller (no 500s, answers match the document)."""
from __future__ import annotations

import re

import pytest
import schemathesis
from bson import ObjectId
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from interviewer.api.core import OPERATIONS

FUZZ_EXAMPLES = 25  # per operation and caller: the whole module stays well under a minute on mongomock
FUZZ_ACTORS = ("anonymous", "cand_a", "hr_a", "admin")
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          negative_data_rejection]


def api_routes(app) -> set[tuple[str, str]]:
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            path = rule.rule.replace("<", "{").replace(">", "}")
            routes |= {(m, path) for m in rule.methods - {"HEAD", "OPTIONS"}}
    return routes


def test_document_and_routes_list_the_same_operations(client, api_app):
    doc = client.get("/openapi.json").json
    documented = {(method.upper(), path) for path, item in doc["paths"].items() for method in item}
    assert documented == api_routes(api_app)
    assert doc["openapi"] == "3.1.0"
    assert doc["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "description": "A token from POST /auth/token"}


def test_every_operation_has_schemas_and_errors(client):
    doc = client.get("/openapi.json").json
    for path, item in doc["paths"].items():
        for method, op in item.items():
            success = [code for code in op["responses"] if code.startswith("2")]
            assert success, (method, path)
            if path.startswith("/interview") or path.startswith("/auth"):
                for code in success:
                    if code != "204":
                        assert "$ref" in op["responses"][code]["content"]["application/json"]["schema"]
                assert "401" in op["responses"] or op.get("security") == []
                if "{" in path:
                    assert "404" in op["responses"]
            if method in ("post", "put", "patch") and op.get("requestBody"):
                ref = op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
                schema = doc["components"]["schemas"][ref.rsplit("/", 1)[1]]
                assert schema.get("additionalProperties") is False, f"{ref} must refuse unknown fields"
                assert {"400", "422"} <= set(op["responses"])


def test_documented_fields_use_the_agreed_names(client):
    schemas = client.get("/openapi.json").json["components"]["schemas"]
    interview = set(schemas["InterviewOut"]["properties"])
    assert {"id", "candidate_id", "hr_id", "job_title", "job_description", "status", "questions", "starts_at",
            "deadline", "completed_at", "overall_score", "overall_feedback"} <= interview
    assert {"id", "interview_id", "question_id", "answer", "score", "feedback", "ai_evaluation"} <= set(
        schemas["ResponseOut"]["properties"])
    assert {"id", "text", "category", "difficulty"} <= set(schemas["QuestionOut"]["properties"])
    assert schemas["InterviewOut"]["properties"]["starts_at"]["format"] == "date-time"


def test_docs_page_lists_every_endpoint_offline(client):
    response = client.get("/api/docs")
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    for op in OPERATIONS:
        assert f"{op.method} {op.path}" in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html), "no external assets"


def test_every_rule_is_registered_through_operation(api_app):
    """No API route bypasses the decorator that documents it and checks its callers."""
    assert api_routes(api_app) == {(op.method, op.path) for op in OPERATIONS}


# --- Schemathesis --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def schema(api_app):
    loaded = schemathesis.openapi.from_wsgi("/openapi.json", api_app)
    # Each test sends a real token itself: no made-up (or deliberately missing) Authorization headers.
    loaded.config.generation.update(with_security_parameters=False)
    return loaded


@pytest.fixture(scope="module")
def known(world):
    """Real ids to aim at (both sides, every state) so fuzzing reaches past the 404s."""
    made = [world.interview(side, state) for side in ("a", "b")
            for state in ("scheduled", "in_progress", "completed", "evaluated")]
    return {
        "interview_id": [m.id for m in made] + [str(ObjectId())],
        "response_id": [r.id for m in made for r in m.responses] + [str(ObjectId())],
        "question_id": [q for m in made for q in m.question_ids] + ["qnope"],
        "candidate_id": [world["cand_a"].id, world["cand_b"].id, world["cand_free"].id, world["hr_a"].id],
    }


@pytest.mark.parametrize("actor", FUZZ_ACTORS)
@pytest.mark.parametrize("op", OPERATIONS, ids=lambda op: f"{op.method} {op.path}")
def test_fuzz(schema, world, known, actor, op):
    """Positive and negative cases; known ids swapped into valid cases; a fresh token every call."""
    operation = schema[op.path][op.method]
    path_names = [n[1:-1] for n in re.findall(r"\{\w+\}", op.path)]
    strategies = [st.sampled_from(known.get(n, ["x"])) for n in path_names]
    positive = st.tuples(*strategies).flatmap(
        lambda values: operation.as_strategy(GenerationMode.POSITIVE,
                                             path_parameters=dict(zip(path_names, values, strict=True)) or None))
    cases = positive
    if op.body is not None or op.query is not None:
        cases = st.one_of(positive, operation.as_strategy(GenerationMode.NEGATIVE))

    @settings(max_examples=FUZZ_EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(case=cases, data=st.data())
    def run(case, data):
        if case.meta is None or case.meta.generation.mode == GenerationMode.POSITIVE:
            body = case.body if isinstance(case.body, dict) else {}
            for name in ("interview_id", "response_id", "question_id", "candidate_id"):
                if isinstance(body.get(name), str) and data.draw(st.booleans()):
                    body[name] = data.draw(st.sampled_from(known[name]))
        case.call_and_validate(headers=world.headers(actor), checks=CHECKS)

    run()
