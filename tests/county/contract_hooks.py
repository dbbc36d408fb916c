"""Schemathesis hooks that make its requests a device's requests: each one is
signed with the key of an enrolled test device, over the bytes that go on
the wire, with the project's own ``protocol.signing.sign_request``.

Loaded by ``schemathesis run`` through ``SCHEMATHESIS_HOOKS`` (see
test_county_contract.py), with the device in ``VE_CONTRACT_DEVICE`` and its
raw private key in the file ``VE_CONTRACT_KEY``.

How a request is signed, as a device would sign it:

- the auth provider below puts :data:`SIGN_ME` in ``X-VE-Signature``;
  Schemathesis counts that as the operation's credentials and, to check that
  they are needed, sends probes without them or with others: those go as
  they are, unsigned, and must be refused;
- at the last moment (the prepared request), a request still carrying
  :data:`SIGN_ME` gets the device's id, a timestamp, a nonce and the
  signature over its method, target, body and every ``X-VE-*`` header and
  ``Content-Encoding`` it carries, unless Schemathesis generated one of the
  device, timestamp or nonce headers broken or left it out on purpose (a
  negative case): then the request keeps it and goes unsigned;
- a body sent with ``Content-Encoding: gzip`` is gzip'd, as a device does;
- an enrollment is signed as the device it names, with the test key, whose
  public half replaces the body's ``public_key``.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import time
from functools import cache
from pathlib import Path
from typing import Any

import requests
import schemathesis
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from protocol.api import (
    DEVICE_ID,
    HEADER_DEVICE,
    HEADER_NONCE,
    HEADER_SIGNATURE,
    HEADER_TIMESTAMP,
    PATH_ENROLL,
)
from protocol.signing import SignatureError, private_key_from_bytes, public_key_text, sign_request

SIGN_ME = "sign-me"
#: What the contract allows in the headers a device makes; a case that breaks
#: one of these is a negative case about that header and is sent as it is.
MADE_BY_DEVICE = {
    HEADER_DEVICE: DEVICE_ID,
    HEADER_TIMESTAMP: re.compile(r"[0-9]{1,12}"),
    HEADER_NONCE: re.compile(r"[A-Za-z0-9]{8,64}"),
}


@cache
def device() -> tuple[str, Ed25519PrivateKey]:
    key = private_key_from_bytes(Path(os.environ["VE_CONTRACT_KEY"]).read_bytes())
    return os.environ["VE_CONTRACT_DEVICE"], key


@schemathesis.auth(refresh_interval=None, retry_on=[])
class DeviceCredentials:
    """Marks every request to be signed: the signature itself can only be
    made once the request's bytes are final (:class:`DeviceSignature`)."""

    def get(self, case: schemathesis.Case, context: schemathesis.AuthContext) -> str:
        return SIGN_ME

    def set(self, case: schemathesis.Case, data: str, context: schemathesis.AuthContext) -> None:
        case.headers = {**(case.headers or {}), HEADER_SIGNATURE: data}


@schemathesis.hook
def before_call(context: schemathesis.HookContext, case: schemathesis.Case,
                kwargs: dict[str, Any]) -> None:
    if case.headers:  # a number a link took from an answer: a device writes it in digits
        case.headers = {name: str(value) if isinstance(value, int) and not isinstance(
            value, bool) else value for name, value in case.headers.items()}
    kwargs["auth"] = DeviceSignature()


class DeviceSignature(requests.auth.AuthBase):
    """Signs a prepared request as the test device."""

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        if request.headers.get(HEADER_SIGNATURE) != SIGN_ME:
            return request  # a probe without credentials, or with others: sent as it is
        if any(not pattern.fullmatch(str(request.headers.get(name, "")))
               for name, pattern in MADE_BY_DEVICE.items()):
            return request  # a header broken on purpose: the county must refuse it
        device_id, key = device()
        body = _bytes(request.body)
        encoding = str(request.headers.get("Content-Encoding", "")).strip().lower()
        if encoding == "gzip":
            body = gzip.compress(body, mtime=0)
        if request.path_url.split("?")[0] == PATH_ENROLL:
            device_id, body = _enrollment(device_id, key, body)
        request.prepare_body(body, None)  # sets Content-Length
        others = {name: str(value) for name, value in request.headers.items()
                  if name not in (HEADER_SIGNATURE, *MADE_BY_DEVICE)}
        try:
            signed = sign_request(key, device_id, str(request.method), request.path_url, body,
                                  time.time(), headers=others)
        except SignatureError:
            return request  # a header a device could not send (not ASCII, sent twice)
        request.headers.update(signed)
        return request


def _bytes(body: bytes | str | None) -> bytes:
    if body is None:
        return b""
    return body.encode("utf-8") if isinstance(body, str) else bytes(body)


def _enrollment(device_id: str, key: Ed25519PrivateKey, body: bytes) -> tuple[str, bytes]:
    """A device enrolling signs as itself, with the key it enrolls."""
    try:
        form = json.loads(body)
    except ValueError:
        return device_id, body
    if not (isinstance(form, dict) and isinstance(form.get("device_id"), str)
            and isinstance(form.get("public_key"), str)):
        return device_id, body
    form["public_key"] = public_key_text(key)
    return form["device_id"], json.dumps(form).encode()
