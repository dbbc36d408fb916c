"""The hardware self-test receipt."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from hardware.printer import QRCode, Receipt, Rule, Text, render_preview, sample_test_receipt


def test_self_test_receipt_content(sample: Receipt) -> None:
    texts = [block.text for block in sample.blocks if isinstance(block, Text)]
    qr_codes = [block for block in sample.blocks if isinstance(block, QRCode)]

    assert sample.title == "打印测试"
    assert texts == [
        "村务终端打印机工作正常",
        "设备编号：VE-0001",
        "村名：张家村",
        "打印时间：2024-05-01 09:30:00",
    ]
    assert any(isinstance(block, Rule) for block in sample.blocks)
    assert [qr.data for qr in qr_codes] == ["VE-0001"]


def test_self_test_receipt_prints_and_scans(cjk_font: Path, decode_qr) -> None:
    receipt = sample_test_receipt("pi-hall-0042", "李家坝村", datetime(2025, 1, 2, 3, 4, 5))

    assert decode_qr(render_preview(receipt, 58, cjk_font)) == ["pi-hall-0042"]
