"""How a complaint (or whistle-blower report) has been handled: the statuses
it reached, in order, each with when, who, and the reply the villager sees
at the kiosk's progress lookup.

The history only moves forward: a step never names an earlier status than
the one before it (received, handling, replied), nor an earlier time; it may
repeat the status (a reply written again). This is checked here, with a
plain message, and kept by the database itself (``complaint_steps``'s
triggers in county/schema/*/0005_complaints_clerk.sql): no program can
write a history that goes back, nor change or delete a step.
"""

from __future__ import annotations

from dataclasses import dataclass

from county.errors import CountyError
from county.store import Store
from protocol.complaint_status import STATUSES

RANKS = {status: rank for rank, status in enumerate(STATUSES, start=1)}
STATUS_NAMES = {"received": "已收到", "handling": "办理中", "replied": "已答复"}
COLUMNS = "code, step, status, at, day, handler, reply"


class StatusGoesBack(CountyError, ValueError):
    """A step that would take a complaint back to an earlier status or time:
    ``str()`` says so for the operator's command, :attr:`message` in plain
    Chinese for the console."""

    def __init__(self, detail: str, message: str) -> None:
        super().__init__(detail)
        self.message = message


@dataclass(frozen=True)
class Step:
    code: str
    step: int
    status: str
    at: float  # when it was recorded
    day: str  # ISO date shown to the villager
    handler: str
    reply: str | None

    @property
    def status_name(self) -> str:
        return STATUS_NAMES.get(self.status, self.status)


def _step(row: dict[str, object]) -> Step:
    return Step(str(row["code"]), int(str(row["step"])), str(row["status"]),
                float(str(row["at"])), str(row["day"]), str(row["handler"]),
                None if row["reply"] is None else str(row["reply"]))


def steps_of(store: Store, code: str) -> list[Step]:
    """The steps of *code*, oldest first."""
    return [_step(row) for row in store.execute(
        f"SELECT {COLUMNS} FROM complaint_steps WHERE code = ? ORDER BY step", (code,))]


def latest_steps(store: Store) -> dict[str, Step]:
    """The latest step of every complaint that has one."""
    rows = store.execute(
        f"SELECT {COLUMNS} FROM complaint_steps s WHERE step = "
        "(SELECT max(step) FROM complaint_steps t WHERE t.code = s.code)")
    return {str(row["code"]): _step(row) for row in rows}


def add_step(store: Store, code: str, status: str, *, at: float, day: str, handler: str,
             reply: str | None) -> Step:
    """Append a step to *code*'s history, within the caller's transaction;
    :class:`StatusGoesBack` if it would go back."""
    if status not in RANKS:
        raise CountyError(f"status {status!r} is not known: use one of {', '.join(STATUSES)}")
    store.lock(f"complaint:{code}")
    history = steps_of(store, code)
    last = history[-1] if history else None
    if last is not None and RANKS[status] < RANKS[last.status]:
        raise StatusGoesBack(
            f"report {code} is already {last.status}: it never goes back to an earlier "
            f"status ({status})",
            f"这件已经是“{last.status_name}”，不能改回“{STATUS_NAMES[status]}”："
            "办理状态只能往前走。")
    if last is not None and at < last.at:
        raise StatusGoesBack(
            f"report {code} was last changed at a later time than now: its history never "
            "goes back in time; check the server's clock",
            "这一步的时间早于上一步，不能记录：办理记录只能按时间往后加。请检查服务器的时钟。")
    step = Step(code, (last.step if last else 0) + 1, status, at, day, handler, reply)
    try:
        store.execute(
            "INSERT INTO complaint_steps (code, step, status, rank, at, day, handler, reply) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (code, step.step, status, RANKS[status], at, day, handler, reply))
    except Exception as error:  # the database's own rule, whichever engine raised it
        if "complaint_steps" not in str(error):
            raise
        raise StatusGoesBack(
            f"report {code} was changed by someone else at the same moment: look again",
            "别人刚刚改了这件的办理状态，请刷新页面看最新的情况再办理。") from error
    return step
