"""QR code geometry shared by the raster renderer and the printer's native QR command."""

from __future__ import annotations

import qrcode
import qrcode.constants

#: Modules this size or larger scan reliably from thermal paper with a phone camera.
MIN_MODULE_DOTS = 4
#: Upper bound, to keep receipts short.
MAX_MODULE_DOTS = 6
#: Quiet zone around the code, in modules, as the QR specification asks.
QUIET_ZONE = 4


def qr_matrix(data: str) -> list[list[bool]]:
    """The QR code for ``data`` (error correction M) including its quiet zone; True is dark."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=QUIET_ZONE)
    code.add_data(data)
    code.make(fit=True)
    return code.get_matrix()


def module_dots(modules: int, available_dots: int) -> int:
    """Dots per module so that ``modules`` fit in ``available_dots``.

    Raises ValueError when even :data:`MIN_MODULE_DOTS` does not fit: the code
    would be too dense to scan, so the data must be shortened.
    """
    size = min(MAX_MODULE_DOTS, available_dots // modules)
    if size < MIN_MODULE_DOTS:
        raise ValueError(
            f"QR code of {modules} modules does not fit {available_dots} dots at "
            f"{MIN_MODULE_DOTS} dots per module; shorten the data"
        )
    return size
