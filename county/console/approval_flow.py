"""The approver's rules on top of :mod:`county.approvals` (which issues the
token or the refusal; nothing of its rules is repeated here):

- an account sees a request only if it is an approver of the station's
  village and of the request's seal; otherwise the request does not exist
  for it (404);
- an account never decides a request of a station it is the custodian of
  (the station sends no name with a request; ``custodian_of`` links
  accounts to stations: docs/console.md, "Who asked");
- a matter named in ``[[console.levels]]`` needs its levels in order, each
  by an approver of that level, each a different person; with
  ``amount_at_least``, the first level enters the amount read from the
  document photo, and only an amount at or above it needs the later
  levels. The token is issued when the last level needed approves; each
  level is audited.
"""

from __future__ import annotations

from dataclasses import dataclass

from county import approvals
from county.console import audit
from county.console.accounts import LEVEL_NAMES, Account, all_accounts
from county.console.config import ConsoleSettings, LevelRule
from county.datadir import CountyDir
from county.errors import CountyError
from county.request_states import RequestState, RequestStatus, request_report
from county.store import Store
from protocol.approval_token import MAX_USES, Approval

MAX_AMOUNT = 10 ** 12
OWN_REQUEST = "这是你保管的印章提出的申请，按规定你不能自己审批，请由其他审批人处理。"


class DecisionRefused(CountyError):
    """A decision this account may not take now; the message says why, in Chinese."""


@dataclass(frozen=True)
class LevelDecision:
    step: int
    level: str
    approver: str
    amount: int | None
    uses: int
    minutes: float
    decided: float


@dataclass(frozen=True)
class Seen:
    """A request as an approver sees it."""

    status: RequestStatus
    village: str
    custodians: tuple[str, ...]  # display names of the accounts keeping the station
    levels_done: tuple[LevelDecision, ...]
    rule: LevelRule | None
    last_seen: float | None  # when the station last reached the county

    @property
    def key(self) -> str:
        return f"{self.status.request.device_id}/{self.status.request.req}"

    @property
    def amount(self) -> int | None:
        return self.levels_done[0].amount if self.levels_done else None

    def levels_needed(self, amount: int | None = None) -> tuple[str, ...]:
        """The levels this request needs, given the amount (entered now, or before)."""
        rule = self.rule
        if rule is None:
            return ()
        known = self.amount if self.levels_done else amount
        if rule.amount_at_least is not None and known is not None \
                and known < rule.amount_at_least:
            return rule.levels[:1]
        return rule.levels

    @property
    def awaited_level(self) -> str | None:
        """The level whose approval is awaited now (None: any approver's)."""
        if self.rule is None:
            return None
        needed = self.levels_needed()
        step = len(self.levels_done)
        return needed[step] if step < len(needed) else None

    @property
    def awaited_name(self) -> str:
        level = self.awaited_level
        return LEVEL_NAMES[level] if level else ""

    @property
    def most_uses(self) -> int:
        """The most stamps this approver may allow: what the station asked,
        what every earlier level allowed, and never above what a token can carry."""
        request = self.status.request
        return min([MAX_USES, request.uses, *(done.uses for done in self.levels_done)])

    @property
    def needs_amount(self) -> bool:
        return (self.rule is not None and self.rule.amount_at_least is not None
                and not self.levels_done)


def may_see(account: Account, village: str, slot: str) -> bool:
    return account.has("approver") and account.sees_village(village) \
        and account.approves_seal(slot)


def _levels(store: Store, device_id: str, req: str) -> tuple[LevelDecision, ...]:
    rows = store.execute(
        "SELECT step, level, approver, amount, uses, minutes, decided FROM "
        "console_approval_levels WHERE device_id = ? AND req = ? ORDER BY step",
        (device_id, req))
    return tuple(LevelDecision(int(r["step"]), r["level"], r["approver"], r["amount"],
                               int(r["uses"]), float(r["minutes"]), float(r["decided"]))
                 for r in rows)


def visible_requests(store: Store, account: Account, settings: ConsoleSettings, now: float,
                     *, only_open: bool = True, request_id: str | None = None) -> list[Seen]:
    """The requests *account* may see, newest first."""
    report = request_report(store, now, request_id)
    devices = {d.device_id: d for d in store.devices()}
    keepers: dict[str, list[str]] = {}
    for other in all_accounts(store):
        for station in other.custodian_of:
            keepers.setdefault(station, []).append(other.display_name)
    seen = []
    for status in report.statuses:
        if only_open and status.state is not RequestState.OPEN:
            continue
        request = status.request
        device = devices.get(request.device_id)
        if device is None or not may_see(account, device.village_code, request.slot):
            continue
        seen.append(Seen(status, device.village_code,
                         tuple(keepers.get(request.device_id, ())),
                         _levels(store, request.device_id, request.req),
                         settings.rule_for(request.matter), device.last_seen))
    seen.sort(key=lambda s: s.status.request.received, reverse=True)
    return seen


