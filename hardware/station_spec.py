"""Which devices a station has and on which pins: the settings of a
:class:`~hardware.station.Station`, importable without gpiozero (the
configuration builds them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from hardware.lock_timing import LockTiming

LampKind = Literal["rgb", "tower"]


@dataclass(frozen=True)
class SlotSpec:
    """The pins of one seal slot (BCM numbers)."""

    name: str
    label: str
    lock: int
    sleeve: int
    plunger: int


@dataclass(frozen=True)
class StationSpec:
    """Which devices a station has and on which pins (BCM numbers)."""

    slots: tuple[SlotSpec, ...] = ()
    lid: int | None = None
    lamp: tuple[int, int, int] | None = None
    lamp_kind: LampKind = "rgb"
    buzzer: int | None = None
    lock_timing: LockTiming = field(default_factory=LockTiming)
    settle_seconds: float = 0.05

    def pin_uses(self) -> list[tuple[str, int]]:
        """Every (device, pin) pair, for checking that no pin is used twice."""
        uses: list[tuple[str, int]] = []
        for slot in self.slots:
            uses += [
                (f"slot {slot.name} lock", slot.lock),
                (f"slot {slot.name} sleeve", slot.sleeve),
                (f"slot {slot.name} plunger", slot.plunger),
            ]
        if self.lid is not None:
            uses.append(("lid", self.lid))
        if self.lamp is not None:
            uses += [(f"lamp {i + 1}", pin) for i, pin in enumerate(self.lamp)]
        if self.buzzer is not None:
            uses.append(("buzzer", self.buzzer))
        return uses
