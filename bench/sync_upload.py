"""Upload throughput from a device's outbox to the reference county server on
loopback, batched against one request per event, in one run.

    .venv/bin/python bench/sync_upload.py [--events N]

The county runs as its own process (``village-edge county serve``), as it
would; the device side is the real outbox, client and agent.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from county import operator
from protocol.signing import public_key_from_text
from sync.agent import SyncAgent, SyncSettings
from sync.client import CountyClient
from sync.enrollment import enroll
from sync.feed_store import FeedStore
from sync.identity import load_or_create_device_key
from sync.outbox import Outbox

PAYLOAD = {"kind": "complaint", "item": "BM-05", "text": "村道路灯坏了三盏，请尽快修理。",
           "anonymous": True}


def start_county(data: Path) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "village_edge", "county", "serve", "--port", "0",
         "--data", str(data)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    match = re.search(r"http://[\d.]+:\d+", line)
    if not match:
        process.kill()
        raise RuntimeError(f"county did not start: {line!r}")
    return process, match.group(0)


def run(scratch: Path, url: str, device: str, events: int, batch: int) -> float:
    data = scratch / "county"
    state = scratch / device
    key = load_or_create_device_key(state / "device.key")
    code = operator.make_enroll_code(data, device)
    county_key = operator.county_public_key(data)
    client = CountyClient(url, device, key, county_key)
    enroll(client, code=code, role="seal", village_code="330226100201",
           pinned_key=county_key, path=state / "enrollment.json")
    outbox = Outbox(state / "outbox")
    for _ in range(events):
        outbox.append("complaint", PAYLOAD)
    feed = FeedStore(state / "feed", public_key_from_text(county_key), device, time.time)
    agent = SyncAgent(outbox, client, feed, state / "status.json",
                      SyncSettings(batch_events=batch))
    started = time.perf_counter()
    sent = agent.push()
    elapsed = time.perf_counter() - started
    assert sent == events and outbox.stats().pending == 0
    outbox.close()
    client.close()
    return events / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        server, url = start_county(scratch / "county")
        try:
            batched = run(scratch, url, "ve-bench-batched", args.events, 500)
            single = run(scratch, url, "ve-bench-single", max(200, args.events // 20), 1)
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(f"batched (500 a request): {batched:8,.0f} events/s  (target at least 2,000)")
    print(f"one request per event:   {single:8,.0f} events/s")
    print(f"batched / single:        {batched / single:8.1f}x")


if __name__ == "__main__":
    main()
