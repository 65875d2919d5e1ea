"""What the numbers were measured on: date, machine, load, library versions, commit."""

from __future__ import annotations

import datetime as dt
import os
import platform
import shutil
import sqlite3
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

from benchmarks.data import REPO_ROOT

PACKAGES = (
    "whoosh-reloaded",
    "tantivy",
    "numpy",
    "Flask",
    "gunicorn",
    "ir-measures",
    "matplotlib",
    "psutil",
)


def _cpu_model() -> str:
    try:
        with Path("/proc/cpuinfo").open(encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def git(*args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(REPO_ROOT), *args], capture_output=True, text=True, check=False
    )
    return done.stdout.strip()


def _wrk_version(wrk: str | None) -> str:
    if not wrk:
        return "not installed"
    done = subprocess.run([wrk, "--version"], capture_output=True, text=True, check=False)
    first = (done.stdout or done.stderr or "?").splitlines()[0]
    # "wrk debian/4.1.0-3+b2 [epoll] Copyright (C) 2012 Will Glozer" -> "debian/4.1.0-3+b2"
    words = first.split()
    return words[1] if len(words) > 1 and words[0] == "wrk" else first.strip()


def versions(wrk: str | None) -> dict[str, str]:
    found: dict[str, str] = {"python": platform.python_version(), "sqlite": sqlite3.sqlite_version}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    found["wrk"] = _wrk_version(wrk or shutil.which("wrk"))
    return found


def machine() -> dict[str, Any]:
    import psutil  # the bench extra: the adapters import this module without it

    memory = psutil.virtual_memory()
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "cores_usable": len(os.sched_getaffinity(0)),
        "ram_bytes": memory.total,
        "ram_available_bytes": memory.available,
        "os": platform.platform(),
        "loadavg": list(os.getloadavg()),
    }


def snapshot(wrk: str | None) -> dict[str, Any]:
    dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": (git("rev-parse", "--short", "HEAD") or "?") + (" (dirty tree)" if dirty else ""),
        "machine": machine(),
        "versions": versions(wrk),
    }
