"""The device's side of the county protocol (county/openapi.yaml), over
requests: every request signed, every answer checked, event batches gzip'd,
timeouts on everything, and failures sorted into "try again later" and "this
will not work".

An answer is believed only if the county signed it for this very request
(:mod:`protocol.answers`) with the pinned county key, and only for what this
request asked: a batch result names only events of the batch, blob progress
stays within the blob. Anything else is an :class:`UntrustedAnswer` (a kind
of :class:`CountyUnreachable`: try again later) and nothing in it is acted
on. Only "wait" (429 and 5xx, which a proxy in front of the county may send
itself) is taken unsigned, since waiting changes nothing on the device.
Redirects are never followed (a redirect would carry the signed request
elsewhere, and its answer would come from there): a 3xx is untrusted too.
The county signs only answers to requests whose signature it verified, so
an unsigned refusal (the request was altered on the way) is never taken as
the county's "no"."""

from __future__ import annotations

import email.utils
import gzip
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from protocol.answers import verify_answer
from protocol.api import (
    HEADER_ANSWER_SIGNATURE,
    HEADER_BACKLOG,
    HEADER_HEALTH,
    HEADER_OFFSET,
    HEADER_SIGNATURE,
    HEADER_SIZE,
    PATH_ENROLL,
    PATH_EVENTS,
    PATH_HEALTH,
    blob_path,
    feed_path,
)
from protocol.complaint_envelope import EnvelopeError
from protocol.enrollment_seal import seal_code
from protocol.signing import (
    SignatureError,
    key_fingerprint,
    public_key_from_text,
    public_key_text,
    sign_request,
)
from sync.errors import SyncError

DEFAULT_TIMEOUT = (5.0, 30.0)  # connect, read
#: The whole feed round trip, from sending the request to the last byte of the
#: answer. The per-read timeout alone lets an on-path attacker trickle an
#: answer for as long as it likes; an answer later than this is not taken.
#: Well under the seal station's WOUND_BACK_SECONDS (120 s): the county's
#: clock in a feed answer is anchored at the request's sending, so a held
#: answer can put the station's clock ahead by at most this much.
FEED_DEADLINE_SECONDS = 60.0


class CountyError(SyncError):
    """Root of the errors talking to the county."""


