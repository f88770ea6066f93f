"""The interviews of an HR user's scope that have a rating panel: what keeps the scores of those they
still rate blind out of their agreement figures (services/panels.blind_owned_ids)."""


def upgrade(db):
    db.interviews.create_index([("hr_id", 1), ("panel_rev", 1)])
