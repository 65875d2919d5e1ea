"""Build or update an index from entries: incremental, atomic, and safe to kill at any point.

Each build writes a new generation (see generations.py).  Unchanged entries are carried
over by hard-linking the previous generation's Whoosh segments; only new and changed
entries (by content hash) are detected and analysed.  Nothing changed: no new generation.
"""

from __future__ import annotations

import functools
import logging
import os
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from whoosh import index as windex

from corpus.known import KnownEntry, KnownLine
from corpus.loader import LoadResult, load_sources
from corpus.model import Entry
from indexer import (
    codec,
    generations,
    groups,
    handoff,
    known_lines,
    layout,
    places,
    postings,
    topic_index,
)
from indexer.build_report import BuildReport, summarise
from indexer.concepts import ConceptIndex
from indexer.generations import CONCEPTS, SIDE_FILES, TOPIC_VOCABULARY
from indexer.group_files import GroupFile, write_groups
from indexer.grouping import generation_groups
from indexer.manifest import Manifest, as_read_from, write_manifest
from indexer.merging import merge_policy
from indexer.ngram_model import MODEL_FILE, get_model, keep_model
from indexer.plan import EmptyBuildError as EmptyBuildError  # raised here, caught by callers
from indexer.plan import Plan, plan_build, plan_update
from indexer.plan import UpdateError as UpdateError
from indexer.resources import load_resources, save_resources
from indexer.schema import SCHEMA_VERSION, Analysed, build_schema, whoosh_document
from indexer.topics import TopicAssigner
from indexer.workers import (
    PARALLEL_THRESHOLD,
    DyingMpWriter,
    Progress,
    WriterSource,
    collector_paused,
    detect_and_assign,
    no_progress,
)

log = logging.getLogger(__name__)

# Postings a Whoosh writer process holds before spilling runs to disk and merging them:
# at 256 MB a 100k build spilled and took 56 s to write, at 1 GB 36 s.
WRITER_MEMORY_MB = 1024
# Segments are written as separate files, not one compound file: Whoosh reads a compound
# segment's stored-field column into an in-memory copy (68 MB per server worker at 100k).
# Per-generation files a build writes afresh (the full place tables are carried: they hold
# no entries; places.LOCAL does).
_NOT_CARRIED = {
    *(name for files in SIDE_FILES for name in files),  # the manifest and the groups
    CONCEPTS,
    TOPIC_VOCABULARY,
    places.LOCAL,
    known_lines.LINES,
    known_lines.LINES_BASE,
    known_lines.LINES_DELTA,
    generations.GENERATION_META,
    "MAIN_WRITELOCK",
}


_LAYOUT_PARTS = ((postings.ACCEL, postings.MERGED), (postings.ACCEL, layout.TAIL))


def _carry_over(previous: Path, workdir: Path) -> None:
    """Hard-link the previous generation's files: Whoosh never rewrites a segment file."""

    def skip(parts: tuple[str, ...]) -> bool:
        # the merged layout: written again, or its whole part linked (indexer.layout)
        return parts[0] in _NOT_CARRIED or parts[:2] in _LAYOUT_PARTS

    generations.link_tree(previous, workdir, skip)


def build_index(
    entries: Sequence[Entry],
    index_dir: Path,
    *,
    rebuild: bool = False,
    procs: int | None = None,
    progress: Progress = no_progress,
    lock_wait: float = 0.0,
    unchanged: Sequence[KnownEntry] = (),
    digests: Mapping[str, str] | None = None,
) -> BuildReport:
    """Make `index_dir` serve `entries` (plus earlier entries from other source files).

    Entries from a source file given now replace that file's earlier entries: an entry that
    disappeared from its file is removed.  `rebuild` starts from nothing.  Worker processes
    (with `procs` > 1) die with the calling process (see workers.py).

    `unchanged` and `digests` come from `corpus.load_sources(known=known_lines.read(...))`:
    entries whose lines the index holds unchanged (StaleLinesError when one no longer
    matches it), and the line digests of `entries` for the new generation to remember.
    """
    started = time.perf_counter()
    index_dir = Path(index_dir)
    report = BuildReport(total=len(entries) + len(unchanged))
    with (
        generations.build_lock(index_dir, wait=lock_wait),
        generations.build_work(index_dir) as work,
        collector_paused(),
    ):
        generations.cleanup(index_dir)
        plan = plan_build(entries, unchanged, index_dir, rebuild, report)
        if plan.todo or plan.removed or plan.rebuilt or _unremembered(entries, digests):
            return _apply(plan, work, report, started, procs, progress, entries, unchanged, digests)
        return _unchanged(plan, report, started)


