"""The names and numbers of the device <-> county API that both ends must
agree on: paths, headers, limits and the shapes of ids. ``county/openapi.yaml``
documents them; the client (:mod:`sync.client`) and the reference county
(:mod:`county.app`) both take them from here."""

from __future__ import annotations

import re

API_PREFIX = "/v1"

PATH_HEALTH = f"{API_PREFIX}/health"
PATH_ENROLL = f"{API_PREFIX}/enroll"
PATH_EVENTS = f"{API_PREFIX}/events"
PATH_BLOBS = f"{API_PREFIX}/blobs"  # followed by /<sha256>
PATH_FEED = f"{API_PREFIX}/feed"  # with ?after=<sequence>

CLOCK_SKEW_SECONDS = 300  # a signed request's timestamp may differ this much from the server's

MAX_EVENTS_PER_BATCH = 1000
MAX_BATCH_BYTES = 8 * 1024 * 1024  # decompressed
MAX_BLOB_CHUNK_BYTES = 4 * 1024 * 1024
MAX_BLOB_BYTES = 16 * 1024 * 1024
MAX_ENROLL_BODY_BYTES = 16 * 1024
FEED_PAGE_SIZE = 100
TIME_DOCUMENT_SECONDS = 300  # how long the county's signed clock statement is valid

# Who signed a request, when, with which nonce, and the signature itself
# (protocol.signing.sign_request).
HEADER_DEVICE = "X-VE-Device"
HEADER_TIMESTAMP = "X-VE-Timestamp"
HEADER_NONCE = "X-VE-Nonce"
HEADER_SIGNATURE = "X-VE-Signature"
# The county's signature of its answer to a signed request (protocol.answers).
HEADER_ANSWER_SIGNATURE = "X-VE-Answer-Signature"

HEADER_BACKLOG = "X-VE-Backlog"
HEADER_OFFSET = "X-VE-Offset"
HEADER_SIZE = "X-VE-Size"
# A device's health report (protocol.device_health), on a feed request now and then.
HEADER_HEALTH = "X-VE-Health"

# A request signature covers every header whose name starts with this (but
# X-VE-Signature itself) and the headers named here: all that changes what a
# request means.
SIGNED_HEADER_PREFIX = "x-ve-"
SIGNED_HEADERS_ALSO = ("content-encoding",)

LEDGER_STREAM = "seal.ledger"
TIME_DOCUMENT_NAME = "county-clock"

DEVICE_ID = re.compile(r"[a-z0-9][a-z0-9-]{2,39}")
DEVICE_ROLES = ("kiosk", "seal", "all")
VILLAGE_CODE = re.compile(r"[0-9]{12}")  # ASCII digits: \d also matches other scripts
EVENT_ID = re.compile(r"[0-9A-Za-z_-]{1,64}")
STREAM_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
SHA256_HEX = re.compile(r"[0-9a-f]{64}")


def blob_path(digest: str) -> str:
    """The path of one blob (a photo or document) by its sha256 in hex."""
    return f"{PATH_BLOBS}/{digest}"


def feed_path(after: int) -> str:
    """The path of the feed page after sequence number *after*."""
    return f"{PATH_FEED}?after={after}"


def mib(size: int) -> str:
    """*size* bytes as the operator reads it: ``8 MiB``."""
    return f"{size / (1024 * 1024):g} MiB"
