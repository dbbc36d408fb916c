"""The screenshot command and its answer: read back exactly; anything else refused."""

from __future__ import annotations

from typing import Any

import pytest

from protocol.commands import CommandRejected
from protocol.event_blobs import named_blobs
from protocol.screenshot_command import (
    SCREENSHOT_STREAM,
    ScreenshotCommand,
    ScreenshotTaken,
    read_screenshot_command,
    read_screenshot_taken,
)


def test_a_command_and_its_answer_read_back() -> None:
    command = ScreenshotCommand("ve-330226100201-k1", 1767000000.0, "zhang")
    assert command.name == "screenshot.ve-330226100201-k1"
    assert read_screenshot_command(command.body()) == command
    taken = ScreenshotTaken(command.name, 3, 1767000042.5, 800, 480, "a" * 64)
    assert read_screenshot_taken(taken.payload()) == taken
    assert named_blobs(SCREENSHOT_STREAM, taken.payload()) == ("a" * 64,)  # uploaded first


@pytest.mark.parametrize("body", [
    {"action": "clear_ledger_damage", "device": "ve-k1", "issued": 1.0, "operator": "z"},
    {"action": "screenshot", "device": "VE K1", "issued": 1.0, "operator": "z"},
    {"action": "screenshot", "device": "ve-k1", "issued": 0, "operator": "z"},
    {"action": "screenshot", "device": "ve-k1", "issued": 1.0, "operator": ""},
    {"action": "screenshot", "device": "ve-k1", "issued": 1.0, "operator": "z", "extra": 1},
])
def test_what_is_not_a_screenshot_command_is_refused(body: dict[str, Any]) -> None:
    with pytest.raises(CommandRejected):
        read_screenshot_command(body)
