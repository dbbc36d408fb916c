"""QR codes both ways: the slips the kiosk prints, held up to its camera,
open what they name; anything else changes nothing; and a kiosk without a
camera prints no slip that promises scanning.

Real parts: the county files and answers, the feed, the printer's preview
of the slip (its QR code decoded as printed), the simulated camera showing
that text tilted a little, the scanner, and the kiosk's view-model."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from random import Random

import pytest
from escpos.printer import Dummy
from PIL import Image

from camera.settings import CameraSettings
from camera.showing import Showing
from camera.simulated import SimulatedCamera
from county.complaints import ensure_complaint_key, set_status
from device.config import parse_config
from hardware.printer import PaperWidth, QRCode, Receipt, ReceiptPrinter, Text, render_preview
from kiosk.qr_codes import ItemCode, ReportCode, item_content, read_code, report_content
from kiosk.samples import SampleFeed
from kiosk.services.progress import STATUS_MESSAGES
from kiosk.services.receipts import service_guide
from kiosk.services.scanner import GONE_SECONDS, CodeScanner
from kiosk.standins import GuideSlips as StandInSlips
from kiosk.viewmodels.catalog_source import CatalogSource
from kiosk.viewmodels.services import ComplaintDraft, KioskServices
from kiosk.viewmodels.shell import KioskViewModel
from kiosk.viewmodels.technician import TechnicianHooks
from kiosk.wiring import FeedProgress, GuideSlips, SealedComplaints
from powerlist import load_sample
from protocol import tracking
from tests.kiosk.services.conftest import Kiosk
from village_edge.kiosk_commands import real_services

#: A slip held up to the camera: a little turned and tilted, not far.
HELD_UP = Showing(rotation=-8, tilt=15, module_px=3.0)
#: A tracking code whose check digit is right.
CODE = tracking.new_code(Random(14))
#: Words that promise scanning, on paper.
SCANNING_WORDS = ("扫码", "二维码", "摄像头", "扫一扫")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Hall:
    """A kiosk with a camera, in the village hall."""

    vm: KioskViewModel
    camera: SimulatedCamera
    scanner: CodeScanner
    clock: Clock
    services: KioskServices

    def hold_up(self, text: str, showing: Showing = HELD_UP) -> str | None:
        """Hold a code with *text* to the camera: one frame read, one tick."""
        self.camera.show("qr", qr_payload=text, showing=showing)
        self.scanner.scan_once()
        return self.vm.tick()

    def take_away(self) -> None:
        self.camera.show("document")
        self.clock.now += GONE_SECONDS
        self.scanner.scan_once()
        self.vm.tick()


@pytest.fixture
def hall(kiosk: Kiosk) -> Iterator[Hall]:
    ensure_complaint_key(kiosk.county_dir)
    kiosk.pull()
    clock = Clock()
    camera = SimulatedCamera(CameraSettings(backend="simulated", still_size=(640, 480)))
    scanner = CodeScanner(camera, clock=clock)
    services = KioskServices(
        GuideSlips(kiosk.feed, scanning=True), None,
        SealedComplaints(kiosk.outbox, kiosk.feed, kiosk.device_id, scanning=True),
        FeedProgress(kiosk.feed), None, 58, scanner)
    catalogs = CatalogSource(None, time.time, load_sample)
    vm = KioskViewModel(catalogs, SampleFeed(), services, technician=TechnicianHooks(),
                        pin="2468", clock=clock)  # the idle timer on the scanner's clock
    yield Hall(vm, camera, scanner, clock, services)
    camera.stop()


def printed_code(receipt: Receipt | None, qr_reader: Callable[[Image.Image], list[str]]) -> str:
    """The QR code's text as it comes off the 58 mm printer."""
    assert receipt is not None
    [text] = qr_reader(render_preview(receipt, PaperWidth.MM58))
    return text


def test_a_receipt_held_up_opens_the_progress_of_its_code(
    hall: Hall, kiosk: Kiosk, qr_reader: Callable[[Image.Image], list[str]],
) -> None:
    assert hall.services.complaints is not None
    filed = hall.services.complaints.file(ComplaintDraft(None, None, "其他问题", None))
    text = printed_code(filed.receipt, qr_reader)
    code = filed.tracking_code.replace(" ", "")
    kiosk.push()  # the kiosk's sync agent takes the report to the county
    set_status(kiosk.county_dir, code, "handling")
    kiosk.pull()
    hall.vm.open_group("public_power")
    assert hall.hold_up(text) == "progress"
    assert hall.vm.screen == "progress"
    assert hall.vm.progress.code.value == code
    assert hall.vm.progress.lines == (f"查询码 {code}", STATUS_MESSAGES["handling"])
    assert hall.vm.back() == "list"  # back where the villager was


def test_a_service_guide_held_up_opens_its_item(
    hall: Hall, qr_reader: Callable[[Image.Image], list[str]],
) -> None:
    item = load_sample().item("BM-02")
    assert hall.services.receipts is not None
    text = printed_code(hall.services.receipts.service_guide(item, [], 58), qr_reader)
    hall.vm.show_attract()
    assert hall.hold_up(text) == "detail"
    assert hall.vm.detail is not None and hall.vm.detail.item.id == "BM-02"
    hall.clock.now += 60  # the scan counted as a touch: no idle return yet
    assert hall.vm.tick() is None and hall.vm.screen == "detail"


