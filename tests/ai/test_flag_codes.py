"""Every flag and failure code the AI layer can produce is one the API documents, and a story that
the local scorer cannot tie to its question is named for HR, not passed in silence."""
import importlib
import pkgutil

import pytest

import interviewer.ai as ai_package
from interviewer.ai import checks
from interviewer.ai.local import LocalProvider
from interviewer.ai.types import ERROR_CODES, FLAG_CODES, AIError, CriterionScore, Evaluation, Flag

MODULES = [importlib.import_module(f"interviewer.ai.{m.name}") for m in pkgutil.iter_modules(ai_package.__path__)]


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_every_flag_the_ai_modules_define_has_a_documented_code():
    flags = [v for m in MODULES for v in vars(m).values() if isinstance(v, Flag)]
    assert len(flags) >= 12
    assert {f.code for f in flags} - set(FLAG_CODES) == set()


def test_every_provider_error_has_a_documented_code():
    import interviewer.services.evaluations as evaluations

    codes = {cls.code for cls in _subclasses(AIError)} | {AIError.code, evaluations.GENERIC_CODE, "gone"}
    assert "bad_input" in codes
    assert codes - set(ERROR_CODES) == set()


def test_the_openapi_document_lists_the_codes(client):
    schemas = client.get("/openapi.json").get_json()["components"]["schemas"]
    code = schemas["AIFlagOut"]["properties"]["code"]
    assert set(code["enum"]) == set(FLAG_CODES)
    assert "story_unchecked" in code["description"] and "no_reference" in code["description"]
    error = schemas["AIJobOut"]["properties"]["error_code"]
    assert {"bad_input", "bad_output", "timeout"} <= set(error["enum"])


FEEDBACK_Q = "Describe a time you received critical feedback on your work. How did you respond, and what changed?"
FEEDBACK_REF = ("A strong answer names specific feedback, shows the candidate listened without getting defensive, "
                "describes concrete changes they made, and reflects on what they learned and how they seek feedback "
                "now.")
HONEST = ("In my first year a senior engineer told me in a review that my pull requests were far too big to read "
          "and that I ignored his comments. I felt defensive at first, but I asked him to walk me through one. I "
          "started splitting work into small changes and answering every comment. Since then I ask for review early.")
HIKE = ("Last summer I went hiking in the Alps with two friends. We planned the route for weeks, booked huts, and I "
        "carried the stove. On the third day the weather turned, so we waited a day in the hut, played cards, and "
        "then finished the trail. I learned that I love mountains and I bought better boots afterwards.")


def test_a_story_about_something_else_is_named_for_hr():
    hike = LocalProvider("static").evaluate(FEEDBACK_Q, FEEDBACK_REF, HIKE)
    assert "story_unchecked" in [f.code for f in hike.flags]
    honest = LocalProvider("static").evaluate(FEEDBACK_Q, FEEDBACK_REF, HONEST)
    assert "story_unchecked" not in [f.code for f in honest.flags]


def test_a_model_reading_the_story_is_not_told_the_local_scorer_could_not():
    model = Evaluation(score=7.0, feedback="A story about a hike.", provider="gemini", model="m", prompt_version="1",
                       criteria={"relevance": CriterionScore(score=2)})
    flags = checks.second_opinion(model, FEEDBACK_Q, FEEDBACK_REF, HIKE)
    assert "story_unchecked" not in [f.code for f in flags]
    # ... while a capping gate still reaches it: a keyboard mash scored 7 is a disagreement.
    mash = checks.second_opinion(model, FEEDBACK_Q, FEEDBACK_REF, "asdf qwer zxcv uiop hjkl asdf qwer zxcv")
    assert [f.code for f in mash] == ["not_prose", "disagreement"]


@pytest.mark.parametrize("code", sorted(FLAG_CODES))
def test_every_code_has_a_meaning(code):
    assert len(FLAG_CODES[code]) > 10


def test_local_feedback_says_words_were_matched_not_that_points_were_covered():
    q = "Is a volatile int's count++ atomic in Java?"
    ref = "No: volatile gives visibility, but count++ is a read, an add and a write, so updates can be lost."
    wrong = "Yes: volatile makes count++ atomic, because volatile gives visibility and the read, add and write are one."
    feedback = LocalProvider("static").evaluate(q, ref, wrong, ["count++ is not atomic", "volatile gives visibility"]).feedback
    assert "Covered" not in feedback and "not checked for truth" in feedback
