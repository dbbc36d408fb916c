"""Updates with rollback, the real logic on a fake root directory.

Every system call goes through the update's runner to programs found on
PATH; the tests put stand-ins first on PATH: ``systemctl`` (records its calls,
answers ``show`` from systemd.json for whichever release ``current`` points
to), ``python3`` (``-m venv`` makes a release whose ``pip install`` writes a
``village-edge`` that answers ``doctor --json`` from doctor-<release>.json).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from device.state import DeviceState
from provision.releases import Layout, Source
from provision.seal_guard import open_session
from seal_controller.ledger import Ledger
from seal_controller.procedure import SESSION_ENDINGS
from sync.outbox import Outbox
from tests.conftest import REPO, wait_until
from tests.village_edge.inprocess import Ran, village_edge

OLD = "0.0.9-aaaaaaaaaaaa"
SEAL_UNITS = ["village-edge-seal.service", "village-edge-sync.service"]

FAKE_SYSTEMCTL = """#!{python}
import json, os, sys
fake = os.environ["FAKE_SYSTEM"]
with open(os.path.join(fake, "calls.log"), "a") as log:
    log.write(json.dumps(["systemctl", *sys.argv[1:]]) + "\\n")
answers = json.load(open(os.path.join(fake, "systemd.json")))
if sys.argv[1] == "restart":
    sys.exit(answers.get("restart_rc", 0))
if sys.argv[1] != "show":
    sys.exit(0)
unit = sys.argv[-1]
current = os.path.basename(os.readlink(os.path.join(os.environ["FAKE_ROOT"],
                                                    "opt/village-edge/current")))
units = answers.get(current, answers["*"])
later_file = os.path.join(fake, "systemd-later.json")
if os.path.exists(later_file):  # after N reads on one release, other answers
    later = json.load(open(later_file))
    if later["release"] == current:
        reads = os.path.join(fake, "reads-" + current)
        count = int(open(reads).read()) + 1 if os.path.exists(reads) else 1
        open(reads, "w").write(str(count))
        if count > later["after"]:
            units = later["units"]
props = dict(units.get(unit, {{"ActiveState": "inactive", "UnitFileState": "disabled"}}))
counter = os.path.join(fake, "counter")
tick = int(open(counter).read()) + 1 if os.path.exists(counter) else 1
open(counter, "w").write(str(tick))
for key, value in props.items():
    print(f"{{key}}={{tick if value == '+' else value}}")
