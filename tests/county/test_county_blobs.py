"""Blobs upload in chunks that survive an interruption, land only at the
offset the county holds, and are kept only if their sha256 is right."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import requests

from county.server import CountyServer
from tests.county.conftest import Device

MIB = 1024 * 1024


def put(device: Device, digest: str, offset: int, size: int, chunk: bytes) -> requests.Response:
    return device.send("PUT", f"/v1/blobs/{digest}", chunk,
                       {"X-VE-Offset": str(offset), "X-VE-Size": str(size)})


def status(device: Device, digest: str) -> dict:
    response = device.send("GET", f"/v1/blobs/{digest}")
    assert response.status_code == 200, response.text
    return response.json()


def test_an_upload_interrupted_by_a_county_restart_resumes_and_completes(
    device: Device, data_dir: Path, stats
) -> None:
    data = os.urandom(2 * MIB + 12345)
    digest = hashlib.sha256(data).hexdigest()
    chunks = [data[:MIB], data[MIB: 2 * MIB], data[2 * MIB:]]
    assert status(device, digest) == {"received": 0, "complete": False}

    first = put(device, digest, 0, len(data), chunks[0])
    assert first.json() == {"received": MIB, "complete": False}
    device.county.stop()  # the connection drops: the county goes away mid-upload
    with CountyServer(data_dir) as restarted:
        device.county = restarted
        resume_at = status(device, digest)
        assert resume_at == {"received": MIB, "complete": False}
        offset = resume_at["received"]
        for chunk in chunks[1:]:
            answer = put(device, digest, offset, len(data), chunk).json()
            offset = answer["received"]

        assert answer == {"received": len(data), "complete": True}
        assert status(device, digest) == {"received": len(data), "complete": True}
        stored = data_dir / "blobs" / digest
        assert hashlib.sha256(stored.read_bytes()).hexdigest() == digest
        assert not (data_dir / "blobs" / f"{digest}.part").exists()
        assert stats()["blobs"] == {"complete": 1, "partial": 0}


def test_a_chunk_at_the_wrong_offset_is_refused_with_the_right_one(device: Device) -> None:
    data = os.urandom(3000)
    digest = hashlib.sha256(data).hexdigest()
    put(device, digest, 0, len(data), data[:1000])

    response = put(device, digest, 2000, len(data), data[2000:])

    assert response.status_code == 409
    assert response.json()["received"] == 1000
    assert "offset 1000" in response.json()["detail"]
    assert status(device, digest) == {"received": 1000, "complete": False}


def test_a_repeated_chunk_is_a_conflict_not_a_double_append(device: Device) -> None:
    data = os.urandom(3000)
    digest = hashlib.sha256(data).hexdigest()
    put(device, digest, 0, len(data), data[:1000])
    assert put(device, digest, 0, len(data), data[:1000]).status_code == 409
    assert put(device, digest, 1000, len(data), data[1000:]).json()["complete"] is True


def test_corrupted_data_is_refused_and_discarded(device: Device, data_dir: Path) -> None:
    data = os.urandom(5000)
    digest = hashlib.sha256(data).hexdigest()
    put(device, digest, 0, len(data), data[:2500])
    corrupted = bytes([data[2500] ^ 0xFF]) + data[2501:]

    response = put(device, digest, 2500, len(data), corrupted)

    assert response.status_code == 422
    assert "upload the file again from offset 0" in response.json()["detail"]
    assert status(device, digest) == {"received": 0, "complete": False}
    assert list((data_dir / "blobs").iterdir()) == []
    assert put(device, digest, 0, len(data), data).json()["complete"] is True


def test_a_complete_blob_sent_again_is_accepted_as_is(device: Device) -> None:
    data = b"receipt"
    digest = hashlib.sha256(data).hexdigest()
    assert put(device, digest, 0, len(data), data).json()["complete"] is True
    assert put(device, digest, 0, len(data), data).json() == {"received": 7, "complete": True}


def test_a_chunk_over_4_mib_is_too_large(device: Device) -> None:
    data = os.urandom(4 * MIB + 1)
    response = put(device, hashlib.sha256(data).hexdigest(), 0, len(data), data)
    assert response.status_code == 413
    assert "4 MiB" in response.json()["detail"]


def test_a_blob_over_16_mib_is_too_large(device: Device) -> None:
    response = put(device, "a" * 64, 0, 16 * MIB + 1, b"x" * 100)
    assert response.status_code == 413
    assert "16 MiB" in response.json()["detail"]


def test_a_chunk_past_the_declared_size_is_refused(device: Device) -> None:
    response = put(device, "b" * 64, 0, 10, b"x" * 11)
    assert response.status_code == 400
    assert "past the size 10" in response.json()["detail"]


def test_a_blob_is_named_by_its_sha256(device: Device) -> None:
    response = device.send("GET", "/v1/blobs/photo.jpg")
    assert response.status_code == 400
    assert "64 lower-case hex" in response.json()["detail"]


def test_a_chunk_without_offset_is_malformed(device: Device) -> None:
    response = device.send("PUT", "/v1/blobs/" + "c" * 64, b"abc", {"X-VE-Size": "3"})
    assert response.status_code == 400
    assert "X-VE-Offset" in response.json()["detail"]


def test_blobs_need_a_signature(county: CountyServer) -> None:
    response = requests.get(f"{county.url}/v1/blobs/{'d' * 64}", timeout=10)
    assert response.status_code == 401
