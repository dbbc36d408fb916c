"""The camera seam: what the seal controller asks of a camera, whatever is
behind it (picamera2 on the Pi, the simulated camera elsewhere)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from types import TracebackType
from typing import Self

from PIL import Image

from camera.errors import CameraError
from camera.settings import CameraSettings


class Camera(ABC):
    """One camera over the document tray.

    Started once and left running: :meth:`scan_frame` is called many times a
    second while waiting for a QR code, :meth:`capture_still` once per stamp,
    without stopping the scanning. Every failure is a :class:`CameraError`.
    Usable as a context manager (started on entry, stopped on exit).
    """

    settings: CameraSettings

    @abstractmethod
    def start(self) -> None:
        """Open and start the camera. Starting a running camera does nothing."""

    @abstractmethod
    def stop(self) -> None:
        """Stop the camera and release it. Stopping a stopped camera does nothing."""

    @property
    @abstractmethod
    def running(self) -> bool:
        """True between :meth:`start` and :meth:`stop`."""

    @abstractmethod
    def scan_frame(self) -> Image.Image:
        """The latest frame of the scanning stream, grayscale (mode ``L``) at
        ``settings.scan_size``."""

    @abstractmethod
    def capture_still(self) -> Image.Image:
        """A full-resolution RGB still at ``settings.still_size``."""

    def _require_running(self) -> None:
        if not self.running:
            raise CameraError(
                "the camera is not started: call start() first, or use the camera in a with block"
            )

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