"""

FAKE_PYTHON3 = """#!/bin/sh
# python3 -m venv --system-site-packages [--without-pip] DIR
echo "[\\"python3\\", \\"$*\\"]" >> "$FAKE_SYSTEM/calls.log"
for dir; do :; done  # the last argument
mkdir -p "$dir/bin"
cp "$FAKE_SYSTEM/release-python" "$dir/bin/python"
"""

FAKE_RELEASE_PYTHON = """#!/bin/sh
# RELEASE/bin/python -m pip install ... SOURCE
echo "[\\"pip\\", \\"$*\\"]" >> "$FAKE_SYSTEM/calls.log"
[ -e "$FAKE_SYSTEM/pip-fails" ] && { echo "pip: no network" >&2; exit 1; }
[ -e "$FAKE_SYSTEM/pip-hangs" ] && { touch "$FAKE_SYSTEM/pip-started"; exec sleep 600; }
cp "$FAKE_SYSTEM/village-edge" "$(dirname "$0")/village-edge"
"""

FAKE_VILLAGE_EDGE = """#!/bin/sh
# RELEASE/bin/village-edge --config FILE doctor --json
release=$(basename "$(dirname "$(dirname "$0")")")
answer="$FAKE_SYSTEM/doctor-$release.json"
[ -f "$answer" ] || answer="$FAKE_SYSTEM/doctor.json"
cat "$answer"
"""

HEALTHY_UNITS = {
    "village-edge-seal.service": {"ActiveState": "active", "SubState": "running",
                                  "NRestarts": "0", "UnitFileState": "enabled",
                                  "WatchdogUSec": "15s", "WatchdogTimestampMonotonic": "+"},
    "village-edge-sync.service": {"ActiveState": "active", "SubState": "running",
                                  "NRestarts": "0", "UnitFileState": "enabled",
                                  "WatchdogUSec": "10min", "WatchdogTimestampMonotonic": "+"},
}


def doctor_report(*fails: str) -> str:
    checks = [{"check": "config", "status": "OK", "detail": "fine", "hint": ""}]
    checks += [{"check": name, "status": "FAIL", "detail": "broken", "hint": ""}
               for name in fails]
    return json.dumps({"ok": not fails, "checks": checks})


class Fake:
    """The fake root, the stand-ins on PATH, and what they recorded."""

    def __init__(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.root = tmp_path / "root"
        self.system = tmp_path / "system"
        self.bin = tmp_path / "bin"
        for directory in (self.system, self.bin):
            directory.mkdir()
        self._script(self.bin / "systemctl", FAKE_SYSTEMCTL.format(python=sys.executable))
        self._script(self.bin / "python3", FAKE_PYTHON3)
        self._script(self.system / "release-python", FAKE_RELEASE_PYTHON)
        self._script(self.system / "village-edge", FAKE_VILLAGE_EDGE)
        self.answer_units({"*": HEALTHY_UNITS})
        self.doctor(doctor_report())
        monkeypatch.setenv("PATH", f"{self.bin}:{os.environ['PATH']}")
        monkeypatch.setenv("FAKE_SYSTEM", str(self.system))
        monkeypatch.setenv("FAKE_ROOT", str(self.root))
        self.layout = Layout(self.root)
        self.state = self.root / "var/lib/village-edge"
        self.install_old_release()

    @staticmethod
    def _script(path: Path, text: str) -> None:
        path.write_text(text)
        path.chmod(0o755)

    def install_old_release(self, role: str = "seal") -> None:
        """What setup.sh left: a release, current pointing to it, the config."""
        release = self.layout.release(OLD)
        (release / "bin").mkdir(parents=True)
        (release / "share").mkdir()
        (release / "share/config.example.toml").write_text("# the old template\n")
        self._script(release / "bin/village-edge", FAKE_VILLAGE_EDGE)
        (release / ".complete").touch()
        self.layout.current_link.symlink_to(f"releases/{OLD}")
        config = self.root / "etc/village-edge/config.toml"
        config.parent.mkdir(parents=True)
        config.write_text(f'[device]\nrole = "{role}"\n[paths]\n'
                          'state_dir = "/var/lib/village-edge"\n')
        self.state.mkdir(parents=True)

    def answer_units(self, answers: dict[str, Any]) -> None:
        (self.system / "systemd.json").write_text(json.dumps(answers))

    def after_reads(self, release: str, reads: int, units: dict[str, Any]) -> None:
        """While *release* is current, answer *units* after its first *reads*."""
        (self.system / "systemd-later.json").write_text(
            json.dumps({"release": release, "after": reads, "units": units}))

    def doctor(self, report: str, release: str | None = None) -> None:
        name = f"doctor-{release}.json" if release else "doctor.json"
        (self.system / name).write_text(report)

    def calls(self) -> list[list[str]]:
        log = self.system / "calls.log"
        if not log.exists():
            return []
        return [json.loads(line) for line in log.read_text().splitlines()]

    def changing_calls(self) -> list[list[str]]:
        return [c for c in self.calls() if c[0] != "systemctl" or c[1] != "show"]

    def events(self) -> list[dict[str, Any]]:
        with Outbox(self.state / "outbox") as outbox:
            return [e.payload for e in outbox.pending() if e.stream == "update"]


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Fake:
    return Fake(tmp_path, monkeypatch)


@pytest.fixture
def source(tmp_path: Path) -> Path:
    """A small source tree of version 0.2.0."""
    tree = tmp_path / "src"
    for name, text in {"pyproject.toml": '[project]\nname = "village-edge"\nversion = "0.2.0"\n',
                       "docs/config.example.toml": "# the new template\n",
                       "docs/provisioning.md": "# provisioning\n",
                       "provision/boot-template.toml": "# boot file\n",
                       "village_edge/__init__.py": "",
                       "village_edge/__pycache__/x.pyc": "ignored"}.items():
        path = tree / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tree


def update(fake: Fake, *args: str) -> tuple[int, str]:
    """``village-edge update COMMAND --root ROOT ARGS`` that ran (kept or rolled
    back): its status and report."""
    ran = _update(fake, *args)
    assert ran.err == "", ran.err
    return ran.status, ran.out


def refused(fake: Fake, *args: str) -> tuple[int, str]:
    """An update that was refused: its status and its one line on stderr."""
    ran = _update(fake, *args)
    assert ran.out == ""
    assert ran.error.startswith(f"village-edge update {args[0]}: ")
    return ran.status, ran.error


def _update(fake: Fake, *args: str) -> Ran:
    command, *rest = args
    return village_edge("update", command, "--root", str(fake.root), *rest)


FAST = ("--deadline", "3", "--settle", "0.3")


def test_a_release_uses_the_os_pip_where_there_is_one(fake: Fake, source: Path) -> None:
    """With Debian's python3-pip installed (setup.sh installs it on a
    device) the release's environment is made without ensurepip."""
    os_pip = fake.root / "usr/lib/python3/dist-packages/pip/__init__.py"
    os_pip.parent.mkdir(parents=True)
    os_pip.write_text("")
    new = Source.find(source).name
    code, out = update(fake, "apply", "--from", str(source), *FAST)
    assert code == 0, out
    release = fake.layout.release(new)
    assert ["python3", f"-m venv --system-site-packages --without-pip {release}"] in \
        fake.changing_calls()
    assert ["pip", f"-m pip install --quiet {source}"] in fake.changing_calls()


