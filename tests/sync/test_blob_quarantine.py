"""One bad photo never blocks the queue: a photo whose stored bytes no longer
have its sha256 (one flipped bit, as a bad SD-card sector makes) or that the
county refuses for good is set aside with a note and an event that tells the
county; the events that name it, and every other event, still go. What may
pass (a county failing, the device's clock) is retried and sets nothing
aside."""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

import pytest

from county import operator
from county.datadir import existing_county
from county.server import CountyServer
from county.store import Store
from sync.agent import SyncAgent, SyncSettings
from sync.blob_quarantine import QUARANTINE_STREAM
from sync.client import CountyClient, CountyRefused, CountyUnreachable
from sync.identity import load_or_create_device_key
from sync.outbox import Outbox
from tests.sync.conftest import DEVICE, Station
from tests.sync.fault_proxy import FaultProxy
from tests.sync.test_sync_cli import DEVICE as CLI_DEVICE
from tests.sync.test_sync_cli import cli, write_config


def flip_a_bit(path: Path, at: int = 1000) -> None:
    data = bytearray(path.read_bytes())
    data[at] ^= 0x10
    path.write_bytes(bytes(data))


def county_events(county: CountyServer, device: str) -> list[tuple[str, str, dict[str, object]]]:
    with Store.open(existing_county(county.data_dir).database) as store:
        return store.device_events(device)


def enroll_other(client: CountyClient, county: CountyServer) -> None:
    code = operator.make_enroll_code(county.data_dir, client.device_id)
    client.enroll(code, "kiosk", "330226100201", county.public_key)


def county_blob(county: CountyServer, digest: str) -> bool:
    return (county.data_dir / "blobs" / digest).is_file()


def test_a_flipped_bit_in_one_photo_stops_none_of_the_30_events(
    tmp_path: Path, county: CountyServer
) -> None:
    """The reproduction of the issue, as a technician meets it: real processes."""
    config, state = write_config(tmp_path, county.url, county.public_key)
    code = operator.make_enroll_code(county.data_dir, CLI_DEVICE)
    assert cli(config, "sync", "enroll", "--code", code).returncode == 0
    photos = [os.urandom(3000 + n) for n in range(30)]
    with Outbox(state / "outbox") as outbox:
        digests = [outbox.put_blob(photo) for photo in photos]
        ids = [outbox.append("alarm", {"code": "door", "n": n, "blobs": [digest]})
               for n, digest in enumerate(digests)]
    bad = digests[7]
    flip_a_bit(state / "outbox" / "blobs" / bad)

    first = cli(config, "sync", "run", "--once")

    assert first.returncode == 0, first.stderr
    assert "0 still waiting" in first.stdout
    stored = county_events(county, CLI_DEVICE)
    assert [event_id for event_id, stream, _ in stored if stream == "alarm"] == ids
    [(_, _, told)] = [event for event in stored if event[1] == QUARANTINE_STREAM]
    assert told["blob"] == bad and told["events"] == [ids[7]]
    assert "damaged" in str(told["why"])
    assert all(county_blob(county, digest) for digest in digests if digest != bad)
    assert not county_blob(county, bad)
    aside = state / "outbox" / "quarantine" / "blobs"
    assert (aside / bad).read_bytes() != photos[7]  # kept, as found, for whoever looks
    assert json.loads((aside / f"{bad}.json").read_text())["events"] == [ids[7]]
    assert not (state / "outbox" / "blobs" / bad).exists()
    assert "will not be sent" in first.stderr and bad in first.stderr

    again = cli(config, "sync", "run", "--once")
    assert again.returncode == 0 and "sent 0 events" in again.stdout
    status = json.loads(cli(config, "sync", "status", "--json").stdout)
    assert status["blobs_quarantined"] == 1 and status["backlog"] == 0
    assert "photos set aside  1" in cli(config, "sync", "status").stdout


def test_a_photo_the_county_refuses_for_good_is_set_aside(station: Station) -> None:
    too_big = os.urandom(16 * 1024 * 1024 + 1)  # over the 16 MiB a blob may have
    digest = station.outbox.put_blob(too_big)
    small = station.outbox.put_blob(b"a receipt")
    named = station.outbox.append("seal.request", {"req": "R1", "blobs": [digest, small]})
    after = station.outbox.append("service", {"text": "路灯坏了"})

    station.agent(station.county.url).run_once()

    stored = county_events(station.county, DEVICE)
    assert [event_id for event_id, _, _ in stored][:2] == [named, after]
    [told] = [payload for _, stream, payload in stored if stream == QUARANTINE_STREAM]
    assert told["blob"] == digest and told["events"] == [named]
    assert "the county refused it (413 too_large" in str(told["why"])
    assert county_blob(station.county, small)
    assert station.outbox.stats().pending == 0


def test_a_county_that_fails_for_a_while_sets_nothing_aside(station: Station) -> None:
    photo = os.urandom(50_000)
    digest = station.outbox.put_blob(photo)
    station.outbox.append("alarm", {"code": "tilt", "blobs": [digest]})
    agent = station.agent(station.county.url)
    with FaultProxy(station.county.url, iter(["pass", "error", "busy", "error"]),
                    stall_seconds=0) as proxy:
        failing = station.agent(proxy.url)
        for _ in range(3):
            with pytest.raises(CountyUnreachable):
                failing.run_once()
    assert not agent.quarantine.holds(digest)
    agent.run_once()
    assert county_blob(station.county, digest)
    assert station.outbox.stats().pending == 0
    assert not any(s == QUARANTINE_STREAM for _, s, _ in county_events(station.county, DEVICE))


