"""Removing the used enrollment code from the boot file, and nothing else.

The file keeps its byte-order mark, its line endings and every other line,
so it still opens the same in Notepad; the code's line says when it was used.
The new file replaces the old one atomically.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from durable.atomic import atomic_write
from provision.bootfile import BOM

CODE_LINE = re.compile(r"^(\s*enroll_code\s*=\s*)(\"[^\"]*\"|'[^']*')(.*)$")
HEADER = re.compile(r"^\s*\[\s*([A-Za-z0-9_.-]+)\s*\]")


def without_code(raw: bytes, used_at: float) -> bytes:
    """*raw* (the boot file's bytes, UTF-8) with ``[county] enroll_code``
    emptied; unchanged if there is no code."""
    bom = BOM if raw.startswith(BOM) else b""
    text = raw[len(bom):].decode("utf-8")
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.split(newline)
    table = None
    stamp = time.strftime("%Y-%m-%d %H:%M", time.localtime(used_at))
    for index, line in enumerate(lines):
        if header := HEADER.match(line):
            table = header.group(1)
            continue
        match = CODE_LINE.match(line)
        if table == "county" and match and match.group(2) not in ('""', "''"):
            note = f"    # used {stamp}; a code works once: ask the county for a new one"
            lines[index] = f'{match.group(1)}""{note}'
    return bom + newline.join(lines).encode("utf-8")


def remove_code(path: Path, used_at: float) -> bool:
    """Empty the code in the file at *path*; True if the file changed."""
    raw = path.read_bytes()
    changed = without_code(raw, used_at)
    if changed == raw:
        return False
    atomic_write(path, changed, mode=0o644)
    return True
