"""A QR code shown to a camera the way people show one: a phone at arm's
length, tilted, turned, dim, with the screen's moiré, a lamp's glare on the
glass, out of focus, far away, and the sensor's noise.

:func:`render_showing` draws one such frame, deterministically from its
*seed*: the same payload, size, :class:`Showing` and seed give the same
pixels, on any machine (no randomness from numpy or the C library). The
frame sets that the tests and ``bench/qr_decode.py`` read are in
:mod:`camera.showings`.

Geometry: the phone's face is drawn flat, in modules, then placed in front
of a pinhole camera: leaned back by ``tilt``, turned sideways by ``turn``,
rotated in the picture by ``rotation``, at the distance that makes one
module ``module_px`` pixels wide at the code's centre. It is drawn at twice
the frame's size and reduced, as a sensor integrates light over a pixel.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from functools import lru_cache
from statistics import NormalDist

from PIL import Image, ImageChops, ImageDraw, ImageFilter

from camera.settings import Size

#: ``module_px`` is for a frame this wide; a wider frame of the same view has
#: proportionally larger modules (the scan stream and the stills agree).
REFERENCE_WIDTH = 640
#: Drawn at this many times the frame's size, then reduced (unless modules
#: are large enough without: a still).
SUPERSAMPLE = 2
#: The camera is this many phone widths from the phone: arm's length for a
#: phone held up to a camera on a desk (it sets how strong the perspective is).
DISTANCE_IN_WIDTHS = 5.0
DESK_LEVEL = 97
BEZEL_LEVEL = 24
SCREEN_LEVEL = 236
INK_LEVEL = 20


@dataclass(frozen=True)
class Showing:
    """How a QR code is in front of the camera. The defaults are a phone held
    square to the lens, sharp, bright, with 3-pixel modules and no noise.

    ``blur`` is the defocus (Gaussian radius, pixels); ``motion`` a shake
    along the rows (pixels); ``rotation`` the code's turn in the picture,
    ``tilt`` how far the phone leans back and ``turn`` how far it is turned
    sideways (degrees); ``contrast`` the fraction of full contrast left and
    ``level`` the mid grey the code sits at (a dim screen: both low);
    ``moire`` the depth (0 to 1) of the bands a screen's pixel grid makes,
    ``moire_period`` their spacing in modules; ``glare`` the strength (0 to
    1) of a lamp's reflection on the glass; ``noise`` the sensor noise's
    standard deviation in grey levels; ``module_px`` a module's width in
    pixels in a 640-pixel-wide frame (how far the phone is); ``offset`` where the code's centre is,
    as a fraction of the frame from its centre."""

    blur: float = 0.0
    motion: float = 0.0
    rotation: float = 0.0
    tilt: float = 0.0
    turn: float = 0.0
    contrast: float = 1.0
    level: float = 128.0
    moire: float = 0.0
    moire_period: float = 3.0
    glare: float = 0.0
    noise: float = 0.0
    module_px: float = 3.0
    offset: tuple[float, float] = (0.0, 0.0)

    def __post_init__(self) -> None:
        if not 0.5 <= self.module_px <= 40:
            raise ValueError(f"module_px must be from 0.5 to 40 pixels, got {self.module_px!r}")
        if not 0 < self.contrast <= 1 or not 0 <= self.moire <= 1 or not 0 <= self.glare <= 1:
            raise ValueError("contrast must be in (0, 1], moire and glare in [0, 1]")
        if min(self.blur, self.motion, self.noise) < 0 or self.moire_period <= 0:
            raise ValueError("blur, motion and noise cannot be negative; moire_period must be > 0")
        if max(abs(self.tilt), abs(self.turn)) >= 80:
            raise ValueError("tilt and turn must be under 80 degrees: the code would be edge-on")


@lru_cache(maxsize=8)
def qr_modules(payload: str) -> Image.Image:
    """*payload* as a QR code, one pixel per module, with the 4-module quiet
    zone; error correction level M, as the approver's phone shows it."""
    import qrcode  # only the simulation draws QR codes
    from qrcode.constants import ERROR_CORRECT_M

    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=1, border=4)
    code.add_data(payload.encode("utf-8"))
    code.make(fit=True)
    return code.make_image().get_image().convert("L")


