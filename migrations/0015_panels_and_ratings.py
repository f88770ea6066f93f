"""Panels with independent ratings: one rating per interview + rater (unique; it also serves an export
batch's lookup of one rater's ratings), and the rater's list of the interviews they rate, newest first."""


def upgrade(db):
    db.ratings.create_index([("interview_id", 1), ("rater_id", 1)], unique=True)
    db.ratings.create_index([("rater_id", 1), ("added_at", 1), ("_id", 1)])
