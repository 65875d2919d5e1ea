"""The translation groups of a new generation, from its entries' signatures.

Groups never cross a place-and-year block unless the source declares them, so an update
regroups only the blocks it touched, and a build that groups every entry can group the
blocks in several processes at once (2.8 s of a 100k build in one).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections import defaultdict
from collections.abc import Iterable, Mapping
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from indexer import handoff
from indexer.generations import SIDE_FILES
from indexer.group_files import GroupFile, read_groups
from indexer.groups import group_signatures
from indexer.manifest import Manifest
from indexer.signatures import load_positioned, load_signatures
from indexer.workers import PARALLEL_THRESHOLD, die_with_parent

log = logging.getLogger(__name__)


def generation_groups(
    gen_dir: Path,
    previous: Path | None,
    old_blocks: Mapping[str, str | None],
    declared: bool,
    new: Manifest,
    procs: int = 1,
) -> GroupFile:
    """Translation groups of the new generation `gen_dir` (its manifest `new`).  When
    the source declares no group (`declared`: the previous manifest has entries that do),
    an update regroups only the blocks its new, changed and removed entries (`old_blocks`:
    their blocks before) belong to, keeping `previous`'s other groups."""
    kept = None
    if previous is not None and not (new.declared or declared):
        try:
            kept = handoff.take(previous, SIDE_FILES[1]) or read_groups(previous, once=True)
        except (OSError, ValueError) as exc:  # every entry is grouped again, written whole
            log.warning("%s: unreadable groups (%s): grouping every entry", previous, exc)
    if kept is None:
        return GroupFile(group_all(gen_dir, new, procs))
    changed = set(old_blocks)
    touched = {b for i in changed for b in (old_blocks[i], new.block_of(i)) if b}
    # Regrouped from nothing: the changed entries (one now without a block is in no
    # group) and every entry of a touched block; the others keep their groups.
    again = changed | set(new.ids_in(touched)) if touched else changed
    found = load_signatures(gen_dir, touched) if touched else []
    kept.regroup(again, group_signatures(found))
    return kept


def group_all(gen_dir: Path, manifest: Manifest, procs: int = 1) -> dict[str, str]:
    """Every entry of `gen_dir` grouped (entry id -> group, as `group_signatures` lists
    them).  With `procs` > 1 and no group declared by the source (which may join entries
    of any blocks), the blocks are split between processes, each grouping whole blocks."""
    split = procs > 1 and not manifest.declared and len(manifest) >= PARALLEL_THRESHOLD
    parts = split_blocks(manifest.block_sizes(), procs) if split else []
    if len(parts) < 2:
        return group_signatures(load_signatures(gen_dir))
    pool = ProcessPoolExecutor(
        len(parts),
        mp_context=multiprocessing.get_context("fork"),
        initializer=die_with_parent,
        initargs=(os.getpid(),),
    )
    with pool:
        found = list(pool.map(_group_part, [gen_dir] * len(parts), parts))
    return in_load_order(row for rows in found for row in rows)


def split_blocks(sizes: Mapping[str, int], parts: int) -> list[set[str]]:
    """The blocks with entries (not "", of entries never compared) in up to `parts` sets
    of about as many entries each, the largest blocks placed first."""
    loads = [0] * parts
    split: list[set[str]] = [set() for _ in range(parts)]
    for block, size in sorted(sizes.items(), key=lambda item: (-item[1], item[0])):
        if block:
            lightest = loads.index(min(loads))
            split[lightest].add(block)
            loads[lightest] += size
    return [blocks for blocks in split if blocks]


def _group_part(gen_dir: Path, blocks: set[str]) -> list[tuple[int, str, str]]:
    """(docnum, id, group) of the grouped entries of `blocks`."""
    rows = load_positioned(gen_dir, blocks)
    found = group_signatures(sig for _, sig in rows)
    return [(docnum, sig.id, found[sig.id]) for docnum, sig in rows if sig.id in found]


def in_load_order(rows: Iterable[tuple[int, str, str]]) -> dict[str, str]:
    """Entry id -> group from (docnum, id, group) rows, in the order grouping all entries
    at once lists them: each group where its first entry is, its entries in docnum order
    (the versions of a practice are listed in this order)."""
    members: dict[str, list[str]] = defaultdict(list)
    for _, entry_id, group in sorted(rows):
        members[group].append(entry_id)
    return {entry_id: group for group, ids in members.items() for entry_id in ids}