def test_a_refusal_of_the_request_not_the_photo_sets_nothing_aside(
    station: Station, tmp_path: Path
) -> None:
    digest = station.outbox.put_blob(b"photo of the register" * 100)
    station.outbox.append("alarm", {"code": "tilt", "blobs": [digest]})
    key = load_or_create_device_key(station.state / "device.key")
    late = CountyClient(station.county.url, DEVICE, key, station.county.public_key,
                        clock=lambda: time.time() - 3600)  # a clock an hour behind
    agent = SyncAgent(station.outbox, late, station.feed, tmp_path / "status.json",
                      SyncSettings())
    with pytest.raises(CountyRefused) as refused:
        agent.run_once()
    assert refused.value.status == 401
    assert not agent.quarantine.holds(digest)
    assert station.outbox.blob_path(digest).exists()
    assert station.outbox.stats().pending == 1


def test_an_event_the_county_would_refuse_whole_is_set_aside_before_sending(
    station: Station,
) -> None:
    """Nested past the depth of a whole body, the county could not even say which
    event of the batch is wrong: the device sees it first."""
    nested: object = "deep"
    for _ in range(70):
        nested = {"a": nested}
    bad = station.outbox.append("service", {"text": nested})
    good = station.outbox.append("service", {"text": "垃圾清运不及时"})

    agent = station.agent(station.county.url)
    agent.run_once()

    assert [event_id for event_id, _, _ in county_events(station.county, DEVICE)] == [good]
    record = json.loads((station.outbox.directory / "refused" / f"{bad}.json").read_text())
    assert "nests deeper than 32 levels" in record["refused"]
    assert agent.status.events_refused == 1


def test_the_quarantine_is_keyed_by_the_photo_so_it_is_said_once(station: Station) -> None:
    photo = os.urandom(5000)
    digest = station.outbox.put_blob(photo)
    first = station.outbox.append("alarm", {"code": "door", "blobs": [digest]})
    second = station.outbox.append("alarm", {"code": "door", "blobs": [digest]})
    flip_a_bit(station.outbox.blob_path(digest), at=10)
    assert hashlib.sha256(station.outbox.blob_path(digest).read_bytes()).hexdigest() != digest

    station.agent(station.county.url, SyncSettings(batch_events=1)).run_once()

    stored = county_events(station.county, DEVICE)
    told = [payload for _, stream, payload in stored if stream == QUARANTINE_STREAM]
    assert [t["events"] for t in told] == [[first]]
    assert {first, second} <= {event_id for event_id, _, _ in stored}


@pytest.mark.parametrize("planted_size", ["another size", "the same size"])
def test_bytes_another_device_plants_under_a_photo_s_sha256_spoil_nothing(
    planted_size: str, station: Station, tmp_path: Path
) -> None:
    """Another enrolled device that learnt a photo's sha256 (it travels in the
    path) starts an upload of it with one wrong byte: the owner's upload is
    its own, so the photo arrives whole and nothing is set aside."""
    photo = os.urandom(50_000)
    digest = station.outbox.put_blob(photo)
    event = station.outbox.append("alarm", {"code": "forced_press", "blobs": [digest]})
    other = "ve-330226100201-kiosk9"
    other_key = load_or_create_device_key(tmp_path / "other.key")
    county = station.county
    client = CountyClient(county.url, other, other_key, county.public_key)
    enroll_other(client, county)
    size = len(photo) + 1 if planted_size == "another size" else len(photo)
    assert client.put_blob_chunk(digest, 0, size, b"\x00") == (1, False)
    client.close()

    station.agent(county.url).run_once()

    assert county_blob(county, digest)
    assert (county.data_dir / "blobs" / digest).read_bytes() == photo
    assert not (station.outbox.directory / "quarantine" / "blobs" / f"{digest}.json").exists()
    assert station.stored_ids() == [event]


def test_a_photo_whose_copy_at_the_county_went_bad_is_sent_again_from_the_start(
    station: Station,
) -> None:
    """The county's partial copy is damaged between two rounds (its disk): the
    last chunk ends in 422 digest_mismatch and the county discards the copy.
    The photo was checked on the device, so it goes again from offset 0
    rather than being set aside."""
    photo = os.urandom(60_000)
    digest = station.outbox.put_blob(photo)
    event = station.outbox.append("alarm", {"code": "door", "blobs": [digest]})
    settings = SyncSettings(blob_chunk_bytes=20_000)
    script = iter(["pass", "pass", "reset"])  # status, first chunk, then the link drops
    with (FaultProxy(station.county.url, script, stall_seconds=0) as proxy,
          pytest.raises(CountyUnreachable)):
        station.agent(proxy.url, settings).run_once()
    [partial] = (station.county.data_dir / "blobs").glob(f"{digest}*.part")
    flip_a_bit(partial, at=5)

    agent = station.agent(station.county.url, settings)
    agent.run_once()

    assert (station.county.data_dir / "blobs" / digest).read_bytes() == photo
    assert agent.status.blobs_quarantined == 0
    assert station.stored_ids() == [event]
