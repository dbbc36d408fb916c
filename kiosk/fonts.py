"""The screen font: the Simplified Chinese face of Noto Sans CJK.

Debian ships Noto Sans CJK as a collection (``.ttc``) whose first face is the
Japanese one; Kivy's SDL2 text provider always opens the first face, which
would draw many shared characters in their Japanese forms. So the SC face is
copied out once into a standalone font file under the kiosk's state directory
and that file is registered as Kivy's default font.
"""

from __future__ import annotations

import os
import struct
import tempfile
from pathlib import Path

from kiosk.errors import KioskError

NOTO_CJK = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
NOTO_CJK_BOLD = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc")
_MAX_FACES = 32


class FontMissing(KioskError, RuntimeError):
    """No font with Chinese glyphs; says what to install."""


def face_index(collection: Path, suffix: str = "SC") -> int:
    """The index of the face whose family name ends in *suffix*, else 0."""
    from PIL import ImageFont  # only when the font is first extracted

    for index in range(_MAX_FACES):
        try:
            family, _ = ImageFont.truetype(str(collection), 12, index=index).getname()
        except OSError:
            break
        if family and family.split()[-1] == suffix:
            return index
    return 0


def extract_face(collection: bytes, index: int) -> bytes:
    """Face *index* of an OpenType collection as a standalone sfnt font.

    A collection is a header with one offset per face; each face is an
    ordinary table directory whose tables may be shared. The tables of the
    chosen face are copied, 4-byte aligned, behind a new directory.
    """
    if collection[:4] != b"ttcf":
        raise ValueError("not a font collection")
    count = struct.unpack_from(">I", collection, 8)[0]
    if not 0 <= index < count:
        raise ValueError(f"the collection has {count} faces, not {index + 1}")
    start = struct.unpack_from(">I", collection, 12 + 4 * index)[0]
    version, tables = struct.unpack_from(">IH", collection, start)
    records = [struct.unpack_from(">4sIII", collection, start + 12 + 16 * i)
               for i in range(tables)]
    header = bytearray(struct.pack(">IH", version, tables))
    header += collection[start + 6:start + 12]  # searchRange, entrySelector, rangeShift
    body = bytearray()
    offset = 12 + 16 * tables
    for tag, checksum, table_offset, length in records:
        header += struct.pack(">4sIII", tag, checksum, offset + len(body), length)
        body += collection[table_offset:table_offset + length]
        body += b"\0" * (-len(body) % 4)
    return bytes(header + body)


def screen_font(cache_dir: Path, collection: Path = NOTO_CJK) -> Path:
    """A font file for the screen: the SC face copied out of *collection* into
    *cache_dir* (once), or *collection* itself when it is a single font."""
    if not collection.is_file():
        raise FontMissing(
            f"{collection} is missing: install fonts-noto-cjk (sudo apt install fonts-noto-cjk)"
        )
    if collection.suffix.lower() not in (".ttc", ".otc"):
        return collection
    stamp = collection.stat()
    for copied in sorted(cache_dir.glob(f"{collection.stem}-[0-9]*.otf")):
        if copied.stat().st_mtime >= stamp.st_mtime:
            return copied  # copied out at an earlier start: no need to open the collection
    index = face_index(collection)
    target = cache_dir / f"{collection.stem}-{index}.otf"
    data = extract_face(collection.read_bytes(), index)
    cache_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=cache_dir, delete=False, suffix=".tmp") as temporary:
        temporary.write(data)
        temporary.flush()
        os.fsync(temporary.fileno())
    os.replace(temporary.name, target)
    return target
