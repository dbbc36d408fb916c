"""county/openapi.yaml describes what the server actually serves."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from county.app import ROUTES
from protocol.answers import ANSWER_CONTEXT
from protocol.api import (
    HEADER_ANSWER_SIGNATURE,
    HEADER_BACKLOG,
    HEADER_DEVICE,
    HEADER_NONCE,
    HEADER_OFFSET,
    HEADER_SIGNATURE,
    HEADER_SIZE,
    HEADER_TIMESTAMP,
    SIGNED_HEADER_PREFIX,
    SIGNED_HEADERS_ALSO,
)
from protocol.signing import DOCUMENT_CONTEXT, REQUEST_CONTEXT

SPEC_PATH = Path(__file__).resolve().parents[2] / "county" / "openapi.yaml"


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))


def _operations(spec: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method.upper(), path): operation
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in ("get", "put", "post", "delete", "patch")
    }


def test_every_route_is_documented_and_nothing_else(spec: dict[str, Any]) -> None:
    served = {(r.method, re.sub(r"\(\[\^/\]\+\)", "{sha256}", r.pattern.pattern)) for r in ROUTES}
    assert set(_operations(spec)) == served
    assert spec["openapi"].startswith("3.1")


def test_every_signed_operation_documents_its_headers_and_refusals(spec: dict[str, Any]) -> None:
    for (method, path), operation in _operations(spec).items():
        if path == "/v1/health":
            assert operation["security"] == []
            continue
        names = {p["$ref"].rsplit("/", 1)[-1] if "$ref" in p else p["name"]
                 for p in operation["parameters"]}
        assert {"Device", "Timestamp", "Nonce", "Signature"} <= names, (method, path)
        assert {"200", "401", "500"} <= set(operation["responses"]), (method, path)
    parameters = spec["components"]["parameters"]
    assert {p["name"] for p in parameters.values()} == {
        HEADER_DEVICE, HEADER_TIMESTAMP, HEADER_NONCE, HEADER_SIGNATURE
    }


def test_the_upload_headers_and_statuses_are_documented(spec: dict[str, Any]) -> None:
    operations = _operations(spec)
    events = operations[("POST", "/v1/events")]
    assert HEADER_BACKLOG in {p.get("name") for p in events["parameters"]}
    assert {"400", "413", "415"} <= set(events["responses"])
    put = operations[("PUT", "/v1/blobs/{sha256}")]
    assert {HEADER_OFFSET, HEADER_SIZE} <= {p.get("name") for p in put["parameters"]}
    assert {"409", "413", "422"} <= set(put["responses"])
    assert "403" in operations[("POST", "/v1/enroll")]["responses"]


def test_every_reference_resolves(spec: dict[str, Any]) -> None:
    def refs(node: Any) -> list[str]:
        if isinstance(node, dict):
            found = [node["$ref"]] if "$ref" in node else []
            return found + [r for value in node.values() for r in refs(value)]
        if isinstance(node, list):
            return [r for value in node for r in refs(value)]
        return []

    for ref in refs(spec):
        node: Any = spec
        for part in ref.removeprefix("#/").split("/"):
            assert part in node, f"{ref} does not resolve"
            node = node[part]


def test_the_contract_states_the_signing_rules_the_code_follows(spec: dict[str, Any]) -> None:
    text = spec["info"]["description"]
    for context in (REQUEST_CONTEXT, DOCUMENT_CONTEXT, ANSWER_CONTEXT):
        assert f'"{context.decode().strip()}\\n"' in text
    assert "RFC 8785" in text and "docs/protocol-vectors.json" in text
    assert f"starts with `{SIGNED_HEADER_PREFIX.upper()}`" in text
    for name in SIGNED_HEADERS_ALSO:
        assert f"`{name.title()}`" in text
    for (method, path), operation in _operations(spec).items():
        if path == "/v1/health":
            continue
        headers = operation["responses"]["200"].get("headers", {})
        assert HEADER_ANSWER_SIGNATURE in headers, (method, path)
