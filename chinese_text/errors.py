"""The exceptions of :mod:`chinese_text`."""


class ChineseTextError(Exception):
    """Root of every error raised by :mod:`chinese_text`."""


class BadWidth(ChineseTextError, ValueError):
    """A line width that is not positive."""
