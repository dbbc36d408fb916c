"""A camera for development, tests and rehearsals: it shows whatever scene
the simulation puts in front of it (:mod:`camera.scenes`), with a little
sensor noise that differs from frame to frame, and fails on demand."""

from __future__ import annotations

import random
import threading
from dataclasses import replace
from functools import lru_cache

from PIL import Image, ImageChops

from camera.base import Camera
from camera.errors import CameraError
from camera.scenes import Scene, View, render
from camera.settings import CameraSettings, Size
from camera.showing import Showing

#: Sensor noise: each pixel level moves by up to this much, frame to frame.
NOISE_AMPLITUDE = 6
_NOISE_TILE = 64


@lru_cache(maxsize=4)
def _noise(size: Size, amplitude: int) -> Image.Image:
    """A fixed field of noise levels 0..2*amplitude covering *size*, RGB."""
    rng = random.Random(f"village-edge sensor noise {amplitude}")
    tile = Image.new("L", (_NOISE_TILE, _NOISE_TILE))
    tile.putdata([rng.randint(0, 2 * amplitude) for _ in range(_NOISE_TILE * _NOISE_TILE)])
    field = Image.new("L", size)
    for top in range(0, size[1], _NOISE_TILE):
        for left in range(0, size[0], _NOISE_TILE):
            field.paste(tile, (left, top))
    return Image.merge("RGB", (field, field, field))


@lru_cache(maxsize=16)
def _scene(view: View, size: Size) -> Image.Image:
    return render(view, size)


class SimulatedCamera(Camera):
    """Shows :attr:`view`; change it with :meth:`show`. With :attr:`fail`
    set, every call raises :class:`CameraError`, as a camera whose cable has
    come loose. Safe to use from several threads."""

    def __init__(
        self,
        settings: CameraSettings | None = None,
        *,
        scene: Scene | str = Scene.DOCUMENT,
        document_seed: int = 0,
        qr_payload: str = "",
        shift: tuple[float, float] = (0.0, 0.0),
        noise: int = NOISE_AMPLITUDE,
        fail: bool = False,
    ) -> None:
        self.settings = settings or CameraSettings(backend="simulated")
        self.view = View(Scene(scene), document_seed, qr_payload, shift)
        self.noise = noise
        self.fail = fail
        self.scan_frames = 0
        self.stills = 0
        self._running = False
        self._rng = random.Random("village-edge simulated frames")
        self._lock = threading.Lock()

    def show(
        self,
        scene: Scene | str,
        *,
        document_seed: int | None = None,
        qr_payload: str | None = None,
        shift: tuple[float, float] | None = None,
        showing: Showing | None = None,
        showing_seed: int = 0,
    ) -> None:
        """Put *scene* in front of the lens; particulars not given stay as
        they were, but for *showing*: how a QR code is held this time (None:
        square to the lens, sharp and large; see :mod:`camera.showings`)."""
        changes: dict[str, object] = {"scene": Scene(scene), "showing": showing,
                                      "showing_seed": showing_seed}
        if document_seed is not None:
            changes["document_seed"] = document_seed
        if qr_payload is not None:
            changes["qr_payload"] = qr_payload
        if shift is not None:
            changes["shift"] = shift
        view = replace(self.view, **changes)  # type: ignore[arg-type]
        with self._lock:
            self.view = view

    @property
    def running(self) -> bool:
        return self._running

    def _check(self) -> None:
        if self.fail:
            raise CameraError(
                "camera stopped answering (simulated fault): check the ribbon cable "
                "and restart the station"
            )

    def start(self) -> None:
        self._check()
        self._running = True

    def stop(self) -> None:
        self._running = False

    def _frame(self, size: Size) -> Image.Image:
        self._check()
        self._require_running()
        with self._lock:
            image = _scene(self.view, size)
            if not self.noise:
                return image.copy()
            dx, dy = self._rng.randrange(_NOISE_TILE), self._rng.randrange(_NOISE_TILE)
        noise = ImageChops.offset(_noise(size, self.noise), dx, dy)
        return ImageChops.add(image, noise, scale=1.0, offset=-self.noise)

    def scan_frame(self) -> Image.Image:
        frame = self._frame(self.settings.scan_size).convert("L")
        self.scan_frames += 1
        return frame

    def capture_still(self) -> Image.Image:
        still = self._frame(self.settings.still_size)
        self.stills += 1
        return still
