"""Entries the update tests build indexes from."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus import Entry, load_sources

TRANSLATIONS = Path(__file__).resolve().parents[1] / "data" / "translations.jsonl"


@pytest.fixture
def pages(shared_corpus: Path) -> list[Entry]:
    """The shared corpus's listing pages, as imported."""
    return load_sources([shared_corpus / "pages"]).entries


@pytest.fixture
def translated() -> list[Entry]:
    """Pairs of entries translating each other (tests/data/translations.jsonl)."""
    return load_sources([TRANSLATIONS]).entries