def update_index(
    index_dir: Path,
    upserts: Iterable[Entry] = (),
    deletes: Iterable[str] = (),
    *,
    procs: int | None = None,
    progress: Progress = no_progress,
    lock_wait: float = 0.0,
) -> BuildReport:
    """Add or replace the `upserts` (by id) and remove the `deletes` ids; every other entry
    of the index stays, unhashed and unanalysed (as Elasticsearch's bulk index and delete,
    or Meilisearch's add-or-replace).  An id the index does not hold is listed in the
    report's `not_found` and logged.  UpdateError (see indexer.plan) names the argument
    that cannot be applied; nothing is written then."""
    started = time.perf_counter()
    index_dir = Path(index_dir)
    report = BuildReport()
    with (
        generations.build_lock(index_dir, wait=lock_wait),
        generations.build_work(index_dir) as work,
        collector_paused(),
    ):
        generations.cleanup(index_dir)
        plan = plan_update(upserts, deletes, index_dir, report)
        if report.not_found:
            log.warning(
                "%s: not deleted, the index holds no entry %s",
                index_dir,
                ", ".join(map(repr, report.not_found)),
            )
        if plan.todo or plan.removed:
            return _apply(plan, work, report, started, procs, progress, (), (), None)
        return _unchanged(plan, report, started)


def _unchanged(plan: Plan, report: BuildReport, started: float) -> BuildReport:
    """Nothing to write: the live generation stays, with the manifest the plan took."""
    if plan.previous is not None and not plan.rebuilt:
        handoff.hand_over(plan.previous.path, SIDE_FILES[0], plan.old)
    report.generation = plan.previous.name if plan.previous else None
    report.seconds = time.perf_counter() - started
    summarise(report, plan.previous)
    return report


def _apply(
    plan: Plan,
    work: generations.BuildWork,
    report: BuildReport,
    started: float,
    procs: int | None,
    progress: Progress,
    entries: Sequence[Entry],
    unchanged: Sequence[KnownEntry],
    digests: Mapping[str, str] | None,
) -> BuildReport:
    """Analyse and write what `plan` says into a new generation, and publish it."""
    procs = procs or min(2, os.cpu_count() or 1)
    index_dir = work.index_dir
    # loaded before the export workers fork, which use the lexicon
    resources = load_resources(None if plan.previous is None else plan.previous.path)
    lexicon, assigner = resources.lexicon, resources.assigner
    analysed = _analyse(plan, assigner, procs, progress, report)
    workdir = work.new()  # removed if the build fails (e.g. the disk is full)
    ix = _write_segments(workdir, plan, analysed, procs, progress, lexicon)
    places.save_tables(workdir)
    keep_model(workdir)
    changed = {*plan.removed, *(e.id for e in plan.todo)}  # all the manifests differ by
    old_blocks = {i: plan.old.block_of(i) for i in changed}  # before it becomes the new one
    declared = bool(plan.old.declared)
    manifest = _next_manifest(plan, analysed)
    with ix.reader() as reader:
        phase = time.perf_counter()
        accel_stats = postings.build(reader, workdir, lexicon, procs, plan.carried)
        log.info("exported postings arrays in %.1f s", time.perf_counter() - phase)
    places.save_local(workdir, places.generation_keys(workdir), previous=plan.carried)
    phase = time.perf_counter()
    group_file = generation_groups(workdir, plan.carried, old_blocks, declared, manifest, procs)
    log.info("grouped translations in %.1f s", time.perf_counter() - phase)
    deltas = _write_side_files(workdir, manifest, group_file)
    save_resources(workdir, resources)
    known_lines.save(
        workdir,
        plan.carried,
        manifest,
        plan.given_files,
        entries,
        unchanged,
        digests or {},
        changed,
    )
    report.seconds = time.perf_counter() - started
    published = _publish(index_dir, workdir, report, len(manifest), accel_stats)
    _hand_over(published.path, manifest, group_file, deltas)
    summarise(report, published)
    return report


def index_sources(
    paths: Sequence[str | Path] | None,
    index_dir: Path,
    *,
    locale: str | None = None,
    skip_invalid: bool = False,
    rebuild: bool = False,
    procs: int | None = None,
    progress: Progress = no_progress,
) -> tuple[LoadResult, BuildReport]:
    """Load source files (the bundled corpus when None) and build them into `index_dir`,
    as `gpsearch index` does: the JSONL lines the index already holds are not parsed again
    (corpus.known); a line whose entry changed in the index meanwhile sends the import
    round once more, parsing every line."""

    def load_and_build(known: Mapping[str, KnownLine]) -> tuple[LoadResult, BuildReport]:
        loaded = load_sources(paths, locale=locale, skip_invalid=skip_invalid, known=known)
        report = build_index(
            loaded.entries,
            index_dir,
            rebuild=rebuild,
            procs=procs,
            progress=progress,
            unchanged=loaded.known,
            digests=loaded.digests,
        )
        return loaded, report

    try:
        return load_and_build({} if rebuild else known_lines.read(index_dir))
    except known_lines.StaleLinesError as exc:
        log.info("%s: parsing every line again", exc)
    return load_and_build({})


def _unremembered(entries: Sequence[Entry], digests: Mapping[str, str] | None) -> bool:
    """Lines were parsed that the index could remember (e.g. after a library build): a
    generation with nothing changed is still written, once, so the next import skips them."""
    if not digests:
        return False
    return any(e.id in digests for e in entries)


