"""Text mode: Chinese as GB18030 bytes in the printer's Chinese mode, native QR codes."""

from __future__ import annotations

from pathlib import Path

import pytest
from escpos.printer import Dummy, File

from hardware.printer import (
    PaperWidth,
    Receipt,
    ReceiptPrinter,
    Text,
    display_width,
    wrap_text,
)

INIT = b"\x1b@"
CHINESE_MODE = b"\x1c&"
QR_STORE = b"\x1d(k"
QR_PRINT = b"\x1d(k\x03\x001Q0"
CUT = b"\x1dV\x00"
BOLD_ON = b"\x1bE\x01"
LARGE = b"\x1d!\x11"
CENTER = b"\x1ba\x01"


def print_to_dummy(receipt: Receipt, paper: int = 58) -> bytes:
    connection = Dummy()
    with ReceiptPrinter(connection, paper=paper, chinese="gb18030") as printer:
        printer.print(receipt)
    return connection.output


def assert_self_test_job(output: bytes) -> None:
    assert output.startswith(INIT)
    mode = output.index(CHINESE_MODE)
    title = output.index("打印测试".encode("gb18030"))
    body = output.index("村务终端打印机工作正常".encode("gb18030"))
    village = output.index("村名：张家村".encode("gb18030"))
    qr_data = output.index(QR_STORE + b"\x0a\x001P0VE-0001")  # store 7 bytes of data
    qr_print = output.index(QR_PRINT)
    cut = output.rindex(CUT)
    assert mode < title < body < village < qr_data < qr_print < cut
    assert output.endswith(CUT)
    assert "打印时间：2024-05-01 09:30:00".encode("gb18030") in output
    assert "扫码核对设备编号".encode("gb18030") in output


def test_dummy_stream_holds_chinese_mode_gb18030_text_native_qr_and_cut(sample: Receipt) -> None:
    assert_self_test_job(print_to_dummy(sample))


def test_file_stream_read_back_from_disk(sample: Receipt, tmp_path: Path) -> None:
    path = tmp_path / "printer.bin"
    connection = File(str(path))

    printer = ReceiptPrinter(connection, paper=58, chinese="gb18030")
    printer.print(sample)
    printer.close()

    assert_self_test_job(path.read_bytes())


def test_text_mode_sends_no_raster_image(sample: Receipt) -> None:
    assert b"\x1dv0" not in print_to_dummy(sample)


def test_title_is_bold_large_and_centred(sample: Receipt) -> None:
    output = print_to_dummy(sample)

    assert CENTER + BOLD_ON + LARGE + "打印测试".encode("gb18030") + b"\n" in output


def test_qr_code_is_centred_and_big_enough(sample: Receipt) -> None:
    output = print_to_dummy(sample)

    qr = output.index(QR_STORE)
    assert output[qr - len(CENTER) : qr] == CENTER
    size_command = QR_STORE + b"\x03\x001C"
    size = output[output.index(size_command) + len(size_command)]
    assert size >= 4


@pytest.mark.parametrize("paper", list(PaperWidth))
def test_long_chinese_lines_are_wrapped_to_the_paper(paper: PaperWidth) -> None:
    text = "村务公开栏显示本村小微权力清单事项办理流程和监督电话，群众可以扫码查询 VE-0001 的进度。"

    output = print_to_dummy(Receipt((Text(text),)), paper)

    lines = wrap_text(text, paper.columns)
    assert len(lines) > 1
    for line in lines:
        assert display_width(line) <= paper.columns
        assert line.encode("gb18030") + b"\n" in output
    assert text.encode("gb18030") not in output  # it was not sent as one overflowing line


def test_large_text_wraps_at_half_the_columns() -> None:
    text = "村务公开栏显示本村小微权力清单"  # 15 characters = 30 columns

    output = print_to_dummy(Receipt((Text(text, large=True),)), 58)

    assert LARGE + "村务公开栏显示本村小微权力清".encode("gb18030") not in output
    assert LARGE + "村务公开栏显示本".encode("gb18030") + b"\n" in output
    assert "村小微权力清单".encode("gb18030") + b"\n" in output


def test_rule_spans_the_paper() -> None:
    receipt = Receipt.build().rule().done()

    assert b"-" * 48 + b"\n" in print_to_dummy(receipt, 80)
    assert b"-" * 32 + b"\n" in print_to_dummy(receipt, 58)
    assert b"-" * 33 not in print_to_dummy(receipt, 58)


def test_feed_lines_use_print_and_feed() -> None:
    assert b"\x1bd\x03" in print_to_dummy(Receipt.build().feed(3).done())


def test_text_mode_does_not_need_a_font(sample: Receipt, tmp_path: Path) -> None:
    connection = Dummy()
    printer = ReceiptPrinter(connection, chinese="gb18030", font_path=tmp_path / "missing.ttc")

    printer.print(sample)

    assert "打印测试".encode("gb18030") in connection.output
