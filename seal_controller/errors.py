"""The seal station's exceptions: one root, subclasses that also inherit the
built-in they resemble."""


class SealError(Exception):
    """Root of every error raised by :mod:`seal_controller`."""


class RequestError(SealError, ValueError):
    """The custodian's request cannot be made as asked (unknown seal, matter
    or number of stamps)."""


class StationBusy(SealError, RuntimeError):
    """The station is not idle: a request is open or a seal is unlocked."""
