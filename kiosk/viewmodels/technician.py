"""The technician's corner: a hidden gesture, a PIN pad, and a screen of
health lines with printer and camera tests.

The gesture is five taps in the top-left corner within three seconds. The PIN
comes from the configuration and is shown nowhere; five wrong PINs lock the
pad for a minute."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kiosk.viewmodels.numpad import NumberPad
from kiosk.viewmodels.services import HealthFinding

log = logging.getLogger(__name__)

TAPS = 5
TAP_WINDOW = 3.0
CORNER = 0.12  # of the shorter side of the screen
MAX_WRONG = 5
LOCKOUT_SECONDS = 60.0


class CornerTaps:
    """Counts taps in the top-left corner; :meth:`tap` is True on the fifth
    within the window."""

    def __init__(self, taps: int = TAPS, window: float = TAP_WINDOW) -> None:
        self.taps = taps
        self.window = window
        self._times: list[float] = []

    @staticmethod
    def in_corner(x: float, y_from_top: float, width: float, height: float) -> bool:
        size = CORNER * min(width, height)
        return x <= size and y_from_top <= size

    def tap(self, now: float, in_corner: bool) -> bool:
        if not in_corner:
            self._times.clear()
            return False
        self._times = [t for t in self._times if now - t <= self.window] + [now]
        if len(self._times) >= self.taps:
            self._times.clear()
            return True
        return False


class PinPad:
    def __init__(self, pin: str, clock: Callable[[], float]) -> None:
        self._pin = pin
        self._clock = clock
        self.pad = NumberPad(max_length=12, masked=True)
        self.wrong = 0
        self.locked_until = 0.0
        self.message = "请输入维护密码"

    def clear(self) -> None:
        self.pad = NumberPad(max_length=12, masked=True)
        self.message = "请输入维护密码"

    def enter(self) -> bool:
        """Check what was typed; True opens the technician screen."""
        now = self._clock()
        typed, self.pad = self.pad.value, NumberPad(max_length=12, masked=True)
        if now < self.locked_until:
            self.message = f"错误次数太多，请 {int(self.locked_until - now) + 1} 秒后再试"
            return False
        if self._pin and hmac.compare_digest(typed.encode(), self._pin.encode()):
            self.wrong = 0
            self.message = "请输入维护密码"
            return True
        self.wrong += 1
        log.warning("technician PIN: wrong entry %d", self.wrong)
        if self.wrong >= MAX_WRONG:
            self.wrong = 0
            self.locked_until = now + LOCKOUT_SECONDS
            self.message = "错误次数太多，请一分钟后再试"
        else:
            self.message = "密码不对，请再试一次"
        return False


@dataclass(frozen=True)
class SyncFigures:
    """What the sync agent last wrote about itself."""

    last_success: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    clock_offset_seconds: float | None = None  # the county's clock minus ours


@dataclass(frozen=True)
class PrinterFigures:
    configured: bool
    online: bool | None = None  # None: the connection cannot tell
    paper: str = "unknown"  # "ok", "near_end", "out" or "unknown"
    waiting: int = 0  # receipts kept for later
    detail: str = ""


@dataclass(frozen=True)
class CameraFigures:
    configured: bool
    working: bool
    detail: str = ""


@dataclass(frozen=True)
class DiskFigures:
    free_bytes: int
    total_bytes: int


@dataclass(frozen=True)
class TechnicianHooks:
    """What the technician screen reads and runs; each hook is optional (a
    line says "未接入" where one is missing) and may fail (the line says so)."""

    health: Callable[[], Sequence[HealthFinding]] | None = None
    backlog: Callable[[], tuple[int, int]] | None = None  # events waiting, their bytes
    sync: Callable[[], SyncFigures] | None = None
    printer: Callable[[], PrinterFigures] | None = None
    camera: Callable[[], CameraFigures] | None = None
    disk: Callable[[], DiskFigures] | None = None
    version: Callable[[], str] | None = None
    printer_test: Callable[[], str] | None = None  # what happened, in Chinese
    camera_test: Callable[[], str] | None = None
    now: Callable[[], datetime] = datetime.now


NOT_WIRED = "未接入"
PAPER = {"ok": "纸够用", "near_end": "纸快用完了", "out": "没有纸了", "unknown": "纸量不明"}


def _size(count: int) -> str:
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if count >= scale:
            return f"{count / scale:.1f} {unit}"
    return f"{count} 字节"


def _ago(then: datetime, now: datetime) -> str:
    seconds = max(0, int((now - then).total_seconds()))
    if seconds < 60:
        return "刚才"
    if seconds < 3600:
        return f"{seconds // 60} 分钟前"
    if seconds < 86400:
        return f"{seconds // 3600} 小时前"
    return f"{seconds // 86400} 天前"


def backlog_line(events: int, size: int) -> str:
    if events == 0:
        return "待上传：没有，都已送到县里"
    return f"待上传：{events} 条记录（{_size(size)}）"


def sync_lines(figures: SyncFigures, now: datetime) -> list[str]:
    if figures.last_success is None:
        lines = ["上次同步：还没有和县里同步过"]
    else:
        lines = [f"上次同步：{figures.last_success:%Y-%m-%d %H:%M}"
                 f"（{_ago(figures.last_success, now)}）"]
    if figures.last_error:
        when = f"{figures.last_error_at:%m-%d %H:%M} " if figures.last_error_at else ""
        lines.append(f"上次出错：{when}{figures.last_error}")
    else:
        lines.append("上次出错：没有")
    offset = figures.clock_offset_seconds
    if offset is None:
        lines.append("时钟偏差：还不知道（还没有和县里对过时间）")
    elif abs(offset) < 1:
        lines.append("时钟偏差：不到 1 秒")
    else:
        lines.append(f"时钟偏差：比县里{'慢' if offset > 0 else '快'} {abs(offset):.0f} 秒")
    return lines


def printer_line(figures: PrinterFigures) -> str:
    if not figures.configured:
        return "打印机：没有配置"
    state = {True: "在线", False: "连不上", None: "状态不明"}[figures.online]
    line = f"打印机：{state}，{PAPER.get(figures.paper, PAPER['unknown'])}"
    if figures.waiting:
        line += f"；{figures.waiting} 张等着打印"
    return line + (f"（{figures.detail}）" if figures.detail and figures.online is False else "")


def camera_line(figures: CameraFigures) -> str:
    if not figures.configured:
        return "摄像头：没有配置"
    if figures.working:
        return "摄像头：正常"
    return f"摄像头：不能用（{figures.detail}）" if figures.detail else "摄像头：不能用"


def disk_line(figures: DiskFigures) -> str:
    share = figures.free_bytes / figures.total_bytes if figures.total_bytes else 0.0
    warn = "，快满了" if share < 0.1 else ""
    return f"存储卡：剩余 {_size(figures.free_bytes)}，共 {_size(figures.total_bytes)}{warn}"


def health_line(findings: Sequence[HealthFinding]) -> str:
    wrong = [f.check for f in findings
             if str(getattr(f.status, "value", f.status)).upper() not in ("OK", "PASS")]
    if not findings:
        return "自检：没有检查项"
    if not wrong:
        return f"自检：{len(findings)} 项全部正常"
    return (f"自检：{len(findings)} 项中 {len(wrong)} 项有问题（{'、'.join(wrong)}），"
            "详情请运行 village-edge doctor")


class TechnicianViewModel:
    def __init__(self, hooks: TechnicianHooks, catalog_line: Callable[[], str]) -> None:
        self._hooks = hooks
        self._catalog_line = catalog_line
        self.lines: list[str] = []
        self.result = ""

    def refresh(self) -> list[str]:
        hooks, now = self._hooks, self._hooks.now()
        lines = [f"清单：{self._catalog_line()}"]
        lines.append(_line("待上传", hooks.backlog, lambda b: backlog_line(*b)))
        if hooks.sync is None:
            lines.append(f"同步：{NOT_WIRED}")
        else:
            try:
                lines.extend(sync_lines(hooks.sync(), now))
            except Exception as error:
                log.exception("technician: sync status")
                lines.append(f"同步：读不出来（{error}）")
        lines.append(_line("打印机", hooks.printer, printer_line))
        lines.append(_line("摄像头", hooks.camera, camera_line))
        lines.append(_line("存储卡", hooks.disk, disk_line))
        lines.append(_line("自检", hooks.health, health_line))
        lines.append(_line("软件版本", hooks.version, lambda v: f"软件版本：{v}"))
        self.lines = lines
        return lines

    def test_printer(self) -> str:
        self.result = f"打印机测试：{_call(self._hooks.printer_test)}"
        return self.result

    def test_camera(self) -> str:
        self.result = f"摄像头测试：{_call(self._hooks.camera_test)}"
        return self.result


def _line(label: str, hook: Callable[[], Any] | None, show: Callable[[Any], str]) -> str:
    if hook is None:
        return f"{label}：{NOT_WIRED}"
    try:
        return show(hook())
    except Exception as error:
        log.exception("technician: %s", label)
        return f"{label}：读不出来（{error}）"


def _call(hook: Callable[[], str] | None) -> str:
    if hook is None:
        return NOT_WIRED
    try:
        return hook()
    except Exception as error:
        log.exception("technician hook failed")
        return f"失败（{error}）"
