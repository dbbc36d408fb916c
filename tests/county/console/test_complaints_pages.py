"""The complaint handlers' pages over HTTP on a real county server, on
both engines: the list with deadlines, a complaint opened only in memory
and audited, statuses that only move forward (in the database too), the
reply published for the kiosk, and another village's complaints refused."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from county.complaints import set_status
from county.server import CountyServer
from kiosk.services.complaints import ComplaintForm
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
    # a report dated past the last year in the table (a kiosk's clock far ahead)
    ahead = file_report(data_dir, tmp_path, KIOSK, ComplaintForm("delay"), days_ago=-800)
    client = handler(county)
    page = client.get("/complaints")
    assert page.status_code == 200
    assert "答复期限：无法计算" in page.text and "年的放假安排" in page.text
    assert "holidays.toml" in page.text
    (data_dir / "holidays.toml").write_text("[2029]\nholiday = []\n", encoding="utf-8")
    broken = client.get("/complaints")
    assert broken.status_code == 500 and "请管理员改正" in broken.text
    assert client.get(f"/complaints/{ahead.code}").status_code == 500
