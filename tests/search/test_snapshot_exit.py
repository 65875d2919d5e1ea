"""A process that exits holding snapshots (a script) exits without an error."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO, SEED_PAGES

EXIT_SCRIPT = """
import dataclasses, gc, sys
from corpus import load_sources
from indexer.build import build_index, update_index
from search import Searcher, SearchRequest
entries = load_sources([sys.argv[2]]).entries
build_index(entries, sys.argv[1])
searcher = Searcher(sys.argv[1], check_interval=0)
searcher.search(SearchRequest("culture"))
update_index(sys.argv[1], [dataclasses.replace(entries[0], summary="Edited.")])
searcher.search(SearchRequest("culture"))  # on the new generation; the old one is freed
gc.callbacks.append(lambda phase, info: None)  # watching the collector, as profilers do
held = gc.get_objects()  # and holding every object (the old snapshot too) until it exits
"""


def test_a_script_holding_snapshots_until_it_exits_exits_without_an_error(
    tmp_path: Path,
) -> None:
    """A snapshot freed at interpreter exit, when the modules' names are gone already,
    still closes its files quietly (it printed an ignored AttributeError: found with a
    script that timed the garbage collector)."""
    script = tmp_path / "script.py"
    script.write_text(EXIT_SCRIPT, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "index"), str(SEED_PAGES[0])],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert done.returncode == 0, done.stderr
    assert "Exception ignored" not in done.stderr and "Traceback" not in done.stderr
