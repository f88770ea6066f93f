"""The default question bank, seeded from interviewer/seed/questions.json (existing keys are left as edited)."""
import json
from pathlib import Path

from pymongo.errors import DuplicateKeyError

SEED = Path(__file__).resolve().parent.parent / "interviewer" / "seed" / "questions.json"


def upgrade(db):
    db.question_bank.create_index("key", unique=True)
    db.question_bank.create_index([("enabled", 1), ("category", 1)])
    for item in json.loads(SEED.read_text(encoding="utf-8")):
        doc = {**item, "enabled": True, "builtin": True, "updated_at": None}
        try:
            db.question_bank.insert_one(doc)
        except DuplicateKeyError:
            pass
