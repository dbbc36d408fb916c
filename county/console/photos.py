"""Photos for the console: the stations' photos (a document, a stamp, an
alarm) as sized JPEGs, made with Pillow once and cached by the photo's
sha256 in the data directory's ``console-cache/``; the thumbnail on the
page, the larger copy when the photo is tapped.

A photo is shown only to an account that sees the village of the station
that uploaded it; to anyone else it does not exist (404).
"""

from __future__ import annotations

import io
from pathlib import Path

from starlette.responses import Response

from county.console.web import ANY_ACCOUNT, Call, NotFound, page
from county.objects import ObjectDamaged
from durable.atomic import atomic_write
from protocol.api import SHA256_HEX

SIZES = {"thumb": 360, "full": 1600}  # the longer side, in pixels
QUALITY = {"thumb": 70, "full": 85}


def sized_jpeg(data: bytes, size: str) -> bytes:
    from PIL import Image, ImageOps

    with Image.open(io.BytesIO(data)) as image:
        picture = ImageOps.exif_transpose(image).convert("RGB")
    picture.thumbnail((SIZES[size], SIZES[size]))
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=QUALITY[size], optimize=True, progressive=True)
    return out.getvalue()


def cached_photo(call: Call, digest: str, size: str) -> bytes:
    """The photo *digest* at *size*, made once and kept in the cache."""
    cache: Path = call.console.cache / "photos" / f"{digest}-{size}.jpg"
    try:
        return cache.read_bytes()
    except FileNotFoundError:
        pass
    try:
        data = call.console.county.objects.read(digest)
    except (FileNotFoundError, ObjectDamaged):
        raise NotFound from None
    try:
        sized = sized_jpeg(data, size)
    except OSError:  # not an image Pillow reads
        raise NotFound from None
    cache.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(cache, sized)
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
    return Response(cached_photo(call, digest, size), media_type="image/jpeg",
                    headers={"Cache-Control": "private, max-age=86400",
                             "X-Content-Type-Options": "nosniff"})


def photo_url(digest: str, size: str = "thumb") -> str:
    return f"/console/photo/{digest}/{size}.jpg"


# any role that sees villages sees their photos: a page shows only what its role may
ROUTES = [page("/photo/{digest}/{size}.jpg", photo, role=ANY_ACCOUNT, name="photo")]
MENU = ()