def test_a_healthy_update_is_kept_and_reported(fake: Fake, source: Path) -> None:
    new = Source.find(source).name
    code, out = update(fake, "apply", "--from", str(source), *FAST)
    assert code == 0, out
    assert fake.layout.current() == new and fake.layout.previous() == OLD
    release = fake.layout.release(new)
    assert (release / ".complete").exists()
    assert (release / "share/config.example.toml").read_text() == "# the new template\n"
    changing = fake.changing_calls()
    assert ["python3", f"-m venv --system-site-packages {release}"] in changing
    assert ["pip", f"-m pip install --quiet {source}"] in changing
    assert ["systemctl", "restart", "--no-block", *SEAL_UNITS] in changing
    assert f"{new}: healthy" in out
    assert fake.events() == [{"event": "updated", "from": OLD, "to": new, "role": "seal"}]
    assert not (fake.layout.prefix / "trial.json").exists()
    last = json.loads((fake.layout.prefix / "last-update.json").read_text())
    assert last["outcome"] == "updated"


def test_a_failed_health_check_rolls_back(fake: Fake, source: Path) -> None:
    """The new release's doctor reports a FAIL the old one did not: the old
    release is current again, restarted, and the county is told."""
    new = Source.find(source).name
    fake.doctor(doctor_report("devices"), release=new)
    code, out = update(fake, "apply", "--from", str(source), *FAST)
    assert code == 1, out
    assert fake.layout.current() == OLD
    assert fake.layout.previous() is None  # never the failed release
    assert "ROLLED BACK" in out and "doctor FAIL devices: broken" in out
    restarts = [c for c in fake.changing_calls() if c[:2] == ["systemctl", "restart"]]
    assert len(restarts) == 2  # into the new release, and back
    # each restart clears the failed state and start limit the crashes left
    calls = [c[1] for c in fake.changing_calls() if c[0] == "systemctl"]
    assert calls == ["reset-failed", "restart", "reset-failed", "restart"], calls
    [event] = fake.events()
    assert event["event"] == "rolled_back" and event["from"] == new and event["to"] == OLD
    assert "devices" in event["reason"] and event["restored_healthy"] is True
    assert json.loads((fake.layout.prefix / "last-update.json").read_text())["outcome"] == (
        "rolled_back")


