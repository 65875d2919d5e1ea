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
