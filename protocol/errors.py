"""The root of :mod:`protocol`'s exceptions: whatever fails to parse, verify
or fit is a :class:`ProtocolError`, and also the built-in it resembles."""


class ProtocolError(Exception):
    """Root of every error raised by :mod:`protocol`."""
