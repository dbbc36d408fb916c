"""``village-edge doctor``: the technician's health report."""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from gpiozero import Factory

from camera.probe import probe_camera
from device.clock import read_clock_state
from device.config import Config
from device.runtime import (
    county_client,
    make_pin_factory,
    make_printer,
    open_outbox,
    open_station,
)
from hardware.buzzer import StatusBuzzer
from hardware.errors import HardwareError, PrinterError
from hardware.lamp import StatusLamp
from hardware.lock import SealLock
from hardware.pins import factory_description
from hardware.printer import ReceiptPrinter
from hardware.sensors import LidSensor, PlungerSensor, SleeveSensor
from hardware.station import Station
from sync.client import CountyError
from sync.enrollment import Enrollment
from sync.outbox import OutboxError
from village_edge.report import Finding, fail, ok, warn

MIB = 1024 * 1024
HEALTH_TIMEOUT = (3.0, 5.0)
CLOCK_WARN_SECONDS = 60
CLOCK_FAIL_SECONDS = 300
BACKLOG_WARN_SECONDS = 24 * 3600
BACKLOG_FAIL_SECONDS = 7 * 24 * 3600
FAIL_BELOW = 200 * MIB
WARN_BELOW = 1024 * MIB


def check_config(config: Config) -> Finding:
    mode = "simulated hardware" if config.simulate else "real hardware"
    return ok(
        "config",
        f"{config.source}: device {config.device_id}, role {config.role}, "
        f"{config.village_name} ({config.village_code}), {mode}",
    )


def device_finding(name: str, device: object) -> Finding:
    """What one device reports at rest."""
    if isinstance(device, SealLock):
        if device.duty == 0:
            return ok(name, f"BCM {device.pin}: locked (solenoid off)")
        return fail(name, f"BCM {device.pin}: energised at {device.duty:.0%}",
                    "stop the process driving it; the lock must rest locked")
    if isinstance(device, SleeveSensor):
        line = f"BCM {device.pin}: {device.describe()}"
        if device.is_present:
            return ok(name, line)
        return warn(name, line, "put the seal back, or check the sleeve switch wiring")
    if isinstance(device, PlungerSensor):
        line = f"BCM {device.pin}: {device.describe()}"
        if device.is_pressed:
            return warn(name, line, "the plunger is held down or its switch is stuck")
        return ok(name, line)
    if isinstance(device, LidSensor):
        line = f"BCM {device.pin}: {device.describe()}"
        if device.is_open:
            return warn(name, line, "close the enclosure, or check the lid switch wiring")
        return ok(name, line)
    if isinstance(device, StatusLamp):
        pins = ", ".join(str(p) for p in device.pins)
        return ok(name, f"{device.kind} lamp on BCM {pins}")
    if isinstance(device, StatusBuzzer):
        return ok(name, f"BCM {device.pin}")
    return ok(name, repr(device))


def check_devices(station: Station) -> list[Finding]:
    """Every pin-driven device; the printer is checked on its own."""
    return [
        device_finding(name, device)
        for name, device in station.devices()
        if not isinstance(device, ReceiptPrinter)
    ]


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


def check_pin_factory(config: Config, asked_to_simulate: bool, factory: Factory) -> Finding:
    line = factory_description(factory)
    if config.simulate and not asked_to_simulate and not config.is_embedded_default:
        return warn("pin factory", f"{line} ({config.source} sets simulate = true)",
                    "a real device needs [device] simulate = false")
    return ok("pin factory", line)


def check_printer_of(config: Config) -> Finding:
    """Open the configured printer, ask its status, close it."""
    try:
        printer = make_printer(config)
    except HardwareError as error:
        return fail("printer", str(error), "check the printer's power, cable and [printer]")
    try:
        return check_printer(config, printer)
    finally:
        if printer is not None:
            printer.close()


