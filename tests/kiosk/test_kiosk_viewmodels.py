"""The kiosk's screens as a villager uses them, without a window: where each
tap leads, what each screen says, the idle timeout and the technician's way
in."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime

import pytest

from kiosk.launch import build_view_model
from kiosk.samples import SampleFeed
from kiosk.standins import GuideSlips, NoPrinter, PretendComplaints, PretendProgress
from kiosk.viewmodels.disclosures import ALL, DisclosuresViewModel
from kiosk.viewmodels.freshness import updated_line
from kiosk.viewmodels.idle import IdleTimer
from kiosk.viewmodels.roster import Roster
from kiosk.viewmodels.search import SearchViewModel
from kiosk.viewmodels.services import KioskServices
from kiosk.viewmodels.shell import KioskViewModel
from kiosk.viewmodels.technician import CornerTaps, PinPad, TechnicianHooks
from kiosk.viewmodels.text import paragraphs
from powerlist import load_sample

SAMPLE = load_sample()


@pytest.fixture
def kiosk() -> KioskViewModel:
    services = KioskServices(GuideSlips(), NoPrinter(), PretendComplaints(date(2024, 6, 1)),
                             PretendProgress())
    return build_view_model(catalog_feed=None, data_feed=SampleFeed(), services=services,
                            technician=TechnicianHooks(backlog=lambda: (3, 2048)), pin="2468")


def test_what_a_composition_root_imports_before_preparing_kivy_does_not_import_kivy() -> None:
    code = ("import kiosk, kiosk.kivy_setup, kiosk.launch, kiosk.screenshots, kiosk.standins, "
            "kiosk.testing.driver, seal_controller.panel_model, village_edge.kiosk_commands, "
            "village_edge.seal_commands, village_edge.cli, sys; "
            "assert not [m for m in sys.modules if m.startswith('kivy')]")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_home_offers_both_groups_then_the_other_services(kiosk: KioskViewModel) -> None:
    buttons = kiosk.home_buttons()
    assert [b.title for b in buttons if b.big] == ["公共权力事项", "便民服务事项"]
    assert [b.key for b in buttons if not b.big] == ["search", "disclosures", "complaint",
                                                     "progress"]
    assert "共19项" in buttons[0].subtitle and "共17项" in buttons[1].subtitle
    assert kiosk.is_sample and "示范样本" in kiosk.catalog_line()
    assert "更新于 2024年6月1日" in kiosk.catalog_line()


def test_a_villager_goes_from_home_to_a_flowchart_and_back(kiosk: KioskViewModel) -> None:
    assert kiosk.open("public_power") == "list"
    headings = [row.text for row in kiosk.list_rows() if row.kind == "heading"]
    assert headings == ["重大决策（10项）", "日常管理（9项）"]
    assert kiosk.open_item("GP-02") == "detail"
    assert kiosk.open_flowchart(0) == "flowchart"
    assert kiosk.back() == "detail"
    assert kiosk.back() == "list"
    assert kiosk.back() == "home"


def test_the_detail_says_whom_to_see_what_to_bring_and_how_long(kiosk: KioskViewModel) -> None:
    kiosk.open_item("BM-01")
    detail = kiosk.detail
    assert detail is not None
    assert "（示范）" in detail.whom.lines[0] and "电话" in detail.whom.lines[0]
    assert detail.materials and not any(ticked for _, ticked in detail.materials)
    detail.toggle(0)
    assert detail.materials[0][1]
    titles = [section.title for section in detail.sections()]
    assert titles[-1] == "办理依据" and "责任追究" in titles and "廉政风险提示" in titles
    steps = detail.sections()[0].lines
    assert steps[0].startswith("1、") and any("时限" in line for line in steps)


def test_without_a_roster_the_role_name_is_shown() -> None:
    people = Roster.empty().people("village_accountant")
    assert [person.line for person in people] == ["村报账员"]
    named = Roster.from_body({"village_accountant": "张会计"}).people("village_accountant")
    assert named[0].line == "村报账员  张会计"


def test_search_by_a_tapped_word_finds_the_item(kiosk: KioskViewModel) -> None:
    words = SearchViewModel.keywords(SAMPLE)
    assert 6 <= len(words) <= 12 and all(len(word) <= 4 for word in words)
    kiosk.run_search("低保")
    assert kiosk.screen == "search"
    assert kiosk.search.results[0].text == "最低生活保障申请（低保）"
    kiosk.run_search("没有这种事")
    assert "没有找到" in kiosk.search.summary


def test_disclosures_by_category_newest_first_with_date_and_source() -> None:
    model = DisclosuresViewModel(SampleFeed())
    tabs = dict(model.tabs)
    assert tabs[ALL] == 12 and tabs["工程项目"] == 2
    rows = model.rows
    assert [row.day for row in rows] == sorted((row.day for row in rows), reverse=True)
    model.choose("物资采购")
    assert {row.category for row in model.rows} == {"物资采购"}
    assert all(row.source and row.date_text.endswith("日") for row in model.rows)
    assert DisclosuresViewModel(None).rows == []


def test_a_complaint_is_anonymous_unless_a_phone_is_left(kiosk: KioskViewModel) -> None:
    kiosk.open("complaint")
    model = kiosk.complaint
    assert not model.can_submit
    model.choose_problem("该公开的没有公开")
    model.set_leave_phone(True)
    for key in "1381234":
        model.phone.press(key)
    assert model.phone_problem == "手机号码是11位，请再看一下。"
    model.set_leave_phone(False)
    assert model.can_submit and "联系方式：匿名" in model.summary
    kiosk.submit_complaint()
    assert model.result is not None and model.result.ok
    assert "答复期限：2024年6月16日前" in model.result.lines


def test_idle_goes_home_then_to_the_attract_screen() -> None:
    timer = IdleTimer(home_after=90, attract_after=180, last_touch=0)
    assert timer.tick(89) is None
    assert timer.tick(90) == "home" and timer.tick(100) is None
    assert timer.tick(180) == "attract" and timer.tick(500) is None
    timer.touched(600)
    assert timer.tick(650) is None


def test_the_screen_sleeps_after_the_blanking_time_and_a_touch_only_wakes_it() -> None:
    timer = IdleTimer(home_after=90, attract_after=180, last_touch=0, blank_after=600)
    timer.tick(599)
    assert not timer.asleep
    timer.tick(600)
    assert timer.asleep
    assert timer.touched(700) is True and not timer.asleep  # this touch woke it
    assert timer.touched(701) is False  # the next one acts
    never = IdleTimer(last_touch=0)
    never.tick(10**6)
    assert not never.asleep


def test_the_touch_that_wakes_the_kiosk_stays_on_the_screen_shown(kiosk: KioskViewModel) -> None:
    kiosk.idle.blank_after = 60
    assert kiosk.open("complaint") == "complaint"
    kiosk.idle.last_touch -= 61
    kiosk.tick()
    assert kiosk.asleep
    assert kiosk.touched(5, 5, 800, 480) == "complaint" and not kiosk.asleep


def test_five_corner_taps_within_three_seconds_open_the_pin_pad() -> None:
    taps = CornerTaps()
    assert not any(taps.tap(t, True) for t in (0, 0.5, 1, 1.5))
    assert taps.tap(2.0, True)
    assert not any(taps.tap(t, True) for t in (10, 14, 18, 22, 26))  # too slow
    assert not CornerTaps.in_corner(400, 10, 800, 480)


def test_the_pin_pad_locks_after_five_wrong_pins() -> None:
    now = [0.0]
    pad = PinPad("2468", lambda: now[0])
    for _ in range(5):
        pad.pad.press("1")
        assert not pad.enter()
    for key in "2468":
        pad.pad.press(key)
    assert not pad.enter() and "秒后再试" in pad.message
    now[0] = 61
    for key in "2468":
        pad.pad.press(key)
    assert pad.enter()
    assert "2468" not in pad.pad.shown


def test_touches_and_ticks_drive_the_technician_and_idle_screens(kiosk: KioskViewModel) -> None:
    for _ in range(5):
        target = kiosk.touched(5, 5, 800, 480)
    assert target == "pin"
    for key in "2468":
        kiosk.pin.pad.press(key)
    assert kiosk.enter_pin() == "technician"
    assert "待上传：3 条记录（2.0 KB）" in kiosk.technician.lines
    assert kiosk.show_attract() == "attract"
    assert kiosk.touched(400, 240, 800, 480) == "home"


def test_long_text_is_cut_into_labels_of_bounded_size() -> None:
    text = "。".join(["违反规定的责任追究办法"] * 40)
    pieces = paragraphs(text, 100)
    assert all(len(piece) <= 100 for piece in pieces) and "".join(pieces) == text


def test_updated_lines_say_when(kiosk: KioskViewModel) -> None:
    assert kiosk.roster_line().startswith("联系人名单更新于 ")
    now = datetime(2024, 6, 3, 9, 30)
    assert updated_line("清单", datetime(2024, 6, 3, 8, 5), now) == "清单更新于 今天 08:05"
    assert updated_line("清单", datetime(2024, 6, 2, 18, 0), now) == "清单更新于 昨天 18:00"
    assert updated_line("清单", date(2024, 6, 1), now) == "清单更新于 2024年6月1日"
    assert updated_line("名单", None, now) == "名单：还没有收到更新"
    assert "公开内容更新于" in kiosk.disclosures_line()
    assert isinstance(kiosk.roster.updated, datetime)


def test_a_receipt_kept_for_lack_of_paper_prints_once_on_a_later_retry(tmp_path) -> None:
    from hardware.printer import ReceiptPrinter
    from hardware.printer.testing import InMemoryPrinter
    from kiosk.services.print_queue import MESSAGES, PrintQueue
    from kiosk.wiring import PRINTED, QueuedPrinting

    printer = InMemoryPrinter(paper="out")
    printing = QueuedPrinting(PrintQueue(tmp_path / "q",
                                         ReceiptPrinter(printer, chinese="gb18030")))
    services = KioskServices(GuideSlips(), printing, PretendComplaints(), PretendProgress())
    kiosk = build_view_model(catalog_feed=None, data_feed=SampleFeed(), services=services,
                             technician=TechnicianHooks(), pin="")
    kiosk.open_item("GP-01")
    kiosk.open_receipt()
    assert kiosk.receipt.retry() is False  # nothing kept yet
    assert kiosk.receipt.print() == MESSAGES["paper_out"]
    assert kiosk.receipt.retry() is False and kiosk.receipt.message == MESSAGES["paper_out"]
    printer.paper = "ok"  # the paper is loaded
    assert kiosk.receipt.retry() is True and kiosk.receipt.message == PRINTED
    assert kiosk.receipt.retry() is False and printer.jobs_printed() == 1


@pytest.mark.parametrize("size", [36, 500])
def test_the_search_index_finds_what_powerlist_search_finds_in_the_same_order(
    size: int
) -> None:
    from kiosk.testing.bigcatalog import synthetic_catalog
    from powerlist import search

    catalog = SAMPLE if size == 36 else synthetic_catalog(size)
    model = SearchViewModel()
    queries = {"低保", "残疾 证明", "ＧＰ－０１", "gp-01", "村 |村", "证|", "a|b", " ",
               "没有这个词", *(tag for item in catalog.items for tag in item.tags),
               *(item.name[1:4] for item in catalog.items),
               *(item.name[0] for item in catalog.items),
               *(material[:3] for item in catalog.items for material in item.materials)}
    for query in sorted(queries):
        expected = [item.id for item in search(catalog, query)]
        assert [item.id for item in model.items(catalog, query)] == expected, query


def test_a_search_lists_at_most_fifty_items_and_says_how_many_it_found() -> None:
    from kiosk.testing.bigcatalog import synthetic_catalog
    from kiosk.viewmodels.search import RESULTS_SHOWN

    model = SearchViewModel()
    catalog = synthetic_catalog(500)
    model.run(catalog, "村")
    assert model.found > RESULTS_SHOWN == len(model.results)
    assert f"找到 {model.found} 项，先列出 {RESULTS_SHOWN} 项" in model.summary
    model.run(SAMPLE, "低保")
    assert model.summary == f"“低保”：找到 {len(model.results)} 项"
