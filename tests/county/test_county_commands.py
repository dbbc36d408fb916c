"""``village-edge county ...`` through village_edge.county_commands: the
operator's commands against a real county, and ``serve`` as a real process."""

from __future__ import annotations

import argparse
import json
import re
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import requests

from county import operator
from powerlist import (
    CatalogError,
    catalog_from_dict,
    catalog_to_dict,
    load_catalog,
    sample_text,
    validate_file,
)
from protocol.signing import key_fingerprint
from tests.conftest import REPO
from tests.county.conftest import Device, event
from tests.village_edge.inprocess import Ran, error_shape, village_edge
from village_edge.county_commands import add_county_parser


def county_cli(*argv: str) -> tuple[int, str]:
    """The status and stdout of a command that must succeed."""
    ran = village_edge("county", *argv)
    assert ran.err == "", ran.err
    return ran.status, ran.out


def county_fails(*argv: str) -> Ran:
    """A command that must fail: nothing on stdout, one line on stderr."""
    ran = village_edge("county", *argv)
    assert ran.out == ""
    assert ran.error.startswith(f"village-edge county {argv[0]}: ")
    return ran


def test_the_parser_has_the_documented_defaults() -> None:
    parser = argparse.ArgumentParser()
    add_county_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["county", "serve"])
    assert (args.port, args.host, args.data) == (8470, "127.0.0.1", Path("county-data"))
    with pytest.raises(SystemExit):
        parser.parse_args(["county", "publish", "time", "x.json"])  # not an operator's kind


def test_enroll_code_prints_a_code_that_enrolls_the_device(
    new_device: Callable[[str], Device], data_dir: Path
) -> None:
    status, output = county_cli("enroll-code", "--device", "ve-330226100201-seal1",
                                "--role", "seal", "--data", str(data_dir))
    assert status == 0
    code = re.search(r"ve-330226100201-seal1 \(seal\): (\S{4}-\S{4}-\S{4})", output)
    assert code, output
    assert new_device("ve-330226100201-seal1").enroll(code.group(1)).status_code == 200


def test_enroll_code_refuses_a_bad_device_id(data_dir: Path, county) -> None:
    refused = county_fails("enroll-code", "--device", "Seal 1", "--role", "seal",
                           "--data", str(data_dir))
    assert refused.status == 65  # bad input data
    assert "is not a device id" in refused.error


def clerk_catalog(tmp_path: Path, name: str = "county-list.toml") -> Path:
    """The clerk's catalog file: the shipped sample, made the county's own."""
    path = tmp_path / name
    path.write_text(sample_text().replace("sample = true", "sample = false"), encoding="utf-8")
    return path


def test_publish_catalog_takes_the_clerks_toml_and_reaches_the_devices(
    device: Device, data_dir: Path, tmp_path: Path
) -> None:
    catalog = clerk_catalog(tmp_path)
    expected = load_catalog(catalog)

    status, output = county_cli("publish", "catalog", str(catalog), "--data", str(data_dir))

    assert status == 0
    assert f"published catalog/{expected.id} version 1 to every device" in output
    [item] = device.feed().json()["documents"]
    body = item["signed"]["document"]["body"]
    assert body == catalog_to_dict(expected)
    assert catalog_from_dict(body, "feed") == expected  # what a kiosk will show
    status, output = county_cli("publish", "catalog", str(catalog), "--data", str(data_dir))
    assert "version 2" in output


def test_publish_catalog_takes_its_json_form_too(
    device: Device, data_dir: Path, tmp_path: Path
) -> None:
    expected = load_catalog(clerk_catalog(tmp_path))
    as_json = tmp_path / "list.json"
    as_json.write_text(json.dumps(catalog_to_dict(expected), ensure_ascii=False),
                       encoding="utf-8")
    status, output = county_cli("publish", "catalog", str(as_json), "--data", str(data_dir))
    assert status == 0 and f"catalog/{expected.id} version 1" in output
    [item] = device.feed().json()["documents"]
    assert catalog_from_dict(item["signed"]["document"]["body"], "feed") == expected


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("x.json", '{"id": "x"}'),  # what reached the devices before
        ("powers.json", '{"items": ["低保申请"]}'),
        ("list.toml", 'id = "xx-county"\ntitle = "村级小微权力清单"\nitems = "none"\n'),
    ],
)
def test_publish_refuses_a_catalog_that_does_not_validate_and_signs_nothing(
    device: Device, data_dir: Path, tmp_path: Path, name: str, text: str
) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    ran = village_edge("county", "publish", "catalog", str(path), "--data", str(data_dir))
    assert ran.status == 65 and ran.out == ""
    problems = error_shape(ran.err, "village-edge county publish")
    if path.suffix == ".json":  # the same checks, on the JSON form
        with pytest.raises(CatalogError) as checked:
            catalog_from_dict(json.loads(text), str(path))
        expected = checked.value.problems
    else:
        expected = validate_file(path)  # what 'village-edge catalog validate' says
    assert len(expected) > 1 and problems == expected
    assert operator.stats(data_dir)["documents_published"] == 0
    assert device.feed().json()["documents"] == []


