"""Real `gpsearch serve` processes for tests: started on a free port, always stopped.

The command line runs exactly as an operator runs it (`gpsearch serve`, gunicorn, sync
workers).  Server output goes to a file, not a pipe: thousands of access-log lines would
fill a pipe and stall gunicorn.  Servers run in their own process group and are always
stopped in `finally` (SIGTERM, then SIGKILL of that group after a bound), so no worker
outlives a test.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.conftest import GPSEARCH, REPO, cli_env

START_TIMEOUT = 30.0  # gunicorn boots in ~3 s here; generous for a loaded CI machine
STOP_TIMEOUT = 15.0
REQUEST_TIMEOUT = 15.0
NOBODY = 65534


_PORTS_GIVEN: set[int] = set()


def free_port() -> int:
    """A port nothing listens on, never the same twice (servers bind it a moment later)."""
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        if port not in _PORTS_GIVEN:
            _PORTS_GIVEN.add(port)
            return port


@dataclass
class Reply:
    status: int
    body: bytes
    error: str = ""  # a transport failure (refused, reset, timeout): never expected

    def json(self) -> Any:
        return json.loads(self.body)


def http_get(url: str, timeout: float = REQUEST_TIMEOUT) -> Reply:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return Reply(response.status, response.read())
    except urllib.error.HTTPError as exc:
        return Reply(exc.code, exc.read())
    except (OSError, ValueError) as exc:
        return Reply(0, b"", f"{type(exc).__name__}: {exc}")


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def get(self, path: str) -> Reply:
        return http_get(self.url + path)

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        with suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=STOP_TIMEOUT)
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)  # the server's group: workers outliving the master
    if proc.poll() is None:
        proc.wait(timeout=STOP_TIMEOUT)


def launch(index_dir: Path, log_dir: Path, *, workers: int = 2, as_nobody: bool = False) -> Server:
    """Start `gpsearch serve --index DIR` on a free port (see `wait_up`)."""
    port = free_port()
    command = [
        *GPSEARCH,
        "serve",
        "--index",
        str(index_dir),
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    if as_nobody:
        command = [
            "setpriv",
            f"--reuid={NOBODY}",
            f"--regid={NOBODY}",
            "--clear-groups",
            "--",
            *command,
        ]
    log = log_dir / f"server-{port}.log"
    env = cli_env(PYTHONUNBUFFERED="1", PYTHONDONTWRITEBYTECODE="1")
    with log.open("wb") as out:
        proc = subprocess.Popen(
            command,
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    return Server(proc, port, log)


def wait_up(server: Server) -> None:
    """Until the server's /healthz answers 200; fails with its log if it exits or hangs."""
    deadline = time.monotonic() + START_TIMEOUT
    while server.get("/healthz").status != 200:
        if server.proc.poll() is not None:
            raise AssertionError(f"server exited with {server.proc.returncode}:\n{server.output()}")
        if time.monotonic() > deadline:
            raise AssertionError(f"server not up after {START_TIMEOUT} s:\n{server.output()}")
        time.sleep(0.1)


@contextmanager
def serving_many(
    count: int, index_dir: Path, log_dir: Path, **options: Any
) -> Iterator[list[Server]]:
    """`count` servers on one index directory, started together, up until the block ends."""
    servers: list[Server] = []
    try:
        for _ in range(count):
            servers.append(launch(index_dir, log_dir, **options))
        for server in servers:
            wait_up(server)
        yield servers
    finally:
        for server in servers:
            _stop(server.proc)


@contextmanager
def serving(index_dir: Path, log_dir: Path, **options: Any) -> Iterator[Server]:
    with serving_many(1, index_dir, log_dir, **options) as (server,):
        yield server
