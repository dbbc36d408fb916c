"""A real PostgreSQL server for the tests: Debian's ``postgresql`` package
(``./setup.sh dev`` installs it), run as a throwaway cluster in a temporary
directory (``initdb``, ``pg_ctl``) by an unprivileged user, on a free
loopback port, for the whole test session. No system service is used or
changed. Each test gets a database of its own.

If the server cannot be started the tests that need it fail, saying why:
they are never skipped.
"""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

SUPERUSER = "postgres"
_numbers = itertools.count(1)


def _binaries() -> Path:
    """The directory of initdb and pg_ctl: Debian keeps them off PATH."""
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                      key=lambda path: int(path.parent.parent.name)
                      if path.parent.parent.name.isdigit() else 0)
    if versions:
        return versions[-1].parent
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    raise LookupError("PostgreSQL is not installed (no initdb): run ./setup.sh dev, which "
                      "installs Debian's postgresql package")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class PostgresCluster:
    port: int
    data: Path  # the cluster's data directory (its postmaster.pid names the server)

    def url(self, database: str) -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """The URL of a new, empty database."""
        name = f"county_{os.getpid()}_{next(_numbers)}"
        with psycopg.connect(self.url("postgres"), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


class ClusterFailed(RuntimeError):
    """The throwaway server could not be made or started; the message says why."""


def start_cluster(max_connections: int = 200) -> tuple[PostgresCluster, Callable[[], None]]:
    """A throwaway server on a free loopback port: (the cluster, how to stop
    and remove it). Also used by bench/county_fleet.py."""
    try:
        binaries = _binaries()
    except LookupError as error:
        raise ClusterFailed(str(error)) from None
    root = Path(tempfile.mkdtemp(prefix="village-edge-pg-"))
    user: str | None = None
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        user = SUPERUSER if _known_user(SUPERUSER) else "nobody"
        entry = pwd.getpwnam(user)
        os.chown(root, entry.pw_uid, entry.pw_gid)
    data, log = root / "data", root / "server.log"
    port = _free_port()

    def run(*command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(command, user=user, capture_output=True, text=True, timeout=120,
                              cwd=root, check=False)

    made = run(str(binaries / "initdb"), "-D", str(data), "-U", SUPERUSER, "--auth=trust",
               "-E", "UTF8", "--no-locale", "--no-sync")
    if made.returncode != 0:
        shutil.rmtree(root, ignore_errors=True)
        raise ClusterFailed(f"initdb failed: {made.stderr.strip()}")
    # fsync off: a throwaway cluster, whose power is never cut
    options = (f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off "
               f"-c full_page_writes=off -c max_connections={max_connections}")
    started = run(str(binaries / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options,
                  "-w", "-t", "60", "start")
    if started.returncode != 0:
        why = log.read_text(errors="replace")[-2000:] if log.exists() else started.stderr
        shutil.rmtree(root, ignore_errors=True)
        raise ClusterFailed(f"PostgreSQL did not start: {why.strip()}")

    def stop() -> None:
        run(str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)

    return PostgresCluster(port, data), stop


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresCluster]:
    """The test session's PostgreSQL server; a test that needs it fails
    (never skips) when it cannot start."""
    try:
        cluster, stop = start_cluster()
    except ClusterFailed as error:
        pytest.fail(f"the county tests need PostgreSQL: {error}", pytrace=False)
    try:
        yield cluster
    finally:
        stop()


def _known_user(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True
