"""The county's Ed25519 signing key: 32 raw bytes in a file of mode 0600,
created once, atomically (write a temporary file, fsync, link into place,
fsync the directory), so a crash never leaves a half-written key and two
processes starting at once end up with the same key."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from county.errors import CountyError
from durable.atomic import fsync_directory
from protocol.signing import (
    SignatureError,
    new_private_key,
    private_key_bytes,
    private_key_from_bytes,
)

log = logging.getLogger(__name__)


def create_key_file(path: Path, raw: bytes) -> bool:
    """Write the key bytes *raw* to *path* unless a key is there; True if this
    call made it."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        try:
            os.write(descriptor, raw)
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        try:
            os.link(temporary, path)  # unlike rename, refuses to replace a key already there
        except FileExistsError:
            return False
        fsync_directory(path.parent)
        return True
    finally:
        temporary.unlink(missing_ok=True)


def read_key_file(path: Path, what: str, missing: str) -> bytes:
    """The bytes of *what* (a key) in *path*; *missing* says what to do when
    there is none."""
    try:
        raw = path.read_bytes()
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise CountyError(f"no {what} at {path}: {missing}") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        log.warning("%s can be read by other users (mode %o); chmod 600 it", path, mode & 0o777)
    return raw


def create_key(path: Path) -> bool:
    """Make the county's signing key at *path* unless one is there."""
    return create_key_file(path, private_key_bytes(new_private_key()))


def load_key(path: Path) -> Ed25519PrivateKey:
    """The key in *path*, or :class:`CountyError` saying what is wrong."""
    raw = read_key_file(path, "county key", "start the county once with "
                              f"`village-edge county serve --data {path.parent}`, or check --data")
    try:
        return private_key_from_bytes(raw)
    except SignatureError as error:
        raise CountyError(
            f"{path} is not a county key ({error}); restore it from the backup"
        ) from None


def load_or_create_key(path: Path) -> Ed25519PrivateKey:
    if not path.exists() and create_key(path):
        log.info("made a new county signing key in %s", path)
    return load_key(path)
