"""The supervisors' alerts over real HTTP to a real county on loopback, on
the sample data (:mod:`county.console.sample_data`): every kind noticed from
its facts, once; another village's alerts and stations do not exist for a
supervisor of one village; closing is audited, forward only, and holds
after a restart; a silent device's alert stays when it speaks again. On
both engines where the database decides."""

from __future__ import annotations

import json
import re

import pytest

from county.console import sample_data as sample
from county.console.photos import photo_url
from county.server import CountyServer
from county.store import Store
from protocol.api import LEDGER_STREAM
from protocol.ledger_chain import record_hash
from tests.county.conftest import county_sql
from tests.county.console.conftest import Console

FORCED = f"alarm:{sample.STATION}:{sample.FORCED_PRESS_EVENT}"
CAMERA = f"alarm:{sample.STATION}:sample-alarm-camera"
LID = f"alarm:{sample.OTHER_STATION}:sample-alarm-lid"  # the other village
SILENT = f"silent:{sample.SILENT_KIOSK}:1"
SILENT_NEW = f"silent:{sample.NEW_STATION}:1"  # the technicians' sample: enrolled, 30 h quiet
NOT_RETURNED = f"not_returned:{sample.STATION}:13"
OVER = f"over_stamps:{sample.STATION}:11"  # the second stamp of an approval for one
SWAPPED_STAMP = f"doc_differs:{sample.STATION}:11"  # that second stamp: another page
SAME_PAGE_STAMP = f"doc_differs:{sample.STATION}:10"  # the first: the approved page
SWAPPED_OTHER = f"doc_differs:{sample.OTHER_STATION}:3"
GAP = f"chain:{sample.OTHER_STATION}:6"


def alerts(console: Console) -> dict[str, dict[str, object]]:
    rows = county_sql(console.sample.root, "SELECT key, kind, village_code, detail "
                                           "FROM console_alerts")
    return {r["key"]: {**r, "detail": json.loads(r["detail"])} for r in rows}


def test_every_kind_of_alert_is_noticed_from_its_facts_once(console: Console) -> None:
    sun = console.person()
    sun.log_in("sun")
    page = sun.get("/supervisor/alerts")
    assert page.status_code == 200
    found = alerts(console)
    kinds = {key: row["kind"] for key, row in found.items()}
    assert {kinds[k] for k in (FORCED, CAMERA, LID, SILENT, NOT_RETURNED, OVER, SWAPPED_STAMP,
                               SWAPPED_OTHER, GAP)} == {
        "forced_press", "camera", "lid", "silent", "not_returned", "over_stamps",
        "doc_differs", "ledger"}
    assert kinds[FORCED] == "forced_press" and kinds[SWAPPED_STAMP] == "doc_differs"
    assert SAME_PAGE_STAMP not in found  # the approved page, stamped: not an alert
    # the station's not-returned alarm is one alert with the ledger record, its photo lent
    assert [k for k, kind in kinds.items() if kind == "not_returned"] == [NOT_RETURNED]
    assert len(found[NOT_RETURNED]["detail"]["photos"]) == 1  # type: ignore[index]
    assert found[OVER]["detail"]["allowed"] == 1  # type: ignore[index]
    assert found[OVER]["detail"]["count"] == 2  # type: ignore[index]
    assert found[GAP]["detail"]["problem"] == "从第 6 条起有记录缺失，记录不连续"  # type: ignore[index]
    # no device is silent but the two that are
    assert sorted(k for k, kind in kinds.items() if kind == "silent") == sorted([SILENT,
                                                                                SILENT_NEW])

    # looking again, from another account, notices nothing twice
    zhou = console.person()
    zhou.log_in("zhou")
    assert zhou.get("/supervisor/alerts?show=all").status_code == 200
    assert sun.get("/supervisor/figures").status_code == 200
    assert alerts(console).keys() == found.keys()

    # a supervisor of one village sees only its alerts, newest first, each with its photo
    listed = re.findall(r'href="/console/supervisor/alerts/([^"]+)"', page.text)
    assert FORCED in listed and CAMERA in listed and LID not in listed
    assert all(found[key]["village_code"] == sample.VILLAGE for key in listed)
    assert listed.index(FORCED) < listed.index(CAMERA)  # 20 minutes ago, then 5 hours
    forced_photo = found[FORCED]["detail"]["photos"][0]  # type: ignore[index]
    assert photo_url(forced_photo) in page.text
    assert f"/console/supervisor/alerts/{LID}" in zhou.get("/supervisor/alerts").text


