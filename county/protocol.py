"""The numbers and names of the device <-> county protocol, shared by the
server, the operator tools and the tests (``openapi.yaml`` documents them)."""

from __future__ import annotations

import re

API_PREFIX = "/v1"

CLOCK_SKEW_SECONDS = 300  # a signed request's timestamp may differ this much from the server's
NONCE_WINDOW_SECONDS = 600  # a nonce is remembered this long (twice the skew: safe to forget)

MAX_EVENTS_PER_BATCH = 1000
MAX_BATCH_BYTES = 8 * 1024 * 1024  # decompressed
MAX_BLOB_CHUNK_BYTES = 4 * 1024 * 1024
MAX_BLOB_BYTES = 16 * 1024 * 1024
MAX_ENROLL_BODY_BYTES = 16 * 1024
FEED_PAGE_SIZE = 100
ENROLL_CODE_DAYS = 7
TIME_DOCUMENT_SECONDS = 300

HEADER_BACKLOG = "X-VE-Backlog"
HEADER_OFFSET = "X-VE-Offset"
HEADER_SIZE = "X-VE-Size"

LEDGER_STREAM = "seal.ledger"
TIME_DOCUMENT_NAME = "county-clock"
PUBLISHABLE_KINDS = ("catalog", "disclosure", "roster", "config")

DEVICE_ID = re.compile(r"[a-z0-9][a-z0-9-]{2,39}")
DEVICE_ROLES = ("kiosk", "seal", "all")
VILLAGE_CODE = re.compile(r"\d{12}")
EVENT_ID = re.compile(r"[0-9A-Za-z_-]{1,64}")
STREAM_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
SHA256_HEX = re.compile(r"[0-9a-f]{64}")


def mib(size: int) -> str:
    """*size* bytes as the operator reads it: ``8 MiB``."""
    return f"{size / (1024 * 1024):g} MiB"
