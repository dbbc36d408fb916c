"""The hardware-in-the-loop harness: a scenario played against the seal
controller on gpiozero mock pins and the simulated camera, with a JSON trace.

A scenario is a TOML file (docs/seal-station.md, "Rehearsing"; examples in
``seal_controller/scenarios/``)::

    title = "An approved session"
    [[step]]
    do = "request"        # slot, matter, uses
    ...

The harness plays the county too: ``approve`` signs a token for the open
request with the harness's county key, or forges one (``forge = ...``), and
delivers it through the feed or as a QR code in front of the camera. Time can
be moved forward (``advance``) without waiting. ``crash`` is a power cut: the
station is rebuilt from what is on disk, as at boot.
"""

from __future__ import annotations

import json
import os
import signal
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from camera.settings import CameraSettings
from camera.simulated import SimulatedCamera
from durable.atomic import atomic_write
from hardware.failsafe import FailSafe
from hardware.pins import mock_pin_factory
from hardware.simulation import SimulatedWorld
from hardware.station import Station, StationSpec
from protocol.approval_token import Approval, issue_token
from protocol.signing import new_private_key, private_key_bytes, private_key_from_bytes
from seal_controller.camera_link import CameraLink
from seal_controller.controller import SealController
from seal_controller.errors import SealError
from seal_controller.ledger import Ledger
from seal_controller.trusted_clock import TrustedClock
from sync.outbox import Outbox

DEVICE = "ve-harness-seal"
#: The station every scenario runs against: the matters its custodian may
#: choose, and how long a seal may stay out after a session before the alarm
#: (the scenarios' ``advance`` steps count on it).
MATTERS = ("出具证明", "合同签订", "财务报销", "其他")
RETURN_SECONDS = 60.0
FORGERIES = ("other-key", "other-device", "other-slot", "other-request", "expired",
             "not-yet", "too-many", "replay", "garbage", "oversized")
STEP_KEYS: dict[str, set[str]] = {
    "request": {"slot", "matter", "uses"},
    "approve": {"via", "uses", "minutes", "forge"},
    "press": {"slot"}, "hold": {"slot"}, "release": {"slot"},
    "take-seal": {"slot"}, "return-seal": {"slot"},
    "open-lid": set(), "shut-lid": set(), "end": set(), "cancel": set(),
    "scene": {"scene", "seed"}, "camera-fail": set(), "camera-ok": set(),
    "clock": {"trust"}, "advance": {"seconds"}, "wait": {"seconds"}, "crash": set(),
    "expect": {"phase", "unlocked", "locked", "last", "alarm", "refused", "message"},
}


class ScenarioError(SealError, ValueError):
    """A scenario file that cannot be played, and why."""


@dataclass
class VirtualTime:
    """Real time plus an offset the scenario moves forward."""

    offset: float = 0.0

    def wall(self) -> float:
        return time.time() + self.offset

    def monotonic(self) -> float:
        return time.monotonic() + self.offset


def harness_county_key(path: Path) -> Ed25519PrivateKey:
    """The harness's own county key, kept with the state, so a scenario played
    again after a crash speaks for the same county."""
    try:
        return private_key_from_bytes(path.read_bytes())
    except FileNotFoundError:
        key = new_private_key()
        atomic_write(path, private_key_bytes(key), mode=0o600)
        return key


