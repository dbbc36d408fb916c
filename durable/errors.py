"""The root of :mod:`durable`'s exceptions."""


class DurableError(Exception):
    """Root of every error raised by :mod:`durable`."""


class RecordTooLarge(DurableError, ValueError):
    """A record's body is larger than a frame may hold."""
