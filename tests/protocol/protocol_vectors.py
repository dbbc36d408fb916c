"""Make docs/protocol-vectors.json: the test vectors of the county protocol's
canonical bytes and signatures, for anyone writing a county, a device or a
verifier from county/openapi.yaml.

    .venv/bin/python -m tests.protocol.protocol_vectors          # rewrite the file
    .venv/bin/python -m tests.protocol.protocol_vectors --check  # exit 1 if it drifted

Ed25519 signatures are deterministic, and the keys here come from fixed
seeds, so the file is the same every time; tests/protocol/test_protocol_vectors.py
keeps it so. The seeds are published: never use these keys for anything else.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from protocol.answers import answer_body, answer_message, sign_answer
from protocol.approval_token import Approval, issue_token
from protocol.canonical import canonical_json
from protocol.documents import FeedDocument, SignedDocument
from protocol.enrollment_seal import seal_code, x25519_public
from protocol.ledger_chain import GENESIS, record_hash
from protocol.signing import (
    b64url,
    document_message,
    key_fingerprint,
    private_key_from_bytes,
    public_key_text,
    request_message,
)

VECTORS = Path(__file__).resolve().parents[2] / "docs" / "protocol-vectors.json"
DEVICE_ID = "ve-330226100201-seal1"
NOW = 1_800_000_000

# (name, JSON text): each is parsed, then written in RFC 8785 form
CANONICAL_INPUTS = [
    ("a whole number written with a fraction", "1.0"),
    ("keys sorted, spaces dropped", '{ "b" : 2, "a" : 1, "c" : { "z" : [ ], "y" : { } } }'),
    ("numbers as ECMAScript writes them",
     "[1.0, -0.0, 4.50, 2e-3, 1e-7, 0.000001, 1e21, 1E30, 333333333.33333329, "
     "0.000000000000000000000000001, 9007199254740991, -9007199254740991, 5e-324]"),
    ("keys sorted by UTF-16 code units, not code points",
     '{"\\ue000": 1, "\\ud83d\\ude00": 2, "a": 3, "\\u00e9": 4, "\\u6751": 5}'),
    ("strings escaped minimally, UTF-8 otherwise",
     '["\\u0000\\u001f\\b\\f\\n\\r\\t", "\\"\\\\\\/", "\\u2028\\u2029",'
     ' "\\u00e9\\u6751\\ud83d\\ude00", "\\u007f"]'),
    ("the example of RFC 8785 section 3.2.2",
     '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001], '
     '"string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/", '
     '"literals": [null, true, false]}'),
]

# (name, JSON text, why): values that must be refused before anything is signed
REFUSED_INPUTS = [
    ("an integer beyond 2^53 - 1", '{"n": 9007199254740993}',
     "a double cannot hold it: it would be read back as 9007199254740992"),
    ("a double from 2^53 up to 10^21", '{"n": 1e16}',
     "RFC 8785 writes it as the integer 10000000000000000, which readers may take as an integer "
     "beyond 2^53 - 1"),
    ("a lone surrogate", '{"t": "\\ud800"}', "not a Unicode character; no UTF-8 form"),
    ("NaN", '{"x": NaN}', "not a JSON number"),
]


def _key(label: str) -> Ed25519PrivateKey:
    seed = hashlib.sha256(f"village-edge protocol test vectors: {label}".encode()).digest()
    return private_key_from_bytes(seed)


def _key_entry(key: Ed25519PrivateKey, label: str) -> dict[str, str]:
    seed = hashlib.sha256(f"village-edge protocol test vectors: {label}".encode()).digest()
    public = public_key_text(key)
    return {"seed_hex": seed.hex(), "public_key": public, "fingerprint": key_fingerprint(public)}


def _canonical() -> list[dict[str, str]]:
    return [{"name": name, "json": text, "canonical": canonical_json(json.loads(text)).decode(),
             "canonical_hex": canonical_json(json.loads(text)).hex()}
            for name, text in CANONICAL_INPUTS]


def _feed_document(county: Ed25519PrivateKey) -> dict[str, Any]:
    document = FeedDocument.from_dict({
        "kind": "catalog", "name": "powerlist-330226100201", "version": 3,
        "issued": NOW, "expires": NOW + 30 * 86400, "audience": "*",
        "body": {"title": "小微权力清单", "fee": 1.0, "rate": 0.05, "\U0001f4cc": "置顶",
                 "items": [{"id": "A-01", "name": "宅基地审批", "days": 20}]},
    })
    signed = SignedDocument.sign(county, document)
    return {"wire": signed.to_wire(),
            "message_hex": document_message(document.to_dict()).hex()}


def _request(device: Ed25519PrivateKey) -> dict[str, Any]:
    events = {"events": [{"id": "01JB7ZQ0000000000000000000", "stream": "seal.ledger",
                          "created": NOW + 0.5, "payload": {"seq": 1, "kind": "opened"}}]}
    body = gzip.compress(json.dumps(events, separators=(",", ":")).encode(), compresslevel=0,
                         mtime=0)
    headers = [("Content-Type", "application/json"), ("Content-Encoding", "gzip"),
               ("X-VE-Backlog", "41"), ("X-VE-Device", DEVICE_ID),
               ("X-VE-Timestamp", str(NOW)), ("X-VE-Nonce", "8e8f994b6aa09229fa312572c63119dc")]
    message = request_message("POST", "/v1/events", body, headers)
    signature = b64url(device.sign(message))
    return {"method": "POST", "target": "/v1/events", "body_hex": body.hex(),
            "headers": [[name, value] for name, value in
                        [*headers, ("X-VE-Signature", signature)]],
            "message_hex": message.hex(), "signature": signature}


def _chunk(device: Ed25519PrivateKey) -> dict[str, Any]:
    chunk = "村务公开 photo bytes".encode()
    digest = hashlib.sha256(chunk).hexdigest()
    headers = [("Content-Type", "application/octet-stream"), ("X-VE-Offset", "0"),
               ("X-VE-Size", str(len(chunk))), ("X-VE-Device", DEVICE_ID),
               ("X-VE-Timestamp", str(NOW + 1)), ("X-VE-Nonce", "0f1e2d3c4b5a69788796a5b4c3d2e1f0")]
    target = f"/v1/blobs/{digest}"
    message = request_message("PUT", target, chunk, headers)
    signature = b64url(device.sign(message))
    return {"method": "PUT", "target": target, "body_hex": chunk.hex(),
            "headers": [[name, value] for name, value in
                        [*headers, ("X-VE-Signature", signature)]],
            "message_hex": message.hex(), "signature": signature}


def _answer(county: Ed25519PrivateKey, request_signature: str) -> dict[str, Any]:
    body = answer_body({"accepted": ["01JB7ZQ0000000000000000000"], "duplicates": [],
                        "server_time": NOW + 0.25})
    return {"request_signature": request_signature, "status": 200, "body": body.decode(),
            "message_hex": answer_message(request_signature, 200, body).hex(),
            "signature": sign_answer(county, request_signature, 200, body)}


def _approval(county: Ed25519PrivateKey) -> dict[str, Any]:
    approval = Approval(aid="A-2026-0042", req="R7-abc", dev=DEVICE_ID, slot="committee",
                        uses=2, nbf=NOW, exp=NOW + 3600, apr="zhang.wei", doc="0123456789abcdef")
    token = issue_token(county, approval)
    return {"payload": approval.payload(), "payload_canonical": canonical_json(
        approval.payload()).decode(), "token": token}


def _ledger_record() -> dict[str, Any]:
    record: dict[str, Any] = {"seq": 1, "prev": GENESIS, "at": float(NOW), "kind": "opened",
                              "slot": "committee", "note": "村委会公章"}
    canonical = canonical_json(record)
    return {"record": record | {"hash": record_hash(record)},
            "hashed_bytes": canonical.decode(), "hashed_hex": canonical.hex()}


def _sealed_code(county: Ed25519PrivateKey, device: Ed25519PrivateKey) -> dict[str, Any]:
    """An enrollment code sealed to the county key (county/openapi.yaml,
    EnrollRequest.sealed_code), with a published ephemeral key and nonce."""
    seed = hashlib.sha256(b"village-edge protocol test vectors: ephemeral").digest()
    ephemeral = X25519PrivateKey.from_private_bytes(seed)
    nonce = hashlib.sha256(b"village-edge protocol test vectors: nonce").digest()[:12]
    device_key = public_key_text(device)
    code = "K7QM3XPA9TRW"
    sealed = seal_code(county.public_key(), code, DEVICE_ID, device_key,
                       ephemeral=ephemeral, nonce=nonce)
    return {"code": code, "device_id": DEVICE_ID, "public_key": device_key,
            "county_x25519_public": b64url(x25519_public(county.public_key()).public_bytes(
                Encoding.Raw, PublicFormat.Raw)),
            "ephemeral_private_hex": seed.hex(),
            "plaintext": canonical_json({"code": code, "device_id": DEVICE_ID,
                                         "public_key": device_key}).decode(),
            "sealed_code": sealed}


def build() -> dict[str, Any]:
    county, device = _key("county"), _key("device")
    request = _request(device)
    return {
        "about": "Test vectors of the village-edge county protocol (county/openapi.yaml): "
                 "canonical JSON (RFC 8785), every Ed25519 signature and the sealed enrollment "
                 "code. Made by tests/protocol/protocol_vectors.py. The keys are test keys "
                 "whose seeds are published here: never use them for anything else.",
        "keys": {"county": _key_entry(county, "county"), "device": _key_entry(device, "device")},
        "canonical": _canonical(),
        "refused": [{"name": name, "json": text, "why": why}
                    for name, text, why in REFUSED_INPUTS],
        "feed_document": _feed_document(county),
        "request": request,
        "blob_chunk_request": _chunk(device),
        "answer": _answer(county, request["signature"]),
        "approval_token": _approval(county),
        "ledger_record": _ledger_record(),
        "sealed_enrollment_code": _sealed_code(county, device),
    }


def render() -> str:
    return json.dumps(build(), ensure_ascii=False, indent=1) + "\n"


def main(argv: list[str]) -> int:
    if argv == ["--check"]:
        if VECTORS.read_text(encoding="utf-8") != render():
            print(f"{VECTORS} differs from what {__name__} makes: run it without --check",
                  file=sys.stderr)
            return 1
        return 0
    if argv:
        print(f"usage: python -m {__spec__.name if __spec__ else __name__} [--check]",
              file=sys.stderr)
        return 2
    VECTORS.write_text(render(), encoding="utf-8")
    print(f"wrote {VECTORS}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
