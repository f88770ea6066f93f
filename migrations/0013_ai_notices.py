"""Versions of the AI notice candidates read before their first interview."""


def upgrade(db):
    db.ai_notices.create_index([("version", 1)], unique=True)
