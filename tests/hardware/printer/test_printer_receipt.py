"""The layout model: blocks, the builder, paper widths."""

from __future__ import annotations

import dataclasses

import pytest

from hardware.printer import Feed, PaperWidth, QRCode, Receipt, Rule, Text


def test_builder_keeps_blocks_in_order_with_their_styles() -> None:
    receipt = (
        Receipt.build()
        .title("通知")
        .text("第一行", align="center", bold=True)
        .rule()
        .qr("VE-1", caption="扫码")
        .feed(2)
        .text("大字", large=True)
        .done()
    )

    assert receipt.title == "通知"
    assert receipt.blocks == (
        Text("第一行", align="center", bold=True),
        Rule(),
        QRCode("VE-1", "扫码"),
        Feed(2),
        Text("大字", large=True),
    )


def test_receipt_is_frozen_and_blocks_become_a_tuple() -> None:
    receipt = Receipt([Text("a"), Rule()])  # type: ignore[arg-type]

    assert receipt.blocks == (Text("a"), Rule())
    with pytest.raises(dataclasses.FrozenInstanceError):
        receipt.title = "x"  # type: ignore[misc]


@pytest.mark.parametrize(
    "make",
    [
        lambda: Text("x", align="middle"),  # type: ignore[arg-type]
        lambda: QRCode(""),
        lambda: Feed(-1),
        lambda: Feed(256),
    ],
)
def test_invalid_blocks_are_refused(make) -> None:
    with pytest.raises(ValueError):
        make()


def test_receipt_refuses_things_that_are_not_blocks() -> None:
    with pytest.raises(TypeError, match="not a receipt block"):
        Receipt(("plain string",))  # type: ignore[arg-type]


@pytest.mark.parametrize(("mm", "dots", "columns"), [(58, 384, 32), (80, 576, 48)])
def test_paper_widths(mm: int, dots: int, columns: int) -> None:
    paper = PaperWidth(mm)

    assert paper == mm
    assert paper.dots == dots
    assert paper.columns == columns


def test_unknown_paper_width_is_refused() -> None:
    with pytest.raises(ValueError):
        PaperWidth(76)
