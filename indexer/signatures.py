"""Each segment's translation-grouping signatures (indexer.groups), saved when it is
exported: a later build regroups from these instead of re-reading and re-analysing every
stored entry, and an update reads only the rows of the blocks it regroups.

Per segment: `signatures.jsonl`, one JSON row per entry in docnum order, and a row index
(where each row starts, with its block's code; the blocks by code beside it).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from indexer import layout
from indexer.accel import ACCEL
from indexer.arraypack import Arrays, PackWriter
from indexer.groups import SIGNATURE_BLOCK, Signature

SIGNATURES = "signatures.jsonl"
SIGNATURE_INDEX = "signatures.index.npy"  # per row: where it starts, its block's code
SIGNATURE_BLOCKS = "signatures.blocks.json"  # the blocks, by code
_PARSED_AT_ONCE = 2048  # rows parsed by one json.loads call


def save_signatures(pack: PackWriter, signatures: list[list[Any]]) -> None:
    """The segment's grouping signatures, one JSON row per entry, and where each row
    starts with its block's code (SIGNATURE_INDEX, in the segment's pack; the blocks in
    SIGNATURE_BLOCKS): an update reads the rows of the blocks it regroups, not the whole
    file (90 MB at 100k)."""
    out = pack.directory
    rows = [(json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8") for row in signatures]
    starts = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum([len(row) for row in rows], out=starts[1:])
    blocks = {b: k for k, b in enumerate(dict.fromkeys(row[SIGNATURE_BLOCK] for row in signatures))}
    codes = [blocks[row[SIGNATURE_BLOCK]] for row in signatures]
    (out / SIGNATURES).write_bytes(b"".join(rows))
    pack.save(SIGNATURE_INDEX, np.stack([starts[:-1], np.asarray(codes, dtype=np.int64)], 1))
    (out / SIGNATURE_BLOCKS).write_text(json.dumps(list(blocks), ensure_ascii=False), "utf-8")


def load_signatures(gen_dir: Path, blocks: set[str] | None = None) -> list[Signature]:
    """The grouping signatures of the generation's live entries (of some blocks only)."""
    return [sig for _, sig in load_positioned(gen_dir, blocks)]


def load_positioned(gen_dir: Path, blocks: set[str] | None = None) -> list[tuple[int, Signature]]:
    """`load_signatures` with each one's docnum in the generation, in docnum order."""
    segments, alive = layout.segments(gen_dir)
    found = []
    for seg in segments:
        path = gen_dir / ACCEL / seg["dir"] / SIGNATURES
        offset = seg["offset"]
        if blocks is None:  # every row, parsed one by one: each row's lists freed at once
            # split("\n"), not splitlines(): a row's JSON may hold U+2028 or U+0085
            for number, line in enumerate(path.read_text(encoding="utf-8").split("\n")[:-1]):
                if alive[offset + number]:
                    found.append((offset + number, Signature.from_list(json.loads(line))))
            continue
        arrays = Arrays(path.parent)
        if arrays.has(SIGNATURE_INDEX):
            rows = _rows_of(path, blocks, arrays)
        else:  # exported before the row index: only the rows that hold one are parsed
            rows = _rows_holding(path.read_bytes(), blocks)
        live = [(number, row) for number, row in rows if alive[offset + number]]
        # The rows of a few blocks (an update's) parsed as JSON arrays of up to
        # _PARSED_AT_ONCE: a json.loads call per row cost as much again.
        for at in range(0, len(live), _PARSED_AT_ONCE):
            part = live[at : at + _PARSED_AT_ONCE]
            parsed = json.loads(b"[" + b",".join(row for _, row in part) + b"]")
            for (number, _), row in zip(part, parsed, strict=True):
                if row[SIGNATURE_BLOCK] in blocks:
                    found.append((offset + number, Signature.from_list(row)))
    return found


def _rows_of(path: Path, blocks: set[str], arrays: Arrays) -> list[tuple[int, bytes]]:
    """(row number, row) of the rows of a segment's signatures whose block is one of
    `blocks`, read where the row index says they are (an update reads a few blocks' rows
    of a 20k-row file).  Each row is read with one pread: the rows of a block lie pages
    apart, and a map of the file faulted a page in for each (1.0-1.4 against 0.5-0.8 ms
    for 80-110 rows of a 20k-row segment, measured)."""
    table = json.loads((path.parent / SIGNATURE_BLOCKS).read_text(encoding="utf-8"))
    wanted = np.zeros(len(table), dtype=bool)
    wanted[[k for k, block in enumerate(table) if block in blocks]] = True
    if not wanted.any():
        return []
    index = arrays.map(SIGNATURE_INDEX)
    codes = index[:, 1]
    if len(codes) and (codes.min() < 0 or codes.max() >= len(table)):
        raise ValueError(f"{path.parent}: damaged {SIGNATURE_INDEX} (a block code out of range)")
    numbers = np.flatnonzero(wanted[codes])
    if not len(numbers):
        return []
    fd = os.open(path, os.O_RDONLY)
    try:
        after = numbers + 1  # each row ends where the next starts, the last at the end
        last = os.fstat(fd).st_size
        ends = np.where(after < len(index), index[np.minimum(after, len(index) - 1), 0], last)
        starts = index[numbers, 0]
        if (starts < 0).any() or (ends < starts).any() or (ends > last).any():
            raise ValueError(
                f"{path.parent}: damaged {SIGNATURE_INDEX} (a row outside {path.name})"
            )
        spans = zip(numbers.tolist(), starts.tolist(), ends.tolist(), strict=True)
        return [
            (number, os.pread(fd, end - start, start).rstrip(b"\n")) for number, start, end in spans
        ]
    finally:
        os.close(fd)


def _rows_holding(data: bytes, blocks: set[str]) -> list[tuple[int, bytes]]:
    """(row number, row) of the JSONL rows in which a block's JSON text appears verbatim.

    An update regroups a few blocks of a 100k-row file (90 MB): finding their text in the
    bytes and counting the newlines before each hit costs a fraction of decoding and
    splitting every row (0.05 against 0.3-0.5 s, measured)."""
    starts: set[int] = set()
    for block in blocks:
        needle = json.dumps(block, ensure_ascii=False).encode("utf-8")
        at = data.find(needle)
        while at != -1:
            start = data.rfind(b"\n", 0, at) + 1
            starts.add(start)
            end = data.find(b"\n", at)
            if end == -1:
                break
            at = data.find(needle, end)
    rows = []
    number, counted = 0, 0
    for start in sorted(starts):
        number += data.count(b"\n", counted, start)
        counted = start
        end = data.find(b"\n", start)
        rows.append((number, data[start : len(data) if end == -1 else end]))
    return rows
