"""The custodian's panel at the seal station, as plain Python: what to do
next, the chosen seal, matter and number of stamps, what is left of a
session, the last photos, every refusal and alarm, and which buttons can act
now. The Kivy screen (:mod:`seal_controller.panel_app`) only draws this and
forwards taps.

Each number appears in one place: the number of stamps chosen in the counter
(only while choosing), the number left in the headline during a session, the
number asked for in the request line while waiting.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from protocol.approval_token import MAX_USES
from seal_controller.controller import SealController
from seal_controller.procedure import Phase


@dataclass(frozen=True)
class SlotChoice:
    name: str
    label: str
    chosen: bool
    unlocked: bool


class PanelModel:
    def __init__(
        self, controller: SealController, photo_path: Callable[[str], Path] | None = None
    ) -> None:
        self.controller = controller
        self.photo_path = photo_path  # sha256 -> the photo's file, for thumbnails
        slots = list(controller.station.slots)
        self.slot: str | None = slots[0] if len(slots) == 1 else None
        self.matter: str | None = None
        self.uses = 1
        self.note = ""

    # -- choices -----------------------------------------------------------

    def slots(self) -> list[SlotChoice]:
        return [SlotChoice(slot.name, slot.label, slot.name == self.slot,
                           not slot.lock.is_locked)
                for slot in self.controller.station.slots.values()]

    def matters(self) -> tuple[str, ...]:
        return self.controller.matters

    def choose_slot(self, name: str) -> None:
        if self.idle:
            self.slot, self.note = name, ""

    def choose_matter(self, matter: str) -> None:
        if self.idle:
            self.matter, self.note = matter, ""

    def more(self) -> None:
        if self.idle:
            self.uses = min(MAX_USES, self.uses + 1)

    def fewer(self) -> None:
        if self.idle:
            self.uses = max(1, self.uses - 1)

    # -- actions -------------------------------------------------------------

    @property
    def idle(self) -> bool:
        return self.controller.phase is Phase.IDLE

    @property
    def can_request(self) -> bool:
        return self.idle and self.slot is not None and self.matter is not None

    def request(self) -> None:
        if self.slot is None:
            self.note = "请先选择要用的印章。"
            return
        if self.matter is None:
            self.note = "请先选择用印事项。"
            return
        try:
            self.controller.request(self.slot, self.matter, self.uses)
        except (ValueError, RuntimeError):
            self.note = "现在不能申请，请等本次用印结束。"
            return
        self.note = ""

    def end(self) -> None:
        self.controller.end()
        self.note = ""

    def cancel(self) -> None:
        self.controller.cancel()
        self.note = ""

    # -- what the screen shows -----------------------------------------------

    @property
    def headline(self) -> str:
        return self.note or self.controller.view().message

    @property
    def status(self) -> str:
        view = self.controller.view()
        labels = {s.name: s.label for s in self.controller.station.slots.values()}
        if view.phase == Phase.UNLOCKED.value:
            return "盖完最后一次，印章会自动锁上；不再用了请按“结束用印”。"
        request = self.controller.request_open
        if view.phase == Phase.REQUESTED.value and request is not None:
            return (f"申请号 {request.req}（{labels[request.slot]}，{request.matter}，"
                    f"{request.uses} 次）")
        if view.phase == Phase.RETURNING.value:
            return "请把印章放回原位"
        if view.phase == Phase.HALTED.value:
            return "现在不能申请用印。"
        seal = labels[self.slot] if self.slot else "还没有选"
        return f"印章：{seal}　事项：{self.matter or '还没有选'}"

    @property
    def counter(self) -> str:
        """The number of stamps being chosen; empty when nothing is chosen."""
        return f"{self.uses} 次" if self.idle else ""

    def enabled(self) -> dict[str, bool]:
        """Which buttons can act now, by name (``slot:NAME`` and ``matter:M``
        for the choices)."""
        idle = self.idle
        phase = self.controller.phase
        buttons = {"fewer": idle and self.uses > 1, "more": idle and self.uses < MAX_USES,
                   "request": idle, "end": phase is Phase.UNLOCKED,
                   "cancel": phase is Phase.REQUESTED}
        buttons.update({f"slot:{c.name}": idle for c in self.slots()})
        buttons.update({f"matter:{m}": idle for m in self.matters()})
        return buttons

    @property
    def alarms(self) -> list[str]:
        return self.controller.view().alarms

    def photos(self) -> list[Path]:
        if self.photo_path is None:
            return []
        paths = [self.photo_path(sha) for sha in self.controller.view().photos[:3]]
        return [p for p in paths if p.exists()]