def test_a_service_that_never_comes_up_rolls_back(fake: Fake, source: Path) -> None:
    new = Source.find(source).name
    crashing = dict(HEALTHY_UNITS)
    crashing["village-edge-seal.service"] = {**HEALTHY_UNITS["village-edge-seal.service"],
                                             "ActiveState": "activating",
                                             "SubState": "auto-restart"}
    fake.answer_units({"*": HEALTHY_UNITS, new: crashing})
    code, out = update(fake, "apply", "--from", str(source), *FAST)
    assert code == 1, out
    assert fake.layout.current() == OLD
    assert "village-edge-seal.service is activating (auto-restart)" in out
    assert fake.events()[0]["event"] == "rolled_back"


@pytest.mark.parametrize(("change", "expected"), [
    ({"NRestarts": "+"}, "restarted"),
    ({"WatchdogTimestampMonotonic": "5"}, "has not pinged its watchdog"),
])
def test_a_crash_loop_or_a_silent_watchdog_rolls_back(
    fake: Fake, source: Path, change: dict[str, str], expected: str
) -> None:
    new = Source.find(source).name
    broken = dict(HEALTHY_UNITS)
    broken["village-edge-sync.service"] = {**HEALTHY_UNITS["village-edge-sync.service"], **change}
    fake.answer_units({"*": HEALTHY_UNITS, new: broken})
    code, out = update(fake, "apply", "--from", str(source), *FAST)
    assert code == 1 and expected in out, out
    assert fake.layout.current() == OLD


@pytest.mark.parametrize(("change", "expected"), [
    ({"NRestarts": "+"}, "times (crashing or killed by its watchdog): not waiting for the"),
    ({"ActiveState": "failed", "SubState": "failed"}, "failed (failed): systemd stopped"),
])
def test_a_crash_loop_is_rolled_back_without_waiting_for_the_deadline(
    fake: Fake, source: Path, change: dict[str, str], expected: str
) -> None:
    """A station that keeps crashing is judged at once: the seal station is
    back on the release that worked rather than without its seals until an
    hour's deadline passes (the test's own timeout would end first)."""
    new = Source.find(source).name
    broken = dict(HEALTHY_UNITS)
    broken["village-edge-seal.service"] = {**HEALTHY_UNITS["village-edge-seal.service"],
                                           **change}
    fake.answer_units({"*": HEALTHY_UNITS, new: broken})
    if change.get("ActiveState") == "failed":  # starting at first, then systemd gives up
        starting = {**broken["village-edge-seal.service"], "ActiveState": "activating",
                    "SubState": "start"}
        fake.answer_units({"*": HEALTHY_UNITS, new: {**broken,
                                                      "village-edge-seal.service": starting}})
        fake.after_reads(new, 2, broken)
    code, out = update(fake, "apply", "--from", str(source), "--deadline", "3600",
                       "--settle", "0.3")
    assert code == 1 and expected in out, out
    assert "not healthy within 3600 s" not in out
    assert fake.layout.current() == OLD
    assert fake.events()[0]["event"] == "rolled_back"


def test_a_restart_systemd_refused_is_not_kept(fake: Fake, source: Path) -> None:
    """systemd would not restart the units: what still runs is the old
    release's processes, healthy and pinging, so nothing of the new one was
    checked and it is not kept."""
    answers = {"*": HEALTHY_UNITS, "restart_rc": 1}
    fake.answer_units(answers)
    code, out = update(fake, "apply", "--from", str(source), *FAST)
    assert code == 1 and "restart: " in out, out
    assert fake.layout.current() == OLD


def test_the_release_put_back_keeps_the_fails_it_had(fake: Fake, source: Path) -> None:
    """Out of paper before the update and after: the release put back after
    a failed update is restored, not "not restored" for the paper."""
    new = Source.find(source).name
    fake.doctor(doctor_report("printer"))
    fake.doctor(doctor_report("printer", "devices"), release=new)
    code, out = update(fake, "apply", "--from", str(source), *FAST)
    assert code == 1 and "doctor FAIL devices" in out, out
    assert f"{OLD} after the rollback: healthy" in out, out
    assert fake.events()[0]["restored_healthy"] is True


