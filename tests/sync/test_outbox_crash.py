"""SIGKILL of real writer and acker processes at random moments: every append
and every ack that returned is there after restart, nothing is corrupt beyond
a torn last write, nothing appears twice."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from sync.outbox import Outbox
from tests.conftest import REPO

ITERATIONS = 25


def _start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, str(REPO / "tests/programs/outbox_writer.py"), *args],
                            cwd=REPO, stdout=subprocess.PIPE, text=True)


def _kill_after(process: subprocess.Popen[str], seconds: float) -> list[str]:
    time.sleep(seconds)
    process.send_signal(signal.SIGKILL)
    out, _ = process.communicate(timeout=60)
    return out.split()


def test_killed_writers_lose_nothing_that_was_stored(tmp_path: Path) -> None:
    rng = random.Random(20261121)
    directory = tmp_path / "o"
    Outbox(directory).close()
    stored: list[str] = []
    for _ in range(ITERATIONS):
        writer = _start(str(directory), "append", rng.choice(["complaint", "heartbeat"]), "5000")
        stored += _kill_after(writer, rng.uniform(0.25, 0.6))
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
        acked += _kill_after(acker, rng.uniform(0.1, 0.4))
    with Outbox(directory) as box:
        pending = {e.id for e in box.pending(1_000_000)}
        assert box.stats().quarantined <= 10
    assert not pending & set(acked)  # an ack that returned is kept
    assert pending <= appended  # nothing resurrected or invented
    assert len(acked) == len(set(acked))
    lost = appended - pending - set(acked)
    # at most the batches being acked when a kill came: acked but not reported
    assert len(lost) <= 10 * 7
