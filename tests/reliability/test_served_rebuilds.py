"""A served index under load while it is rebuilt, and while a build is killed half way.

The server is the real thing (`gpsearch serve`, gunicorn, 2 sync workers); 8 client threads
send searches the whole time.  Generation A is the bundled corpus, B adds an entry with a
word no other entry has (UNIQUE_B), C changes that entry to another unique word (UNIQUE_C).
Every answer must be a 200 with JSON from one complete generation: its `generation` is one
that was published, and its total for each unique word is that generation's.
"""

from __future__ import annotations

import contextlib
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psutil
import pytest

from indexer import generations
from tests.conftest import kill_build_while_writing, synthetic_jsonl
from tests.reliability.conftest import (
    PICKUP_SECONDS,
    UNIQUE_B,
    UNIQUE_C,
    Load,
    Sample,
    bundled_plus,
    copy_index,
    live_generation,
    publish,
    write_extra,
)
from tests.servers import Server, serving

CLIENTS = 8
SETTLE = 2.5  # seconds of load on each generation before the next build

PATHS = [
    f"/api/search?q={UNIQUE_B}",
    f"/api/search?q={UNIQUE_C}",
    f"/api/facets?q={UNIQUE_B}",
    f"/?q={UNIQUE_C}&format=json",
    f"/api/search?q={UNIQUE_B}+OR+{UNIQUE_C}&language=en",
    "/healthz",
    "/api/search?q=integration&page=2&per_page=5",
    "/api/facets",
]


def check_consistent(
    samples: list[Sample], expected: dict[str, dict[str, int]], documents: dict[str, int]
) -> None:
    """Each answer comes from one complete, published generation: `expected` gives each
    generation's total for each unique word, `documents` its size."""
    for sample in samples:
        generation = sample.data["generation"]
        assert generation in expected, (sample.path, generation, "never published")
        query = sample.data.get("query")
        if query in expected[generation]:
            assert sample.data["total"] == expected[generation][query], (sample.path, generation)
        elif query == f"{UNIQUE_B} OR {UNIQUE_C}":
            assert sample.data["total"] == sum(expected[generation].values()), sample.path
        if sample.path == "/healthz":
            assert sample.data["documents"] == documents[generation], sample.data


def last_all(samples: list[Sample], generation: str, count: int = 40) -> bool:
    recent = samples[-count:]
    return len(recent) == count and all(s.ok and s.data["generation"] == generation for s in recent)


def assert_healthy_log(output: str) -> None:
    assert output.count("Booting worker") == 2, "a worker died and was replaced"
    for bad in ("Traceback", "WORKER TIMEOUT", "[ERROR]", '" 500 '):
        assert bad not in output, bad


def assert_refuses_oversized_requests(server: Server) -> None:
    """What the test client cannot show: gunicorn's own limits answer before the app."""
    too_long = server.get("/api/search?q=" + "a" * 600)
    assert too_long.status == 400
    assert too_long.json() == {"error": "query is longer than 500 characters", "param": "q"}
    huge_url = server.get("/api/search?q=" + "a" * 20_000)  # over webui.errors.MAX_URL_BYTES
    assert huge_url.status == 414 and huge_url.json()["param"] == "q"
    assert server.get("/healthz").status == 200


@pytest.mark.slow
def test_searches_during_two_rebuilds_come_from_complete_generations(
    bundled_index: Path, tmp_path: Path
) -> None:
    index_dir = copy_index(bundled_index, tmp_path / "index")
    gen_a = live_generation(index_dir)
    extra = tmp_path / "extra.jsonl"
    started = time.monotonic()
    with serving(index_dir, tmp_path) as server:
        documents_a = server.get("/healthz").json()["documents"]
        assert_refuses_oversized_requests(server)
        with Load(server, PATHS, CLIENTS) as load:
            time.sleep(SETTLE)
            gen_b = publish(bundled_plus(write_extra(extra, UNIQUE_B)), index_dir)
            load.wait_until(lambda s: last_all(s, gen_b), PICKUP_SECONDS, f"serving {gen_b}")
            time.sleep(SETTLE)
            gen_c = publish(bundled_plus(write_extra(extra, UNIQUE_C)), index_dir)
            load.wait_until(lambda s: last_all(s, gen_c), PICKUP_SECONDS, f"serving {gen_c}")
            time.sleep(1.0)
        samples = load.samples
        output = server.output()
    elapsed = time.monotonic() - started
    print(
        f"\n{len(samples)} requests from {CLIENTS} clients in {elapsed:.1f} s"
        f" over 3 generations; {len(load.failures())} failed"
    )
    assert load.failures() == [], load.failures()[:5]
    expected = {
        gen_a: {UNIQUE_B: 0, UNIQUE_C: 0},
        gen_b: {UNIQUE_B: 1, UNIQUE_C: 0},
        gen_c: {UNIQUE_B: 0, UNIQUE_C: 1},
    }
    check_consistent(
        samples, expected, {gen_a: documents_a, gen_b: documents_a + 1, gen_c: documents_a + 1}
    )
    served = {s.data["generation"] for s in samples}
    assert served == {gen_a, gen_b, gen_c}, "every generation was served in turn"
    assert_healthy_log(output)


