"""The technicians' pages over real HTTP, on both engines: the fleet with
each device's health, the missing list, cross-village refusals, enrollment
codes from the page (usable, audited, shown once) and the screenshot order
published to one kiosk's feed."""

from __future__ import annotations

import html

import requests

from county.console import sample_data as sample
from county.enrollment import code_digest
from county.store import Store
from tests.county.conftest import Device
from tests.county.console.conftest import Console, Person


def person(console: Console, name: str) -> Person:
    someone = console.person()
    assert someone.log_in(name).status_code == 303
    return someone


def text(answer: requests.Response) -> str:
    return html.unescape(answer.text)


def test_the_fleet_shows_every_figure_and_the_missing_list_most_silent_first(
        console: Console) -> None:
    page = person(console, "zhang").get("/technician")
    assert page.status_code == 200
    body = text(page)
    missing = body.split('id="missing"')[1].split('id="devices"')[0]
    # silent 3 days, then 30 hours; the station seen 2 hours ago is not missing
    assert missing.index(sample.SILENT_KIOSK) < missing.index(sample.NEW_STATION)
    assert sample.OTHER_STATION not in missing and sample.KIOSK not in missing
    assert "剩余空间：401 MB" in body and "打印纸：快用完了" in body and "时钟：慢 95 秒" in body
    kiosk = text(person(console, "zhang").get(f"/technician/devices/{sample.KIOSK}"))
    for figure in ("查询机", "330226100201", "0.9.0", "401 MB（共 7.3 GB）", "78 °C",
                   "开机后出现过电压不足", "慢 95 秒", "快用完了"):
        assert figure in kiosk, figure


def test_the_missing_threshold_comes_from_county_toml(console: Console) -> None:
    settings = console.sample.root / "county.toml"
    settings.write_text(settings.read_text(encoding="utf-8") + "\n[fleet]\nmissing_hours = 1\n",
                        encoding="utf-8")
    body = text(person(console, "zhang").get("/technician"))
    missing = body.split('id="missing"')[1].split('id="devices"')[0]
    assert "超过 1 小时" in missing
    assert sample.OTHER_STATION in missing  # seen 2 hours ago
    assert sample.STATION not in missing  # seen 40 seconds ago


def test_a_technician_of_one_village_sees_nothing_of_another(console: Console) -> None:
    chen = person(console, "chen")  # 330226100202 only
    fleet = text(chen.get("/technician"))
    assert sample.OTHER_STATION in fleet and sample.KIOSK not in fleet
    assert chen.get(f"/technician/devices/{sample.KIOSK}").status_code == 404
    ordered = chen.post(f"/technician/devices/{sample.KIOSK}/screenshot", {})
    assert ordered.status_code == 404
    code = chen.post("/technician/enroll", {"device": sample.KIOSK, "role": "kiosk"})
    assert code.status_code == 403 and "不属于你负责的村" in text(code)
    fresh = chen.post("/technician/enroll", {"device": "ve-330226100201-kiosk9", "role": "kiosk"})
    assert fresh.status_code == 403
    with Store.open(console.sample.county.database) as store:
        picture = store.payloads(sample.KIOSK, "kiosk.screenshot")[0]["blobs"][0]
    assert chen.get(f"/photo/{picture}/full.jpg").status_code == 404  # the kiosk's screen
    assert person(console, "zhang").get(f"/photo/{picture}/full.jpg").status_code == 200
    approver = person(console, "wang")
    assert approver.get("/technician").status_code == 403


def test_an_enrollment_code_from_the_page_enrolls_the_device_and_is_audited(
        console: Console) -> None:
    zhang = person(console, "zhang")
    made = zhang.post("/technician/enroll", {"device": "ve-330226100201-kiosk9", "role": "kiosk"})
    assert made.status_code == 200
    code = made.text.split('id="enroll-code">')[1].split("<")[0]
    assert "只显示这一次" in text(made)
    device = Device(console.server, "ve-330226100201-kiosk9")
    assert device.enroll(code, role="kiosk").status_code == 200
    with Store.open(console.sample.county.database) as store:
        rows = store.execute("SELECT actor, action, object, detail FROM console_audit "
                             "WHERE action = 'enroll_code'")
        assert store.enroll_code(code_digest(code, sample.VILLAGE)) is not None
    assert [(r["actor"], r["object"]) for r in rows] == [("zhang", "device:ve-330226100201-kiosk9")]
    assert code not in rows[0]["detail"]  # the audit never holds the code itself
    assert zhang.get("/technician/enroll").text.count(code) == 0  # shown once


