"""A stamp's photo: a JPEG that says in its own EXIF when, at which station
and for which seal slot it was taken, and its sha256, under which the outbox's
blob store keeps it (``Outbox.put_blob(photo.jpeg)`` returns the same hash)."""

from __future__ import annotations

import hashlib
import io
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from PIL import Image

from camera.base import Camera
from camera.checks import fingerprint

# EXIF tags (EXIF 2.32).
IMAGE_DESCRIPTION = 0x010E
SOFTWARE = 0x0131
EXIF_IFD = 0x8769
DATE_TIME_ORIGINAL = 0x9003
OFFSET_TIME_ORIGINAL = 0x9011
SUBSEC_TIME_ORIGINAL = 0x9291


@dataclass(frozen=True)
class Photo:
    """A JPEG and what is known about it. ``captured_at`` is Unix seconds by
    the clock given to :func:`take_photo`; ``fingerprint`` is
    :func:`camera.checks.fingerprint` of the picture."""

    jpeg: bytes = field(repr=False)
    sha256: str
    captured_at: float
    station: str
    slot: str
    width: int
    height: int
    fingerprint: str


def exif_for(captured_at: float, station: str, slot: str) -> Image.Exif:
    """EXIF saying when (UTC, to the millisecond), where and for which slot.
    ImageDescription holds ``{"slot":..., "station":..., "t":...}`` as ASCII
    JSON, so a Chinese station name survives any EXIF reader."""
    moment = datetime.fromtimestamp(captured_at, UTC)
    exif = Image.Exif()
    exif[IMAGE_DESCRIPTION] = json.dumps(
        {"station": station, "slot": slot, "t": captured_at},
        sort_keys=True, separators=(",", ":"),
    )
    exif[SOFTWARE] = "village-edge"
    details = exif.get_ifd(EXIF_IFD)
    details[DATE_TIME_ORIGINAL] = moment.strftime("%Y:%m:%d %H:%M:%S")
    details[SUBSEC_TIME_ORIGINAL] = f"{moment.microsecond // 1000:03d}"
    details[OFFSET_TIME_ORIGINAL] = "+00:00"
    return exif


def encode_jpeg(image: Image.Image, quality: int, exif: Image.Exif) -> bytes:
    """*image* as a JPEG of *quality* carrying *exif*."""
    if image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality, exif=exif.tobytes())
    return buffer.getvalue()


def take_photo(
    camera: Camera,
    *,
    station: str,
    slot: str,
    clock: Callable[[], float] = time.time,
) -> Photo:
    """A still from the running *camera*, as a JPEG at the camera's
    ``jpeg_quality``. The capture time is read from *clock* as the still
    arrives (pass the station's trusted clock). Raises
    :class:`~camera.errors.CameraError` if the camera fails."""
    still = camera.capture_still()
    captured_at = clock()
    jpeg = encode_jpeg(still, camera.settings.jpeg_quality, exif_for(captured_at, station, slot))
    return Photo(
        jpeg=jpeg,
        sha256=hashlib.sha256(jpeg).hexdigest(),
        captured_at=captured_at,
        station=station,
        slot=slot,
        width=still.width,
        height=still.height,
        fingerprint=fingerprint(still),
    )
