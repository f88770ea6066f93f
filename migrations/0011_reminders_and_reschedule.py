"""Reminders and rescheduling: every interview gets its calendar SEQUENCE (0), open ones a
reminder time (now: the scan works out which reminder, if any, is due), and the scan's index."""
from datetime import UTC, datetime


def upgrade(db):
    db.interviews.update_many({"sequence": {"$exists": False}}, {"$set": {"sequence": 0}})
    now = datetime.now(UTC).replace(tzinfo=None)
    db.interviews.update_many({"status": {"$in": ["scheduled", "in_progress"]}, "next_reminder_at": {"$exists": False}},
                              {"$set": {"next_reminder_at": now}})
    db.interviews.create_index([("next_reminder_at", 1)])
