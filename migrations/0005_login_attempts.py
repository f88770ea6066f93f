"""Failed sign-ins, counted per e-mail over a short window to slow password guessing."""


def upgrade(db):
    db.login_attempts.create_index([("key", 1), ("at", 1)])