def test_a_rollback_by_hand_tolerates_what_the_older_doctor_already_said(
    fake: Fake, source: Path
) -> None:
    """The release gone back to is older: its doctor fails where the current
    one does not (doctors before this fix crashed on the running station's
    lines). Said before the switch as after it, that is not the rollback's
    fault, and the technician's rollback is kept."""
    crashing = "#!/bin/sh\necho \"internal error: 'GPIO busy'\" >&2\nexit 70\n"
    (fake.layout.release(OLD) / "bin/village-edge").write_text(crashing)
    code, out = update(fake, "apply", "--from", str(source), *FAST)
    assert code == 0, out
    code, out = update(fake, "rollback", *FAST)
    assert code == 0 and "ROLLBACK UNDONE" not in out, out
    assert fake.layout.current() == OLD


def test_a_fail_the_old_release_had_is_tolerated_unless_strict(
    fake: Fake, source: Path
) -> None:
    fake.doctor(doctor_report("printer"))  # out of paper, before and after
    code, out = update(fake, "apply", "--from", str(source), *FAST, "--strict")
    assert code == 1 and "doctor FAIL printer" in out
    code, out = update(fake, "apply", "--from", str(source), *FAST)
    assert code == 0, out
    assert "already built" in out  # the release from the first try is reused


def test_the_seal_is_not_updated_during_an_approved_session(fake: Fake, source: Path) -> None:
    with Ledger(fake.state / "ledger", lambda: 1000.0) as ledger:
        ledger.append("requested", req="r1", slot="party", uses=2)
        ledger.append("approved", aid="a1", req="r1", slot="party", uses=2)
        ledger.append("stamp", aid="a1", slot="party", n=1, remaining=1)
    code, out = refused(fake, "apply", "--from", str(source), *FAST)
    assert code == 75  # try again later
    assert "approved session open: approval a1 for seal party" in out
    assert "nothing was changed" in out
    assert fake.changing_calls() == [] and fake.layout.current() == OLD
    with Ledger(fake.state / "ledger", lambda: 1001.0) as ledger:
        ledger.append("used_up", slot="party", aid="a1", remaining=0)
    assert update(fake, "apply", "--from", str(source), *FAST)[0] == 0


def test_every_session_ending_closes_the_session(tmp_path: Path) -> None:
    assert {"used_up", "ended", "expired", "interrupted"} <= SESSION_ENDINGS
    for ending in sorted(SESSION_ENDINGS):
        state = DeviceState(tmp_path / ending)
        with Ledger(state.ledger, lambda: 1.0) as ledger:
            ledger.append("approved", aid="a", slot="s", uses=1)
            assert open_session(state) is not None
            ledger.append(ending, slot="s")
        assert open_session(state) is None
    assert open_session(DeviceState(tmp_path / "no-ledger")) is None


def test_a_kiosk_is_updated_whatever_its_ledger(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                source: Path) -> None:
    fake = Fake(tmp_path, monkeypatch)
    config = fake.root / "etc/village-edge/config.toml"
    config.write_text(config.read_text().replace('"seal"', '"kiosk"'))
    kiosk = {"village-edge-kiosk.service": {"ActiveState": "active", "SubState": "running",
                                            "NRestarts": "0", "UnitFileState": "enabled",
                                            "WatchdogUSec": "0"},
             "village-edge-sync.service": HEALTHY_UNITS["village-edge-sync.service"]}
    fake.answer_units({"*": kiosk})
    code, out = update(fake, "apply", "--from", str(source), *FAST)
    assert code == 0, out
    assert ["systemctl", "restart", "--no-block", "village-edge-kiosk.service",
            "village-edge-sync.service"] in fake.changing_calls()


