"""Append latency, write amplification and memory of the outbox, side by side
with plain tinydb (JSONStorage, the baseline named in the sync issue) and
SQLite (WAL, synchronous=FULL, the alternative it names), in one run.

    .venv/bin/python bench/outbox_append.py [--quick]

Each store is preloaded to the backlog (1k, 10k, 100k events) by the fastest
means it has, then timed over single appends of a ~300-byte event, each one
durable when the call returns. Bytes written are read from /proc/self/io:
``wchar`` (bytes handed to write(2)) and ``write_bytes`` (bytes sent to the
block device). RSS is measured in a fresh process holding a 100k backlog.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sync.outbox import Outbox

try:
    from tinydb import TinyDB
    from tinydb.storages import JSONStorage
except ImportError:
    sys.exit("outbox_append.py: tinydb, the baseline, is not installed: "
             "pip install -e '.[bench]'")

PAYLOAD = {"kind": "complaint", "item": "village-works-07",
           "text": "村道路灯坏了三盏，请尽快修理。" * 3,
           "phone": None, "anonymous": True, "answer_due": "2026-12-05"}
EVENT_BYTES = len(json.dumps({"id": "0" * 26, "stream": "complaint", "created": 0.0,
                              "payload": PAYLOAD}, ensure_ascii=False).encode())


def io_counters() -> tuple[int, int]:
    fields = dict(line.split(": ") for line in Path("/proc/self/io").read_text().splitlines())
    return int(fields["wchar"]), int(fields["write_bytes"])


def measure(append: Callable[[], object], samples: int) -> dict[str, float]:
    # A backlog builds up over hours, not in the last second: let the kernel
    # write the preload out first, so that its writeback is not timed.
    os.sync()
    times = []
    wchar0, block0 = io_counters()
    for _ in range(samples):
        started = time.perf_counter()
        append()
        times.append(time.perf_counter() - started)
    wchar1, block1 = io_counters()
    times.sort()
    return {
        "p50_ms": 1000 * statistics.median(times),
        "p99_ms": 1000 * times[min(len(times) - 1, int(len(times) * 0.99))],
        "wchar_per_event": (wchar1 - wchar0) / samples,
        "block_bytes_per_event": (block1 - block0) / samples,
    }


def bench_outbox(directory: Path, backlog: int, samples: int) -> dict[str, float]:
    box = Outbox(directory / "outbox")
    for _ in range(backlog):
        box.append("complaint", PAYLOAD)
    result = measure(lambda: box.append("complaint", PAYLOAD), samples)
    box.close()
    return result


def bench_tinydb(directory: Path, backlog: int, samples: int) -> dict[str, float]:
    path = directory / "tiny.json"
    preload = {"_default": {str(i + 1): {"stream": "complaint", "payload": PAYLOAD}
                            for i in range(backlog)}}
    path.write_text(json.dumps(preload, ensure_ascii=False))
    # JSONStorage rewrites the whole file in place (seek, write, flush, fsync,
    # truncate) on every insert.
    db = TinyDB(path, storage=JSONStorage)
    result = measure(lambda: db.insert({"stream": "complaint", "payload": PAYLOAD}), samples)
    db.close()
    return result


def bench_sqlite(directory: Path, backlog: int, samples: int) -> dict[str, float]:
    db = sqlite3.connect(directory / "outbox.sqlite", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, stream TEXT, body TEXT)")
    body = json.dumps(PAYLOAD, ensure_ascii=False)
    db.execute("BEGIN")
    db.executemany("INSERT INTO events (stream, body) VALUES (?, ?)",
                   (("complaint", body) for _ in range(backlog)))
    db.execute("COMMIT")
    result = measure(lambda: db.execute("INSERT INTO events (stream, body) VALUES (?, ?)",
                                        ("complaint", body)), samples)
    db.close()
    return result


def peak_rss_mb() -> int:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss, it is not
    inherited from the parent that forked us)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) // 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def rss_child(backlog: int) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        box = Outbox(Path(scratch) / "outbox")
        for _ in range(backlog):
            box.append("complaint", PAYLOAD)
        box.close()
        reader = Outbox(Path(scratch) / "outbox")
        stats = reader.stats()
        batch = reader.pending(500)
        assert stats.pending == backlog and len(batch) == 500
        print(peak_rss_mb())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller samples (a smoke run)")
    parser.add_argument("--rss-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rss_child:
        rss_child(args.rss_child)
        return
    backlogs = (1_000, 10_000, 100_000)
    stores: dict[str, Callable[[Path, int, int], dict[str, float]]] = {
        "outbox": bench_outbox, "sqlite-wal-full": bench_sqlite, "tinydb-json": bench_tinydb,
    }
    print(f"event size {EVENT_BYTES} bytes; every append durable unless noted\n")
    print(f"{'store':<16} {'backlog':>8} {'p50 ms':>9} {'p99 ms':>9} "
          f"{'wchar/ev':>10} {'wamp':>6} {'disk B/ev':>10}")
    results: dict[tuple[str, int], dict[str, float]] = {}
    for backlog in backlogs:
        for name, bench in stores.items():
            samples = 2000 if name != "tinydb-json" else max(5, 2_000_000 // backlog // 10)
            if args.quick:
                samples = max(5, samples // 10)
            with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_DIR")) as scratch:
                result = bench(Path(scratch), backlog, samples)
            results[(name, backlog)] = result
            print(f"{name:<16} {backlog:>8} {result['p50_ms']:>9.3f} {result['p99_ms']:>9.3f} "
                  f"{result['wchar_per_event']:>10.0f} "
                  f"{result['wchar_per_event'] / EVENT_BYTES:>6.2f} "
                  f"{result['block_bytes_per_event']:>10.0f}", flush=True)
    print()
    flat = results[("outbox", 100_000)]["p99_ms"] / results[("outbox", 1_000)]["p99_ms"]
    print(f"outbox p99 at 100k / at 1k: {flat:.2f}x (target at most 1.5x)")
    for backlog in backlogs:
        ratio = results[("tinydb-json", backlog)]["p50_ms"] / results[("outbox", backlog)]["p50_ms"]
        print(f"tinydb / outbox p50 at {backlog:>7,}: {ratio:,.0f}x faster (target 100x at 10k)")
    rss = subprocess.run([sys.executable, __file__, "--rss-child", "100000"],
                         capture_output=True, text=True, check=True).stdout.strip()
    print(f"outbox reader RSS with a 100k backlog: {rss} MB (target at most 80 MB)")


if __name__ == "__main__":
    main()
