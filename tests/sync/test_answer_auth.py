"""The device believes only the county: over plain http, through a proxy on
loopback that forges "accepted", replays the county's genuine answers for
other requests, changes signed headers or strips the answer's signature,
nothing is acknowledged that the county did not store, nothing is lost and
nothing is stored twice."""

from __future__ import annotations

import itertools
import json
import os
import random
from pathlib import Path

import pytest

from county import operator
from county.server import CountyServer
from protocol.signing import key_fingerprint
from sync.agent import SyncSettings
from sync.client import CountyClient, UntrustedAnswer
from sync.enrollment import CountyKeyMismatch, EnrollmentError, enroll
from sync.identity import load_or_create_device_key
from tests.sync.conftest import DEVICE, VILLAGE, Station
from tests.sync.fault_proxy import FaultProxy
from tests.sync.test_agent import drain, fill


def test_accepted_answers_forged_on_the_path_lose_no_event(station: Station) -> None:
    appended = fill(station, 50)
    with FaultProxy(station.county.url, itertools.repeat("forge"), stall_seconds=0) as proxy:
        agent = station.agent(proxy.url)
        with pytest.raises(UntrustedAnswer, match="carries no X-VE-Answer-Signature"):
            agent.run_once()
    assert [fault for fault, _, path in proxy.faked if path == "/v1/events"] == ["forge"]
    assert proxy.forwarded == []  # the county never saw the batch...
    assert station.outbox.stats().pending == 50  # ...and the device still holds all of it
    assert "nothing in it was acted on" in (agent.status.last_error or "")

    assert drain(station, station.county.url) == 0
    assert sorted(station.stored_ids()) == sorted(appended)


def test_a_genuine_answer_replayed_for_another_batch_is_not_believed(station: Station) -> None:
    appended = fill(station, 30)
    settings = SyncSettings(batch_events=10)
    script = iter(["pass", "replay"])  # batch 1 reaches the county; its answer comes back for 2
    with FaultProxy(station.county.url, script, stall_seconds=0) as proxy:
        agent = station.agent(proxy.url, settings)
        with pytest.raises(UntrustedAnswer, match="not signed by the county key"):
            agent.run_once()
    assert [fault for fault, _, _ in proxy.faked] == ["replay"]
    assert station.outbox.stats().pending == 20
    assert len(station.stored_ids()) == 10

    drain(station, station.county.url, settings=settings)
    assert sorted(station.stored_ids()) == sorted(appended)


def test_a_blob_chunk_whose_size_was_changed_is_refused_and_the_photo_still_arrives(
    station: Station,
) -> None:
    photo = os.urandom(300_000)
    digest = station.outbox.put_blob(photo)
    station.outbox.append("seal.ledger", {"seq": 1, "blobs": [digest]})
    settings = SyncSettings(blob_chunk_bytes=100_000)
    script = iter(["pass", "mutate"])  # the blob's status, then its first chunk altered
    with FaultProxy(station.county.url, script, stall_seconds=0) as proxy:
        agent = station.agent(proxy.url, settings)
        with pytest.raises(UntrustedAnswer, match=r"\(401\) carries no X-VE-Answer-Signature"):
            agent.run_once()  # the county's "forged" is unsigned: the request was altered
    assert operator.stats(station.county.data_dir)["rejected"]["forged"] == 1
    assert not list((station.county.data_dir / "blobs").glob(f"{digest}*"))  # nothing taken
    assert station.outbox.stats().pending == 1

    drain(station, station.county.url, settings=settings)
    held = station.county.data_dir / "blobs" / digest
    assert held.read_bytes() == photo
    assert not station.outbox.blob_path(digest).exists()


@pytest.mark.parametrize("fault", ["reencode", "remethod", "misroute", "redirect"])
def test_a_refusal_provoked_on_the_path_sets_no_photo_aside(
    fault: str, station: Station,
) -> None:
    """Whoever is on the path alters the photo's requests so that the county
    refuses them before it checks the signature (415, 405, 404), or sends a
    redirect: the device takes none of it as the county's "no". The photo is
    not set aside, and reaches the county once the path is clean."""
    photo = os.urandom(50_000)
    digest = station.outbox.put_blob(photo)
    event = station.outbox.append("alarm", {"code": "forced_press", "blobs": [digest]})
    faults = itertools.cycle([fault])
    with FaultProxy(station.county.url, faults, stall_seconds=0) as proxy:
        agent = station.agent(proxy.url)
        with pytest.raises(UntrustedAnswer):
            agent.run_once()
    assert proxy.seen and set(proxy.seen) == {fault}
    assert agent.status.blobs_quarantined == 0
    assert not (station.outbox.directory / "quarantine" / "blobs" / f"{digest}.json").exists()
    assert station.outbox.blob_path(digest).exists()
    assert station.outbox.stats().pending == 1

    drain(station, station.county.url)
    assert (station.county.data_dir / "blobs" / digest).read_bytes() == photo
    assert station.stored_ids() == [event]


