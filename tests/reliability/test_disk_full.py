"""A build that runs out of disk: exit 1 naming the device, no partial generation left,
the previous generation still serving.

The disk is a real 20 MB tmpfs the test mounts (as root); where mounting is not allowed
(no CAP_SYS_ADMIN, e.g. an unprivileged container) the test is skipped with that note.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from search import Searcher, SearchRequest
from tests.conftest import run_cli, synthetic_jsonl
from tests.reliability.conftest import live_generation

SIZE = "20m"  # the bundled corpus fits (about 13 MB with its place tables); 3,000 more do not


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    if shutil.which("mount") is None:
        pytest.skip("no `mount` command: cannot make a small disk to fill")
    tried = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={SIZE}", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
        check=False,
    )
    if tried.returncode != 0:
        pytest.skip(
            f"mounting a {SIZE} tmpfs is not allowed here ({tried.stderr.strip()}):"
            " the disk-full build is not tested on this machine"
        )
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False, capture_output=True)


@pytest.mark.slow
def test_a_build_that_fills_the_disk_fails_cleanly_and_the_old_index_serves(
    small_disk: Path, tmp_path: Path
) -> None:
    index_dir = small_disk / "index"
    first = run_cli("index", "--index", str(index_dir))
    assert first.returncode == 0, first.stderr
    gen_a = live_generation(index_dir)
    searcher = Searcher(index_dir, check_interval=0)
    assert searcher.search(SearchRequest("integration")).total > 0
    entries = searcher.search(SearchRequest("", versions="all")).total

    big = synthetic_jsonl(tmp_path / "big.jsonl", 3000)  # on the real disk
    full = run_cli("index", str(big), "--index", str(index_dir))
    assert full.returncode == 1, (full.stdout, full.stderr)
    assert "Traceback" not in full.stderr
    [message] = [line for line in full.stderr.splitlines() if line.startswith("Error: ")]
    assert "no space left on tmpfs (tmpfs)" in message, message
    assert f"mounted at {small_disk.resolve()}" in message, message
    assert "still serves the previous one" in message

    assert not list(index_dir.glob("gen-*.tmp")), "the partial generation is removed"
    assert live_generation(index_dir) == gen_a
    assert sorted(p.name for p in index_dir.glob("gen-*")) == [gen_a]
    response = searcher.search(SearchRequest("integration"))
    assert response.total > 0 and response.generation == gen_a
    fresh = Searcher(index_dir)  # a fresh process too
    assert fresh.search(SearchRequest("", versions="all")).total == entries
    assert run_cli("check", "--index", str(index_dir)).returncode == 0
