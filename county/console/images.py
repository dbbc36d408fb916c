"""How the console opens an image a device sent (a document's photo, a
stamp's, an alarm's, a kiosk's screenshot): the only way it does.

A device is not trusted to send a photo: a small file can declare a
picture of billions of pixels (a decompression bomb), or be a format whose
decoder nobody meant to expose. So:

- only JPEG (the station's camera) and PNG (a kiosk's screenshot) are
  opened: Pillow is never asked to guess among its other formats;
- a picture is refused, from its header and before anything is decoded,
  when it has more than :data:`MAX_PIXELS`: the largest still a station's
  camera takes (the HQ camera's whole sensor, 4056x3040, 12.3 million
  pixels), far below Pillow's own limit (about 179 million pixels). The
  largest picture decoded (RGBA, 4 bytes a pixel) is about 49 MB, and it
  is shrunk to the size asked for before it is converted, so one decode
  stays well under 100 MB;
- at most :data:`DECODERS` pictures are decoded at a time in the process
  (:func:`decoding`), whatever the number of pages and photos asked for
  at once: a flood of photo requests waits its turn instead of taking
  every core and a gigabyte of memory;
- any failure of the decoder, whatever Pillow raises, is
  :class:`UnreadableImage`: the page shows "照片打不开", never an error.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from county.errors import CountyError

if TYPE_CHECKING:
    from PIL.Image import Image

#: The largest still a station's camera takes (HQ camera, whole sensor).
MAX_PIXELS = 4056 * 3040
FORMATS = ("JPEG", "PNG")
DECODERS = 2  # pictures decoded at once in one process
_DECODING = threading.BoundedSemaphore(DECODERS)


@contextmanager
def decoding() -> Iterator[None]:
    """Hold one of the process's :data:`DECODERS` turns to decode a picture
    (and work on its pixels) while the block runs."""
    with _DECODING:
        yield


class UnreadableImage(CountyError, ValueError):
    """A device's file the console will not show as an image (why, in English)."""


def open_rgb(data: bytes, *, draft: tuple[int, int] | None = None) -> Image:
    """The JPEG or PNG *data* decoded as an RGB picture (within *draft* in
    size when given: a JPEG decoded at a fraction of its size when that is
    enough), or :class:`UnreadableImage`. Call it within :func:`decoding`."""
    from PIL import Image, ImageOps

    try:
        # Image.open reads the header only (past Pillow's own limit it raises
        # DecompressionBombError, caught below; below it, it may warn: the
        # cap refuses such a picture before a pixel is decoded)
        with Image.open(io.BytesIO(data), formats=FORMATS) as image:
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise UnreadableImage(f"{width}x{height} pixels: more than {MAX_PIXELS}")
            if draft is not None and image.format == "JPEG":
                image.draft("RGB", draft)
            image.load()
            if draft is not None:
                image.thumbnail(draft)  # shrunk before any copy is made of it
            return ImageOps.exif_transpose(image).convert("RGB")
    except UnreadableImage:
        raise
    except Exception as error:  # whatever a hostile file makes the decoder raise
        raise UnreadableImage(f"not a JPEG or PNG photo: {type(error).__name__}: {error}") \
            from None
