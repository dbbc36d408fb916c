"""One server process per SQLite county: ``county serve`` holds an
exclusive lock (``fcntl.flock``) on ``serve.lock`` in the data directory
for as long as it serves, so a second process started on the same data is
refused at once instead of sharing the database and the photo cache with
the first. The lock goes with the process, however it ends (the kernel
drops it); the file itself stays and means nothing on its own.

A county in PostgreSQL is served by many processes (``--workers``) and
takes no lock here.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from county.errors import CountyError

LOCK_NAME = "serve.lock"


class AlreadyServed(CountyError):
    """Another process serves this data directory."""


@contextmanager
def serving_alone(data_dir: Path) -> Iterator[None]:
    """Hold the data directory's serve lock while the block runs, or
    :class:`AlreadyServed` if another process holds it."""
    path = Path(data_dir) / LOCK_NAME
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise AlreadyServed(
                f"another county server is already serving {data_dir} (it holds "
                f"{path}); stop it first, or give this one another --data") from None
        os.ftruncate(descriptor, 0)
        os.write(descriptor, f"{os.getpid()}\n".encode("ascii"))
        yield
    finally:
        os.close(descriptor)
