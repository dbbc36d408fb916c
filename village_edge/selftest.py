"""``village-edge hw selftest``: exercise every device once, one line each.

On a real station this really moves the locks: each is pulled in, held and
locked again within about a second, too short to take a seal out.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from device.config import Config
from hardware.errors import PrinterError
from hardware.lock import SealLock
from hardware.patterns import Signal
from hardware.printer import sample_test_receipt
from hardware.sensors import DebouncedSwitch
from hardware.station import Station
from village_edge.doctor import device_finding
from village_edge.report import Finding, fail, ok

LOCK_PULSE_SECONDS = 0.8
SIGNAL_SECONDS = 0.6
SHOWN_SIGNALS = (Signal.IDLE, Signal.WAITING, Signal.UNLOCKED, Signal.ALARM)

Level = Callable[[int], float]


def cycle_lock(name: str, lock: SealLock, level: Level | None) -> Finding:
    """Pull in, hold, lock; check each stage on the pin where it can be read."""
    hold = lock.timing.hold_duty
    pulse = max(LOCK_PULSE_SECONDS, lock.timing.pull_in_seconds + 0.3)
    seen: list[float] = []
    lock.unlock(pulse)
    seen.append(lock.duty)
    time.sleep(lock.timing.pull_in_seconds + 0.1)
    seen.append(lock.duty)
    if not lock.wait_locked(timeout=pulse + 5):
        lock.lock()
        return fail(name, f"BCM {lock.pin}: did not re-lock by itself", "replace the device")
    seen.append(lock.duty)
    if level is not None and level(lock.pin) != 0:
        return fail(name, f"BCM {lock.pin}: pin still high after locking", "check the driver")
    if seen != [1.0, hold, 0.0]:
        stages = ", ".join(f"{d:.0%}" for d in seen)
        return fail(name, f"BCM {lock.pin}: drove {stages}, expected 100%, {hold:.0%}, 0%",
                    "check [lock] in the config")
    return ok(name, f"BCM {lock.pin}: pulled in at 100%, held at {hold:.0%}, locked again")


def cycle_signals(station: Station) -> list[Finding]:
    findings = []
    shown = ", ".join(s.value for s in SHOWN_SIGNALS)
    for signal in SHOWN_SIGNALS:
        station.signal(signal)
        time.sleep(SIGNAL_SECONDS)
    station.signal(Signal.IDLE)
    if station.lamp is not None:
        findings.append(ok("lamp", f"showed {shown}; check by eye"))
    if station.buzzer is not None:
        findings.append(ok("buzzer", f"sounded {shown}; check by ear"))
    return findings


def print_test_receipt(config: Config, station: Station, preview_dir: Path) -> Finding:
    if station.printer is None:
        return ok("printer", "no printer configured for this device")
    receipt = sample_test_receipt(config.device_id, config.village_name, datetime.now())
    try:
        station.printer.print(receipt)
    except PrinterError as error:
        return fail("printer", str(error), "check power, cable and paper, then run again")
    preview = station.printer.save_preview(receipt, preview_dir / "selftest-receipt.png")
    where = (f" to {config.printer.file_path}" if config.printer.connection == "file" else "")
    return ok("printer", f"test receipt printed{where}; preview {preview}")


def run_selftest(config: Config, station: Station, level: Level | None) -> list[Finding]:
    findings = []
    for name, device in station.devices():
        if isinstance(device, SealLock):
            findings.append(cycle_lock(name, device, level))
        elif isinstance(device, DebouncedSwitch):
            findings.append(device_finding(name, device))
    findings += cycle_signals(station)
    findings.append(print_test_receipt(config, station, config.state_dir))
    return findings