@pytest.mark.parametrize("text", [
    "https://weixin.qq.com/r/abcdefg",  # a phone's own code
    "wxp://f2f0payment-code",
    "VE1.eyJhcHByb3ZhbCI6IDF9",  # a seal approval: not the kiosk's
    "VE-ITEM:not an item",
    "VE-ITEM:ZZ-99",  # well formed, but no such item in the list
    "VE-REPORT:1234567891",  # wrong check digit
    "1234567890",  # bare digits from anything
    "随便什么字",
])
def test_a_foreign_or_garbage_code_changes_nothing_and_says_nothing(
    hall: Hall, text: str, caplog: pytest.LogCaptureFixture,
) -> None:
    hall.vm.open_item("GP-01")
    before = (hall.vm.screen, hall.vm.detail, hall.vm.message, hall.vm.progress.lines)
    with caplog.at_level(logging.INFO):
        assert hall.hold_up(text, Showing()) is None
    assert (hall.vm.screen, hall.vm.detail, hall.vm.message, hall.vm.progress.lines) == before
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_a_code_is_followed_once_while_held_and_again_when_shown_again(hall: Hall) -> None:
    text = item_content("GP-02")
    assert hall.hold_up(text) == "detail"
    assert hall.vm.go_home() == "home"
    assert hall.hold_up(text) is None  # still in the hand: not pulled back
    hall.take_away()
    assert hall.hold_up(text) == "detail"


def test_codes_in_view_while_a_villager_types_or_prints_are_let_go(hall: Hall) -> None:
    hall.vm.open("complaint")
    assert hall.hold_up(item_content("GP-02")) is None
    assert hall.vm.screen == "complaint"
    hall.vm.open_item("GP-01")
    hall.vm.open_receipt()  # the slip about to be printed, or just printed, in the hand
    assert hall.hold_up(report_content(CODE)) is None
    assert hall.vm.screen == "receipt"
    hall.vm.go_home()
    assert hall.vm.tick() is None and hall.vm.screen == "home"  # nothing was kept for later


def test_one_payload_format_for_each_kind_of_slip() -> None:
    assert item_content("BM-02") == "VE-ITEM:BM-02"
    assert read_code(" VE-ITEM:BM-02\n") == ItemCode("BM-02")
    assert report_content(tracking.display(CODE)) == f"VE-REPORT:{CODE}"
    assert read_code(f"ve-report:{CODE}") == ReportCode(CODE)
    assert read_code(f"VE-ITEM:{CODE}") is None and read_code("VE-REPORT:BM-02") is None


# -- a kiosk without a camera ---------------------------------------------------------


def kiosk_config(tmp_path: Path, camera: bool) -> str:
    return f"""
[device]
id = "ve-kiosk-0001"
role = "kiosk"
simulate = true
[village]
code = "330226100201"
name = "红星村"
[paths]
state_dir = "{tmp_path / 'state'}"
[camera]
enabled = {'true' if camera else 'false'}
backend = "simulated"
"""


def slip_text(receipt: Receipt) -> str:
    """Every word on the slip: its text, its QR captions, and the bytes the printer gets."""
    words = [block.text for block in receipt.blocks if isinstance(block, Text)]
    words += [block.caption or "" for block in receipt.blocks if isinstance(block, QRCode)]
    connection = Dummy()
    with ReceiptPrinter(connection, paper=PaperWidth.MM58, chinese="gb18030") as printer:
        printer.print(receipt)
    return "\n".join(words) + bytes(connection.output).decode("gb18030", errors="replace")


def test_without_a_camera_no_printed_slip_mentions_scanning(
    tmp_path: Path, kiosk: Kiosk, qr_reader: Callable[[Image.Image], list[str]],
) -> None:
    ensure_complaint_key(kiosk.county_dir)
    kiosk.pull()
    config = parse_config(kiosk_config(tmp_path, camera=False), source="test", home=tmp_path)
    services = real_services(config, kiosk.feed, kiosk.outbox)
    assert services.scanner is None
    slips = [services.receipts.service_guide(item, [], 58) for item in load_sample().items]
    slips.append(StandInSlips().service_guide(load_sample().item("BM-02"), [], 58))
    for problem in ("其他问题", "乱收费，或者索要钱物"):
        slips.append(services.complaints.file(ComplaintDraft(None, None, problem, None)).receipt)
    for slip in slips:
        assert not any(isinstance(block, QRCode) for block in slip.blocks), slip.title
        text = slip_text(slip)
        assert not [word for word in SCANNING_WORDS if word in text], slip.title
        assert qr_reader(render_preview(slip, PaperWidth.MM58)) == []
    complaint = slip_text(slips[-1])
    assert "凭查询号码，可以在村里的触摸屏上查办理进度。" in complaint  # typed in instead


def test_with_a_camera_every_slip_has_its_code_and_says_where_to_hold_it(
    tmp_path: Path, kiosk: Kiosk, qr_reader: Callable[[Image.Image], list[str]],
) -> None:
    ensure_complaint_key(kiosk.county_dir)
    kiosk.pull()
    config = parse_config(kiosk_config(tmp_path, camera=True), source="test", home=tmp_path)
    services = real_services(config, kiosk.feed, kiosk.outbox)
    assert isinstance(services.scanner, CodeScanner)
    guide = services.receipts.service_guide(load_sample().item("GP-01"), [], 58)
    assert read_code(printed_code(guide, qr_reader)) == ItemCode("GP-01")
    assert "摄像头" in slip_text(guide)
    filed = services.complaints.file(ComplaintDraft(None, None, "其他问题", None))
    assert read_code(printed_code(filed.receipt, qr_reader)) == ReportCode(
        filed.tracking_code.replace(" ", ""))
    assert "把二维码对着村里触摸屏的摄像头，可以查办理进度" in slip_text(filed.receipt)
    stand_in = StandInSlips(scanning=True).service_guide(load_sample().item("BM-02"), [], 58)
    assert printed_code(stand_in, qr_reader) == printed_code(
        service_guide(load_sample().item("BM-02"), {}, scanning=True), qr_reader)
