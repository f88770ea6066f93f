"""Rate-limit windows shared by every worker process; ended ones are purged by their end."""


def upgrade(db):
    db.rate_limits.create_index([("expires_at", 1)])
