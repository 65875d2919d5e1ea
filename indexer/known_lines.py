"""The JSONL lines a generation imported (corpus.known), saved with it for the next import.

`lines.json` holds, per remembered line, its digest, the entry's id, its content hash as
the manifest has it, and whether it was flagged truncated.  The next `gpsearch index`
reads it (`read`), the loader skips the lines it recognises, and the build checks each
skipped line's entry against its manifest (a line whose entry changed in between is
`StaleLinesError`: the caller loads again without skipping).

An update through the document API (`update_index`: entries, no files) only forgets the
lines of the entries it changed or removed: it links the previous file as
`lines.base.json` and writes the forgotten ids in `lines.delta.json` (reading and writing
the whole file took ~250 of an update's ~450 ms at 100k entries), until they pass
generations.delta_fits, as the manifest's delta does.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from corpus.known import KnownEntry, KnownLine, fingerprint
from corpus.model import Entry
from indexer import generations
from indexer.manifest import Manifest

log = logging.getLogger(__name__)

LINES = "lines.json"
LINES_BASE = "lines.base.json"  # a previous generation's lines.json, linked
LINES_DELTA = "lines.delta.json"  # the ids whose lines the base remembers no longer
FORMAT = 1


class StaleLinesError(RuntimeError):
    """A line the loader skipped no longer matches the index it is built into."""


def read(index_dir: Path) -> dict[str, KnownLine]:
    """The lines the live generation of `index_dir` remembers (digest -> KnownLine); empty
    when there is no index, no such file, or it was written for other corpus code."""
    try:
        gen = generations.current(index_dir)
    except generations.IndexNotFoundError:
        return {}
    return _read_generation(gen.path)


def check(unchanged: Iterable[KnownEntry], hashes: Mapping[str, str]) -> None:
    """Every skipped line's entry is in the index as it was when the line was read."""
    for known in unchanged:
        if hashes.get(known.id) != known.content:
            raise StaleLinesError(
                f"{known.source}: entry {known.id} is not in the index as this line made it"
            )


def save(
    workdir: Path,
    previous: Path | None,
    manifest: Manifest,
    given_files: set[str],
    entries: Sequence[Entry],
    unchanged: Sequence[KnownEntry],
    digests: Mapping[str, str],
    changed: set[str],
) -> None:
    """Write what the new generation remembers: the lines of the files imported now
    (skipped ones and those parsed cleanly), and the earlier lines of files not given this
    time; as a delta over the previous generation's lines when no file was imported
    (`changed`: the ids the update added, changed or removed)."""
    only_entries = not (given_files or unchanged or digests)  # the document API's update
    if (
        previous is not None
        and only_entries
        and _save_delta(workdir, previous, len(manifest), changed)
    ):
        return
    lines: dict[str, KnownLine] = {}
    if previous is not None and not given_files.issuperset(manifest.source_files()):
        for digest, known in _read_generation(previous).items():
            if (
                manifest.files.get(known.id) not in given_files
                and manifest.hashes.get(known.id) == known.content
            ):
                lines[digest] = known
    lines.update((k.digest, KnownLine(k.id, k.content, k.truncated)) for k in unchanged)
    for entry in entries:
        digest = digests.get(entry.id)
        content = manifest.hashes.get(entry.id)
        if digest and content:
            lines[digest] = KnownLine(entry.id, content, entry.truncated)
    write(workdir, lines)


def _save_delta(workdir: Path, previous: Path, rows: int, changed: set[str]) -> bool:
    """The previous generation's lines linked as the base, and the ids whose lines they
    no longer hold beside it; False when there are none to link or too many ids."""
    held = _held(previous)
    if held is None:
        return False
    base, forgotten = held
    forgotten = forgotten | changed
    if not generations.delta_fits(len(forgotten), rows):
        return False
    os.link(base, workdir / LINES_BASE)
    _write_json(workdir / LINES_DELTA, {"format": FORMAT, "forgotten": sorted(forgotten)})
    return True


def write(workdir: Path, lines: Mapping[str, KnownLine]) -> None:
    known = list(lines.values())
    _write_json(
        workdir / LINES,
        {
            "format": FORMAT,
            "fingerprint": fingerprint(),
            "digests": list(lines),
            "ids": [k.id for k in known],
            "contents": [k.content for k in known],
            "truncated": [k.id for k in known if k.truncated],
        },
    )


def _write_json(path: Path, data: dict[str, object]) -> None:
    path.write_text(json.dumps(data), encoding="utf-8")


def _held(gen_dir: Path) -> tuple[Path, set[str]] | None:
    """A generation's whole lines file, or its base and the ids its delta forgets; None
    when it has no readable lines (then there is nothing to carry as a delta)."""
    base = generations.held_file(gen_dir, LINES, LINES_BASE)
    if base.name == LINES:
        return base, set()
    if not base.exists():
        return None
    try:
        data = json.loads((gen_dir / LINES_DELTA).read_text(encoding="utf-8"))
        forgotten = data["forgotten"]
        valid = isinstance(forgotten, list) and all(isinstance(i, str) for i in forgotten)
        if data.get("format") != FORMAT or not valid:
            raise ValueError("not a list of ids")
    except FileNotFoundError:
        log.warning("%s: %s without %s: every line is parsed", gen_dir, LINES_BASE, LINES_DELTA)
        return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        log.warning("%s: unreadable (%s): every line is parsed", gen_dir / LINES_DELTA, exc)
        return None
    return base, set(forgotten)


def _read_generation(gen_dir: Path) -> dict[str, KnownLine]:
    """The lines a generation remembers: its whole file, or its base without the lines of
    the ids its delta forgets."""
    held = _held(gen_dir)
    if held is None:
        return {}
    path, forgotten = held
    lines = _read_file(path)
    if forgotten:
        lines = {d: known for d, known in lines.items() if known.id not in forgotten}
    return lines


def _read_file(path: Path) -> dict[str, KnownLine]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT or data.get("fingerprint") != fingerprint():
            return {}  # written for other corpus code: its digests would never match
        digests, ids, contents = data["digests"], data["ids"], data["contents"]
        if not len(digests) == len(ids) == len(contents):
            raise ValueError("columns of different lengths")
        truncated = set(data["truncated"])
        flags = [i in truncated for i in ids] if truncated else [False] * len(ids)
        return dict(zip(digests, map(KnownLine, ids, contents, flags), strict=True))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        log.warning("%s: unreadable (%s): every line is parsed", path, exc)
        return {}
