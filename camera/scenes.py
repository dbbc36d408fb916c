"""What the simulated camera sees: deterministic drawings of the scenes a
station's camera meets, at any frame size.

A document is a sheet of paper on the desk with a title, paragraphs of text
lines, sometimes a table or a photocopied ID, and a red stamp box; its layout
follows from ``document_seed`` alone, so the same seed gives the same sheet
and another seed a visibly different one. Everything is lit by the station's
lamp, a little brighter on the left, as a real lamp is never quite centred.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from PIL import Image, ImageChops, ImageDraw

from camera.settings import Size
from camera.showing import Showing, qr_modules, render_showing

RGB = tuple[int, int, int]
Box = tuple[float, float, float, float]

DESK: RGB = (118, 92, 68)
PAPER: RGB = (242, 240, 234)
INK: RGB = (35, 35, 40)
GREY_INK: RGB = (150, 150, 150)
PHOTOCOPY: RGB = (105, 105, 112)
STAMP_RED: RGB = (200, 40, 40)
SKIN: RGB = (214, 160, 128)
SKIN_SHADOW: RGB = (184, 132, 104)
PHONE: RGB = (24, 24, 30)
SCREEN: RGB = (236, 238, 242)
COVERED: RGB = (10, 7, 7)
#: Lights off: what the window lets in.
DARK_LEVEL = 0.06

#: The sheet's place in the frame, as fractions of width and height.
PAPER_BOX: Box = (0.24, 0.05, 0.76, 0.95)


class Scene(StrEnum):
    """What is in front of the lens."""

    DOCUMENT = "document"
    DOCUMENT_AND_HAND = "document_and_hand"
    QR = "qr"
    DARK = "dark"
    COVERED = "covered"


@dataclass(frozen=True)
class View:
    """A scene and its particulars. ``shift`` moves the sheet by a fraction
    of the frame (``(0.02, 0.0)``: 2 % to the right), as when a document is
    laid down again a little off. A QR code shown badly (tilted, dim, far
    away...) has a ``showing``."""

    scene: Scene = Scene.DOCUMENT
    document_seed: int = 0
    qr_payload: str = ""
    shift: tuple[float, float] = (0.0, 0.0)
    #: How the phone is held (:class:`camera.showing.Showing`); None: square
    #: to the lens, sharp and large. ``showing_seed`` places glare and moiré.
    showing: Showing | None = None
    showing_seed: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "scene", Scene(self.scene))
        if self.scene is Scene.QR and not self.qr_payload:
            raise ValueError("the qr scene needs a qr_payload: the text the phone's QR code holds")


@dataclass(frozen=True)
class Mark:
    """One filled (or, with ``outline``, outlined) rectangle on the sheet, in
    fractions of the sheet's width and height."""

    box: Box
    colour: RGB
    outline: float = 0.0


def _text_line(rng: random.Random, left: float, top: float, width: float) -> list[Mark]:
    marks = []
    u = left
    while u < left + width - 0.03:
        word = min(rng.uniform(0.04, 0.12), left + width - u)
        marks.append(Mark((u, top, u + word, top + 0.014), INK))
        u += word + 0.015
    return marks


def _paragraph(
    rng: random.Random, top: float, left: float, width: float
) -> tuple[list[Mark], float]:
    marks: list[Mark] = []
    lines = rng.randint(2, 6)
    for index in range(lines):
        indent = 0.05 if index == 0 else 0.0
        length = width - indent if index < lines - 1 else width * rng.uniform(0.2, 0.8)
        marks += _text_line(rng, left + indent, top + index * 0.03, length)
    return marks, top + lines * 0.03


def _table(rng: random.Random, top: float) -> tuple[list[Mark], float]:
    rows, columns = rng.randint(2, 4), rng.randint(2, 4)
    left, right, row_height = 0.08, 0.92, 0.04
    bottom = top + rows * row_height
    marks = [Mark((left, top, right, top + row_height), GREY_INK)]
    marks.append(Mark((left, top, right, bottom), INK, outline=0.003))
    for row in range(1, rows):
        y = top + row * row_height
        marks.append(Mark((left, y, right, y + 0.003), INK))
    cell = (right - left) / columns
    for column in range(1, columns):
        x = left + column * cell
        marks.append(Mark((x, top, x + 0.003, bottom), INK))
    for row in range(1, rows):
        for column in range(columns):
            x, y = left + column * cell + 0.015, top + row * row_height + 0.013
            marks += _text_line(rng, x, y, cell * rng.uniform(0.3, 0.8))
    return marks, bottom


