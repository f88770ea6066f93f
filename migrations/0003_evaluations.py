"""AI evaluations: the history is read per response (newest first) and per interview.

All ascending: tinymongo supports no other direction, and MongoDB walks an index both ways.
"""


def upgrade(db):
    db.evaluations.create_index([("response_id", 1), ("created_at", 1)])
    db.evaluations.create_index("interview_id")
    # The agreement page reads responses that carry both scores.
    db.responses.create_index("score")
