"""The smart-seal procedure as a table a reader can check against docs/domain.md.

审 approve: the custodian asks (``request``); the county's signed approval
arrives by the feed or as a QR code (``approval_ok`` / ``approval_refused``).
用 use: the approved seal unlocks; each press is counted and photographed;
the last allowed release, the end of the approval or the custodian locks it.
管 manage: the seal must go back into its holder (``RETURNING``).
督 supervise: every row writes the ledger first; alarms for forced presses, a
removed seal, an opened lid, a failed camera, a seal not returned.

Each row is (phase, trigger) -> (next phase, actions). Actions run in order.
A ``ledger:*`` record always comes before any ``lock`` or ``unlock``, so it is
on disk before an actuator moves (write-ahead); photographs come before the
record that carries their hashes. ``END_SESSION`` as the next phase means IDLE if the seal
is back in its holder, else RETURNING. A (phase, trigger) pair not in the
table changes nothing and is refused (see :func:`rule_for`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Phase(Enum):
    IDLE = "idle"  # every seal locked, no request open
    REQUESTED = "requested"  # a request is open; waiting for the approval
    UNLOCKED = "unlocked"  # the approved seal is unlocked; presses are counted
    RETURNING = "returning"  # locked again; the seal is not yet back in its holder


END_SESSION = "end-session"

#: What happened, as the controller classifies it.
TRIGGERS = {
    "request": "the custodian asks to use a seal (slot, matter, stamps)",
    "cancel": "the custodian withdraws the open request",
    "approval_ok": "a signed approval fitting the open request, the station and the time",
    "approval_refused": "an approval that does not fit (the reason is shown and recorded)",
    "press_counted": "the plunger pressed while unlocked with stamps left",
    "press_over": "the plunger pressed while unlocked with no stamps left",
    "press_locked": "the plunger pressed while locked",
    "release": "the plunger released, stamps still left",
    "release_last": "the plunger released after the last allowed stamp",
    "sleeve_out": "the seal taken out of its holder",
    "sleeve_in": "the seal put back into its holder",
    "lid_open": "the enclosure lid opened",
    "lid_shut": "the enclosure lid shut",
    "camera_failed": "the camera failed or is covered",
    "end": "the custodian ends the session early",
    "expired": "the approval's time is up",
    "lock_limit": "the lock's hardware maximum on-time de-energised it",
    "return_overdue": "the seal has not been put back in time",
}


@dataclass(frozen=True)
class Rule:
    phase: Phase
    trigger: str
    next: Phase | str
    actions: tuple[str, ...]


def _rows() -> list[Rule]:
    idle, asked, open_, back = Phase.IDLE, Phase.REQUESTED, Phase.UNLOCKED, Phase.RETURNING
    end = END_SESSION
    rows = [
        # 审: asking and approving
        Rule(idle, "request", asked, ("photo_document", "ledger:requested", "send_request",
                               "signal:waiting", "show:waiting")),
        Rule(asked, "cancel", idle, ("ledger:cancelled", "signal:idle", "show:idle")),
        Rule(asked, "end", idle, ("ledger:cancelled", "signal:idle", "show:idle")),
        Rule(asked, "approval_ok", open_, ("ledger:approved", "unlock", "check_document",
                                   "signal:unlocked", "show:unlocked")),
        # 用: stamping
        Rule(open_, "press_counted", open_, ("photo_stamp", "ledger:stamp", "show:unlocked")),
        Rule(open_, "release", open_, ()),
        Rule(open_, "release_last", end, ("ledger:used_up", "lock", "signal:idle", "show:return")),
        Rule(open_, "end", end, ("ledger:ended", "lock", "signal:idle", "show:return")),
        Rule(open_, "expired", end, ("ledger:expired", "lock", "signal:idle", "show:return")),
        Rule(open_, "lock_limit", end, ("ledger:lock_limit", "lock", "signal:idle", "show:return")),
        Rule(open_, "sleeve_out", open_, ("ledger:seal_out",)),
        Rule(open_, "sleeve_in", open_, ("ledger:seal_in",)),
        # 管: putting the seal back
        Rule(back, "sleeve_in", idle, ("ledger:seal_returned", "signal:idle", "show:idle")),
        Rule(back, "return_overdue", back, ("ledger:alarm_not_returned", "alarm:not_returned",
                                      "show:alarm")),
        # 督: what must never happen quietly
        Rule(open_, "press_over", open_, ("ledger:alarm_press_over", "alarm:press_over",
                                          "show:alarm")),
        Rule(open_, "camera_failed", end, ("ledger:alarm_camera", "lock", "alarm:camera",
                                     "show:alarm")),
        Rule(open_, "lid_open", end, ("ledger:alarm_lid", "lock", "alarm:lid", "show:alarm")),
    ]
    for phase in (idle, asked, back):
        rows += [
            Rule(phase, "press_locked", phase, ("ledger:alarm_forced_press", "alarm:forced_press",
                                                "show:alarm")),
            Rule(phase, "camera_failed", phase, ("ledger:alarm_camera", "alarm:camera",
                                                 "show:alarm")),
            Rule(phase, "lid_open", phase, ("ledger:alarm_lid", "alarm:lid", "show:alarm")),
        ]
    for phase in (idle, asked):
        rows += [
            Rule(phase, "sleeve_out", phase, ("ledger:alarm_seal_removed", "alarm:seal_removed",
                                              "show:alarm")),
            Rule(phase, "sleeve_in", phase,
                 ("ledger:seal_in", "show:waiting" if phase is asked else "show:idle")),
        ]
    for phase in Phase:
        rows.append(Rule(phase, "lid_shut", phase, ("ledger:lid_shut",)))
        if phase is not open_:
            rows.append(Rule(phase, "approval_refused", phase, ("ledger:approval_refused",
                                                                "show:refused")))
    rows.append(Rule(open_, "approval_refused", open_, ("ledger:approval_refused", "show:refused")))
    return rows


TABLE: dict[tuple[Phase, str], Rule] = {(r.phase, r.trigger): r for r in _rows()}


def ledger_kind(rule: Rule) -> str | None:
    """The kind of ledger record *rule* writes (its first ``ledger:*`` action)."""
    for action in rule.actions:
        name, _, argument = action.partition(":")
        if name == "ledger":
            return argument
    return None


def _kinds(rules: list[Rule]) -> frozenset[str]:
    return frozenset(kind for rule in rules if (kind := ledger_kind(rule)) is not None)


#: Written by the controller's recovery, not by a row: a session that a power
#: cut or crash left open is closed, and its approval is used up.
INTERRUPTED = "interrupted"
#: The ledger kinds that open and close a request and a session, read off the
#: table so that replaying a ledger follows the same rules that wrote it.
REQUEST_OPENED = _kinds([TABLE[(Phase.IDLE, "request")]])
SESSION_OPENED = _kinds([TABLE[(Phase.REQUESTED, "approval_ok")]])
REQUEST_CLOSED = _kinds([r for r in TABLE.values()
                         if r.phase is Phase.REQUESTED and r.next is Phase.IDLE])
SESSION_ENDINGS = _kinds([r for r in TABLE.values()
                          if r.phase is Phase.UNLOCKED and r.next == END_SESSION]) | {INTERRUPTED}


def rule_for(phase: Phase, trigger: str) -> Rule | None:
    """The row for (phase, trigger); None when the table has none: the event
    is refused and nothing moves."""
    if trigger not in TRIGGERS:
        raise ValueError(f"unknown trigger {trigger!r}")
    return TABLE.get((phase, trigger))


def describe_table() -> str:
    """The table as text, for docs and for technicians."""
    lines = []
    for rule in TABLE.values():
        target = rule.next.value if isinstance(rule.next, Phase) else rule.next
        lines.append(f"{rule.phase.value:<10} {rule.trigger:<17} -> {target:<11} "
                     f"{', '.join(rule.actions) or '-'}")
    return "\n".join(lines)