@pytest.mark.slow
def test_killed_build_never_disturbs_the_server_which_follows_the_next_build(
    bundled_index: Path, tmp_path: Path
) -> None:
    index_dir = copy_index(bundled_index, tmp_path / "index")
    gen_a = live_generation(index_dir)
    big = synthetic_jsonl(tmp_path / "big.jsonl", 2500)  # parallel detection: forked workers
    with serving(index_dir, tmp_path) as server, Load(server, PATHS, CLIENTS) as load:
        documents_a = server.get("/healthz").json()["documents"]
        kill_build_while_writing(big, index_dir)
        killed_at = time.monotonic()
        assert live_generation(index_dir) == gen_a
        time.sleep(SETTLE)  # the server keeps answering from A after the kill
        after_kill = load.since(killed_at)
        assert after_kill and all(s.ok and s.data["generation"] == gen_a for s in after_kill)
        gen_b = publish(bundled_plus(write_extra(tmp_path / "extra.jsonl", UNIQUE_B)), index_dir)
        load.wait_until(lambda s: last_all(s, gen_b), PICKUP_SECONDS, f"serving {gen_b}")
        load.stop()
        assert server.proc.poll() is None, "the same server, never restarted"
        output = server.output()
    print(f"\n{len(load.samples)} requests around a killed build; {len(load.failures())} failed")
    assert load.failures() == [], load.failures()[:5]
    check_consistent(
        load.samples,
        {gen_a: {UNIQUE_B: 0, UNIQUE_C: 0}, gen_b: {UNIQUE_B: 1, UNIQUE_C: 0}},
        {gen_a: documents_a, gen_b: documents_a + 1},
    )
    assert not list(index_dir.glob("gen-*.tmp")), "the next build cleared the killed one"
    assert_healthy_log(output)


def last_live(answers: list[dict[str, Any]], live: str, count: int = 10) -> bool:
    recent = answers[-count:]
    return len(recent) == count and all(a["generation"] == live and a["total"] == 1 for a in recent)


def _files_held(pid: int, directory: Path) -> list[str]:
    """Paths under `directory` process `pid` has mapped or open (deleted ones included)."""
    maps = Path(f"/proc/{pid}/maps").read_text().splitlines()
    held = {line.split(maxsplit=5)[5] for line in maps if str(directory) in line}
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):
            target = str(fd.readlink())
            if str(directory) in target:
                held.add(target)
    return sorted(held)


def test_after_rebuilds_no_server_process_holds_a_deleted_generation(
    bundled_index: Path, tmp_path: Path
) -> None:
    """The master opened the index before forking its workers.  After two rebuilds (the
    first generation is deleted) neither the master nor the workers hold the deleted
    generation's files (their disk space is freed), and a worker killed and replaced
    answers from the live generation."""
    index = copy_index(bundled_index, tmp_path / "index")
    first = generations.current(index).path
    with serving(index, tmp_path) as server:
        master = psutil.Process(server.proc.pid)
        assert _files_held(master.pid, first), "the master holds the index it opened"
        with ThreadPoolExecutor(8) as pool:  # every worker maps the place tables (`near=`)
            near = list(pool.map(server.get, ["/api/search?q=culture&near=London"] * 32))
        assert all(r.status == 200 for r in near), near[:2]
        publish(bundled_plus(write_extra(tmp_path / "b.jsonl", UNIQUE_B)), index)
        live = publish(bundled_plus(write_extra(tmp_path / "c.jsonl", UNIQUE_C)), index)
        assert not first.exists(), "two builds on, the first generation is deleted"
        deadline = time.monotonic() + PICKUP_SECONDS
        # Under traffic from 8 clients (every worker busy, so every worker moves on; an
        # idle one keeps its generation until its next request), until no process holds
        # the deleted generation.
        with ThreadPoolExecutor(8) as pool:
            while True:
                paths = [f"/api/search?q={UNIQUE_C}"] * 16
                answers = [r.json() for r in pool.map(server.get, paths)]
                holders = [p.pid for p in (master, *master.children()) if _files_held(p.pid, first)]
                if last_live(answers, live, count=16) and not holders:
                    break
                assert time.monotonic() < deadline, holders
                time.sleep(0.2)
        old_workers = master.children()
        old_workers[0].kill()
        while not set(master.children()) - set(old_workers):
            assert time.monotonic() < deadline, "no worker replaced the killed one"
            time.sleep(0.1)
        answers = []
        while not last_live(answers, live):
            assert time.monotonic() < deadline, answers[-10:]
            answers.append(server.get(f"/api/search?q={UNIQUE_C}").json())
