"""Whether a seal station may be updated now: never while an approved session
is open, because restarting the controller in the middle of one ends it
(the approval is recorded as interrupted and its remaining uses are lost)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from device.state import DeviceState
from seal_controller.ledger import LEDGER_FILE, read_ledger
from seal_controller.replay import replay


@dataclass(frozen=True)
class OpenSession:
    """The approved record that no ending followed."""

    record: Mapping[str, Any]

    def describe(self) -> str:
        r = self.record
        return (f"approval {r.get('aid', '?')} for seal {r.get('slot', '?')} (ledger record "
                f"{r.get('seq', '?')}, {r.get('uses', '?')} uses)")


def open_session(state: DeviceState) -> OpenSession | None:
    """The approved session open in the device's ledger, if any."""
    found = replay(read_ledger(state.ledger / LEDGER_FILE).records).open_session
    return OpenSession(found) if found is not None else None


def refusal(session: OpenSession) -> str:
    return (f"the seal station has an approved session open: {session.describe()}. Updating "
            "now would end it. Try again once the custodian has finished (the lamp is back to "
            "steady green); if the seal controller is not running, start it first "
            "(systemctl start village-edge-seal): it closes a session a crash left open")
