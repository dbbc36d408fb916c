"""The one error the county's operator sees: what is wrong and what to do."""

from __future__ import annotations


class CountyError(Exception):
    """An operator-facing failure; the message says what to do about it."""


class NoCounty(CountyError, FileNotFoundError):
    """No county was started in the data directory given."""


class DatabaseUnavailable(CountyError, ConnectionError):
    """The county's PostgreSQL database cannot be reached or opened."""


class CannotListen(CountyError):
    """The county server cannot listen on the address asked for."""
