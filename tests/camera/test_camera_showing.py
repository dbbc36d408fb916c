"""QR codes shown badly: the frames are the same every run, and the reader
the suite uses reads ones that either decoder alone would miss."""

from __future__ import annotations

import pytest
import qrcode
from PIL import ImageChops, ImageStat

from camera.qr import BASELINE_PLAN, PLANS, scan_qr, zxing_reader
from camera.showing import Showing, render_showing
from camera.showings import ARMS_LENGTH, CONDITIONS, HardFrame, hard_frames
from camera.simulated import SimulatedCamera
from tests.camera.conftest import approval_like_token

TOKEN = approval_like_token(seed=1)


def frame_of(condition: str, strength: int, seed: int) -> HardFrame:
    return next(f for f in hard_frames(seed + 1)
                if (f.condition, f.strength, f.seed) == (condition, strength, seed))


def test_the_same_seed_draws_the_same_frame_and_another_seed_another() -> None:
    showing = Showing(rotation=12, tilt=20, glare=0.7, moire=0.3, noise=8)
    first = render_showing(TOKEN, (640, 480), showing, seed=4)
    again = render_showing(TOKEN, (640, 480), showing, seed=4)
    other = render_showing(TOKEN, (640, 480), showing, seed=5)
    assert (first.mode, first.size) == ("L", (640, 480))
    assert ImageChops.difference(first, again).getbbox() is None
    assert ImageStat.Stat(ImageChops.difference(first, other)).mean[0] > 3


def test_the_frame_set_has_every_condition_at_every_strength_with_each_seed() -> None:
    frames = hard_frames(seeds=2)
    assert {frame.condition for frame in frames} == set(CONDITIONS)
    assert len(frames) == 2 * sum(len(showings) for showings in CONDITIONS.values())
    assert {"blur", "rotation", "perspective", "low contrast", "moire", "glare", "noise",
            "small modules"} <= set(CONDITIONS)


@pytest.mark.parametrize(("condition", "strength", "seed"), [
    ("perspective", 1, 0),  # leaned back 35 degrees
    ("rotation", 3, 0),  # 45 degrees, dim, small modules
    ("small modules", 2, 0),  # 1.35 pixels a module
    ("shake", 1, 1),
    ("noise", 2, 0),
    ("arm's length", 0, 0),
])
def test_the_suite_reads_codes_that_zbar_misses(condition: str, strength: int,
                                                 seed: int) -> None:
    frame = frame_of(condition, strength, seed).render(TOKEN)
    assert scan_qr(frame, BASELINE_PLAN) == []
    assert scan_qr(frame) == [TOKEN]


@pytest.mark.parametrize(("strength", "seed"), [(1, 0), (2, 1), (3, 2)])
def test_the_suite_reads_screen_moire_that_zxing_alone_misses(strength: int, seed: int) -> None:
    frame = frame_of("moire", strength, seed).render(TOKEN)
    assert scan_qr(frame, "zxing") == []
    assert scan_qr(frame) == [TOKEN]


def test_the_simulated_camera_shows_a_phone_at_arms_length_in_both_streams() -> None:
    with SimulatedCamera() as camera:
        camera.show("qr", qr_payload=TOKEN, showing=ARMS_LENGTH, showing_seed=1)
        frame, still = camera.scan_frame(), camera.capture_still()
        assert scan_qr(frame, BASELINE_PLAN) == []  # beyond today's zbar
        assert scan_qr(frame) == [TOKEN]
        assert scan_qr(still) == [TOKEN]
        camera.show("qr", qr_payload=TOKEN)  # held square again: the showing is not kept
        assert scan_qr(camera.scan_frame(), BASELINE_PLAN) == [TOKEN]


def test_every_plan_reads_a_clean_code_and_nothing_else() -> None:
    frame = render_showing(TOKEN, (640, 480), Showing())
    assert {name: scan_qr(frame, name) for name in PLANS} == {name: [TOKEN] for name in PLANS}


def test_a_code_whose_bytes_are_not_utf8_is_read_by_zxing_but_skipped() -> None:
    code = qrcode.QRCode(box_size=4, border=4)
    code.add_data(b"\xff\xfe\xfd VE1.")
    image = code.make_image().get_image().convert("L")
    assert zxing_reader()(image).found == (b"\xff\xfe\xfd VE1.",)
    assert scan_qr(image) == []


@pytest.mark.parametrize(("changes", "message"), [
    ({"module_px": 0.2}, "module_px must be"),
    ({"contrast": 0.0}, "contrast must be"),
    ({"blur": -1.0}, "cannot be negative"),
    ({"tilt": 85.0}, "edge-on"),
])
def test_impossible_showings_are_refused(changes: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Showing(**changes)  # type: ignore[arg-type]
