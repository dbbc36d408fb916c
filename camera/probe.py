"""Is there a camera? Answered without opening it.

picamera2 comes from Raspberry Pi OS's packages and imports libcamera, so it
is imported here lazily, only when asked, and only for the real backend.
"""

from __future__ import annotations

from dataclasses import dataclass

from camera.settings import CameraBackend, CameraSettings

__all__ = ["CameraBackend", "CameraPresence", "CameraSettings", "probe_camera"]


@dataclass(frozen=True)
class CameraPresence:
    present: bool
    detail: str
    hint: str = ""


def probe_camera(settings: CameraSettings) -> CameraPresence:
    """Report whether the configured camera can be used."""
    if not settings.enabled:
        return CameraPresence(True, "no camera configured for this device")
    if settings.backend == "simulated":
        return CameraPresence(True, "simulated camera (development and tests)")
    try:
        from picamera2 import Picamera2
    except ImportError as error:
        return CameraPresence(
            False,
            f"picamera2 cannot be imported ({error})",
            "install python3-picamera2 from Raspberry Pi OS (setup.sh does), "
            "or set [camera] enabled = false",
        )
    try:
        cameras = Picamera2.global_camera_info()
    except Exception as error:
        return CameraPresence(False, f"libcamera failed: {error}", "check the camera cable")
    if not cameras:
        return CameraPresence(
            False,
            "libcamera sees no camera",
            "check the ribbon cable (contacts facing the right way) and power the Pi off first",
        )
    model = cameras[0].get("Model", "camera")
    return CameraPresence(True, f"{model} found ({len(cameras)} camera(s))")
