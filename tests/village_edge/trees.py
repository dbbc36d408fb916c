"""A directory tree as a value, to assert that a command changed nothing:
every path under it with its kind, owner, mode and (for files) bytes."""

from __future__ import annotations

import os
import stat
from pathlib import Path

Entry = tuple[str, int, int, int, bytes | None]


def snapshot(root: Path) -> dict[str, Entry]:
    """Every path under *root* (and *root* itself); empty when it does not exist."""
    found: dict[str, Entry] = {}
    if not os.path.lexists(root):
        return found
    for path in [root, *sorted(root.rglob("*"))]:
        info = path.lstat()
        kind = "dir" if stat.S_ISDIR(info.st_mode) else (
            "link" if stat.S_ISLNK(info.st_mode) else "file")
        data = path.read_bytes() if kind == "file" else None
        found[str(path.relative_to(root))] = (kind, info.st_uid, info.st_gid,
                                              stat.S_IMODE(info.st_mode), data)
    return found
