"""The README's reverse-proxy set-up, for real: Debian's nginx with deploy/nginx.conf (its
ports changed) in front of `gpsearch serve --proxy-hops 1`.

Clients connect from other loopback addresses (127.0.0.2, 127.0.0.3) than nginx's own
connection to gunicorn (127.0.0.1), so the access log shows whose address the app saw.
nginx is installed by the set-up (`make nginx-deps`, or here with apt-get when running as
root); without it the test is skipped, or fails under $GPSEARCH_REQUIRE_FULL_SUITE.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import GPSEARCH, REPO, cli_env, missing_prerequisite
from tests.servers import Server, free_port, wait_up

CONFIG = REPO / "deploy" / "nginx.conf"
CLIENT, CROWD = "127.0.0.2", "127.0.0.3"
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def _nginx() -> str:
    found = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx",) if Path(p).is_file()), None
    )
    if found is None and os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(
            "apt-get update -qq && apt-get install -y -qq nginx-light >/dev/null",
            shell=True,
            env=env,
            check=False,
            timeout=600,
        )
        found = shutil.which("nginx") or (
            "/usr/sbin/nginx" if Path("/usr/sbin/nginx").is_file() else None
        )
    if found is None:
        missing_prerequisite("nginx is not installed (make nginx-deps installs Debian's nginx)")
    return found


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def json(self) -> object:
        return json.loads(self.body)


def get(port: int, path: str, source: str = CLIENT) -> Answer:
    """GET through a connection from `source`, one of the loopback addresses."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15, source_address=(source, 0))
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return Answer(response.status, response.headers, response.read())
    finally:
        conn.close()


def render(app_port: int, proxy_port: int, work: Path) -> Path:
    site = CONFIG.read_text(encoding="utf-8")
    site, listens = re.subn(r"listen 80;", f"listen 127.0.0.1:{proxy_port};", site)
    site, upstreams = re.subn(r"server 127\.0\.0\.1:8000;", f"server 127.0.0.1:{app_port};", site)
    assert listens == upstreams == 1, "deploy/nginx.conf changed shape: update render()"
    (work / "gpsearch.conf").write_text(site, encoding="utf-8")
    temp = " ".join(
        f"{kind}_temp_path {work / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    main = work / "nginx.conf"
    main.write_text(
        f"daemon off;\nworker_processes 1;\npid {work / 'nginx.pid'};\n"
        f"error_log {work / 'error.log'} warn;\nevents {{ worker_connections 256; }}\n"
        f"http {{\n  access_log {work / 'access.log'};\n  {temp}\n"
        f"  include {work / 'gpsearch.conf'};\n}}\n",
        encoding="utf-8",
    )
    return main


def _stop(proc: subprocess.Popen[bytes], sig: int) -> None:
    if proc.poll() is None:
        proc.send_signal(sig)
        with suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=15)
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    if proc.poll() is None:
        proc.wait(timeout=15)


@pytest.fixture
def proxied(bundled_index: Path, tmp_path: Path) -> Iterator[tuple[int, Server]]:
    nginx = _nginx()
    app_port, proxy_port = free_port(), free_port()
    log = tmp_path / "gpsearch.log"
    with log.open("wb") as out:
        app = subprocess.Popen(
            [
                *GPSEARCH,
                "serve",
                "--index",
                str(bundled_index),
                "--port",
                str(app_port),
                "--proxy-hops",
                "1",
            ],
            cwd=REPO,
            env=cli_env(PYTHONUNBUFFERED="1"),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    server = Server(app, app_port, log)
    proxy = None
    try:
        wait_up(server)
        main = render(app_port, proxy_port, tmp_path)
        checked = subprocess.run(
            [nginx, "-t", "-c", str(main), "-p", str(tmp_path)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert checked.returncode == 0, checked.stderr
        proxy = subprocess.Popen(
            [nginx, "-c", str(main), "-p", str(tmp_path)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 10
        while True:
            with suppress(OSError):
                if get(proxy_port, "/healthz").status == 200:
                    break
            assert proxy.poll() is None, (tmp_path / "error.log").read_text()
            assert time.monotonic() < deadline, "nginx did not come up"
            time.sleep(0.1)
        yield proxy_port, server
    finally:
        if proxy is not None:
            _stop(proxy, signal.SIGQUIT)
        _stop(app, signal.SIGTERM)


@pytest.mark.slow
def test_nginx_in_front_passes_headers_limits_bursts_and_the_client_address(
    proxied: tuple[int, Server],
) -> None:
    port, server = proxied
    search = get(port, "/api/search?q=integration")
    assert search.status == 200 and search.json()["total"] > 0
    for name, value in SECURITY_HEADERS.items():
        assert search.headers[name] == value, name
    assert "default-src 'self'" in search.headers["Content-Security-Policy"]
    assert search.headers["Cache-Control"] == "public, max-age=60"
    assert "Accept-Language" in search.headers["Vary"]
    assert "nginx/" not in (search.headers["Server"] or "")  # server_tokens off

    page = get(port, "/?q=mediation")
    assert page.status == 200 and page.headers["X-Frame-Options"] == "DENY"
    style = get(port, "/static/style.css")
    assert style.status == 200 and style.headers["Cache-Control"] == "public, max-age=3600"

    long = get(port, "/api/search?q=a&country=" + "x" * 20_000)  # through nginx, to the app
    assert long.status == 414 and long.json()["param"] == "country"

    # A burst from one address: the first 20 or so pass, the rest get 429 (as JSON) ...
    burst = [get(port, "/api/facets", source=CROWD) for _ in range(60)]
    statuses = [a.status for a in burst]
    assert statuses[:15] == [200] * 15, statuses
    limited = [a for a in burst if a.status == 429]
    assert len(limited) >= 20 and set(statuses) == {200, 429}, statuses
    assert limited[0].json()["error"].startswith("too many requests")
    assert limited[0].headers["Retry-After"] == "1"
    # ... while another client and the health check are not held up.
    assert get(port, "/api/facets").status == 200
    assert all(get(port, "/healthz", source=CROWD).status == 200 for _ in range(30))

    time.sleep(0.5)  # gunicorn writes its access log line after the answer
    lines = server.output().splitlines()
    seen = [ln for ln in lines if "GET /api/search?q=integration " in ln]
    assert seen and all(ln.startswith(CLIENT + " ") for ln in seen), seen
    crowd = [ln for ln in lines if "GET /api/facets " in ln and ln.startswith(CROWD + " ")]
    assert len(crowd) == statuses.count(200), "the app saw the crowd's own address"


def test_the_readme_shows_the_configuration_that_is_tested() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert f"```nginx\n{CONFIG.read_text(encoding='utf-8')}```" in readme