def test_a_page_stamped_is_shown_beside_the_approved_document(console: Console) -> None:
    zhou = console.person()
    zhou.log_in("zhou")
    zhou.get("/supervisor/alerts")
    detail = alerts(console)[SWAPPED_OTHER]["detail"]
    page = zhou.get(f"/supervisor/alerts/{SWAPPED_OTHER}").text
    assert "审批时的文件" in page and "盖章时拍的" in page
    for digest in (detail["document"], detail["stamp"]):  # type: ignore[index]
        assert photo_url(digest) in page
        assert zhou.get(photo_url(digest).removeprefix("/console")).headers[
            "content-type"] == "image/jpeg"


def test_another_villages_alerts_and_stations_do_not_exist_for_a_supervisor(
    sqlite_console: Console,
) -> None:
    console = sqlite_console
    zhou = console.person()
    zhou.log_in("zhou")
    zhou.get("/supervisor/alerts")
    lid_photo = alerts(console)[LID]["detail"]["photos"][0]  # type: ignore[index]
    sun = console.person()
    sun.log_in("sun")
    for path in (f"/supervisor/alerts/{LID}", f"/supervisor/stations/{sample.OTHER_STATION}",
                 f"/supervisor/alerts/{FORCED}x", "/supervisor/stations/ve-nobody-seal1",
                 photo_url(lid_photo).removeprefix("/console")):
        answer = sun.get(path)
        assert answer.status_code == 404, path
    for step in ("acknowledge", "close"):
        assert sun.post(f"/supervisor/alerts/{LID}/{step}",
                        {"note": "看过了"}).status_code == 404
    assert county_sql(console.sample.root, "SELECT * FROM console_alert_steps "
                                           "WHERE alert = ?", (LID,)) == []
    stations = sun.get("/supervisor/stations").text
    assert sample.STATION in stations and sample.OTHER_STATION not in stations
    figures = sun.get("/supervisor/figures").text
    assert f"village-{sample.VILLAGE}" in figures and sample.OTHER_VILLAGE not in figures
    # an approver is no supervisor
    wang = console.person()
    wang.log_in("wang")
    assert wang.get("/supervisor/alerts").status_code == 403
    assert wang.post(f"/supervisor/alerts/{FORCED}/close", {"note": "x"}).status_code == 403
    assert zhou.get(f"/supervisor/alerts/{LID}").status_code == 200


def steps(console: Console, key: str) -> list[tuple[str, str, str]]:
    rows = county_sql(console.sample.root, "SELECT step, actor, note FROM console_alert_steps "
                                           "WHERE alert = ? ORDER BY at", (key,))
    return [(r["step"], r["actor"], r["note"]) for r in rows]


def test_closing_is_audited_only_moves_forward_and_holds_after_a_restart(
    console: Console,
) -> None:
    sun = console.person()
    sun.log_in("sun")
    sun.get("/supervisor/alerts")
    unexplained = sun.post(f"/supervisor/alerts/{CAMERA}/close", {"note": "  "})
    assert unexplained.status_code == 409 and "要写一句说明" in unexplained.text
    assert steps(console, CAMERA) == []

    closed = sun.post(f"/supervisor/alerts/{FORCED}/close", {"note": "查过了，没有盖到文件"})
    assert closed.status_code == 303
    assert steps(console, FORCED) == [("closed", "sun", "查过了，没有盖到文件")]
    [audited] = county_sql(console.sample.root, "SELECT actor, action, address, detail "
                                                "FROM console_audit WHERE object = ?",
                           (f"alert:{FORCED}",))
    assert (audited["actor"], audited["action"], audited["address"]) == (
        "sun", "alert_closed", "127.0.0.1")
    assert json.loads(audited["detail"])["note"] == "查过了，没有盖到文件"
    for step in ("close", "acknowledge"):  # closed is closed: never reopened nor changed
        again = sun.post(f"/supervisor/alerts/{FORCED}/{step}", {"note": "再看看"})
        assert again.status_code == 409 and "已经关闭" in again.text
    assert steps(console, FORCED) == [("closed", "sun", "查过了，没有盖到文件")]
    with Store.open(console.sample.county.database) as store:  # nor behind the console's back
        for statement in ("UPDATE console_alert_steps SET step = 'acknowledged'",
                          "DELETE FROM console_alert_steps",
                          "UPDATE console_alerts SET kind = 'other'",
                          "DELETE FROM console_alerts"):
            with pytest.raises(Exception, match=r"forward|never"), store.transaction():
                store.execute(statement)

    # a restart: the closing holds, nothing is noticed again, and a new fact is a new alert
    console.server.stop()
    with Store.open(console.sample.county.database) as store, store.transaction():
        store.add_event(sample.STATION, "a-new-forced-press", "alarm", console.clock(),
                        json.dumps({"code": "forced_press", "text": "强行按压", "blobs": []}),
                        console.clock())
    before = set(alerts(console))
    with CountyServer(console.sample.root, clock=console.clock) as server:
        restarted = Console(console.sample, server, console.clock).person()
        restarted.log_in("sun")
        page = restarted.get(f"/supervisor/alerts/{FORCED}").text
        assert '<p class="state" id="alert-state">已关闭</p>' in page
        assert "查过了，没有盖到文件" in page and 'id="close"' not in page
        listed = restarted.get("/supervisor/alerts").text
    assert set(alerts(console)) - before == {f"alarm:{sample.STATION}:a-new-forced-press"}
    assert f"alerts/{FORCED}\"" not in listed  # closed: not among the open ones
    assert f"alerts/alarm:{sample.STATION}:a-new-forced-press" in listed