def test_a_failed_build_switches_nothing_and_leaves_nothing(fake: Fake, source: Path) -> None:
    (fake.system / "pip-fails").touch()
    code, out = refused(fake, "apply", "--from", str(source), *FAST)
    assert code == 69  # the build (pip) failed: unavailable
    assert "building 0.2.0-" in out and "pip: no network" in out
    assert fake.layout.current() == OLD
    assert not [c for c in fake.calls() if c[:2] == ["systemctl", "restart"]]
    assert sorted(p.name for p in fake.layout.releases.iterdir()) == [OLD]  # no half-built one


def test_a_build_killed_midway_is_removed_by_the_next_update(fake: Fake, source: Path) -> None:
    """SIGKILL (or a power cut) while pip runs: the half-built release stays
    on the disk until the next update, which removes it first."""
    (fake.system / "pip-hangs").touch()
    half_built = fake.layout.release(Source.find(source).name)
    update_run = subprocess.Popen(
        [sys.executable, "-m", "village_edge", "update", "apply", "--root", str(fake.root),
         "--from", str(source), *FAST], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)
    try:
        assert wait_until((fake.system / "pip-started").exists, timeout=60)
    finally:
        os.killpg(update_run.pid, signal.SIGKILL)  # the update and its pip, as systemd would
        update_run.wait(timeout=30)
    assert (half_built / "bin/python").exists() and not (half_built / ".complete").exists()

    (fake.system / "pip-hangs").unlink()
    other = second_source(source)
    code, out = update(fake, "apply", "--from", str(other), *FAST)
    assert code == 0, out
    assert f"removed an unfinished build left by an interrupted update: {half_built.name}" in out
    assert sorted(p.name for p in fake.layout.releases.iterdir()) == sorted(
        [OLD, Source.find(other).name])


def test_the_current_release_again_is_nothing_to_do(fake: Fake, source: Path) -> None:
    assert update(fake, "apply", "--from", str(source), *FAST)[0] == 0
    before = len(fake.calls())
    code, out = update(fake, "apply", "--from", str(source), *FAST)
    assert code == 0 and "already the current release" in out
    assert len(fake.calls()) == before


def test_rollback_by_hand_and_status(fake: Fake, source: Path) -> None:
    new = Source.find(source).name
    code, out = refused(fake, "rollback", *FAST)
    assert code == 66 and "no previous release" in out
    assert update(fake, "apply", "--from", str(source), *FAST)[0] == 0
    code, out = update(fake, "rollback", *FAST)
    assert code == 0, out
    assert fake.layout.current() == OLD
    assert fake.layout.previous() is None  # never the release just rolled away from
    assert fake.events()[-1] == {"event": "rolled_back", "from": new, "to": OLD, "role": "seal",
                                 "reason": "by hand", "restored_healthy": True}
    code, out = refused(fake, "rollback", *FAST)  # not back to the release left by hand
    assert code == 66 and f"none that passed its health check before {OLD}" in out
    assert fake.layout.current() == OLD and fake.layout.is_complete(new)
    code, out = update(fake, "status")
    assert code == 0
    assert f"current   {OLD}" in out and "previous  (none)" in out
    assert "last      rolled_back by hand" in out
    code, out = update(fake, "status", "--json")
    state = json.loads(out)
    assert state["current"] == OLD and state["approved_session_open"] is False


def second_source(source: Path) -> Path:
    """*source* as version 0.3.0: another release."""
    other = source.parent / "src-0.3.0"
    shutil.copytree(source, other)
    pyproject = other / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace("0.2.0", "0.3.0"))
    return other


def test_rollback_goes_to_the_last_release_that_passed_not_to_a_failed_one(
    fake: Fake, source: Path
) -> None:
    """OLD, then B kept, then C rolled back by its health check: a rollback by
    hand from B goes to OLD, never to C, and from OLD there is nothing older."""
    other = second_source(source)
    b, c = Source.find(source).name, Source.find(other).name
    assert update(fake, "apply", "--from", str(source), *FAST)[0] == 0
    fake.doctor(doctor_report("devices"), release=c)
    assert update(fake, "apply", "--from", str(other), *FAST)[0] == 1
    assert (fake.layout.current(), fake.layout.previous()) == (b, OLD)

    code, out = update(fake, "rollback", *FAST)
    assert code == 0, out
    assert (fake.layout.current(), fake.layout.previous()) == (OLD, None)
    code, out = refused(fake, "rollback", *FAST)
    assert code == 66 and "no previous release" in out
    assert fake.layout.current() == OLD
    assert [e["to"] for e in fake.events()] == [b, b, OLD]  # C never ran after its trial


