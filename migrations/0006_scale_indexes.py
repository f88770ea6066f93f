"""Scale: every list scoped by an indexed field on the document itself, and the indexes for it.

- Interviews carry `hr_id` kept in step with their candidate's assignment (HR lists are
  `hr_id = me`, not `candidate_id $in [every candidate of mine]`); re-synced here from the users.
- Responses carry `hr_id` too (the agreement report reads only the scored answers in scope) and
  `group` (their question's agreement group); both are filled in here for older responses.
Every query's index is listed in the README ("Queries and their indexes"); tests/store checks them.
"""
from interviewer.services.questions import question_key


def upgrade(db):
    db.interviews.create_index([("hr_id", 1), ("starts_at", 1), ("_id", 1)])
    # A list of several statuses is read one status at a time, each range already in page order.
    db.interviews.create_index([("hr_id", 1), ("status", 1), ("starts_at", 1), ("_id", 1)])
    db.interviews.create_index([("status", 1), ("starts_at", 1), ("_id", 1)])
    db.responses.create_index([("candidate_id", 1)])
    db.responses.create_index([("hr_id", 1), ("score", 1)])
    db.users.create_index([("role", 1), ("created_at", 1)])
    db.users.create_index([("role", 1), ("name", 1)])
    db.users.create_index("active")
    db.question_bank.create_index([("category", 1), ("difficulty", 1), ("key", 1)])
    hr_of = {d["_id"]: d.get("hr_id") for d in db.users.find({"role": "candidate"}, {"hr_id": 1})}
    for interview in db.interviews.find({}, {"candidate_id": 1, "hr_id": 1, "questions": 1}):
        hr_id = hr_of.get(interview.get("candidate_id"))
        if interview.get("hr_id") != hr_id:
            db.interviews.update_one({"_id": interview["_id"]}, {"$set": {"hr_id": hr_id}})
        for question in interview.get("questions", []):
            group = question_key(question.get("source") or "", question.get("text", ""))
            db.responses.update_many({"interview_id": str(interview["_id"]), "question_id": question["id"]},
                                     {"$set": {"hr_id": hr_id, "group": group}})
