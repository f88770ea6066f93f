"""The audit trail: its sequence (unique: the chain's order), the lookups of the HR interview page
and the admin's search, and an audit pseudonym for every existing account."""
import secrets


def upgrade(db):
    db.audit.create_index([("seq", 1)], unique=True)
    db.audit.create_index([("interview_id", 1), ("seq", 1)])
    db.audit.create_index([("actor", 1), ("seq", 1)])
    db.audit.create_index([("action", 1), ("seq", 1)])
    db.audit.create_index([("object_id", 1), ("seq", 1)])
    db.audit.create_index([("at", 1)])
    db.users.create_index([("audit_ref", 1)])
    for key in [u["_id"] for u in db.users.find({"audit_ref": {"$exists": False}}, {"_id": 1})]:
        db.users.update_one({"_id": key, "audit_ref": {"$exists": False}},
                            {"$set": {"audit_ref": secrets.token_hex(8)}})
