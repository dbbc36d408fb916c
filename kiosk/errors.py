"""The root of the kiosk's exceptions."""


class KioskError(Exception):
    """Root of every error raised by :mod:`kiosk`."""
