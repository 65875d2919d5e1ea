"""Running out of disk during a build: recognising it, and naming the place to clear."""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
from pathlib import Path


class DiskFullError(Exception):
    """A build ran out of space (or quota); the message names the device and mount point."""


_DISK_FULL = (errno.ENOSPC, errno.EDQUOT)
_SHORT_WRITE = re.compile(r"\d+ requested and \d+ written")


def out_of_space(exc: BaseException | None) -> bool:
    """ENOSPC/EDQUOT anywhere in the chain (a worker process's error arrives wrapped)."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, OSError) and exc.errno in _DISK_FULL:
            return True
        if "No space left on device" in str(exc) or "Disk quota exceeded" in str(exc):
            return True
        if isinstance(exc, OSError) and _SHORT_WRITE.fullmatch(str(exc)):
            return True  # numpy's tofile() reports a full disk as a short write, no errno
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


def _mount_point(path: Path) -> Path:
    path = path.resolve()
    while not path.is_mount() and path != path.parent:
        path = path.parent
    return path


def _device(mount: Path) -> str:
    """What /proc/mounts says is mounted there (`tmpfs`, `/dev/sda1`), else the st_dev."""
    found = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/mounts").read_text(encoding="utf-8").splitlines():
            fields = line.split()
            if len(fields) > 2 and fields[1].replace("\\040", " ") == str(mount):
                found = f"{fields[0]} ({fields[2]})"  # the last mount there is the visible one
    if not found:
        dev = mount.stat().st_dev
        found = f"device {os.major(dev)}:{os.minor(dev)}"
    return found


def describe_disk(path: Path) -> str:
    """`tmpfs (tmpfs) mounted at /srv/x, 0.0 of 3.1 MB free`: the place an operator must
    clear."""
    mount = _mount_point(path)
    usage = shutil.disk_usage(mount)
    return (
        f"{_device(mount)} mounted at {mount},"
        f" {usage.free / 1e6:,.1f} of {usage.total / 1e6:,.1f} MB free"
    )
