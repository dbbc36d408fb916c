"""A seal station's ledger as a supervisor reads it (the timeline with its
stamp photos, the chain's verification and its gaps) and the figures per
village and month, over real HTTP on the sample data; and the
``[supervision]`` settings, which say what is wrong with them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from county.console import sample_data as sample
from county.console.supervision_settings import read_supervision_settings
from county.errors import CountyError
from county.seal_requests import filed_requests
from county.store import Store
from protocol.api import LEDGER_STREAM
from tests.county.conftest import county_sql
from tests.county.console.conftest import Console


def test_the_timeline_shows_every_stamp_photo_the_gaps_and_a_broken_chain(
    sqlite_console: Console,
) -> None:
    console = sqlite_console
    zhou = console.person()
    zhou.log_in("zhou")
    whole = zhou.get(f"/supervisor/stations/{sample.STATION}").text
    assert "记录完整，校验通过" in whole and 'id="gaps"' not in whole
    with Store.open(console.sample.county.database) as store:
        records = store.payloads(sample.STATION, LEDGER_STREAM)
    stamp_photos = [r["photo"] for r in records if r["kind"] == "stamp"]
    assert len(stamp_photos) == 4
    for digest in stamp_photos:  # every stamp's thumbnail, the full image on tap
        assert f'href="/console/photo/{digest}/full.jpg"><img src="/console/photo/{digest}/' \
               'thumb.jpg"' in whole

    gapped = zhou.get(f"/supervisor/stations/{sample.OTHER_STATION}").text
    assert "校验不通过：从第 6 条起有记录缺失" in gapped
    assert gapped.count("缺第 6 到 7 条记录（共 2 条）") == 2  # above, and where it is
    assert gapped.count("这条记录没有通过校验") == 2  # records 8 and 9, after the gap

    # a record changed after it was chained: the timeline and the alerts say so
    stamp = next(r for r in records if r["kind"] == "stamp")
    county_sql(console.sample.root,
               "UPDATE events SET payload = ? WHERE device_id = ? AND payload = ?",
               (json.dumps({**stamp, "n": 9}), sample.STATION, json.dumps(stamp)))
    changed = zhou.get(f"/supervisor/stations/{sample.STATION}").text
    assert f"校验不通过：第 {stamp['seq']} 条记录被改动过" in changed
    listed = zhou.get("/supervisor/alerts").text
    assert f"/console/supervisor/alerts/chain:{sample.STATION}:{stamp['seq']}" in listed


def cells(page: str, table: str) -> list[list[str]]:
    body = re.search(rf'<table class="figures" id="{table}">(.*?)</table>', page, re.S)
    assert body is not None, table
    return [re.findall(r"<t[dh]>([^<]*)</t[dh]>", row)
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body.group(1), re.S)]


def test_the_figures_are_the_countys_facts_per_village_and_month(
    sqlite_console: Console,
) -> None:
    console = sqlite_console
    zhou = console.person()
    zhou.log_in("zhou")
    page = zhou.get("/supervisor/figures").text
    header, *rows = cells(page, "all-villages")
    assert header == ["月份", "申请", "同意", "不同意", "盖章", "报警"]
    [total] = rows
    with Store.open(console.sample.county.database) as store:
        requests = len(filed_requests(store).requests)
        answers = list(store.seal_answers().values())
        stamps = sum(1 for device in store.devices()
                     for r in store.payloads(device.device_id, LEDGER_STREAM)
                     if r.get("kind") == "stamp")
        alerts = len(store.execute("SELECT key FROM console_alerts"))
    assert total == ["合计", str(requests), str(sum(a.answer == "approved" for a in answers)),
                     str(sum(a.answer == "refused" for a in answers)), str(stamps), str(alerts)]
    per_village = [cells(page, f"village-{v}")[-1] for v in (sample.VILLAGE,
                                                              sample.OTHER_VILLAGE)]
    assert [sum(int(row[i]) for row in per_village) for i in range(1, 6)] == [
        int(n) for n in total[1:]]


def test_the_supervision_settings_say_what_is_wrong(tmp_path: Path) -> None:
    assert read_supervision_settings(tmp_path).silent_seconds("seal") == 24 * 3600
    toml = tmp_path / "county.toml"
    toml.write_text("[supervision]\nsilent_hours = 12\n[supervision.silent_hours_by_role]\n"
                    "seal = 2\n", encoding="utf-8")
    settings = read_supervision_settings(tmp_path)
    assert (settings.silent_seconds("seal"), settings.silent_seconds("kiosk")) == (7200, 43200)
    for text, words in (("[supervision]\nsilent_hour = 3\n", "has no silent_hour"),
                        ("[supervision]\nsilent_hours = 0\n", "silent_hours must be a number"),
                        ("[supervision]\nsilent_hours = true\n", "must be a number"),
                        ("[supervision.silent_hours_by_role]\nprinter = 3\n", "no role printer"),
                        ("supervision = 3\n", "must be a table")):
        toml.write_text(text, encoding="utf-8")
        with pytest.raises(CountyError, match=words):
            read_supervision_settings(tmp_path)
