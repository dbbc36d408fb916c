"""The picamera2 backend against a spec'd mock of ``picamera2.Picamera2``,
put where the backend imports it (picamera2 and libcamera run only on a Pi).

The mock has the signatures of the real class (:class:`Picamera2Api`), so a
call the real one would refuse fails here too; the tests assert the calls the
camera receives: one configuration (main at the still size, lores at the scan
size) created, configured and started once, every capture answered by a wait
for that capture with the timeout, stop then close on exit. What the camera
answers (libcamera's rounding and row padding, the pictures) is given as the
mock's answers."""

from __future__ import annotations

import subprocess
import sys
import types
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from unittest.mock import MagicMock, call

import pytest
from PIL import ImageChops
from pytest_mock import MockerFixture

from camera.errors import CameraError
from camera.picamera2_backend import (
    BUFFER_COUNT,
    CAPTURE_TIMEOUT,
    FRAME_DURATION_LIMITS,
    Picamera2Camera,
)
from camera.qr import scan_qr
from camera.scenes import Scene, View, render
from camera.settings import GENERIC_STILL_SIZE, CameraSettings
from tests.camera.conftest import approval_like_token
from tests.conftest import REPO

TOKEN = approval_like_token(seed=7)
PICTURE = View(Scene.QR, qr_payload=TOKEN)


class Picamera2Api:
    """The methods of ``picamera2.Picamera2`` (0.3.x) that the backend calls,
    with the real parameter names and defaults (libcamera objects as None):
    the spec of the mock."""

    def __init__(self, camera_num: int = 0, verbose_console: Any = None, tuning: Any = None,
                 allocator: Any = None) -> None: ...

    def create_still_configuration(
        self, main: Any = None, lores: Any = None, raw: Any = None, transform: Any = None,
        colour_space: Any = None, buffer_count: int = 1, controls: Any = None,
        display: Any = None, encode: Any = None, queue: bool = True, sensor: Any = None,
        use_case: str = "still",
    ) -> dict[str, Any]: ...

    def configure(self, camera_config: Any = None) -> None: ...

    def stream_configuration(self, name: str = "main") -> dict[str, Any]: ...

    def start(self, config: Any = None, show_preview: bool = False) -> None: ...

    def stop(self) -> None: ...

    def close(self) -> None: ...

    def capture_buffer(self, name: str = "main", wait: Any = None,
                       signal_function: Any = None) -> Any: ...

    def capture_image(self, name: str = "main", wait: Any = None,
                      signal_function: Any = None) -> Any: ...

    def wait(self, job: Any, timeout: float | None = None) -> Any: ...


@dataclass(frozen=True, eq=False)
class Job:
    """What picamera2 hands back for a capture with ``wait=False``."""

    result: Callable[[], Any]


