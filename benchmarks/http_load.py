"""HTTP load on loopback: a server under gunicorn, N concurrent clients for a bounded time.

The load comes from `wrk` (Debian package) with `wrk_paths.lua` cycling through the
query URLs; without wrk, a Python thread pool does the same job (slower and GIL-bound:
the report names the tool used).  The server's RSS is sampled over the whole process
tree (gunicorn master + workers) while the load runs.  Traffic only ever goes to
127.0.0.1, and every loop is bounded by a deadline.
"""

from __future__ import annotations

import http.client
import json
import logging
import os
import resource
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psutil

from benchmarks.data import BENCH_DIR
from benchmarks.stats import summarize_ms

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
WRK_SCRIPT = BENCH_DIR / "wrk_paths.lua"
READY_TIMEOUT_S = 120.0
REQUEST_TIMEOUT_S = 30.0
WRK_PERCENTILES = (50, 90, 95, 99)


def ensure_wrk(install: bool) -> str | None:
    """Path of wrk; installs Debian's package when allowed, running as root, and missing."""
    found = shutil.which("wrk")
    if found or not install:
        return found
    apt = shutil.which("apt-get")
    if apt is None or os.geteuid() != 0:
        log.warning("wrk missing and cannot apt-get it here: Python client instead")
        return None
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install_cmd = [apt, "install", "-y", "-qq", "wrk"]
    for attempt in (install_cmd, [apt, "update", "-qq"], install_cmd):
        try:
            subprocess.run(attempt, env=env, capture_output=True, timeout=600, check=False)
        except subprocess.TimeoutExpired:
            log.warning("%s timed out", " ".join(attempt))
        if shutil.which("wrk"):
            break
    found = shutil.which("wrk")
    if not found:
        log.warning("could not install wrk: Python client instead")
    return found


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def get(port: int, path: str, timeout: float = REQUEST_TIMEOUT_S) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def _process_tree(pid: int) -> list[psutil.Process]:
    """A process and all its descendants (gunicorn master + workers); [] once it is gone."""
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def tree_memory(pid: int, *, proportional: bool = False) -> int:
    """Memory of a process and all its descendants (gunicorn master + workers): the sum of
    RSS, or with `proportional` of PSS, which counts a page shared by n processes 1/n in
    each (gpsearch's workers share the language resources the master loaded)."""
    total = 0
    for process in _process_tree(pid):
        try:
            total += process.memory_full_info().pss if proportional else process.memory_info().rss
        except (psutil.NoSuchProcess, psutil.AccessDenied, AttributeError):
            continue
    return total


PSS_EVERY = 8  # samples: PSS every 2 s, RSS every 0.25 s


class RssSampler(threading.Thread):
    """Peak tree RSS and PSS of a server while a load runs (sampled every `interval` s)."""

    def __init__(self, pid: int, interval: float = 0.25) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.peak = 0
        self.peak_pss = 0
        self._stop_event = threading.Event()

    def _sample(self, *, pss: bool = True) -> None:
        self.peak = max(self.peak, tree_memory(self.pid))
        if pss:
            self.peak_pss = max(self.peak_pss, tree_memory(self.pid, proportional=True))

    def run(self) -> None:
        # PSS reads /proc/PID/smaps, which holds the process's memory map lock while it
        # walks every mapping: often enough it slows the server it measures.
        ticks = 0
        while not self._stop_event.is_set():
            self._sample(pss=ticks % PSS_EVERY == 0)
            ticks += 1
            self._stop_event.wait(self.interval)

    def stop(self) -> int:
        self._stop_event.set()
        self.join(timeout=5)
        self._sample()
        return self.peak


def _tree_cpu_seconds(pid: int) -> float:
    total = 0.0
    for process in _process_tree(pid):
        try:
            times = process.cpu_times()
            total += times.user + times.system
        except psutil.NoSuchProcess:
            continue
    return total


def _own_cpu_seconds() -> float:
    """This process and its waited-for children (wrk, or the Python client's threads)."""
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _machine_busy_seconds() -> float:
    times = psutil.cpu_times()
    return sum(times) - times.idle - getattr(times, "iowait", 0.0)


class CpuShare:
    """Who used the machine's cores during a load: server, load client, everyone else.

    On a shared machine `other` is the noise indicator: CPU taken by processes that are
    neither the server nor the client while the numbers were measured.
    """

    def __init__(self, server_pid: int) -> None:
        self.server_pid = server_pid
        self.started = time.perf_counter()
        self.busy = _machine_busy_seconds()
        self.server = _tree_cpu_seconds(server_pid)
        self.client = _own_cpu_seconds()

    def stop(self) -> dict[str, float]:
        wall = time.perf_counter() - self.started
        capacity = wall * (os.cpu_count() or 1)
        busy = _machine_busy_seconds() - self.busy
        server = _tree_cpu_seconds(self.server_pid) - self.server
        client = _own_cpu_seconds() - self.client
        other = max(0.0, busy - server - client)
        return {
            "wall_s": wall,
            "server_share": server / capacity if capacity else 0.0,
            "client_share": client / capacity if capacity else 0.0,
            "other_share": other / capacity if capacity else 0.0,
        }


