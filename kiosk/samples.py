"""Demonstration data beside the sample catalog: a roster and some
disclosures, held in memory as if the county had published them. Every entry
says 示范 so nobody takes it for a real village's records."""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from kiosk.viewmodels.technician import (
    CameraFigures,
    DiskFigures,
    PrinterFigures,
    SyncFigures,
    TechnicianHooks,
)

if TYPE_CHECKING:
    from protocol.documents import SignedDocument

SAMPLE_ROSTER: dict[str, Any] = {
    "members": [
        {"role": "party_secretary", "name": "王建国（示范）", "phone": "000-0000-0001"},
        {"role": "village_director", "name": "李春华（示范）", "phone": "000-0000-0002"},
        {"role": "village_accountant", "name": "张会计（示范）", "phone": "000-0000-0003"},
        {"role": "village_clerk", "name": "陈丽（示范）", "phone": "000-0000-0004"},
        {"role": "supervision_chair", "name": "赵明（示范）", "phone": "000-0000-0005"},
        {"role": "seal_custodian", "name": "刘芳（示范）", "phone": "000-0000-0006"},
    ]
}

_DISCLOSURES: tuple[tuple[str, str, int, dict[str, Any]], ...] = (
    ("工程项目", "村道硬化工程招标结果（示范）", 3,
     {"amount_yuan": 86000, "contractor": "示范建设公司", "text": "三家投标，按程序开标评标。"}),
    ("工程项目", "文化礼堂屋面维修验收（示范）", 20,
     {"amount_yuan": 23500, "text": "村务监督委员会参加验收，质量合格。"}),
    ("资产资源", "村集体仓库出租结果（示范）", 8,
     {"amount_yuan": 12000, "text": "公开竞价，租期三年，年租金如上。"}),
    ("资产资源", "集体林地承包到期公告（示范）", 35, {"text": "到期后将重新公开发包。"}),
    ("财务收支", "第二季度村级财务收支（示范）", 12,
     {"amount_yuan": 153200, "text": "收入、支出明细张贴在村务公开栏。"}),
    ("财务收支", "村干部误工补贴发放（示范）", 40, {"amount_yuan": 18600}),
    ("物资采购", "办公用品网上采购（示范）", 15,
     {"amount_yuan": 6300, "text": "同类物资两个月内累计超过5000元，已在网上竞价采购。"}),
    ("物资采购", "防汛物资采购（示范）", 50, {"amount_yuan": 4800}),
    ("用工派工", "河道保洁派工单（示范）", 5,
     {"amount_yuan": 3600, "text": "按登记顺序派工，考勤表已公示，工钱转账发放。"}),
    ("用工派工", "村道绿化零星用工（示范）", 27, {"amount_yuan": 2400}),
    ("办理结果", "低保申请评议结果（示范）", 10, {"text": "三户申请，两户通过，一户不符合条件。"}),
    ("办理结果", "村民反映路灯损坏的答复（示范）", 18, {"text": "已于一周内修复。"}),
)


def sample_disclosure_bodies(today: date) -> dict[str, dict[str, Any]]:
    bodies: dict[str, dict[str, Any]] = {}
    for number, (category, title, days_ago, extra) in enumerate(_DISCLOSURES, start=1):
        bodies[f"sample-{number:02d}"] = {
            "title": title, "category": category,
            "date": (today - timedelta(days=days_ago)).isoformat(),
            "source": "示范数据", **extra,
        }
    return bodies


class SampleFeed:
    """An in-memory feed (a :class:`kiosk.viewmodels.feeds.FeedReader`) holding
    the sample roster and disclosures, signed with a throwaway key when first
    read (the home screen's first frame reads none of them)."""

    def __init__(self, now: float | None = None) -> None:
        self._issued = int(time.time() if now is None else now)
        self._signed: dict[tuple[str, str], SignedDocument] | None = None

    @property
    def _documents(self) -> dict[tuple[str, str], SignedDocument]:
        if self._signed is None:
            from protocol.signing import new_private_key

            key, issued = new_private_key(), self._issued
            bodies = {("roster", "officials"): SAMPLE_ROSTER} | {
                ("disclosure", name): body
                for name, body in sample_disclosure_bodies(date.fromtimestamp(issued)).items()}
            self._signed = {where: _signed(key, *where, body, issued)
                            for where, body in bodies.items()}
        return self._signed

    def generation(self) -> int:
        return 1

    def names(self, kind: str) -> list[str]:
        return sorted(name for k, name in self._documents if k == kind)

    def get(self, kind: str, name: str) -> SignedDocument | None:
        return self._documents.get((kind, name))


def _signed(key: Any, kind: str, name: str, body: dict[str, Any], issued: int) -> SignedDocument:
    from protocol.documents import FeedDocument, SignedDocument

    document = FeedDocument(kind, name, 1, issued - 3600, issued + 365 * 86400, "*", body)
    return SignedDocument.sign(key, document)


def sample_technician_hooks() -> TechnicianHooks:
    """The technician screen's figures for screenshots and tests: a device
    that synced ten minutes ago, printer and camera not fitted."""
    synced = datetime(2024, 6, 7, 9, 20)
    return TechnicianHooks(
        health=lambda: [], backlog=lambda: (0, 0),
        sync=lambda: SyncFigures(synced, None, None, 0.4),
        printer=lambda: PrinterFigures(configured=False),
        camera=lambda: CameraFigures(configured=False, working=False),
        disk=lambda: DiskFigures(12 << 30, 29 << 30), version=lambda: "示范版",
        printer_test=lambda: "示范：没有打印", camera_test=lambda: "示范：没有摄像头",
        now=lambda: datetime(2024, 6, 7, 9, 30))
