"""Shared fixtures: where the real shared corpus lives (skip when it is not beside the repo)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]


def shared_corpus_dir() -> Path:
    """`../shared/corpus` beside the checkout, or $GPSEARCH_SHARED_CORPUS."""
    env = os.environ.get("GPSEARCH_SHARED_CORPUS")
    return Path(env) if env else REPO.parent / "shared" / "corpus"


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


@pytest.fixture(scope="session")
def shared_corpus() -> Path:
    path = shared_corpus_dir()
    if not (path / "entries.jsonl").is_file():
        pytest.skip(f"shared corpus not found at {path} (set GPSEARCH_SHARED_CORPUS)")
    return path


@pytest.fixture(scope="session")
def gold_entries(shared_corpus: Path) -> list[dict[str, Any]]:
    """Every hand-checked entry: the 17 shared pages plus the two seed pages."""
    return read_jsonl(shared_corpus / "entries.jsonl") + read_jsonl(
        shared_corpus / "seed-entries.jsonl"
    )


EXTRA_ENTRIES = REPO / "tests" / "data" / "extra-entries.jsonl"


def build_test_index(sources: list[Path] | None, index_dir: Path) -> Path:
    """A real on-disk index of the given sources (None: the bundled corpus)."""
    from corpus import load_sources
    from indexer.build import build_index

    build_index(load_sources(sources).entries, index_dir)
    return index_dir


@pytest.fixture(scope="session")
def bundled_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled seed corpus (23 English-locale entries), indexed once per session."""
    return build_test_index(None, tmp_path_factory.mktemp("bundled") / "index")


@pytest.fixture(scope="session")
def multilingual_index(tmp_path_factory: pytest.TempPathFactory, shared_corpus: Path) -> Path:
    """All real pages, the seed pages and the Cyrillic/Spanish test entries."""
    from corpus import bundled_sources

    sources = [shared_corpus / "pages", *bundled_sources(), EXTRA_ENTRIES]
    return build_test_index(sources, tmp_path_factory.mktemp("multilingual") / "index")


@pytest.fixture(scope="session")
def eval_index(tmp_path_factory: pytest.TempPathFactory, shared_corpus: Path) -> Path:
    """Exactly the 68 judged entries: the real pages and the seed pages."""
    from corpus import bundled_sources

    sources = [shared_corpus / "pages", *bundled_sources()]
    return build_test_index(sources, tmp_path_factory.mktemp("eval") / "index")