def test_an_answer_stripped_of_its_signature_is_not_acted_on(station: Station) -> None:
    appended = fill(station, 5)
    with (FaultProxy(station.county.url, iter(["strip"]), stall_seconds=0) as proxy,
          pytest.raises(UntrustedAnswer)):
        station.agent(proxy.url).run_once()
    assert len(proxy.forwarded) == 1
    assert len(station.stored_ids()) == 5  # the county has them...
    assert station.outbox.stats().pending == 5  # ...but the device was not told so credibly

    drain(station, station.county.url)
    assert sorted(station.stored_ids()) == sorted(appended)  # sent again, stored once
    assert operator.stats(station.county.data_dir)["duplicates_rejected"] == 5


def test_every_tampering_together_still_ends_with_exactly_the_events_appended(
    station: Station,
) -> None:
    appended = fill(station, 200)
    for n in range(4):
        photo = os.urandom(50_000 + n)
        station.outbox.append("receipt", {"n": n, "blobs": [station.outbox.put_blob(photo)]})
    rng = random.Random(1111)
    faults = ["pass", "pass", "forge", "replay", "mutate", "strip", "tamper", "lost"]
    script = iter([rng.choice(faults) for _ in range(150)])
    settings = SyncSettings(batch_events=20, blob_chunk_bytes=20_000)
    with FaultProxy(station.county.url, script, stall_seconds=0) as proxy:
        failures = drain(station, proxy.url, rounds=300, settings=settings)
    assert failures > 5
    assert {fault for fault, _, _ in proxy.faked} == {"forge", "replay"}
    stored = station.stored_ids()
    assert len(stored) == len(set(stored)) == len(appended) + 4
    assert set(appended) <= set(stored)
    blobs = [p for p in (station.county.data_dir / "blobs").iterdir() if ".part" not in p.name]
    assert len(blobs) == 4


def test_enrollment_refuses_an_answer_signed_by_another_key(
    tmp_path: Path, county: CountyServer
) -> None:
    """Someone in between answers the enrollment with a key of their own and
    signs that answer properly: the device refuses it and keeps nothing."""
    key = load_or_create_device_key(tmp_path / "device" / "device.key")
    with CountyServer(tmp_path / "impostor") as impostor:
        code = operator.make_enroll_code(impostor.data_dir, DEVICE)
        client = CountyClient(impostor.url, DEVICE, key, county.public_key)
        with pytest.raises(EnrollmentError, match="not the pinned county key"):
            enroll(client, code=code, role="seal", village_code=VILLAGE,
                   pinned_key=county.public_key, path=tmp_path / "enrollment.json")
        client.close()
    assert not (tmp_path / "enrollment.json").exists()


def test_enrollment_believes_only_the_signed_answer(tmp_path: Path, county: CountyServer) -> None:
    key = load_or_create_device_key(tmp_path / "device" / "device.key")
    code = operator.make_enroll_code(county.data_dir, DEVICE)
    kept = tmp_path / "enrollment.json"
    with FaultProxy(county.url, iter(["strip"]), stall_seconds=0) as proxy:
        client = CountyClient(proxy.url, DEVICE, key, county.public_key)
        with pytest.raises(UntrustedAnswer, match="carries no X-VE-Answer-Signature"):
            enroll(client, code=code, role="seal", village_code=VILLAGE,
                   pinned_key=county.public_key, path=kept)
        client.close()
    assert not kept.exists()

    client = CountyClient(county.url, DEVICE, key, county.public_key)  # the answer again, intact
    enroll(client, code=code, role="seal", village_code=VILLAGE, pinned_key=county.public_key,
           path=kept)
    client.close()
    assert json.loads(kept.read_text())["county_public_key"] == county.public_key


