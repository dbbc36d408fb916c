"""Sample data for the complaint handlers' and the clerks' pages
(:data:`county.console.sample_data.SEEDERS`): reports sealed to the sample
county's key as a kiosk seals them, at each stage of handling, one overdue
and one of another village; a handler and a clerk account."""

from __future__ import annotations

import json
from datetime import datetime
from random import Random
from typing import TYPE_CHECKING, Any

from county.complaints import ensure_complaint_key, load_complaint_key, set_status
from county.console.format import BEIJING
from protocol import tracking
from protocol.complaint_envelope import report_context, seal

if TYPE_CHECKING:  # sample_data lists these seeders: it imports this module
    from county.console.sample_data import SampleCounty

OTHER_KIOSK = "ve-330226100202-k1"  # a kiosk of sample_data.OTHER_VILLAGE
HANDLER = "qian"  # 钱主任: complaints of the sample village
CLERK = "wu"  # 吴文书: the county's power list


def sample_code(seed: int) -> str:
    return tracking.new_code(Random(seed))


NEW_COMPLAINT = sample_code(101)  # filed yesterday, nobody has handled it
HANDLING_COMPLAINT = sample_code(102)  # being handled
OVERDUE_COMPLAINT = sample_code(103)  # received a month ago, never answered
REPLIED_COMPLAINT = sample_code(104)  # answered
FOREIGN_WHISTLE = sample_code(105)  # of another village: chen never sees it
SAMPLE_DRAFT = "sample-catalog-draft-1"  # the sample catalog, uploaded, not yet published
REPLY = "经核实，村委会已在公开栏补充公布了本年度低保评议结果，并安排专人每月更新。"


def file_report(sample: SampleCounty, device_id: str, code: str, *, whistle: bool = False,
                problem: tuple[str, str], item: tuple[str, str] | None,
                phone: str | None, days_ago: float) -> None:
    """A report sealed to the county's key as a kiosk seals it, sent *days_ago*."""
    filed = sample.now - days_ago * 86400
    report: dict[str, Any] = {
        "v": 1, "kind": "whistle" if whistle else "complaint", "code": code,
        "device": device_id, "item_id": item[0] if item else None,
        "item_name": item[1] if item else None, "problem": problem[0],
        "problem_text": problem[1], "phone": phone,
        "filed": datetime.fromtimestamp(filed, BEIJING).replace(tzinfo=None)
        .isoformat(timespec="seconds"),
        "reply_due": None,
    }
    plain = json.dumps(report, ensure_ascii=False).encode()
    sealed = seal(load_complaint_key(sample.root).public_key(), plain,
                  report_context(device_id, code))
    sample.events(device_id, "whistle" if whistle else "complaint",
                  [{"code": code, "sealed": sealed}], ago=days_ago * 86400)


def seed_complaints(sample: SampleCounty) -> None:
    from county.console.sample_data import KIOSK, OTHER_VILLAGE, VILLAGE

    sample.account(HANDLER, "钱主任", ("complaints",), (VILLAGE,))
    sample.enroll(OTHER_KIOSK, "kiosk", OTHER_VILLAGE, seen_ago=300)
    ensure_complaint_key(sample.root, now=sample.now)
    low_income = ("BM-02", "最低生活保障申请（低保）")
    file_report(sample, KIOSK, OVERDUE_COMPLAINT, problem=("secrecy", "信息不公开"),
                item=low_income, phone=None, days_ago=40)
    file_report(sample, KIOSK, REPLIED_COMPLAINT, problem=("secrecy", "信息不公开"),
                item=low_income, phone="13912345678", days_ago=20)
    file_report(sample, KIOSK, HANDLING_COMPLAINT, problem=("delay", "办事拖延"),
                item=("BM-05", "宅基地使用申请"), phone="13800001111", days_ago=6)
    file_report(sample, KIOSK, NEW_COMPLAINT, problem=("fees", "乱收费"), item=None,
                phone=None, days_ago=1)
    file_report(sample, OTHER_KIOSK, FOREIGN_WHISTLE, whistle=True,
                problem=("bribes", "吃拿卡要"), item=None, phone=None, days_ago=2)
    day = 86400
    set_status(sample.root, OVERDUE_COMPLAINT, "received", now=sample.now - 39 * day,
               handler=HANDLER)
    set_status(sample.root, REPLIED_COMPLAINT, "received", now=sample.now - 19 * day,
               handler=HANDLER)
    set_status(sample.root, REPLIED_COMPLAINT, "handling", now=sample.now - 15 * day,
               handler=HANDLER, reply="已转村务监督委员会核实。")
    set_status(sample.root, REPLIED_COMPLAINT, "replied", now=sample.now - 8 * day,
               handler=HANDLER, reply=REPLY)
    set_status(sample.root, HANDLING_COMPLAINT, "received", now=sample.now - 5 * day,
               handler=HANDLER)
    set_status(sample.root, HANDLING_COMPLAINT, "handling", now=sample.now - 2 * day,
               handler=HANDLER)


def seed_clerk(sample: SampleCounty) -> None:
    """The clerk, and the sample catalog uploaded by them (a draft to preview)."""
    import hashlib

    from powerlist import sample_text

    sample.account(CLERK, "吴文书", ("clerk",))
    text = sample_text()
    with sample.store() as store, store.transaction():
        store.execute(
            "INSERT INTO catalog_drafts (id, account, file_name, uploaded, sha256, text, "
            "published) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (SAMPLE_DRAFT, CLERK, "权力清单-示范.toml", sample.now - 600,
             hashlib.sha256(text.encode()).hexdigest(), text, None))
