"""A missing or damaged index stops `gpsearch serve` at start-up, never at the first request.

Each case runs the real command: exit code 1 within a few seconds, nothing on stdout (gunicorn
never started), one line on stderr naming the index directory, no traceback.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from indexer import generations
from tests.conftest import start_cli
from tests.reliability.conftest import copy_index
from tests.servers import free_port

START_UP_LIMIT = 15.0  # seconds; these exit in about one on an idle machine


def _live(index_dir: Path) -> Path:
    return generations.current(index_dir).path


def _overwrite(paths: list[Path], make: Callable[[bytes], bytes]) -> None:
    assert paths, "nothing to damage: the index layout changed"
    for path in paths:
        path.write_bytes(make(path.read_bytes()))


def _garbage(data: bytes) -> bytes:
    return bytes((b * 37 + 11) % 256 for b in data)  # same length, every byte wrong


def _pointer(content: bytes) -> Callable[[Path], None]:
    return lambda index_dir: (index_dir / generations.POINTER).write_bytes(content)


def _files(pattern: str, make: Callable[[bytes], bytes]) -> Callable[[Path], None]:
    return lambda index_dir: _overwrite(sorted(_live(index_dir).glob(pattern)), make)


DAMAGE: dict[str, Callable[[Path], None]] = {
    "CURRENT names a missing generation": _pointer(b"gen-20000101T000000000000-abcdef\n"),
    "CURRENT is binary garbage": _pointer(b"\xff\xfe\x00\x9c"),
    "CURRENT is empty": _pointer(b""),
    "CURRENT escapes the directory": _pointer(b"../../etc\n"),
    "generation directory deleted": lambda index_dir: shutil.rmtree(_live(index_dir)),
    "postings arrays truncated": _files("accel/seg-*/arrays.pack", lambda data: data[:30]),
    "Whoosh stored entries garbage": _files("*._stored.col", _garbage),
    "Whoosh table of contents garbage": _files("_MAIN_*.toc", _garbage),
    "numpy arrays truncated": _files("accel/index/arrays.pack", lambda data: data[:30]),
    "groups.json garbage": _files("groups.json", lambda data: b"{"),
}


@pytest.mark.slow
def test_serve_refuses_a_missing_or_damaged_index_at_start_up(
    bundled_index: Path, tmp_path: Path
) -> None:
    cases: dict[str, Path] = {"missing directory": tmp_path / "missing"}
    (tmp_path / "empty").mkdir()
    cases["empty directory"] = tmp_path / "empty"
    for n, (name, damage) in enumerate(DAMAGE.items()):
        index_dir = copy_index(bundled_index, tmp_path / f"damaged-{n}")
        damage(index_dir)
        cases[name] = index_dir
    running: dict[str, tuple[subprocess.Popen[str], float]] = {}
    try:  # all at once: each is a fresh interpreter, most of a second of imports
        for name, index_dir in cases.items():
            proc = start_cli(
                "serve",
                "--index",
                str(index_dir),
                "--port",
                str(free_port()),
                text=True,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            running[name] = (proc, time.monotonic())
        for name, (proc, started) in running.items():
            out, err = proc.communicate(timeout=START_UP_LIMIT * 2)
            elapsed = time.monotonic() - started
            index_dir = cases[name]
            assert proc.returncode == 1, (name, proc.returncode, out, err)
            assert elapsed < START_UP_LIMIT, (name, elapsed)
            assert out == "", (name, out)
            assert "Traceback" not in err, (name, err)
            assert err.startswith("Error: ") and err.count("\n") == 1, (name, err)
            assert str(index_dir) in err, (name, err)
            assert "rebuild" in err or "run `gpsearch index" in err, (name, err)
    finally:
        for proc, _ in running.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait()