def _card(left: float, top: float, width: float, height: float) -> tuple[list[Mark], float]:
    """A photocopied card (an ID card, a certificate photo): grey, with a darker portrait."""
    face = (left + 0.03, top + 0.02, left + 0.03 + height * 0.6, top + height - 0.02)
    return [Mark((left, top, left + width, top + height), PHOTOCOPY),
            Mark(face, (70, 70, 76))], top + height


def _photocopy(rng: random.Random, top: float) -> tuple[list[Mark], float]:
    width, height = rng.uniform(0.3, 0.5), rng.uniform(0.12, 0.18)
    left = 0.08 if rng.random() < 0.5 else 0.92 - width
    return _card(left, top, width, height)


def _id_copies(rng: random.Random, top: float) -> tuple[list[Mark], float]:
    """The front and back of an ID card, side by side or one above the other."""
    if rng.random() < 0.5:
        front, _ = _card(0.08, top, 0.40, 0.16)
        back, bottom = _card(0.52, top, 0.40, 0.16)
    else:
        left = rng.uniform(0.08, 0.4)
        front, middle = _card(left, top, 0.52, 0.2)
        back, bottom = _card(left, middle + 0.04, 0.52, 0.2)
    return front + back, bottom


#: Kinds of paper a village seal is asked for, and how often.
DOCUMENT_KINDS = {"letter": 3, "full page": 3, "form": 2, "id copies": 1, "mixed": 3}


def _body(rng: random.Random, kind: str) -> list[Mark]:
    marks: list[Mark] = []
    if kind == "letter":
        top = 0.11 + rng.uniform(0.0, 0.05)
        for _ in range(rng.randint(1, 3)):
            new, top = _paragraph(rng, top, 0.08, 0.84)
            marks += new
            top += 0.025
        return marks
    if kind == "id copies":
        new, top = _paragraph(rng, 0.11, 0.08, 0.84)
        cards, _ = _id_copies(rng, top + 0.04)
        return new + cards
    weights = {"full page": [6, 2, 0, 0, 0.5], "form": [1, 0, 4, 0, 0.5],
               "mixed": [4, 1, 2, 1.5, 1.5]}[kind]
    top = 0.11
    while top < 0.70:
        element = rng.choices(["paragraph", "columns", "table", "photocopy", "gap"], weights)[0]
        if element == "paragraph":
            new, top = _paragraph(rng, top, 0.08, 0.84)
        elif element == "columns":
            left, end_left = _paragraph(rng, top, 0.08, 0.39)
            right, end_right = _paragraph(rng, top, 0.53, 0.39)
            new, top = left + right, max(end_left, end_right)
        elif element == "table":
            new, top = _table(rng, top)
        elif element == "photocopy":
            new, top = _photocopy(rng, top)
        else:
            new, top = [], top + rng.uniform(0.03, 0.08)
        marks += [mark for mark in new if mark.box[3] <= 0.74]
        top += 0.025
    return marks


@lru_cache(maxsize=64)
def document_layout(seed: int) -> tuple[Mark, ...]:
    """The marks on document *seed*'s sheet: a title, a body of one of the
    :data:`DOCUMENT_KINDS`, a stamp box and a date."""
    rng = random.Random(f"village-edge document {seed}")
    kind = rng.choices(list(DOCUMENT_KINDS), list(DOCUMENT_KINDS.values()))[0]
    title = rng.uniform(0.3, 0.6)
    marks = [Mark((0.5 - title / 2, 0.05, 0.5 + title / 2, 0.075), INK)]
    marks += _body(rng, kind)
    stamp_left = rng.uniform(0.08, 0.3) if rng.random() < 0.5 else rng.uniform(0.5, 0.62)
    stamp_top = rng.uniform(0.77, 0.82)
    marks.append(Mark((stamp_left, stamp_top, stamp_left + 0.3, stamp_top + 0.12), STAMP_RED,
                      outline=0.006))
    date_left = 0.6 if stamp_left < 0.5 else 0.1
    marks += _text_line(rng, date_left, stamp_top + 0.05, 0.25)
    return tuple(marks)


def _pixels(box: Box, size: Size) -> tuple[int, int, int, int]:
    width, height = size
    return (round(box[0] * width), round(box[1] * height),
            round(box[2] * width) - 1, round(box[3] * height) - 1)


