"""The complaint handlers' pages over HTTP on a real county server, on
both engines: the list with deadlines, a complaint opened only in memory
and audited, statuses that only move forward (in the database too), the
reply published for the kiosk, and another village's complaints refused."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from random import Random

import pytest

from county.complaints import set_status
from county.server import CountyServer
from kiosk.services.complaints import ComplaintForm
from protocol import tracking
from protocol.complaint_status import STATUS_DOCUMENT
from tests.county.console.complaints_helpers import (
    KIOSK,
    OTHER_KIOSK,
    OTHER_VILLAGE,
    VILLAGE,
    ConsoleClient,
    audit_rows,
    enroll_kiosk,
    file_report,
    make_account,
    published,
    store_of,
)

PHONE = "13987654321"
ITEM = ("BM-02", "最低生活保障申请（低保）")


@pytest.fixture
def county(data_dir: Path) -> Iterator[CountyServer]:
    with CountyServer(data_dir) as server:
        enroll_kiosk(data_dir, KIOSK, VILLAGE)
        enroll_kiosk(data_dir, OTHER_KIOSK, OTHER_VILLAGE)
        make_account(data_dir, "chen", ("complaints",), (VILLAGE,))
        make_account(data_dir, "wang", ("approver",), (VILLAGE,))
        yield server


def handler(county: CountyServer, name: str = "chen") -> ConsoleClient:
    return ConsoleClient(county.url).login(name)


def test_the_list_shows_each_deadline_and_what_is_overdue(county: CountyServer,
                                                          tmp_path: Path) -> None:
    late = file_report(county.data_dir, tmp_path, KIOSK, ComplaintForm("delay"), days_ago=60)
    fresh = file_report(county.data_dir, tmp_path, KIOSK, ComplaintForm("fees"))
    page = handler(county).get("/complaints")
    assert page.status_code == 200
    text = page.text
    assert "待答复 <strong>2</strong> 件" in text and "1 件已超期" in text
    late_at, fresh_at = text.index(late.display_code), text.index(fresh.display_code)
    assert late_at < fresh_at  # the overdue one first
    assert "已超期" in text[late_at:fresh_at] and "还有 15 个工作日" in text[fresh_at:]


def test_opening_decrypts_in_memory_only_and_is_audited(county: CountyServer,
                                                        tmp_path: Path,
                                                        data_dir: Path) -> None:
    form = ComplaintForm("fees", *ITEM, phone=PHONE)
    receipt = file_report(data_dir, tmp_path, KIOSK, form)
    client = handler(county)
    page = client.get(f"/complaints/{receipt.code}")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert PHONE in page.text and "乱收费" in page.text and ITEM[1] in page.text
    [opened] = audit_rows(data_dir, "complaint_opened")
    assert (opened["actor"], opened["object"]) == ("chen", f"complaint:{receipt.code}")
    client.post(f"/complaints/{receipt.code}/status", {"status": "received", "reply": ""})
    client.get(f"/complaints/{receipt.code}")
    assert len(audit_rows(data_dir, "complaint_opened")) == 2  # every opening

    secrets = [PHONE, ITEM[1], "乱收费", '"problem_text"']
    on_disk = [path for path in data_dir.rglob("*") if path.is_file()
               for secret in secrets if secret.encode() in path.read_bytes()]
    assert on_disk == []
    with store_of(data_dir) as store:
        tables = [row["name"] for row in store.execute(
            "SELECT table_name AS name FROM information_schema.tables "
            "WHERE table_schema = 'public'" if store.engine == "postgresql" else
            "SELECT name FROM sqlite_master WHERE type = 'table'")]
        dumped = json.dumps([store.execute(f"SELECT * FROM {table}") for table in tables],
                            ensure_ascii=False, default=str)
    assert "console_audit" in tables and "complaint_steps" in tables
    assert [secret for secret in secrets if secret in dumped] == []


def test_a_status_change_publishes_the_reply_for_the_kiosk(county: CountyServer,
                                                          tmp_path: Path,
                                                          data_dir: Path) -> None:
    receipt = file_report(data_dir, tmp_path, KIOSK, ComplaintForm("secrecy", *ITEM))
    client = handler(county)
    client.get(f"/complaints/{receipt.code}")
    assert "答复会显示在村里的查询机上，任何拿到查询码的人都能看到" in client.last.text  # type: ignore[union-attr]
    refused = client.post(f"/complaints/{receipt.code}/status",
                          {"status": "replied", "reply": ""})
    assert refused.status_code == 400 and "请写上答复" in refused.text
    refused = client.post(f"/complaints/{receipt.code}/status",
                          {"status": "replied", "reply": f"请打 {PHONE[:3]} {PHONE[3:]}"})
    assert refused.status_code == 400 and "不能写手机号码" in refused.text
    assert published(data_dir, *STATUS_DOCUMENT) == []

    reply = "村委会已在公开栏公布低保评议结果。"
    done = client.post(f"/complaints/{receipt.code}/status",
                       {"status": "replied", "reply": reply})
    assert done.status_code == 303
    latest = published(data_dir, *STATUS_DOCUMENT)[-1]
    assert latest["body"]["statuses"][receipt.code]["status"] == "replied"
    assert latest["body"]["statuses"][receipt.code]["reply"] == reply
    [changed] = audit_rows(data_dir, "complaint_status")
    assert json.loads(changed["detail"])["status"] == "replied"
    page = client.get(f"/complaints/{receipt.code}")
    assert "已答复" in page.text and reply in page.text


def test_going_back_to_an_earlier_status_is_refused(county: CountyServer, tmp_path: Path,
                                                   data_dir: Path) -> None:
    receipt = file_report(data_dir, tmp_path, KIOSK, ComplaintForm("delay"))
    client = handler(county)
    client.get(f"/complaints/{receipt.code}")
    client.post(f"/complaints/{receipt.code}/status", {"status": "handling", "reply": ""})
    page = client.get(f"/complaints/{receipt.code}")
    assert 'value="received"' not in page.text  # the form offers only what lies ahead
    back = client.post(f"/complaints/{receipt.code}/status", {"status": "received", "reply": ""})
    assert back.status_code == 409
    assert "不能改回“已收到”" in back.text
    statuses = published(data_dir, *STATUS_DOCUMENT)[-1]["body"]["statuses"]
    assert statuses[receipt.code]["status"] == "handling"

    with pytest.raises(Exception, match="earlier status"):  # the operator's command too
        set_status(data_dir, receipt.code, "received")


def test_the_database_itself_keeps_the_history_moving_forward(county: CountyServer,
                                                              tmp_path: Path,
                                                              data_dir: Path) -> None:
    receipt = file_report(data_dir, tmp_path, KIOSK, ComplaintForm("delay"))
    set_status(data_dir, receipt.code, "handling")
    insert = ("INSERT INTO complaint_steps (code, step, status, rank, at, day, handler, reply) "
              "VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
    with store_of(data_dir) as store:
        [step] = store.execute("SELECT step, at FROM complaint_steps WHERE code = ?",
                               (receipt.code,))
        for values, why in [
            ((receipt.code, 2, "received", 1, step["at"] + 1, "2026-01-01", "x", None),
             "earlier status"),
            ((receipt.code, 2, "replied", 3, step["at"] - 1, "2026-01-01", "x", None),
             "earlier status or time"),
            ((receipt.code, 2, "replied", 4, step["at"] + 1, "2026-01-01", "x", None),
             "CHECK|check"),
        ]:
            with pytest.raises(Exception, match=why), store.transaction():
                store.execute(insert, values)
        for statement in ("UPDATE complaint_steps SET status = 'received', rank = 1",
                          "DELETE FROM complaint_steps"):
            with pytest.raises(Exception, match="never"), store.transaction():
                store.execute(statement)
        assert store.execute("SELECT status FROM complaint_steps WHERE code = ?",
                             (receipt.code,)) == [{"status": "handling"}]


def test_another_villages_complaint_is_not_found(county: CountyServer, tmp_path: Path,
                                                data_dir: Path) -> None:
    foreign = file_report(data_dir, tmp_path, OTHER_KIOSK, ComplaintForm("fees", phone=PHONE))
    client = handler(county)
    assert foreign.display_code not in client.get("/complaints").text
    page = client.get(f"/complaints/{foreign.code}")
    assert page.status_code == 404 and PHONE not in page.text
    changed = client.post(f"/complaints/{foreign.code}/status",
                          {"status": "replied", "reply": "已办理。"})
    assert changed.status_code == 404
    assert published(data_dir, *STATUS_DOCUMENT) == []
    assert audit_rows(data_dir, "complaint_opened") == []
    # another role sees no complaint at all
    approver = ConsoleClient(county.url).login("wang")
    assert approver.get(f"/complaints/{foreign.code}").status_code == 403


def test_a_deadline_in_a_year_without_holidays_says_what_to_add(county: CountyServer,
                                                                tmp_path: Path,
                                                                data_dir: Path) -> None:
    # a report received past the last year in the table
    ahead = file_report(data_dir, tmp_path, KIOSK, ComplaintForm("delay"), days_ago=-800)
    client = handler(county)
    page = client.get("/complaints")
    assert page.status_code == 200
    assert "（估算）" in page.text and "年的节假日还没录入，按周一到周五估算" in page.text
    assert "年的放假安排" in page.text and "holidays.toml" in page.text
    assert "无法计算" not in page.text
    (data_dir / "holidays.toml").write_text("[2029]\nholiday = []\n", encoding="utf-8")
    broken = client.get("/complaints")
    assert broken.status_code == 500 and "请管理员改正" in broken.text
    assert client.get(f"/complaints/{ahead.code}").status_code == 500


def test_a_kiosk_cannot_take_another_villages_tracking_code(county: CountyServer,
                                                            tmp_path: Path,
                                                            data_dir: Path) -> None:
    # a report of village A; then a kiosk of village B sends a report under A's
    # tracking code (codes are public in the status document), its clock
    # saying it came years earlier
    genuine = file_report(data_dir, tmp_path, KIOSK, ComplaintForm("fees", *ITEM, phone=PHONE))
    with store_of(data_dir) as store, store.transaction():
        store.add_event(OTHER_KIOSK, "rogue-1", "complaint", 1e9,
                        json.dumps({"code": genuine.code, "sealed": "x"}), time.time() + 1)
    make_account(data_dir, "cb", ("complaints",), (OTHER_VILLAGE,))
    rogue_handler = handler(county, "cb")
    listing = rogue_handler.get("/complaints")
    assert genuine.display_code not in listing.text
    flagged = f"查询机 {OTHER_KIOSK} 送来的 1 件投诉或举报，查询码和更早收到的另一件相同"
    assert flagged in listing.text
    opened = rogue_handler.get(f"/complaints/{genuine.code}")
    assert opened.status_code == 404 and PHONE not in opened.text and ITEM[1] not in opened.text
    answered = rogue_handler.post(f"/complaints/{genuine.code}/status",
                                  {"status": "replied", "reply": "已办理。"})
    assert answered.status_code == 404
    assert published(data_dir, *STATUS_DOCUMENT) == []

    # village A's handler opens village A's report, audited as village A's
    page = handler(county).get(f"/complaints/{genuine.code}")
    assert page.status_code == 200 and PHONE in page.text and KIOSK in page.text
    [opened_row] = audit_rows(data_dir, "complaint_opened")
    assert (opened_row["actor"], json.loads(opened_row["detail"])["village"]) == ("chen",
                                                                                  VILLAGE)


@pytest.mark.parametrize("reply", ["请打 138.0013.8000", "请打１３８００１３８０００"])
def test_a_mobile_number_written_otherwise_is_refused_too(county: CountyServer, tmp_path: Path,
                                                         data_dir: Path, reply: str) -> None:
    receipt = file_report(data_dir, tmp_path, KIOSK, ComplaintForm("fees"))
    client = handler(county)
    client.get(f"/complaints/{receipt.code}")
    refused = client.post(f"/complaints/{receipt.code}/status",
                          {"status": "replied", "reply": reply})
    assert refused.status_code == 400 and "不能写手机号码" in refused.text
    assert published(data_dir, *STATUS_DOCUMENT) == []


BEIJING_NOON = "+08:00"


def beijing(day: str) -> float:
    return datetime.fromisoformat(f"{day}T12:00:00{BEIJING_NOON}").timestamp()


def test_a_deadline_in_next_year_is_estimated_and_overdue_still_shows(data_dir: Path,
                                                                       tmp_path: Path) -> None:
    # 10 February 2027 at the county; the table holds 2024-2026 only
    today = beijing("2027-02-10")
    with CountyServer(data_dir, clock=lambda: today) as county:
        enroll_kiosk(data_dir, KIOSK, VILLAGE)
        make_account(data_dir, "chen", ("complaints",), (VILLAGE,))
        late = file_report(data_dir, tmp_path, KIOSK, ComplaintForm("delay"),
                           days_ago=(time.time() - beijing("2026-12-20")) / 86400)
        fresh = file_report(data_dir, tmp_path, KIOSK, ComplaintForm("fees"),
                            days_ago=(time.time() - today) / 86400)
        client = handler(county)
        text = client.get("/complaints").text
        late_at, fresh_at = text.index(late.display_code), text.index(fresh.display_code)
        assert "答复期限：2027-01-08（估算）" in text[late_at:fresh_at]
        assert "已超期 23 个工作日" in text[late_at:fresh_at]
        assert "答复期限：2027-03-03（估算）" in text[fresh_at:]
        assert "还有 15 个工作日" in text[fresh_at:]
        assert text.count("2027年的节假日还没录入，按周一到周五估算") == 3  # each row, the top
        assert "请技术员" in text and str(data_dir / "holidays.toml") in text
        page = client.get(f"/complaints/{late.code}").text
        assert "2027-01-08（估算）" in page and "已超期" in page
        assert "2027年的节假日还没录入，按周一到周五估算" in page

        # the year added: counted with its holidays (1 January off), no longer estimated
        (data_dir / "holidays.toml").write_text(
            '[2027]\nnotice = "test"\nholidays = ["2027-01-01"]\nworkdays = []\n',
            encoding="utf-8")
        text = client.get("/complaints").text
        assert "答复期限：2027-01-11" in text and "估算" not in text


PAGE_MOST = 100 * 1024
NEXT = re.compile(r'<a href="/console(/complaints\?page=\d+)">下一页</a>')


def test_a_kiosks_flood_of_reports_is_paged_and_the_real_one_reached(
        county: CountyServer, tmp_path: Path, data_dir: Path) -> None:
    # a real report, then a rogue kiosk of the same village sends 250 with
    # valid codes, nothing sealed, its clock saying 4 January 2021
    genuine = file_report(data_dir, tmp_path, KIOSK, ComplaintForm("fees"))
    rng = Random(13)
    backdated = datetime.fromisoformat("2021-01-04T09:00:00+08:00").timestamp()
    with store_of(data_dir) as store, store.transaction():
        for n in range(250):
            store.add_event(KIOSK, f"flood-{n}", "complaint", backdated,
                            json.dumps({"code": tracking.new_code(rng), "sealed": "x"}),
                            time.time() + 1 + n)
    client = handler(county)
    pages, path = [], "/complaints"
    while path:
        page = client.get(path)
        assert page.status_code == 200 and len(page.content) < PAGE_MOST
        pages.append(page.text)
        found = NEXT.search(page.text)
        path = found[1] if found else ""
    assert len(pages) == 6 and "上一页" in pages[1] and "没有列出" not in pages[0]
    assert "待答复 <strong>251</strong> 件" in pages[0] and "已超期" not in pages[0]
    assert sum(text.count(genuine.display_code) for text in pages) == 1


def test_a_year_before_the_first_device_is_not_a_missing_holiday_table(
        county: CountyServer, data_dir: Path) -> None:
    # a kiosk's report that the county holds as arrived on 4 January 2021,
    # years before any device of the county was enrolled
    old = datetime.fromisoformat("2021-01-04T09:00:00+08:00").timestamp()
    code = tracking.new_code(Random(2021))
    with store_of(data_dir) as store, store.transaction():
        store.add_event(KIOSK, "old-1", "complaint", old,
                        json.dumps({"code": code, "sealed": "x"}), old)
    page = handler(county).get("/complaints")
    assert page.status_code == 200 and tracking.display(code) in page.text
    assert "2021年的节假日还没录入" not in page.text
    assert "请技术员" not in page.text and "holidays.toml" not in page.text
