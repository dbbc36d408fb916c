"""Updates with rollback.

``apply``: build the new release beside the running one, switch ``current``
to it atomically, restart the role's services, and require the health check
(:mod:`provision.health`) within the deadline. If it fails, ``current`` goes
back to the previous release atomically, the services are restarted, and an
``update`` event (critical: never dropped) tells the county. A seal station
is updated only while no approved session is open.

``rollback`` goes back by hand, only to the last release that passed its
health check before the current one (:mod:`provision.passed`), never to one
already rolled away from; the release gone back to is put on trial like an
update, and if it does not pass, the release that was running is put back:
no release that failed its check is left running.

While a release is on trial, ``trial.json`` beside the releases says so;
``verify`` (run at boot by village-edge-update-verify.service, from the
release that ran before the trial, which is known to work) finishes a trial
a power cut interrupted: healthy, or rolled back. ``last-update.json`` keeps
the outcome of the last update for ``status``.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from device.state import DEVICE_STATE_DIR, DeviceState
from durable.atomic import atomic_write
from provision.build import OS_PIP, build_release
from provision.errors import ProvisionError
from provision.health import Doctor, HealthCheck, Policy, Verdict
from provision.passed import LAST, PassedReleases
from provision.releases import Layout, ReleaseError, Source
from provision.seal_guard import open_session, refusal
from provision.services import Systemctl, role_units
from provision.system import CommandError, Runner
from sync.outbox import Outbox, OutboxError

CONFIG = Path("etc/village-edge/config.toml")
STREAM = "update"
TRIAL = "trial.json"
UPDATE, ROLLBACK = "update", "rollback"  # what put a release on trial


class UpdateError(ProvisionError):
    """The update was not applied; the message says why and what to do."""


class DeviceNotSetUp(UpdateError):
    """No installed release, or no usable configuration: setup.sh comes first."""


class UpdateBusy(UpdateError):
    """Not now: an approved seal session, another update or an unfinished
    trial has to end first."""


class BadSource(UpdateError, ValueError):
    """What ``--from`` names is not a village-edge release."""


class BuildFailed(UpdateError):
    """The new release could not be built; nothing was switched."""


class NoPreviousRelease(UpdateError):
    """There is no release to go back to."""


@dataclass(frozen=True)
class Device:
    """What an update needs to know about this device, under *root*."""

    root: Path
    config: Path
    role: str
    state_dir: Path

    @property
    def state(self) -> DeviceState:
        return DeviceState(self.state_dir)

    @classmethod
    def load(cls, root: Path, config: Path | None = None) -> Device:
        path = config or root / CONFIG
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise DeviceNotSetUp(f"{path} does not exist: this device was not installed with "
                              "setup.sh (run 'sudo ./setup.sh seal' or 'kiosk' first)") from None
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
            raise DeviceNotSetUp(f"{path} cannot be read ({error}); fix it, then update") from error
        role = str(data.get("device", {}).get("role", ""))
        state = str(data.get("paths", {}).get("state_dir", DEVICE_STATE_DIR))
        if not state.startswith("/"):
            raise DeviceNotSetUp(f"{path}: [paths] state_dir must be an absolute path on a device, "
                              f"found {state!r}")
        return cls(root, path, role, root / state.lstrip("/"))


@dataclass
class Outcome:
    ok: bool
    lines: list[str]


@dataclass(frozen=True)
class Trial:
    """A release on trial: *to*, put in place of *source* by an update or a
    rollback by hand; if it fails its check, *source* is put back."""

    source: str
    to: str
    kind: str
    units: list[str]
    baseline: list[str]  # the doctor FAILs *source* had, tolerated in *to*

    def document(self, previous: str | None) -> dict[str, Any]:
        """``trial.json``; *previous* is what an older ``verify`` goes back to."""
        return {"from": self.source, "to": self.to, "kind": self.kind,
                "previous": previous, "started": time.time(), "units": self.units,
                "baseline": self.baseline}

    @classmethod
    def read(cls, document: dict[str, Any], units: tuple[str, ...]) -> Trial:
        return cls(str(document["from"]), str(document["to"]),
                   ROLLBACK if document.get("kind") == ROLLBACK else UPDATE,
                   [str(unit) for unit in document.get("units", units)],
                   [str(line) for line in document.get("baseline", [])])


class Updater:
    """Apply, roll back, verify and report, with every system call through
    *runner* and every wait through *clock*/*sleep*."""

    def __init__(self, device: Device, runner: Runner, policy: Policy, *,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.device = device
        self.layout = Layout(device.root)
        self.passed = PassedReleases(self.layout)
        self.runner = runner
        self.systemctl = Systemctl(runner)
        self.doctor = Doctor(runner, device.config)
        self.health = HealthCheck(self.systemctl, self.doctor, policy, clock=clock, sleep=sleep)
        self.units = role_units(device.role)

    # -- the pieces ----------------------------------------------------------

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.layout.prefix.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.layout.prefix / "update.lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise UpdateBusy("another update or rollback is running on this device; "
                                  "wait for it to finish") from None
            yield
        finally:
            os.close(fd)

    def _no_trial(self) -> None:
        trial = read_json(self.layout.prefix / TRIAL)
        if trial is not None:
            raise UpdateBusy(f"the switch to {trial.get('to')} was interrupted before its "
                             "health check finished: run 'village-edge update verify' first "
                             "(it keeps or rolls back that release)")

    def _guard(self) -> None:
        if self.device.role not in ("seal", "all"):
            return
        session = open_session(self.device.state)
        if session is not None:
            raise UpdateBusy(refusal(session))

    def _record(self, name: str, document: dict[str, Any]) -> None:
        atomic_write(self.layout.prefix / name,
                     json.dumps(document, ensure_ascii=False, indent=2).encode())

    def _tell_county(self, payload: dict[str, Any]) -> str:
        """Append an ``update`` event to the outbox; a line for the report."""
        directory = self.device.state.outbox
        try:
            with Outbox(directory) as outbox:
                event_id = outbox.append(STREAM, payload)
        except (OutboxError, OSError) as error:
            return f"the {payload['event']} event could NOT be stored in {directory}: {error}"
        hand_back(directory, self.device.state_dir)
        return f"{payload['event']} event {event_id} stored for the county"

    def _keep(self, lines: list[str], trial: Trial, verdict: Verdict) -> None:
        """The release on trial passed its health check: say so, tell the
        county, record it and end the trial."""
        lines.append(f"{trial.to}: {verdict.summary()}")
        if trial.kind == ROLLBACK:
            self.passed.remove(trial.source)  # rolled away from: never gone back to
            self.layout.switch(trial.to, previous=self.passed.before(trial.to))
            event = {"event": "rolled_back", "from": trial.source, "to": trial.to,
                     "role": self.device.role, "reason": "by hand", "restored_healthy": True}
            outcome = "rolled_back by hand"
        else:
            self.passed.add(trial.to)
            event = {"event": "updated", "from": trial.source, "to": trial.to,
                     "role": self.device.role}
            outcome = "updated"
        lines.append(self._tell_county(event))
        self._record(LAST, {"outcome": outcome, "from": trial.source, "to": trial.to,
                            "at": time.time(), "detail": verdict.summary()})
        (self.layout.prefix / TRIAL).unlink(missing_ok=True)

    def _restart_and_check(self, units: list[str], release: str,
                           baseline: list[str]) -> Verdict:
        try:
            problem = self.systemctl.restart(units)
            verdict = self.health.wait(units, self.layout.release(release), baseline)
        except Exception as error:  # whatever happens, an unchecked release is not kept
            return Verdict(False, [f"the health check itself failed: {error!r}"])
        if problem is not None:  # the units were never restarted: whatever runs is not *release*
            return Verdict(False, [f"restart: {problem}", *verdict.problems], verdict.fails,
                           verdict.waited)
        return verdict

    def _clear_leftovers(self) -> list[str]:
        """Remove what an update cut short left (a half-built release); the
        report's lines about it."""
        removed = self.layout.remove_unfinished()
        return [f"removed an unfinished build left by an interrupted update: {name}"
                for name in removed]

    def _base(self) -> tuple[list[str], list[str]]:
        """The units meant to run here, and the FAILs the running release's
        doctor reports now (tolerated after the update)."""
        units = self.systemctl.enabled_units(self.units)
        current = self.layout.current()
        baseline = self.doctor.fails(self.layout.release(current)) if current else []
        return units, baseline

    # -- the commands --------------------------------------------------------

    def apply(self, source_path: Path) -> Outcome:
        with self._locked():
            self._no_trial()
            self._guard()
            try:
                source = Source.find(source_path)
            except ReleaseError as error:
                raise BadSource(str(error)) from error
            old = self.layout.current()
            if old is None or not self.layout.is_complete(old):
                raise DeviceNotSetUp(f"no current release in {self.layout.prefix}: install with "
                                  "setup.sh first; updates replace an installed release")
            lines = self._clear_leftovers()
            if old == source.name:
                return Outcome(True, [*lines, f"{source.name} is already the current release; "
                                              "nothing to do"])
            self.passed.settle()
            release = self.layout.release(source.name)
            if self.layout.is_complete(source.name):
                lines.append(f"release {source.name} already built in {release}")
            else:
                try:
                    build_release(source, release, self.runner, self.layout.release(old),
                                  os_pip=(self.device.root / OS_PIP).is_file())
                except CommandError as error:
                    raise BuildFailed(f"building {source.name} failed, nothing was switched: "
                                      f"{error}") from error
                lines.append(f"built release {source.name} in {release}")
            units, baseline = self._base()
            self._guard()  # again: the build may have taken minutes
            return self._trial(Trial(old, source.name, UPDATE, units, baseline), lines)

    def _trial(self, trial: Trial, lines: list[str]) -> Outcome:
        """Put *trial.to* in place, restart, keep it if healthy, else put back
        the release it replaced."""
        self._record(TRIAL, trial.document(self.passed.before(trial.source)))
        self.layout.switch(trial.to, previous=trial.source)
        lines.append(f"switched current to {trial.to} (was {trial.source}); restarting "
                     f"{', '.join(trial.units) or 'nothing'}")
        verdict = self._restart_and_check(trial.units, trial.to, trial.baseline)
        if not verdict.healthy:
            return self._roll_back(trial, verdict, lines)
        self._keep(lines, trial, verdict)
        if trial.kind == UPDATE:
            removed = self.layout.prune()
            if removed:
                lines.append(f"removed old releases: {', '.join(removed)}")
        return Outcome(True, lines)

    def _roll_back(self, trial: Trial, verdict: Verdict, lines: list[str]) -> Outcome:
        """The release on trial failed its check: put back the one it
        replaced, restart, report; it never runs again by a rollback."""
        back = trial.source
        lines.append(f"{trial.to}: {verdict.summary()}")
        self.passed.remove(trial.to)
        self.layout.switch(back, previous=self.passed.before(back))
        undone = "ROLLBACK UNDONE" if trial.kind == ROLLBACK else "ROLLED BACK"
        lines.append(f"{undone}: current is {back} again; restarting "
                     f"{', '.join(trial.units) or 'nothing'}")
        # the FAILs *back* had before the trial are tolerated again: a printer
        # out of paper does not make the restored release "not restored"
        after = self._restart_and_check(trial.units, back, trial.baseline)
        lines.append(f"{back} after the rollback: {after.summary()}")
        failed = {"reason": verdict.summary(), "problems": verdict.problems,
                  "role": self.device.role, "restored_healthy": after.healthy}
        if trial.kind == ROLLBACK:
            event = {"event": "rollback_failed", "from": back, "to": trial.to, **failed}
            record = {"outcome": "rollback failed", "from": back, "to": trial.to}
        else:
            event = {"event": "rolled_back", "from": trial.to, "to": back, **failed}
            record = {"outcome": "rolled_back", "from": trial.to, "to": back}
        lines.append(self._tell_county(event))
        self._record(LAST, {**record, "at": time.time(), "detail": verdict.summary()})
        (self.layout.prefix / TRIAL).unlink(missing_ok=True)
        return Outcome(False, lines)

    def rollback(self) -> Outcome:
        """Go back by hand to the last release that passed before the current
        one, on trial: if it fails its check, the current one is put back."""
        with self._locked():
            self._no_trial()
            self._guard()
            current = self.layout.current()
            if current is None or not self.layout.is_complete(current):
                raise DeviceNotSetUp(f"no current release in {self.layout.prefix}: install "
                                     "with setup.sh first")
            self.passed.settle()
            target = self.passed.before(current)
            if target is None:
                raise NoPreviousRelease(
                    f"no previous release to go back to in {self.layout.prefix}: none that "
                    f"passed its health check before {current} is installed (a release "
                    "rolled away from is not gone back to; 'update apply' tries it again)")
            units, baseline = self._base()
            # an older doctor that cannot report at all beside the running station
            # (before this release, it crashed on the station's lines) cannot after
            # the switch either: that release is judged by its units alone
            baseline += [fail for fail in self.doctor.fails(self.layout.release(target))
                         if fail.startswith("doctor:")]
            lines = self._clear_leftovers()
            return self._trial(Trial(current, target, ROLLBACK, units, baseline), lines)

    def verify(self) -> Outcome:
        """Finish a trial a power cut or crash interrupted; nothing otherwise."""
        with self._locked():
            document = read_json(self.layout.prefix / TRIAL)
            if document is None:
                return Outcome(True, ["no update on trial"])
            trial = Trial.read(document, self.units)
            what = "a rollback" if trial.kind == ROLLBACK else "an update"
            lines = [f"{what} from {trial.source} to {trial.to} was interrupted; "
                     f"checking {trial.to}"]
            if self.layout.current() != trial.to:
                (self.layout.prefix / TRIAL).unlink(missing_ok=True)
                return Outcome(True, [*lines, f"current is {self.layout.current()}: the switch "
                                              "never happened"])
            verdict = self.health.wait(trial.units, self.layout.release(trial.to),
                                       trial.baseline, at_boot=True)
            if verdict.healthy:
                self._keep(lines, trial, verdict)
                return Outcome(True, lines)
            return self._roll_back(trial, verdict, lines)

    def status(self) -> dict[str, Any]:
        layout = self.layout
        return {
            "role": self.device.role, "current": layout.current(),
            "previous": layout.previous(), "installed": layout.installed(),
            "trial": read_json(layout.prefix / TRIAL),
            "last_update": read_json(layout.prefix / LAST),
            "approved_session_open": (open_session(self.device.state) is not None
                                      if self.device.role in ("seal", "all") else None),
        }


def read_json(path: Path) -> dict[str, Any] | None:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def hand_back(directory: Path, state_dir: Path) -> None:
    """Give what root wrote in *directory* to the owner of *state_dir*, so the
    services (user village-edge) can go on appending to the same files."""
    if os.geteuid() != 0 or not state_dir.exists():
        return
    owner = state_dir.stat()
    for path in [directory, *directory.rglob("*")]:
        info = path.lstat()
        if (info.st_uid, info.st_gid) != (owner.st_uid, owner.st_gid):
            os.lchown(path, owner.st_uid, owner.st_gid)
