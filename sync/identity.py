"""The device's own Ed25519 key, made once and kept private on the device."""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from durable.atomic import atomic_write
from protocol.signing import new_private_key, private_key_bytes, private_key_from_bytes


def load_or_create_device_key(path: Path) -> Ed25519PrivateKey:
    """Read the key at *path*, or make one and store it readable by its owner
    only. A damaged key file is an error, never silently replaced: the county
    knows this device by that key."""
    try:
        return private_key_from_bytes(path.read_bytes())
    except FileNotFoundError:
        pass
    key = new_private_key()
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    atomic_write(path, private_key_bytes(key), mode=0o600)
    return key
