"""A directory's pack written out as the files it replaced (layout 5 and older), for tests
of how generations written before packs are read."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

import numpy as np

from indexer.arraypack import PACK, Arrays


def unpack(directory: Path, leave_out: Collection[str] = ()) -> None:
    """Each array of `directory`'s pack as its own file (.npy names with np.save, others
    as their raw bytes), but those in `leave_out`; the pack removed."""
    arrays = Arrays(directory)
    assert arrays.packed, f"{directory} has no pack"
    for name in arrays.names():
        if name in leave_out:
            continue
        if name.endswith(".npy"):
            np.save(directory / name, arrays.read(name))
        else:
            (directory / name).write_bytes(arrays.map(name).tobytes())
    (directory / PACK).unlink()
