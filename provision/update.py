"""Updates with rollback.

``apply``: build the new release beside the running one, switch ``current``
to it atomically, restart the role's services, and require the health check
(:mod:`provision.health`) within the deadline. If it fails, ``current`` goes
back to the previous release atomically, the services are restarted, and an
``update`` event (critical: never dropped) tells the county. A seal station
is updated only while no approved session is open.

While a new release is on trial, ``trial.json`` beside the releases says so;
``verify`` (run at boot by village-edge-update-verify.service, from the
previous release, which is known to work) finishes a trial a power cut
interrupted: healthy, or rolled back. ``last-update.json`` keeps
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
from provision.build import build_release
from provision.errors import ProvisionError
from provision.health import Doctor, HealthCheck, Policy, Verdict
from provision.releases import Layout, ReleaseError, Source
from provision.seal_guard import open_session, refusal
from provision.services import Systemctl, role_units
from provision.system import CommandError, Runner
from sync.outbox import Outbox, OutboxError

CONFIG = Path("etc/village-edge/config.toml")
STREAM = "update"
TRIAL = "trial.json"
LAST = "last-update.json"


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


class Updater:
    """Apply, roll back, verify and report, with every system call through
    *runner* and every wait through *clock*/*sleep*."""

    def __init__(self, device: Device, runner: Runner, policy: Policy, *,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.device = device
        self.layout = Layout(device.root)
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

    def _keep(self, lines: list[str], old: str | None, new: str, verdict: Verdict) -> None:
        """The new release passed its health check: say so, tell the county,
        record it and end the trial."""
        lines.append(f"{new}: {verdict.summary()}")
        lines.append(self._tell_county({"event": "updated", "from": old, "to": new,
                                        "role": self.device.role}))
        self._record(LAST, {"outcome": "updated", "from": old, "to": new,
                            "at": time.time(), "detail": verdict.summary()})
        (self.layout.prefix / TRIAL).unlink(missing_ok=True)

    def _restart_and_check(self, units: list[str], release: str,
                           baseline: list[str]) -> Verdict:
        try:
            problem = self.systemctl.restart(units)
            verdict = self.health.wait(units, self.layout.release(release), baseline)
        except Exception as error:  # whatever happens, an unchecked release is not kept
            return Verdict(False, [f"the health check itself failed: {error!r}"])
        if problem is not None:
            verdict.problems.insert(0, f"restart: {problem}")
        return verdict

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
            trial = read_json(self.layout.prefix / TRIAL)
            if trial is not None:
                raise UpdateBusy(f"the update to {trial.get('to')} was interrupted before its "
                                  "health check finished: run 'village-edge update verify' "
                                  "first (it keeps or rolls back that release)")
            self._guard()
            try:
                source = Source.find(source_path)
            except ReleaseError as error:
                raise BadSource(str(error)) from error
            old = self.layout.current()
            if old is None or not self.layout.is_complete(old):
                raise DeviceNotSetUp(f"no current release in {self.layout.prefix}: install with "
                                  "setup.sh first; updates replace an installed release")
            if old == source.name:
                return Outcome(True, [f"{source.name} is already the current release; "
                                      "nothing to do"])
            lines = []
            release = self.layout.release(source.name)
            if self.layout.is_complete(source.name):
                lines.append(f"release {source.name} already built in {release}")
            else:
                try:
                    build_release(source, release, self.runner, self.layout.release(old))
                except CommandError as error:
                    raise BuildFailed(f"building {source.name} failed, nothing was switched: "
                                      f"{error}") from error
                lines.append(f"built release {source.name} in {release}")
            units, baseline = self._base()
            self._guard()  # again: the build may have taken minutes
            return self._trial(old, source.name, units, baseline, lines)

    def _trial(self, old: str, new: str, units: list[str], baseline: list[str],
               lines: list[str]) -> Outcome:
        prior = self.layout.previous()
        self._record(TRIAL, {"from": old, "to": new, "previous": prior, "started": time.time(),
                             "units": units, "baseline": baseline})
        self.layout.switch(new, previous=old)
        lines.append(f"switched current to {new}; restarting {', '.join(units) or 'nothing'}")
        verdict = self._restart_and_check(units, new, baseline)
        if verdict.healthy:
            self._keep(lines, old, new, verdict)
            removed = self.layout.prune()
            if removed:
                lines.append(f"removed old releases: {', '.join(removed)}")
            return Outcome(True, lines)
        return self._roll_back(old, new, prior, units, verdict, lines)

    def _roll_back(self, old: str, new: str, prior: str | None, units: list[str],
                   verdict: Verdict, lines: list[str]) -> Outcome:
        """Put *old* back (and *prior* as the one before it), restart, report."""
        lines.append(f"{new}: {verdict.summary()}")
        self.layout.switch(old, previous=prior)
        lines.append(f"ROLLED BACK: current is {old} again; restarting "
                     f"{', '.join(units) or 'nothing'}")
        after = self._restart_and_check(units, old, [])
        lines.append(f"{old} after the rollback: {after.summary()}")
        lines.append(self._tell_county({
            "event": "rolled_back", "from": new, "to": old, "role": self.device.role,
            "reason": verdict.summary(), "problems": verdict.problems,
            "restored_healthy": after.healthy}))
        self._record(LAST, {"outcome": "rolled_back", "from": new, "to": old,
                            "at": time.time(), "detail": verdict.summary()})
        (self.layout.prefix / TRIAL).unlink(missing_ok=True)
        return Outcome(False, lines)

    def rollback(self) -> Outcome:
        """Go back to the previous release by hand (checked, not undone)."""
        with self._locked():
            self._guard()
            current, previous = self.layout.current(), self.layout.previous()
            if previous is None or not self.layout.is_complete(previous):
                raise NoPreviousRelease(f"no previous release to go back to in "
                                        f"{self.layout.prefix} (current is {current})")
            units, baseline = self._base()
            self.layout.switch(previous, previous=current)
            lines = [f"switched current to {previous} (was {current}); restarting "
                     f"{', '.join(units) or 'nothing'}"]
            verdict = self._restart_and_check(units, previous, baseline)
            lines.append(f"{previous}: {verdict.summary()}")
            lines.append(self._tell_county({"event": "rolled_back", "from": current,
                                            "to": previous, "role": self.device.role,
                                            "reason": "by hand", "restored_healthy":
                                            verdict.healthy}))
            self._record(LAST, {"outcome": "rolled_back by hand", "from": current,
                                "to": previous, "at": time.time(),
                                "detail": verdict.summary()})
            return Outcome(verdict.healthy, lines)

    def verify(self) -> Outcome:
        """Finish a trial a power cut or crash interrupted; nothing otherwise."""
        with self._locked():
            trial = read_json(self.layout.prefix / TRIAL)
            if trial is None:
                return Outcome(True, ["no update on trial"])
            old, new = str(trial["from"]), str(trial["to"])
            lines = [f"an update from {old} to {new} was interrupted; checking {new}"]
            if self.layout.current() != new:
                (self.layout.prefix / TRIAL).unlink(missing_ok=True)
                return Outcome(True, [*lines, f"current is {self.layout.current()}: the switch "
                                              "never happened"])
            units = list(trial.get("units", self.units))
            verdict = self.health.wait(units, self.layout.release(new),
                                       list(trial.get("baseline", [])))
            if verdict.healthy:
                self._keep(lines, old, new, verdict)
                return Outcome(True, lines)
            prior = trial.get("previous")
            return self._roll_back(old, new, str(prior) if prior else None, units, verdict,
                                   lines)

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
