"""Competency names are unique by their NFKC form too (repositories/competencies.name_key): the stored
keys are computed again. A key that would now equal another competency's (two names that only
differed by full-width or other compatibility characters) is left as it was: both stay, and a
rename of either is checked against the new rule."""
from pymongo.errors import DuplicateKeyError

from interviewer.repositories.competencies import name_key


def upgrade(db):
    for doc in db.competencies.find({}, {"name": 1, "name_key": 1}):
        key = name_key(doc.get("name") or "")
        if key != doc.get("name_key"):
            try:
                db.competencies.update_one({"_id": doc["_id"]}, {"$set": {"name_key": key}})
            except DuplicateKeyError:
                continue