@pytest.mark.parametrize(
    ("name", "tail", "words"),
    [
        ("twice.json", ', "id": "other-county-list"}', "names the member 'id' more than once"),
        ("deep.json", ', "x": ' + "[" * 5000 + "]" * 5000 + "}", "nests 5001 levels deep"),
        ("deep.toml", "\nx = " + "[" * 3000 + "]" * 3000 + "\n", "nest 3000 levels deep"),
        ("inline.toml", "\nx = " + "{a=" * 3000 + "1" + "}" * 3000 + "\n",
         "nest 3000 levels deep"),
    ],
)
def test_publish_refuses_a_member_named_twice_or_nesting_past_reason(
    device: Device, data_dir: Path, tmp_path: Path, name: str, tail: str, words: str
) -> None:
    """A reader may take a member named twice either way, so the wire
    refuses it, and so does publishing; nesting is checked before parsing,
    so a deep file is one clear refusal, not a crash."""
    clerk = clerk_catalog(tmp_path)
    if name.endswith(".json"):
        text = json.dumps(catalog_to_dict(load_catalog(clerk)), ensure_ascii=False)[:-1] + tail
    else:
        text = clerk.read_text(encoding="utf-8") + tail
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    ran = village_edge("county", "publish", "catalog", str(path), "--data", str(data_dir))
    assert ran.status == 65 and ran.out == "" and "Traceback" not in ran.err
    assert words in ran.err
    assert operator.stats(data_dir)["documents_published"] == 0
    assert device.feed().json()["documents"] == []


def test_publish_to_a_device_that_is_not_enrolled_is_refused(
    device: Device, data_dir: Path, tmp_path: Path
) -> None:
    catalog = clerk_catalog(tmp_path)
    refused = county_fails("publish", "catalog", str(catalog), "--audience", "ve-typo-seal1",
                           "--data", str(data_dir))
    assert refused.status == 65
    assert "ve-typo-seal1 is not a device enrolled with this county" in refused.error
    assert device.device_id in refused.error  # the ones that are
    assert operator.stats(data_dir)["documents_published"] == 0

    status, output = county_cli("publish", "catalog", str(catalog), "--audience",
                                device.device_id, "--data", str(data_dir))
    assert status == 0 and f"to {device.device_id}" in output
    assert len(device.feed().json()["documents"]) == 1


def test_publish_takes_other_documents_in_toml_too(
    device: Device, data_dir: Path, tmp_path: Path
) -> None:
    rules = tmp_path / "village-rules.toml"
    rules.write_text('title = "村规民约"\narticles = ["爱护公物"]\n', encoding="utf-8")
    status, output = county_cli("publish", "disclosure", str(rules), "--data", str(data_dir))
    assert status == 0 and "published disclosure/village-rules version 1" in output
    [item] = device.feed().json()["documents"]
    assert item["signed"]["document"]["body"] == {"title": "村规民约", "articles": ["爱护公物"]}


def test_publish_refuses_a_file_that_is_not_a_json_object(
    data_dir: Path, county, tmp_path: Path
) -> None:
    listing = tmp_path / "q1.json"
    listing.write_text("[1, 2, 3]", encoding="utf-8")
    refused = county_fails("publish", "disclosure", str(listing), "--data", str(data_dir))
    assert refused.status == 65
    assert str(listing) in refused.error and "JSON object" in refused.error
    assert operator.stats(data_dir)["documents_published"] == 0


def test_publish_names_a_file_that_is_not_json(data_dir: Path, county, tmp_path: Path) -> None:
    broken = tmp_path / "roster.json"
    broken.write_text("{'name': 1}", encoding="utf-8")
    refused = county_fails("publish", "roster", str(broken), "--data", str(data_dir))
    assert refused.status == 65
    assert f"{broken} is not valid JSON" in refused.error


def test_stats_shows_events_rejections_and_devices(device: Device, data_dir: Path) -> None:
    device.post_events([event("e1"), event("e2", "seal.opened")], backlog=7)
    device.post_events([event("e1")])
    device.post_events([event("e3")], now=time.time() - 3600)

    status, output = county_cli("stats", "--data", str(data_dir))

    assert status == 0
    assert re.search(r"events stored\s+2\n", output)
    assert re.search(r"duplicates rejected\s+1\n", output)
    assert "replayed 1 (of which stale 1)" in output
    assert "ve-330226100201-seal1  seal  village 330226100201" in output
    assert "backlog 7" in output
    assert "events: kiosk.view 1, seal.opened 1" in output

    status, output = county_cli("stats", "--json", "--data", str(data_dir))
    assert json.loads(output) == operator.stats(data_dir)


