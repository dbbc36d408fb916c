"""``village-edge doctor``: the technician's health report."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from camera.probe import probe_camera
from hardware.errors import HardwareError, PrinterError
from hardware.lock import SealLock
from hardware.pins import factory_description
from hardware.printer import ReceiptPrinter
from hardware.sensors import LidSensor, PlungerSensor, SleeveSensor
from hardware.station import Station
from village_edge.clock import read_clock_state
from village_edge.config import Config
from village_edge.report import Finding, fail, ok, warn

MIB = 1024 * 1024
FAIL_BELOW = 200 * MIB
WARN_BELOW = 1024 * MIB


def check_config(config: Config) -> Finding:
    mode = "simulated hardware" if config.simulate else "real hardware"
    return ok(
        "config",
        f"{config.source}: device {config.device_id}, role {config.role}, "
        f"{config.village_name} ({config.village_code}), {mode}",
    )


def check_devices(station: Station) -> list[Finding]:
    findings = []
    for name, device in station.devices():
        if isinstance(device, SealLock):
            if device.duty == 0:
                findings.append(ok(name, f"BCM {device.pin}: locked (solenoid off)"))
            else:
                findings.append(
                    fail(name, f"BCM {device.pin}: energised at {device.duty:.0%}",
                         "stop the process driving it; the lock must rest locked")
                )
        elif isinstance(device, SleeveSensor):
            line = f"BCM {device.pin}: {device.describe()}"
            findings.append(
                ok(name, line) if device.is_present
                else warn(name, line, "put the seal back, or check the sleeve switch wiring")
            )
        elif isinstance(device, PlungerSensor):
            line = f"BCM {device.pin}: {device.describe()}"
            findings.append(
                warn(name, line, "the plunger is held down or its switch is stuck")
                if device.is_pressed else ok(name, line)
            )
        elif isinstance(device, LidSensor):
            line = f"BCM {device.pin}: {device.describe()}"
            findings.append(
                warn(name, line, "close the enclosure, or check the lid switch wiring")
                if device.is_open else ok(name, line)
            )
        elif name == "lamp":
            pins = ", ".join(str(p) for p in device.pins)  # type: ignore[attr-defined]
            findings.append(ok(name, f"{device.kind} lamp on BCM {pins}"))  # type: ignore[attr-defined]
        elif name == "buzzer":
            findings.append(ok(name, f"BCM {device.pin}"))  # type: ignore[attr-defined]
    return findings


def check_printer(config: Config, printer: ReceiptPrinter | None) -> Finding:
    if config.printer.connection == "none":
        return ok("printer", "no printer configured for this device")
    if printer is None:
        return fail("printer", "not opened")
    try:
        status = printer.status()
    except PrinterError as error:
        return fail("printer", str(error), "check the printer's power and cable")
    if status.online is False:
        return fail("printer", status.detail, "check the printer's power and cable")
    if status.paper == "out":
        return fail("printer", status.detail, "load a new paper roll")
    if status.paper == "near_end":
        return warn("printer", status.detail, "the paper roll is nearly used up")
    return ok("printer", status.detail)


def check_camera(config: Config) -> Finding:
    presence = probe_camera(config.camera)
    if presence.present:
        return ok("camera", presence.detail)
    return fail("camera", presence.detail, presence.hint)


def check_state_dir(state_dir: Path) -> Finding:
    name = "state directory"
    try:
        state_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=state_dir, prefix=".doctor-"):
            pass
    except OSError as error:
        return fail(name, f"{state_dir}: not writable ({error.strerror})",
                    "check the SD card (read-only after errors?) and the directory's owner")
    free = shutil.disk_usage(state_dir).free
    line = f"{state_dir}: {free / MIB:,.0f} MiB free"
    if free < FAIL_BELOW:
        return fail(name, line, "free space now: records can no longer be kept safely")
    if free < WARN_BELOW:
        return warn(name, line, "free some space or fit a larger SD card soon")
    return ok(name, line)


def check_clock() -> Finding:
    state = read_clock_state()
    if state.synchronised:
        return ok("clock", state.detail)
    return warn("clock", state.detail,
                "check the network and that systemd-timesyncd or chrony is running")


def run_hardware_checks(config: Config, station: Station) -> list[Finding]:
    findings = check_devices(station)
    findings.append(check_printer(config, station.printer))
    findings.append(check_camera(config))
    return findings


def describe_pins(factory: object) -> Finding:
    return ok("pin factory", factory_description(factory))  # type: ignore[arg-type]


def hardware_failure(error: HardwareError) -> Finding:
    return fail("hardware", str(error), "see the message; run with --simulate to rehearse")