class CountyUnreachable(CountyError):
    """No answer, a timeout, or the county asked to come back later."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class UntrustedAnswer(CountyUnreachable):
    """An answer that is not the county's own answer to this request, or
    claims what the request did not ask: nothing in it was acted on."""


class CountyRefused(CountyError):
    """The county answered no: retrying the same request will not help."""

    def __init__(self, status: int, tag: str, detail: str, body: dict[str, Any]) -> None:
        super().__init__(f"county refused ({status} {tag}): {detail}")
        self.status = status
        self.tag = tag
        self.detail = detail
        self.body = body


@dataclass(frozen=True)
class BatchResult:
    accepted: list[str]
    duplicates: list[str]
    server_time: float


def parse_retry_after(value: str | None, now: float) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now)


@dataclass(frozen=True)
class _Answer:
    status: int
    body: dict[str, Any]
    request_signature: str | None
    answer_signature: str | None
    content: bytes


class CountyClient:
    """Talks to the county at *base_url* as *device_id*, signing with *key*
    and believing only answers signed by *county_key* (the pinned county key
    in base64url; empty only before enrollment, when a boot file pins the
    key's fingerprint instead: see :meth:`enroll`)."""

    def __init__(
        self,
        base_url: str,
        device_id: str,
        key: Ed25519PrivateKey,
        county_key: str,
        *,
        session: requests.Session | None = None,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        clock: Callable[[], float] = time.time,
        feed_deadline: float = FEED_DEADLINE_SECONDS,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.device_id = device_id
        self.key = key
        self.county_key = county_key
        self.session = session or requests.Session()
        self.timeout = timeout
        self.clock = clock
        self.feed_deadline = feed_deadline

    def close(self) -> None:
        self.session.close()

    # -- transport -------------------------------------------------------------

    def _exchange(
        self,
        method: str,
        path: str,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
        signed: bool = True,
        deadline: float | None = None,
    ) -> _Answer:
        """Send one request; the answer's status and JSON object, unchecked
        but for "wait" (429, 5xx: :class:`CountyUnreachable`). With
        *deadline*, an answer not complete that many seconds after sending
        is :class:`CountyUnreachable` too."""
        all_headers = dict(headers or {})
        request_signature = None
        if signed:
            auth = sign_request(self.key, self.device_id, method, path, body, self.clock(),
                                headers=all_headers)
            all_headers.update(auth)
            request_signature = auth[HEADER_SIGNATURE]
        started = time.monotonic()
        try:
            response = self.session.request(
                method, self.base_url + path, data=body or None, headers=all_headers,
                timeout=self.timeout, allow_redirects=False, stream=True,
            )
            content = _read_within(response, None if deadline is None else started + deadline)
        except requests.RequestException as error:
            raise CountyUnreachable(f"{method} {path}: {type(error).__name__}: {error}") from None
        if content is None or (deadline is not None and time.monotonic() - started > deadline):
            raise CountyUnreachable(f"{method} {path}: no complete answer within {deadline} s "
                                    "of asking; not taken")
        status = response.status_code
        try:
            answer = json.loads(content) if content else {}
        except ValueError:
            answer = None
        if status == 429 or status >= 500:
            detail = answer.get("detail", "") if isinstance(answer, dict) else ""
            retry = parse_retry_after(response.headers.get("Retry-After"), self.clock())
            raise CountyUnreachable(
                f"{method} {path}: county answered {status} {detail}".strip(),
                retry_after=retry,
            )
        if 300 <= status < 400:
            raise UntrustedAnswer(
                f"{method} {path}: the answer is a redirect ({status}) to "
                f"{response.headers.get('Location', 'nowhere')!r}; the county never redirects, "
                "so it was not followed (a proxy or someone in between?)"
            )
        if not isinstance(answer, dict):
            if status < 400:
                raise CountyUnreachable(
                    f"{method} {path}: the county's answer ({status}) is not a JSON object; "
                    "a proxy or captive portal in the way?"
                )
            answer = {}
        return _Answer(status, answer, request_signature,
                       response.headers.get(HEADER_ANSWER_SIGNATURE), content)

    def _check(
        self, method: str, path: str, answer: _Answer, county_key: str | None = None
    ) -> None:
        """Raise :class:`UntrustedAnswer` unless *answer* is signed by the
        county key (the pinned one, or *county_key*) for the request sent."""
        where = f"{method} {path}"
        key_text = county_key if county_key is not None else self.county_key
        if answer.request_signature is None:
            return
        if not key_text:
            raise UntrustedAnswer(
                f"{where}: no county key is pinned, so the answer cannot be checked; set "
                "[county] public_key in the config and enroll"
            )
        if answer.answer_signature is None:
            raise UntrustedAnswer(
                f"{where}: the answer ({answer.status}) carries no {HEADER_ANSWER_SIGNATURE}: "
                "it did not come from the county (a proxy or someone in between); nothing "
                "in it was acted on"
            )
        try:
            public = public_key_from_text(key_text)
            verify_answer(public, answer.answer_signature, answer.request_signature,
                          answer.status, answer.content)
        except SignatureError as error:
            raise UntrustedAnswer(
                f"{where}: the answer ({answer.status}) is not signed by the county key "
                f"{_fingerprint(key_text)} for this request ({error}): altered, replayed or "
                "from someone in between; nothing in it was acted on"
            ) from None

    def _refused(self, method: str, path: str, answer: _Answer) -> None:
        if answer.status >= 400:
            body = answer.body
            raise CountyRefused(answer.status, str(body.get("error", "refused")),
                                str(body.get("detail", f"{method} {path}")), body)

    def _send(
        self,
        method: str,
        path: str,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
        signed: bool = True,
        deadline: float | None = None,
    ) -> dict[str, Any]:
        """The county's checked answer to one request; refusals raised."""
        answer = self._exchange(method, path, body, headers, signed, deadline)
        self._check(method, path, answer)
        self._refused(method, path, answer)
        return answer.body

    def _json(self, value: Any) -> bytes:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()

    # -- the protocol ----------------------------------------------------------

    def health(self) -> dict[str, Any]:
        return self._send("GET", PATH_HEALTH, signed=False)

    def proven_county_key(self) -> str:
        """The county's public key, proved before anything is shown to it: a
        health request signed by this device (new timestamp and nonce; the
        county needs no enrollment to answer it) whose answer must be signed,
        for this very request, by the key the answer names in
        ``county_public_key`` (or, from a county that names none, by the
        pinned key). The caller compares it with what it pinned."""
        answer = self._exchange("GET", PATH_HEALTH)
        if answer.status >= 400:  # a refusal changes nothing: checked when it can be
            if self.county_key:
                self._check("GET", PATH_HEALTH, answer)
            self._refused("GET", PATH_HEALTH, answer)
        named = answer.body.get("county_public_key") or self.county_key
        if not isinstance(named, str) or not named:
            raise UntrustedAnswer(
                f"GET {PATH_HEALTH}: the county at {self.base_url} does not say its key (a "
                "county older than this device?): pin its whole key, not only the fingerprint"
            )
        self._check("GET", PATH_HEALTH, answer, county_key=named)
        return named

    def enroll(self, code: str, role: str, village_code: str, county_key: str) -> dict[str, Any]:
        """Enroll this device's key with *code*, sealed to *county_key* (the
        pinned or proven county key, :mod:`protocol.enrollment_seal`) with this
        device's id and key, so that a code seen on the path is of no use to
        anyone else. The county signs its answer with its key,
        which the answer names (``county_public_key``): a success is believed
        only if signed by that key, and the caller must then compare the key
        with the one pinned, or with the pinned fingerprint
        (:func:`sync.enrollment.enroll` does). A refusal, which changes nothing,
        is checked with the pinned key when there is one."""
        mine = public_key_text(self.key)
        try:
            sealed = seal_code(public_key_from_text(county_key), code, self.device_id, mine)
        except (SignatureError, EnvelopeError) as error:
            raise UntrustedAnswer(f"the county key {county_key!r} cannot seal the enrollment "
                                  f"code ({error}); nothing was sent") from None
        body = self._json({"device_id": self.device_id, "public_key": mine,
                           "sealed_code": sealed, "role": role, "village_code": village_code})
        answer = self._exchange("POST", PATH_ENROLL, body, {"Content-Type": "application/json"})
        if answer.status < 400:
            named = answer.body.get("county_public_key")
            if not isinstance(named, str) or not named:
                raise UntrustedAnswer(f"POST {PATH_ENROLL}: the answer names no county key")
            self._check("POST", PATH_ENROLL, answer, county_key=named)
        elif self.county_key:
            self._check("POST", PATH_ENROLL, answer)
        self._refused("POST", PATH_ENROLL, answer)
        return answer.body

    def send_events(self, events: list[dict[str, Any]], backlog: int) -> BatchResult:
        body = gzip.compress(self._json({"events": events}), compresslevel=6, mtime=0)
        answer = self._send("POST", PATH_EVENTS, body, {
            "Content-Type": "application/json", "Content-Encoding": "gzip",
            HEADER_BACKLOG: str(backlog),
        })
        sent = {event.get("id") for event in events}
        accepted = _text_list(answer, "accepted")
        duplicates = _text_list(answer, "duplicates")
        strangers = sorted(set(accepted + duplicates) - sent)
        if strangers:
            raise UntrustedAnswer(
                f"POST {PATH_EVENTS}: the county's answer names events this batch did not "
                f"carry ({', '.join(strangers[:3])}); nothing was acknowledged"
            )
        server_time = answer.get("server_time", 0.0)
        if isinstance(server_time, bool) or not isinstance(server_time, int | float):
            server_time = 0.0
        return BatchResult(accepted, duplicates, float(server_time))

    def blob_status(self, digest: str) -> tuple[int, bool]:
        answer = self._send("GET", blob_path(digest))
        return _progress(answer, f"GET {blob_path(digest)}", 0)

    def put_blob_chunk(
        self, digest: str, offset: int, size: int, chunk: bytes
    ) -> tuple[int, bool]:
        """Send bytes from *offset*; returns how much the county now holds and
        whether that is the whole blob, its sha256 checked."""
        answer = self._send("PUT", blob_path(digest), chunk, {
            "Content-Type": "application/octet-stream",
            HEADER_OFFSET: str(offset), HEADER_SIZE: str(size),
        })
        return _progress(answer, f"PUT {blob_path(digest)}", size)

    def feed(self, after: int, health: str | None = None) -> dict[str, Any]:
        """One page of the feed, complete within :attr:`feed_deadline` of
        asking (the caller anchors the county's clock in it at the asking);
        *health*: the device's health report to carry (protocol.device_health)."""
        headers = {HEADER_HEALTH: health} if health is not None else None
        return self._send("GET", feed_path(after), headers=headers, deadline=self.feed_deadline)


def _read_within(response: requests.Response, deadline: float | None) -> bytes | None:
    """The answer's body; None if it is still coming at *deadline* (monotonic)."""
    chunks = []
    try:
        for chunk in response.iter_content(8192):
            chunks.append(chunk)
            if deadline is not None and time.monotonic() > deadline:
                return None
    finally:
        response.close()
    return b"".join(chunks)


def _fingerprint(key_text: str) -> str:
    try:
        return key_fingerprint(key_text)
    except SignatureError:
        return "(not a key)"


def _text_list(answer: dict[str, Any], name: str) -> list[str]:
    value = answer.get(name, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise UntrustedAnswer(f"the county's answer has no list of event ids in {name!r}")
    return value


def _progress(answer: dict[str, Any], where: str, size: int) -> tuple[int, bool]:
    """(received, complete) of a blob answer, if they can be true of the blob."""
    received, complete = answer.get("received"), answer.get("complete")
    if (isinstance(received, bool) or not isinstance(received, int) or received < 0
            or (size and received > size) or not isinstance(complete, bool)):
        raise UntrustedAnswer(f"{where}: the county's answer is not blob progress: {answer}")
    return received, complete
