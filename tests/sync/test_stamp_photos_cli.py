"""A station's session from the custodian's request to the last stamp, then
the sync agent, as real processes (``village-edge seal simulate``,
``village-edge sync run --once``) against a real county: every photo the
ledger names reaches the county with its sha256, leaves the SD card, and
the supervisor sees each stamp with its photo (``village-edge county
stamps``)."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

from county import operator
from county.server import CountyServer
from protocol.event_blobs import named_blobs
from seal_controller.ledger import read_ledger
from tests.conftest import REPO
from tests.sync.test_sync_cli import DEVICE, cli, write_config


def test_every_photo_of_a_session_reaches_the_county_and_leaves_the_station(
    tmp_path: Path, county: CountyServer
) -> None:
    config, state = write_config(tmp_path, county.url, county.public_key)
    played = subprocess.run(
        [sys.executable, "-m", "village_edge", "seal", "simulate", "--scenario",
         "approved-session", "--state", str(state)],
        cwd=REPO, capture_output=True, text=True, timeout=300)
    assert played.returncode == 0, played.stdout[-2000:] + played.stderr
    records = read_ledger(state / "ledger" / "ledger.log").records
    stamps = [r for r in records if r["kind"] == "stamp"]
    photos = {d for r in records for d in named_blobs("seal.ledger", r)}
    assert len(stamps) == 2 and {s["photo"] for s in stamps} <= photos
    assert len(photos) >= 3  # the document, and each stamp
    on_card = state / "outbox" / "blobs"
    assert {p.name for p in on_card.iterdir()} >= photos

    code = operator.make_enroll_code(county.data_dir, DEVICE)
    assert cli(config, "sync", "enroll", "--code", code).returncode == 0
    synced = cli(config, "sync", "run", "--once")
    assert synced.returncode == 0, synced.stdout + synced.stderr

    for digest in photos:
        held = county.data_dir / "blobs" / digest
        assert hashlib.sha256(held.read_bytes()).hexdigest() == digest
    assert [p.name for p in on_card.iterdir()] == []  # nothing left on the SD card

    listed = subprocess.run(
        [sys.executable, "-m", "village_edge", "county", "stamps", "--json", "--data",
         str(county.data_dir)], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert listed.returncode == 0, listed.stderr
    [station] = json.loads(listed.stdout)
    assert station["device_id"] == DEVICE and station["chain"]["ok"]
    assert [(s["seq"], s["n"], s["uses"], s["photo"], s["photo_held"])
            for s in station["stamps"]] == [
        (s["seq"], s["n"], s["n"] + s["remaining"], s["photo"], True) for s in stamps]
