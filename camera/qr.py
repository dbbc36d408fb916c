"""Reading QR codes from camera frames, QR symbology only: a barcode on a
parcel or a receipt is never taken for one.

Two decoders are wrapped: zxing-cpp and zbar (pyzbar), each imported when a
frame is first read. A :class:`ReadingPlan` is a list of ways to read a
frame, tried in turn until one finds a code. :data:`PLANS` holds the plans
``bench/qr_decode.py`` compares on the frames of :mod:`camera.showings`;
:data:`SUITE_PLAN` is the one the kiosk and the seal station use, chosen by
that benchmark: of the plans within the per-frame budget, it reads the most.

The budget: a frame may cost no more than with zbar alone (today's reader
before the benchmark), p95, both on frames showing a code and on frames with
none (a document under the camera: what the station sees most while it
waits), measured in the same run. Why: the seal station's loop ticks every
50 ms and reads one scan frame per tick; zbar takes about 13 ms of CPU on a
640x480 frame of the development machine, some 65 ms on a Raspberry Pi 4
(taken as 5 times slower), so the station looks at about 9 frames a second
(7 when frames cost their p95), of the 10 or more its camera gives. A reader
within budget never makes it look at fewer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from PIL import Image, ImageChops, ImageFilter

from camera.errors import DecoderMissing

log = logging.getLogger(__name__)

#: Longest QR text an approval can be. A token is about 300 characters; the
#: caller refuses anything longer, with :func:`oversized_reason` as the reason.
MAX_QR_CHARS = 1024


@dataclass(frozen=True)
class Reading:
    """What one way of reading a frame gave: the codes read (raw bytes), and
    whether a QR code was seen that could not be read (zxing-cpp tells)."""

    found: tuple[bytes, ...] = ()
    seen: bool = False


Reader = Callable[[Image.Image], Reading]


def _zbar() -> Any:
    try:
        from pyzbar import pyzbar  # loads libzbar: only when scanning
    except ImportError as error:
        raise DecoderMissing(
            f"cannot read QR codes with zbar: pyzbar or libzbar is missing ({error}); "
            "install libzbar0 (apt) and pyzbar (setup.sh does)"
        ) from error
    return pyzbar


@cache  # imported once: a native module imported again (after sys.modules was
def _zxing() -> Any:  # restored, as some tests do) aborts the process
    try:
        import zxingcpp
    except ImportError as error:
        raise DecoderMissing(
            f"cannot read QR codes with zxing-cpp: it is missing ({error}); "
            "install the zxing-cpp package (setup.sh does)"
        ) from error
    return zxingcpp


def _enlarged(image: Image.Image, scale: int) -> Image.Image:
    if scale == 1:
        return image
    return image.resize((image.width * scale, image.height * scale), Image.Resampling.BILINEAR)


def zbar_reader(*, scale: int = 1, threshold: bool = False) -> Reader:
    """zbar on the frame, enlarged *scale* times first, or after a local
    threshold (each pixel against the mean of its neighbourhood)."""

    def read(image: Image.Image) -> Reading:
        pyzbar = _zbar()
        frame = image.convert("L")
        if threshold:
            frame = local_threshold(frame)
        symbols = pyzbar.decode(_enlarged(frame, scale), symbols=[pyzbar.ZBarSymbol.QRCODE])
        return Reading(tuple(symbol.data for symbol in symbols))

    return read


def zxing_reader(*, binarizer: str = "LocalAverage", downscale: bool = True,
                 scale: int = 1) -> Reader:
    """zxing-cpp with one of its binarizers (``LocalAverage``,
    ``GlobalHistogram``, ``FixedThreshold``), also trying smaller copies of
    the frame when *downscale*, on the frame enlarged *scale* times."""

    def read(image: Image.Image) -> Reading:
        zxingcpp = _zxing()
        found = zxingcpp.read_barcodes(
            _enlarged(image.convert("L"), scale), formats=zxingcpp.BarcodeFormat.QRCode,
            binarizer=getattr(zxingcpp.Binarizer, binarizer),
            try_downscale=downscale, try_rotate=False, try_invert=False, return_errors=True)
        return Reading(tuple(bytes(code.bytes) for code in found if code.valid),
                       any(not code.valid for code in found))

    return read


def centre_of(reader: Reader, fraction: float = 0.7) -> Reader:
    """*reader* on the middle *fraction* of the frame only (a region of interest)."""

    def read(image: Image.Image) -> Reading:
        width, height = image.size
        left, top = round(width * (1 - fraction) / 2), round(height * (1 - fraction) / 2)
        return reader(image.crop((left, top, width - left, height - top)))

    return read


def local_threshold(image: Image.Image, radius: int = 8) -> Image.Image:
    """Black where a pixel is clearly darker than its neighbourhood's mean, else white."""
    mean = image.filter(ImageFilter.BoxBlur(radius))
    return ImageChops.subtract(image, mean, scale=1.0, offset=128).point(
        lambda level: 255 if level >= 120 else 0)


