"""What the station asks of its camera, independent of the live sensor: which
backend, the size of the scanning stream and of the stills, JPEG quality."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

CameraBackend = Literal["picamera2", "simulated"]
Size = tuple[int, int]

#: The low-resolution stream that runs continuously for QR scanning.
DEFAULT_SCAN_SIZE: Size = (640, 480)
#: Full-resolution stills on the HQ camera (IMX477, 2x2 binned full field of view).
HQ_STILL_SIZE: Size = (2028, 1520)
#: Full-resolution stills on a generic 1080p camera module.
GENERIC_STILL_SIZE: Size = (1920, 1080)
DEFAULT_JPEG_QUALITY = 85


def _check_size(name: str, size: object) -> Size:
    if (
        not isinstance(size, tuple)
        or len(size) != 2
        or not all(isinstance(side, int) and not isinstance(side, bool) for side in size)
        or min(size) < 16
    ):
        raise ValueError(
            f"camera {name} must be (width, height) in pixels, each at least 16; got {size!r}"
        )
    return size


@dataclass(frozen=True)
class CameraSettings:
    """``enabled`` and ``backend`` come from the ``[camera]`` section of the
    configuration; the sizes and quality default to the HQ camera's."""

    enabled: bool = True
    backend: CameraBackend = "picamera2"
    scan_size: Size = DEFAULT_SCAN_SIZE
    still_size: Size = HQ_STILL_SIZE
    jpeg_quality: int = DEFAULT_JPEG_QUALITY

    def __post_init__(self) -> None:
        scan = _check_size("scan_size", self.scan_size)
        still = _check_size("still_size", self.still_size)
        if scan[0] > still[0] or scan[1] > still[1]:
            raise ValueError(
                f"camera scan_size {scan} is larger than still_size {still}: the scanning "
                "stream is a downscale of the still stream, make it smaller"
            )
        if not isinstance(self.jpeg_quality, int) or not 1 <= self.jpeg_quality <= 95:
            raise ValueError(
                f"camera jpeg_quality must be an integer from 1 to 95, got {self.jpeg_quality!r}"
            )
