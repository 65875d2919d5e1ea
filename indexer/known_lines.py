"""The JSONL lines a generation imported (corpus.known), saved with it for the next import.

`lines.json` holds, per remembered line, its digest, the entry's id, its content hash as
the manifest has it, and whether it was flagged truncated.  The next `gpsearch index`
reads it (`read`), the loader skips the lines it recognises, and the build checks each
skipped line's entry against its manifest (a line whose entry changed in between is
`StaleLinesError`: the caller loads again without skipping).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from corpus.known import KnownEntry, KnownLine, fingerprint
from corpus.model import Entry
from indexer import generations
from indexer.manifest import Manifest

log = logging.getLogger(__name__)

LINES = "lines.json"
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
    return _read_file(gen.path / LINES)


def check(unchanged: Iterable[KnownEntry], hashes: Mapping[str, str]) -> None:
    """Every skipped line's entry is in the index as it was when the line was read."""
    for known in unchanged:
        if hashes.get(known.id) != known.content:
            raise StaleLinesError(
                f"{known.source}: entry {known.id} is not in the index as this line made it"
            )


def next_lines(
    previous: Path | None,
    manifest: Manifest,
    given_files: set[str],
    entries: Sequence[Entry],
    unchanged: Sequence[KnownEntry],
    digests: Mapping[str, str],
) -> dict[str, KnownLine]:
    """What the new generation remembers: the lines of the files imported now (skipped
    ones and those parsed cleanly), and the earlier lines of files not given this time."""
    lines: dict[str, KnownLine] = {}
    if previous is not None and not given_files.issuperset(manifest.source_files()):
        for digest, known in _read_file(previous / LINES).items():
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
    return lines


def write(workdir: Path, lines: Mapping[str, KnownLine]) -> None:
    known = list(lines.values())
    (workdir / LINES).write_text(
        json.dumps(
            {
                "format": FORMAT,
                "fingerprint": fingerprint(),
                "digests": list(lines),
                "ids": [k.id for k in known],
                "contents": [k.content for k in known],
                "truncated": [k.id for k in known if k.truncated],
            }
        ),
        encoding="utf-8",
    )


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
