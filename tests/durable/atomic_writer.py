"""A real process replacing a file with :func:`durable.atomic.atomic_write`,
halting at a system call chosen by the parent so that it can be SIGKILLed
exactly there.

usage: atomic_writer.py TARGET SIZE STOP

The new content is SIZE bytes. Every os.open, os.write, os.fsync, os.close
and os.replace that atomic_write makes is one step, counted from 0; each
write passes at most CHUNK bytes (a short write, as the kernel may make), so
a kill between two writes leaves a half-written temporary file. Before step
STOP the process prints ``before STOP NAME`` and waits (on its standard
input, which the parent never writes) to be killed; with STOP equal to the
number of steps it prints ``done`` after atomic_write returned and waits the
same way. STOP -1 runs through, printing ``step N NAME`` for every step.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from durable.atomic import atomic_write

CHUNK = 4096
STEPS = ("open", "write", "fsync", "close", "replace")


def new_content(size: int) -> bytes:
    return bytes(ord("a") + n % 26 for n in range(size))


def main() -> None:
    target, size, stop = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    counted = 0

    def halt(line: str) -> None:
        print(line, flush=True)
        sys.stdin.read()  # the parent kills us here
        raise SystemExit("atomic_writer: standard input closed before the kill")

    def stepping(name: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def step(*args: Any) -> Any:
            nonlocal counted
            if name == "write":
                args = (args[0], args[1][:CHUNK])
            if counted == stop:
                halt(f"before {counted} {name}")
            if stop == -1:
                print(f"step {counted} {name}", flush=True)
            counted += 1
            return real(*args)

        return step

    originals = {name: getattr(os, name) for name in STEPS}
    for name, real in originals.items():
        setattr(os, name, stepping(name, real))
    try:
        atomic_write(target, new_content(size))
    finally:
        for name, real in originals.items():
            setattr(os, name, real)
    if counted == stop:
        halt("done")


if __name__ == "__main__":
    main()