def _phone_face(payload: str, scale: int, showing: Showing,
                rng: random.Random) -> tuple[Image.Image, Image.Image, float]:
    """The phone's face (grey levels) and its outline (mask), *scale* pixels
    per module, with the code in the middle; and the face's width in modules."""
    code = qr_modules(payload)
    side = code.width  # modules, quiet zone included
    screen_w, screen_h = side + 2, round(side * 1.9)
    bezel = max(2, round(side * 0.06))
    face_w, face_h = screen_w + 2 * bezel, screen_h + 4 * bezel
    size = (face_w * scale, face_h * scale)
    face = Image.new("L", size, BEZEL_LEVEL)
    draw = ImageDraw.Draw(face)
    screen_box = (bezel * scale, 2 * bezel * scale,
                  (bezel + screen_w) * scale - 1, (2 * bezel + screen_h) * scale - 1)
    draw.rectangle(screen_box, fill=SCREEN_LEVEL)
    levels = code.point(lambda v: SCREEN_LEVEL if v > 127 else INK_LEVEL)
    drawn = levels.resize((side * scale, side * scale), Image.Resampling.NEAREST)
    face.paste(drawn, ((size[0] - drawn.width) // 2, (size[1] - drawn.height) // 2))
    if showing.moire:
        face = ImageChops.multiply(face, _moire(size, scale, showing, rng))
    mask = Image.new("L", size, 0)
    ImageDraw.Draw(mask).rounded_rectangle((0, 0, size[0] - 1, size[1] - 1),
                                           radius=3 * bezel * scale, fill=255)
    return face, mask, float(face_w)


def _moire(size: Size, scale: int, showing: Showing, rng: random.Random) -> Image.Image:
    """Bands across the screen where its pixel grid beats against the
    sensor's: a multiplier (255: no change), at a seeded angle."""
    period = showing.moire_period * scale
    length = math.ceil(math.hypot(*size)) + 2
    phase = rng.uniform(0, 2 * math.pi)
    strip = Image.new("L", (length, 1))
    strip.putdata([round(255 * (1 - showing.moire * (0.5 + 0.5 * math.cos(
        2 * math.pi * x / period + phase)))) for x in range(length)])
    bands = strip.resize((length, length), Image.Resampling.NEAREST)
    bands = bands.rotate(rng.uniform(-70, 70), resample=Image.Resampling.BILINEAR,
                         fillcolor=255)
    left, top = (length - size[0]) // 2, (length - size[1]) // 2
    return bands.crop((left, top, left + size[0], top + size[1]))


def _solve(matrix: list[list[float]], values: list[float]) -> list[float]:
    """*matrix* x = *values*, by Gaussian elimination with partial pivoting."""
    n = len(values)
    rows = [[*row, value] for row, value in zip(matrix, values, strict=True)]
    for column in range(n):
        pivot = max(range(column, n), key=lambda r: abs(rows[r][column]))
        rows[column], rows[pivot] = rows[pivot], rows[column]
        for below in range(column + 1, n):
            factor = rows[below][column] / rows[column][column]
            for k in range(column, n + 1):
                rows[below][k] -= factor * rows[column][k]
    solution = [0.0] * n
    for row in reversed(range(n)):
        known = sum(rows[row][k] * solution[k] for k in range(row + 1, n))
        solution[row] = (rows[row][n] - known) / rows[row][row]
    return solution


def perspective_coefficients(
    frame_points: list[tuple[float, float]], source_points: list[tuple[float, float]]
) -> tuple[float, ...]:
    """PIL's eight PERSPECTIVE coefficients taking each of four frame points
    to its source point (PIL maps the output's pixels back to the input's)."""
    matrix: list[list[float]] = []
    values: list[float] = []
    for (x, y), (u, v) in zip(frame_points, source_points, strict=True):
        matrix.append([x, y, 1, 0, 0, 0, -x * u, -y * u])
        values.append(u)
        matrix.append([0, 0, 0, x, y, 1, -x * v, -y * v])
        values.append(v)
    return tuple(_solve(matrix, values))


def _placed_corners(face_modules: tuple[float, float], showing: Showing, module_px: float,
                    centre: tuple[float, float]) -> list[tuple[float, float]]:
    """Where the face's four corners land on the canvas, pinhole projection,
    a module *module_px* canvas pixels wide at the centre."""
    width, height = face_modules
    distance = DISTANCE_IN_WIDTHS * width
    focal = module_px * distance
    tilt, turn = math.radians(showing.tilt), math.radians(showing.turn)
    spin = math.radians(showing.rotation)
    corners = []
    for x, y in ((-width / 2, -height / 2), (width / 2, -height / 2),
                 (width / 2, height / 2), (-width / 2, height / 2)):
        y1, z1 = y * math.cos(tilt), y * math.sin(tilt)
        x2, z2 = x * math.cos(turn) + z1 * math.sin(turn), -x * math.sin(turn) + z1 * math.cos(turn)
        px, py = focal * x2 / (distance + z2), focal * y1 / (distance + z2)
        rx = px * math.cos(spin) - py * math.sin(spin)
        ry = px * math.sin(spin) + py * math.cos(spin)
        corners.append((centre[0] + rx, centre[1] + ry))
    return corners


@lru_cache(maxsize=8)
def _background(canvas: Size) -> Image.Image:
    """The desk under the lamp: brighter on the left, darker to the corners."""
    grid = Image.new("L", (32, 24))
    grid.putdata([round(DESK_LEVEL * (1 - 0.14 * (gx / 31) - 0.05 * (gy / 23)))
                  for gy in range(24) for gx in range(32)])
    return grid.resize(canvas, Image.Resampling.BILINEAR)


def _glare(canvas: Size, centre: tuple[float, float], reach: float, strength: float,
           rng: random.Random) -> Image.Image:
    """A lamp's reflection: a soft bright oval near the code, to be added."""
    small = (max(8, canvas[0] // 8), max(8, canvas[1] // 8))
    blob = Image.new("L", small, 0)
    cx = (centre[0] + rng.uniform(-0.35, 0.35) * reach) / 8
    cy = (centre[1] + rng.uniform(-0.35, 0.35) * reach) / 8
    rx, ry = reach / 8 * rng.uniform(0.22, 0.34), reach / 8 * rng.uniform(0.14, 0.22)
    ImageDraw.Draw(blob).ellipse((cx - rx, cy - ry, cx + rx, cy + ry), fill=255)
    blob = blob.filter(ImageFilter.GaussianBlur(max(1.0, rx / 3)))
    return blob.resize(canvas, Image.Resampling.BILINEAR).point(lambda v: round(v * strength))


@lru_cache(maxsize=1)
def _gaussian_table(sigma_tenths: int) -> list[int]:
    """Byte -> 128 + a normal deviate: uniform random bytes become noise."""
    normal = NormalDist(0, sigma_tenths / 10)
    return [max(0, min(255, round(128 + normal.inv_cdf((b + 0.5) / 256)))) for b in range(256)]


def _noise(size: Size, sigma: float, rng: random.Random) -> Image.Image:
    field = Image.frombytes("L", size, rng.randbytes(size[0] * size[1]))
    return field.point(_gaussian_table(round(sigma * 10)))


def render_showing(payload: str, size: Size, showing: Showing, seed: int = 0) -> Image.Image:
    """*payload* shown as *showing* says, as a grayscale (``L``) frame of
    *size*; *seed* places the glare and the moiré and draws the noise."""
    rng = random.Random(f"village-edge qr showing {seed}")
    zoom = size[0] / REFERENCE_WIDTH
    module_px = showing.module_px * zoom
    supersample = SUPERSAMPLE if module_px < 2 * SUPERSAMPLE else 1  # large stills: enough
    canvas = (size[0] * supersample, size[1] * supersample)
    scale = max(2, math.ceil(module_px * supersample * 1.5))
    face, mask, face_w = _phone_face(payload, scale, showing, rng)
    face_modules = (face_w, face.height / scale)
    centre = (canvas[0] * (0.5 + showing.offset[0]), canvas[1] * (0.5 + showing.offset[1]))
    corners = _placed_corners(face_modules, showing, module_px * supersample, centre)
    source = [(0.0, 0.0), (face.width, 0.0), (face.width, face.height), (0.0, face.height)]
    coefficients = perspective_coefficients(corners, source)
    placed = face.transform(canvas, Image.Transform.PERSPECTIVE, coefficients,
                            Image.Resampling.BILINEAR)
    outline = mask.transform(canvas, Image.Transform.PERSPECTIVE, coefficients,
                             Image.Resampling.BILINEAR)
    frame = Image.composite(placed, _background(canvas), outline).reduce(supersample)
    if showing.contrast != 1 or showing.level != 128:
        contrast, level = showing.contrast, showing.level
        frame = frame.point(lambda v: max(0, min(255, round(level + (v - 128) * contrast))))
    if showing.glare:
        reach = qr_modules(payload).width * module_px
        scaled_centre = (centre[0] / supersample, centre[1] / supersample)
        frame = ImageChops.add(frame, _glare(size, scaled_centre, reach, showing.glare, rng))
    if showing.blur:
        frame = frame.filter(ImageFilter.GaussianBlur(showing.blur * zoom))
    if showing.motion:
        frame = frame.filter(ImageFilter.GaussianBlur((showing.motion * zoom, 0)))
    if showing.noise:
        frame = ImageChops.add(frame, _noise(size, showing.noise, rng), scale=1.0, offset=-128)
    return frame
