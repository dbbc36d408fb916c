"""Every stamp a station recorded, with its photo, as the supervisor sees them
(``village-edge county stamps`` and ``stamp-photo``), at a real county that
received the ledger and the photos over HTTP."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from county.server import CountyServer
from county.stamps import station_stamps
from protocol.ledger_chain import GENESIS, record_hash
from tests.county.conftest import Device
from tests.county.test_county_approvals import cli, fails, post
from tests.county.test_county_blobs import put

STATION = "ve-330226100201-seal1"


def ledger(*records: tuple[str, dict[str, Any]]) -> list[dict[str, Any]]:
    events, prev = [], GENESIS
    for seq, (kind, fields) in enumerate(records, start=1):
        record: dict[str, Any] = {"seq": seq, "prev": prev, "at": 1714550000.0 + seq,
                                  "kind": kind, **fields}
        record["hash"] = prev = record_hash(record)
        events.append({"id": f"l{seq}", "stream": "seal.ledger", "created": record["at"],
                       "payload": record})
    return events


def upload(device: Device, photo: bytes) -> str:
    digest = hashlib.sha256(photo).hexdigest()
    assert put(device, digest, 0, len(photo), photo).json()["complete"] is True
    return digest


def a_session(photos: list[str]) -> list[dict[str, Any]]:
    return ledger(
        ("requested", {"req": "R1-0a1b2c3d4e", "slot": "committee", "uses": 3,
                       "photo": photos[0]}),
        ("approved", {"aid": "A-0123456789ab", "req": "R1-0a1b2c3d4e", "slot": "committee",
                      "uses": 3}),
        ("stamp", {"aid": "A-0123456789ab", "slot": "committee", "n": 1, "remaining": 2,
                   "photo": photos[1]}),
        ("stamp", {"aid": "A-0123456789ab", "slot": "committee", "n": 2, "remaining": 1,
                   "photo": photos[2]}),
        ("stamp", {"aid": "A-0123456789ab", "slot": "committee", "n": 3, "remaining": 0}),
        ("used_up", {"aid": "A-0123456789ab", "slot": "committee", "remaining": 0}),
    )


def test_each_stamp_is_listed_with_its_photo_and_whether_the_county_holds_it(
    device: Device, county: CountyServer, data_dir: Path
) -> None:
    photos = [os.urandom(5000 + n) for n in range(3)]
    held = [upload(device, photo) for photo in photos[:2]]
    missing = hashlib.sha256(photos[2]).hexdigest()  # its upload has not come yet
    post(device, *a_session([*held, missing]))

    [station] = station_stamps(data_dir)
    assert station.device_id == STATION and station.chain.ok
    assert [(s.seq, s.slot, s.aid, s.n, s.uses, s.photo, s.photo_held, s.verified)
            for s in station.stamps] == [
        (3, "committee", "A-0123456789ab", 1, 3, held[1], True, True),
        (4, "committee", "A-0123456789ab", 2, 3, missing, False, True),
        (5, "committee", "A-0123456789ab", 3, 3, None, False, True),
    ]
    assert station.photos_held == 1

    listed = cli(data_dir, "stamps")
    assert listed.status == 0
    lines = listed.out.splitlines()
    assert lines[0] == f"{STATION}: 3 stamps, 1 photos held; chain OK"
    assert "stamp 1 of 3" in lines[1] and f"photo {held[1][:16]} held" in lines[1]
    assert "NOT YET HERE" in lines[2] and "no photo" in lines[3]
    as_json = json.loads(cli(data_dir, "stamps", "--json", "--device", STATION).out)
    assert as_json[0]["photos_held"] == 1 and len(as_json[0]["stamps"]) == 3


def test_a_stamps_photo_is_saved_to_a_file_checked(
    device: Device, county: CountyServer, data_dir: Path, tmp_path: Path
) -> None:
    photos = [os.urandom(7000 + n) for n in range(3)]
    digests = [upload(device, photo) for photo in photos]
    post(device, *a_session(digests))
    saved = cli(data_dir, "stamp-photo", "--device", STATION, "--seq", "4",
                "--out", str(tmp_path / "page.jpg"))
    assert saved.status == 0, saved.err
    assert (tmp_path / "page.jpg").read_bytes() == photos[2]

    for seq, why in (("1", "has no stamp record with seq 1"),
                     ("5", "names no photo (the camera failed")):
        refused = fails(data_dir, "stamp-photo", "--device", STATION, "--seq", seq,
                        "--out", str(tmp_path / "other.jpg"))
        assert refused.status == 65 and why in refused.error
    (data_dir / "blobs" / digests[1]).write_bytes(b"changed behind the county's back")
    damaged = fails(data_dir, "stamp-photo", "--device", STATION, "--seq", "3",
                    "--out", str(tmp_path / "other.jpg"))
    assert "is damaged" in damaged.error
    assert not (tmp_path / "other.jpg").exists()
    unknown = fails(data_dir, "stamps", "--device", "ve-nobody-1")
    assert unknown.status == 65 and "no device 've-nobody-1'" in unknown.error


def test_stamps_after_a_break_in_the_chain_are_marked_unverified(
    device: Device, county: CountyServer, data_dir: Path
) -> None:
    photos = [upload(device, os.urandom(3000 + n)) for n in range(3)]
    events = a_session(photos)
    events[2]["payload"]["n"] = 9  # seq 3 altered after it was chained
    post(device, *events)
    [station] = station_stamps(data_dir)
    assert not station.chain.ok and station.chain.first_bad_seq == 3
    assert [s.verified for s in station.stamps] == [False, False, False]
    assert "chain BROKEN at seq 3" in cli(data_dir, "stamps").out
