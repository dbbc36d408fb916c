"""What the county answers, independent of HTTP plumbing: a request (method,
target, headers, body) in, a status and a JSON body out.

Every refusal is a :class:`~county.rejection.Rejected` carrying its status,
tag, sentence and the counters it bumps; :meth:`CountyApp.handle` tallies it
and turns it into ``{"error", "detail"}``.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from county import batches
from county.auth import authenticate, check_fresh, check_signature, signature_headers
from county.blobs import BadChunk, BlobStore, BlobTooLarge, DigestMismatch, OffsetMismatch
from county.database import Database
from county.datadir import CountyDir
from county.device_health import take_report
from county.enrollment import check_code, check_village, code_digest
from county.feed import feed_page
from county.inputs import json_object, query_parameters, unsupported_encoding, whole_number
from county.rejection import Rejected, malformed
from county.store import NewEvent, Store
from protocol.api import (
    DEVICE_ID,
    DEVICE_ROLES,
    HEADER_BACKLOG,
    HEADER_DEVICE,
    HEADER_HEALTH,
    HEADER_OFFSET,
    HEADER_SIZE,
    MAX_BATCH_BYTES,
    MAX_BLOB_CHUNK_BYTES,
    MAX_ENROLL_BODY_BYTES,
    PATH_BLOBS,
    PATH_ENROLL,
    PATH_EVENTS,
    PATH_FEED,
    PATH_HEALTH,
    SHA256_HEX,
    VILLAGE_CODE,
    mib,
)
from protocol.complaint_envelope import EnvelopeError
from protocol.enrollment_seal import open_code
from protocol.signing import SignatureError, public_key_from_text, public_key_text

log = logging.getLogger(__name__)

GetHeader = Callable[[str], "str | None"]


class Verification:
    """Whether a request's signature has verified (or the request is the
    health check, whose answer only proves the county key): only then does
    the county sign its answer (a refusal made before that, a 404, 405, 413 or 415, is
    unsigned, so nobody can take a signed refusal by altering a request on
    the way)."""

    def __init__(self) -> None:
        self.verified = False


@dataclass(frozen=True)
class Request:
    method: str
    target: str  # the path with its query, exactly as sent (it is what was signed)
    header: GetHeader  # case-insensitive header lookup
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()  # every header as received, for the signature
    verification: Verification = field(default_factory=Verification)

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    def query(self, name: str) -> str | None:
        """The query parameter *name*; :class:`Rejected` if the query cannot be read."""
        return query_parameters(self.target).get(name)


@dataclass
class Reply:
    status: int
    body: dict[str, Any]
    device: str | None = None
    rejection: Rejected | None = None
    headers: dict[str, str] = field(default_factory=dict)
    verified: bool = False  # the request's signature verified: the answer is signed


Handler = Callable[["CountyApp", Store, Request, tuple[str, ...]], Reply]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    max_body: int
    too_large: str  # the 413 detail when the body is over max_body
    encodings: tuple[str, ...] = ("identity",)  # the Content-Encodings it reads


def _whole_number(request: Request, header: str, *, required: bool) -> int | None:
    text = request.header(header)
    if text is None:
        if required:
            raise malformed(f"the header {header} is required")
        return None
    return whole_number(text, header)


class CountyApp:
    """The county's answers over its data directory and *database*, signing with *key*."""

    def __init__(
        self, county: CountyDir, key: Ed25519PrivateKey, database: Database,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.county = county
        self.key = key
        self.database = database
        self.public_key = public_key_text(key)
        self.clock = clock
        self.blobs = BlobStore(county.blobs, county.objects)

    # -- dispatch ------------------------------------------------------------

    def route(self, method: str, target: str) -> tuple[Route, tuple[str, ...]]:
        """The route for a request line, or :class:`Rejected`: 404 for a path
        the county does not serve, 405 with ``Allow`` for any other method
        (HEAD and OPTIONS included: the protocol has no use for them)."""
        path = urlsplit(target).path
        allowed = []
        for route in ROUTES:
            match = route.pattern.fullmatch(path)
            if match:
                if route.method == method:
                    return route, match.groups()
                allowed.append(route.method)
        if allowed:
            raise Rejected(405, "method_not_allowed",
                           f"{_clip(path)} answers {' and '.join(allowed)}, not "
                           f"{_clip(method)}", headers={"Allow": ", ".join(allowed)})
        raise Rejected(404, "not_found",
                       f"the county has no {_clip(path)}; see county/openapi.yaml")

    def handle(self, route: Route, params: tuple[str, ...], request: Request) -> Reply:
        """Answer one routed request; never raises."""
        try:
            encoding = (request.header("Content-Encoding") or "identity").strip().lower()
            if encoding not in route.encodings:
                raise unsupported_encoding(request.header("Content-Encoding") or "")
            with self.database.store() as store:
                reply = route.handler(self, store, request, params)
        except Rejected as rejection:
            self.tally(rejection)
            return self.refusal(rejection, request)
        except Exception:
            log.exception("county failed on %s %s", request.method, request.target)
            return Reply(500, {"error": "internal",
                               "detail": "the county failed on this request; see its log"})
        reply.verified = request.verification.verified
        return reply

    def tally(self, rejection: Rejected) -> None:
        if not rejection.counters:
            return
        with self.database.store() as store, store.transaction():
            for name in rejection.counters:
                store.bump(name)

    def refusal(self, rejection: Rejected, request: Request) -> Reply:
        return Reply(rejection.status, rejection.body(), device=request.header(HEADER_DEVICE),
                     rejection=rejection, headers=dict(rejection.headers),
                     verified=request.verification.verified)

    # -- handlers ------------------------------------------------------------

    def health(self, store: Store, request: Request, params: tuple[str, ...]) -> Reply:
        # The key is named so that a device about to enroll, which signs this
        # request with its new key, can see the answer signed by it before it
        # shows the county its one-time code (sync.enrollment). The signature of
        # such a device is not one the county can verify; the answer is signed
        # over it all the same, since it refuses nothing and decides nothing.
        request.verification.verified = True
        return Reply(200, {"ok": True, "server_time": self.clock(),
                           "county_public_key": self.public_key})

    def enroll(self, store: Store, request: Request, params: tuple[str, ...]) -> Reply:
        signed = signature_headers(request.headers)
        form = json_object(request.body)
        fields = ("device_id", "public_key", "role", "village_code")
        missing = [name for name in fields if not isinstance(form.get(name), str)]
        if missing:
            raise malformed(f"enrollment needs the text fields {list(fields)}; "
                            f"missing or not text: {missing}")
        if "code" in form or not isinstance(form.get("sealed_code"), dict):
            raise malformed("enrollment needs the code sealed to the county key in "
                            "sealed_code (protocol.enrollment_seal), never in clear")
        device_id, key_text = form["device_id"], form["public_key"]
        if not DEVICE_ID.fullmatch(device_id):
            raise malformed("device_id must be 3 to 40 lower-case letters, digits and '-'")
        if form["role"] not in DEVICE_ROLES:
            raise malformed(f"role must be one of {list(DEVICE_ROLES)}")
        if not VILLAGE_CODE.fullmatch(form["village_code"]):
            raise malformed("village_code must be the 12-digit village code")
        try:
            public = public_key_from_text(key_text)
        except SignatureError as error:
            raise malformed(f"public_key is not an Ed25519 key in base64url ({error})") from None
        if signed.device_id != device_id:
            raise malformed(f"the request is signed as {signed.device_id!r} but enrolls "
                            f"{device_id!r}")
        check_signature(public, signed, request.method, request.target, request.body)
        request.verification.verified = True
        now = self.clock()
        check_fresh(store, signed, now)
        try:
            code = open_code(self.key, form["sealed_code"], device_id, key_text)
        except EnvelopeError as error:
            raise Rejected(403, "bad_code", f"the sealed enrollment code does not open for "
                           f"{device_id} and the key presented ({error}): it was sealed to "
                           "another county key, altered, or taken from another device's "
                           "enrollment", counters=("enroll_refused",)) from None
        village = form["village_code"]
        with store.transaction():
            digest = code_digest(code, village)  # a code made for this village
            record = store.enroll_code(digest)
            if record is None:  # or for none
                digest = code_digest(code)
                record = store.enroll_code(digest)
            enrolled = store.device(device_id)
            repeat = check_code(record, device_id, key_text,
                                enrolled.public_key if enrolled else None, now,
                                typed=code, role=form["role"])
            check_village(device_id, enrolled.village_code if enrolled else None, village)
            if not repeat:
                store.use_enroll_code(digest, key_text, now)
                store.enroll_device(device_id, key_text, form["role"], form["village_code"], now)
        if not repeat:
            change = "a new key" if enrolled and enrolled.public_key != key_text else "its key"
            log.info("enrolled %s (%s, village %s) with %s", device_id, form["role"],
                     form["village_code"], change)
        return Reply(200, {"county_public_key": self.public_key, "server_time": now},
                     device=device_id)

    def _device(self, store: Store, request: Request) -> tuple[str, float]:
        now = self.clock()
        return authenticate(store, request.headers, request.method, request.target,
                            request.body, now, request.verification), now

    def events(self, store: Store, request: Request, params: tuple[str, ...]) -> Reply:
        device_id, now = self._device(store, request)
        backlog = _whole_number(request, HEADER_BACKLOG, required=False)
        data = batches.decode_body(request.body, request.header("Content-Encoding"))
        events = [NewEvent(event.id, event.stream, event.created,
                           json.dumps(event.payload, ensure_ascii=False, allow_nan=False))
                  for event in batches.parse_batch(data)]
        with store.transaction():  # committed, so on disk, before the answer says accepted
            accepted, duplicates = store.add_events(device_id, events, now)
            store.bump("duplicates", len(duplicates))
            if backlog is not None:
                store.report_backlog(device_id, backlog, now)
        return Reply(200, {"accepted": accepted, "duplicates": duplicates, "server_time": now},
                     device=device_id)

    def _blob_name(self, params: tuple[str, ...]) -> str:
        if not SHA256_HEX.fullmatch(params[0]):
            raise malformed("a blob is named by its sha256: 64 lower-case hex digits")
        return params[0]

    def blob_status(self, store: Store, request: Request, params: tuple[str, ...]) -> Reply:
        device_id, _ = self._device(store, request)
        progress = self.blobs.progress(store, self._blob_name(params), device_id)
        return Reply(200, {"received": progress.received, "complete": progress.complete},
                     device=device_id)

    def blob_put(self, store: Store, request: Request, params: tuple[str, ...]) -> Reply:
        device_id, now = self._device(store, request)
        sha256 = self._blob_name(params)
        offset = _whole_number(request, HEADER_OFFSET, required=True)
        size = _whole_number(request, HEADER_SIZE, required=True)
        assert offset is not None and size is not None
        try:
            progress = self.blobs.append(store, sha256, offset, size, request.body, device_id, now)
        except OffsetMismatch as error:
            raise Rejected(409, "offset_mismatch", error.detail,
                           extra={"received": error.received}) from None
        except DigestMismatch as error:
            raise Rejected(422, "digest_mismatch", error.detail,
                           extra={"received": 0}) from None
        except BlobTooLarge as error:
            raise Rejected(413, "too_large", error.detail) from None
        except BadChunk as error:
            raise Rejected(400, "bad_chunk", error.detail,
                           extra={"received": error.received}) from None
        return Reply(200, {"received": progress.received, "complete": progress.complete},
                     device=device_id)

    def feed(self, store: Store, request: Request, params: tuple[str, ...]) -> Reply:
        device_id, now = self._device(store, request)
        text = request.query("after")
        after = 0 if text is None else whole_number(text, "after")
        take_report(store, device_id, request.header(HEADER_HEALTH), now)
        return Reply(200, feed_page(store, self.key, device_id, after, now), device=device_id)


def _path(path: str, tail: str = "") -> re.Pattern[str]:
    return re.compile(re.escape(path) + tail)


def _clip(text: str) -> str:
    return ascii(text if len(text) <= 80 else f"{text[:80]}...").strip("'")


NO_BODY = "this request carries no body"

ROUTES: tuple[Route, ...] = (
    Route("GET", _path(PATH_HEALTH), CountyApp.health, 0, NO_BODY),
    Route("POST", _path(PATH_ENROLL), CountyApp.enroll, MAX_ENROLL_BODY_BYTES,
          f"an enrollment is at most {MAX_ENROLL_BODY_BYTES} bytes of JSON"),
    # gzip of incompressible JSON is a little larger than the JSON: allow for it here,
    # the decompressed size is what is checked against MAX_BATCH_BYTES
    Route("POST", _path(PATH_EVENTS), CountyApp.events, MAX_BATCH_BYTES + 1024 * 1024,
          batches.batch_too_large().detail, ("identity", "gzip")),
    Route("GET", _path(PATH_BLOBS, "/([^/]+)"), CountyApp.blob_status, 0, NO_BODY),
    Route("PUT", _path(PATH_BLOBS, "/([^/]+)"), CountyApp.blob_put, MAX_BLOB_CHUNK_BYTES,
          f"a blob chunk may be at most {mib(MAX_BLOB_CHUNK_BYTES)}; send smaller chunks"),
    Route("GET", _path(PATH_FEED), CountyApp.feed, 0, NO_BODY),
)
