"""Users, interviews and responses: the unique rules and the indexes every query needs.

All ascending: tinymongo supports no other direction, and MongoDB walks an index both ways.
"""


def upgrade(db):
    db.users.create_index("email_norm", unique=True)
    db.users.create_index([("role", 1), ("status", 1)])
    db.users.create_index("hr_id")
    db.users.create_index("created_at")
    db.interviews.create_index([("candidate_id", 1), ("starts_at", 1)])
    db.interviews.create_index([("status", 1), ("deadline", 1)])
    db.interviews.create_index("starts_at")
    # One document per interview + question: what makes autosave idempotent.
    db.responses.create_index([("interview_id", 1), ("question_id", 1)], unique=True)