def test_a_code_from_the_page_enrolls_the_device_only_in_its_village(
        sqlite_console: Console) -> None:
    """A technician's code is made for the device's village: the device
    cannot choose another when it enrolls (atk13 finding 6)."""
    console = sqlite_console
    zhang = person(console, "zhang")
    made = zhang.post("/technician/enroll", {"device": "ve-330226100201-seal9", "role": "seal"})
    code = made.text.split('id="enroll-code">')[1].split("<")[0]
    device = Device(console.server, "ve-330226100201-seal9")
    elsewhere = device.enroll(code, role="seal", village=sample.OTHER_VILLAGE)
    assert elsewhere.status_code == 403 and elsewhere.json()["error"] == "bad_code"
    assert device.enroll(code, role="seal").status_code == 200
    with Store.open(console.sample.county.database) as store:
        enrolled = store.device("ve-330226100201-seal9")
        assert enrolled is not None and enrolled.village_code == sample.VILLAGE


def test_an_id_naming_two_villages_is_the_first_ones(sqlite_console: Console) -> None:
    console = sqlite_console
    chen = person(console, "chen")  # sees only the other village
    refused = chen.post("/technician/enroll",
                        {"device": f"ve-{sample.VILLAGE}-{sample.OTHER_VILLAGE}-k7",
                         "role": "kiosk"})
    assert refused.status_code == 403 and "不属于你负责的村" in text(refused)


def test_a_bad_device_id_or_role_is_said_plainly(console: Console) -> None:
    zhang = person(console, "zhang")
    bad = zhang.post("/technician/enroll", {"device": "Kiosk 9!", "role": "kiosk"})
    assert bad.status_code == 400 and "设备编号不对" in text(bad)
    no_role = zhang.post("/technician/enroll", {"device": "ve-330226100201-kiosk9", "role": ""})
    assert no_role.status_code == 400 and "请选择设备的用途" in text(no_role)


def test_a_screenshot_order_is_published_to_that_kiosk_alone_and_audited(
        console: Console) -> None:
    zhang = person(console, "zhang")
    path = f"/technician/devices/{sample.KIOSK}"
    ordered = zhang.post(path + "/screenshot", {})
    assert ordered.status_code == 303
    assert "请稍后刷新本页" in text(zhang.get(path))  # waiting for the kiosk
    with Store.open(console.sample.county.database) as store:
        documents = store.execute("SELECT name, version, audience FROM documents "
                                  "WHERE kind = 'command' ORDER BY seq")
        audit = store.execute("SELECT actor, object FROM console_audit "
                              "WHERE action = 'screenshot_asked'")
    # the sample asked once before (version 1, answered); this is version 2
    assert [(d["name"], d["version"], d["audience"]) for d in documents] == \
        [(f"screenshot.{sample.KIOSK}", 1, sample.KIOSK),
         (f"screenshot.{sample.KIOSK}", 2, sample.KIOSK)]
    assert [(a["actor"], a["object"]) for a in audit] == [("zhang", f"device:{sample.KIOSK}")]
    station = zhang.post(f"/technician/devices/{sample.STATION}/screenshot", {})
    assert station.status_code == 400  # a seal station has no screen to send


def test_a_screenshot_order_without_the_csrf_token_is_refused(console: Console) -> None:
    zhang = person(console, "zhang")
    forged = zhang.post(f"/technician/devices/{sample.KIOSK}/screenshot", {}, csrf="forged")
    assert forged.status_code == 403
    with Store.open(console.sample.county.database) as store:
        assert store.latest_version("command", f"screenshot.{sample.KIOSK}") == 1  # the sample's
