"""Several servers (each with several gunicorn workers) share one index directory read-only.

Two `gpsearch serve` processes on different ports serve one index directory; a build in
another process publishes a new generation, and both follow it without a restart.  The
servers never write there: when the suite runs as root they run as `nobody`, to whom the
root-owned index is read-only, and in any case every file's size, mtime and mode are the
same before and after serving.  See README-scale-out.md for running replicas this way.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import pytest

from tests.reliability.conftest import (
    PICKUP_SECONDS,
    UNIQUE_B,
    bundled_plus,
    can_drop_privileges,
    copy_index,
    live_generation,
    process_uid,
    publish,
    tree_state,
    write_extra,
)
from tests.servers import NOBODY, Server, serving_many

IN_A_ROW = 20  # answers in a row from the new generation: every worker has switched


def answers_from(server: Server, generation: str, total: int) -> bool:
    reply = server.get(f"/api/search?q={UNIQUE_B}")
    assert reply.status == 200, (reply.status, reply.body[:200], reply.error)
    data = reply.json()
    return data["generation"] == generation and data["total"] == total


def wait_for_generation(server: Server, generation: str, total: int) -> None:
    deadline = time.monotonic() + PICKUP_SECONDS
    streak = 0
    while streak < IN_A_ROW:
        streak = streak + 1 if answers_from(server, generation, total) else 0
        assert time.monotonic() < deadline, f"{server.url} still not on {generation}"
        if not streak:
            time.sleep(0.05)


@pytest.mark.slow
def test_two_servers_share_one_read_only_index_and_follow_a_rebuild(
    bundled_index: Path, tmp_path: Path
) -> None:
    as_nobody = can_drop_privileges()
    # Not under tmp_path, which is private to root: `nobody` must be able to read the index.
    root = Path(tempfile.mkdtemp(prefix="gpsearch-replicas-"))
    try:
        root.chmod(0o755)
        index_dir = copy_index(bundled_index, root / "index")
        gen_a = live_generation(index_dir)
        before = tree_state(index_dir)
        with serving_many(2, index_dir, tmp_path, as_nobody=as_nobody) as servers:
            if as_nobody:
                assert all(process_uid(s.proc.pid) == NOBODY for s in servers)
                assert all(mode & 0o022 == 0 for _, _, mode in before.values()), (
                    "the index is read-only to the servers"
                )
            for server in servers:
                wait_for_generation(server, gen_a, 0)
            assert tree_state(index_dir) == before, "a server wrote into the index directory"

            gen_b = publish(
                bundled_plus(write_extra(tmp_path / "extra.jsonl", UNIQUE_B)), index_dir
            )
            published = tree_state(index_dir)
            for server in servers:
                wait_for_generation(server, gen_b, 1)
            assert tree_state(index_dir) == published, "a server wrote into the index directory"
            assert all(s.proc.poll() is None for s in servers), "never restarted"
            logs = [s.output() for s in servers]
        kept = {path: state for path, state in before.items() if path.startswith(gen_a)}
        assert kept and all(published[path] == state for path, state in kept.items()), (
            "the previous generation stays intact for readers still on it"
        )
        for log in logs:
            assert log.count("Booting worker") == 2 and "Traceback" not in log
    finally:
        shutil.rmtree(root, ignore_errors=True)
