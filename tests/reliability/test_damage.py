"""Damage is detected, not served.

Each generation records the size and checksum of its files.  `gpsearch check` compares
them and names the damaged file (random bytes in a Whoosh postings file still answer
queries, so nothing else would notice); a Searcher never switches to a generation whose
file sizes do not match, and keeps answering from the one it has.
"""

from __future__ import annotations

import logging
import os
import random
from pathlib import Path

import pytest

from corpus import load_sources
from indexer import generations, integrity
from indexer.build import build_index
from search import Searcher, SearchRequest
from tests.conftest import run_cli
from tests.reliability.conftest import copy_index, live_generation


def _scribble(path: Path, seed: int) -> None:
    """16 random bytes over the end of a file (a numpy array's data, past its header):
    same size, other contents."""
    data = bytearray(path.read_bytes())
    assert len(data) > 64, path
    rng = random.Random(seed)
    middle = len(data) - 16
    original = bytes(data[middle : middle + 16])
    while bytes(data[middle : middle + 16]) == original:
        data[middle : middle + 16] = rng.randbytes(16)
    path.write_bytes(bytes(data))


def _only(gen_dir: Path, pattern: str) -> Path:
    found = sorted(p for p in gen_dir.glob(pattern) if p.stat().st_size > 64)
    assert found, f"no {pattern} in {gen_dir}: the index layout changed"
    return found[0]


def test_check_passes_on_an_intact_index(seed_index: Path) -> None:
    result = run_cli("check", "--index", str(seed_index))
    assert result.returncode == 0, result.stderr
    files = integrity.recorded_files(generations.current(seed_index))
    gen_dir = generations.current(seed_index).path
    on_disk = {str(p.relative_to(gen_dir)) for p in gen_dir.rglob("*") if p.is_file()}
    assert files and set(files) == on_disk - {generations.GENERATION_META}  # every file
    assert f"ok: {len(files)} files" in result.stdout
    assert "CRC-32" in result.stdout


@pytest.mark.parametrize(
    "pattern", ["*.pst", "accel/seg-*/arrays.pack", "accel/index/arrays.pack", "*.trm"]
)
def test_check_names_a_file_with_random_bytes(
    seed_index: Path, tmp_path: Path, pattern: str
) -> None:
    index_dir = copy_index(seed_index, tmp_path / "index")
    damaged = _only(generations.current(index_dir).path, pattern)
    _scribble(damaged, seed=len(pattern))
    if pattern == "*.pst":  # invisible to queries: nothing but the checksum notices it
        assert Searcher(index_dir).search(SearchRequest("", versions="all")).total == 23
    result = run_cli("check", "--index", str(index_dir))
    assert result.returncode == 1, result.stdout
    assert "Traceback" not in result.stderr
    assert str(damaged) in result.stderr, result.stderr
    assert "CRC-32 differs" in result.stderr
    assert result.stderr.count(str(index_dir)) == 2, "one damaged file, named once"


def test_check_names_a_missing_or_cut_file(seed_index: Path, tmp_path: Path) -> None:
    index_dir = copy_index(seed_index, tmp_path / "index")
    gen_dir = generations.current(index_dir).path
    cut, gone = _only(gen_dir, "*._stored.col"), _only(gen_dir, "manifest.json")
    size = cut.stat().st_size
    os.truncate(cut, size - 10)
    gone.unlink()
    result = run_cli("check", "--index", str(index_dir))
    assert result.returncode == 1
    assert f"{cut}: {size - 10:,} bytes where the build wrote {size:,}" in result.stderr
    assert f"{gone}: no such file or directory" in result.stderr


def test_a_searcher_keeps_its_generation_when_the_new_one_is_cut(
    seed_index: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    index_dir = copy_index(seed_index, tmp_path / "index")
    gen_a = live_generation(index_dir)
    searcher = Searcher(index_dir, check_interval=0)
    assert searcher.search(SearchRequest("")).generation == gen_a
    entries = load_sources().entries
    # A full build writes every file anew (an update would hard-link A's segments).
    gen_b = build_index(entries[:20], index_dir, rebuild=True, procs=1).generation
    assert gen_b and gen_b != gen_a
    cut = _only(index_dir / gen_b, "*.pst")
    os.truncate(cut, cut.stat().st_size // 2)
    with caplog.at_level(logging.ERROR, logger="search.searcher"):
        for _ in range(3):
            response = searcher.search(SearchRequest("", versions="all"))
            assert (response.generation, response.total) == (gen_a, 23)
    refusals = [r.getMessage() for r in caplog.records if "is damaged" in r.getMessage()]
    assert len(refusals) == 1, "said once, not at every request"
    assert str(cut) in refusals[0] and f"still serving {gen_a}" in refusals[0]
    # A new process has nothing to keep: it refuses to start, naming the file.
    with pytest.raises(generations.IndexNotFoundError, match="is damaged"):
        Searcher(index_dir)
    # The next good build is taken up as usual.
    gen_c = build_index(entries, index_dir, rebuild=True, procs=1).generation
    assert searcher.search(SearchRequest("")).generation == gen_c


def test_an_update_records_carried_files_without_reading_them(
    seed_index: Path, tmp_path: Path
) -> None:
    """Segments an update hard-links keep their recorded checksums; the new generation
    still passes a full check."""
    index_dir = copy_index(seed_index, tmp_path / "index")
    before = integrity.recorded_files(generations.current(index_dir))
    entries = load_sources().entries
    changed = [*entries[:-1], entries[-1].__class__(**{**entries[-1].to_dict(), "title": "New"})]
    build_index(changed, index_dir, procs=1)
    gen = generations.current(index_dir)
    after = integrity.recorded_files(gen)
    assert before and after
    carried = [rel for rel in before if rel in after and rel.startswith("MAIN_")]
    assert any(rel.endswith(".pst") for rel in carried), "the old segment is carried over"
    assert all(after[rel] == before[rel] for rel in carried)
    assert integrity.verify(gen, deep=True) == []
