"""Entry id <-> docnum lookups (search.entries.EntryIds), as the dict they replaced."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pytest

from indexer.accel import SortedStrings, encode_strings
from search.entries import EntryIds


def _live(ids: EntryIds, values: Iterable[str]) -> dict[str, int]:
    """The ids that find a live docnum, as a dict."""
    return {v: d for v in values if (d := ids.get(v)) is not None}


def test_ids_map_to_their_live_docnum_and_deleted_versions_are_gone() -> None:
    values = SortedStrings(("a", "b", "c", "d"))
    # docnums 0..5: "b" was updated (docnum 1 deleted, docnum 4 is its new version),
    # "d" was deleted outright.
    codes = np.asarray([0, 1, 2, 3, 1, 2], dtype=np.int32)
    alive = np.asarray([True, False, False, False, True, True])
    ids = EntryIds(values, codes, alive)
    assert _live(ids, values) == dict(ids.items()) == {"a": 0, "b": 4, "c": 5}
    assert ids["b"] == 4 and ids.get("c") == 5
    assert ids.get("d") is None and ids.get("zz") is None and ids.get("") is None
    with pytest.raises(KeyError):
        ids["d"]
    assert [ids.id_of(d) for d in range(6)] == ["a", "b", "c", "d", "b", "c"]


def test_lookups_agree_with_a_dict_on_random_ids() -> None:
    rng = np.random.default_rng(5)
    # Ids in any script: the UTF-8 bytes must sort as the str values do.
    letters = ["a", "z", "é", "ë", "ж", "Ω", "中", "😀", "-", "0"]
    words = {"".join(rng.choice(letters, size=rng.integers(1, 6))) for _ in range(500)}
    values = tuple(sorted(words))
    codes = rng.permutation(len(values)).astype(np.int32)
    alive = rng.random(len(values)) < 0.8
    expected = {values[c]: d for d, c in enumerate(codes.tolist()) if alive[d]}
    ids = EntryIds(SortedStrings(values), codes, alive)
    assert _live(ids, values) == dict(ids.items()) == expected
    for entry_id in (
        *values,
        "",
        "e",
        "zzz",
        "ё",
        "😀😀😀😀😀😀😀",
        *(v + "a" for v in values[:50]),
    ):
        assert ids.get(entry_id) == expected.get(entry_id)
    assert [ids.id_of(d) for d in range(len(codes))] == [values[c] for c in codes.tolist()]
    # In bulk (a generation's groups): any order, repeats, absent and deleted ids.
    asked = [*rng.permutation(values).tolist(), "", "zzz", "😀😀😀😀😀😀😀", values[3], values[0]]
    assert ids.get_encoded(encode_strings(asked)).tolist() == [expected.get(v, -1) for v in asked]


def test_sorted_strings_read_as_the_tuple() -> None:
    values = ("", "b", "ë", "中")
    column = SortedStrings(values)
    assert list(column) == list(values) and len(column) == 4 and column[3] == "中"
    assert column[-1] == "中" and column[-4] == ""
    assert [column.find(v) for v in (*values, "a", "ё")] == [0, 1, 2, 3, -1, -1]
    with pytest.raises(IndexError):
        column[4]


def test_an_id_with_a_lone_surrogate_is_looked_up_not_an_error() -> None:
    # JSON carries lone surrogates ("\ud800"), and a command line's undecodable bytes
    # arrive as them: such an id is found when the index has it, missing otherwise.
    values = tuple(sorted(("a", "b\ud800", "\ud7ff", "\ue000")))
    ids = EntryIds(SortedStrings(values), np.arange(4, dtype=np.int32), np.ones(4, dtype=bool))
    assert _live(ids, values) == {v: i for i, v in enumerate(values)}
    assert ids.get("b\ud800") == values.index("b\ud800")
    assert ids.get("\udcff") is None and ids.get("x\udc80") is None
    asked = [*reversed(values), "\udcff", "x\udc80"]
    assert ids.get_encoded(encode_strings(asked)).tolist() == [ids.get(v, -1) for v in asked]
    assert SortedStrings(()).find_encoded(encode_strings(["a", ""])).tolist() == [-1, -1]


def test_a_groups_delta_finds_its_ids_among_the_rows_as_a_set_would() -> None:
    """A reopen drops the rows a groups delta names: found through the rows' sorted
    order, for ids in any script, ids the rows lack, and ids wider than every row's."""
    from search.entries import GroupRows

    rng = np.random.default_rng(8)
    letters = ["a", "z", "é", "ж", "中", "😀", "-", "0"]
    words = sorted({"".join(rng.choice(letters, size=rng.integers(1, 5))) for _ in range(400)})
    rows = GroupRows.of({w: f"g{k % 37}" for k, w in enumerate(words)})
    assert rows.order is not None
    for _ in range(20):
        asked = [str(w) for w in rng.choice(words, size=rng.integers(0, 30))]
        asked += ["not-there", "ж" * 40, "a" * 3]  # absent, wider than any row
        found = rows.holding(encode_strings(asked))
        assert [bytes(i).decode() for i in rows.ids[found]] == sorted(
            {w for w in asked if w in words}, key=words.index
        )
    values = SortedStrings((*words, "new-id"))
    delta = {words[3]: None, words[5]: "g2", "new-id": "g1", words[7]: "new", words[8]: "new"}
    changed, codes = rows.changed(delta, values, values.find_encoded(rows.ids))
    kept = [bytes(i).decode() for i in changed.ids]
    moved = [words[5], "new-id", words[7], words[8]]
    assert kept == [w for w in words if w not in (words[3], *moved)] + moved
    assert [values[c] for c in codes] == kept
    group_of = {i: changed.names[g] for i, g in zip(kept, changed.group.tolist(), strict=True)}
    assert [group_of[i] for i in moved] == ["g2", "g1", "new", "new"]
    assert group_of[words[0]] == "g0" and len(changed.names) == len(rows.names) + 1
