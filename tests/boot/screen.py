"""What a person in front of the kiosk sees, read from a screendump of the
emulator's display: the kiosk's colours (kiosk/kv/common.kv), where a
button is, how much of the screen changed. Tolerant by design: fonts,
hinting and layout may change without these checks noticing, a blank, a
console or another screen may not."""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image, ImageChops

# The kiosk's colours (kiosk/kv/common.kv and home.kv), as 8-bit RGB.
PAPER = (247, 245, 237)        # every screen's background: rgba 0.97, 0.96, 0.93
TITLE = (140, 33, 26)          # the home screen's title: 0.55, 0.13, 0.1
BAR_BUTTON = (56, 79, 115)     # the title bar's buttons (大字): 0.22, 0.31, 0.45
NEAR = 14                      # per channel: scaling and blending, not another colour


def _close(pixel: tuple[int, int, int], colour: tuple[int, int, int], near: int = NEAR) -> bool:
    return all(abs(a - b) <= near for a, b in zip(pixel, colour, strict=True))


def _pixels(image: Image.Image, box: tuple[int, int, int, int] | None = None
            ) -> list[tuple[int, int, int]]:
    region = image.convert("RGB") if box is None else image.convert("RGB").crop(box)
    data = region.tobytes()  # RGB triples (getdata() goes in Pillow 14)
    return [(data[i], data[i + 1], data[i + 2]) for i in range(0, len(data), 3)]


def share(image: Image.Image, colour: tuple[int, int, int],
          box: tuple[int, int, int, int] | None = None) -> float:
    """The fraction of the pixels (in *box*) of *colour*."""
    pixels = _pixels(image, box)
    return sum(1 for p in pixels if _close(p, colour)) / max(1, len(pixels))


def dark_share(image: Image.Image) -> float:
    """The fraction of the screen that is black or nearly (a console, a blank)."""
    pixels = _pixels(image)
    return sum(1 for p in pixels if max(p) < 40) / max(1, len(pixels))


@dataclass(frozen=True)
class Look:
    """The kiosk's marks on one screendump."""

    paper: float     # of the screen
    title: float     # of the top fifth
    bar: float       # of the top fifth
    dark: float      # of the screen
    red: float       # of the screen: the title's colour

    @classmethod
    def of(cls, image: Image.Image) -> Look:
        width, height = image.size
        top = (0, 0, width, height // 5)
        return cls(share(image, PAPER), share(image, TITLE, top), share(image, BAR_BUTTON, top),
                   dark_share(image), share(image, TITLE))

    @property
    def home(self) -> bool:
        """The home screen: the kiosk's paper over most of the screen, its
        red title and a title-bar button at the top."""
        return self.paper > 0.25 and self.title > 0.002 and self.bar > 0.01

    @property
    def attract(self) -> bool:
        """The attract screen the kiosk shows after three minutes untouched:
        the title's red over most of the screen."""
        return self.red > 0.5

    @property
    def kiosk(self) -> bool:
        """Some screen of the kiosk: its paper over much of the screen, or
        its attract screen."""
        return self.paper > 0.2 or self.attract


def button_at(image: Image.Image, colour: tuple[int, int, int],
              box: tuple[int, int, int, int]) -> tuple[int, int]:
    """A point well inside a button of *colour* in *box* of the screen (the
    middle of the run of its pixels): where a finger would press it."""
    left, top, right, bottom = box
    rgb = image.convert("RGB")
    inside = [(x, y) for y in range(top + 4, bottom - 4, 2) for x in range(left + 4, right - 4, 2)
              if all(_close(rgb.getpixel((x + dx, y + dy)), colour)  # type: ignore[arg-type]
                     for dx in (-4, 0, 4) for dy in (-4, 0, 4))]
    assert inside, f"no button of colour {colour} in {box}"
    xs = sorted(x for x, _ in inside)
    ys = sorted(y for _, y in inside)
    return xs[len(xs) // 2], ys[len(ys) // 2]


def changed(before: Image.Image, after: Image.Image) -> float:
    """The fraction of the screen that changed between two screendumps."""
    difference = ImageChops.difference(before.convert("RGB"), after.convert("RGB"))
    pixels = _pixels(difference)
    return sum(1 for p in pixels if max(p) > 30) / max(1, len(pixels))
