"""The technician screen's figures, in Chinese: what a technician reads
before deciding whether to drive out to the village again."""

from __future__ import annotations

import re
from datetime import datetime

from kiosk.samples import sample_technician_hooks
from kiosk.viewmodels.technician import (
    CameraFigures,
    DiskFigures,
    PrinterFigures,
    SyncFigures,
    TechnicianHooks,
    TechnicianViewModel,
)

NOW = datetime(2024, 6, 7, 9, 30)


def _screen(hooks: TechnicianHooks) -> list[str]:
    return TechnicianViewModel(hooks, lambda: "36 项（示范）").refresh()


def test_every_figure_a_technician_needs_is_on_the_screen_in_chinese() -> None:
    hooks = TechnicianHooks(
        health=lambda: [], backlog=lambda: (12, 5 << 20),
        sync=lambda: SyncFigures(datetime(2024, 6, 7, 7, 0), "县里服务器连不上",
                                 datetime(2024, 6, 7, 9, 0), -42.4),
        printer=lambda: PrinterFigures(True, True, "near_end", 2),
        camera=lambda: CameraFigures(True, False, "picamera2 cannot be imported"),
        disk=lambda: DiskFigures(1 << 30, 29 << 30), version=lambda: "0.1.0", now=lambda: NOW)
    lines = _screen(hooks)
    assert lines == [
        "清单：36 项（示范）",
        "待上传：12 条记录（5.0 MB）",
        "上次同步：2024-06-07 07:00（2 小时前）",
        "上次出错：06-07 09:00 县里服务器连不上",
        "时钟偏差：比县里快 42 秒",
        "打印机：在线，纸快用完了；2 张等着打印",
        "摄像头：不能用（picamera2 cannot be imported）",
        "存储卡：剩余 1.0 GB，共 29.0 GB，快满了",
        "自检：没有检查项",
        "软件版本：0.1.0",
    ]


def test_a_missing_or_failing_figure_says_so_and_the_others_still_show() -> None:
    def broken() -> DiskFigures:
        raise OSError("no such device")

    lines = _screen(TechnicianHooks(disk=broken, version=lambda: "0.1.0", now=lambda: NOW))
    assert "存储卡：读不出来（no such device）" in lines
    assert "打印机：未接入" in lines and "同步：未接入" in lines
    assert "软件版本：0.1.0" in lines


def test_a_device_that_never_synced_says_so_plainly() -> None:
    lines = _screen(TechnicianHooks(sync=SyncFigures, backlog=lambda: (0, 0), now=lambda: NOW))
    assert "上次同步：还没有和县里同步过" in lines
    assert "待上传：没有，都已送到县里" in lines
    assert "时钟偏差：还不知道（还没有和县里对过时间）" in lines


def test_the_sample_screen_has_no_english_left() -> None:
    view = TechnicianViewModel(sample_technician_hooks(), lambda: "示范清单")
    shown = [*view.refresh(), view.test_printer(), view.test_camera()]
    for line in shown:
        assert not re.search(r"[A-Za-z]{3,}", line.replace("GB", "")), line