def test_a_rollback_whose_release_fails_its_check_puts_the_running_one_back(
    fake: Fake, source: Path
) -> None:
    """The release gone back to by hand does not pass its health check: it is
    not left running; the release that ran before is current again, the
    county is told, and that failed release is never gone back to."""
    new = Source.find(source).name
    assert update(fake, "apply", "--from", str(source), *FAST)[0] == 0
    fake.doctor(doctor_report("devices"), release=OLD)  # the old release no longer starts well

    code, out = update(fake, "rollback", *FAST)
    assert code == 1, out
    assert fake.layout.current() == new and fake.layout.previous() is None
    assert f"{OLD}: not healthy" in out and "doctor FAIL devices: broken" in out
    assert f"ROLLBACK UNDONE: current is {new} again" in out
    restarts = [c for c in fake.changing_calls() if c[:2] == ["systemctl", "restart"]]
    assert len(restarts) == 3  # into the update, into the old release, and back
    event = fake.events()[-1]
    assert (event["event"], event["from"], event["to"]) == ("rollback_failed", new, OLD)
    assert event["restored_healthy"] is True and "devices" in event["reason"]
    assert not (fake.layout.prefix / "trial.json").exists()
    code, out = refused(fake, "rollback", *FAST)
    assert code == 66 and fake.layout.current() == new


@pytest.mark.parametrize("healthy", [True, False], ids=["kept", "undone"])
def test_verify_finishes_a_rollback_a_power_cut_interrupted(
    fake: Fake, source: Path, healthy: bool
) -> None:
    new = Source.find(source).name
    assert update(fake, "apply", "--from", str(source), *FAST)[0] == 0
    fake.layout.switch(OLD, previous=new)  # the rollback had switched, then the power went
    (fake.layout.prefix / "trial.json").write_text(json.dumps(
        {"from": new, "to": OLD, "kind": "rollback", "units": SEAL_UNITS, "baseline": []}))
    if not healthy:
        fake.doctor(doctor_report("camera"), release=OLD)
    code, out = update(fake, "verify", *FAST)
    assert code == (0 if healthy else 1), out
    assert fake.layout.current() == (OLD if healthy else new)
    assert fake.layout.previous() is None
    assert fake.events()[-1]["event"] == ("rolled_back" if healthy else "rollback_failed")
    assert refused(fake, "rollback", *FAST)[0] == 66  # either way, nothing to go back to


@pytest.mark.parametrize(("last", "goes_back"), [("updated", True),
                                                  ("rolled_back by hand", False)])
def test_releases_an_older_village_edge_switched_start_the_list_from_previous(
    fake: Fake, source: Path, last: str, goes_back: bool
) -> None:
    """Updated by a village-edge that kept no passed.json: its previous link
    counts as passed, unless a rollback by hand had moved away from it."""
    new = Source.find(source).name
    assert update(fake, "apply", "--from", str(source), *FAST)[0] == 0
    (fake.layout.prefix / "passed.json").unlink()
    (fake.layout.prefix / "last-update.json").write_text(json.dumps(
        {"outcome": last, "from": OLD, "to": new}))
    if goes_back:
        assert update(fake, "rollback", *FAST)[0] == 0
        assert fake.layout.current() == OLD
    else:
        assert refused(fake, "rollback", *FAST)[0] == 66
        assert fake.layout.current() == new


def interrupted_trial(fake: Fake, source: Path) -> str:
    """The release of *source* current and on trial, as a power cut during
    its health check leaves it; its name."""
    new = Source.find(source).name
    assert update(fake, "apply", "--from", str(source), *FAST)[0] == 0
    fake.layout.switch(OLD, previous=None)
    fake.layout.switch(new, previous=OLD)
    (fake.layout.prefix / "trial.json").write_text(json.dumps(
        {"from": OLD, "to": new, "previous": None, "units": SEAL_UNITS, "baseline": []}))
    return new


