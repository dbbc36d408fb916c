"""Stamp photos: a JPEG whose EXIF says when, where and for which slot, and
whose sha256 is the one the outbox's blob store files it under."""

from __future__ import annotations

import hashlib
import io
import json

import pytest
from PIL import Image

from camera.checks import fingerprint, fingerprint_distance
from camera.errors import CameraError
from camera.photo import (
    DATE_TIME_ORIGINAL,
    EXIF_IFD,
    IMAGE_DESCRIPTION,
    SUBSEC_TIME_ORIGINAL,
    take_photo,
)
from camera.settings import CameraSettings
from camera.simulated import SimulatedCamera

#: 2026-03-01 08:30:15.250 in Beijing.
WHEN = 1772325015.25


def test_the_exif_says_when_where_and_which_slot(camera) -> None:
    camera.show("document_and_hand", document_seed=4)
    photo = take_photo(camera, station="红星村-1", slot="committee", clock=lambda: WHEN)
    image = Image.open(io.BytesIO(photo.jpeg))
    assert image.format == "JPEG" and image.size == (2028, 1520)
    exif = image.getexif()
    assert json.loads(exif[IMAGE_DESCRIPTION]) == {
        "station": "红星村-1", "slot": "committee", "t": WHEN,
    }
    details = exif.get_ifd(EXIF_IFD)
    assert details[DATE_TIME_ORIGINAL] == "2026:03:01 00:30:15"  # UTC
    assert details[SUBSEC_TIME_ORIGINAL] == "250"
    assert (photo.station, photo.slot, photo.captured_at) == ("红星村-1", "committee", WHEN)
    assert (photo.width, photo.height) == (2028, 1520)


def test_the_sha256_is_the_hash_of_the_jpeg_bytes(camera) -> None:
    photo = take_photo(camera, station="s1", slot="party", clock=lambda: WHEN)
    assert photo.sha256 == hashlib.sha256(photo.jpeg).hexdigest()
    later = take_photo(camera, station="s1", slot="party", clock=lambda: WHEN + 1)
    assert later.sha256 != photo.sha256  # every press gets its own blob
    assert "jpeg" not in repr(photo).split("sha256")[0]  # no megabyte of bytes in a log line


def test_the_fingerprint_is_that_of_the_document_in_the_photo(camera) -> None:
    camera.show("document", document_seed=2)
    photo = take_photo(camera, station="s1", slot="party", clock=lambda: WHEN)
    decoded = Image.open(io.BytesIO(photo.jpeg))
    assert fingerprint_distance(photo.fingerprint, fingerprint(decoded)) <= 2
    camera.show("document", document_seed=3)
    other = take_photo(camera, station="s1", slot="party", clock=lambda: WHEN)
    assert fingerprint_distance(photo.fingerprint, other.fingerprint) > 12


def test_the_jpeg_quality_comes_from_the_settings() -> None:
    sizes = {}
    for quality in (40, 92):
        settings = CameraSettings(backend="simulated", jpeg_quality=quality)
        with SimulatedCamera(settings) as camera:
            sizes[quality] = len(take_photo(camera, station="s", slot="a", clock=lambda: WHEN).jpeg)
    assert sizes[40] < sizes[92] * 0.7


def test_a_failing_camera_gives_no_photo_but_a_camera_error(camera) -> None:
    camera.fail = True
    with pytest.raises(CameraError, match="ribbon cable"):
        take_photo(camera, station="s1", slot="party", clock=lambda: WHEN)
