"""The hardware-in-the-loop harness: a scenario played against the seal
controller on gpiozero mock pins and the simulated camera, with a JSON trace.

A scenario is a TOML file (docs/seal-station.md, "Rehearsing"; examples in
``seal_controller/scenarios/``)::

    title = "An approved session"
    network = true        # the station can reach the county at its first boot
    [[step]]
    do = "request"        # slot, matter, uses
    ...

The harness plays the county and the sync agent too: ``approve`` signs a
token for the open request with the harness's county key, or forges one
(``forge = ...``), and delivers it through the feed (a signed feed document,
taken in by the feed store with the county's signed clock, as the sync agent
does while the network is up) or as a QR code in front of the camera;
``clear`` publishes the county's command clearing a ledger damage. Time can be
moved forward (``advance``) without waiting. ``crash`` is a power cut (the
machine reboots: the station is rebuilt from what is on disk); ``stop``,
``start`` and ``restart`` stop and start the station's daemon, in the same
boot or (``reboot = true``) after a reboot, with the network up or down.
``damage-ledger`` damages the ledger on disk; ``disk`` makes the card nearly
full or read-only through the ledger's and the outbox's write seams.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import secrets
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
from protocol.api import TIME_DOCUMENT_NAME, TIME_DOCUMENT_SECONDS
from protocol.approval_token import Approval, issue_token
from protocol.commands import CLEAR_LEDGER_DAMAGE, COMMAND_KIND, ClearLedgerDamage, command_name
from protocol.documents import DocumentRejected, FeedDocument, SignedDocument
from protocol.seal_refusal import Refusal
from protocol.signing import new_private_key, private_key_bytes, private_key_from_bytes
from seal_controller.camera_link import CameraLink
from seal_controller.controller import SealController
from seal_controller.errors import SealError
from seal_controller.feed_watch import FeedWatcher
from seal_controller.ledger import Ledger
from seal_controller.ledger_damage import DAMAGE_KINDS, damage_ledger
from seal_controller.trusted_clock import TrustedClock
from sync.boot import BootClock, read_boot_id, read_boottime
from sync.feed_store import FeedStore
from sync.outbox import Outbox, Syscalls

DEVICE = "ve-harness-seal"
#: The station every scenario runs against: the matters its custodian may
#: choose, and how long a seal may stay out after a session before the alarm
#: (the scenarios' ``advance`` steps count on it).
MATTERS = ("出具证明", "合同签订", "财务报销", "其他")
RETURN_SECONDS = 60.0
FORGERIES = ("other-key", "other-device", "other-slot", "other-request", "expired",
             "not-yet", "too-many", "replay", "garbage", "oversized")
DISK_STATES = ("ok", "full", "read-only")
NEARLY_FULL_BYTES = 16 * 1024  # room left on a "full" card: events fit, photos do not
STEP_KEYS: dict[str, set[str]] = {
    "request": {"slot", "matter", "uses"},
    "approve": {"via", "uses", "minutes", "forge", "deliver"},
    "refuse": {"reason", "request"},
    "press": {"slot"}, "hold": {"slot"}, "release": {"slot"},
    "take-seal": {"slot"}, "return-seal": {"slot"},
    "open-lid": set(), "shut-lid": set(), "end": set(), "cancel": set(),
    "scene": {"scene", "seed"}, "camera-fail": set(), "camera-ok": set(),
    "clock": {"trust"}, "advance": {"seconds"}, "wait": {"seconds"}, "crash": set(),
    "stop": set(), "start": {"network"}, "restart": {"network", "reboot", "clock_behind"},
    "network": {"up"}, "damage-ledger": {"kind", "seq"}, "disk": {"state"},
    "clear": {"damage_seq"},
    "expect": {"phase", "unlocked", "locked", "last", "alarm", "refused", "message", "lamp",
               "photo_missing"},
}
#: Steps that need the station's daemon running.
NEEDS_STATION = {"request", "press", "hold", "release", "take-seal", "return-seal", "open-lid",
                 "shut-lid", "end", "cancel", "camera-fail", "camera-ok", "clock", "expect"}


class ScenarioError(SealError, ValueError):
    """A scenario file that cannot be played, and why."""


class VirtualTime:
    """Real time plus an offset the scenario moves forward, and the boots of
    the simulated machine: the first is this machine's own boot (so a second
    harness process is a daemon restart in the same boot), each power cut
    starts another with its boot clock from zero. ``behind`` is how far the
    system clock is behind the true time (a Pi without a battery clock after
    a reboot)."""

    def __init__(self) -> None:
        self.offset = 0.0
        self.behind = 0.0
        self.boot_number = 1
        self._boot_base = 0.0  # the real boot clock when this boot began
        self._offset_base = 0.0

    def true_time(self) -> float:
        """What the county's clock says."""
        return time.time() + self.offset

    def wall(self) -> float:
        """What the station's system clock says."""
        return self.true_time() - self.behind

    def boottime(self) -> float:
        return read_boottime() - self._boot_base + (self.offset - self._offset_base)

    def boot_id(self) -> str:
        real = read_boot_id()
        return real if self.boot_number == 1 else f"{real}#{self.boot_number}"

    def reboot(self, behind: float = 0.0) -> None:
        self.boot_number += 1
        self._boot_base = read_boottime()
        self._offset_base = self.offset
        self.behind = behind

    def boot_clock(self) -> BootClock:
        return BootClock(self.boot_id, self.boottime)


