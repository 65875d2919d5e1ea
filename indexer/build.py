"""Build or update an index from entries: incremental, atomic, and safe to kill at any point.

Each build writes a new generation (see generations.py).  Unchanged entries are carried
over by hard-linking the previous generation's Whoosh segments; only new and changed
entries (by content hash) are detected and analysed.  Nothing changed: no new generation.
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import logging
import os
import signal
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from whoosh import index as windex

from corpus.model import FIELD_NAMES, Entry
from indexer import generations, groups, postings
from indexer.concepts import concept_index, reuse_analysed
from indexer.detect import Detection, LanguageDetector
from indexer.generations import CONCEPTS, GROUPS, MANIFEST
from indexer.schema import SCHEMA_VERSION, Analysed, build_schema, whoosh_document

log = logging.getLogger(__name__)

# Below this many documents a single-process writer is faster than forking workers.
PARALLEL_THRESHOLD = 2000
# Postings a Whoosh writer process holds before spilling runs to disk and merging them:
# at 256 MB a 100k build spilled and took 56 s to write, at 1 GB 36 s.
WRITER_MEMORY_MB = 1024
# Segments are written as separate files, not one compound file: Whoosh reads a compound
# segment's stored-field column into an in-memory copy (68 MB per server worker at 100k).
_NOT_CARRIED = {MANIFEST, GROUPS, CONCEPTS, generations.GENERATION_META, "MAIN_WRITELOCK"}

Progress = Callable[[Iterable[Any], int, str], Iterable[Any]]


def _no_progress(items: Iterable[Any], total: int, label: str) -> Iterable[Any]:
    return items


class EmptyBuildError(ValueError):
    """A build that would start from nothing and add nothing: no generation to publish."""


@dataclass(slots=True)
class BuildReport:
    total: int = 0
    new: int = 0
    changed: int = 0
    removed: int = 0
    unchanged: int = 0
    seconds: float = 0.0
    generation: str | None = None
    rebuilt: bool = False
    languages: Counter[str] = field(default_factory=Counter)
    locales: Counter[str] = field(default_factory=Counter)
    untranslated: int = 0

    @property
    def modified(self) -> int:
        return self.new + self.changed + self.removed

    @property
    def per_second(self) -> float:
        return (self.new + self.changed) / self.seconds if self.seconds else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "new": self.new,
            "changed": self.changed,
            "removed": self.removed,
            "unchanged": self.unchanged,
            "seconds": round(self.seconds, 3),
            "entries_per_second": round(self.per_second, 1),
            "generation": self.generation,
            "rebuilt": self.rebuilt,
            "languages": dict(self.languages.most_common()),
            "locales": dict(self.locales.most_common()),
            "untranslated": self.untranslated,
        }


def content_hash(entry: Entry) -> str:
    # Field values in declaration order (dataclasses.asdict deep-copies: 5x slower).
    payload = json.dumps([getattr(entry, name) for name in FIELD_NAMES], ensure_ascii=False)
    return hashlib.sha1(f"{SCHEMA_VERSION}\x1f{payload}".encode()).hexdigest()[:16]


def source_file(entry: Entry) -> str:
    return _resolved(entry.source.rsplit(":", 1)[0]) if entry.source else ""


@lru_cache(maxsize=4096)
def _resolved(path: str) -> str:
    return str(Path(path).resolve())


def _die_with_parent() -> None:
    """In a forked worker: get SIGKILL when the build process dies (Linux), never linger."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: workers end when their queues close
        pass


_PR_SET_PDEATHSIG = 1
_fork_hook_installed = False


def _install_fork_hook() -> None:
    global _fork_hook_installed
    if not _fork_hook_installed:
        os.register_at_fork(after_in_child=_die_with_parent)
        _fork_hook_installed = True


# Language detection runs in worker processes for large batches: one detector per process.
_worker_detector: LanguageDetector | None = None


def _init_worker() -> None:
    global _worker_detector
    _worker_detector = LanguageDetector()


def _detect_chunk(entries: Sequence[Entry]) -> list[Detection]:
    assert _worker_detector is not None
    return [_detect(_worker_detector, e) for e in entries]


def _detect(detector: LanguageDetector, entry: Entry) -> Detection:
    return detector.detect(
        entry.title, entry.summary, entry.body, locale=entry.locale, declared=entry.language
    )


