"""The hard frames: one set of QR showings (:mod:`camera.showing`) that the
benchmark (``bench/qr_decode.py``) reads with every decoder and setting, and
that the tests draw from.

Each condition is taken alone at a few strengths chosen around where
decoders begin to fail (a set where every decoder reads everything, or
nothing, would tell them apart by nothing), and once all together as a
phone held up at arm's length. Every strength is shown with several seeds:
the code in another place in the frame, the glare and the moiré elsewhere,
other noise.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from PIL import Image

from camera.settings import Size
from camera.showing import Showing, render_showing

#: Seeds per strength: the code's place, the glare, the moiré, the noise.
SEEDS = 6
#: Where the code's centre is for each seed, as fractions from the frame's centre.
PLACES = ((0.0, 0.0), (-0.12, -0.05), (0.12, 0.06), (-0.06, 0.1), (0.1, -0.08), (0.03, 0.03))

#: A phone held up to the camera at arm's length: leaned back, turned a
#: little, a dim screen in a dim hall, small modules, the screen's moiré.
ARMS_LENGTH = Showing(tilt=35, turn=12, rotation=10, contrast=0.4, level=75,
                      noise=4, module_px=2.4, moire=0.15, moire_period=5.0)

#: Condition -> the showings of its strengths, mildest first.
CONDITIONS: dict[str, tuple[Showing, ...]] = {
    "clean": (Showing(),),
    "blur": tuple(Showing(blur=b) for b in (0.9, 1.1, 1.25, 1.4)),
    "shake": tuple(Showing(motion=m) for m in (1.5, 1.9, 2.3)),
    "rotation": tuple(Showing(rotation=r, module_px=1.9, contrast=0.35, noise=3)
                      for r in (8, 15, 30, 45)),
    "perspective": tuple(Showing(tilt=t, turn=t / 2) for t in (25, 35, 45, 55)),
    "low contrast": tuple(Showing(contrast=c, level=90, noise=3)
                          for c in (0.2, 0.12, 0.08, 0.05)),
    "moire": tuple(Showing(moire=m, moire_period=p)
                   for m, p in ((0.3, 6.0), (0.4, 4.0), (0.5, 2.5), (0.6, 1.6))),
    "glare": tuple(Showing(glare=g) for g in (0.6, 0.8, 1.0)),
    "noise": tuple(Showing(noise=n) for n in (20, 30, 40, 50)),
    "small modules": tuple(Showing(module_px=m) for m in (1.8, 1.5, 1.35, 1.2)),
    "arm's length": (ARMS_LENGTH,),
}


@dataclass(frozen=True)
class HardFrame:
    """One frame of the set: what it shows and how."""

    condition: str
    strength: int  # 0 = the mildest of its condition
    seed: int
    showing: Showing

    def render(self, payload: str, size: Size = (640, 480)) -> Image.Image:
        return render_showing(payload, size, self.showing, self.seed)


def hard_frames(seeds: int = SEEDS) -> list[HardFrame]:
    """Every showing of :data:`CONDITIONS` at every strength, *seeds* times."""
    frames = []
    for condition, showings in CONDITIONS.items():
        for strength, showing in enumerate(showings):
            for seed in range(seeds):
                placed = replace(showing, offset=PLACES[seed % len(PLACES)])
                frames.append(HardFrame(condition, strength, seed, placed))
    return frames
