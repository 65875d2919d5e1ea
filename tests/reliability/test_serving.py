"""Serving like a real deployment: limits answered in JSON, a graceful SIGTERM.

Real gunicorn processes: `gpsearch serve`, and for the shutdown test the same gunicorn
set-up (webui.server) with one slow route (tests/reliability/slow_server.py).
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

import pytest

from search.models import MAX_FILTER_VALUES, MAX_QUERY_CHARS
from tests.conftest import REPO, cli_env
from tests.servers import Reply, Server, free_port, http_get, serving, wait_up
from webui import server as webui_server
from webui.errors import MAX_URL_BYTES


def _raw_request(port: int, head: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.mark.slow
def test_every_request_the_spec_allows_fits_and_longer_ones_get_json_414(
    bundled_index: Path, tmp_path: Path
) -> None:
    widest_q = quote("𝄞" * MAX_QUERY_CHARS)  # four bytes each: 6,000 percent-encoded
    filters = "&".join(f"city={quote('Ž' * 30)}{i}" for i in range(MAX_FILTER_VALUES))
    allowed = f"/api/search?q={widest_q}&{filters}"
    assert 8190 < len(allowed) < MAX_URL_BYTES  # over gunicorn's own ceiling
    with serving(bundled_index, tmp_path) as server:
        reply = server.get(allowed)
        assert reply.status == 200, reply.body[:300]
        assert reply.json()["total"] == 0
        too_long = server.get("/api/search?q=a&country=" + "x" * MAX_URL_BYTES)
        assert too_long.status == 414
        assert too_long.json()["param"] == "country"
        assert f"over the limit of {MAX_URL_BYTES:,}" in too_long.json()["error"]
        page = server.get("/?q=" + "x" * MAX_URL_BYTES)
        assert page.status == 414 and b"<html" in page.body.lower()
        headers = b"".join(
            b"X-H%d: v\r\n" % i for i in range(webui_server.LIMIT_REQUEST_FIELDS + 5)
        )
        answer = _raw_request(
            server.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + headers + b"\r\n"
        )
        assert answer.startswith(b"HTTP/1.1 431"), answer[:200]  # gunicorn's own answer
        assert server.get("/healthz").status == 200
        output = server.output()
    assert "Traceback" not in output


def test_gunicorn_limits_and_timeouts_are_explicit() -> None:
    options = webui_server.gunicorn_options("127.0.0.1", 8000, 2)
    assert options["timeout"] == webui_server.TIMEOUT == 30
    assert options["graceful_timeout"] == webui_server.GRACEFUL_TIMEOUT == 30
    assert options["limit_request_line"] == 0  # the app's JSON 414 instead
    assert options["limit_request_fields"] == 50
    assert options["limit_request_field_size"] == 8190
    assert options["worker_class"] == "sync"


def _launch_slow(index_dir: Path, log_dir: Path) -> Server:
    port = free_port()
    log = log_dir / f"slow-{port}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.reliability.slow_server", str(index_dir), str(port)],
            cwd=REPO,
            env=cli_env(PYTHONUNBUFFERED="1"),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    return Server(proc, port, log)


@pytest.mark.slow
def test_sigterm_lets_requests_in_flight_finish_then_stops(
    bundled_index: Path, tmp_path: Path
) -> None:
    server = _launch_slow(bundled_index, tmp_path)
    replies: list[Reply] = []
    try:
        wait_up(server)
        slow = [
            threading.Thread(target=lambda: replies.append(server.get("/slow?seconds=3")))
            for _ in range(2)  # one on each worker
        ]
        for thread in slow:
            thread.start()
        time.sleep(1.0)  # both requests are being handled
        signalled = time.monotonic()
        server.proc.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        refused = http_get(server.url + "/healthz", timeout=3)
        for thread in slow:
            thread.join(timeout=20)
        code = server.proc.wait(timeout=webui_server.GRACEFUL_TIMEOUT + 10)
        stopped = time.monotonic() - signalled
    finally:
        if server.proc.poll() is None:
            server.proc.kill()
            server.proc.wait()
    output = server.output()
    assert [r.status for r in replies] == [200, 200], (replies, output[-2000:])
    assert all(r.json()["slept"] >= 3 for r in replies)
    assert refused.status == 0 and refused.error, "no new request is taken after SIGTERM"
    assert code == 0, output[-2000:]
    assert stopped < 10, "stopped once the requests were done, not at the graceful timeout"
    assert "Handling signal: term" in output
    assert output.count("Worker exiting") == 2
    assert "Traceback" not in output and "WORKER TIMEOUT" not in output
