"""The camera the settings ask for."""

from __future__ import annotations

from camera.base import Camera
from camera.errors import CameraError
from camera.settings import CameraSettings


def open_camera(settings: CameraSettings) -> Camera:
    """A camera of the configured backend, not yet started (use it in a
    ``with`` block, or call ``start()``)."""
    if not settings.enabled:
        raise CameraError(
            "this device has no camera configured: set [camera] enabled = true "
            "(a seal station needs one)"
        )
    if settings.backend == "simulated":
        from camera.simulated import SimulatedCamera

        return SimulatedCamera(settings)
    if settings.backend == "picamera2":
        from camera.picamera2_backend import Picamera2Camera

        return Picamera2Camera(settings)
    raise CameraError(
        f"unknown camera backend {settings.backend!r}: use 'picamera2' or 'simulated'"
    )
