"""A small index written by the tests themselves: layers tested without ../shared."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from corpus import make_entry
from indexer.build import build_index


def small_index(index_dir: Path, records: list[dict[str, Any]]) -> Path:
    """A real on-disk index of a few records (each needs title, summary; language is
    declared so no detection decides what the test is about)."""
    entries = [
        make_entry({"locale": "en", "language": "en", **record}, source=f"test:{n}")
        for n, record in enumerate(records, start=1)
    ]
    build_index(entries, index_dir)
    return index_dir
