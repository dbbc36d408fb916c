"""The simulated camera: each scene as the seal controller will meet it."""

from __future__ import annotations

import pytest
from PIL import ImageChops, ImageStat

from camera.checks import looks_blocked
from camera.errors import CameraError
from camera.qr import scan_qr
from camera.scenes import Scene, View
from camera.settings import GENERIC_STILL_SIZE, CameraSettings
from camera.simulated import SimulatedCamera
from tests.camera.conftest import approval_like_token


def test_frames_come_at_the_scan_size_and_stills_at_the_still_size(camera) -> None:
    frame, still = camera.scan_frame(), camera.capture_still()
    assert (frame.size, frame.mode) == ((640, 480), "L")
    assert (still.size, still.mode) == ((2028, 1520), "RGB")
    generic = CameraSettings(backend="simulated", still_size=GENERIC_STILL_SIZE)
    with SimulatedCamera(generic) as other:
        assert other.capture_still().size == (1920, 1080)
    assert (camera.scan_frames, camera.stills) == (1, 1)


def test_a_qr_code_on_a_phone_reads_back_at_scan_and_still_size(camera) -> None:
    token = approval_like_token(seed=1)
    camera.show(Scene.QR, qr_payload=token)
    assert scan_qr(camera.scan_frame()) == [token]
    assert scan_qr(camera.capture_still()) == [token]


def test_a_qr_code_reads_back_in_a_1280x720_scanning_stream() -> None:
    token = approval_like_token(seed=2)
    settings = CameraSettings(backend="simulated", scan_size=(1280, 720))
    with SimulatedCamera(settings, scene="qr", qr_payload=token) as camera:
        assert scan_qr(camera.scan_frame()) == [token]


@pytest.mark.parametrize("scene", [Scene.DOCUMENT, Scene.DOCUMENT_AND_HAND, Scene.DARK])
def test_scenes_without_a_phone_hold_no_qr_code(camera, scene: Scene) -> None:
    camera.show(scene)
    assert scan_qr(camera.scan_frame()) == []


def test_the_same_seed_gives_the_same_document_and_another_seed_a_visibly_different_one() -> None:
    settings = CameraSettings(backend="simulated", still_size=(640, 480))
    with SimulatedCamera(settings, noise=0) as camera:
        first = camera.scan_frame()
        again = camera.scan_frame()
        camera.show("document", document_seed=1)
        other = camera.scan_frame()
    assert ImageChops.difference(first, again).getbbox() is None
    # Over a tenth of the picture's tone differs on average: not a detail, another sheet.
    assert ImageStat.Stat(ImageChops.difference(first, other)).mean[0] > 10


def test_frames_carry_noise_that_changes_from_frame_to_frame(camera) -> None:
    first, second = camera.scan_frame(), camera.scan_frame()
    difference = ImageStat.Stat(ImageChops.difference(first, second))
    assert 0 < difference.mean[0] < 8


def test_the_hand_appears_over_the_document(camera) -> None:
    camera.show("document")
    bare = camera.scan_frame()
    camera.show("document_and_hand")
    hand = camera.scan_frame()
    changed = ImageChops.difference(bare, hand).point(lambda level: 255 if level > 30 else 0)
    left, _top, _right, bottom = changed.getbbox()
    assert left > 640 * 0.4 and bottom == 480  # it reaches in from the bottom right
    assert ImageStat.Stat(changed).mean[0] / 255 > 0.05  # and is large enough to see


@pytest.mark.parametrize("scene", [Scene.DARK, Scene.COVERED])
def test_dark_and_covered_frames_are_flagged_at_both_sizes(camera, scene: Scene) -> None:
    camera.show(scene)
    assert looks_blocked(camera.scan_frame()) is not None
    assert looks_blocked(camera.capture_still()) is not None


def test_the_reason_tells_a_dark_room_from_a_covered_lens(camera) -> None:
    camera.show("dark")
    assert "switch on the lamp" in looks_blocked(camera.scan_frame())
    camera.show("covered")
    assert "covers the lens" in looks_blocked(camera.scan_frame())


@pytest.mark.parametrize("scene", [Scene.DOCUMENT, Scene.DOCUMENT_AND_HAND, Scene.QR])
def test_lit_scenes_are_not_flagged(camera, scene: Scene) -> None:
    camera.show(scene, qr_payload="VE1.abc")
    assert looks_blocked(camera.scan_frame()) is None
    assert looks_blocked(camera.capture_still()) is None


def test_a_failing_camera_raises_on_every_call_with_what_to_do() -> None:
    camera = SimulatedCamera(fail=True)
    with pytest.raises(CameraError, match="check the ribbon cable"):
        camera.start()
    camera.fail = False
    camera.start()
    camera.fail = True
    for call in (camera.scan_frame, camera.capture_still):
        with pytest.raises(CameraError, match=r"stopped answering.*check the ribbon cable"):
            call()
    camera.fail = False
    assert camera.scan_frame().size == (640, 480)


def test_frames_before_start_or_after_stop_are_refused() -> None:
    camera = SimulatedCamera()
    with pytest.raises(CameraError, match="call start"):
        camera.scan_frame()
    with camera:
        camera.capture_still()
    assert not camera.running
    with pytest.raises(CameraError, match="not started"):
        camera.capture_still()


def test_a_qr_scene_needs_its_text() -> None:
    with pytest.raises(ValueError, match="qr_payload"):
        View(Scene.QR)
    camera = SimulatedCamera()
    with pytest.raises(ValueError, match="qr_payload"):
        camera.show("qr")
    with pytest.raises(ValueError, match="'daylight' is not a valid Scene"):
        camera.show("daylight")
    assert camera.view.scene is Scene.DOCUMENT
