"""``village-edge ARGS`` run in this process through the same :func:`main`
as the console command, for tests that need a monkeypatched environment or
many quick runs; its exit status, stdout and stderr."""

from __future__ import annotations

import contextlib
import io
import re
from dataclasses import dataclass

from village_edge.cli import main


@dataclass(frozen=True)
class Ran:
    status: int
    out: str
    err: str

    @property
    def error(self) -> str:
        """The one line on stderr (the test fails if there are more)."""
        [line] = self.err.splitlines()
        return line


def village_edge(*argv: str) -> Ran:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(list(argv))
    return Ran(status, out.getvalue(), err.getvalue())


def error_shape(err: str, prog: str) -> list[str]:
    """The problems in *err*, which must have the documented shape (see
    :mod:`village_edge.exits`): one line ``PROG: message``, or a first line
    ending ``(N problems):`` and N lines indented by two spaces. One line
    is returned as itself, several problems as theirs."""
    first, *rest = err.splitlines()
    assert first.startswith(f"{prog}: "), err
    if not rest:
        return [first]
    count = re.fullmatch(r".*\((\d+) problems\):", first)
    assert count and int(count.group(1)) == len(rest) > 1, err
    assert all(line.startswith("  ") and line[2:3] != " " for line in rest), err
    return [line[2:] for line in rest]
