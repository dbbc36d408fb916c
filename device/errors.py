"""The root of the device core's exceptions."""


class DeviceError(Exception):
    """Root of every error raised by :mod:`device`."""
