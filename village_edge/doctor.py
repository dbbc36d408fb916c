"""``village-edge doctor``: the technician's health report.

The doctor observes and changes nothing: it makes no directory or file
(not even the state directory), opens the outbox read-only
(:func:`sync.outbox.peek_stats`), tells whether the state directory can be
written from its owner and mode rather than by writing there, does not open
a printer that is a file, and asks the county's health without the
device's key. Run as root on a device, it leaves nothing behind that the
service user could not write.
"""

from __future__ import annotations

import grp
import os
import pwd
import stat
import subprocess
import time
from pathlib import Path

from gpiozero import Factory

from camera.probe import probe_camera
from device.clock import read_clock_state
from device.config import Config
from device.runtime import make_pin_factory, make_printer, simulated_world
from hardware.buzzer import StatusBuzzer
from hardware.errors import HardwareError, PinBusyError, PrinterError
from hardware.lamp import StatusLamp
from hardware.lock import SealLock
from hardware.pins import factory_description
from hardware.printer import ReceiptPrinter
from hardware.sensors import LidSensor, PlungerSensor, SleeveSensor
from hardware.station import Station
from protocol.signing import new_private_key
from provision.services import SEAL_UNIT
from sync.client import CountyClient, CountyError
from sync.enrollment import Enrollment, EnrollmentError
from sync.outbox import OutboxError, peek_stats
from village_edge.report import Finding, fail, ok, warn

MIB = 1024 * 1024
HEALTH_TIMEOUT = (3.0, 5.0)
CLOCK_WARN_SECONDS = 60
CLOCK_FAIL_SECONDS = 300
BACKLOG_WARN_SECONDS = 24 * 3600
BACKLOG_FAIL_SECONDS = 7 * 24 * 3600
SYSTEMD_TIMEOUT = 15.0  # seconds for systemctl to say whether the station runs
FAIL_BELOW = 200 * MIB
WARN_BELOW = 1024 * MIB
#: The user the services run as (setup.sh makes it; the units' User=).
SERVICE_USER = "village-edge"


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


def service_user(config: Config) -> pwd.struct_passwd | None:
    """Who must be able to write the state directory: the service user on a
    device that has one; None where this user runs everything (a
    development machine, the built-in configuration)."""
    if config.is_embedded_default:
        return None
    try:
        return pwd.getpwnam(SERVICE_USER)
    except KeyError:
        return None


def check_state_dir(config: Config, user: pwd.struct_passwd | None) -> Finding:
    """Can the state directory be written by *user* (None: by this process),
    is it theirs, and is there room?"""
    name = "state directory"
    state_dir = config.state_dir
    try:
        info: os.stat_result | None = state_dir.stat()
    except FileNotFoundError:
        info = None
    except OSError as error:
        return fail(name, f"{state_dir}: cannot be reached ({error.strerror})",
                    "check the owner and mode of the directories above it")
    group = grp.getgrgid(user.pw_gid).gr_name if user else ""
    owner = f"{user.pw_name}:{group}" if user else ""
    make = (f"sudo install -d -o {user.pw_name} -g {group} -m 0750 {state_dir}"
            if user else f"mkdir -p {state_dir}")
    if info is None:
        where = _existing_ancestor(state_dir)
        line = f"{state_dir}: not made yet ({_free(where)})"
        if user is not None:  # systemd's StateDirectory= would make it, as root
            return warn(name, line, f"setup.sh makes it: {make}")
        if not where.is_dir() or not _writable(where, None):
            return fail(name, f"{line}; {where} is not writable", f"make it: {make}")
        return ok(name, f"{line}; it is made on first use")
    if not stat.S_ISDIR(info.st_mode):
        return fail(name, f"{state_dir}: not a directory", "move the file away; "
                    "[paths] state_dir must name a directory")
    if os.statvfs(state_dir).f_flag & os.ST_RDONLY:
        return fail(name, f"{state_dir}: on a read-only file system",
                    "the SD card was remounted read-only after errors: check or replace it")
    if user is not None:
        strangers = _not_owned_by(state_dir, user.pw_uid)
        if strangers:
            return fail(name, f"{state_dir}: {', '.join(strangers)} not owned by "
                        f"{user.pw_name}, who runs the services",
                        f"sudo chown -R {owner} {state_dir}")
    if not _writable(state_dir, user):
        who = user.pw_name if user else "this user"
        return fail(name, f"{state_dir}: not writable by {who} (owner uid {info.st_uid}, "
                    f"mode {stat.S_IMODE(info.st_mode):o})",
                    f"sudo chown -R {owner} {state_dir}" if user
                    else "check the directory's owner and mode")
    free = os.statvfs(state_dir)
    available = free.f_bavail * free.f_frsize
    line = f"{state_dir}: {available / MIB:,.0f} MiB free"
    if available < FAIL_BELOW:
        return fail(name, line, "free space now: records can no longer be kept safely")
    if available < WARN_BELOW:
        return warn(name, line, "free some space or fit a larger SD card soon")
    return ok(name, line)


def _existing_ancestor(path: Path) -> Path:
    for parent in path.absolute().parents:
        if os.path.lexists(parent):
            return parent
    return Path("/")


def _free(where: Path) -> str:
    try:
        free = os.statvfs(where)
    except OSError:
        return "free space unknown"
    return f"{free.f_bavail * free.f_frsize / MIB:,.0f} MiB free"


