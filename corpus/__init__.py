"""Corpus layer: the entry model, validation and importers (listing pages, JSONL, CSV)."""

from corpus.errors import CorpusError
from corpus.loader import LoadResult, bundled_sources, expand_sources, load_file, load_sources
from corpus.model import Entry, EntryError, LoadReport, derive_id, make_entry

__all__ = [
    "CorpusError",
    "Entry",
    "EntryError",
    "LoadReport",
    "LoadResult",
    "bundled_sources",
    "derive_id",
    "expand_sources",
    "load_file",
    "load_sources",
    "make_entry",
]
