"""Search-library fixtures: one Searcher over the multilingual index."""

from __future__ import annotations

from pathlib import Path

import pytest

from search import Searcher


@pytest.fixture(scope="module")
def searcher(multilingual_index: Path) -> Searcher:
    return Searcher(multilingual_index)
