"""The smart-seal procedure as a table a reader can check against docs/domain.md.

审 approve: the custodian asks (``request``); the county's signed approval
arrives by the feed or as a QR code (``approval_ok`` / ``approval_refused``).
用 use: the approved seal unlocks; each press is counted and photographed;
the last allowed release, the end of the approval or the custodian locks it.
管 manage: the seal must go back into its holder (``RETURNING``).
督 supervise: every row writes the ledger first; alarms for forced presses, a
removed seal, an opened lid, a failed camera, a seal not returned, a damaged
or unwritable ledger (``HALTED``).

Each row is (phase, trigger) -> (next phase, actions). Actions run in order.
A ``ledger:*`` record always comes before any ``lock`` or ``unlock``, so it is
on disk before an actuator moves (write-ahead); photographs come before the
record that carries their hashes. ``END_SESSION`` as the next phase means IDLE
if every seal is back in its holder, else RETURNING; ``RESUME`` means HALTED
while another hold remains (ledger damage, storage), else as ``END_SESSION``.
A (phase, trigger) pair not in the table changes nothing and is refused (see
:func:`rule_for`). When a row's ledger record cannot be written, only its
:data:`SAFE_ACTIONS` run, and the ``storage_failed`` row follows.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Phase(Enum):
    IDLE = "idle"  # every seal locked, no request open
    REQUESTED = "requested"  # a request is open; waiting for the approval
    UNLOCKED = "unlocked"  # the approved seal is unlocked; presses are counted
    RETURNING = "returning"  # locked again; a seal is not yet back in its holder
    HALTED = "halted"  # every seal locked, every approval refused: the ledger is
    # damaged (until the county clears it) or cannot be written (until it can)


END_SESSION = "end-session"
RESUME = "resume"

#: What happened, as the controller classifies it.
TRIGGERS = {
    "request": "the custodian asks to use a seal (slot, matter, stamps)",
    "request_unsent": "the request could not be stored for sending to the county",
    "cancel": "the custodian withdraws the open request",
    "county_refused": "the county refused the open request (its reason is shown)",
    "approval_ok": "a signed approval fitting the open request, the station and the time",
    "approval_refused": "an approval that does not fit (the reason is shown and recorded)",
    "press_counted": "the unlocked seal's plunger pressed with more than this stamp left",
    "press_last": "the unlocked seal's plunger pressed for the last allowed stamp",
    "press_over": "the unlocked seal's plunger pressed with no stamps left",
    "press_locked": "the plunger of a locked seal pressed (any seal but the unlocked one)",
    "release": "the plunger released, stamps still left (or another seal's plunger)",
    "release_last": "the plunger released after the last allowed stamp",
    "sleeve_out": "the unlocked seal taken out of its holder",
    "seal_removed": "a locked seal taken out of its holder (any seal but the unlocked one)",
    "sleeve_in": "a seal put back into its holder; another is still out",
    "all_home": "a seal put back into its holder, and now every seal is home",
    "lid_open": "the enclosure lid opened",
    "lid_shut": "the enclosure lid shut",
    "camera_failed": "the camera failed or is covered, or its photo cannot be stored",
    "end": "the custodian ends the session early",
    "expired": "the approval's time is up (or the trusted time was lost)",
    "lock_limit": "the lock's hardware maximum on-time de-energised it",
    "return_overdue": "the seal has not been put back in time",
    "ledger_damaged": "the ledger was found damaged at start (not a torn last write)",
    "damage_cleared": "the county's signed command clearing the ledger damage",
    "command_refused": "a county command that does not fit (the reason is recorded)",
    "storage_failed": "the ledger could not be written (disk full, read-only or failing)",
    "storage_restored": "the ledger can be written again",
    "camera_missing": "the camera could not be opened at start (or on a retry)",
    "camera_restored": "the camera opened again",
}

#: Actions that are safe whatever happened before them in the row: they only
#: lock, warn or hold. When a row's ledger record cannot be written, the rest
#: of the row runs only these (write-ahead: nothing else acts on a transition
#: the ledger does not hold), and its next phase is taken only if it is HALTED.
SAFE_ACTIONS = frozenset({"lock", "hold", "alarm", "signal", "show"})


@dataclass(frozen=True)
class Rule:
    phase: Phase
    trigger: str
    next: Phase | str
    actions: tuple[str, ...]


def _rows() -> list[Rule]:
    idle, asked, open_, back = Phase.IDLE, Phase.REQUESTED, Phase.UNLOCKED, Phase.RETURNING
    halted = Phase.HALTED
    end = END_SESSION
    rows = [
        # 审: asking and approving
        Rule(idle, "request", asked, ("photo_document", "ledger:requested", "send_request",
                               "signal:waiting", "show:waiting")),
        Rule(asked, "request_unsent", idle, ("ledger:request_unsent", "signal:idle",
                                             "show:unsent")),
        Rule(asked, "cancel", idle, ("ledger:cancelled", "signal:idle", "show:idle")),
        Rule(asked, "county_refused", idle, ("ledger:refused_by_county", "signal:idle",
                                             "show:county_refused")),
        Rule(asked, "end", idle, ("ledger:cancelled", "signal:idle", "show:idle")),
        Rule(asked, "approval_ok", open_, ("ledger:approved", "unlock", "check_document",
                                   "signal:unlocked", "show:unlocked")),
        # 用: stamping
        Rule(open_, "press_counted", open_, ("photo_stamp", "ledger:stamp", "show:unlocked")),
        # The last allowed press drops the lock at once, before its photo is
        # taken (a still takes a few hundred ms): the bolt springs home as the
        # plunger comes up, so no further press gets through however quickly
        # it follows; its release then ends the session as release_last.
        Rule(open_, "press_last", open_, ("ledger:last_press", "lock", "photo_stamp",
                                          "ledger:stamp", "show:unlocked")),
        Rule(open_, "release", open_, ()),
        Rule(open_, "release_last", end, ("ledger:used_up", "lock", "signal:idle", "show:return")),
        Rule(open_, "end", end, ("ledger:ended", "lock", "signal:idle", "show:return")),
        Rule(open_, "expired", end, ("ledger:expired", "lock", "signal:idle", "show:return")),
        Rule(open_, "lock_limit", end, ("ledger:lock_limit", "lock", "signal:idle", "show:return")),
        Rule(open_, "sleeve_out", open_, ("ledger:seal_out",)),
        Rule(open_, "sleeve_in", open_, ("ledger:seal_in",)),
        Rule(open_, "all_home", open_, ("ledger:seal_in",)),
        # 管: putting the seals back; returning ends only when every seal is home
        Rule(back, "sleeve_in", back, ("ledger:seal_in",)),
        Rule(back, "all_home", idle, ("ledger:seal_returned", "signal:idle", "show:idle")),
        Rule(back, "return_overdue", back, ("ledger:alarm_not_returned", "alarm:not_returned",
                                      "show:alarm")),
        # 督: what must never happen quietly
        Rule(open_, "press_over", open_, ("ledger:alarm_press_over", "alarm:press_over",
                                          "show:alarm")),
        Rule(open_, "camera_failed", end, ("ledger:alarm_camera", "lock", "alarm:camera",
                                     "show:alarm")),
        Rule(open_, "lid_open", end, ("ledger:alarm_lid", "lock", "alarm:lid", "show:alarm")),
        # The ledger is the station's memory: damaged, nothing unlocks until the
        # county has looked; unwritable, nothing unlocks until it can be written.
        Rule(idle, "ledger_damaged", halted, ("ledger:alarm_ledger_damaged", "lock", "hold:damage",
                                              "alarm:ledger_damaged", "show:alarm")),
        Rule(halted, "damage_cleared", RESUME, ("ledger:damage_cleared", "release:damage",
                                                "show:resumed")),
        Rule(halted, "command_refused", halted, ("ledger:command_refused",)),
        Rule(halted, "storage_restored", RESUME, ("ledger:storage_restored", "release:storage",
                                                  "show:resumed")),
        # No camera, no stamping: nothing unlocks without a photo of each stamp.
        Rule(halted, "camera_restored", RESUME, ("ledger:camera_restored", "release:camera",
                                                 "show:resumed")),
    ]
    for phase in Phase:
        # Every seal is guarded in every phase: only the unlocked seal may be
        # pressed or taken out; every other press or removal is an alarm.
        rows += [
            Rule(phase, "press_locked", phase, ("ledger:alarm_forced_press",
                                                "alarm:forced_press", "show:alarm")),
            Rule(phase, "seal_removed", phase, ("ledger:alarm_seal_removed",
                                                "alarm:seal_removed", "show:alarm")),
            Rule(phase, "lid_shut", phase, ("ledger:lid_shut",)),
            Rule(phase, "approval_refused", phase, ("ledger:approval_refused", "show:refused")),
            Rule(phase, "storage_failed", halted, ("ledger:alarm_storage", "lock", "hold:storage",
                                                   "alarm:storage", "show:alarm")),
        ]
    for phase in (idle, asked, back, halted):
        rows += [
            Rule(phase, "camera_missing", halted, ("ledger:alarm_camera_missing", "lock",
                                                   "hold:camera", "alarm:camera", "show:alarm")),
        ]
    for phase in (idle, asked, back, halted):
        rows += [
            Rule(phase, "camera_failed", phase, ("ledger:alarm_camera", "alarm:camera",
                                                 "show:alarm")),
            Rule(phase, "lid_open", phase, ("ledger:alarm_lid", "alarm:lid", "show:alarm")),
        ]
    for phase in (idle, asked):
        shown = "show:waiting" if phase is asked else "show:idle"
        rows += [Rule(phase, "sleeve_in", phase, ("ledger:seal_in", shown)),
                 Rule(phase, "all_home", phase, ("ledger:seal_in", shown))]
    rows += [Rule(halted, "sleeve_in", halted, ("ledger:seal_in",)),
             Rule(halted, "all_home", halted, ("ledger:seal_in",))]
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
REQUEST_CLOSED = _kinds([r for r in TABLE.values() if r.phase is Phase.REQUESTED
                         and r.next in (Phase.IDLE, Phase.HALTED)])
SESSION_ENDINGS = _kinds([r for r in TABLE.values() if r.phase is Phase.UNLOCKED
                          and r.next in (END_SESSION, Phase.HALTED)]) | {INTERRUPTED}
#: The record that starts a new ledger segment after damage, and the record of
#: the county's command clearing it.
DAMAGE_FOUND = _kinds([TABLE[(Phase.IDLE, "ledger_damaged")]])
DAMAGE_CLEARED = _kinds([TABLE[(Phase.HALTED, "damage_cleared")]])


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
