"""The operator's functions over a data directory, and the key file."""

from __future__ import annotations

import json
import stat
import time
from pathlib import Path

import pytest

from county import operator
from county.datadir import init_county
from county.errors import CountyError
from county.server import CountyServer
from protocol.signing import public_key_from_text


def test_the_key_is_made_once_private_and_kept_across_restarts(data_dir: Path) -> None:
    with CountyServer(data_dir) as first:
        key = first.public_key
    key_file = data_dir / "county.key"
    assert len(key_file.read_bytes()) == 32
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert [p.name for p in data_dir.iterdir() if p.name.endswith(".tmp")] == []
    with CountyServer(data_dir) as second:
        assert second.public_key == key
    assert operator.county_public_key(data_dir) == key


def test_a_damaged_key_file_is_reported_not_replaced(data_dir: Path) -> None:
    init_county(data_dir)
    (data_dir / "county.key").write_bytes(b"short")
    with pytest.raises(CountyError, match="not a county key"):
        CountyServer(data_dir).start()
    assert (data_dir / "county.key").read_bytes() == b"short"


def test_publish_numbers_versions_per_kind_and_name(data_dir: Path) -> None:
    init_county(data_dir)
    versions = [operator.publish(data_dir, "catalog", "a", {}).document.version for _ in range(3)]
    other = operator.publish(data_dir, "disclosure", "a", {}).document.version
    assert (versions, other) == ([1, 2, 3], 1)


def test_publish_signs_with_the_county_key_for_the_days_asked(data_dir: Path) -> None:
    init_county(data_dir)
    signed = operator.publish(data_dir, "roster", "staff", {"names": ["王"]}, days_valid=30)
    assert signed.document.expires - signed.document.issued == 30 * 86400
    signed.check(public_key_from_text(operator.county_public_key(data_dir)),
                 device_id="ve-any-1", now=time.time(), held_version=None)


@pytest.mark.parametrize(
    ("kind", "name", "audience", "message"),
    [
        ("time", "x", "*", "cannot publish a 'time'"),
        ("catalog", "bad name", "*", "cannot name a document"),
        ("catalog", "ok", "Device 1", "is not a device id"),
    ],
)
def test_publish_refuses_what_devices_would_refuse(
    data_dir: Path, kind: str, name: str, audience: str, message: str
) -> None:
    init_county(data_dir)
    with pytest.raises(CountyError, match=message):
        operator.publish(data_dir, kind, name, {}, audience=audience)


def test_publish_file_names_the_document_after_the_file(data_dir: Path, tmp_path: Path) -> None:
    init_county(data_dir)
    path = tmp_path / "village-rules.json"
    path.write_text(json.dumps({"rule": 1}), encoding="utf-8")
    signed = operator.publish_file(data_dir, "disclosure", path)
    assert (signed.document.kind, signed.document.name) == ("disclosure", "village-rules")


def test_publish_file_of_a_missing_file_names_it(data_dir: Path, tmp_path: Path) -> None:
    init_county(data_dir)
    with pytest.raises(CountyError, match=r"nothing\.json: no such file"):
        operator.publish_file(data_dir, "catalog", tmp_path / "nothing.json")


def test_stats_of_a_fresh_county_are_all_zero(data_dir: Path) -> None:
    init_county(data_dir)
    assert operator.stats(data_dir) == {
        "events_stored": 0, "duplicates_rejected": 0,
        "rejected": {"forged": 0, "replayed": 0, "stale": 0, "unknown_device": 0,
                     "enroll_refused": 0},
        "documents_published": 0, "blobs": {"complete": 0, "partial": 0}, "devices": {},
    }


def test_the_embedded_database_is_in_wal_mode(tmp_path: Path) -> None:
    import sqlite3

    init_county(tmp_path)
    with sqlite3.connect(tmp_path / "county.db") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