def load_scenario(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScenarioError(f"{path}: no such file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ScenarioError(f"{path}: not a TOML scenario: {error}") from None
    steps = data.get("step")
    if not isinstance(steps, list) or not steps:
        raise ScenarioError(f"{path}: no [[step]] tables")
    for number, step in enumerate(steps, start=1):
        action = step.get("do")
        if action not in STEP_KEYS:
            raise ScenarioError(f"{path}: step {number}: unknown do = {action!r}; the steps are "
                                f"{', '.join(STEP_KEYS)}")
        unknown = set(step) - STEP_KEYS[action] - {"do", "note"}
        if unknown:
            raise ScenarioError(f"{path}: step {number} ({action}): unknown keys "
                                f"{sorted(unknown)}")
        if action == "approve" and step.get("forge", "") not in ("", *FORGERIES):
            raise ScenarioError(f"{path}: step {number}: forge must be one of "
                                f"{', '.join(FORGERIES)}")
    return data


@dataclass
class Harness:
    state: Path
    spec: StationSpec
    time: VirtualTime = field(default_factory=VirtualTime)
    kill_after_seq: int | None = None
    trace: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.county = harness_county_key(self.state / "harness-county.key")
        self.camera = SimulatedCamera(CameraSettings(backend="simulated"), scene="document",
                                      document_seed=1)
        self.camera.start()
        self.last_token: str | None = None
        self._boot()

    # -- the station ------------------------------------------------------------

    def _boot(self) -> None:
        self.factory = mock_pin_factory()
        self.station = Station.build(self.spec, pin_factory=self.factory,
                                     failsafe=FailSafe(signals=()))
        self.world = SimulatedWorld(self.factory, self.spec, self.station)
        self.boot_levels = {s.name: self.level(s.lock) for s in self.spec.slots}
        self.world.settle_normal(self.station)
        self.ledger = Ledger(self.state / "ledger", self.time.wall)
        if self.kill_after_seq is not None:
            self._arm_kill(self.ledger, self.kill_after_seq)
        self.outbox = Outbox(self.state / "outbox")
        self.clock = TrustedClock(self.state / "trusted-time", wall=self.time.wall,
                                  monotonic=self.time.monotonic)
        self.clock.trust(self.time.wall(), "harness")
        self.controller = SealController(
            device_id=DEVICE, station=self.station, ledger=self.ledger, outbox=self.outbox,
            county_key=self.county.public_key(), clock=self.clock,
            matters=MATTERS, return_seconds=RETURN_SECONDS,
            camera=CameraLink(self.camera, self.outbox, DEVICE, self.time.wall),
        )
        self.controller.recover()
        self.seen_records = 0
        self.seen_alarms: set[str] = set()

    @staticmethod
    def _arm_kill(ledger: Ledger, seq: int) -> None:
        """SIGKILL this process right after record *seq* is on disk: a crash at
        exactly that transition, for the crash tests."""
        append = ledger.append

        def append_then_die(kind: str, **fields: Any) -> dict[str, Any]:
            record = append(kind, **fields)
            if record["seq"] >= seq:
                os.kill(os.getpid(), signal.SIGKILL)
            return record

        ledger.append = append_then_die  # type: ignore[method-assign]

    def level(self, pin: int) -> float:
        return round(float(self.factory.pin(pin).state), 3)

    def close(self) -> None:
        self.station.close()
        self.ledger.close()
        self.outbox.close()
        self.camera.stop()

    # -- steps ------------------------------------------------------------------

    def run(self, steps: list[dict[str, Any]]) -> bool:
        started = time.monotonic()
        ok = True
        self._record(0, {"do": "boot"}, started, None)
        for number, step in enumerate(steps, start=1):
            error = None
            try:
                verdict = getattr(self, "_step_" + step["do"].replace("-", "_"))(step)
            except (ValueError, RuntimeError, KeyError) as failure:
                verdict, error = False, f"{type(failure).__name__}: {failure}"
            self.controller.tick()
            ok = ok and verdict is not False
            self._record(number, step, started, verdict, error)
        return ok

    def _record(self, number: int, step: dict[str, Any], started: float,
                verdict: bool | None, error: str | None = None) -> None:
        records = self.ledger.records[self.seen_records:]
        self.seen_records = len(self.ledger.records)
        alarms = []
        for event in self.outbox.pending(100_000):
            if event.stream == "alarm" and event.id not in self.seen_alarms:
                self.seen_alarms.add(event.id)
                alarms.append(event.payload.get("code"))
        view = self.controller.view()
        entry: dict[str, Any] = {
            "step": number, "do": step["do"], "t": round(time.monotonic() - started, 3),
            "phase": view.phase, "message": view.message,
            "locks": {s.name: self.level(s.lock) for s in self.spec.slots},
            "lamp": self.station.lamp.signal.value if self.station.lamp else None,
            "ledger": [{k: r[k] for k in ("seq", "kind") if k in r}
                       | {k: r[k] for k in ("reason", "photo", "remaining") if k in r}
                       for r in records],
            "alarms": alarms,
        }
        if step.get("note"):
            entry["note"] = step["note"]
        if verdict is not None:
            entry["expect_ok"] = verdict
        if error is not None:
            entry["error"] = error
        self.trace.append(entry)

    def _step_request(self, step: dict[str, Any]) -> None:
        self.controller.request(step["slot"], step.get("matter", "出具证明"),
                                int(step.get("uses", 1)))

    def _step_approve(self, step: dict[str, Any]) -> None:
        token = self._token(step)
        if step.get("via", "feed") == "qr":
            self.camera.show("qr", qr_payload=token)
            self.controller.tick()
            self.camera.show("document")
        else:
            self.controller.offer_token(token, "feed")

    def _token(self, step: dict[str, Any]) -> str:
        forge = step.get("forge", "")
        if forge == "replay" and self.last_token:
            return self.last_token
        if forge == "garbage":
            return "VE1.this-is.not-a-token"
        if forge == "oversized":
            return "VE1." + "A" * 3000 + ".B"
        request = self.controller.request_open
        now = int(self.time.wall())
        minutes = float(step.get("minutes", 10))
        fields: dict[str, Any] = {
            "aid": f"A-{time.monotonic_ns():x}", "req": request.req if request else "R0-none",
            "dev": DEVICE, "slot": request.slot if request else "party",
            "uses": int(step.get("uses", request.uses if request else 1)),
            "nbf": now - 60, "exp": int(now + minutes * 60), "apr": "harness.approver",
            "doc": request.doc if request else None,
        }
        changes: dict[str, dict[str, Any]] = {
            "other-device": {"dev": "ve-another-seal"}, "other-slot": {"slot": "zzz"},
            "other-request": {"req": "R999-forged"}, "expired": {"nbf": now - 7200,
                                                                  "exp": now - 3600},
            "not-yet": {"nbf": now + 3600, "exp": now + 7200},
            "too-many": {"uses": fields["uses"] + 5},
        }
        fields.update(changes.get(forge, {}))
        key = new_private_key() if forge == "other-key" else self.county
        token = issue_token(key, Approval(**fields))
        if not forge:
            self.last_token = token
        return token

    def _step_press(self, step: dict[str, Any]) -> None:
        self.world.press(step["slot"])
        self.world.release(step["slot"])

    def _step_hold(self, step: dict[str, Any]) -> None:
        self.world.press(step["slot"])

    def _step_release(self, step: dict[str, Any]) -> None:
        self.world.release(step["slot"])

    def _step_take_seal(self, step: dict[str, Any]) -> None:
        self.world.take_seal(step["slot"])

    def _step_return_seal(self, step: dict[str, Any]) -> None:
        self.world.return_seal(step["slot"])

    def _step_open_lid(self, step: dict[str, Any]) -> None:
        self.world.open_lid()

    def _step_shut_lid(self, step: dict[str, Any]) -> None:
        self.world.shut_lid()

    def _step_end(self, step: dict[str, Any]) -> None:
        self.controller.end()

    def _step_cancel(self, step: dict[str, Any]) -> None:
        self.controller.cancel()

    def _step_scene(self, step: dict[str, Any]) -> None:
        self.camera.show(step["scene"], document_seed=step.get("seed"))

    def _step_camera_fail(self, step: dict[str, Any]) -> None:
        self.camera.fail = True

    def _step_camera_ok(self, step: dict[str, Any]) -> None:
        self.camera.fail = False

    def _step_clock(self, step: dict[str, Any]) -> None:
        if step.get("trust", True):
            self.clock.trust(self.time.wall(), "harness")
        else:
            self.clock.lose_trust("the scenario says so")

    def _step_advance(self, step: dict[str, Any]) -> None:
        self.time.offset += float(step["seconds"])

    def _step_wait(self, step: dict[str, Any]) -> None:
        time.sleep(float(step["seconds"]))

    def _step_crash(self, step: dict[str, Any]) -> None:
        # A power cut: nothing is closed in order; the pins die with the power.
        self.ledger.close()
        self.outbox.close()
        self.station.close()
        self._boot()

    def _step_expect(self, step: dict[str, Any]) -> bool:
        checks: list[bool] = []
        view = self.controller.view()
        if "phase" in step:
            checks.append(view.phase == step["phase"])
        for name in step.get("unlocked", []):
            checks.append(self.level(self._slot(name).lock) > 0)
        for name in step.get("locked", []):
            checks.append(self.level(self._slot(name).lock) == 0)
        if "last" in step:
            checks.append(bool(self.ledger.records)
                          and self.ledger.records[-1]["kind"] == step["last"])
        if "alarm" in step:
            codes = [e.payload.get("code") for e in self.outbox.pending(100_000)
                     if e.stream == "alarm"]
            checks.append(step["alarm"] in codes)
        if "refused" in step:
            reasons = [r.get("reason") for r in self.ledger.records
                       if r["kind"] == "approval_refused"]
            checks.append(bool(reasons) and reasons[-1] == step["refused"])
        if "message" in step:
            checks.append(step["message"] in view.message)
        return all(checks)

    def _slot(self, name: str) -> Any:
        for slot in self.spec.slots:
            if slot.name == name:
                return slot
        raise ScenarioError(f"no slot {name!r} in this station")


def play(path: Path, state: Path, spec: StationSpec, *,
         kill_after_seq: int | None = None, out: Callable[[str], object] = print) -> bool:
    """Play the scenario at *path*; print the JSON trace; True if every
    expectation held."""
    scenario = load_scenario(path)
    harness = Harness(state, spec, kill_after_seq=kill_after_seq)
    try:
        ok = harness.run(scenario["step"])
        boot = harness.boot_levels
    finally:
        harness.close()
    out(json.dumps({"scenario": scenario.get("title", path.stem), "ok": ok,
                    "locks_at_boot": boot, "trace": harness.trace},
                   ensure_ascii=False, indent=1))
    return ok

