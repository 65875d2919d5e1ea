"""Shared fixtures: where the real shared corpus lives (skip when it is not beside the repo).

With $GPSEARCH_REQUIRE_FULL_SUITE set (CI sets it), what would skip a test for a missing
prerequisite fails it instead: the shared corpus, and chromium for the browser tests.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import pytest

if TYPE_CHECKING:
    from flask import Flask

REPO = Path(__file__).resolve().parents[1]
REQUIRE_FULL_SUITE = "GPSEARCH_REQUIRE_FULL_SUITE"
GPSEARCH = [sys.executable, "-m", "gpsearch.cli"]
CLI_TIMEOUT = 120.0  # seconds; the slowest command here (an index build) takes a few


def full_suite_required() -> bool:
    return os.environ.get(REQUIRE_FULL_SUITE, "") not in ("", "0")


def missing_prerequisite(reason: str) -> NoReturn:
    """Skip the test, or fail it when the whole suite must run."""
    if full_suite_required():
        pytest.fail(
            f"{reason}; ${REQUIRE_FULL_SUITE} is set, so this fails instead of skipping",
            pytrace=False,
        )
    pytest.skip(reason)


def cli_env(**extra: str) -> dict[str, str]:
    """The environment of a `gpsearch` process: this checkout's packages come first."""
    return {**os.environ, "PYTHONPATH": str(REPO), **extra}


def run_cli(
    *args: str, check: bool = False, timeout: float = CLI_TIMEOUT
) -> subprocess.CompletedProcess[str]:
    """Run `gpsearch ARGS` in a new interpreter as an operator does; output captured."""
    return subprocess.run(
        [*GPSEARCH, *args],
        cwd=REPO,
        env=cli_env(),
        capture_output=True,
        text=True,
        check=check,
        timeout=timeout,
    )


def start_cli(*args: str, **options: Any) -> subprocess.Popen[Any]:
    """Start `gpsearch ARGS` like `run_cli`, without waiting; `options` go to Popen."""
    return subprocess.Popen([*GPSEARCH, *args], **{"cwd": REPO, "env": cli_env(), **options})


def synthetic_jsonl(path: Path, count: int) -> Path:
    """`count` distinct entries recombined from the seed ones, so a build takes seconds
    (from 2000 entries the build also forks worker processes)."""
    from corpus import load_sources

    base = load_sources(SEED_PAGES).entries
    with path.open("w", encoding="utf-8") as out:
        for i in range(count):
            src = base[i % len(base)]
            record = {
                **src.to_dict(),
                "id": f"syn-{i:05d}",
                "title": f"{src.title} {i}",
                "source": "",
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


def kill_build_while_writing(
    source: Path, index_dir: Path, *, into: float = 0.15, timeout: float = 60.0
) -> None:
    """Run `gpsearch index SOURCE --index INDEX_DIR` and SIGKILL it `into` seconds after
    it starts writing a new generation (gen-*.tmp), with the workers it forked: the whole
    process group, so none lingers.  Fails if it never started or finished first."""
    build = start_cli(
        "index",
        str(source),
        "--index",
        str(index_dir),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + timeout
        while not list(index_dir.glob("gen-*.tmp")):
            assert build.poll() is None, build.communicate()[1].decode(errors="replace")
            assert time.monotonic() < deadline, "the build never started writing"
            time.sleep(0.02)
        time.sleep(into)
        assert build.poll() is None, "the build finished before it could be killed"
    finally:
        with suppress(ProcessLookupError):
            os.killpg(build.pid, signal.SIGKILL)
        build.wait(timeout=10)
    assert list(index_dir.glob("gen-*.tmp")), "half a generation is left on disk"


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
        missing_prerequisite(f"shared corpus not found at {path} (set GPSEARCH_SHARED_CORPUS)")
    return path


@pytest.fixture(scope="session")
def gold_entries(shared_corpus: Path) -> list[dict[str, Any]]:
    """Every hand-checked entry: the 17 shared pages plus the two seed pages."""
    return read_jsonl(shared_corpus / "entries.jsonl") + read_jsonl(
        shared_corpus / "seed-entries.jsonl"
    )


EXTRA_ENTRIES = REPO / "tests" / "data" / "extra-entries.jsonl"
# The two seed pages (23 English-locale entries, 3 of them in Albanian): the known corpus
# of tests that count or name entries.  The bundled corpus is larger and may grow.
SEED_PAGES = [
    REPO / "corpus" / "data" / "pages" / name
    for name in ("en__good-practice.txt", "en__newsroom.txt")
]


def build_test_index(sources: list[Path] | None, index_dir: Path) -> Path:
    """A real on-disk index of the given sources (None: the bundled corpus)."""
    from corpus import load_sources
    from indexer.build import build_index

    build_index(load_sources(sources).entries, index_dir)
    return index_dir


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed pages (23 English-locale entries), indexed once per session."""
    return build_test_index(SEED_PAGES, tmp_path_factory.mktemp("seed") / "index")


@pytest.fixture(scope="session")
def bundled_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled default corpus (every real listing page), indexed once per session."""
    return build_test_index(None, tmp_path_factory.mktemp("bundled") / "index")


@pytest.fixture(scope="session")
def multilingual_index(tmp_path_factory: pytest.TempPathFactory, shared_corpus: Path) -> Path:
    """All real pages, the seed pages and the Cyrillic/Spanish test entries."""
    sources = [shared_corpus / "pages", *SEED_PAGES, EXTRA_ENTRIES]
    return build_test_index(sources, tmp_path_factory.mktemp("multilingual") / "index")


@pytest.fixture(scope="session")
def eval_index(tmp_path_factory: pytest.TempPathFactory, shared_corpus: Path) -> Path:
    """Exactly the 68 judged entries: the real pages and the seed pages."""
    sources = [shared_corpus / "pages", *SEED_PAGES]
    return build_test_index(sources, tmp_path_factory.mktemp("eval") / "index")


def make_app(index_dir: Path, **config: Any) -> Flask:
    from webui import create_app

    return create_app({"TESTING": True, "INDEX_DIR": str(index_dir), **config})


@pytest.fixture(scope="session")
def app(seed_index: Path) -> Flask:
    """One app over the seed pages' index for the whole session (web UI and reliability tests):
    requests never change it, and a warm Searcher keeps tests fast.

    Tests that need other settings build their own with `make_app`.
    """
    return make_app(seed_index)
