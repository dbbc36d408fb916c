"""The service-guide slip and the complaint receipt, on 58 mm and 80 mm paper:
rendered previews whose QR codes decode, and GB18030 text-mode byte streams."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

import pytest
from escpos.printer import Dummy
from PIL import Image

from county import operator
from hardware.printer import PaperWidth, Receipt, ReceiptPrinter, Text, render_preview
from kiosk.qr_codes import ItemCode, item_content, read_code
from kiosk.services.complaints import ComplaintReceipt
from kiosk.services.receipts import (
    complaint_receipt,
    condition_of,
    roster_from_feed,
    service_guide,
    steps_in_order,
    whom_to_see,
)
from powerlist import PowerItem, load_sample
from protocol import tracking
from tests.kiosk.services.conftest import Kiosk

ROSTER = {"village_clerk": {"name": "王小明", "phone": "13800138000"},
          "party_secretary": {"name": "李建国"}}
PAPERS = [PaperWidth.MM58, PaperWidth.MM80]


@pytest.fixture(scope="module")
def items() -> dict[str, PowerItem]:
    return {item.id: item for item in load_sample().items}


def gb18030_stream(receipt: Receipt, paper: PaperWidth) -> bytes:
    connection = Dummy()
    with ReceiptPrinter(connection, paper=paper, chinese="gb18030") as printer:
        printer.print(receipt)
    return bytes(connection.output)


def texts(receipt: Receipt) -> list[str]:
    return [block.text for block in receipt.blocks if isinstance(block, Text)]


def test_whom_to_see_comes_from_the_roster_or_falls_back_to_the_handler(
    items: dict[str, PowerItem],
) -> None:
    clerk = whom_to_see(items["BM-02"], ROSTER)
    assert (clerk.role, clerk.name, clerk.phone) == (items["BM-02"].handler, "王小明",
                                                    "13800138000")
    assert clerk.text == f"{items['BM-02'].handler} 王小明"
    secretary = whom_to_see(items["GP-01"], ROSTER)
    assert (secretary.name, secretary.phone) == ("李建国", None)
    nobody = whom_to_see(items["GP-02"], ROSTER)  # village_director: not in the roster
    assert (nobody.text, nobody.phone) == ("村集体经济组织负责人", None)
    assert whom_to_see(items["GP-02"], {"village_director": "赵主任"}).name == "赵主任"
    listed = {"members": [{"role": "village_director", "name": "钱主任", "phone": "0574-1"}]}
    assert whom_to_see(items["GP-02"], listed).text == "村集体经济组织负责人 钱主任"


def test_steps_follow_the_procedure_from_its_start(items: dict[str, PowerItem]) -> None:
    steps = steps_in_order(items["GP-01"].flowcharts[0])
    assert [s.id for s in steps] == ["n1", "n2", "n3", "n4", "n5", "n6"]
    assert steps[0].action.startswith("提议")


def test_alternative_steps_come_side_by_side_with_their_condition(
    items: dict[str, PowerItem],
) -> None:
    item = items["GP-02"]  # asset disposal: the trading centre from 10,000 yuan, else the village
    assert [s.id for s in steps_in_order(item.flowcharts[0])] == [
        "n1", "n2", "n3", "n4", "n5", "n6", "n7"]
    lines = texts(service_guide(item, ROSTER))
    centre = lines.index("   条件：1万元以上（含1万元）")
    village = lines.index("   条件：不足1万元")
    assert lines[centre - 1].startswith("4. ") and lines[village - 1].startswith("5. ")
    assert not any(line.startswith("   条件") and lines[i - 1].startswith("6. ")
                   for i, line in enumerate(lines))


def test_the_service_guide_holds_everything_a_villager_needs(
    items: dict[str, PowerItem],
) -> None:
    item = items["BM-02"]
    lines = texts(service_guide(item, ROSTER, printed=datetime(2024, 6, 7, 9, 5)))
    assert item.name in lines
    assert f"找谁办：{item.handler} 王小明" in lines and "联系电话：13800138000" in lines
    for material in item.materials:
        assert f"□ {material}" in lines
    steps = steps_in_order(item.flowcharts[0])
    first = lines.index("办理步骤：") + 1
    expected: list[str] = []
    for number, step in enumerate(steps, start=1):
        expected.append(f"{number}. {step.actor}：{step.action}")
        if condition := condition_of(item.flowcharts[0], step.id):
            expected.append(f"   条件：{condition}")
        if step.time_limit:
            expected.append(f"   时限：{step.time_limit}")
    assert lines[first:first + len(expected)] == expected
    assert any(step.time_limit for step in steps)
    assert f"办结时限：{item.time_limit}" in lines
    assert "打印时间：2024-06-07 09:05" in lines


def test_an_item_without_materials_says_so(items: dict[str, PowerItem]) -> None:
    assert "不用带材料。" in texts(service_guide(items["GP-01"], {}))


@pytest.mark.parametrize("paper", PAPERS)
def test_the_service_guide_preview_qr_decodes_to_the_item(
    items: dict[str, PowerItem], paper: PaperWidth,
    qr_reader: Callable[[Image.Image], list[str]],
) -> None:
    for item_id in ("GP-02", "BM-01"):
        image = render_preview(service_guide(items[item_id], ROSTER, scanning=True), paper)
        assert image.width == paper.dots
        [content] = qr_reader(image)
        assert content == item_content(item_id) and read_code(content) == ItemCode(item_id)
    assert read_code("VE-REPORT:123") is None


@pytest.mark.parametrize("paper", PAPERS)
def test_the_service_guide_as_gb18030_text(items: dict[str, PowerItem], paper: PaperWidth) -> None:
    item = items["BM-10"]
    stream = gb18030_stream(service_guide(item, ROSTER, scanning=True), paper)
    joined = stream.replace(b"\n", b"")  # lines wrap differently on 58 and 80 mm
    assert "办事指南".encode("gb18030") in stream
    for material in item.materials:
        assert f"□ {material}".encode("gb18030") in joined
    assert "□".encode("gb2312") == "□".encode("gb18030")  # in every Chinese printer's font
    assert f"找谁办：{item.handler} 王小明".encode("gb18030") in joined
    step = steps_in_order(item.flowcharts[0])[0]
    assert f"1. {step.actor}：{step.action}".encode("gb18030") in joined
    assert f"办结时限：{item.time_limit}".encode("gb18030") in joined
    assert b"1P0" + item_content(item.id).encode() in stream  # native QR holds the id


def receipt(kind: str = "complaint") -> ComplaintReceipt:
    code = tracking.new_code()
    return ComplaintReceipt(code, kind, date(2024, 6, 7), date(2024, 6, 28),  # type: ignore[arg-type]
                            tracking.qr_content(code), "e1", anonymous=True)


@pytest.mark.parametrize("paper", PAPERS)
def test_the_complaint_receipt_preview_qr_gives_back_the_code(
    paper: PaperWidth, qr_reader: Callable[[Image.Image], list[str]]
) -> None:
    filed = receipt()
    image = render_preview(complaint_receipt(filed, scanning=True), paper)
    [content] = qr_reader(image)
    assert tracking.code_from_qr(content) == filed.code


@pytest.mark.parametrize("paper", PAPERS)
def test_the_complaint_receipt_as_gb18030_text(paper: PaperWidth) -> None:
    filed = receipt()
    stream = gb18030_stream(complaint_receipt(filed, scanning=True), paper)
    joined = stream.replace(b"\n", b"")  # the caption wraps differently on 58 and 80 mm
    large_bold = b"\x1bE\x01\x1d!\x11"
    assert large_bold + filed.display_code.encode() + b"\n" in stream
    for text in ("投诉回执", "答复期限：2024年6月28日前", "提交日期：2024年6月7日",
                 "请保管好这张回执", "把二维码对着村里触摸屏的摄像头，可以查办理进度"):
        assert text.encode("gb18030") in joined, text


def test_a_whistle_receipt_is_titled_as_a_report_and_tells_nothing_reported() -> None:
    built = complaint_receipt(receipt("whistle"))
    assert built.title == "举报回执"
    lines = texts(built)
    assert "您的举报已经加密保存，只有县里能看到。" in lines
    assert "请保管好这张回执" in lines


def test_the_roster_comes_from_the_county_through_the_feed(
    kiosk: Kiosk, items: dict[str, PowerItem]
) -> None:
    assert roster_from_feed(kiosk.feed) == {}
    operator.publish(kiosk.county_dir, "roster", "officials", ROSTER)
    kiosk.pull()
    lines = texts(service_guide(items["BM-10"], roster_from_feed(kiosk.feed)))
    assert f"找谁办：{items['BM-10'].handler} 王小明" in lines
