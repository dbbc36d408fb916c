"""A device's clock may say anything the wire allows: an event made in year
9999 (its ``created``), an alarm raised or a ledger record written 2^53
seconds from 1970, or before it. Every page still answers, such a time is
written "时间不详（设备时钟异常）", and where times order or count things
the county's own time stands in: over random times on a real county on
loopback, and on the functions that write and check times."""

from __future__ import annotations

import itertools
import json
import math
import re
import secrets

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from county.console import sample_data as sample
from county.console.format import UNKNOWN_TIME, ago, device_time, when
from county.console.tour import PAGES
from protocol import tracking
from protocol.api import LEDGER_STREAM
from protocol.events import LAST_CREATED
from protocol.ledger_chain import GENESIS, record_hash
from protocol.screenshot_command import SCREENSHOT_STREAM
from tests.county.conftest import county_sql
from tests.county.console.conftest import Console

MAX_WIRE = 2**53 - 1
#: An event's created, as the county's ingestion lets it through.
created_times = st.integers(0, LAST_CREATED) | st.floats(0, LAST_CREATED) \
    | st.sampled_from([0, LAST_CREATED, 1e9])
#: A time inside a device's payload: any number the wire carries.
payload_times = st.integers(-MAX_WIRE, MAX_WIRE) | st.floats(-MAX_WIRE, MAX_WIRE) \
    | st.sampled_from([MAX_WIRE, -MAX_WIRE, LAST_CREATED, 0])


@given(st.floats(allow_nan=True, allow_infinity=True) | st.integers(-2**70, 2**70))
def test_any_number_is_written_as_a_time_or_as_unknown(at: float) -> None:
    written = when(at)
    assert written == UNKNOWN_TIME or re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", written)
    assert isinstance(ago(at, 1.8e9), str)
    believed = device_time(at, 1.8e9)
    assert believed is None or 1577836800 <= believed <= 1.8e9 + 86400


def test_times_past_year_9999_are_unknown() -> None:
    assert when(LAST_CREATED) == UNKNOWN_TIME  # 9999-12-31 UTC is year 10000 in Beijing
    assert when(MAX_WIRE) == when(-MAX_WIRE) == UNKNOWN_TIME
    assert when(1796000000) == "2026-11-30 08:53"
    assert device_time(0, 1.8e9) is None and device_time(1.79e9, 1.8e9) == 1.79e9


SEAL9 = f"ve-{sample.VILLAGE}-seal9"


def test_every_page_answers_whatever_a_devices_clock_says(sqlite_console: Console) -> None:
    console = sqlite_console
    console.sample.enroll(SEAL9, "seal", sample.VILLAGE)
    admin = console.person()  # every role, every village
    admin.log_in("admin")
    numbers = itertools.count(1)
    ledger = {"seq": 0, "prev": GENESIS}

    @settings(max_examples=6, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(created=created_times, at=payload_times, raised=payload_times)
    @example(created=LAST_CREATED, at=MAX_WIRE, raised=MAX_WIRE)
    @example(created=0, at=-MAX_WIRE, raised=-MAX_WIRE)
    def pages_answer(created: float, at: float, raised: float) -> None:
        n = next(numbers)
        code = tracking.new_code()
        now = console.clock()

        def send(device_id: str, stream: str, payload: dict[str, object]) -> None:
            with console.sample.store() as store, store.transaction():
                store.add_event(device_id, f"t-{secrets.token_hex(6)}", stream, created,
                                json.dumps(payload), now)

        send(sample.KIOSK, "complaint", {"code": code, "sealed": "x"})
        send(sample.STATION, "seal.request", {"req": f"R{n}-time", "slot": "committee",
                                              "matter": "出具证明", "uses": 1, "doc": None})
        send(sample.STATION, "alarm", {"code": "lid", "text": "机箱盖被打开", "raised_at": raised})
        send(sample.KIOSK, SCREENSHOT_STREAM, {"command": sample.SCREENSHOT_COMMAND,
                                               "version": 1, "taken": at, "width": 800,
                                               "height": 480, "sha256": "0" * 64})
        ledger["seq"] += 1
        record = {"seq": ledger["seq"], "prev": ledger["prev"], "at": at,
                  "kind": "alarm_not_returned" if n % 2 else "stamp", "slot": "committee"}
        record["hash"] = ledger["prev"] = record_hash(record)
        send(SEAL9, LEDGER_STREAM, record)

        paths = [page.path for page in PAGES if page.account is not None]
        paths += [f"/supervisor/stations/{SEAL9}", f"/complaints/{code}",
                  f"/approver/requests/{sample.STATION}/R{n}-time",
                  f"/technician/devices/{SEAL9}", "/supervisor/alerts?show=all"]
        answers = {path: admin.get(path) for path in paths}
        failed = {path: a.status_code for path, a in answers.items() if a.status_code >= 500}
        assert failed == {}
        assert answers[f"/complaints/{code}"].status_code == 200
        keys = [row["key"] for row in county_sql(
            console.sample.root, "SELECT key FROM console_alerts WHERE device_id = ?", (SEAL9,))]
        for key in keys:
            assert admin.get(f"/supervisor/alerts/{key}").status_code == 200

    pages_answer()
    # an alert at a time the station cannot have seen: shown at the county's, and why
    wrong = [row["key"] for row in county_sql(
        console.sample.root, "SELECT key, detail FROM console_alerts WHERE device_id = ?",
        (SEAL9,)) if "station_time" in json.loads(row["detail"])]
    assert wrong  # the examples of year 9999 and before 1970 are always tried
    page = admin.get(f"/supervisor/alerts/{wrong[0]}").text
    assert "设备的时钟不对" in page and "县里发现这条报警的时间" in page
    # what is ordered by time uses the county's time when the station's is absurd
    for row in county_sql(console.sample.root, "SELECT happened FROM console_alerts"):
        assert math.isfinite(row["happened"]) and row["happened"] >= 1577836800
        assert row["happened"] <= console.clock() + 86400
