"""The county's comparison of a stamped page with the approved document
(:mod:`county.console.page_hash`), measured again on the simulated camera's
photos as a station takes them: the same document photographed again (a
hand over it, laid down a little off) is the same page; another document
is another page. And what cannot be compared is said so."""

from __future__ import annotations

import io
import itertools

import pytest
from PIL import Image

from camera.photo import take_photo
from camera.simulated import SimulatedCamera
from county.console.page_hash import DIFFERENT_AT, NotAPage, difference, differs, page_hash

SEEDS = range(8)
#: (scene, shift) of a stamp's photo: the hand that stamps, the page moved
AGAIN = (("document_and_hand", (0.0, 0.0)), ("document_and_hand", (0.03, 0.02)),
         ("document", (-0.03, 0.0)))


def photo(seed: int, scene: str = "document", shift: tuple[float, float] = (0.0, 0.0)) -> bytes:
    camera = SimulatedCamera(scene=scene, document_seed=seed, shift=shift)
    camera.start()
    try:
        return take_photo(camera, station="ve-330226100201-seal1", slot="party").jpeg
    finally:
        camera.stop()


def test_the_same_page_is_the_same_and_another_page_differs() -> None:
    documents = {seed: page_hash(photo(seed)) for seed in SEEDS}
    for seed in SEEDS:
        for scene, shift in AGAIN:
            share = difference(documents[seed], page_hash(photo(seed, scene, shift)))
            assert share is not None and share < DIFFERENT_AT, (seed, scene, shift, share)
    for a, b in itertools.combinations(SEEDS, 2):
        assert differs(documents[a], documents[b]) is True, (a, b)
    stamped = page_hash(photo(3, "document_and_hand", (0.02, 0.0)))
    assert differs(documents[3], stamped) is False and differs(documents[4], stamped) is True


def test_a_photo_that_is_no_page_cannot_be_compared() -> None:
    with pytest.raises(NotAPage):
        page_hash(b"not a photo")
    covered = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 150, 120)).save(covered, "JPEG")  # a hand, all over
    assert differs(page_hash(photo(1)), page_hash(covered.getvalue())) is None
