"""The camera's one exception, the root of :mod:`camera`'s errors."""


class CameraError(Exception):
    """The camera failed; the message says what failed and what to do, e.g.
    "camera stopped answering: check the ribbon cable". A seal station treats
    it as "no photos possible": no stamping without photos."""


class DecoderMissing(CameraError, ImportError):
    """A QR decoder's library is not installed; the message says how to install it."""
