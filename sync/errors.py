"""The root of :mod:`sync`'s exceptions (the outbox's, the county link's and
enrollment's all derive from it)."""


class SyncError(Exception):
    """Root of every error raised by :mod:`sync`."""