def _draw_document(draw: ImageDraw.ImageDraw, size: Size, seed: int,
                   shift: tuple[float, float]) -> None:
    left, top, right, bottom = PAPER_BOX
    left, right = left + shift[0], right + shift[0]
    top, bottom = top + shift[1], bottom + shift[1]
    draw.rectangle(_pixels((left, top, right, bottom), size), fill=PAPER)
    across, down = right - left, bottom - top
    for mark in document_layout(seed):
        u0, v0, u1, v1 = mark.box
        box = (left + u0 * across, top + v0 * down, left + u1 * across, top + v1 * down)
        if mark.outline:
            thickness = max(1, round(mark.outline * size[0]))
            draw.rectangle(_pixels(box, size), outline=mark.colour, width=thickness)
        else:
            draw.rectangle(_pixels(box, size), fill=mark.colour)


def _draw_hand(draw: ImageDraw.ImageDraw, size: Size) -> None:
    """A right hand reaching in from the bottom right, holding a seal."""
    width, height = size

    def at(x: float, y: float) -> tuple[int, int]:
        return round(x * width), round(y * height)

    draw.polygon([at(0.86, 0.74), at(1.0, 0.70), at(1.0, 1.0), at(0.80, 1.0)], fill=SKIN_SHADOW)
    draw.ellipse([at(0.66, 0.62), at(0.92, 0.90)], fill=SKIN)
    for index in range(4):
        x = 0.64 + index * 0.045
        draw.rounded_rectangle([at(x, 0.50 + index * 0.01), at(x + 0.04, 0.70)],
                               radius=round(0.02 * width), fill=SKIN)
    draw.rounded_rectangle([at(0.58, 0.72), at(0.70, 0.78)], radius=round(0.02 * width),
                           fill=SKIN_SHADOW)
    draw.rectangle([at(0.655, 0.44), at(0.795, 0.52)], fill=(120, 30, 30))


def _draw_phone(image: Image.Image, payload: str) -> None:
    width, height = image.size
    side = min(width, height)
    phone_w, phone_h = round(0.68 * side), round(0.94 * side)
    left, top = (width - phone_w) // 2, (height - phone_h) // 2
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle([left, top, left + phone_w, top + phone_h],
                           radius=round(0.06 * side), fill=PHONE)
    inset = round(0.03 * side)
    draw.rectangle([left + inset, top + 2 * inset, left + phone_w - inset,
                    top + phone_h - 2 * inset], fill=SCREEN)
    qr_side = round(0.62 * side)
    code = qr_modules(payload).resize((qr_side, qr_side), Image.Resampling.BOX)
    ink = Image.new("RGB", code.size, (20, 20, 20))
    paper = Image.new("RGB", code.size, SCREEN)
    corner = ((width - qr_side) // 2, (height - qr_side) // 2)
    image.paste(Image.composite(paper, ink, code), corner)


@lru_cache(maxsize=8)
def lamp_light(size: Size) -> Image.Image:
    """The lamp's light over the frame as a multiplier (255 = full): brightest
    on the left, falling off to the right and towards the corners."""
    grid_w, grid_h = 32, 24
    mask = Image.new("L", (grid_w, grid_h))
    for gy in range(grid_h):
        for gx in range(grid_w):
            x, y = gx / (grid_w - 1), gy / (grid_h - 1)
            level = 1 - 0.14 * x - 0.05 * y - 0.06 * ((x - 0.3) ** 2 + (y - 0.4) ** 2)
            mask.putpixel((gx, gy), round(255 * level))
    light = mask.resize(size, Image.Resampling.BILINEAR)
    return Image.merge("RGB", (light, light, light))


def render(view: View, size: Size) -> Image.Image:
    """*view* as the camera would see it at *size*, RGB, without sensor noise."""
    if view.scene is Scene.COVERED:
        return Image.new("RGB", size, COVERED)
    if view.scene is Scene.QR and view.showing is not None:
        return render_showing(view.qr_payload, size, view.showing,
                              view.showing_seed).convert("RGB")
    image = Image.new("RGB", size, DESK)
    draw = ImageDraw.Draw(image)
    if view.scene is Scene.QR:
        _draw_phone(image, view.qr_payload)
    else:
        _draw_document(draw, size, view.document_seed, view.shift)
        if view.scene is Scene.DOCUMENT_AND_HAND:
            _draw_hand(draw, size)
    image = ImageChops.multiply(image, lamp_light(size))
    if view.scene is Scene.DARK:
        image = image.point(lambda level: round(level * DARK_LEVEL))
    return image
