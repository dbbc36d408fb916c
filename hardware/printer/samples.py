"""Receipts the firmware prints by itself."""

from __future__ import annotations

from datetime import datetime

from hardware.printer.receipt import Receipt


def sample_test_receipt(device_id: str, village: str, when: datetime) -> Receipt:
    """The hardware self-test receipt: plain Chinese lines and a QR code of the device id."""
    return (
        Receipt.build()
        .title("打印测试")
        .text("村务终端打印机工作正常", align="center")
        .rule()
        .text(f"设备编号：{device_id}")
        .text(f"村名：{village}")
        .text(f"打印时间：{when:%Y-%m-%d %H:%M:%S}")
        .rule()
        .qr(device_id, caption="扫码核对设备编号")
        .done()
    )
