"""Event ids made on the device: 26 characters, sortable by creation time.

The first 10 characters are the milliseconds since 1970 and the last 16 are
80 random bits, both in Crockford's base32 (the ULID layout). Ids made by one
process are strictly increasing, even within one millisecond; ids of
different devices collide with a chance of about 2^-80 per millisecond.
"""

from __future__ import annotations

import os
import re
import threading
import time

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
ID_PATTERN = re.compile(r"[0-9A-HJKMNP-TV-Z]{26}")
RANDOM_BITS = 80


def _encode(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        chars.append(ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


class EventIdSource:
    """Makes increasing ids; one per process is enough, it is thread-safe."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._last_ms = -1
        self._last_random = 0

    def new_id(self, now: float | None = None) -> str:
        ms = int((time.time() if now is None else now) * 1000)
        with self._mutex:
            if ms <= self._last_ms:
                ms = self._last_ms
                random = self._last_random + 1
            else:
                random = int.from_bytes(os.urandom(RANDOM_BITS // 8), "big")
            random &= (1 << RANDOM_BITS) - 1
            self._last_ms, self._last_random = ms, random
        return _encode(ms, 10) + _encode(random, 16)


def id_time(event_id: str) -> float:
    """The creation time (Unix seconds) an id carries."""
    value = 0
    for char in event_id[:10]:
        value = value * 32 + ALPHABET.index(char)
    return value / 1000
