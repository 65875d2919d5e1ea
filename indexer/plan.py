"""What a build or an update has to do: the entries to analyse and the ids to remove,
from the entries given and the current generation's manifest."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from corpus.known import KnownEntry
from corpus.model import Entry, EntryError, make_entry
from indexer import generations, handoff, integrity, known_lines
from indexer.build_report import BuildReport
from indexer.generations import SIDE_FILES
from indexer.hashing import content_hash, source_file
from indexer.manifest import Manifest, read_generation_manifest
from indexer.schema import SCHEMA_VERSION


class EmptyBuildError(ValueError):
    """A build that would start from nothing and add nothing: no generation to publish."""


class UpdateError(ValueError):
    """An update that cannot be applied as asked: no readable index, an entry an import
    would refuse, an id given twice, or every entry deleted."""


@dataclass(slots=True)
class Plan:
    """What a build has to do, from the entries given and the previous generation."""

    previous: generations.Generation | None
    # The previous manifest (empty when rebuilding), the plan's own: the build makes it
    # the new one in place
    old: Manifest
    hashes: dict[str, str]
    files: dict[str, str]
    todo: list[Entry]  # new and changed entries
    removed: list[str]  # ids gone from their source file, or deleted by id
    # Source files given whole: their earlier lines are not remembered (an update by id
    # gives none, so every other entry's remembered line is kept)
    given_files: set[str]
    rebuilt: bool = field(init=False)  # starts from nothing (set before `old` changes)

    def __post_init__(self) -> None:
        self.rebuilt = not self.old

    @property
    def carried(self) -> Path | None:
        """The generation whose files the new one starts from (None: from nothing)."""
        return None if self.rebuilt or self.previous is None else self.previous.path


def _previous(index_dir: Path, *, rebuild: bool = False) -> generations.Generation | None:
    """The live generation (None: none); IndexNotFoundError when a newer gpsearch wrote it
    (this one would misread its files), unless it is rebuilt (nothing of it is read)."""
    try:
        gen = generations.current(index_dir)
    except generations.IndexNotFoundError:
        return None
    newer = integrity.newer_layout(gen)
    if newer and rebuild:
        return None
    if newer:
        raise generations.IndexNotFoundError(
            f"index at {index_dir}: not updated: {newer} (or build it anew with --rebuild)"
        )
    return gen


def _manifest(gen: generations.Generation | None) -> Manifest | None:
    """The live generation's manifest, the plan's own to change: the one the update before
    in this process handed over (indexer.handoff), or read from its files."""
    if gen is None:
        return None
    handed = handoff.take(gen.path, SIDE_FILES[0])
    return handed if handed is not None else read_generation_manifest(gen.path, SCHEMA_VERSION)


def _compared(
    entries: Sequence[Entry], old: Manifest
) -> tuple[dict[str, str], dict[str, str], list[Entry]]:
    """Each entry's content hash and source file, and the entries whose hash the manifest
    does not hold (new or changed)."""
    hashes = {e.id: content_hash(e) for e in entries}
    files = {e.id: source_file(e) for e in entries}
    return hashes, files, [e for e in entries if old.hash_of(e.id) != hashes[e.id]]


def _count(report: BuildReport, old: Manifest, todo: list[Entry], removed: list[str]) -> None:
    report.new = sum(1 for e in todo if e.id not in old)
    report.changed = len(todo) - report.new
    report.removed = len(removed)


def plan_build(
    entries: Sequence[Entry],
    unchanged: Sequence[KnownEntry],
    index_dir: Path,
    rebuild: bool,
    report: BuildReport,
) -> Plan:
    """Compare the entries with the current generation's manifest; counts go to `report`.
    Every entry of a source file given is hashed: one that left its file is removed."""
    previous = _previous(index_dir, rebuild=rebuild)
    manifest = None if rebuild else _manifest(previous)
    report.rebuilt = manifest is None
    if report.rebuilt and not entries and not unchanged:
        raise EmptyBuildError(f"nothing to index into {index_dir}: the sources hold no entries")
    old = manifest or Manifest()
    known_lines.check(unchanged, old.hashes)
    hashes, files, todo = _compared(entries, old)
    hashes.update((k.id, k.content) for k in unchanged)
    files.update((k.id, source_file(k)) for k in unchanged)
    given_files = set(files.values())
    removed = [i for i, f in old.files.items() if f in given_files and i not in hashes]
    _count(report, old, todo, removed)
    report.unchanged = len(entries) + len(unchanged) - len(todo)
    return Plan(previous, old, hashes, files, todo, removed, given_files)


def _checked(upserts: Iterable[Entry]) -> list[Entry]:
    """Each entry as the importers make them (make_entry's checks and clean-ups), or
    UpdateError naming the one that is not."""
    checked = []
    for i, entry in enumerate(upserts):
        if not isinstance(entry, Entry):
            raise UpdateError(f"upserts[{i}]: an Entry, not {type(entry).__name__}")
        if not isinstance(entry.id, str) or not entry.id:
            raise UpdateError(f"upserts[{i}]: an entry to add or replace needs its id")
        try:
            checked.append(make_entry(entry.to_dict(), source=entry.source))
        except (EntryError, TypeError, ValueError) as exc:
            raise UpdateError(f"upserts[{i}] ({entry.id!r}): {exc}") from None
    return checked


def _ids(deletes: Iterable[str]) -> list[str]:
    if isinstance(deletes, str | bytes):
        raise UpdateError("deletes: a list of entry ids, not one string")
    ids = list(deletes)
    for i, entry_id in enumerate(ids):
        if not isinstance(entry_id, str):
            raise UpdateError(f"deletes[{i}]: an entry id, not {type(entry_id).__name__}")
    return ids


def plan_update(
    upserts: Iterable[Entry], deletes: Iterable[str], index_dir: Path, report: BuildReport
) -> Plan:
    """Only the entries and ids given: every other entry of the index stays as it is, so
    nothing but them is hashed (an edit of one entry in 100k costs one hash, not 100k).
    UpdateError, naming the argument, for an entry the importers would refuse, an id
    given twice, an update that would leave no entry, or no readable index."""
    upserts = _checked(upserts)
    deletes = _ids(deletes)
    previous = _previous(index_dir)
    old = _manifest(previous)
    if not old:
        raise UpdateError(
            f"{index_dir}: no index to update"
            + (
                " (its manifest is unreadable or from another gpsearch version: rebuild it)"
                if previous is not None
                else ""
            )
        )
    given = [(f"upserts[{i}]", e.id) for i, e in enumerate(upserts)]
    given += [(f"deletes[{i}]", entry_id) for i, entry_id in enumerate(deletes)]
    seen: dict[str, str] = {}
    for where, entry_id in given:
        if entry_id in seen:
            raise UpdateError(f"{where}: entry id {entry_id!r} already given at {seen[entry_id]}")
        seen[entry_id] = where
    hashes, files, todo = _compared(upserts, old)
    removed = [i for i in deletes if i in old]
    if len(removed) == len(old) and not upserts:
        raise UpdateError(
            f"deletes: removing every entry would leave {index_dir} empty; build it again"
            " from its sources instead (gpsearch index --rebuild)"
        )
    report.not_found = [i for i in deletes if i not in old]
    _count(report, old, todo, removed)
    report.total = len(upserts) + len(deletes)
    report.unchanged = len(upserts) - len(todo)
    return Plan(previous, old, hashes, files, todo, removed, set())