@dataclass(frozen=True)
class Step:
    """One way of reading in a plan. ``when`` says when it is tried:
    ``"always"``; ``"seen"``, only when an earlier step saw a QR code it
    could not read (so that frames without a code, what the camera shows
    most of the time, do not pay for it); ``"unseen"``, only when none did."""

    reader: Reader
    when: Literal["always", "seen", "unseen"] = "always"


@dataclass(frozen=True)
class ReadingPlan:
    """Ways to read a frame, tried in turn until one reads a code.

    A step whose decoder is not installed is passed over, logged once, and
    the frame is then read by *fallback* too (the whole frame with the other
    decoder), so a device missing one decoder still reads QR codes; with no
    decoder at all, :class:`DecoderMissing` says what to install."""

    name: str
    steps: tuple[Step, ...]
    fallback: Reader | None = None

    def read(self, image: Image.Image) -> tuple[bytes, ...]:
        seen = False
        missing: list[DecoderMissing] = []
        for step in self.steps:
            if (step.when == "seen" and not seen) or (step.when == "unseen" and seen):
                continue
            try:
                reading = step.reader(image)
            except DecoderMissing as error:
                missing.append(_reported(error))
                continue
            if reading.found:
                return reading.found
            seen = seen or reading.seen
        if not missing:
            return ()
        if self.fallback is not None:
            try:
                return self.fallback(image).found
            except DecoderMissing as error:
                missing.append(_reported(error))
        raise DecoderMissing("; ".join(dict.fromkeys(str(error) for error in missing)))


def _reported(error: DecoderMissing) -> DecoderMissing:
    if str(error) not in _REPORTED:
        _REPORTED.add(str(error))
        log.error("%s; reading with the other decoder meanwhile", error)
    return error


#: The missing decoders already logged.
_REPORTED: set[str] = set()


def _plan(name: str, *readers: Reader | Step, fallback: Reader | None = None) -> ReadingPlan:
    return ReadingPlan(name, tuple(r if isinstance(r, Step) else Step(r) for r in readers),
                       fallback)


def _plans() -> dict[str, ReadingPlan]:
    zxing = zxing_reader()
    fixed = zxing_reader(binarizer="FixedThreshold")
    zxing_2x = zxing_reader(scale=2, downscale=False)
    seen_2x = Step(zxing_2x, when="seen")
    zbar = zbar_reader()
    plans = [
        _plan("zbar", zbar),
        _plan("zbar 2x", zbar_reader(scale=2)),
        _plan("zbar thresholded", zbar_reader(threshold=True)),
        _plan("zbar centre 70%", centre_of(zbar)),
        _plan("zxing", zxing),
        _plan("zxing no downscale", zxing_reader(downscale=False)),
        _plan("zxing global histogram", zxing_reader(binarizer="GlobalHistogram")),
        _plan("zxing fixed threshold", fixed),
        _plan("zxing 2x", zxing_2x),
        _plan("zxing centre 70%", centre_of(zxing)),
        _plan("zxing, zbar", zxing, zbar),
        _plan("zxing, fixed", zxing, fixed),
        _plan("zxing, fixed, 2x if seen", zxing, fixed, seen_2x),
        _plan("zxing, fixed, 2x if seen, zbar", zxing, fixed, seen_2x, zbar),
        _plan("zxing, fixed, 2x if seen, else zbar", zxing, fixed, seen_2x,
              Step(zbar, when="unseen")),
        _plan("zxing, fixed, 2x if seen, else zbar centre", zxing, fixed, seen_2x,
              Step(centre_of(zbar), when="unseen"), fallback=zbar),
    ]
    return {plan.name: plan for plan in plans}


#: Every plan the benchmark compares, by name.
PLANS: dict[str, ReadingPlan] = _plans()
#: The plan today's code used before the benchmark: the ratios' baseline.
BASELINE_PLAN = "zbar"
#: The plan the kiosk and the seal station read with (see the module's doc).
SUITE_PLAN = "zxing, fixed, 2x if seen, else zbar centre"


def scan_qr(image: Image.Image, plan: str = SUITE_PLAN) -> list[str]:
    """The texts of the QR codes in *image*, each once, in the order found,
    read with *plan* (one of :data:`PLANS`). Codes whose bytes are not UTF-8
    are skipped. Long texts are returned whole, never cut: a cut token would
    be refused for the wrong reason; see :func:`oversized_reason`."""
    texts: list[str] = []
    for data in PLANS[plan].read(image):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            continue
        if text not in texts:
            texts.append(text)
    return texts


def oversized_reason(text: str, max_chars: int = MAX_QR_CHARS) -> str | None:
    """Why *text* is too long to be an approval, or None if it is not."""
    if len(text) <= max_chars:
        return None
    return (f"the QR code holds {len(text)} characters, more than the {max_chars} an "
            "approval can have: it is not an approval from the county")
