"""Submitted panel ratings in order of submission: what the agreement page's inter-rater reliability
reads (an admin's, over every panel) without scanning drafts."""


def upgrade(db):
    db.ratings.create_index([("status", 1), ("submitted_at", 1), ("_id", 1)])
