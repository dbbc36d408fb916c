"""The health check after an update: within a deadline, every unit of the
role is active and stays up, each watchdog service has pinged since we first
saw it active, and the new release's ``village-edge doctor`` reports no FAIL
that the old release did not already report.

Why "no new FAIL" rather than "no FAIL": a printer out of paper or a week
without network is a FAIL on the old release too, and must not block every
update (including the one that fixes it). ``strict`` asks for no FAIL at all.

A unit that crash-loops is judged at once, not at the deadline: after
``max_restarts`` automatic restarts (a crash or its watchdog) within the
trial, or once systemd gives up on it (``failed``, its start limit hit), the
release is unhealthy. Waiting out the deadline would only keep a seal
station without its seals for minutes longer.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from provision.services import Systemctl, UnitState
from provision.system import CommandError, Runner

DOCTOR_TIMEOUT = 120.0
DOCTOR_EVERY = 5.0


@dataclass(frozen=True)
class Policy:
    deadline: float = 180.0   # seconds from the restart for everything to be healthy
    settle: float = 10.0      # seconds each unit must stay active without a restart
    strict: bool = False      # doctor: no FAIL at all, not just no new one
    max_restarts: int = 3     # automatic restarts of one unit that end the trial at once

    @property
    def poll(self) -> float:
        return max(0.1, min(1.0, self.settle / 5))


@dataclass
class Verdict:
    healthy: bool
    problems: list[str] = field(default_factory=list)
    fails: list[str] = field(default_factory=list)  # the doctor's new FAIL lines
    waited: float = 0.0

    def summary(self) -> str:
        if self.healthy:
            return f"healthy after {self.waited:.0f} s"
        return f"not healthy within {self.waited:.0f} s: {'; '.join(self.problems)}"


class Doctor:
    """``village-edge doctor --json`` of one release, through the runner."""

    def __init__(self, runner: Runner, config: Path) -> None:
        self.runner = runner
        self.config = config

    def fails(self, release: Path) -> list[str]:
        """The FAIL findings as ``check: detail`` lines; a doctor that cannot
        run or answer is itself a FAIL."""
        command = [str(release / "bin" / "village-edge"), "--config", str(self.config),
                   "doctor", "--json"]
        try:
            result = self.runner.run(command, timeout=DOCTOR_TIMEOUT)
        except CommandError as error:
            return [f"doctor: {error}"]
        try:
            document = json.loads(result.stdout)
            checks = document["checks"]
        except (ValueError, KeyError, TypeError):
            return [f"doctor: no report ({result.describe()})"]
        return [f"{c.get('check')}: {c.get('detail')}" for c in checks
                if c.get("status") == "FAIL"]


def _check_name(line: str) -> str:
    return line.partition(":")[0]


class RestartCount:
    """Each unit's automatic restarts seen during one trial. ``NRestarts``
    counts from the unit's last explicit start, and the restart that began
    the trial is queued (``--no-block``): the first reads may still show the
    old run's count, then the count starts again from 0. Only increases
    between two reads are counted."""

    def __init__(self, started: Sequence[str] = ()) -> None:
        self.last: dict[str, int] = {}
        self.seen: dict[str, int] = {}
        # units seen not failed since the trial began (or started by systemd at boot)
        self.started: set[str] = set(started)
        self.failed: dict[str, int] = {}  # consecutive failed reads after that

    def given_up(self, state: UnitState, limit: int) -> str | None:
        """Why the trial should end now for this unit, or None."""
        unit = state.unit
        before = self.last.get(unit)
        self.last[unit] = state.restarts
        if before is not None and state.restarts > before:
            self.seen[unit] = self.seen.get(unit, 0) + state.restarts - before
        if state.active != "failed":
            self.started.add(unit)
            self.failed[unit] = 0
        elif unit in self.started:
            # failed again after the restart, on two reads in a row (a stop that
            # overran its timeout is failed for a moment within the restart)
            self.failed[unit] = self.failed.get(unit, 0) + 1
            if self.failed[unit] >= 2:
                return f"{unit} failed ({state.sub}): systemd stopped restarting it"
        if self.seen.get(unit, 0) >= limit:
            return (f"{unit} restarted {self.seen[unit]} times (crashing or killed by its "
                    "watchdog): not waiting for the deadline")
        return None


class HealthCheck:
    """Watches *units* until they are healthy or the deadline passes."""

    def __init__(self, systemctl: Systemctl, doctor: Doctor, policy: Policy, *,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.systemctl = systemctl
        self.doctor = doctor
        self.policy = policy
        self.clock = clock
        self.sleep = sleep

    def wait(self, units: Sequence[str], release: Path, baseline: Sequence[str], *,
             at_boot: bool = False) -> Verdict:
        """Healthy, or the problems seen when the deadline passed. *at_boot*:
        systemd started the units, not this trial, so a unit already failed
        at the first reads is one systemd gave up on."""
        policy = self.policy
        start = self.clock()
        deadline = start + policy.deadline
        first: dict[str, UnitState] = {}   # the first active state seen, per unit
        since: dict[str, float] = {}       # when each unit was first seen active
        loops = RestartCount(units if at_boot else ())
        next_doctor = start
        doctor_fails: list[str] | None = None
        while True:
            now = self.clock()
            problems: list[str] = []
            for unit in units:
                try:
                    state = self.systemctl.state(unit)
                except CommandError as error:
                    problems.append(f"{unit}: {error}")
                    continue
                given_up = loops.given_up(state, policy.max_restarts)
                if given_up is not None:
                    return Verdict(False, [given_up], waited=self.clock() - start)
                if state.active != "active":
                    first.pop(unit, None)
                    since.pop(unit, None)
                    problems.append(f"{unit} is {state.active} ({state.sub})")
                    continue
                seen = first.setdefault(unit, state)
                since.setdefault(unit, now)
                if state.restarts > seen.restarts:
                    problems.append(f"{unit} restarted {state.restarts - seen.restarts} times "
                                    "(crashing or killed by its watchdog)")
                    first[unit], since[unit] = state, now
                elif state.watchdog and state.last_ping <= seen.last_ping:
                    problems.append(f"{unit} has not pinged its watchdog since it started")
                elif now - since[unit] < policy.settle:
                    problems.append(f"{unit} has been up for only {now - since[unit]:.0f} s")
            if not problems and now >= next_doctor:
                fails = self.doctor.fails(release)
                allowed = set() if policy.strict else {_check_name(b) for b in baseline}
                doctor_fails = [f for f in fails if _check_name(f) not in allowed]
                next_doctor = self.clock() + DOCTOR_EVERY
            if not problems and doctor_fails == []:
                return Verdict(True, waited=self.clock() - start)
            if doctor_fails:
                problems += [f"doctor FAIL {line}" for line in doctor_fails]
            elif not problems:
                problems.append("waiting for the doctor")
            if self.clock() >= deadline:
                return Verdict(False, problems, doctor_fails or [], waited=policy.deadline)
            self.sleep(min(policy.poll, max(0.0, deadline - self.clock())))