class Server:
    """A server command started in its own session, so it can be stopped as a group."""

    def __init__(
        self, command: Sequence[str], env: dict[str, str], log_path: Path, cwd: Path
    ) -> None:
        self.command = list(command)
        self.env = env
        self.log_path = log_path
        self.cwd = cwd
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, port: int, probe_path: str) -> float:
        """Start and wait until `probe_path` answers 200; returns seconds to ready."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log_file = self.log_path.open("wb")
        started = time.perf_counter()
        self.process = subprocess.Popen(
            self.command,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            env={**os.environ, **self.env},
            cwd=self.cwd,
            start_new_session=True,
        )
        log_file.close()
        deadline = started + READY_TIMEOUT_S
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}: {self.tail()}")
            try:
                status, _ = get(port, probe_path, timeout=10)
                if status == 200:
                    return time.perf_counter() - started
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"server not ready after {READY_TIMEOUT_S:.0f}s: {self.tail()}")

    def tail(self, chars: int = 1500) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")[-chars:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        pgid = self.process.pid  # start_new_session: the group is ours alone
        try:
            os.killpg(pgid, signal.SIGTERM)
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(pgid, signal.SIGKILL)
            self.process.wait(timeout=10)
        except ProcessLookupError:
            pass


def run_python_load(
    port: int, paths: Sequence[str], seconds: float, connections: int, *, max_requests: int = 0
) -> dict[str, Any]:
    """`connections` threads, each cycling through `paths` until the deadline (or count)."""
    deadline = time.perf_counter() + seconds
    lock = threading.Lock()
    latencies: list[float] = []
    errors = {"connect": 0, "read": 0, "status": 0, "timeout": 0}
    issued = [0]

    def client(offset: int) -> None:
        index = offset
        while time.perf_counter() < deadline:
            with lock:
                if max_requests and issued[0] >= max_requests:
                    return
                issued[0] += 1
            path = paths[index % len(paths)]
            index += 1
            started = time.perf_counter()
            kind = ""
            try:
                status, _ = get(port, path)
                if status >= 400:
                    kind = "status"
            except TimeoutError:
                kind = "timeout"
            except ConnectionError:
                kind = "connect"
            except (OSError, http.client.HTTPException):
                kind = "read"
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                if kind:
                    errors[kind] += 1

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=connections) as pool:
        for worker in range(connections):
            pool.submit(client, worker * 97)
    duration = time.perf_counter() - started
    return {
        "tool": f"python threads ({connections})",
        "requests": len(latencies),
        "duration_s": duration,
        "throughput_rps": len(latencies) / duration if duration else 0.0,
        # The percentiles wrk_paths.lua reports, so both load tools give the same keys.
        "latency_ms": summarize_ms(latencies, WRK_PERCENTILES),
        "errors": sum(errors.values()),
        "error_detail": errors,
    }


def run_wrk(
    wrk: str, port: int, paths_file: Path, seconds: float, connections: int, threads: int
) -> dict[str, Any]:
    command = [
        wrk,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        f"--timeout={REQUEST_TIMEOUT_S:.0f}s",
        "-s",
        str(WRK_SCRIPT),
        f"http://{HOST}:{port}",
        "--",
        str(paths_file),
    ]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=seconds + 120, check=False
    )
    line = next((x for x in done.stdout.splitlines() if x.startswith("BENCHJSON ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr.strip()} {done.stdout}")
    data = json.loads(line.removeprefix("BENCHJSON "))
    duration = data["duration_us"] / 1e6
    return {
        "tool": f"wrk -t{threads} -c{connections}",
        "requests": data["requests"],
        "duration_s": duration,
        "throughput_rps": data["requests"] / duration if duration else 0.0,
        "latency_ms": {k: v / 1000 for k, v in data["latency_us"].items()},
        "errors": sum(data["errors"].values()),
        "error_detail": data["errors"],
    }


def measure_http(
    command: Sequence[str],
    env: dict[str, str],
    port: int,
    paths: Sequence[str],
    *,
    seconds: float,
    connections: int,
    wrk: str | None,
    work: Path,
    label: str,
    cwd: Path = BENCH_DIR.parent,
) -> dict[str, Any]:
    """Start the server, warm it up, load it for `seconds`, stop it; all numbers in one dict."""
    paths_file = work / f"{label}-paths.txt"
    paths_file.write_text("\n".join(paths) + "\n", encoding="utf-8")
    server = Server(command, env, work / f"{label}-server.log", cwd)
    try:
        ready_s = server.start(port, paths[0])
        assert server.process is not None
        rss_idle = tree_memory(server.process.pid)
        # One pass over every URL at full concurrency: each worker loads its index and
        # caches before the clock starts, and a broken URL shows up here.
        warm = run_python_load(
            port,
            paths,
            seconds=max(5.0, seconds),
            connections=connections,
            max_requests=len(paths),
        )
        sampler = RssSampler(server.process.pid)
        cpu = CpuShare(server.process.pid)
        sampler.start()
        try:
            if wrk:
                load = run_wrk(wrk, port, paths_file, seconds, connections, threads=2)
            else:
                load = run_python_load(port, paths, seconds, connections)
        finally:
            peak = sampler.stop()
            load_cpu = cpu.stop()
        processes = len(_process_tree(server.process.pid))
    finally:
        server.stop()
    if not load["requests"]:
        # Every request was still in flight when the clock stopped: no latency to report.
        load["latency_ms"] = {}
        load["note"] = f"no request completed within {seconds:.0f} s"
    return {
        **load,
        "cpu": load_cpu,
        "ready_s": ready_s,
        "warmup_errors": warm["errors"],
        "server_rss_idle_bytes": rss_idle,
        "server_peak_rss_bytes": peak,
        "server_peak_pss_bytes": sampler.peak_pss,
        "server_processes": processes,
        "urls": len(paths),
    }