def find_request(store: Store, account: Account, settings: ConsoleSettings, now: float,
                 device_id: str, req: str) -> Seen | None:
    """The request (*device_id*, *req*) if *account* may see it, whatever its state."""
    found = visible_requests(store, account, settings, now, only_open=False, request_id=req)
    return next((s for s in found if s.status.request.device_id == device_id), None)


def own_request(account: Account, seen: Seen) -> bool:
    return seen.status.request.device_id in account.custodian_of


def _check_may_decide(account: Account, seen: Seen) -> None:
    if own_request(account, seen):
        raise DecisionRefused(OWN_REQUEST)
    if seen.status.state is not RequestState.OPEN:
        raise DecisionRefused("这个申请已经处理过了，不能再审批。")
    level = seen.awaited_level
    if level is not None and account.level != level:
        raise DecisionRefused(f"这一步需要{LEVEL_NAMES[level]}审批人审批，你的账号不能办理。")
    if any(done.approver == account.name for done in seen.levels_done):
        raise DecisionRefused("你已经审批过这个申请的上一级，下一级需要由另一位审批人审批。")


@dataclass(frozen=True)
class Outcome:
    issued: approvals.IssuedApproval | None  # the token, when the last level approved
    level: str | None  # the level recorded, for a multi-level matter


def approve(county: CountyDir, store: Store, account: Account, seen: Seen, *, uses: int,
            minutes: float, amount: int | None, address: str, now: float) -> Outcome:
    """Approve *seen* as *account*: one level of a multi-level matter, or
    the approval itself (the token, through :func:`county.approvals.approve`)."""
    _check_may_decide(account, seen)
    request = seen.status.request
    most = seen.most_uses
    if not 1 <= uses <= most:
        raise DecisionRefused(f"盖章次数应为 1 到 {most} 次。")
    if seen.needs_amount:
        if amount is None or not 0 <= amount <= MAX_AMOUNT:
            raise DecisionRefused("请填写文件上的金额（元，整数），按照片上的文件填写。")
    else:
        amount = seen.amount
    obj = f"request:{seen.key}"
    step = len(seen.levels_done)
    needed = seen.levels_needed(amount)
    level = needed[step] if step < len(needed) else None
    last = step + 1 >= len(needed)
    if level is not None:
        with store.transaction():
            rows = store.execute(
                "INSERT INTO console_approval_levels (device_id, req, step, level, approver, "
                "amount, uses, minutes, decided) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (device_id, req, step) DO NOTHING RETURNING step",
                (request.device_id, request.req, step, level, account.name, amount, uses,
                 minutes, now))
            if not rows:
                raise DecisionRefused("另一位审批人刚刚审批了这一级，请刷新页面查看。")
            audit.record(store, at=now, actor=account.name, action="approve_level",
                         address=address, object=obj, level=level, step=step + 1,
                         of=len(needed), amount=amount, uses=uses, minutes=minutes)
        if not last:
            return Outcome(None, level)
    def record(store: Store, approval: Approval) -> None:
        audit.record(store, at=now, actor=account.name, action="approve", address=address,
                     object=obj, aid=approval.aid, uses=uses, minutes=minutes,
                     amount=amount, level=level)

    try:
        issued = approvals.approve(county.root, request.req, device_id=request.device_id,
                                   uses=uses, minutes=minutes, approver=account.name, now=now,
                                   record=record)
    except CountyError as error:
        if level is not None:  # the level stands taken back: the request is still open
            with store.transaction():
                store.execute("DELETE FROM console_approval_levels WHERE device_id = ? AND "
                              "req = ? AND step = ?", (request.device_id, request.req, step))
        raise DecisionRefused(f"未能发出批准：{error}") from None
    return Outcome(issued, level)


def refuse(county: CountyDir, store: Store, account: Account, seen: Seen, *, reason: str,
           address: str, now: float) -> None:
    """Refuse *seen* as *account*, the station showing *reason* to its custodian."""
    from protocol.seal_refusal import Refusal, reason_problem

    _check_may_decide(account, seen)
    if reason_problem(reason) is not None:
        raise DecisionRefused("请写明不同意的原因（一行，最多 200 字），保管人会在印章台上看到。")
    request = seen.status.request

    def record(store: Store, refusal: Refusal) -> None:
        audit.record(store, at=now, actor=account.name, action="refuse", address=address,
                     object=f"request:{seen.key}", rid=refusal.rid, reason=refusal.reason,
                     level=seen.awaited_level)

    try:
        approvals.refuse(county.root, request.req, device_id=request.device_id,
                         reason=reason, approver=account.name, now=now, record=record)
    except CountyError as error:
        raise DecisionRefused(f"未能发出不同意的决定：{error}") from None
