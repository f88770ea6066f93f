"""Browser sessions, so that signing out, deactivation and a password change end them."""


def upgrade(db):
    db.sessions.create_index([("user_id", 1), ("ended_at", 1)])