def padded_yuv(stream: dict[str, Any]) -> bytearray:
    """The lores frame as libcamera delivers it: Y rows padded to the stride, then chroma."""
    width, height = stream["size"]
    stride = stream["stride"]
    luminance = render(PICTURE, (width, height)).convert("L").tobytes()
    rows = b"".join(luminance[row * width:(row + 1) * width] + b"\x00" * (stride - width)
                    for row in range(height))
    return bytearray(rows + b"\x80" * (stride * height // 2))


class Answers:
    """How the camera answers: libcamera rounds the lores width down to a
    multiple of 64 and pads its rows; every frame shows :data:`TOKEN` as a QR code."""

    def __init__(self, camera: MagicMock) -> None:
        self.configured: dict[str, Any] = {}
        self.still_mode = "RGB"
        self.hang = False
        self.jobs: list[Job] = []  # every job handed out, in order
        camera.create_still_configuration.side_effect = self.create_still_configuration
        camera.configure.side_effect = self.configure
        camera.stream_configuration.side_effect = lambda name="main": self.configured[name]
        camera.capture_buffer.side_effect = self.capture_buffer
        camera.capture_image.side_effect = self.capture_image
        camera.wait.side_effect = self.wait

    @staticmethod
    def create_still_configuration(main: Any = None, lores: Any = None,
                                   **options: Any) -> dict[str, Any]:
        return {"main": dict(main), "lores": dict(lores), **options}

    def configure(self, config: dict[str, Any]) -> None:
        lores = dict(config["lores"])
        width, height = lores["size"]
        lores["size"] = (width - width % 64, height)
        lores["stride"] = lores["size"][0] + 64
        self.configured = {"main": dict(config["main"]), "lores": lores}

    def capture_buffer(self, name: str = "main", wait: Any = None) -> Job:
        stream = self.configured[name]
        return self._job(lambda: padded_yuv(stream))

    def capture_image(self, name: str = "main", wait: Any = None) -> Job:
        size = self.configured[name]["size"]
        return self._job(lambda: render(PICTURE, size).convert(self.still_mode))

    def _job(self, result: Callable[[], Any]) -> Job:
        job = Job(result)
        self.jobs.append(job)
        return job

    def wait(self, job: Job, timeout: float | None = None) -> Any:
        if self.hang:
            raise TimeoutError()
        return job.result()


@dataclass
class Picamera2:
    """The mocked class, the camera it makes, and how that camera answers."""

    cls: MagicMock
    camera: MagicMock
    answers: Answers

    def lifecycle(self) -> list[Any]:
        """The calls that open, configure, start, stop and close the camera, in order."""
        captures = ("capture_buffer", "capture_image", "wait")
        return [c for c in self.cls.mock_calls if c[0].removeprefix("().") not in captures]

    def captures(self) -> list[Any]:
        return [c for c in self.camera.mock_calls
                if c[0] in ("capture_buffer", "capture_image", "wait")]


@pytest.fixture
def picamera2(mocker: MockerFixture, monkeypatch: pytest.MonkeyPatch) -> Picamera2:
    cls = mocker.create_autospec(Picamera2Api, spec_set=True)
    module = types.ModuleType("picamera2")
    module.Picamera2 = cls  # type: ignore[attr-defined]
    # Only this one entry is put back afterwards: restoring all of sys.modules would
    # drop the decoders imported meanwhile, and a native module imported twice aborts.
    monkeypatch.setitem(sys.modules, "picamera2", module)
    camera = cls.return_value
    return Picamera2(cls, camera, Answers(camera))


def expected_configuration(still: tuple[int, int], scan: tuple[int, int]) -> Any:
    return call().create_still_configuration(
        main={"size": still, "format": "RGB888"},
        lores={"size": scan, "format": "YUV420"},
        buffer_count=BUFFER_COUNT,
        controls={"FrameDurationLimits": FRAME_DURATION_LIMITS},
        display=None,
    )


def test_one_configuration_with_main_at_still_size_and_lores_at_scan_size(
    picamera2: Picamera2,
) -> None:
    with Picamera2Camera(CameraSettings()):
        pass
    config = picamera2.camera.configure.call_args.args[0]
    assert (config["main"]["size"], config["main"]["format"]) == ((2028, 1520), "RGB888")
    assert (config["lores"]["size"], config["lores"]["format"]) == ((640, 480), "YUV420")
    assert config["display"] is None
    assert picamera2.lifecycle() == [
        call(camera_num=0),
        expected_configuration((2028, 1520), (640, 480)),
        call().configure(config),
        call().stream_configuration("lores"),
        call().start(),
        call().stop(),
        call().close(),
    ]


def test_the_configuration_follows_the_settings(picamera2: Picamera2) -> None:
    settings = CameraSettings(scan_size=(1280, 720), still_size=GENERIC_STILL_SIZE)
    with Picamera2Camera(settings, camera_num=1) as camera:
        still, frame = camera.capture_still(), camera.scan_frame()
    picamera2.cls.assert_called_once_with(camera_num=1)
    assert picamera2.lifecycle()[1] == expected_configuration((1920, 1080), (1280, 720))
    assert (still.size, frame.size) == ((1920, 1080), (1280, 720))


def test_scanning_and_photos_share_the_running_configuration_started_once(
    picamera2: Picamera2,
) -> None:
    camera = Picamera2Camera(CameraSettings())
    camera.start()
    camera.start()  # a second start changes nothing
    for _ in range(5):
        camera.scan_frame()
        camera.scan_frame()
        camera.capture_still()
    assert [c[0] for c in picamera2.lifecycle()] == [
        "", "().create_still_configuration", "().configure", "().stream_configuration",
        "().start",
    ]
    captures = picamera2.captures()
    asked, waited = captures[0::2], captures[1::2]
    assert asked == [call.capture_buffer("lores", wait=False),
                     call.capture_buffer("lores", wait=False),
                     call.capture_image("main", wait=False)] * 5
    # each capture is followed by a wait for that capture's job, with the timeout
    assert waited == [call.wait(job, timeout=CAPTURE_TIMEOUT) for job in picamera2.answers.jobs]
    assert len(waited) == 15
    camera.stop()
    picamera2.camera.stop.assert_called_once_with()
    picamera2.camera.close.assert_called_once_with()


def test_a_scan_frame_is_the_lores_picture_without_row_padding_and_its_qr_reads(
    picamera2: Picamera2,
) -> None:
    with Picamera2Camera(CameraSettings()) as camera:
        frame = camera.scan_frame()
    assert (frame.mode, frame.size) == ("L", (640, 480))
    expected = render(PICTURE, (640, 480)).convert("L")
    assert ImageChops.difference(frame, expected).getbbox() is None
    assert scan_qr(frame) == [TOKEN]


def test_the_scan_frame_has_the_size_libcamera_chose(picamera2: Picamera2) -> None:
    # 650 is not a multiple of 64: libcamera (here the mock's answer) makes it 640.
    with Picamera2Camera(CameraSettings(scan_size=(650, 480))) as camera:
        frame = camera.scan_frame()
    assert picamera2.lifecycle()[1] == expected_configuration((2028, 1520), (650, 480))
    assert frame.size == (640, 480)
    assert scan_qr(frame) == [TOKEN]


def test_a_still_is_the_main_picture_in_rgb(picamera2: Picamera2) -> None:
    picamera2.answers.still_mode = "RGBA"  # as an XBGR8888 main stream would give
    with Picamera2Camera(CameraSettings()) as camera:
        still = camera.capture_still()
    assert (still.mode, still.size) == ("RGB", (2028, 1520))
    assert scan_qr(still) == [TOKEN]


def test_a_camera_that_stops_answering_raises_a_camera_error(picamera2: Picamera2) -> None:
    with Picamera2Camera(CameraSettings(), timeout=0.5) as camera:
        picamera2.answers.hang = True
        for capture in (camera.scan_frame, camera.capture_still):
            with pytest.raises(CameraError, match=r"stopped answering.*0\.5 s.*ribbon cable"):
                capture()
    assert picamera2.captures()[1::2] == [call.wait(job, timeout=0.5)
                                          for job in picamera2.answers.jobs]
    assert len(picamera2.answers.jobs) == 2
    picamera2.camera.close.assert_called_once_with()


def test_a_camera_that_is_busy_says_why(picamera2: Picamera2) -> None:
    picamera2.cls.side_effect = RuntimeError("Failed to acquire camera: Device or resource busy")
    camera = Picamera2Camera(CameraSettings())
    with pytest.raises(CameraError, match=r"could not be started.*resource busy.*ribbon cable"):
        camera.start()
    assert not camera.running
    assert picamera2.cls.mock_calls == [call(camera_num=0)]  # nothing to release


def test_a_camera_that_cannot_be_configured_says_why_and_is_released(
    picamera2: Picamera2,
) -> None:
    picamera2.camera.configure.side_effect = RuntimeError("Failed to allocate buffers.")
    camera = Picamera2Camera(CameraSettings())
    with pytest.raises(CameraError, match=r"could not be started.*allocate buffers.*ribbon cable"):
        camera.start()
    assert not camera.running
    assert [c[0] for c in picamera2.lifecycle()] == [
        "", "().create_still_configuration", "().configure", "().close",
    ]  # never started, and closed so that the next start can open it


def test_after_stop_the_camera_is_released_and_frames_are_refused(
    picamera2: Picamera2,
) -> None:
    camera = Picamera2Camera(CameraSettings())
    with camera:
        assert camera.running
    camera.stop()  # stopping twice is harmless
    assert not camera.running
    assert [c[0] for c in picamera2.lifecycle()][-2:] == ["().stop", "().close"]
    picamera2.camera.close.assert_called_once_with()
    with pytest.raises(CameraError, match="not started"):
        camera.scan_frame()
    assert picamera2.captures() == []


def test_a_camera_that_fails_to_stop_says_so_and_is_still_closed(picamera2: Picamera2) -> None:
    camera = Picamera2Camera(CameraSettings())
    camera.start()
    picamera2.camera.stop.side_effect = RuntimeError("Camera frontend has timed out!")
    with pytest.raises(CameraError, match=r"did not stop cleanly.*timed out.*ribbon cable"):
        camera.stop()
    assert not camera.running
    picamera2.camera.close.assert_called_once_with()


def test_the_mock_refuses_what_picamera2_refuses(picamera2: Picamera2) -> None:
    """So the tests above would catch a backend calling picamera2 wrongly."""
    camera = picamera2.cls(camera_num=0)
    with pytest.raises(TypeError):
        camera.capture_buffer("lores", wait=False, timeout=1.0)  # no such parameter
    with pytest.raises(TypeError):
        camera.configure({}, {})  # one configuration at a time
    with pytest.raises(AttributeError):
        camera.switch_mode_and_capture_image  # noqa: B018 - not a method the backend may use
    with pytest.raises(TypeError):
        picamera2.cls(0, None, None, None, None)


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
