"""The named signals the station shows on its lamp and buzzer.

One table, so that the meaning of a colour or a beep is decided in one place:
a custodian learns "yellow blinking: waiting for approval" once.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Signal(Enum):
    OFF = "off"
    IDLE = "idle"
    WAITING = "waiting"
    UNLOCKED = "unlocked"
    ALARM = "alarm"


Colour = str  # "red", "yellow" or "green"


@dataclass(frozen=True)
class LampPattern:
    colour: Colour | None  # None: dark
    on_seconds: float | None = None  # None: steady
    off_seconds: float | None = None


@dataclass(frozen=True)
class BuzzerPattern:
    beeps: int | None  # None: until the signal changes; 0: silent
    on_seconds: float = 0.1
    off_seconds: float = 0.1


LAMP_PATTERNS: dict[Signal, LampPattern] = {
    Signal.OFF: LampPattern(None),
    Signal.IDLE: LampPattern("green"),
    Signal.WAITING: LampPattern("yellow", 0.5, 0.5),
    Signal.UNLOCKED: LampPattern("green", 0.2, 0.2),
    Signal.ALARM: LampPattern("red", 0.15, 0.15),
}

BUZZER_PATTERNS: dict[Signal, BuzzerPattern] = {
    Signal.OFF: BuzzerPattern(0),
    Signal.IDLE: BuzzerPattern(0),
    Signal.WAITING: BuzzerPattern(1, 0.1, 0.1),
    Signal.UNLOCKED: BuzzerPattern(2, 0.1, 0.1),
    Signal.ALARM: BuzzerPattern(None, 0.3, 0.2),
}
