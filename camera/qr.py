"""Reading approval QR codes from camera frames with zbar (pyzbar), QR
symbology only: a barcode on a parcel or a receipt is never taken for one."""

from __future__ import annotations

from PIL import Image

from camera.errors import CameraError

#: Longest QR text an approval can be. A token is about 300 characters; the
#: caller refuses anything longer, with :func:`oversized_reason` as the reason.
MAX_QR_CHARS = 1024


def scan_qr(image: Image.Image) -> list[str]:
    """The texts of the QR codes in *image*, each once, in the order zbar
    found them. Codes whose bytes are not UTF-8 are skipped. Long texts are
    returned whole, never cut: a cut token would be refused for the wrong
    reason; see :func:`oversized_reason`."""
    try:
        from pyzbar.pyzbar import ZBarSymbol, decode  # loads libzbar: only when scanning
    except ImportError as error:
        raise CameraError(
            f"cannot read QR codes: pyzbar or libzbar is missing ({error}); "
            "install libzbar0 (apt) and pyzbar (setup.sh does)"
        ) from error
    texts: list[str] = []
    for symbol in decode(image.convert("L"), symbols=[ZBarSymbol.QRCODE]):
        try:
            text = symbol.data.decode("utf-8")
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
