"""Whether a seal station may be updated now: never while an approved session
is open, because restarting the controller in the middle of one ends it
(the approval is recorded as interrupted and its remaining uses are lost)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from seal_controller.ledger import LEDGER_FILE, read_ledger

# The ledger kinds that close an approved session (as the controller's
# SESSION_ENDINGS; a test keeps the two the same).
SESSION_ENDINGS = frozenset({"used_up", "ended", "expired", "lock_limit", "alarm_camera",
                             "alarm_lid", "interrupted"})


@dataclass(frozen=True)
class OpenSession:
    """The approved record that no ending followed."""

    record: dict[str, Any]

    def describe(self) -> str:
        r = self.record
        return (f"approval {r.get('aid', '?')} for seal {r.get('slot', '?')} (ledger record "
                f"{r.get('seq', '?')}, {r.get('uses', '?')} uses)")


def open_session(state_dir: Path) -> OpenSession | None:
    """The approved session open in the ledger under *state_dir*, if any."""
    reading = read_ledger(state_dir / "ledger" / LEDGER_FILE)
    found: dict[str, Any] | None = None
    for record in reading.records:
        kind = record.get("kind")
        if kind == "approved":
            found = record
        elif kind in SESSION_ENDINGS:
            found = None
    return OpenSession(found) if found is not None else None


def refusal(session: OpenSession) -> str:
    return (f"the seal station has an approved session open: {session.describe()}. Updating "
            "now would end it. Try again once the custodian has finished (the lamp is back to "
            "steady green); if the seal controller is not running, start it first "
            "(systemctl start village-edge-seal): it closes a session a crash left open")
