"""The e-mail outbox: a unique key per message, what a sender claims, the admin's list by state."""


def upgrade(db):
    db.outbox.create_index([("key", 1)], unique=True)
    db.outbox.create_index([("state", 1), ("next_attempt_at", 1)])
    db.outbox.create_index([("state", 1), ("lease_until", 1)])
    db.outbox.create_index([("state", 1), ("created_at", 1)])
    db.outbox.create_index([("created_at", 1)])
