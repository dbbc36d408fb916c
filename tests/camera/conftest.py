"""Shared helpers for the camera tests."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest

from camera.settings import CameraSettings
from camera.simulated import SimulatedCamera

#: The shape of an approval token: "VE1." and base64url text, about 300 characters.
TOKEN_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def approval_like_token(seed: int = 0, length: int = 300) -> str:
    rng = random.Random(seed)
    return "VE1." + "".join(rng.choice(TOKEN_ALPHABET) for _ in range(length - 4))


@pytest.fixture
def camera() -> Iterator[SimulatedCamera]:
    """A running simulated camera with the default (HQ) sizes."""
    with SimulatedCamera(CameraSettings(backend="simulated")) as running:
        yield running