def test_a_device_pinning_only_a_fingerprint_believes_only_a_signed_enrollment(
    tmp_path: Path, county: CountyServer
) -> None:
    """A boot card pins the county key's fingerprint, not the key: the
    enrollment answer must be signed by the key it names, whose fingerprint
    the device then compares (provision/commission.py)."""
    key = load_or_create_device_key(tmp_path / "device.key")
    code = operator.make_enroll_code(county.data_dir, DEVICE)
    with FaultProxy(county.url, iter(["strip"]), stall_seconds=0) as proxy:
        client = CountyClient(proxy.url, DEVICE, key, "")
        with pytest.raises(UntrustedAnswer, match="carries no X-VE-Answer-Signature"):
            client.enroll(code, "seal", VILLAGE, county.public_key)
        client.close()
    client = CountyClient(county.url, DEVICE, key, "")
    answer = client.enroll(code, "seal", VILLAGE, client.proven_county_key())
    client.close()
    assert key_fingerprint(answer["county_public_key"]) == county.key_fingerprint


def test_the_code_is_shown_only_to_a_county_that_proved_its_key(
    tmp_path: Path, county: CountyServer
) -> None:
    """Before the one-time code leaves the device, the county signs its answer
    to a health request the device signed afresh, with the key it names: a
    server with another key, an answer stripped of its signature or a genuine
    answer replayed for the new request is refused, and the code stays unused."""
    key = load_or_create_device_key(tmp_path / "device.key")
    code = operator.make_enroll_code(county.data_dir, DEVICE)
    kept = tmp_path / "enrollment.json"
    with CountyServer(tmp_path / "impostor") as impostor:
        client = CountyClient(impostor.url, DEVICE, key, "")
        with pytest.raises(CountyKeyMismatch, match="the enrollment code was not used") as error:
            enroll(client, code=code, role="seal", village_code=VILLAGE,
                   pinned_fingerprint=county.key_fingerprint, path=kept)
        client.close()
        assert (error.value.offered, error.value.code_sent) == (impostor.key_fingerprint, False)
        assert operator.stats(impostor.data_dir)["rejected"]["enroll_refused"] == 0
    script = iter(["pass", "strip", "replay"])  # the replay: of the first health answer
    with FaultProxy(county.url, script, stall_seconds=0) as proxy:
        client = CountyClient(proxy.url, DEVICE, key, "")
        assert client.proven_county_key() == county.public_key
        for answer in ("carries no X-VE-Answer-Signature", "not signed by the county key"):
            with pytest.raises(UntrustedAnswer, match=answer):
                enroll(client, code=code, role="seal", village_code=VILLAGE,
                       pinned_fingerprint=county.key_fingerprint, path=kept)
        client.close()
    assert [path for _, path, _ in proxy.forwarded] == ["/v1/health"] * 2  # never /v1/enroll
    assert not kept.exists() and DEVICE not in operator.stats(county.data_dir)["devices"]

    client = CountyClient(county.url, DEVICE, key, "")
    enroll(client, code=code, role="seal", village_code=VILLAGE,
           pinned_fingerprint=county.key_fingerprint, path=kept)
    client.close()
    assert json.loads(kept.read_text())["county_public_key"] == county.public_key


def test_an_enrollment_code_seen_on_the_path_enrolls_no_other_key(
    tmp_path: Path, county: CountyServer
) -> None:
    """Whoever is on a plain-http path reads the device's enrollment and
    presents it first with its own key: the code is sealed to the county key
    with the device's key, so the county refuses the thief, and the device
    enrolls; the thief cannot speak as the device."""
    key = load_or_create_device_key(tmp_path / "device.key")
    code = operator.make_enroll_code(county.data_dir, DEVICE)
    kept = tmp_path / "enrollment.json"
    script = iter(["pass", "thief"])  # the key proof, then the enrollment
    with FaultProxy(county.url, script, stall_seconds=0) as proxy:
        client = CountyClient(proxy.url, DEVICE, key, county.public_key)
        enroll(client, code=code, role="seal", village_code=VILLAGE,
               pinned_key=county.public_key, path=kept)
        client.close()
    [(status, answer)] = proxy.thefts
    assert status == 403 and json.loads(answer)["error"] == "bad_code"
    shown = b"".join(proxy.bodies)
    assert code.encode() not in shown and code.replace("-", "").encode() not in shown
    assert json.loads(kept.read_text())["county_public_key"] == county.public_key
    assert operator.stats(county.data_dir)["rejected"]["enroll_refused"] == 1
