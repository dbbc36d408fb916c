"""The body of a feed document of kind ``disclosure`` (阳光村务): what the
county writes and the kiosk reads (:mod:`kiosk.viewmodels.disclosures`).

A body is one entry or ``{"entries": [...]}``; an entry has ``title``,
``category``, ``date`` (``YYYY-MM-DD``) and optionally ``text``,
``amount_yuan``, ``contractor`` and ``source``. A document withdrawn is
published again with :func:`withdrawn_body` (no entries): the kiosk then
shows nothing of it. A village's own disclosures go to its devices only
(audience ``village:<code>``, :func:`protocol.documents.village_audience`).
"""

from __future__ import annotations

from typing import Any

KIND = "disclosure"

#: Category shown -> the names a county may use for it.
CATEGORIES: dict[str, tuple[str, ...]] = {
    "工程项目": ("工程项目", "工程", "works"),
    "资产资源": ("资产资源", "资产", "资源", "assets"),
    "财务收支": ("财务收支", "财务", "finance"),
    "物资采购": ("物资采购", "采购", "procurement"),
    "用工派工": ("用工派工", "用工", "labour", "labor"),
    "办理结果": ("办理结果", "结果", "results"),
}
OTHER = "其他公开"
DEFAULT_SOURCE = "县里统一发布"


def category_of(raw: object) -> str:
    """The category shown for what a body names (:data:`OTHER` if unknown)."""
    text = str(raw or "").strip()
    for shown, names in CATEGORIES.items():
        if text.lower() in names:
            return shown
    return OTHER


def amount_text(amount_yuan: float | None) -> str:
    """``金额 8.6 万元`` (from 10,000 yuan on), ``金额 4800 元``, or nothing."""
    if amount_yuan is None:
        return ""
    if amount_yuan >= 10_000:
        return f"金额 {amount_yuan / 10_000:g} 万元"
    return f"金额 {amount_yuan:g} 元"


def detail_line(text: str, amount_yuan: float | None, contractor: str | None) -> str:
    """An entry's line under its title, as the kiosk shows it: the text,
    the amount, the contractor."""
    parts = [part for part in (text, amount_text(amount_yuan)) if part]
    if contractor:
        parts.append(f"承接单位 {contractor}")
    return "  ".join(parts)


def withdrawn_body() -> dict[str, Any]:
    """The body that withdraws a disclosure: its next version, with no entries."""
    return {"entries": []}
