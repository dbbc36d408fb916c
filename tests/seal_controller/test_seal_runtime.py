"""The station daemon's start-up order, in a real process: the ledger is
recovered before the feed is read, so an approval that reached the feed while
the daemon was down meets the request it was made for."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import time
from pathlib import Path

import pytest

from camera.errors import CameraError
from camera.simulated import SimulatedCamera
from device.config import Config, embedded_default_text, load_config
from device.seal_runtime import SealRuntime
from hardware.printer.connection import PrinterSettings
from protocol.api import TIME_DOCUMENT_NAME
from protocol.approval_token import Approval, issue_token
from protocol.documents import FeedDocument, SignedDocument
from protocol.signing import public_key_text
from seal_controller.errors import StationBusy
from seal_controller.procedure import Phase
from sync.feed_store import FeedStore
from tests.conftest import REPO
from tests.seal_controller.rig import COUNTY

DAEMON = """
import sys
from pathlib import Path
from device.config import load_config
from device.seal_runtime import SealRuntime

config = load_config(Path(sys.argv[1]), home=Path(sys.argv[2]), simulate=True)
with SealRuntime(config) as runtime:
    if sys.argv[3] == "request":
        request = runtime.controller.request("coop", "财务报销", 1)
        print(request.req)
    print(runtime.controller.phase.value)
    print(",".join(f"{s.name}={s.lock.duty:g}" for s in runtime.station.slots.values()))
"""


def daemon(config: Path, home: Path, action: str) -> list[str]:
    result = subprocess.run([sys.executable, "-c", DAEMON, str(config), str(home), action],
                            cwd=REPO, capture_output=True, text=True, timeout=120,
                            env={"HOME": str(home), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout.split()


def test_an_approval_that_arrives_while_the_daemon_is_down_is_taken(tmp_path: Path) -> None:
    home, state = tmp_path / "home", tmp_path / "state"
    home.mkdir()
    config = tmp_path / "config.toml"
    text = embedded_default_text()
    text = text.replace('state_dir = "~/.local/state/village-edge"', f'state_dir = "{state}"')
    text = text.replace('public_key = ""', f'public_key = "{public_key_text(COUNTY)}"')
    text = text.replace('[camera]\nenabled = true', '[camera]\nenabled = false')
    config.write_text(text, encoding="utf-8")
    req, phase, _ = daemon(config, home, "request")
    assert phase == "requested"
    # The daemon is down; the sync agent (its own service) takes the approval
    # and the county's clock into the feed store.
    feed = FeedStore(state / "feed", COUNTY.public_key(), "dev-demo-0001", time.time)
    now = int(time.time())
    token = issue_token(COUNTY, Approval(aid="A-while-down", req=req, dev="dev-demo-0001",
                                         slot="coop", uses=1, nbf=now - 60, exp=now + 600,
                                         apr="county.approver"))
    for kind, name, body, version in (("approval", "A-while-down", {"token": token}, 1),
                                      ("time", TIME_DOCUMENT_NAME, {"time": time.time()},
                                       time.time_ns() // 1000)):
        document = FeedDocument(kind, name, version, now, now + 300, "dev-demo-0001", body)
        feed.accept(SignedDocument.sign(COUNTY, document).to_wire())
    phase, locks = daemon(config, home, "start")[-2:]
    assert phase == "unlocked"
    assert "coop=0" not in locks.split(",")  # the approved seal is energised


def station_config(tmp_path: Path, **printer: object) -> Config:
    home, state = tmp_path / "home", tmp_path / "state"
    home.mkdir(exist_ok=True)
    text = embedded_default_text()
    text = text.replace('state_dir = "~/.local/state/village-edge"', f'state_dir = "{state}"')
    text = text.replace('public_key = ""', f'public_key = "{public_key_text(COUNTY)}"')
    (tmp_path / "config.toml").write_text(text, encoding="utf-8")
    config = load_config(tmp_path / "config.toml", home=home, simulate=True)
    if printer:  # a real station's USB printer (simulate would swap it for a file)
        config = dataclasses.replace(config, printer=PrinterSettings(**printer))  # type: ignore[arg-type]
    return config


def test_a_camera_failing_at_start_halts_the_station_with_the_alarm_not_the_daemon(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def unplugged(self: SimulatedCamera) -> None:  # the only seam: no real camera here
        raise CameraError("camera stopped answering: ribbon cable unplugged")

    monkeypatch.setattr(SimulatedCamera, "start", unplugged)
    config = station_config(tmp_path)
    with SealRuntime(config) as runtime:
        controller = runtime.controller
        assert controller.phase is Phase.HALTED
        assert all(s.lock.duty == 0 for s in runtime.station.slots.values())
        alarms = [e.payload for e in runtime.outbox.pending(1000) if e.stream == "alarm"]
        assert [a["code"] for a in alarms] == ["camera"]
        assert "ribbon cable" in alarms[0]["photo_missing"]
        assert controller.ledger.records[-1]["kind"] == "alarm_camera_missing"
        assert "不能拍照" in controller.message  # the alarm, then why it is halted
        assert "摄像头打不开" in controller.holds["camera"]
        with pytest.raises(StationBusy):  # no request, no approval, no stamp
            controller.request("party", config.seal_matters[0], 1)
        runtime.retry_camera()  # too soon: not tried again yet
        assert controller.phase is Phase.HALTED
        monkeypatch.undo()  # the cable plugged back in
        runtime.next_camera_try = 0.0
        runtime.retry_camera()
        assert controller.phase is Phase.IDLE
        assert controller.ledger.records[-1]["kind"] == "camera_restored"
        request = controller.request("party", config.seal_matters[0], 1)
        assert request.slot == "party"


def test_the_seal_station_starts_without_its_printer(tmp_path: Path) -> None:
    config = station_config(tmp_path, connection="usb", usb_vendor=0x0416, usb_product=0x5011)
    with SealRuntime(config) as runtime:  # the USB printer is not there: it is never opened
        assert runtime.station.printer is None
        assert runtime.controller.phase is Phase.IDLE
