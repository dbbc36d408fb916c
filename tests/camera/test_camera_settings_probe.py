"""Camera settings, the backend factory, and ``probe_camera`` (which
``village-edge doctor`` relies on) behaving as before."""

from __future__ import annotations

import sys
import types

import pytest

from camera.errors import CameraError
from camera.factory import open_camera
from camera.picamera2_backend import Picamera2Camera
from camera.probe import CameraPresence, CameraSettings, probe_camera
from camera.settings import GENERIC_STILL_SIZE
from camera.simulated import SimulatedCamera


def test_settings_keep_their_old_fields_and_defaults_and_add_sizes() -> None:
    settings = CameraSettings()
    assert (settings.enabled, settings.backend) == (True, "picamera2")
    assert (settings.scan_size, settings.still_size) == ((640, 480), (2028, 1520))
    assert 1 <= settings.jpeg_quality <= 95
    assert CameraSettings(enabled=False, backend="simulated").backend == "simulated"  # as config
    assert CameraSettings(still_size=GENERIC_STILL_SIZE).still_size == (1920, 1080)


@pytest.mark.parametrize(("changes", "message"), [
    ({"scan_size": (640,)}, "scan_size must be"),
    ({"still_size": (0, 1080)}, "still_size must be"),
    ({"scan_size": (2560, 1440)}, "larger than still_size"),
    ({"jpeg_quality": 100}, "jpeg_quality must be"),
])
def test_impossible_settings_are_refused_with_the_field_named(changes, message) -> None:
    with pytest.raises(ValueError, match=message):
        CameraSettings(**changes)


def test_open_camera_gives_the_configured_backend_unstarted() -> None:
    simulated = open_camera(CameraSettings(backend="simulated"))
    assert isinstance(simulated, SimulatedCamera) and not simulated.running
    assert isinstance(open_camera(CameraSettings()), Picamera2Camera)
    with pytest.raises(CameraError, match=r"enabled = true"):
        open_camera(CameraSettings(enabled=False))


def test_probe_without_a_camera_configured() -> None:
    assert probe_camera(CameraSettings(enabled=False)) == CameraPresence(
        True, "no camera configured for this device"
    )


def test_probe_of_the_simulated_camera() -> None:
    presence = probe_camera(CameraSettings(backend="simulated"))
    assert presence.present and "simulated" in presence.detail


def plant_picamera2(monkeypatch: pytest.MonkeyPatch, cameras: object) -> None:
    module = types.ModuleType("picamera2")

    class Picamera2:
        @staticmethod
        def global_camera_info() -> object:
            if isinstance(cameras, Exception):
                raise cameras
            return cameras

    module.Picamera2 = Picamera2  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "picamera2", module)


def test_probe_when_picamera2_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "picamera2", None)
    presence = probe_camera(CameraSettings())
    assert not presence.present
    assert "cannot be imported" in presence.detail and "python3-picamera2" in presence.hint


def test_probe_when_libcamera_sees_no_camera(monkeypatch: pytest.MonkeyPatch) -> None:
    plant_picamera2(monkeypatch, [])
    presence = probe_camera(CameraSettings())
    assert (presence.present, presence.detail) == (False, "libcamera sees no camera")
    assert "ribbon cable" in presence.hint


def test_probe_when_libcamera_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    plant_picamera2(monkeypatch, RuntimeError("no IPA"))
    presence = probe_camera(CameraSettings())
    assert (presence.present, presence.detail) == (False, "libcamera failed: no IPA")


def test_probe_names_the_camera_found(monkeypatch: pytest.MonkeyPatch) -> None:
    plant_picamera2(monkeypatch, [{"Model": "imx477"}])
    assert probe_camera(CameraSettings()) == CameraPresence(True, "imx477 found (1 camera(s))")