def _writable(directory: Path, user: pwd.struct_passwd | None) -> bool:
    """Whether *user* (None: this process) may make files in *directory*,
    read from its owner and mode."""
    if user is None:
        return os.access(directory, os.W_OK | os.X_OK)
    info = directory.stat()
    mode = stat.S_IMODE(info.st_mode)
    if user.pw_uid == 0:
        return True
    if info.st_uid == user.pw_uid:
        return mode & 0o300 == 0o300
    groups = {user.pw_gid} | {g.gr_gid for g in grp.getgrall() if user.pw_name in g.gr_mem}
    if info.st_gid in groups:
        return mode & 0o030 == 0o030
    return mode & 0o003 == 0o003


def _not_owned_by(state_dir: Path, uid: int) -> list[str]:
    """The state directory and what is directly in it, when not *uid*'s."""
    found = [] if state_dir.stat().st_uid == uid else ["the directory"]
    try:
        with os.scandir(state_dir) as entries:
            found += sorted(e.name for e in entries
                            if e.stat(follow_symlinks=False).st_uid != uid)
    except OSError:
        pass
    return found[:5] + (["..."] if len(found) > 5 else [])


def check_clock() -> Finding:
    state = read_clock_state()
    if state.synchronised:
        return ok("clock", state.detail)
    return warn("clock", state.detail,
                "check the network and that systemd-timesyncd or chrony is running")


def station_running() -> Finding | None:
    """The devices' finding when the seal station may be running, without
    opening a line: its lines are its own (with some pin libraries, opening
    them again would turn its outputs into inputs under it). None when
    systemd says it is not running: the doctor may test them."""
    try:
        ran = subprocess.run(["systemctl", "is-active", "--quiet", SEAL_UNIT],
                             timeout=SYSTEMD_TIMEOUT, check=False, capture_output=True)
    except FileNotFoundError:
        return None  # no systemd here: nothing runs the station as a service
    except (OSError, subprocess.TimeoutExpired) as error:
        return warn("devices", f"not opened: systemd did not say whether {SEAL_UNIT} runs "
                               f"({error})", f"run 'systemctl status {SEAL_UNIT}', then again")
    if ran.returncode == 0:
        return ok("devices", f"held by the running seal station ({SEAL_UNIT}); not opened "
                             f"(stop it with 'systemctl stop {SEAL_UNIT}' to test them)")
    return None


def check_held_lines(error: PinBusyError) -> Finding:
    """The station's lines are held by another process while the station
    itself is not running."""
    return fail("devices", str(error), f"{SEAL_UNIT} is not running: stop what holds the lines")


def check_pin_factory(config: Config, asked_to_simulate: bool, factory: Factory) -> Finding:
    line = factory_description(factory)
    if config.simulate and not asked_to_simulate and not config.is_embedded_default:
        return warn("pin factory", f"{line} ({config.source} sets simulate = true)",
                    "a real device needs [device] simulate = false")
    return ok("pin factory", line)


def check_printer_of(config: Config) -> Finding:
    """Open the configured printer, ask its status, close it. A printer that
    is a file (simulated) is only looked at: opening it would make it."""
    if config.printer.connection == "file":
        path = Path(config.printer.file_path or "")
        made = f"{path.stat().st_size:,} bytes printed" if path.is_file() else "nothing yet"
        return ok("printer", f"simulated: receipts go to {path} ({made})")
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
    try:
        enrollment = Enrollment.load(config.state.enrollment)
    except (EnrollmentError, OSError) as error:
        findings.append(fail("enrollment", str(error),
                             "village-edge sync enroll --code CODE (the code from the county)"))
    else:
        if enrollment is None:
            findings.append(fail("enrollment", "this device has not enrolled with the county",
                                 "village-edge sync enroll --code CODE (the code from the "
                                 "county)"))
    # The health question is not signed: a key made for it and forgotten, so
    # that the device's own key is neither read nor made here.
    client = CountyClient(config.county_url, config.device_id, new_private_key(),
                          config.county_public_key, timeout=HEALTH_TIMEOUT)
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
    """The backlog waiting for the county, and the outbox's space (read-only)."""
    try:
        stats = peek_stats(config.state.outbox, quota_bytes=config.outbox_quota_bytes)
    except (OutboxError, OSError) as error:
        return [fail("outbox", str(error), "check the SD card and the directory's owner")]
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
        findings += check_station_devices(config, factory)
    findings.append(check_printer_of(config))
    findings.append(check_camera(config))
    findings.append(check_state_dir(config, service_user(config)))
    findings.append(check_clock())
    findings += check_outbox(config)
    findings += check_county(config)
    return findings


def check_station_devices(config: Config, factory: Factory) -> list[Finding]:
    """Every pin device, opened and read, unless the running station holds them."""
    running = None if config.simulate else station_running()
    if running is not None:
        return [running]
    try:
        station = Station.build(config.station, pin_factory=factory)
    except PinBusyError as error:
        return [check_held_lines(error)]
    except HardwareError as error:
        return [fail("devices", str(error), "check the wiring and the pins")]
    with station:
        world = simulated_world(config, station)
        if world is not None:
            world.settle_normal(station)
        return check_devices(station)