def detect_all(
    entries: Sequence[Entry], *, procs: int, progress: Progress = _no_progress
) -> list[Detection]:
    if procs <= 1 or len(entries) < PARALLEL_THRESHOLD:
        detector = LanguageDetector()
        return [_detect(detector, e) for e in progress(entries, len(entries), "detecting")]
    size = max(200, len(entries) // (procs * 8))
    chunks = [entries[i : i + size] for i in range(0, len(entries), size)]
    with ProcessPoolExecutor(procs, initializer=_init_worker) as pool:
        results = progress(pool.map(_detect_chunk, chunks), len(chunks), "detecting")
        return [d for chunk in results for d in chunk]


class ManifestRow(NamedTuple):
    """What a generation remembers of each entry (a JSON list in manifest.json)."""

    content_hash: str
    source_file: str
    block: str  # place-and-year block ("" when none): regrouping unit
    declared: int  # 1 when the source declares the entry's translation group


def _read_manifest(gen: generations.Generation | None) -> dict[str, ManifestRow] | None:
    if gen is None:
        return None
    try:
        data = json.loads((gen.path / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if data.get("schema_version") != SCHEMA_VERSION:
        log.info("index was built by another schema version: rebuilding")
        return None
    return {entry_id: ManifestRow(*row) for entry_id, row in data["entries"].items()}


def _carry_over(previous: Path, workdir: Path) -> None:
    """Hard-link the previous generation's files: Whoosh never rewrites a segment file."""
    for src in previous.rglob("*"):
        rel = src.relative_to(previous)
        if rel.parts[0] in _NOT_CARRIED or rel.parts[:2] == (postings.ACCEL, postings.MERGED):
            continue
        dst = workdir / rel
        if src.is_dir():
            dst.mkdir(parents=True, exist_ok=True)
        else:
            dst.parent.mkdir(parents=True, exist_ok=True)
            os.link(src, dst)


def build_index(
    entries: Sequence[Entry],
    index_dir: Path,
    *,
    rebuild: bool = False,
    procs: int | None = None,
    progress: Progress = _no_progress,
    lock_wait: float = 0.0,
) -> BuildReport:
    """Make `index_dir` serve `entries` (plus earlier entries from other source files).

    Entries from a source file given now replace that file's earlier entries: an entry that
    disappeared from its file is removed.  `rebuild` starts from nothing.
    """
    started = time.perf_counter()
    procs = procs or min(2, os.cpu_count() or 1)
    if procs > 1:
        _install_fork_hook()
    index_dir = Path(index_dir)
    report = BuildReport(total=len(entries))
    with (
        generations.build_lock(index_dir, wait=lock_wait),
        generations.build_work(index_dir) as work,
    ):
        generations.cleanup(index_dir)
        try:
            previous: generations.Generation | None = generations.current(index_dir)
        except generations.IndexNotFoundError:
            previous = None
        manifest = None if rebuild else _read_manifest(previous)
        report.rebuilt = manifest is None
        if report.rebuilt and not entries:
            raise EmptyBuildError(f"nothing to index into {index_dir}: the sources hold no entries")
        old = manifest or {}
        hashes = {e.id: content_hash(e) for e in entries}
        files = {e.id: source_file(e) for e in entries}
        todo = [e for e in entries if e.id not in old or old[e.id].content_hash != hashes[e.id]]
        given_files = set(files.values())
        removed = [
            i for i, row in old.items() if row.source_file in given_files and i not in hashes
        ]
        report.new = sum(1 for e in todo if e.id not in old)
        report.changed = len(todo) - report.new
        report.removed = len(removed)
        report.unchanged = len(entries) - len(todo)
        if not report.rebuilt and not todo and not removed:
            report.generation = previous.name if previous else None
            report.seconds = time.perf_counter() - started
            _summarise(report, previous)
            return report
        phase = time.perf_counter()
        detections = detect_all(todo, procs=procs, progress=progress)
        log.info("detected %d languages in %.1f s", len(todo), time.perf_counter() - phase)
        analysed = [
            Analysed(e, d.language, d.confidence, d.method, hashes[e.id], files[e.id])
            for e, d in zip(todo, detections, strict=True)
        ]
        workdir = work.new()  # removed if the build fails (e.g. the disk is full)
        if report.rebuilt or previous is None:
            ix = windex.create_in(str(workdir), build_schema())
        else:
            _carry_over(previous.path, workdir)
            ix = windex.open_dir(str(workdir))
        phase = time.perf_counter()
        parallel = procs > 1 and len(analysed) >= PARALLEL_THRESHOLD
        writer = (
            ix.writer(procs=procs, multisegment=True, limitmb=WRITER_MEMORY_MB, compound=False)
            if parallel
            else ix.writer(limitmb=WRITER_MEMORY_MB, compound=False)
        )
        try:
            if not report.rebuilt:
                for entry_id in [*removed, *(a.entry.id for a in analysed if a.entry.id in old)]:
                    writer.delete_by_term("id", entry_id)
            for item in progress(analysed, len(analysed), "indexing"):
                writer.add_document(**whoosh_document(item))
            writer.commit()
        except BaseException:
            writer.cancel()
            raise
        gone = set(removed)
        new_manifest = {k: v for k, v in old.items() if k not in gone}
        new_manifest.update(
            {
                a.entry.id: ManifestRow(
                    a.content_hash, a.source_file, *groups.block_and_flag(a.entry)
                )
                for a in analysed
            }
        )
        log.info("wrote Whoosh segments in %.1f s", time.perf_counter() - phase)
        if previous is not None:  # the lexicon as analysed last time, if it has not changed
            reuse_analysed(previous.path / CONCEPTS)
        lexicon = concept_index()  # loaded before the export workers fork, which use it
        with ix.reader() as reader:
            phase = time.perf_counter()
            accel_stats = postings.build(reader, workdir, procs)
            log.info("exported postings arrays in %.1f s", time.perf_counter() - phase)
            phase = time.perf_counter()
            group_of = _groups(workdir, None if report.rebuilt else previous, old, new_manifest)
            log.info("grouped translations in %.1f s", time.perf_counter() - phase)
        (workdir / MANIFEST).write_text(
            json.dumps({"schema_version": SCHEMA_VERSION, "entries": new_manifest}),
            encoding="utf-8",
        )
        (workdir / GROUPS).write_text(json.dumps(group_of, ensure_ascii=False), encoding="utf-8")
        (workdir / CONCEPTS).write_text(lexicon.to_json(), encoding="utf-8")
        report.seconds = time.perf_counter() - started
        meta = {
            "schema_version": SCHEMA_VERSION,
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "documents": len(new_manifest),
            "build": report.to_dict(),
            "accel": accel_stats,
        }
        published = generations.publish(index_dir, workdir, meta)
        report.generation = published.name
        generations.cleanup(index_dir)
        _summarise(report, published)
        return report


def _groups(
    gen_dir: Path,
    previous: generations.Generation | None,
    old: dict[str, ManifestRow],
    new: dict[str, ManifestRow],
) -> dict[str, str]:
    """Translation groups of the new generation, from the entries' signatures.  Groups
    never cross a place-and-year block unless the source declares them, so an update
    regroups only the blocks its new, changed and removed entries belong to."""
    if previous is None or any(row.declared for row in (*new.values(), *old.values())):
        return groups.group_signatures(postings.load_signatures(gen_dir))

    def content(rows: dict[str, ManifestRow], i: str) -> str | None:
        return rows[i].content_hash if i in rows else None

    changed = {i for i in new.keys() | old.keys() if content(new, i) != content(old, i)}
    touched = {row.block for i in changed for row in (old.get(i), new.get(i)) if row and row.block}
    kept = json.loads((previous.path / GROUPS).read_text(encoding="utf-8"))
    found = {i: g for i, g in kept.items() if i in new and new[i].block not in touched}
    if touched:
        found.update(groups.group_signatures(postings.load_signatures(gen_dir, touched)))
    return found


def _summarise(report: BuildReport, gen: generations.Generation | None) -> None:
    """Per-language and per-locale counts of the live index, from its merged columns."""
    if gen is None:
        return
    data = postings.load(gen.path, postings=False)
    alive = data.alive
    for name, counter in (("language", report.languages), ("locale", report.locales)):
        codes = data.columns[name][alive]
        for code, count in enumerate(_bincount(codes, len(data.values[name]))):
            if count:
                counter[data.values[name][code]] = count
    translated = data.columns["translated"][alive]
    no_code = data.values["translated"].index("no") if "no" in data.values["translated"] else -1
    report.untranslated = int((translated == no_code).sum())


def _bincount(codes: Any, size: int) -> list[int]:
    import numpy as np

    return np.bincount(codes, minlength=size).tolist()
