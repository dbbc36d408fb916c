"""How the technicians' pages say a device's health, in short plain
Chinese: each figure as a line (label, text, whether it needs a look)."""

from __future__ import annotations

from dataclasses import dataclass

from county.console.fleet import FleetDevice
from county.console.format import ago, when

ROLE_NAMES = {"kiosk": "查询机", "seal": "印章台", "all": "查询机和印章台"}
UNKNOWN = "不知道"
LOW_DISK_BYTES = 500 * 1024 * 1024
HOT_CELSIUS = 75.0
CLOCK_OFF_SECONDS = 30.0  # a clock this far from the county's needs a look
PAPER = {"ok": "有纸", "near_end": "快用完了", "out": "没纸了"}
UNDERVOLTAGE = {"now": "电压不足（现在）", "earlier": "开机后出现过电压不足", "no": "正常"}


@dataclass(frozen=True)
class Line:
    key: str  # for tests and styles
    label: str
    text: str
    warn: bool = False


def size_text(count: int) -> str:
    if count >= 1024 ** 3:
        return f"{count / 1024 ** 3:.1f} GB"
    return f"{count / 1024 ** 2:.0f} MB"


def offset_text(offset: float) -> str:
    seconds = abs(offset)
    if seconds < 2:
        return "准"
    way = "快" if offset > 0 else "慢"
    if seconds < 120:
        return f"{way} {seconds:.0f} 秒"
    if seconds < 7200:
        return f"{way} {seconds / 60:.0f} 分钟"
    return f"{way} {seconds / 3600:.1f} 小时"


def health_lines(entry: FleetDevice, now: float) -> list[Line]:
    device, health = entry.device, entry.health
    report = health.report if health else None
    lines = [
        Line("role", "用途", ROLE_NAMES.get(device.role, device.role)),
        Line("village", "村", device.village_code),
        Line("version", "软件版本", report.version if report else UNKNOWN),
        Line("seen", "上次联网", f"{ago(device.last_seen, now)}（{when(device.last_seen)}）"
             if device.last_seen is not None else "从未", entry.missing),
        Line("backlog", "待发数据", UNKNOWN if device.backlog is None else
             f"{device.backlog} 条", bool(device.backlog and device.backlog > 1000)),
    ]
    if report and report.disk_free is not None:
        total = f"（共 {size_text(report.disk_total)}）" if report.disk_total else ""
        lines.append(Line("disk", "剩余空间", size_text(report.disk_free) + total,
                          report.disk_free < LOW_DISK_BYTES))
    else:
        lines.append(Line("disk", "剩余空间", UNKNOWN))
    if report and report.temp_c is not None:
        lines.append(Line("temp", "温度", f"{report.temp_c:.0f} °C", report.temp_c >= HOT_CELSIUS))
    else:
        lines.append(Line("temp", "温度", UNKNOWN))
    undervoltage = report.undervoltage if report else None
    lines.append(Line("power", "供电", UNDERVOLTAGE[undervoltage] if undervoltage else UNKNOWN,
                      undervoltage in ("now", "earlier")))
    if health and health.clock_offset is not None:
        lines.append(Line("clock", "时钟", offset_text(health.clock_offset),
                          abs(health.clock_offset) >= CLOCK_OFF_SECONDS))
    else:
        lines.append(Line("clock", "时钟", UNKNOWN))
    paper = report.paper if report else None
    lines.append(Line("paper", "打印纸", PAPER[paper] if paper else UNKNOWN,
                      paper in ("near_end", "out")))
    lines.append(Line("reported", "情况报告", when(health.received)
                      if health and health.received else "还没有收到"))
    return lines
