"""QR decode time per camera frame, and what a stamp photo costs, in one run.

    .venv/bin/python bench/qr_decode.py [--samples N]

Frames come from the simulated camera: its grayscale scanning stream at
640x480 and 1280x720, showing a phone with an approval-sized QR code (``VE1.``
and random base64url text, 300 characters) or, the common case while waiting,
a document and no QR code. Decoding is :func:`camera.qr.scan_qr` (pyzbar, QR
symbology only). The photo figures are at the HQ camera's still size: JPEG
encoding with EXIF, sha256 and fingerprint (``take_photo`` on an already
captured still), then the fingerprint and the blocked-lens check alone.
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import time
from collections.abc import Callable

from PIL import Image

from camera.base import Camera
from camera.checks import fingerprint, looks_blocked
from camera.photo import take_photo
from camera.qr import scan_qr
from camera.settings import CameraSettings
from camera.simulated import SimulatedCamera

#: Different frames per case (each with its own sensor noise), decoded in turn.
DISTINCT_FRAMES = 20


def approval_token(length: int = 300) -> str:
    """Random text shaped like an approval token: ``VE1.`` and base64url."""
    return ("VE1." + secrets.token_urlsafe(length))[:length]


def timed(action: Callable[[], object], samples: int) -> dict[str, float]:
    times = []
    for _ in range(samples):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    times.sort()
    return {"p50_ms": 1000 * statistics.median(times),
            "p95_ms": 1000 * times[min(len(times) - 1, int(len(times) * 0.95))]}


def scan_frames(size: tuple[int, int], scene: str, token: str) -> list[Image.Image]:
    settings = CameraSettings(backend="simulated", scan_size=size)
    with SimulatedCamera(settings, scene=scene, qr_payload=token, document_seed=3) as camera:
        return [camera.scan_frame() for _ in range(DISTINCT_FRAMES)]


class StillCamera(Camera):
    """Hands out one captured still, so that only the photo's own work is timed."""

    def __init__(self, still: Image.Image, settings: CameraSettings) -> None:
        self.settings = settings
        self.still = still

    running = True

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def scan_frame(self) -> Image.Image:
        return self.still.convert("L")

    def capture_still(self) -> Image.Image:
        return self.still


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=300, help="timed calls per case")
    args = parser.parse_args()
    token = approval_token()
    rows: list[tuple[str, dict[str, float], str]] = []

    for size in ((640, 480), (1280, 720)):
        for scene, label in (("qr", "QR on a phone"), ("document", "no QR (document)")):
            frames = scan_frames(size, scene, token)
            found = [scan_qr(frame) for frame in frames]
            expected = [token] if scene == "qr" else []
            note = f"{sum(texts == expected for texts in found)}/{len(frames)} frames as expected"
            cycle = iter(frames * (args.samples // len(frames) + 1))
            rows.append((f"scan_qr {size[0]}x{size[1]}, {label}",
                         timed(lambda cycle=cycle: scan_qr(next(cycle)), args.samples), note))

    settings = CameraSettings(backend="simulated")
    with SimulatedCamera(settings, scene="document_and_hand", document_seed=3) as camera:
        rows.append(("simulated capture_still 2028x1520",
                     timed(camera.capture_still, args.samples // 10), "synthetic, not a sensor"))
        still = camera.capture_still()
        frame = camera.scan_frame()
    frozen = StillCamera(still, settings)
    photo = take_photo(frozen, station="bench", slot="party")
    rows.append((f"take_photo 2028x1520, JPEG q{settings.jpeg_quality}",
                 timed(lambda: take_photo(frozen, station="bench", slot="party"),
                       args.samples // 10),
                 f"{len(photo.jpeg) // 1024} KiB, incl. EXIF, sha256, fingerprint"))
    rows.append(("fingerprint 2028x1520 still",
                 timed(lambda: fingerprint(still), args.samples), ""))
    rows.append(("fingerprint 640x480 frame",
                 timed(lambda: fingerprint(frame), args.samples), ""))
    rows.append(("looks_blocked 2028x1520 still",
                 timed(lambda: looks_blocked(still), args.samples), ""))

    print(f"token: {len(token)} characters; {args.samples} timed calls per case "
          f"({args.samples // 10} for stills)")
    print(f"{'case':<44} {'p50 ms':>8} {'p95 ms':>8}  note")
    for name, figures, note in rows:
        print(f"{name:<44} {figures['p50_ms']:>8.2f} {figures['p95_ms']:>8.2f}  {note}")


if __name__ == "__main__":
    main()
