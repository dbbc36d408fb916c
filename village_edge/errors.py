"""The root of the command line's own exceptions."""

from __future__ import annotations

from collections.abc import Sequence


class CliError(Exception):
    """A command cannot do what was asked. *status* is one of
    :mod:`village_edge.exits`; *message* says what is wrong and what to do;
    *problems*, when there are several, are listed one per line below it."""

    def __init__(self, status: int, message: str, problems: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.problems = list(problems)
