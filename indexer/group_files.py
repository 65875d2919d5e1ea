"""Translation groups as a generation stores them.

groups.json maps each grouped entry's id to its group, in an order readers keep (the
versions of a practice are listed in it).  An update regroups only the place-and-year
blocks it touched (indexer.grouping); writing the whole map again cost 12-40 ms of a
one-entry update at 100k entries, so while the ids whose group changed are few, the
update links the previous generation's map as groups.base.json and writes them beside it
in groups.delta.json (`_applied` says how a reader applies it; the indexer keeps its map
that way too, so a delta read back and the map written whole list the same order).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from indexer.generations import GROUPS, GROUPS_BASE, GROUPS_DELTA, delta_fits, held_file
from indexer.readonce import read_once

DELTA_FORMAT = 1


@dataclass(slots=True)
class GroupFile:
    """Entry id -> group (`of`), and what a generation linked and changed to store it."""

    of: dict[str, str]
    base: Path | None = None  # the file a delta is over (None: written whole)
    base_of: Mapping[str, str] = field(default_factory=dict)  # as read: never changed
    delta: dict[str, str | None] = field(default_factory=dict)  # None: in no group now

    def regroup(self, again: Iterable[str], found: Mapping[str, str]) -> None:
        """The ids `again` regrouped: those in `found` in their groups, the others in none.
        Only the ids whose group changed enter the delta (a touched block holds hundreds
        of entries at 100k, nearly all of them grouped as before), and `of` changes in
        place as `_applied` would make it anew (a copy of 100k ids took 3-5 ms)."""
        changes: dict[str, str | None] = {}
        for entry_id in again:
            if entry_id not in found and entry_id in self.of:
                changes[entry_id] = None
        for entry_id, group in found.items():
            if self.of.get(entry_id) != group:
                changes[entry_id] = group
        if any(self.delta.get(i, "") is None for i in changes):  # back in a group: listed
            self.delta.update(changes)  # where the delta first had it, not last
            self.of = _applied(self.base_of, self.delta)
            return
        for entry_id, group in changes.items():
            if entry_id not in self.delta or group is None:
                self.of.pop(entry_id, None)  # listed last from now on, as the delta lists it
            if group is not None:
                self.of[entry_id] = group
        self.delta.update(changes)

    def as_read_from(self, gen_dir: Path, delta: bool) -> GroupFile:
        """These groups, written by write_groups (returning `delta`) into the published
        `gen_dir`, as read_groups would read them back there (what an update hands over)."""
        if delta:
            return GroupFile(self.of, gen_dir / GROUPS_BASE, self.base_of, self.delta)
        return GroupFile(dict(self.of), gen_dir / GROUPS, self.of)


def read_groups(gen_dir: Path, *, once: bool = False) -> GroupFile:
    """A generation's groups, whole or its base with the delta applied.  With `once` the
    base is read once per process while generations link it (an indexer's updates).
    Raises ValueError (or OSError) when the files are damaged or the delta is missing."""
    path = held_file(gen_dir, GROUPS, GROUPS_BASE)
    base = read_once(path, read_base, key="groups") if once else read_base(path)
    delta = read_delta(gen_dir, len(base), required=path.name == GROUPS_BASE)
    return GroupFile(_applied(base, delta), path, base, delta)


def read_delta(gen_dir: Path, base_rows: int, *, required: bool) -> dict[str, str | None]:
    """A generation's groups delta over a base of `base_rows` ids: required beside a base,
    and none beside a whole map."""
    path = gen_dir / GROUPS_DELTA
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        if required:
            raise ValueError(f"{path}: missing (its base {GROUPS_BASE} is there)") from None
        return {}
    if not required:
        raise ValueError(f"{path}: beside a whole {GROUPS}")
    return _delta(json.loads(text), base_rows, path)


def _applied(base: Mapping[str, str], delta: Mapping[str, str | None]) -> dict[str, str]:
    """The base without the ids of the delta, then those with a group, in its order: the
    ids whose group an update changed are listed after the others (as the versions of
    the practices they joined)."""
    of = dict(base)
    for entry_id in delta:
        of.pop(entry_id, None)
    of.update((i, group) for i, group in delta.items() if group is not None)
    return of


def write_groups(workdir: Path, groups: GroupFile, *, delta: bool = True) -> bool:
    """The new generation's groups: a delta over the linked base while it is small, and
    `delta` allows one (build._write_side_files: only beside a manifest delta); whether
    it wrote a delta."""
    if delta and groups.base is not None and delta_fits(len(groups.delta), len(groups.base_of)):
        os.link(groups.base, workdir / GROUPS_BASE)
        data = {"format": DELTA_FORMAT, "base_rows": len(groups.base_of)}
        data["groups"] = list(groups.delta.items())
        (workdir / GROUPS_DELTA).write_text(json.dumps(data, ensure_ascii=False), "utf-8")
        return True
    text = json.dumps(groups.of, ensure_ascii=False)
    (workdir / GROUPS).write_text(text, encoding="utf-8")
    return False


def read_base(path: Path) -> dict[str, str]:
    """A groups.json: entry id -> group."""
    found = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(found, dict):
        raise ValueError(f"{path}: not a map of ids to groups")
    return found


def _delta(data: object, base_rows: int, path: Path) -> dict[str, str | None]:
    if not isinstance(data, dict) or data.get("format") != DELTA_FORMAT:
        raise ValueError(f"{path}: another format")
    if data.get("base_rows") != base_rows:
        raise ValueError(f"{path}: written over {data.get('base_rows')} groups, not {base_rows}")
    pairs = data.get("groups")
    if not isinstance(pairs, list) or not all(map(_is_pair, pairs)):
        raise ValueError(f"{path}: not a list of [id, group or null]")
    return dict(map(tuple, pairs))


def _is_pair(p: object) -> bool:
    return isinstance(p, list) and len(p) == 2 and isinstance(p[0], str) and _is_group(p[1])


def _is_group(group: object) -> bool:
    return group is None or isinstance(group, str)
