"""county/openapi.yaml describes what the server actually serves."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from county.app import ROUTES
from county.inputs import MAX_QUERY_FIELDS, MAX_WHOLE_NUMBER
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
from protocol.events import LAST_CREATED, MAX_PAYLOAD_DEPTH
from protocol.signing import DOCUMENT_CONTEXT, REQUEST_CONTEXT
from protocol.wire_json import MAX_JSON_DEPTH

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
        assert {"Device", "Timestamp", "Nonce"} <= names, (method, path)
        assert "security" not in operation, (method, path)  # the signature, below
        assert {"200", "401", "500"} <= set(operation["responses"]), (method, path)
    parameters = spec["components"]["parameters"]
    assert {p["name"] for p in parameters.values()} == {
        HEADER_DEVICE, HEADER_TIMESTAMP, HEADER_NONCE
    }
    # The signature itself is the credential: a security scheme, required by default.
    assert spec["security"] == [{"deviceSignature": []}]
    scheme = spec["components"]["securitySchemes"]["deviceSignature"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", HEADER_SIGNATURE)


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


def test_the_limits_the_contract_states_are_the_ones_the_county_keeps(
    spec: dict[str, Any],
) -> None:
    text = " ".join(spec["info"]["description"].split())
    assert f"nested at most {MAX_JSON_DEPTH} levels deep" in text
    assert f"`payload` nests at most {MAX_PAYLOAD_DEPTH} levels" in text
    assert f"from 0 to {MAX_WHOLE_NUMBER} (2^53 - 1)" in text
    assert f"from -{MAX_WHOLE_NUMBER} to {MAX_WHOLE_NUMBER}" in text
    assert f"at most {MAX_QUERY_FIELDS}, each name once" in text
    assert "`OPTIONS` included, is answered `405 method_not_allowed` with an `Allow`" in text
    operations = _operations(spec)
    numbers = [
        p["schema"] for p in operations[("POST", "/v1/events")]["parameters"]
        if p.get("name") == HEADER_BACKLOG
    ] + [
        p["schema"] for p in operations[("PUT", "/v1/blobs/{sha256}")]["parameters"]
        if p.get("name") == HEADER_OFFSET
    ] + [
        p["schema"] for p in operations[("GET", "/v1/feed")]["parameters"]
        if p.get("name") == "after"
    ]
    assert len(numbers) == 3
    assert all((s["minimum"], s["maximum"]) == (0, MAX_WHOLE_NUMBER) for s in numbers)
    schemas = spec["components"]["schemas"]
    created = schemas["Event"]["properties"]["created"]
    assert (created["minimum"], created["maximum"]) == (0, LAST_CREATED)
    number = schemas["JsonNumber"]
    assert (number["minimum"], number["maximum"]) == (-MAX_WHOLE_NUMBER, MAX_WHOLE_NUMBER)
    for name in ("EventBatch", "EnrollRequest"):
        assert schemas[name]["additionalProperties"] == {"$ref": "#/components/schemas/JsonValue"}
