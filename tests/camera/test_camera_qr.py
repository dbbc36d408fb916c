"""QR scanning: QR codes only, UTF-8 text, never cut short."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from types import SimpleNamespace

import barcode
import pytest
import qrcode
from barcode.writer import ImageWriter
from PIL import Image
from pyzbar import pyzbar

from camera.errors import CameraError, DecoderMissing
from camera.qr import BASELINE_PLAN, MAX_QR_CHARS, oversized_reason, scan_qr
from tests.camera.conftest import approval_like_token


def qr_image(text: str, box: int = 4) -> Image.Image:
    return qrcode.make(text, box_size=box, border=4).get_image().convert("L")


def test_a_code128_barcode_is_not_taken_for_an_approval() -> None:
    label = barcode.get("code128", "VE1.NOT-A-TOKEN", writer=ImageWriter()).render()
    assert [s.data for s in pyzbar.decode(label)] == [b"VE1.NOT-A-TOKEN"]  # zbar could read it
    assert scan_qr(label) == []


def test_chinese_text_comes_back_as_text() -> None:
    assert scan_qr(qr_image("同意：红星村委会 盖章一次")) == ["同意：红星村委会 盖章一次"]


def test_two_codes_in_one_frame_are_both_read_and_each_once() -> None:
    first, second = approval_like_token(1, 120), approval_like_token(2, 120)
    left, right = qr_image(first), qr_image(second)
    frame = Image.new("L", (left.width + right.width + left.width, left.height), 255)
    frame.paste(left, (0, 0))
    frame.paste(right, (left.width, 0))
    frame.paste(left, (left.width + right.width, 0))
    assert sorted(scan_qr(frame)) == sorted([first, second])


def test_an_oversized_payload_is_returned_whole_for_the_caller_to_refuse() -> None:
    huge = approval_like_token(3, 1500)
    texts = scan_qr(qr_image(huge, box=3))
    assert texts == [huge]
    reason = oversized_reason(texts[0])
    assert reason is not None and "1500 characters" in reason and str(MAX_QR_CHARS) in reason
    assert oversized_reason(approval_like_token(4)) is None


def test_bytes_that_are_not_utf8_are_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    # zbar transcodes what it guesses is Latin-1 or Shift-JIS, so undecodable bytes are rare;
    # this hands them to scan_qr directly, in place of zbar.
    found = [SimpleNamespace(data=b"\xff\xfe\xfd"), SimpleNamespace(data="好".encode())]
    asked_for = []

    def decode(image: Image.Image, symbols: list[pyzbar.ZBarSymbol]) -> list[SimpleNamespace]:
        asked_for.extend(symbols)
        return found

    monkeypatch.setattr(pyzbar, "decode", decode)
    assert scan_qr(Image.new("L", (10, 10))) == ["好"]
    assert asked_for == [pyzbar.ZBarSymbol.QRCODE]


@pytest.fixture
def without_zxing(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """zxing-cpp not installed: its import fails (the module is put back afterwards)."""
    from camera import qr

    qr._zxing.cache_clear()
    monkeypatch.setitem(sys.modules, "zxingcpp", None)
    yield
    qr._zxing.cache_clear()


def test_without_zxing_the_suite_still_reads_with_zbar_and_says_once_what_to_install(
    without_zxing: None, caplog: pytest.LogCaptureFixture,
) -> None:
    token = approval_like_token(5, 120)
    with caplog.at_level(logging.ERROR, logger="camera.qr"):
        assert scan_qr(qr_image(token)) == [token]
        assert scan_qr(qr_image(token)) == [token]
    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 1 and "install the zxing-cpp package" in messages[0]


def test_with_no_decoder_at_all_the_error_says_what_to_install(
    without_zxing: None, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "pyzbar", None)
    monkeypatch.setitem(sys.modules, "pyzbar.pyzbar", None)
    with pytest.raises(DecoderMissing, match="install the zxing-cpp package"):
        scan_qr(qr_image("VE1.abc"))
    with pytest.raises(CameraError, match="install libzbar0"):
        scan_qr(qr_image("VE1.abc"), BASELINE_PLAN)
