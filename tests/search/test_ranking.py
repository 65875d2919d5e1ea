"""Page order: the first pages of a lexicographic sort, without sorting every candidate."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from search.ranking import page_order


def reference(keys: list[np.ndarray], page: int, per_page: int) -> list[int]:
    """Every candidate sorted: larger keys first, ties in candidate order."""
    count = len(keys[0])
    ranked = sorted(range(count), key=lambda i: (*(-float(k[i]) for k in keys), i))
    return ranked[(page - 1) * per_page : page * per_page]


@settings(max_examples=300, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.integers(0, 3), st.integers(2015, 2018), st.sampled_from([0.0, 0.5, 1.0])),
        max_size=60,
    ),
    page=st.integers(1, 8),
    per_page=st.integers(1, 7),
)
def test_page_order_matches_a_full_sort(
    rows: list[tuple[int, int, float]], page: int, per_page: int
) -> None:
    keys = [np.asarray([r[i] for r in rows]) for i in range(3)] if rows else [np.zeros(0)] * 3
    assert page_order(keys, page, per_page).tolist() == reference(keys, page, per_page)


def test_pages_neither_overlap_nor_skip_entries_with_equal_keys() -> None:
    keys = [np.zeros(23, dtype=np.int16), np.ones(23, dtype=np.float32)]
    pages = [page_order(keys, page, 5).tolist() for page in range(1, 6)]
    assert [i for page in pages for i in page] == list(range(23))


def test_a_page_past_the_end_is_empty() -> None:
    assert page_order([np.arange(4.0)], 2, 4).tolist() == []
