"""The root of :mod:`provision`'s exceptions."""


class ProvisionError(Exception):
    """Root of every error raised by :mod:`provision`."""
