"""The device's own disk full or read-only, on a real tiny file system (a
tmpfs mounted for the test, remounted read-only), with ``village-edge sync``
as real processes: one clear line and status 74, ``sync status`` shows the
error, nothing acknowledged that is not stored, nothing lost, and the daemon
lives through it and carries on once the disk is fine again."""

from __future__ import annotations

import contextlib
import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from county import operator
from county.server import CountyServer
from sync.outbox import Outbox
from tests.conftest import REPO, wait_until
from tests.sync.test_sync_cli import DEVICE, cli, stored, write_config

IO_ERROR = 74


@pytest.fixture
def tiny(tmp_path: Path) -> Iterator[Path]:
    """A 4 MiB file system of its own."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], check=True)
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=True)


@contextlib.contextmanager
def full(disk: Path) -> Iterator[None]:
    """*disk* with no byte free, until the block ends."""
    filler = disk / "filler"
    with filler.open("wb") as file, contextlib.suppress(OSError):
        while True:
            file.write(bytes(64 * 1024))
            file.flush()
    try:
        yield
    finally:
        filler.unlink()


def remount(disk: Path, mode: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{mode}", str(disk)], check=True)


def the_error(result: subprocess.CompletedProcess[str]) -> str:
    """The one line that says why ``sync run`` failed: the last on stderr,
    after at most the outbox's log of giving up its reserve and the agent's
    of a photo it skips; no traceback."""
    assert result.stdout == "" and "Traceback" not in result.stderr
    *logged, line = result.stderr.splitlines()
    assert all(" sync.outbox " in entry or " sync.agent " in entry
               for entry in logged), result.stderr
    assert line.startswith("village-edge sync run: ")
    return line


def enrolled_device(tiny: Path, county: CountyServer) -> tuple[Path, Path]:
    config, state = write_config(tiny, county.url, county.public_key)
    code = operator.make_enroll_code(county.data_dir, DEVICE)
    assert cli(config, "sync", "enroll", "--code", code).returncode == 0
    return config, state


def status(config: Path) -> dict[str, object]:
    return dict(json.loads(cli(config, "sync", "status", "--json").stdout))


def held(state: Path, name: str) -> bool:
    return (state / "feed" / "disclosure" / f"{name}.json").is_file()


def test_a_full_disk_while_a_document_arrives(tiny: Path, county: CountyServer) -> None:
    config, state = enrolled_device(tiny, county)
    with Outbox(state / "outbox") as outbox:
        appended = [outbox.append("service", {"n": n}) for n in range(20)]
    operator.publish(county.data_dir, "disclosure", "budget", {"text": "村级财务公开" * 50_000})

    with full(tiny):
        result = cli(config, "sync", "run", "--once")
        assert result.returncode == IO_ERROR
        line = the_error(result)
        assert f"the disk holding {state} is full" in line and "free some space" in line
        shown = status(config)
        assert "is full" in str(shown["last_error"])
        assert "last error    the disk holding" in cli(config, "sync", "status").stdout

    assert not held(state, "budget")  # not stored, so not taken: fetched again below
    assert sorted(stored(county)) == sorted(appended)  # the events went, acknowledged
    again = cli(config, "sync", "run", "--once")
    assert again.returncode == 0, again.stderr
    assert "0 still waiting" in again.stdout
    assert held(state, "budget")
    assert sorted(stored(county)) == sorted(appended)


def test_a_read_only_disk_sends_what_it_holds_and_loses_nothing(
    tiny: Path, county: CountyServer
) -> None:
    config, state = enrolled_device(tiny, county)
    with Outbox(state / "outbox") as outbox:
        appended = [outbox.append("seal.ledger", {"seq": n}) for n in range(1, 31)]

    remount(tiny, "ro")
    try:
        result = cli(config, "sync", "run", "--once")
        assert result.returncode == IO_ERROR
        line = the_error(result)
        assert f"the disk holding {state} is read-only" in line and "check or replace" in line
        assert sorted(stored(county)) == sorted(appended)  # rescued from a failing card
        shown = status(config)
        assert shown["backlog"] == 30  # nothing could be acknowledged
        assert "read-only" in str(shown["last_error"]) and shown["disk_problem"]
    finally:
        remount(tiny, "rw")

    again = cli(config, "sync", "run", "--once")
    assert again.returncode == 0, again.stderr
    assert status(config)["backlog"] == 0
    ids = stored(county)
    assert len(ids) == len(set(ids)) == 30  # sent twice, stored once
    assert operator.stats(county.data_dir)["duplicates_rejected"] == 30


def test_the_daemon_lives_through_a_full_disk(tiny: Path, county: CountyServer) -> None:
    config, state = enrolled_device(tiny, county)
    operator.publish(county.data_dir, "disclosure", "budget", {"text": "村务公开" * 50_000})
    with full(tiny):
        daemon = subprocess.Popen(
            [sys.executable, "-m", "village_edge", "--config", str(config), "sync", "run"],
            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        assert daemon.stdout is not None and "sync agent running" in daemon.stdout.readline()
        assert wait_until(lambda: "is full" in str(status(config)["last_error"]), timeout=60)
        assert daemon.poll() is None  # still running
    with Outbox(state / "outbox") as outbox:
        late = outbox.append("service", {"text": "路灯坏了"})
    assert wait_until(lambda: held(state, "budget") and late in stored(county), timeout=120)
    daemon.send_signal(signal.SIGTERM)
    assert daemon.wait(timeout=30) == 0
    assert daemon.stderr is not None
    errors = [line for line in daemon.stderr.read().splitlines() if "ERROR" in line]
    assert errors and all("is full" in line and "next try in" in line for line in errors)


def damaged_photo(outbox: Outbox) -> tuple[str, str]:
    """(the photo's sha256, the event naming it): a photo with a flipped bit,
    what a failing card that then goes read-only also does."""
    digest = outbox.put_blob(bytes(range(256)) * 160)
    path = outbox.blob_path(digest)
    data = bytearray(path.read_bytes())
    data[100] ^= 1
    path.write_bytes(bytes(data))
    return digest, outbox.append("alarm", {"code": "lid", "blobs": [digest]})


def quarantined(state: Path, digest: str) -> bool:
    return (state / "outbox" / "quarantine" / "blobs" / f"{digest}.json").is_file()


def test_a_damaged_photo_on_a_read_only_disk_holds_up_none_of_the_events(
    tiny: Path, county: CountyServer
) -> None:
    config, state = enrolled_device(tiny, county)
    with Outbox(state / "outbox") as outbox:
        digest, alarm = damaged_photo(outbox)
        appended = [alarm] + [outbox.append("seal.ledger", {"seq": n}) for n in range(1, 31)]

    remount(tiny, "ro")
    try:
        result = cli(config, "sync", "run", "--once")
        assert result.returncode == IO_ERROR
        assert "is read-only" in the_error(result)
        assert sorted(stored(county)) == sorted(appended)  # the photo missing, for now
        assert not quarantined(state, digest)  # could not be recorded yet
    finally:
        remount(tiny, "rw")

    again = cli(config, "sync", "run", "--once")
    assert again.returncode == 0, again.stderr
    assert quarantined(state, digest)  # recorded once the card takes it
    ids = stored(county)
    assert set(appended) < set(ids) and len(ids) == len(set(ids)) == len(appended) + 1
    assert status(config)["backlog"] == 0


def test_a_damaged_photo_on_a_full_disk_holds_up_none_of_the_events(
    tiny: Path, county: CountyServer
) -> None:
    """The card is full of the very events waiting to go: only sending them
    frees space, so the photo's quarantine, which cannot be written first,
    must not hold them up."""
    config, state = enrolled_device(tiny, county)
    with Outbox(state / "outbox") as outbox:
        digest, alarm = damaged_photo(outbox)
        appended = [alarm]
        with contextlib.suppress(OSError):
            while True:
                appended.append(outbox.append("service", {"text": "路灯坏了" * 200}))

    result = cli(config, "sync", "run", "--once")
    assert "Traceback" not in result.stderr
    assert set(appended) <= set(stored(county))
    assert cli(config, "sync", "run", "--once").returncode == 0
    assert quarantined(state, digest)
    assert status(config)["backlog"] == 0
    ids = stored(county)
    assert len(ids) == len(set(ids)) == len(appended) + 1  # and the county told of the photo


def test_a_read_only_disk_sends_a_backlog_longer_than_a_batch(
    tiny: Path, county: CountyServer
) -> None:
    config, state = enrolled_device(tiny, county)
    with Outbox(state / "outbox") as outbox:
        appended = [outbox.append("seal.ledger", {"seq": n}) for n in range(1, 1201)]

    remount(tiny, "ro")
    try:
        result = cli(config, "sync", "run", "--once")
        assert result.returncode == IO_ERROR
        assert "is read-only" in the_error(result)
        ids = stored(county)
        assert sorted(ids) == sorted(appended)  # every batch, not only the first
        assert len(ids) == len(set(ids))
        assert status(config)["backlog"] == 1200  # nothing could be acknowledged
    finally:
        remount(tiny, "rw")
    assert cli(config, "sync", "run", "--once").returncode == 0
    assert status(config)["backlog"] == 0
