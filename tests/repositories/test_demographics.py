"""The `demographics` repository on every backend: one document per candidate, keyed by their id,
replaced on save, deleted on withdrawal."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bson import ObjectId

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def test_save_get_replace_delete(repos):
    store = repos.demographics
    cand, other = str(ObjectId()), str(ObjectId())
    assert store.get(cand) is None
    store.save(cand, {"sex": "female"}, T0)
    assert store.get(cand) == {"answers": {"sex": "female"}, "updated_at": T0}
    later = T0 + timedelta(days=1)
    store.save(cand, {"race_ethnicity": "Asian"}, later)  # replaces: the old answer does not linger
    assert store.get(cand) == {"answers": {"race_ethnicity": "Asian"}, "updated_at": later}
    store.save(other, {"sex": "male"}, T0)
    assert store.col.count_documents({}) == 2
    assert sorted(store.all_answers()) == sorted([(cand, {"race_ethnicity": "Asian"}), (other, {"sex": "male"})])
    assert store.delete(cand) == 1 and store.delete(cand) == 0
    assert store.get(cand) is None and store.get(other) is not None


def test_malformed_ids_read_nothing_and_delete_nothing(repos):
    store = repos.demographics
    for bad in ("", "xyz", "0" * 23, None):
        assert store.get(bad) is None
        assert store.delete(bad) == 0
