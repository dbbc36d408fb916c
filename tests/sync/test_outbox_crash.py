"""SIGKILL of real writer and acker processes in the middle of their work:
every append and every ack that returned is there after restart, nothing is
corrupt beyond a torn last write, nothing appears twice. Each process is
killed once it has reported a number of stored appends or acks chosen by the
test (it goes on working while the signal is on its way), never after a
sleep: how much work a kill interrupts does not depend on the machine's speed."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
from pathlib import Path

from sync.outbox import Outbox
from tests.conftest import REPO

ITERATIONS = 25


def _start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, str(REPO / "tests/programs/outbox_writer.py"), *args],
                            cwd=REPO, stdout=subprocess.PIPE, text=True)


def _kill_after(process: subprocess.Popen[str], lines: int) -> list[str]:
    """SIGKILL *process* once it has printed *lines* lines (or ended by itself);
    every id it printed, those after the kill's arrival included."""
    assert process.stdout is not None
    seen = [process.stdout.readline() for _ in range(lines)]
    process.send_signal(signal.SIGKILL)
    rest = process.stdout.read()  # through the same buffer: readline() may have read ahead
    process.wait(timeout=60)
    return " ".join([*seen, rest]).split()


def test_killed_writers_lose_nothing_that_was_stored(tmp_path: Path) -> None:
    rng = random.Random(20261121)
    directory = tmp_path / "o"
    Outbox(directory).close()
    stored: list[str] = []
    for _ in range(ITERATIONS):
        writer = _start(str(directory), "append", rng.choice(["complaint", "heartbeat"]), "5000")
        stored += _kill_after(writer, rng.randint(11, 400))
    assert len(stored) > ITERATIONS * 10  # the writers really were writing
    with Outbox(directory) as box:
        pending = [e.id for e in box.pending(1_000_000)]
        stats = box.stats()
    assert len(pending) == len(set(pending))  # nothing duplicated
    assert set(stored) <= set(pending)  # every id that was printed survived
    assert len(pending) - len(stored) <= ITERATIONS  # at most one unreported per kill
    assert stats.quarantined <= ITERATIONS  # only torn last writes


def test_killed_ackers_never_lose_or_resurrect_events(tmp_path: Path) -> None:
    rng = random.Random(7)
    directory = tmp_path / "o"
    with Outbox(directory, segment_bytes=16 * 1024) as box:
        appended = {box.append("seal.ledger", {"n": n, "pad": "印" * 40}) for n in range(3000)}
    acked: list[str] = []
    for _ in range(10):
        acker = _start(str(directory), "ack")
        acked += _kill_after(acker, rng.randint(1, 25))
    assert len(acked) >= 10 * 7  # the ackers really were acking
    with Outbox(directory) as box:
        pending = {e.id for e in box.pending(1_000_000)}
        assert box.stats().quarantined <= 10
    assert not pending & set(acked)  # an ack that returned is kept
    assert pending <= appended  # nothing resurrected or invented
    assert len(acked) == len(set(acked))
    lost = appended - pending - set(acked)
    # at most the batches being acked when a kill came: acked but not reported
    assert len(lost) <= 10 * 7