def test_a_silent_device_is_an_alert_that_stays_when_it_speaks_again(
    sqlite_console: Console,
) -> None:
    console = sqlite_console
    toml = console.sample.root / "county.toml"
    toml.write_text(toml.read_text(encoding="utf-8")
                    + "\n[supervision.silent_hours_by_role]\nseal = 1\n", encoding="utf-8")
    sun = console.person()
    sun.log_in("sun")
    sun.get("/supervisor/alerts")
    first = f"silent:{sample.STATION}:1"
    assert first not in alerts(console)  # heard from 40 seconds ago

    console.clock.offset = 2 * 3600.0  # two hours later: past the seal station's hour
    sun = console.person()  # (the session of two hours ago has ended)
    sun.log_in("sun")
    assert sun.get("/supervisor/alerts").status_code == 200
    assert alerts(console)[first]["detail"]["hours"] == 1  # type: ignore[index]
    assert "仍然没有联系" in sun.get(f"/supervisor/alerts/{first}").text
    # the kiosk's limit is the default (24 hours): it has not been silent that long again
    assert f"silent:{sample.KIOSK}:1" not in alerts(console)

    with Store.open(console.sample.county.database) as store, store.transaction():
        store.touch_device(sample.STATION, console.clock())
    spoke = sun.get(f"/supervisor/alerts/{first}").text
    assert "已恢复联系" in spoke  # the alert stays: it was silent
    sun.get("/supervisor/alerts")
    assert f"silent:{sample.STATION}:2" not in alerts(console)
    console.clock.offset += 2 * 3600.0  # and silent again: another alert
    sun = console.person()
    sun.log_in("sun")
    assert sun.get("/supervisor/alerts").status_code == 200
    assert f"silent:{sample.STATION}:2" in alerts(console)


def test_a_record_that_arrives_after_a_look_is_looked_at(sqlite_console: Console) -> None:
    console = sqlite_console
    sun = console.person()
    sun.log_in("sun")
    assert sun.get("/supervisor/alerts").status_code == 200  # every ledger read once
    with Store.open(console.sample.county.database) as store:
        records = store.payloads(sample.STATION, LEDGER_STREAM)
    last = records[-1]
    extra = {"seq": last["seq"] + 1, "prev": last["hash"], "at": console.clock(),
             "kind": "stamp", "slot": "committee", "aid": "A-000000000000", "n": 1,
             "remaining": 0}
    extra["hash"] = record_hash(extra)
    with Store.open(console.sample.county.database) as store, store.transaction():
        store.add_event(sample.STATION, "a-stamp-without-approval", LEDGER_STREAM,
                        console.clock(), json.dumps(extra), console.clock())
    assert sun.get("/supervisor/alerts").status_code == 200
    stray = alerts(console)[f"over_stamps:{sample.STATION}:{extra['seq']}"]
    assert stray["detail"]["allowed"] is None  # type: ignore[index]
    assert "这一次盖章没有县里签发的审批" in sun.get(
        f"/supervisor/alerts/over_stamps:{sample.STATION}:{extra['seq']}").text
