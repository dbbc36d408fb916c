"""A seal station's ledger as the county holds it, for a supervisor: every
record in order with what it means in plain words, the photo of every stamp
(and of every request's document), whether the chain verifies
(:mod:`protocol.ledger_chain`, on the county's copy), and the gaps: the
sequence numbers the county never received."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from county.console.alerts import chain_problem, ledger_records
from protocol.api import SHA256_HEX
from protocol.ledger_chain import ChainReport, check_chain

#: What each kind of record means, in plain words.
KIND_NAMES = {
    "requested": "申请用印", "request_unsent": "申请没能发出", "cancelled": "撤回申请",
    "refused_by_county": "审批人不同意", "approved": "审批通过，印章解锁",
    "approval_refused": "审批码不能用", "stamp": "盖章", "last_press": "最后一次盖章",
    "used_up": "次数用完，印章锁上", "ended": "保管人结束用印", "expired": "审批到时，印章锁上",
    "lock_limit": "锁到时自动锁上", "seal_out": "印章取出", "seal_in": "印章放回",
    "seal_returned": "印章全部放回原位", "lid_shut": "机箱盖已关上",
    "interrupted": "用印中断（停电或重启）", "damage_cleared": "乡镇已解除记录损坏",
    "command_refused": "县里的指令不能用", "storage_restored": "存储卡恢复正常",
    "camera_restored": "摄像头恢复正常",
    "alarm_forced_press": "报警：强行按压", "alarm_seal_removed": "报警：印章被拿走",
    "alarm_lid": "报警：机箱被打开", "alarm_camera": "报警：摄像头故障",
    "alarm_camera_missing": "报警：摄像头打不开", "alarm_not_returned": "报警：印章没有放回",
    "alarm_press_over": "报警：次数用完还在按压", "alarm_ledger_damaged": "报警：用印记录损坏",
    "alarm_storage": "报警：存储卡写不进记录",
}


@dataclass(frozen=True)
class Entry:
    seq: int
    at: float | None
    kind: str
    name: str
    slot: str | None
    photo: str | None  # a stamp's photo, or a request's document
    verified: bool
    note: str  # what else the record says, short

    @property
    def alarm(self) -> bool:
        return self.kind.startswith("alarm_")


@dataclass(frozen=True)
class Gap:
    first: int
    last: int

    @property
    def text(self) -> str:
        if self.first == self.last:
            return f"缺第 {self.first} 条记录"
        return f"缺第 {self.first} 到 {self.last} 条记录（共 {self.last - self.first + 1} 条）"


@dataclass(frozen=True)
class Timeline:
    device_id: str
    chain: ChainReport
    entries: list[Entry]  # in seq order
    gaps: list[Gap]

    @property
    def status(self) -> str:
        if self.chain.ok:
            return f"记录完整，校验通过（共 {self.chain.records} 条）"
        return "校验不通过：" + chain_problem(self.chain)

    @property
    def gap_before(self) -> dict[int, Gap]:
        """Each gap by the seq of the record right after it."""
        return {gap.last + 1: gap for gap in self.gaps}

    @property
    def stamps(self) -> int:
        return sum(1 for entry in self.entries if entry.kind == "stamp")


def _note(record: dict[str, Any]) -> str:
    kind = record.get("kind")
    parts = []
    if kind == "requested" and record.get("req"):
        parts.append(f"申请号 {record['req']}")
    if kind == "approved" and isinstance(record.get("uses"), int):
        parts.append(f"可盖 {record['uses']} 次")
    if kind == "stamp" and isinstance(record.get("n"), int):
        total = record["n"] + record["remaining"] if isinstance(record.get("remaining"),
                                                                 int) else None
        parts.append(f"第 {record['n']} 次" + (f"，共 {total} 次" if total else ""))
    if kind == "stamp" and not record.get("photo"):
        parts.append("没有照片")
    if kind == "refused_by_county" and record.get("reason"):
        parts.append(str(record["reason"])[:60])
    return "；".join(parts)


def _gaps(records: list[dict[str, Any]]) -> list[Gap]:
    gaps, expected = [], 1
    for record in records:
        seq = record["seq"]
        if seq > expected:
            gaps.append(Gap(expected, seq - 1))
        expected = seq + 1
    return gaps


def station_timeline(device_id: str, payloads: list[Any]) -> Timeline:
    """The timeline of one station's ledger records (as stored, any order)."""
    records = ledger_records(payloads)
    chain = check_chain(payloads)
    first_bad = None if chain.ok else (chain.first_bad_seq or 0)
    entries = []
    for record in records:
        kind = str(record.get("kind", ""))
        photo = record.get("photo")
        at = record.get("at")
        slot = record.get("slot")
        entries.append(Entry(
            seq=record["seq"],
            at=float(at) if isinstance(at, int | float) and not isinstance(at, bool) else None,
            kind=kind, name=KIND_NAMES.get(kind, kind or "（不明记录）"),
            slot=slot if isinstance(slot, str) else None,
            photo=photo if isinstance(photo, str) and SHA256_HEX.fullmatch(photo) else None,
            verified=first_bad is None or record["seq"] < first_bad, note=_note(record)))
    return Timeline(device_id, chain, entries, _gaps(records))