def test_verify_finishes_a_trial_a_power_cut_interrupted(fake: Fake, source: Path) -> None:
    """A power cut during the health check left the unconfirmed release
    current; at boot, verify checks it and rolls back when it is unhealthy."""
    new = interrupted_trial(fake, source)
    fake.doctor(doctor_report("camera"), release=new)
    code, out = update(fake, "verify", *FAST)
    assert code == 1, out
    assert fake.layout.current() == OLD
    assert not (fake.layout.prefix / "trial.json").exists()
    assert update(fake, "verify", *FAST) == (0, "no update on trial\n")


def test_verify_judges_a_station_systemd_gave_up_on_at_boot_at_once(
    fake: Fake, source: Path
) -> None:
    """A power cut during the trial; at boot the new release's station
    crash-looped until systemd gave up before verify ran. It is judged at
    once and the release before is put back, rather than a seal station
    without its seals until the deadline (an hour here: the test's own
    timeout would end first)."""
    new = interrupted_trial(fake, source)
    gave_up = {**HEALTHY_UNITS["village-edge-seal.service"], "ActiveState": "failed",
               "SubState": "failed", "NRestarts": "19"}
    fake.answer_units({"*": HEALTHY_UNITS,
                       new: {**HEALTHY_UNITS, "village-edge-seal.service": gave_up}})
    code, out = update(fake, "verify", "--deadline", "3600", "--settle", "0.3")
    assert code == 1 and "systemd stopped restarting it" in out, out
    assert fake.layout.current() == OLD
    assert f"{OLD} after the rollback: healthy" in out, out


def test_an_undeployed_device_and_a_bad_source_are_refused(fake: Fake, tmp_path: Path) -> None:
    code, out = refused(fake, "apply", "--from", str(tmp_path / "nothing"), *FAST)
    assert code == 66 and "no such file or directory" in out
    code, out = refused(fake, "apply", "--from", str(tmp_path / "root/etc"), *FAST)
    assert code == 65 and "neither a source tree" in out  # not a release
    (fake.root / "etc/village-edge/config.toml").unlink()
    code, out = refused(fake, "apply", "--from", str(tmp_path), *FAST)
    assert code == 78 and "setup.sh" in out
    assert fake.changing_calls() == [] and fake.layout.current() == OLD


def test_a_wheel_names_its_release_and_installs_with_its_neighbours(tmp_path: Path) -> None:
    from provision.build import pip_command

    wheels = tmp_path / "wheels"
    wheels.mkdir()
    wheel = wheels / "village_edge-0.3.0-py3-none-any.whl"
    wheel.write_bytes(b"not really a wheel")
    source = Source.find(wheels)
    assert source.kind == "wheel" and source.name.startswith("0.3.0-")
    assert pip_command(tmp_path / "r", source)[-3:] == ["--find-links", str(wheels), str(wheel)]
    (wheels / "kivy-2.3.0-cp311-cp311-manylinux_2_28_x86_64.whl").write_bytes(b"")
    assert "--no-index" in pip_command(tmp_path / "r", Source.find(wheel))


def test_the_release_name_is_the_one_setup_sh_computes(tmp_path: Path) -> None:
    """setup.sh and update name the same source the same way, so an update
    from the source setup.sh installed is recognised as current."""
    release = tmp_path / "os-release"
    release.write_text('ID=raspbian\nID_LIKE=debian\nVERSION_CODENAME=bookworm\n')
    root = tmp_path / "root"
    root.mkdir()
    env = dict(os.environ, VILLAGE_EDGE_OS_RELEASE=str(release),
               VILLAGE_EDGE_SETUP_ROOT=str(root))
    result = subprocess.run([str(REPO / "setup.sh"), "seal", "--dry-run"], capture_output=True,
                            text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert f"installing village-edge {Source.find(REPO).name} into" in result.stdout
