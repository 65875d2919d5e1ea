"""Entry id -> docnum lookups (search.snapshot.EntryIds), as the dict they replace."""

from __future__ import annotations

import numpy as np
import pytest

from search.snapshot import EntryIds


def test_ids_map_to_their_live_docnum_and_deleted_versions_are_gone() -> None:
    values = ("a", "b", "c", "d")
    # docnums 0..5: "b" was updated (docnum 1 deleted, docnum 4 is its new version),
    # "d" was deleted outright.
    codes = np.asarray([0, 1, 2, 3, 1, 2], dtype=np.int32)
    alive = np.asarray([True, False, False, False, True, True])
    ids = EntryIds(values, codes, alive)
    assert dict(ids.items()) == {"a": 0, "b": 4, "c": 5}
    assert len(ids) == 3
    assert ids["b"] == 4 and ids.get("c") == 5
    assert ids.get("d") is None and ids.get("zz") is None and ids.get("") is None
    assert "a" in ids and "d" not in ids and 7 not in ids
    with pytest.raises(KeyError):
        ids["d"]


def test_lookups_agree_with_a_dict_on_random_ids() -> None:
    rng = np.random.default_rng(5)
    values = tuple(sorted({f"e{rng.integers(0, 10**6)}" for _ in range(500)}))
    codes = rng.permutation(len(values)).astype(np.int32)
    alive = rng.random(len(values)) < 0.8
    expected = {values[c]: d for d, c in enumerate(codes.tolist()) if alive[d]}
    ids = EntryIds(values, codes, alive)
    assert dict(ids.items()) == expected
    for entry_id in (*values, "e", "e99999999", "zzz"):
        assert ids.get(entry_id) == expected.get(entry_id)
