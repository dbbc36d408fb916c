"""The camera on a Raspberry Pi, through picamera2 (imported when the camera
starts, never at import: it is not installed on development machines).

One configuration, started once and left running: a *main* stream at the
still size and a *lores* stream at the scan size, both fed from every sensor
frame. Scanning reads the lores stream's luminance plane; a still is the next
main-stream image of the same running configuration, so a photo costs no mode
switch (which stops and restarts the sensor: hundreds of milliseconds, and
no QR scanning meanwhile).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any

from PIL import Image

from camera.base import Camera
from camera.errors import CameraError
from camera.settings import CameraSettings

#: Seconds to wait for a frame before declaring the camera gone.
CAPTURE_TIMEOUT = 2.0
#: Buffers per stream: enough to keep frames flowing while one is being read;
#: each main buffer of an HQ still is 9 MB of CMA memory.
BUFFER_COUNT = 3
#: Frame duration limits in microseconds: at least 10 frames a second even in
#: a dim hall, so QR codes are read promptly (gain makes up the exposure).
FRAME_DURATION_LIMITS = (33_333, 100_000)

CABLE_HINT = ("check the camera's ribbon cable (contacts facing the right way; power the Pi "
              "off first) and that no other program is using the camera, then restart the station")


def _import_picamera2() -> Any:
    try:
        from picamera2 import Picamera2
    except ImportError as error:
        raise CameraError(
            f"picamera2 cannot be imported ({error}): install python3-picamera2 from "
            "Raspberry Pi OS (setup.sh does), or set [camera] backend = 'simulated'"
        ) from error
    return Picamera2


class Picamera2Camera(Camera):
    """The Pi camera behind the :class:`~camera.base.Camera` seam.

    *picamera2_class* stands in for ``picamera2.Picamera2`` (tests pass a
    fake); by default it is imported on :meth:`start`.
    """

    def __init__(
        self,
        settings: CameraSettings,
        *,
        picamera2_class: Any = None,
        camera_num: int = 0,
        timeout: float = CAPTURE_TIMEOUT,
    ) -> None:
        self.settings = settings
        self._picamera2_class = picamera2_class
        self._camera_num = camera_num
        self._timeout = timeout
        self._camera: Any = None
        self._lores_size = settings.scan_size
        self._lores_stride = settings.scan_size[0]
        self._lock = threading.Lock()

    def configuration(self, camera: Any) -> Any:
        """The one configuration: RGB stills on main, YUV420 on lores (the
        only format every Pi's ISP gives a lores stream)."""
        return camera.create_still_configuration(
            main={"size": self.settings.still_size, "format": "RGB888"},
            lores={"size": self.settings.scan_size, "format": "YUV420"},
            buffer_count=BUFFER_COUNT,
            controls={"FrameDurationLimits": FRAME_DURATION_LIMITS},
            display=None,
        )

    @property
    def running(self) -> bool:
        return self._camera is not None

    def start(self) -> None:
        with self._lock:
            if self._camera is not None:
                return
            picamera2_class = self._picamera2_class or _import_picamera2()
            camera = None
            try:
                camera = picamera2_class(camera_num=self._camera_num)
                camera.configure(self.configuration(camera))
                lores = camera.stream_configuration("lores")
                camera.start()
            except Exception as error:
                if camera is not None:
                    _close_quietly(camera)
                raise CameraError(
                    f"the camera could not be started ({error}): {CABLE_HINT}"
                ) from error
            # libcamera may round the sizes; read back what it chose.
            width, height = lores["size"]
            self._lores_size = (width, height)
            self._lores_stride = lores.get("stride") or width
            self._camera = camera

    def stop(self) -> None:
        with self._lock:
            camera, self._camera = self._camera, None
        if camera is None:
            return
        try:
            camera.stop()
        except Exception as error:
            raise CameraError(f"the camera did not stop cleanly ({error}): {CABLE_HINT}") from error
        finally:
            _close_quietly(camera)

    def _capture(self, what: str, request: Callable[[Any], Any]) -> Any:
        """Run *request* (which asks the running camera for a frame without
        waiting) and wait for its result, at most the timeout."""
        camera = self._camera
        if camera is None:
            self._require_running()
        try:
            return camera.wait(request(camera), timeout=self._timeout)
        except TimeoutError as error:
            raise CameraError(
                f"camera stopped answering: no {what} within {self._timeout:g} s; {CABLE_HINT}"
            ) from error
        except Exception as error:
            raise CameraError(
                f"the camera failed to deliver a {what} ({error}); {CABLE_HINT}"
            ) from error

    def scan_frame(self) -> Image.Image:
        """The next lores frame's luminance (Y) plane, grayscale."""
        buffer = self._capture(
            "scan frame", lambda camera: camera.capture_buffer("lores", wait=False)
        )
        width, height = self._lores_size
        stride = self._lores_stride
        data = memoryview(buffer).cast("B")
        if len(data) < stride * height:
            raise CameraError(
                f"the scan frame is {len(data)} bytes, too short for {width}x{height} "
                f"(stride {stride}): the camera configuration changed under us; restart the station"
            )
        return Image.frombuffer("L", (width, height), bytes(data), "raw", "L", stride, 1).copy()

    def capture_still(self) -> Image.Image:
        """The next main-stream frame, RGB, without stopping the lores stream."""
        image: Image.Image = self._capture(
            "still", lambda camera: camera.capture_image("main", wait=False))
        return image if image.mode == "RGB" else image.convert("RGB")


def _close_quietly(camera: Any) -> None:
    # Closing after a failure: the first error is the one to report.
    with contextlib.suppress(Exception):
        camera.close()
