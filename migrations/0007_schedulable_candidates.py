"""Scale: the schedule form's candidate search reads a page of candidates, not every one.

HR picks from their active assigned candidates, the admin from everyone's, newest first (a text
search adds a substring match on top). Both the page and its "N of M" count walk one index range:
every equality of the query, then the sort.
"""


def upgrade(db):
    db.users.create_index([("hr_id", 1), ("role", 1), ("status", 1), ("active", 1), ("created_at", 1), ("_id", 1)])
    db.users.create_index([("role", 1), ("status", 1), ("active", 1), ("created_at", 1), ("_id", 1)])