def test_key_prints_the_key_devices_get_and_its_fingerprint(
    device: Device, data_dir: Path
) -> None:
    status, output = county_cli("key", "--data", str(data_dir))
    assert status == 0
    key = operator.county_public_key(data_dir)
    assert f"county public key: {key}" in output
    assert key_fingerprint(key) in output


@pytest.mark.parametrize("command", [["stats"], ["key"], ["enroll-code", "--device", "ve-x-1",
                                                               "--role", "all"]])
def test_commands_on_a_directory_without_a_county_say_how_to_start_one(
    tmp_path: Path, command: list[str]
) -> None:
    missing = county_fails(*command, "--data", str(tmp_path / "typo"))
    assert missing.status == 66  # input missing
    assert "typo: no such directory" in missing.error
    assert "county serve --data" in missing.error
    assert not (tmp_path / "typo").exists()
    (tmp_path / "empty").mkdir()
    empty = county_fails(*command, "--data", str(tmp_path / "empty"))
    assert empty.status == 66
    assert "no county in" in empty.error and "county serve --data" in empty.error
    assert list((tmp_path / "empty").iterdir()) == []


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_serve_runs_until_signalled_then_exits_0(tmp_path: Path, stop_signal: int) -> None:
    data = tmp_path / "county"
    process = subprocess.Popen(
        [sys.executable, "-m", "village_edge", "county", "serve", "--port", "0",
         "--data", str(data)],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.fullmatch(
            r"county server listening on (http://127\.0\.0\.1:\d+) "
            r"\(data (.+), key fingerprint ([0-9a-f]{16})\)\n", line,
        )
        assert match, line + process.stderr.read() if process.stderr else line
        assert match.group(2) == str(data)
        assert match.group(3) == key_fingerprint(operator.county_public_key(data))
        assert requests.get(match.group(1) + "/v1/health", timeout=10).json()["ok"] is True
        key_file = data / "county.key"
        assert len(key_file.read_bytes()) == 32
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600

        process.send_signal(stop_signal)
        assert process.wait(timeout=15) == 0
        with pytest.raises(requests.ConnectionError):
            requests.get(match.group(1) + "/v1/health", timeout=2)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_serve_on_a_port_in_use_says_so(county, data_dir: Path) -> None:
    busy = county_fails("serve", "--port", str(county.port), "--data", str(data_dir))
    assert busy.status == 69  # unavailable
    assert "cannot listen on 127.0.0.1" in busy.error and "--port" in busy.error


def test_a_second_server_on_the_same_sqlite_data_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "county"
    first = subprocess.Popen(
        [sys.executable, "-m", "village_edge", "county", "serve", "--port", "0",
         "--data", str(data)],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert first.stdout is not None
        assert first.stdout.readline().startswith("county server listening on ")
        second = county_fails("serve", "--port", "0", "--data", str(data))
        assert second.status == 69  # unavailable
        assert "already serving" in second.error and str(data) in second.error
        assert len(second.error.strip().splitlines()) == 1
        assert first.poll() is None  # the first one serves on
    finally:
        first.terminate()
        first.wait(timeout=15)
    again = subprocess.Popen(  # the lock went with the first process
        [sys.executable, "-m", "village_edge", "county", "serve", "--port", "0",
         "--data", str(data)],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert again.stdout is not None
        assert again.stdout.readline().startswith("county server listening on ")
    finally:
        again.terminate()
        again.wait(timeout=15)


def test_stats_text_shows_a_broken_ledger_and_where() -> None:
    from village_edge.county_commands import stats_lines

    device = {"role": "seal", "village_code": "330226100201", "enrolled": 0.0,
              "last_seen": 100.0, "backlog": None, "backlog_reported": None,
              "events_by_stream": {"seal.ledger": 3},
              "ledger": {"ok": False, "records": 1, "first_bad_seq": 2,
                         "problem": "record 2 was altered (hash mismatch)"}}
    report = {"events_stored": 3, "duplicates_rejected": 0,
              "rejected": dict.fromkeys(("forged", "replayed", "stale", "unknown_device",
                                         "enroll_refused"), 0),
              "documents_published": 0, "blobs": {"complete": 0, "partial": 0},
              "devices": {"ve-1-seal": device}}

    lines = stats_lines(report, now=130.0)

    assert ("  ve-1-seal  seal  village 330226100201  last seen 30 s ago  "
            "backlog not reported") in lines
    assert "    ledger: BROKEN at seq 2: record 2 was altered (hash mismatch)" in lines
