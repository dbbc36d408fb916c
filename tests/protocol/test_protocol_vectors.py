"""docs/protocol-vectors.json is what tests/protocol/protocol_vectors.py makes
(so it never drifts from the code), and the code accepts every vector in it."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from protocol.answers import verify_answer
from protocol.approval_token import read_token
from protocol.canonical import CanonicalFormError, canonical_json
from protocol.complaint_envelope import EnvelopeError
from protocol.documents import SignedDocument
from protocol.enrollment_seal import open_code
from protocol.ledger_chain import check_chain
from protocol.signing import (
    private_key_from_bytes,
    public_key_from_text,
    read_request_headers,
    verify_request,
)
from tests.conftest import REPO
from tests.protocol.protocol_vectors import VECTORS, render


@pytest.fixture(scope="module")
def vectors() -> dict[str, Any]:
    return json.loads(VECTORS.read_text(encoding="utf-8"))


def test_the_published_vectors_are_what_the_code_makes_now() -> None:
    assert VECTORS.read_text(encoding="utf-8") == render(), (
        "run .venv/bin/python -m tests.protocol.protocol_vectors to write them again, and "
        "say in the commit why the protocol's bytes changed"
    )


def test_the_script_checks_the_file() -> None:
    result = subprocess.run([sys.executable, "-m", "tests.protocol.protocol_vectors", "--check"],
                            cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_every_canonical_vector(vectors: dict[str, Any]) -> None:
    assert len(vectors["canonical"]) >= 6
    for case in vectors["canonical"]:
        data = canonical_json(json.loads(case["json"]))
        assert data.hex() == case["canonical_hex"], case["name"]
        assert data.decode() == case["canonical"], case["name"]


def test_every_refused_value_is_refused(vectors: dict[str, Any]) -> None:
    for case in vectors["refused"]:
        with pytest.raises(CanonicalFormError):
            canonical_json(json.loads(case["json"]))


def test_the_signatures_verify(vectors: dict[str, Any]) -> None:
    county = public_key_from_text(vectors["keys"]["county"]["public_key"])
    device = public_key_from_text(vectors["keys"]["device"]["public_key"])
    document = SignedDocument.from_wire(vectors["feed_document"]["wire"])
    document.check(county, device_id="anyone", now=document.document.issued, held_version=None)
    for name in ("request", "blob_chunk_request"):
        case = vectors[name]
        headers = [(k, v) for k, v in case["headers"]]
        verify_request(device, read_request_headers(headers), case["method"], case["target"],
                       bytes.fromhex(case["body_hex"]))
    answer = vectors["answer"]
    verify_answer(county, answer["signature"], answer["request_signature"], answer["status"],
                  answer["body"].encode())
    assert read_token(vectors["approval_token"]["token"], county).payload() == (
        vectors["approval_token"]["payload"])
    assert check_chain([vectors["ledger_record"]["record"]]).ok


def test_the_sealed_enrollment_code_opens_with_the_county_key(vectors: dict[str, Any]) -> None:
    sealed = vectors["sealed_enrollment_code"]
    county = private_key_from_bytes(bytes.fromhex(vectors["keys"]["county"]["seed_hex"]))
    code = open_code(county, sealed["sealed_code"], sealed["device_id"], sealed["public_key"])
    assert code == sealed["code"]
    with pytest.raises(EnvelopeError):  # for another key, it does not open
        open_code(county, sealed["sealed_code"], sealed["device_id"],
                  vectors["keys"]["county"]["public_key"])
