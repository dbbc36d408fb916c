"""A station that sends a hostile photo (a decompression bomb: a small PNG
declaring 200 million pixels; a picture past the console's pixel cap; a
format other than JPEG or PNG; a broken file): the console shows
"照片打不开" in its place, lists the alert it belongs to, and every
supervisor's page keeps working. Over real HTTP on the sample data, and on
the functions that open photos."""

from __future__ import annotations

import hashlib
import io
import json
import struct
import tempfile
import zlib
from pathlib import Path

import pytest
from PIL import Image

from county.approvals import approve
from county.console import sample_data as sample
from county.console.images import MAX_PIXELS, UnreadableImage
from county.console.page_hash import NotAPage, page_hash
from county.console.photos import sized_jpeg
from tests.county.conftest import county_sql
from tests.county.console.conftest import Console


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def bomb_png(width: int = 20000, height: int = 10000) -> bytes:
    """A white greyscale PNG of *width* x *height*, a few hundred kilobytes."""
    rows = zlib.compressobj(9)
    block = (b"\x00" + b"\xff" * width) * 100
    data = b"".join(rows.compress(block) for _ in range(height // 100)) + rows.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", data)
            + _chunk(b"IEND", b""))


def picture(kind: str, size: tuple[int, int] = (64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 200, 200)).save(out, kind)
    return out.getvalue()


HOSTILE = {
    "bomb": bomb_png,
    "past the cap": lambda: bomb_png(6000, 5000),  # 30 million: Pillow itself would open it
    "a row past the camera's sensor": lambda: bomb_png(4056, 3041),
    "gif": lambda: picture("GIF"),
    "bmp": lambda: picture("BMP"),
    "broken jpeg": lambda: picture("JPEG")[:200],
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_photo_is_unreadable_not_an_error(name: str) -> None:
    data = HOSTILE[name]()
    with pytest.raises(UnreadableImage):
        sized_jpeg(data, "thumb")
    with pytest.raises(NotAPage):
        page_hash(data)


def test_photos_of_a_station_and_a_kiosk_are_still_shown() -> None:
    assert 6000 * 5000 > MAX_PIXELS >= 2 * 2028 * 1520  # the station's stills fit twice
    for data in (sample.document_photo(1), sample.kiosk_screen_png()):
        thumb = Image.open(io.BytesIO(sized_jpeg(data, "thumb")))
        assert thumb.format == "JPEG" and max(thumb.size) == 360
    assert page_hash(sample.document_photo(1)).mask != 0


def test_no_more_than_two_photos_are_decoded_at_once() -> None:
    import threading

    from county.console.images import DECODERS, decoding

    assert DECODERS == 2
    done = threading.Event()
    with decoding(), decoding():  # both turns taken: a third photo waits for one
        waiting = threading.Thread(target=lambda: (sized_jpeg(picture("JPEG"), "thumb"),
                                                   done.set()))
        waiting.start()
        assert not done.wait(1.0)
    waiting.join(timeout=30)
    assert done.is_set()


def _hold(console: Console, device_id: str, data: bytes) -> str:
    """*data* held by the county as if *device_id* had uploaded it."""
    county = console.sample.county
    digest = hashlib.sha256(data).hexdigest()
    with tempfile.NamedTemporaryFile(dir=county.blobs, delete=False) as file:
        file.write(data)
    county.objects.put_file(digest, Path(file.name))
    with console.sample.store() as store, store.transaction():
        store.set_blob(digest, len(data), len(data), True, device_id, console.sample.now)
    return digest


def test_a_station_sending_hostile_photos_breaks_no_page(sqlite_console: Console) -> None:
    console, station = sqlite_console, sample.STATION
    photos = {name: _hold(console, station, make()) for name, make in HOSTILE.items()}
    # an alarm with every hostile photo; a request whose document photo is the
    # bomb, approved, and stamped on a page whose photo is a GIF
    console.sample.events(station, "alarm", [{
        "code": "lid", "text": "机箱盖被打开", "blobs": sorted(photos.values()),
        "raised_at": console.sample.now}])
    console.sample.events(station, "seal.request", [{
        "req": "R90-bomb", "slot": "committee", "matter": "出具证明", "uses": 1, "doc": None,
        "blobs": [photos["bomb"]]}])
    issued = approve(console.sample.root, "R90-bomb", device_id=station, uses=1, minutes=10,
                     approver="li", now=console.sample.now)
    console.sample.ledger(station, [
        {"kind": "approved", "req": "R90-bomb", "aid": issued.approval.aid, "uses": 1,
         "slot": "committee"},
        {"kind": "stamp", "slot": "committee", "aid": issued.approval.aid, "n": 1,
         "remaining": 0, "photo": photos["gif"]}])

    zhou = console.person()  # a supervisor of the whole county
    zhou.log_in("zhou")
    for _ in range(2):  # not once, not ever after
        for path in ("/supervisor/alerts", "/supervisor/stations",
                     f"/supervisor/stations/{station}", "/supervisor/figures"):
            answer = zhou.get(path)
            assert answer.status_code == 200, (path, answer.text[-800:])
    [lid] = [row["key"] for row in county_sql(
        console.sample.root, "SELECT key, detail FROM console_alerts WHERE kind = 'lid'")
        if photos["bomb"] in json.loads(row["detail"])["photos"]]
    alert = zhou.get(f"/supervisor/alerts/{lid}")
    assert alert.status_code == 200 and "机箱被打开" in alert.text
    for name, digest in photos.items():
        for size in ("thumb", "full"):
            shown = zhou.get(f"/photo/{digest}/{size}.jpg")
            assert shown.status_code == 200, name
            assert shown.headers["content-type"].startswith("image/svg+xml"), name
            assert "照片打不开" in shown.text
    good = zhou.get(f"/photo/{console.sample.photo(station, 77)}/thumb.jpg")
    assert good.headers["content-type"] == "image/jpeg"
    # the approver sees the request, its document shown as unreadable
    li = console.person()
    li.log_in("li")
    assert li.get(f"/approver/requests/{station}/R90-bomb").status_code == 200
