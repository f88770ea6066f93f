"""Competencies with behaviourally anchored rating scales (BARS), interview templates, and the
example competencies every installation starts with.

Indexes, one per query (README "Queries and their indexes"):
- competencies: `name_key` (the case-folded name) is unique, so two competencies can never share a
  name whatever the case, and it orders the list page.
- interview_templates: an HR user's list (`owner_id`, `archived`, newest first) and the admin's
  list of everyone's (`archived`, newest first).
- interviews: `template_id` + `starts_at`, what a bulk schedule reads to refuse a second interview
  from the same template at the same time.

The examples are inserted by their `name_key`: a second run, or a competency an admin already made
under the same name, leaves the existing one untouched.
"""
from pymongo.errors import DuplicateKeyError

EXAMPLES = [
    ("Problem solving",
     "Breaks an unfamiliar problem into parts, weighs options against evidence and reaches a workable, "
     "checked solution.",
     ["Restates the problem or jumps to a single guess; no steps, no check of whether it works.",
      "Names some steps but misses key constraints; the solution works only for the obvious case.",
      "Splits the problem into parts, picks a reasonable approach and checks it on the main cases.",
      "Compares two or more approaches with their trade-offs, chooses with a reason and tests edge cases.",
      "Frames the problem precisely, uses evidence to rule options in or out, anticipates failure modes "
      "and says how the solution would be verified and improved."]),
    ("Communication",
     "Explains ideas in writing so that the intended reader understands them the first time.",
     ["Hard to follow: no structure, undefined jargon, the main point missing or buried.",
      "The main point is there but the reader has to work for it; order or terms get in the way.",
      "Clear and ordered: states the point, supports it, uses terms the reader knows.",
      "Adapts to the reader: leads with what matters to them, uses examples, anticipates questions.",
      "Concise and precise under complexity: a difficult idea made easy to act on, with nothing missing "
      "and nothing extra."]),
    ("Technical depth",
     "Knows the tools and concepts of the role well enough to use them correctly and explain why they work.",
     ["Uses terms incorrectly or cannot explain the basics of the tools named.",
      "Knows the basics but cannot say why they work or when they fail.",
      "Explains how the tools work and applies them correctly to typical cases.",
      "Explains internals and trade-offs, and chooses between alternatives for a given situation.",
      "Reasons from first principles about unusual cases, knows the limits of the tools and how to work "
      "around them, and can teach it to others."]),
    ("Ownership and accountability",
     "Takes responsibility for outcomes, follows work through to the end and owns mistakes.",
     ["Describes outcomes as others' doing; no sign of following through.",
      "Does the assigned part but stops at its edge, even when the outcome is at risk.",
      "Follows own work through to a finished result and reports problems when they happen.",
      "Acts beyond the assigned part to secure the outcome, and admits and repairs own mistakes.",
      "Anticipates risks to the outcome, fixes their causes (not just the symptom), and changes how the "
      "team works so they do not recur."]),
    ("Collaboration",
     "Works with others towards a shared goal: shares information, seeks other views and resolves "
     "disagreement constructively.",
     ["Works alone or against others; dismisses other views.",
      "Cooperates when asked but shares little and avoids disagreement.",
      "Shares information, asks for input and takes part in resolving disagreements.",
      "Brings others in early, builds on their ideas and settles disagreements on the merits.",
      "Creates the conditions for the group to succeed: aligns people with different goals, turns "
      "conflict into better decisions, and credits others."]),
    ("Learning",
     "Acquires new knowledge and skills quickly and turns feedback and mistakes into better work.",
     ["Shows no new learning; repeats the same approach after it failed.",
      "Learns when taught directly but does not seek it out; feedback changes little.",
      "Picks up what the work needs and applies feedback to the next attempt.",
      "Seeks out learning ahead of need, reflects on mistakes and changes approach as a result.",
      "Learns a new area fast and systematically, applies it to hard problems and spreads what was "
      "learned to others."]),
]


def upgrade(db):
    db.competencies.create_index([("name_key", 1)], unique=True)
    db.interview_templates.create_index([("owner_id", 1), ("archived", 1), ("created_at", 1), ("_id", 1)])
    db.interview_templates.create_index([("archived", 1), ("created_at", 1), ("_id", 1)])
    db.interviews.create_index([("template_id", 1), ("starts_at", 1)])
    for name, description, anchors in EXAMPLES:
        key = name.casefold()
        if db.competencies.find_one({"name_key": key}) is not None:
            continue
        try:
            db.competencies.insert_one({"name": name, "name_key": key, "description": description,
                                        "anchors": anchors, "version": 1, "builtin": True, "created_by": None,
                                        # No time: the same documents on every backend and every run.
                                        "created_at": None, "updated_at": None})
        except DuplicateKeyError:  # a concurrent run inserted it first
            continue
