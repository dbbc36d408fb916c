"""``village-edge sync ...`` as a technician runs it, against a real county:
enrollment, a daemon killed with SIGKILL mid-upload and started again, the
status report."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

from county import operator
from county.server import CountyServer
from device.config import embedded_default_text
from sync.outbox import Outbox
from tests.conftest import REPO
from tests.county.conftest import county_sql
from tests.sync.fault_proxy import FaultProxy

STUCK = 60.0  # a bound for a stuck process, never an expected time

DEVICE = "dev-demo-0001"


def write_config(tmp_path: Path, county_url: str, county_key: str) -> tuple[Path, Path]:
    state = tmp_path / "state"
    text = embedded_default_text()
    text = text.replace('state_dir = "~/.local/state/village-edge"', f'state_dir = "{state}"')
    text = text.replace('url = ""', f'url = "{county_url}"')
    text = text.replace('public_key = ""', f'public_key = "{county_key}"')
    text = text.replace("interval_seconds = 30", "interval_seconds = 1")
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path, state


def cli(config: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "village_edge", "--config", str(config), *args],
                          cwd=REPO, capture_output=True, text=True, timeout=timeout)


def one_error(result: subprocess.CompletedProcess[str], command: str) -> str:
    """The one line a failed command says on stderr, with nothing on stdout."""
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith(f"village-edge {command}: ")
    return line


def stored(county: CountyServer) -> list[str]:
    return [row["event_id"] for row in county_sql(
        county.data_dir, "SELECT event_id FROM events WHERE device_id = ?", (DEVICE,))]


def test_enroll_then_a_killed_agent_resumes_and_sends_each_event_once(
    tmp_path: Path, county: CountyServer
) -> None:
    config, state = write_config(tmp_path, county.url, county.public_key)
    not_enrolled = cli(config, "sync", "run", "--once")
    assert not_enrolled.returncode == 78  # configuration to fix: enroll first
    assert one_error(not_enrolled, "sync run").endswith(
        "run 'village-edge sync enroll --code CODE' with the code from the county")

    refused = cli(config, "sync", "enroll", "--code", "AAAA-BBBB-CCCC")
    assert refused.returncode == 65  # bad input data: the county refused the code
    assert "county refused (403" in one_error(refused, "sync enroll")

    code = operator.make_enroll_code(county.data_dir, DEVICE)
    enrolled = cli(config, "sync", "enroll", "--code", code.lower())  # typed in lower case
    assert enrolled.returncode == 0, enrolled.stdout

    with Outbox(state / "outbox") as outbox:
        appended = [outbox.append("service", {"n": n, "text": "垃圾清运不及时"})
                    for n in range(3000)]
    # The daemon talks through a proxy that passes the first batch and holds the
    # second: it is killed while that upload is on the wire.
    with FaultProxy(county.url, iter(["pass", "hold"]), stall_seconds=0) as proxy:
        write_config(tmp_path, proxy.url, county.public_key)
        daemon = subprocess.Popen(
            [sys.executable, "-m", "village_edge", "--config", str(config), "sync", "run"],
            cwd=REPO, stdout=subprocess.PIPE, text=True,
        )
        assert daemon.stdout is not None and "sync agent running" in daemon.stdout.readline()
        assert proxy.holding.wait(STUCK), "the daemon never sent a second batch"
        daemon.send_signal(signal.SIGKILL)  # a power cut in the middle of the upload
        daemon.wait(timeout=30)
    write_config(tmp_path, county.url, county.public_key)
    assert 0 < len(stored(county)) < 3000

    again = cli(config, "sync", "run", "--once")
    assert again.returncode == 0, again.stdout
    assert "0 still waiting" in again.stdout
    ids = stored(county)
    assert len(ids) == len(set(ids)) and sorted(ids) == sorted(appended)

    status = json.loads(cli(config, "sync", "status", "--json").stdout)
    assert status["backlog"] == 0 and status["enrolled"] is True
    assert status["last_success"] is not None
    human = cli(config, "sync", "status").stdout
    assert "backlog       0 events" in human and "last success" in human


def test_once_against_an_unreachable_county_exits_non_zero(
    tmp_path: Path, county: CountyServer
) -> None:
    config, state = write_config(tmp_path, county.url, county.public_key)
    code = operator.make_enroll_code(county.data_dir, DEVICE)
    assert cli(config, "sync", "enroll", "--code", code).returncode == 0
    with Outbox(state / "outbox") as outbox:
        outbox.append("service", {"n": 1})
    county.stop()
    result = cli(config, "sync", "run", "--once")
    assert result.returncode == 75  # try again later
    assert one_error(result, "sync run").startswith(
        "village-edge sync run: the county cannot be reached")
    status = json.loads(cli(config, "sync", "status", "--json").stdout)
    assert status["backlog"] == 1 and status["consecutive_failures"] == 1
    doctor = cli(config, "doctor", "--simulate")
    assert "unreachable" in doctor.stdout and "1 events waiting" in doctor.stdout


def test_a_daemon_stops_cleanly_on_sigterm(tmp_path: Path, county: CountyServer) -> None:
    config, _ = write_config(tmp_path, county.url, county.public_key)
    code = operator.make_enroll_code(county.data_dir, DEVICE)
    assert cli(config, "sync", "enroll", "--code", code).returncode == 0
    daemon = subprocess.Popen(
        [sys.executable, "-m", "village_edge", "--config", str(config), "sync", "run"],
        cwd=REPO, stdout=subprocess.PIPE, text=True,
    )
    assert daemon.stdout is not None and "sync agent running" in daemon.stdout.readline()
    daemon.send_signal(signal.SIGTERM)
    assert daemon.wait(timeout=30) == 0


def test_a_wrong_county_key_is_refused_at_enrollment(tmp_path: Path, county: CountyServer) -> None:
    with CountyServer(tmp_path / "other") as other:
        config, _ = write_config(tmp_path, county.url, other.public_key)
        code = operator.make_enroll_code(county.data_dir, DEVICE)
        result = cli(config, "sync", "enroll", "--code", code)
    assert result.returncode == 78  # the configured key is not this county's
    assert "not the pinned county key" in one_error(result, "sync enroll")
