"""Photos for the console: the stations' photos (a document, a stamp, an
alarm) as sized JPEGs, made with Pillow once and cached by the photo's
sha256 in the data directory's ``console-cache/``; the thumbnail on the
page, the larger copy when the photo is tapped.

A photo is shown only to an account that sees the village of the station
that uploaded it; to anyone else it does not exist (404).

A photo the console will not open (:mod:`county.console.images`: not a
JPEG or PNG, too many pixels, a decoder failure) is answered with a grey
picture saying "照片打不开" in its place: the page around it, and the
alert it belongs to, are shown as ever. That it is unreadable is kept in
the cache too, so the file is not decoded again.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from starlette.responses import Response

from county.console.images import UnreadableImage, decoding, open_rgb
from county.console.web import ANY_ACCOUNT, Call, NotFound, page
from county.objects import ObjectDamaged
from durable.atomic import atomic_write
from protocol.api import SHA256_HEX

SIZES = {"thumb": 360, "full": 1600}  # the longer side, in pixels
QUALITY = {"thumb": 70, "full": 85}
log = logging.getLogger(__name__)


#: What is shown in place of a photo the console will not open.
UNREADABLE = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="360" height="240" viewBox="0 0 360 240">'
    '<rect width="360" height="240" fill="#e4e4e4"/>'
    '<text x="180" y="112" font-size="28" text-anchor="middle" fill="#333">照片打不开</text>'
    '<text x="180" y="152" font-size="16" text-anchor="middle" fill="#555">'
    '设备传来的文件不是能显示的照片</text></svg>').encode()
UNREADABLE_MARK = b"unreadable"  # the cache's note of a photo that cannot be opened


def sized_jpeg(data: bytes, size: str) -> bytes:
    """The JPEG or PNG photo *data* as a JPEG at *size*;
    :class:`~county.console.images.UnreadableImage` if it cannot be opened."""
    side = SIZES[size]
    with decoding():
        picture = open_rgb(data, draft=(side, side))
        picture.thumbnail((side, side))
        out = io.BytesIO()
        picture.save(out, "JPEG", quality=QUALITY[size], optimize=True, progressive=True)
    return out.getvalue()


def cached_photo(call: Call, digest: str, size: str) -> bytes | None:
    """The photo *digest* at *size*, made once and kept in the cache; None
    if it cannot be opened as a photo (also kept)."""
    cache: Path = call.console.cache / "photos" / f"{digest}-{size}.jpg"
    try:
        kept = cache.read_bytes()
        return None if kept == UNREADABLE_MARK else kept
    except FileNotFoundError:
        pass
    try:
        data = call.console.county.objects.read(digest)
    except (FileNotFoundError, ObjectDamaged):
        raise NotFound from None
    try:
        sized: bytes | None = sized_jpeg(data, size)
    except UnreadableImage as why:
        log.warning("photo %s cannot be shown: %s", digest, why)
        sized = None
    cache.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(cache, UNREADABLE_MARK if sized is None else sized)
    return sized


def may_see_photo(call: Call, digest: str) -> bool:
    """Whether the logged-in account sees the village of the station that
    uploaded *digest*."""
    rows = call.store.execute("SELECT device_id FROM blobs WHERE sha256 = ? AND complete = 1",
                              (digest,))
    if not rows:
        return False
    device = call.store.device(rows[0]["device_id"])
    return device is not None and call.account.sees_village(device.village_code)


def photo(call: Call) -> Response:
    digest, size = call.params["digest"], call.params["size"]
    if not SHA256_HEX.fullmatch(digest) or size not in SIZES or not may_see_photo(call, digest):
        raise NotFound
    sized = cached_photo(call, digest, size)
    return Response(UNREADABLE if sized is None else sized,
                    media_type="image/svg+xml" if sized is None else "image/jpeg",
                    headers={"X-Content-Type-Options": "nosniff"})  # no-store: web.page


PHOTOS_SHOWN = 6  # photos one item (a request, an alert) shows on its page


@dataclass(frozen=True)
class Shown:
    """The photos an item's page shows: those the county holds, at most
    :data:`PHOTOS_SHOWN`; how many more it holds, and how many it was told
    of but does not hold (shown once, as a sentence, not a picture each)."""

    digests: tuple[str, ...]
    more: int
    missing: int


def shown_photos(call: Call, named: Sequence[str], most: int = PHOTOS_SHOWN) -> Shown:
    """Of the photos *named* by a device, those a page shows."""
    held, missing = [], 0
    for digest in dict.fromkeys(named):
        progress = call.store.blob(digest) if SHA256_HEX.fullmatch(digest) else None
        if progress is None or not progress.complete:
            missing += 1
        else:
            held.append(digest)
    return Shown(tuple(held[:most]), max(0, len(held) - most), missing)


def newest_held(call: Call, named: Sequence[str]) -> str | None:
    """The last of the photos *named* by a device that the county holds (a
    list's small picture), looking at the last :data:`PHOTOS_SHOWN` named
    only; None if it holds none of them."""
    for digest in reversed(named[-PHOTOS_SHOWN:]):
        if SHA256_HEX.fullmatch(digest):
            progress = call.store.blob(digest)
            if progress is not None and progress.complete:
                return digest
    return None


def photo_url(digest: str, size: str = "thumb") -> str:
    return f"/console/photo/{digest}/{size}.jpg"


# any role that sees villages sees their photos: a page shows only what its role may
ROUTES = [page("/photo/{digest}/{size}.jpg", photo, role=ANY_ACCOUNT, name="photo")]
MENU = ()