class FaultySyscalls(Syscalls):
    """Writes that fail with *failure* (an errno) while it is set: a card
    gone read-only or failing."""

    def __init__(self) -> None:
        self.failure: int | None = None

    def write(self, fd: int, data: bytes) -> int:
        if self.failure is not None:
            raise OSError(self.failure, os.strerror(self.failure))
        return super().write(fd, data)

    def fsync(self, fd: int) -> None:
        if self.failure is not None:
            raise OSError(self.failure, os.strerror(self.failure))
        super().fsync(fd)


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
        if action == "damage-ledger" and step.get("kind") not in DAMAGE_KINDS:
            raise ScenarioError(f"{path}: step {number}: kind must be one of "
                                f"{', '.join(DAMAGE_KINDS)}")
        if action == "disk" and step.get("state") not in DISK_STATES:
            raise ScenarioError(f"{path}: step {number}: state must be one of "
                                f"{', '.join(DISK_STATES)}")
    if not isinstance(data.get("network", True), bool):
        raise ScenarioError(f"{path}: network must be true or false")
    return data


@dataclass
class Harness:
    state: Path
    spec: StationSpec
    time: VirtualTime = field(default_factory=VirtualTime)
    kill_after_seq: int | None = None
    network: bool = True
    trace: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.county = harness_county_key(self.state / "harness-county.key")
        self.camera = SimulatedCamera(CameraSettings(backend="simulated"), scene="document",
                                      document_seed=1)
        self.camera.start()
        self.disk = FaultySyscalls()
        self.disk_state = "ok"
        self.at_county: list[SignedDocument] = []  # published, not yet taken by the device
        self.seals_out: set[str] = set()  # out of their holders: they stay out across a boot
        self.running = False
        self._boot()

    @property
    def last_token(self) -> str | None:
        try:
            return (self.state / "harness-last-token").read_text() or None
        except FileNotFoundError:
            return None

    @last_token.setter
    def last_token(self, token: str | None) -> None:
        atomic_write(self.state / "harness-last-token", (token or "").encode())

    # -- the station ------------------------------------------------------------

    def _boot(self) -> None:
        """The daemon starts: pins first, then the ledger, the outbox, the
        controller's recovery; then the feed as the daemon reads it."""
        self.factory = mock_pin_factory()
        self.station = Station.build(self.spec, pin_factory=self.factory,
                                     failsafe=FailSafe(signals=()))
        self.world = SimulatedWorld(self.factory, self.spec, self.station)
        self.boot_levels = {s.name: self.level(s.lock) for s in self.spec.slots}
        self.world.settle_normal(self.station)
        for slot in sorted(self.seals_out):  # a seal in someone's bag stays there
            self.world.take_seal(slot)
        self.ledger = Ledger(self.state / "ledger", self.time.wall,
                             mark_path=self.state / "ledger-mark", syscalls=self.disk)
        if self.kill_after_seq is not None:
            self._arm_kill(self.ledger, self.kill_after_seq)
        self.outbox = Outbox(self.state / "outbox", syscalls=self.disk)
        self._apply_disk()
        boot = self.time.boot_clock()
        self.clock = TrustedClock(self.state / "trusted-time", wall=self.time.wall, boot=boot)
        self.feed = FeedStore(self.state / "feed", self.county.public_key(), DEVICE,
                              self.time.wall, boot=boot)
        self.watcher = FeedWatcher(self.feed, self.clock)
        self.controller = SealController(
            device_id=DEVICE, station=self.station, ledger=self.ledger, outbox=self.outbox,
            county_key=self.county.public_key(), clock=self.clock,
            matters=MATTERS, return_seconds=RETURN_SECONDS,
            camera=CameraLink(self.camera, self.outbox, DEVICE, self.time.wall),
        )
        self.controller.recover()
        self.running = True
        self.seen_records = 0
        self.seen_alarms: set[str] = set()
        self._sync()

    def _shut_down(self) -> None:
        # The daemon ends (or the power does): nothing is closed in order; the
        # pins die with the process.
        self.ledger.close()
        self.outbox.close()
        self.station.close()
        self.running = False

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
        if self.running:
            self._shut_down()
        self.camera.stop()

    # -- the county and the sync agent --------------------------------------------

    def _publish(self, kind: str, name: str, body: dict[str, Any], version: int = 1) -> None:
        now = int(self.time.true_time())
        document = FeedDocument(kind=kind, name=name, version=version, issued=now,
                                expires=now + 86400, audience=DEVICE, body=body)
        self.at_county.append(SignedDocument.sign(self.county, document))

    def _clock_document(self) -> SignedDocument:
        now = self.time.true_time()
        return SignedDocument.sign(self.county, FeedDocument(
            kind="time", name=TIME_DOCUMENT_NAME, version=int(now * 1000), issued=int(now),
            expires=int(now) + TIME_DOCUMENT_SECONDS, audience=DEVICE, body={"time": now}))

    def _sync(self) -> None:
        """What the sync agent (its own service) does while the network is up:
        take what the county published, with the county's signed clock; then
        what the daemon does every second: read the feed."""
        if self.network:
            for signed in [*self.at_county, self._clock_document()]:
                with contextlib.suppress(DocumentRejected):  # counted, as the agent's are
                    self.feed.accept(signed.to_wire())
            self.at_county.clear()
        if self.running:
            self.watcher.deliver(self.controller)

    # -- steps ------------------------------------------------------------------

    def run(self, steps: list[dict[str, Any]]) -> bool:
        started = time.monotonic()
        ok = True
        self._record(0, {"do": "boot"}, started, None)
        for number, step in enumerate(steps, start=1):
            error = None
            try:
                if step["do"] in NEEDS_STATION and not self.running:
                    raise ScenarioError(f"{step['do']}: the station is stopped; start it first")
                verdict = getattr(self, "_step_" + step["do"].replace("-", "_"))(step)
            except (ValueError, RuntimeError, KeyError) as failure:
                verdict, error = False, f"{type(failure).__name__}: {failure}"
            if self.running:
                self.controller.tick()
                self.watcher.deliver(self.controller)
            ok = ok and verdict is not False
            self._record(number, step, started, verdict, error)
        return ok

    def _record(self, number: int, step: dict[str, Any], started: float,
                verdict: bool | None, error: str | None = None) -> None:
        entry: dict[str, Any] = {
            "step": number, "do": step["do"], "t": round(time.monotonic() - started, 3)}
        if self.running:
            records = self.ledger.records[self.seen_records:]
            self.seen_records = len(self.ledger.records)
            alarms = []
            for event in self._events("alarm"):
                if event["id"] not in self.seen_alarms:
                    self.seen_alarms.add(event["id"])
                    alarms.append(event["payload"].get("code"))
            view = self.controller.view()
            entry.update({
                "phase": view.phase, "message": view.message,
                "locks": {s.name: self.level(s.lock) for s in self.spec.slots},
                "lamp": self.station.lamp.signal.value if self.station.lamp else None,
                "ledger": [{k: r[k] for k in ("seq", "kind") if k in r}
                           | {k: r[k] for k in ("reason", "photo", "remaining") if k in r}
                           for r in records],
                "alarms": alarms,
            })
        else:  # no process drives the pins: every lock is unpowered, hence locked
            entry.update(phase="stopped", locks={s.name: 0.0 for s in self.spec.slots})
        if step.get("note"):
            entry["note"] = step["note"]
        if verdict is not None:
            entry["expect_ok"] = verdict
        if error is not None:
            entry["error"] = error
        self.trace.append(entry)

    def _events(self, stream: str) -> list[dict[str, Any]]:
        return [{"id": e.id, "payload": e.payload} for e in self.outbox.pending(100_000)
                if e.stream == stream]

    def _step_request(self, step: dict[str, Any]) -> None:
        self.controller.request(step["slot"], step.get("matter", "出具证明"),
                                int(step.get("uses", 1)))

    def _step_approve(self, step: dict[str, Any]) -> None:
        token = self._token(step)
        if not step.get("deliver", True):
            return
        if step.get("via", "feed") == "qr":
            if not self.running:
                raise ScenarioError("approve via qr: the station is stopped; start it first")
            if self.controller.camera is not None:
                self.controller.camera.forget_codes()  # shown again: a new showing
            self.camera.show("qr", qr_payload=token)
            self.controller.tick()
            self.camera.show("document")
        else:
            self._publish("approval", f"A-feed-{time.monotonic_ns():x}", {"token": token})
            self._sync()

    def _step_refuse(self, step: dict[str, Any]) -> None:
        """The county refuses the open request (or ``request``, another one)
        through the feed, with ``reason`` in plain words."""
        request = self.controller.request_open if self.running else None
        req = str(step.get("request", request.req if request else "R0-none"))
        refusal = Refusal(rid=f"F-{secrets.token_hex(6)}", dev=DEVICE, req=req,
                          slot=request.slot if request else "party",
                          reason=str(step.get("reason", "材料不全")), by="harness.approver",
                          at=int(self.time.true_time()))
        self._publish("approval", refusal.document_name, refusal.body())
        self._sync()

    def _token(self, step: dict[str, Any]) -> str:
        forge = step.get("forge", "")
        if forge == "replay":
            if not self.last_token:
                raise ScenarioError("forge = replay: no approval was issued before to replay")
            return self.last_token
        if forge == "garbage":
            return "VE1.this-is.not-a-token"
        if forge == "oversized":
            return "VE1." + "A" * 3000 + ".B"
        request = self.controller.request_open if self.running else None
        now = int(self.time.true_time())
        minutes = float(step.get("minutes", 10))
        fields: dict[str, Any] = {
            "aid": f"A-{time.monotonic_ns():x}", "req": request.req if request else "R0-none",
            "dev": DEVICE, "slot": request.slot if request else "party",
            "uses": int(step.get("uses", request.uses if request else 1)),
            "nbf": now - 60, "exp": int(now + minutes * 60), "apr": "harness.approver",
            "doc": request.doc if request else None,
        }
        if request is None and self.ledger.records:  # stopped: the request on disk
            opened = [r for r in self.ledger.records if r.get("kind") == "requested"]
            if opened:
                fields.update(req=opened[-1]["req"], slot=opened[-1]["slot"],
                              uses=int(step.get("uses", opened[-1]["uses"])),
                              doc=opened[-1].get("doc"))
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
        self.seals_out.add(step["slot"])
        self.world.take_seal(step["slot"])

    def _step_return_seal(self, step: dict[str, Any]) -> None:
        self.seals_out.discard(step["slot"])
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
        if step.get("trust", True):  # the kernel reports NTP synchronisation
            self.clock.trust(self.time.true_time(), "ntp")
        else:
            self.clock.lose_trust("the scenario says so")

    def _step_advance(self, step: dict[str, Any]) -> None:
        self.time.offset += float(step["seconds"])

    def _step_wait(self, step: dict[str, Any]) -> None:
        time.sleep(float(step["seconds"]))

    def _step_crash(self, step: dict[str, Any]) -> None:
        # A power cut: the machine reboots; its clock comes back as it was saved.
        if self.running:
            self._shut_down()
        self.time.reboot()
        self._boot()

    def _step_stop(self, step: dict[str, Any]) -> None:
        if self.running:
            self._shut_down()

    def _step_start(self, step: dict[str, Any]) -> None:
        self.network = bool(step.get("network", self.network))
        if not self.running:
            self._boot()

    def _step_restart(self, step: dict[str, Any]) -> None:
        if self.running:
            self._shut_down()
        self.network = bool(step.get("network", self.network))
        if step.get("reboot", False):
            self.time.reboot(behind=float(step.get("clock_behind", 0.0)))
        self._boot()

    def _step_network(self, step: dict[str, Any]) -> None:
        self.network = bool(step.get("up", True))
        self._sync()

    def _step_damage_ledger(self, step: dict[str, Any]) -> None:
        seq = step.get("seq")
        damage_ledger(self.state / "ledger", step["kind"], int(seq) if seq is not None else None)

    def _step_disk(self, step: dict[str, Any]) -> None:
        self.disk_state = step["state"]
        self._apply_disk()

    def _apply_disk(self) -> None:
        """The card as the scenario has it: nearly full (small records fit,
        photos do not), read-only (nothing can be written), or fine."""
        state = self.disk_state
        self.disk.failure = errno.EROFS if state == "read-only" else None
        if state == "ok":
            self.outbox.quota_bytes = None
        else:
            room = NEARLY_FULL_BYTES if state == "full" else 0
            self.outbox.quota_bytes = self.outbox.used_bytes() + room

    def _step_clear(self, step: dict[str, Any]) -> None:
        seq = step.get("damage_seq")
        if seq is None:
            reported = [e["payload"].get("damage_seq") for e in self._events("alarm")
                        if e["payload"].get("code") == "ledger_damaged"]
            if not reported:
                raise ScenarioError("clear: the county has seen no ledger damage to clear")
            seq = reported[-1]
        command = ClearLedgerDamage(DEVICE, int(seq), self.time.true_time(), "harness.operator")
        self._publish(COMMAND_KIND, command_name(CLEAR_LEDGER_DAMAGE, DEVICE), command.body(),
                      version=int(self.time.true_time() * 1000))
        self._sync()

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
        alarms = [e["payload"] for e in self._events("alarm")]
        if "alarm" in step:
            checks.append(step["alarm"] in [a.get("code") for a in alarms])
        if "photo_missing" in step:
            coded = [a for a in alarms if a.get("code") == step["photo_missing"]]
            checks.append(bool(coded) and "photo_missing" in coded[-1])
        if "refused" in step:
            reasons = [r.get("reason") for r in self.ledger.records
                       if r["kind"] == "approval_refused"]
            checks.append(bool(reasons) and reasons[-1] == step["refused"])
        if "message" in step:
            checks.append(step["message"] in view.message)
        if "lamp" in step:
            lamp = self.station.lamp
            checks.append(lamp is not None and lamp.signal.value == step["lamp"])
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
    harness = Harness(state, spec, kill_after_seq=kill_after_seq,
                      network=scenario.get("network", True))
    try:
        ok = harness.run(scenario["step"])
        boot = harness.boot_levels
    finally:
        harness.close()
    out(json.dumps({"scenario": scenario.get("title", path.stem), "ok": ok,
                    "locks_at_boot": boot, "trace": harness.trace},
                   ensure_ascii=False, indent=1))
    return ok
