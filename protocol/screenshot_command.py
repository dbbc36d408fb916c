"""The county asks a kiosk for a picture of its screen: a command
(:mod:`protocol.commands`: a signed feed document of kind ``command``,
addressed to that kiosk alone), and the kiosk's answer, an event carrying
the PNG as a blob.

The command, document ``screenshot.<device>``, each request a new version::

    {"action": "screenshot", "device": "ve-330226100201-k1",
     "issued": 1767000000.0, "operator": "zhang"}

The feed store already refuses a document signed by another key, addressed
to another device, expired, or not newer than the one it holds (a replay);
the kiosk also refuses a body that names another device, and acts on each
version once. Its answer, in the stream :data:`SCREENSHOT_STREAM`::

    {"command": "screenshot.ve-330226100201-k1", "version": 3,
     "taken": 1767000042.5, "width": 800, "height": 480, "blobs": ["<sha256 of the PNG>"]}
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from protocol.api import DEVICE_ID, SHA256_HEX
from protocol.commands import CommandRejected, command_name

SCREENSHOT = "screenshot"
SCREENSHOT_STREAM = "kiosk.screenshot"
COMMAND_DAYS = 1  # a kiosk offline longer than this is not asked for an old picture
MAX_PNG_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class ScreenshotCommand:
    device: str
    issued: float
    operator: str
    action: str = SCREENSHOT

    def body(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def name(self) -> str:
        return screenshot_command_name(self.device)


def screenshot_command_name(device: str) -> str:
    return command_name(SCREENSHOT, device)


def read_screenshot_command(body: Mapping[str, Any]) -> ScreenshotCommand:
    """The command in a feed document's *body*; :class:`CommandRejected`."""
    if body.get("action") != SCREENSHOT:
        raise CommandRejected("action", f"not a screenshot command: {body.get('action')!r}")
    expected = {"action", "device", "issued", "operator"}
    if set(body) != expected:
        raise CommandRejected("fields", f"expected {sorted(expected)}, found {sorted(body)}")
    device, issued, operator = body["device"], body["issued"], body["operator"]
    if not isinstance(device, str) or not DEVICE_ID.fullmatch(device):
        raise CommandRejected("fields", f"device is not a device id: {device!r}")
    if (isinstance(issued, bool) or not isinstance(issued, int | float)
            or not math.isfinite(issued) or issued <= 0):
        raise CommandRejected("fields", "issued must be a time (seconds since 1970)")
    if not isinstance(operator, str) or not 1 <= len(operator) <= 64:
        raise CommandRejected("fields", "operator must be 1 to 64 characters")
    return ScreenshotCommand(device, float(issued), operator)


@dataclass(frozen=True)
class ScreenshotTaken:
    """The kiosk's answer: the picture's sha256 (uploaded as a blob), for
    version *version* of the command named *command*."""

    command: str
    version: int
    taken: float
    width: int
    height: int
    sha256: str

    def payload(self) -> dict[str, Any]:
        return {"command": self.command, "version": self.version, "taken": self.taken,
                "width": self.width, "height": self.height, "blobs": [self.sha256]}


def read_screenshot_taken(payload: Any) -> ScreenshotTaken:
    """The answer in an event's *payload*; :class:`CommandRejected` if it is not one."""
    if not isinstance(payload, dict):
        raise CommandRejected("fields", "the payload is not an object")
    command, version, taken = payload.get("command"), payload.get("version"), payload.get("taken")
    width, height, blobs = payload.get("width"), payload.get("height"), payload.get("blobs")
    if not isinstance(command, str) or not command.startswith(SCREENSHOT + "."):
        raise CommandRejected("fields", f"command is not a screenshot command: {command!r}")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise CommandRejected("fields", "version must be a whole number of 1 or more")
    if (isinstance(taken, bool) or not isinstance(taken, int | float)
            or not math.isfinite(taken) or taken <= 0):
        raise CommandRejected("fields", "taken must be a time (seconds since 1970)")
    for name, value in (("width", width), ("height", height)):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= 10000:
            raise CommandRejected("fields", f"{name} must be a number of pixels")
    if (not isinstance(blobs, list) or len(blobs) != 1 or not isinstance(blobs[0], str)
            or not SHA256_HEX.fullmatch(blobs[0])):
        raise CommandRejected("fields", "blobs must name the one PNG by its sha256")
    assert isinstance(width, int) and isinstance(height, int)
    return ScreenshotTaken(command, version, float(taken), width, height, blobs[0])