def check_county(config: Config) -> list[Finding]:
    """Enrollment, reachability and the clock offset to the county."""
    if not config.county_url:
        if config.is_embedded_default:
            return [ok("county", "not set up (development configuration)")]
        return [warn("county", f"no [county] url in {config.source}",
                     "provisioning sets it; events are kept until then")]
    findings = []
    if Enrollment.load(config.state.enrollment) is None:
        findings.append(fail("enrollment", "this device has not enrolled with the county",
                             "village-edge sync enroll --code CODE (the code from the county)"))
    client = county_client(config)
    client.timeout = HEALTH_TIMEOUT
    started = time.time()
    try:
        answer = client.health()
    except CountyError as error:
        findings.append(warn("county", f"{config.county_url} unreachable: {error}",
                             "check the network or mobile signal; events are kept meanwhile"))
        return findings
    finally:
        client.close()
    finished = time.time()
    findings.append(ok("county", f"{config.county_url} answered in "
                                 f"{1000 * (finished - started):.0f} ms"))
    server_time = answer.get("server_time")
    if isinstance(server_time, int | float):
        offset = float(server_time) - (started + finished) / 2
        line = f"{offset:+.1f} s from the county's clock"
        if abs(offset) > CLOCK_FAIL_SECONDS:
            findings.append(fail("clock offset", line, "the county refuses requests from a clock "
                                 "this far off: set the time (NTP) and check the network"))
        elif abs(offset) > CLOCK_WARN_SECONDS:
            findings.append(warn("clock offset", line, "check that NTP is running"))
        else:
            findings.append(ok("clock offset", line))
    return findings


def check_outbox(config: Config) -> list[Finding]:
    """The backlog waiting for the county, and the outbox's space."""
    try:
        with open_outbox(config) as outbox:
            stats = outbox.stats()
    except OutboxError as error:
        return [fail("outbox", str(error), "check the SD card")]
    age = stats.oldest_age_seconds
    line = f"{stats.pending} events waiting" + (
        f", the oldest for {age / 3600:.1f} h" if age is not None else "")
    if age is not None and age > BACKLOG_FAIL_SECONDS:
        findings = [fail("backlog", line, "nothing has reached the county for a week: "
                         "check the network and 'village-edge sync status'")]
    elif age is not None and age > BACKLOG_WARN_SECONDS:
        findings = [warn("backlog", line, "check the network and 'village-edge sync status'")]
    else:
        findings = [ok("backlog", line)]
    percent = stats.used_percent or 0.0
    space = (f"{percent:.0f}% of {(stats.quota_bytes or 0) / MIB:,.0f} MiB used, "
             f"{stats.dropped} telemetry events dropped")
    if percent >= 100:
        findings.append(fail("outbox space", space, "full: new records are refused until "
                             "the backlog reaches the county"))
    elif percent >= 80:
        findings.append(warn("outbox space", space, "the backlog is not draining: check the "
                             "network"))
    else:
        findings.append(ok("outbox space", space))
    if stats.quarantined:
        findings.append(warn("quarantine", f"{stats.quarantined} damaged records set aside in "
                             f"{config.state.outbox / 'quarantine'}",
                             "the SD card may be failing: plan to replace it"))
    return findings


def diagnose(config: Config, *, asked_to_simulate: bool) -> list[Finding]:
    """Every check, in the order a technician works through them."""
    findings = [check_config(config)]
    try:
        factory = make_pin_factory(config)
    except HardwareError as error:
        findings.append(fail("pin factory", str(error)))
    else:
        findings.append(check_pin_factory(config, asked_to_simulate, factory))
        try:
            station = open_station(config, pin_factory=factory, with_printer=False)
        except HardwareError as error:
            findings.append(fail("devices", str(error), "check the wiring and the pins"))
        else:
            with station:
                findings += check_devices(station)
    findings.append(check_printer_of(config))
    findings.append(check_camera(config))
    findings.append(check_state_dir(config.state_dir))
    findings.append(check_clock())
    findings += check_outbox(config)
    findings += check_county(config)
    return findings
