"""API bearer tokens: looked up by hash (unique), listed and revoked per user."""


def upgrade(db):
    db.api_tokens.create_index("token_hash", unique=True)
    db.api_tokens.create_index("user_id")
