"""The audit trail: every decision, login, failed login and account change
(and, as their pages come, every closing and status change), as rows
that are only ever added. The database refuses to change or delete one
(triggers in both engines: county/schema/*/0003_console.sql).

Write a row in the same transaction as the change it records, so that
there is never a change without its row nor a row without its change.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from county.store import Store

#: What the rows' ``action`` says, and how the console shows it.
ACTIONS = {
    "login": "登录",
    "login_failed": "登录失败",
    "login_throttled": "登录被暂停",
    "logout": "退出",
    "account_created": "新建账号",
    "account_changed": "修改账号",
    "approve_level": "本级同意",
    "approve": "同意用印",
    "refuse": "不同意用印",
    "complaint_opened": "查看投诉",
    "complaint_status": "投诉办理",
    "catalog_checked": "检查权力清单",
    "catalog_published": "发布权力清单",
    "disclosure_published": "发布村务公开",
    "disclosure_withdrawn": "撤回村务公开",
    "screenshot_asked": "请查询机截屏",
    "enroll_code": "发设备登记码",
    "alert_acknowledged": "知悉报警",
    "alert_closed": "关闭报警",
}


@dataclass(frozen=True)
class AuditRow:
    seq: int
    at: float
    actor: str
    action: str
    address: str
    object: str
    detail: dict[str, Any]

    @property
    def action_name(self) -> str:
        return ACTIONS.get(self.action, self.action)


def record(store: Store, *, at: float, actor: str, action: str, address: str,
           object: str, **detail: Any) -> None:
    """Append one row (within the caller's transaction)."""
    store.execute(
        "INSERT INTO console_audit (at, actor, action, address, object, detail) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (at, actor, action, address, object,
         json.dumps(detail, ensure_ascii=False, sort_keys=True)),
    )


def rows_about(store: Store, object: str) -> list[AuditRow]:
    """Every row about *object*, oldest first."""
    return _rows(store.execute(
        "SELECT seq, at, actor, action, address, object, detail FROM console_audit "
        "WHERE object = ? ORDER BY seq", (object,)))


def latest_rows(store: Store, limit: int = 100) -> list[AuditRow]:
    """The newest *limit* rows, newest first."""
    return _rows(store.execute(
        "SELECT seq, at, actor, action, address, object, detail FROM console_audit "
        "ORDER BY seq DESC LIMIT ?", (limit,)))


def _rows(rows: list[dict[str, Any]]) -> list[AuditRow]:
    return [AuditRow(int(r["seq"]), float(r["at"]), r["actor"], r["action"], r["address"],
                     r["object"], json.loads(r["detail"])) for r in rows]
