"""Replacing a file atomically: a real process SIGKILLed before each system
call atomic_write makes (and after the last) leaves the old content or the
new, never a mix, and a half-written temporary file never takes the file's
place. The kill points are chosen by the test: the writer halts at a chosen
call and says so through a pipe, then it is killed."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from durable.atomic import atomic_write, fsync_directory
from tests.conftest import REPO
from tests.durable.atomic_writer import CHUNK, new_content

WRITER = REPO / "tests/durable/atomic_writer.py"
OLD = "旧的内容：村务公开栏\n".encode() * 50
SIZE = 3 * CHUNK + 100  # four writes: a kill between them leaves a torn temporary file
STUCK = 60.0  # a bound for a stuck process, never an expected time


def writer(target: Path, stop: int) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, str(WRITER), str(target), str(SIZE), str(stop)],
                            cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


def steps(tmp_path: Path) -> list[str]:
    """The system calls atomic_write makes, in order (one run to the end)."""
    target = tmp_path / "dry" / "village.json"
    process = writer(target, -1)
    out, _ = process.communicate(timeout=STUCK)
    assert process.returncode == 0
    assert target.read_bytes() == new_content(SIZE)
    return [line.split()[2] for line in out.splitlines()]


def test_the_writer_really_goes_through_temporary_file_replace_and_directory(
    tmp_path: Path,
) -> None:
    assert steps(tmp_path) == ["open", "write", "write", "write", "write", "fsync", "close",
                               "replace", "open", "fsync", "close"]


def test_a_kill_at_any_point_leaves_the_old_or_the_new_content(tmp_path: Path) -> None:
    calls = steps(tmp_path)
    replaced_at = calls.index("replace")
    writes = [index for index, call in enumerate(calls) if call == "write"]
    new = new_content(SIZE)
    for stop in range(len(calls) + 1):
        directory = tmp_path / f"kill-{stop}"
        directory.mkdir()
        target = directory / "village.json"
        target.write_bytes(OLD)
        process = writer(target, stop)
        assert process.stdout is not None
        halted = process.stdout.readline().strip()
        assert halted == (f"before {stop} {calls[stop]}" if stop < len(calls) else "done")
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=STUCK)
        assert process.returncode == -signal.SIGKILL

        content = target.read_bytes()
        assert content == (OLD if stop <= replaced_at else new), f"killed {halted}"
        leftovers = [path for path in directory.iterdir() if path != target]
        for temporary in leftovers:  # killed before the rename: a prefix of the new content
            assert temporary.name.startswith(".village.json.") and stop <= replaced_at
            assert new.startswith(temporary.read_bytes())
        if writes[0] < stop <= writes[-1]:  # between two writes: the temporary file is torn
            (temporary,) = leftovers
            assert 0 < len(temporary.read_bytes()) < len(new)


def test_atomic_write_makes_the_directory_and_sets_the_mode(tmp_path: Path) -> None:
    target = tmp_path / "state" / "trusted-time"
    atomic_write(target, b"1718000000.000\n", mode=0o600)
    atomic_write(target, b"1718000100.000\n", mode=0o600)
    assert target.read_bytes() == b"1718000100.000\n"
    assert target.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in target.parent.iterdir()] == ["trusted-time"]  # nothing left over


def open_descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_a_directory_fsync_that_fails_is_reported_and_leaks_nothing() -> None:
    # The kernel refuses fsync on procfs directories: a real failing fsync.
    before = open_descriptors()
    with pytest.raises(OSError) as failed:
        fsync_directory(Path("/proc"))
    assert failed.value.errno == errno.EINVAL
    assert open_descriptors() == before


def test_a_directory_fsync_of_a_file_is_refused(tmp_path: Path) -> None:
    file = tmp_path / "not-a-directory"
    file.write_bytes(b"")
    before = open_descriptors()
    with pytest.raises(NotADirectoryError):
        fsync_directory(file)
    assert open_descriptors() == before
