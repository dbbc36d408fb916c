"""Clearing a seal station's ledger damage: the county publishes a signed
command, for that station only, naming the damage the station reported; the
operator is told plainly when there is nothing to clear."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from county import operator
from county.ledger_clearing import clear_ledger_damage
from protocol.commands import COMMAND_KIND, read_command
from protocol.documents import SignedDocument
from protocol.signing import public_key_from_text
from tests.county.conftest import Device, enroll, event
from tests.county.test_county_commands import county_cli, county_fails


def report_damage(device: Device, seq: int, event_id: str = "a1") -> None:
    alarm = event(event_id, "alarm", code="ledger_damaged", damage_seq=seq, first_bad_seq=3,
                  problem="record 3: the record at offset 412 fails its checksum", blobs=[])
    response = device.post_events([alarm])
    assert response.status_code == 200, response.text


def commands_for(device: Device) -> list[SignedDocument]:
    page = device.feed().json()
    signed = [SignedDocument.from_wire(entry["signed"]) for entry in page["documents"]]
    return [s for s in signed if s.document.kind == COMMAND_KIND]


def test_the_command_clears_the_latest_damage_for_that_station_only(
    device: Device, data_dir: Path, new_device: Callable[[str], Device]
) -> None:
    report_damage(device, 17, "a1")
    report_damage(device, 29, "a2")
    other = enroll(new_device("ve-330226100201-seal2"), data_dir)
    before = time.time()
    status, out = county_cli("clear-ledger", "--device", device.device_id, "--operator",
                             "zhang.wei", "--data", str(data_dir))
    assert status == 0, out
    assert "record 29" in out and "approve again" in out
    [signed] = commands_for(device)
    key = public_key_from_text(operator.county_public_key(data_dir))
    signed.check(key, device_id=device.device_id, now=time.time(), held_version=None)
    command = read_command(signed.document.body)
    assert (command.device, command.damage_seq, command.operator) == (
        device.device_id, 29, "zhang.wei")
    assert command.issued >= before
    assert commands_for(other) == []  # addressed to one station, never broadcast


def test_clearing_again_publishes_a_newer_version(device: Device, data_dir: Path) -> None:
    report_damage(device, 5)
    first, _ = clear_ledger_damage(data_dir, device.device_id, operator="a", now=1_800_000_000)
    second, _ = clear_ledger_damage(data_dir, device.device_id, operator="b", now=1_800_000_100)
    versions = sorted(s.document.version for s in commands_for(device))
    assert versions == [1, 2] and second.issued > first.issued


@pytest.mark.parametrize(("device_id", "role", "message"), [
    ("ve-330226100201-seal9", None, "no device"),
    ("ve-330226100201-kiosk", "kiosk", "not a seal station"),
    ("ve-330226100201-seal1", "seal", "reported no ledger damage"),
])
def test_nothing_to_clear_is_said_plainly(
    new_device: Callable[[str], Device], data_dir: Path, device_id: str, role: str | None,
    message: str,
) -> None:
    if role is not None:
        made = new_device(device_id)
        assert made.enroll(operator.make_enroll_code(data_dir, device_id), role=role).ok
    ran = county_fails("clear-ledger", "--device", device_id, "--data", str(data_dir))
    assert ran.status == 65  # bad input data: there is nothing to clear
    assert message in ran.error and "Traceback" not in ran.error