def _analyse(
    plan: Plan, assigner: TopicAssigner, procs: int, progress: Progress, report: BuildReport
) -> list[Analysed]:
    """What the indexer decides about each new or changed entry: its language, topics and
    place (unresolved cities are counted in `report`)."""
    phase = time.perf_counter()
    # The process's model, read from the generation that keeps it when there is one: the
    # detectors made next (and the pool's workers, forked from this process) use it.
    get_model(saved=None if plan.previous is None else plan.previous.path / MODEL_FILE)
    detections, topics = detect_and_assign(plan.todo, assigner, procs=procs, progress=progress)
    log.info(
        "detected languages and assigned topics of %d entries in %.1f s",
        len(plan.todo),
        time.perf_counter() - phase,
    )
    # An update resolves with the place tables the previous generation carries (memory-
    # mapped: milliseconds), which the new generation keeps and serves; only a build from
    # nothing builds the book from GeoNames (~5 s).
    book = None if plan.carried is None else places.indexing_book(plan.carried)
    located, report.unresolved = places.resolve_entries(plan.todo, book)
    return [
        Analysed(
            e,
            d.language,
            d.confidence,
            d.method,
            plan.hashes[e.id],
            plan.files[e.id],
            topic_fields=topic_index.stored_fields(t),
            place=p,
        )
        for e, d, t, p in zip(plan.todo, detections, topics, located, strict=True)
    ]


def _write_segments(
    workdir: Path,
    plan: Plan,
    analysed: list[Analysed],
    procs: int,
    progress: Progress,
    lexicon: ConceptIndex,
) -> Any:
    """The Whoosh index of the new generation: the previous one's segments hard-linked,
    replaced and removed entries deleted, new and changed ones added (by worker processes,
    which also export the segments they write: postings.export_written)."""
    if plan.carried is None:
        ix = windex.create_in(str(workdir), build_schema())
    else:
        _carry_over(plan.carried, workdir)
        # this schema's (the manifest of another schema version is never carried over):
        # given it, Whoosh does not unpickle the one its table of contents holds (~3 ms)
        ix = windex.open_dir(str(workdir), schema=build_schema())
    phase = time.perf_counter()
    options = {"limitmb": WRITER_MEMORY_MB, "compound": False, "codec": codec.BuildCodec()}
    parallel = procs > 1 and len(analysed) >= PARALLEL_THRESHOLD
    if parallel:
        export = functools.partial(postings.export_written, lexicon=lexicon)
        source = WriterSource(analysed, whoosh_document, export)
        writer = DyingMpWriter(ix, procs, source, **options)
    else:
        writer = ix.writer(**options)
    try:
        if not plan.rebuilt:
            replaced = [a.entry.id for a in analysed if a.entry.id in plan.old]
            for entry_id in [*plan.removed, *replaced]:
                writer.delete_by_term("id", entry_id)
        if parallel:
            writer.add_source(progress)
        else:
            for item in progress(analysed, len(analysed), "indexing"):
                writer.add_document(**whoosh_document(item))
        writer.commit(mergetype=merge_policy)
    except BaseException:
        writer.cancel()
        raise
    log.info("wrote Whoosh segments in %.1f s", time.perf_counter() - phase)
    return ix


def _next_manifest(plan: Plan, analysed: list[Analysed]) -> Manifest:
    """The plan's manifest made the new generation's in place (a copy cost ~12 ms at 100k)."""
    manifest = plan.old
    manifest.remove(plan.removed)
    for a in analysed:
        block, declared = groups.block_and_flag(a.entry)
        manifest.add(a.entry.id, a.content_hash, a.source_file, block, bool(declared))
    return manifest


def _write_side_files(
    workdir: Path, manifest: Manifest, group_file: GroupFile
) -> tuple[bool, bool]:
    """The files beside the Whoosh index: the manifest and the translation groups (each
    the previous one linked and the rows changed since it, while they are few).  The
    groups are a delta only beside a manifest delta: an indexer of layout 3 then finds no
    manifest.json and rebuilds (or refuses to update) instead of missing groups.json."""
    delta = write_manifest(workdir, manifest, SCHEMA_VERSION)
    return delta, write_groups(workdir, group_file, delta=delta)


def _publish(
    index_dir: Path,
    workdir: Path,
    report: BuildReport,
    documents: int,
    accel_stats: dict[str, int],
) -> generations.Generation:
    meta = {
        "schema_version": SCHEMA_VERSION,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "documents": documents,
        "build": report.to_dict(),
        "accel": accel_stats,
    }
    published = generations.publish(index_dir, workdir, meta)
    report.generation = published.name
    generations.cleanup(index_dir)
    return published


def _hand_over(
    gen_dir: Path, manifest: Manifest, group_file: GroupFile, deltas: tuple[bool, bool]
) -> None:
    """What `gen_dir` holds, as read back, for the index's next update (indexer.handoff)."""
    handoff.hand_over(gen_dir, SIDE_FILES[0], as_read_from(manifest, gen_dir, deltas[0]))
    handoff.hand_over(gen_dir, SIDE_FILES[1], group_file.as_read_from(gen_dir, deltas[1]))
