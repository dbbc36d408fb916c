"""The picamera2 backend against a fake ``Picamera2``: one configuration
(main at the still size, lores at the scan size) started once, scans from
lores, stills from main, and no reconfiguration between photos."""

from __future__ import annotations

import subprocess
import sys
from typing import Any, ClassVar

import pytest
from PIL import Image, ImageChops

from camera.errors import CameraError
from camera.picamera2_backend import CAPTURE_TIMEOUT, Picamera2Camera
from camera.qr import scan_qr
from camera.scenes import Scene, View, render
from camera.settings import GENERIC_STILL_SIZE, CameraSettings
from tests.camera.conftest import approval_like_token
from tests.conftest import REPO

TOKEN = approval_like_token(seed=7)
PICTURE = View(Scene.QR, qr_payload=TOKEN)


class FakeJob:
    def __init__(self, result: Any) -> None:
        self.result = result


class FakePicamera2:
    """The part of ``picamera2.Picamera2`` the backend uses. It logs every
    call and refuses what the real one refuses: configuring while started,
    a lores stream that is not YUV or is larger than main, starting unconfigured.
    Like libcamera it pads lores rows (stride) and rounds the lores width down
    to a multiple of 64. Every frame shows a phone with :data:`TOKEN` as a QR code."""

    made: ClassVar[list[FakePicamera2]] = []
    fail_on: ClassVar[str | None] = None

    def __init__(self, camera_num: int = 0) -> None:
        if FakePicamera2.fail_on == "open":
            raise RuntimeError("Failed to acquire camera: Device or resource busy")
        self.camera_num = camera_num
        self.calls: list[Any] = []
        self.config: dict[str, Any] | None = None
        self.started = False
        self.closed = False
        self.hang = False
        self.still_mode = "RGB"
        self.timeouts: list[float | None] = []
        FakePicamera2.made.append(self)

    def create_still_configuration(self, main: dict[str, Any], lores: dict[str, Any] | None = None,
                                   buffer_count: int = 1, controls: dict[str, Any] | None = None,
                                   display: str | None = None) -> dict[str, Any]:
        self.calls.append("create_still_configuration")
        return {"main": dict(main), "lores": dict(lores) if lores else None,
                "buffer_count": buffer_count, "controls": controls or {}, "display": display}

    def configure(self, config: dict[str, Any]) -> None:
        self.calls.append("configure")
        if self.started:
            raise RuntimeError("Camera must be stopped before configuring")
        if FakePicamera2.fail_on == "configure":
            raise RuntimeError("Failed to allocate buffers.")
        lores, main = config["lores"], config["main"]
        if lores is not None:
            if lores["format"] not in ("YUV420", "YVU420"):
                raise RuntimeError("lores stream must be YUV")
            if lores["size"][0] > main["size"][0] or lores["size"][1] > main["size"][1]:
                raise RuntimeError("lores stream dimensions may not exceed main stream")
            width, height = lores["size"]
            lores["size"] = (width - width % 64, height)
            lores["stride"] = lores["size"][0] + 64
        self.config = config

    def stream_configuration(self, name: str) -> dict[str, Any]:
        assert self.config is not None
        return self.config[name]

    def start(self) -> None:
        self.calls.append("start")
        if self.config is None:
            raise RuntimeError("Camera has not been configured")
        self.started = True

    def stop(self) -> None:
        self.calls.append("stop")
        self.started = False

    def close(self) -> None:
        self.calls.append("close")
        self.closed = True

    def _running(self) -> None:
        if not self.started:
            raise RuntimeError("camera not started")

    def capture_buffer(self, name: str = "main", wait: bool | None = None) -> FakeJob:
        self.calls.append(("capture_buffer", name, wait))
        self._running()
        assert self.config is not None
        stream = self.config[name]
        width, height = stream["size"]
        luminance = render(PICTURE, (width, height)).convert("L").tobytes()
        padding = b"\x00" * (stream["stride"] - width)
        rows = b"".join(luminance[row * width:(row + 1) * width] + padding
                        for row in range(height))
        chroma = b"\x80" * (stream["stride"] * height // 2)
        return FakeJob(bytearray(rows + chroma))

    def capture_image(self, name: str = "main", wait: bool | None = None) -> FakeJob:
        self.calls.append(("capture_image", name, wait))
        self._running()
        assert self.config is not None
        return FakeJob(render(PICTURE, self.config[name]["size"]).convert(self.still_mode))

    def wait(self, job: FakeJob, timeout: float | None = None) -> Any:
        self.timeouts.append(timeout)
        if self.hang:
            raise TimeoutError()
        return job.result


@pytest.fixture(autouse=True)
def fresh_fake() -> None:
    FakePicamera2.made = []
    FakePicamera2.fail_on = None


def lifecycle(fake: FakePicamera2) -> list[str]:
    """The calls that open, configure, start and stop the camera, in order."""
    return [call for call in fake.calls if isinstance(call, str)]


def test_one_configuration_with_main_at_still_size_and_lores_at_scan_size() -> None:
    with Picamera2Camera(CameraSettings(), picamera2_class=FakePicamera2):
        (fake,) = FakePicamera2.made
        assert fake.config is not None
        main, lores = fake.config["main"], fake.config["lores"]
    assert (main["size"], main["format"]) == ((2028, 1520), "RGB888")
    assert (lores["size"], lores["format"]) == ((640, 480), "YUV420")
    assert fake.config["display"] is None
    assert lifecycle(fake) == ["create_still_configuration", "configure", "start", "stop", "close"]


def test_the_configuration_follows_the_settings() -> None:
    settings = CameraSettings(scan_size=(1280, 720), still_size=GENERIC_STILL_SIZE)
    with Picamera2Camera(settings, picamera2_class=FakePicamera2, camera_num=1) as camera:
        still, frame = camera.capture_still(), camera.scan_frame()
    (fake,) = FakePicamera2.made
    assert fake.camera_num == 1
    assert fake.config["main"]["size"] == (1920, 1080)
    assert fake.config["lores"]["size"] == (1280, 720)
    assert (still.size, frame.size) == ((1920, 1080), (1280, 720))


def test_scanning_and_photos_share_the_running_configuration_started_once() -> None:
    camera = Picamera2Camera(CameraSettings(), picamera2_class=FakePicamera2)
    camera.start()
    camera.start()  # a second start changes nothing
    for _ in range(5):
        camera.scan_frame()
        camera.scan_frame()
        camera.capture_still()
    (fake,) = FakePicamera2.made
    assert lifecycle(fake) == ["create_still_configuration", "configure", "start"]
    captures = [call for call in fake.calls if not isinstance(call, str)]
    assert captures == [("capture_buffer", "lores", False), ("capture_buffer", "lores", False),
                        ("capture_image", "main", False)] * 5
    assert fake.timeouts == [CAPTURE_TIMEOUT] * 15
    camera.stop()


def test_a_scan_frame_is_the_lores_picture_without_row_padding_and_its_qr_reads() -> None:
    with Picamera2Camera(CameraSettings(), picamera2_class=FakePicamera2) as camera:
        frame = camera.scan_frame()
    assert (frame.mode, frame.size) == ("L", (640, 480))
    expected = render(PICTURE, (640, 480)).convert("L")
    assert ImageChops.difference(frame, expected).getbbox() is None
    assert scan_qr(frame) == [TOKEN]


def test_the_scan_frame_has_the_size_libcamera_chose() -> None:
    # 650 is not a multiple of 64: libcamera (here the fake) makes it 640.
    with Picamera2Camera(CameraSettings(scan_size=(650, 480)),
                         picamera2_class=FakePicamera2) as camera:
        frame = camera.scan_frame()
    assert frame.size == (640, 480)
    assert scan_qr(frame) == [TOKEN]


def test_a_still_is_the_main_picture_in_rgb() -> None:
    with Picamera2Camera(CameraSettings(), picamera2_class=FakePicamera2) as camera:
        FakePicamera2.made[0].still_mode = "RGBA"  # as an XBGR8888 main stream would give
        still = camera.capture_still()
    assert (still.mode, still.size) == ("RGB", (2028, 1520))
    assert scan_qr(still) == [TOKEN]


def test_a_camera_that_stops_answering_raises_a_camera_error() -> None:
    with Picamera2Camera(CameraSettings(), picamera2_class=FakePicamera2, timeout=0.5) as camera:
        FakePicamera2.made[0].hang = True
        for call in (camera.scan_frame, camera.capture_still):
            with pytest.raises(CameraError, match=r"stopped answering.*0\.5 s.*ribbon cable"):
                call()
    assert FakePicamera2.made[0].timeouts == [0.5, 0.5]


@pytest.mark.parametrize("stage", ["open", "configure"])
def test_a_camera_that_cannot_start_says_why_and_is_released(stage: str) -> None:
    FakePicamera2.fail_on = stage
    camera = Picamera2Camera(CameraSettings(), picamera2_class=FakePicamera2)
    with pytest.raises(CameraError, match=r"could not be started.*ribbon cable"):
        camera.start()
    assert not camera.running
    if stage == "configure":
        assert FakePicamera2.made[0].closed


def test_after_stop_the_camera_is_released_and_frames_are_refused() -> None:
    camera = Picamera2Camera(CameraSettings(), picamera2_class=FakePicamera2)
    with camera:
        assert camera.running
    camera.stop()  # stopping twice is harmless
    assert not camera.running and FakePicamera2.made[0].closed
    with pytest.raises(CameraError, match="not started"):
        camera.scan_frame()


def test_without_picamera2_installed_start_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "picamera2", None)  # import fails, as on a laptop
    camera = Picamera2Camera(CameraSettings())
    with pytest.raises(CameraError, match=r"python3-picamera2.*backend = 'simulated'"):
        camera.start()


def test_importing_the_backend_does_not_import_picamera2() -> None:
    code = "import sys, camera.picamera2_backend; print('picamera2' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                            text=True, timeout=60)
    assert (result.returncode, result.stdout.strip()) == (0, "False"), result.stderr


def test_the_fake_refuses_what_picamera2_refuses() -> None:
    """So the tests above would catch a backend that reconfigures a running
    camera or asks for a non-YUV lores stream."""
    fake = FakePicamera2()
    with pytest.raises(RuntimeError, match="not been configured"):
        fake.start()
    config = fake.create_still_configuration(main={"size": (2028, 1520), "format": "RGB888"},
                                             lores={"size": (640, 480), "format": "RGB888"})
    with pytest.raises(RuntimeError, match="must be YUV"):
        fake.configure(config)
    config["lores"]["format"] = "YUV420"
    fake.configure(config)
    fake.start()
    with pytest.raises(RuntimeError, match="stopped before configuring"):
        fake.configure(config)
    assert isinstance(fake.wait(fake.capture_image("main")), Image.Image)
