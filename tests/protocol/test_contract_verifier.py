"""A verifier written from county/openapi.yaml alone, in JavaScript with an
RFC 8785 library of its own (tests/protocol/contract_verifier/verify.mjs,
installed by ``./setup.sh dev``), agrees with the project: on the published
test vectors, and with a running reference county on loopback (signed
requests it builds itself, the county's signed answers, the signed documents
of the feed)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from county import operator
from county.server import CountyServer
from protocol.signing import new_private_key, private_key_bytes, public_key_text
from tests.conftest import REPO
from tests.county.conftest import Device, enroll
from tests.protocol.protocol_vectors import VECTORS

VERIFIER = REPO / "tests" / "protocol" / "contract_verifier"


def run_verifier(*args: str) -> subprocess.CompletedProcess[str]:
    node = shutil.which("node")
    assert node, "Node.js is missing: run ./setup.sh dev (it installs nodejs and npm)"
    assert (VERIFIER / "node_modules" / "canonicalize").is_dir(), (
        f"the verifier's packages are missing: run ./setup.sh dev (npm ci in {VERIFIER})"
    )
    return subprocess.run([node, str(VERIFIER / "verify.mjs"), *args], capture_output=True,
                          text=True, timeout=120, cwd=VERIFIER)


def test_the_independent_verifier_accepts_every_published_vector() -> None:
    result = run_verifier("vectors", str(VECTORS))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.rstrip().endswith(" 0 failed")
    assert "ok   canonical: keys sorted by UTF-16 code units" in result.stdout


def test_the_independent_verifier_catches_a_vector_that_is_wrong(tmp_path: Path) -> None:
    vectors = json.loads(VECTORS.read_text(encoding="utf-8"))
    vectors["feed_document"]["wire"]["document"]["body"]["fee"] = 2
    vectors["answer"]["body"] = vectors["answer"]["body"].replace("[]", "[\"x\"]")
    vectors["canonical"][0]["canonical_hex"] = "312e30"  # "1.0", as json.dumps wrote it
    broken = tmp_path / "vectors.json"
    broken.write_text(json.dumps(vectors, ensure_ascii=False), encoding="utf-8")

    result = run_verifier("vectors", str(broken))

    assert result.returncode == 1
    failed = [line for line in result.stdout.splitlines() if line.startswith("FAIL")]
    assert failed == ["FAIL canonical: a whole number written with a fraction",
                      "FAIL feed document: the signed bytes",
                      "FAIL feed document: the signature",
                      "FAIL answer: the signed bytes",
                      "FAIL answer: the signature"]


def test_the_independent_verifier_talks_to_a_running_county(tmp_path: Path) -> None:
    with CountyServer(tmp_path / "county") as county:
        operator.publish(county.data_dir, "disclosure", "works-2026-11",
                         {"title": "村道硬化工程公示", "amount": 1.0, "\U0001f4cc": "置顶"})
        operator.publish(county.data_dir, "roster", "officials", {"accountant": "张会计"})
        key = new_private_key()
        device = enroll(Device(county, "ve-330226100201-kiosk", key), county.data_dir)
        device.session.close()

        result = run_verifier("county", county.url, device.device_id,
                              private_key_bytes(key).hex(), county.public_key)

        assert result.returncode == 0, result.stdout + result.stderr
        assert "ok   feed: document 1 (disclosure/works-2026-11) is signed by the county" in (
            result.stdout)
        assert "ok   batch: the answer is signed by the county for this request" in result.stdout
        stored = operator.stats(county.data_dir)["events_stored"]
    assert stored == 1  # the verifier's own signed batch was taken


@pytest.mark.parametrize("what", ["county key", "device key"])
def test_the_independent_verifier_refuses_the_wrong_keys(tmp_path: Path, what: str) -> None:
    with CountyServer(tmp_path / "county") as county:
        operator.publish(county.data_dir, "roster", "officials", {"accountant": "张会计"})
        key = new_private_key()
        device = enroll(Device(county, "ve-330226100201-kiosk", key), county.data_dir)
        device.session.close()
        other = new_private_key()
        county_key = public_key_text(other) if what == "county key" else county.public_key
        seed = private_key_bytes(other if what == "device key" else key).hex()

        result = run_verifier("county", county.url, device.device_id, seed, county_key)

    assert result.returncode == 1
    if what == "county key":
        assert "FAIL feed: the answer is signed by the county for this request" in result.stdout
    else:
        assert "FAIL feed: status 200: got 401" in result.stdout
