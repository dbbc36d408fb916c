"""The device's configuration: one TOML file, checked whole before anything
starts.

:func:`load_config` reads the file (or the built-in development default),
checks every key, and returns a :class:`Config` made of the settings objects
that the hardware layer and later parts take. Any problem raises
:class:`ConfigError` listing all of them; nothing has been started by then.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from camera.probe import CameraSettings
from device.errors import DeviceError
from device.schema import (
    Key,
    Problems,
    Schema,
    Table,
    TableArray,
    check_document,
    not_blank,
    one_of,
    section,
    village_code,
    within,
)
from device.state import DEVICE_STATE_DIR, DeviceState
from hardware.lock_timing import (
    HOLD_DUTY_MAX,
    HOLD_DUTY_MIN,
    MAX_ON_LIMIT_SECONDS,
    PULL_IN_MAX_SECONDS,
    PULL_IN_MIN_SECONDS,
    PWM_HZ_MAX,
    PWM_HZ_MIN,
    LockTiming,
)
from hardware.pin_numbers import HEADER_BCM_PINS, PULLED_LOW_AT_BOOT, REAL_FACTORIES
from hardware.printer.settings import PrinterSettings
from hardware.station_spec import SlotSpec, StationSpec
from kiosk.viewmodels.sizes import DEFAULT_DIAGONAL_INCHES
from protocol.api import DEVICE_ID
from sync.settings import SyncSettings

DEFAULT_CONFIG_PATH = Path("/etc/village-edge/config.toml")
EMBEDDED_NAME = "default-config.toml"

Role = Literal["kiosk", "seal", "all"]
ROLES_WITH_SLOTS = ("seal", "all")
MAX_SLOTS = 3
MIB = 1024 * 1024
#: The printer connection of a device whose file has no [printer] table.
NO_PRINTER = "none"
#: What a simulated device keeps of a real printer's keys: how receipts look.
PRINTER_OUTPUT_KEYS = ("paper_mm", "chinese", "font_path")
#: The shortest maximum on-time a technician may configure: long enough for a
#: custodian to take the seal out (shorter ones are for tests of the lock).
MAX_ON_MIN_SECONDS = 1


class ConfigError(DeviceError, ValueError):
    """The configuration cannot be used; :attr:`problems` lists why."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


def _device_id(value: str) -> str | None:
    if not DEVICE_ID.fullmatch(value):
        return (
            "expected 3 to 40 lower-case letters, digits and '-', starting with a letter "
            f"or digit, found {value!r}"
        )
    return None




def _slot_name(value: str) -> str | None:
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,19}", value):
        return f"expected a short name of lower-case letters, digits and '_', found {value!r}"
    return None


def _pin(value: int) -> str | None:
    if value not in HEADER_BCM_PINS:
        return (
            f"expected a BCM GPIO number from 2 to 27 on the 40-pin header, found {value!r} "
            "(GPIO 0 and 1 are kept for HAT identification)"
        )
    return None


def _lamp_pins(value: list[int]) -> str | None:
    if len(value) != 3:
        return f"expected three BCM pin numbers, found {len(value)}"
    for pin in value:
        if complaint := _pin(pin):
            return complaint
    return None


def _usb_id(value: int) -> str | None:
    return None if 0 <= value <= 0xFFFF else f"expected 0 to 0xFFFF, found {value!r}"


def _matters(value: list[str]) -> str | None:
    if not value or any(not item.strip() for item in value):
        return "expected at least one matter, none of them empty"
    if len(set(value)) != len(value):
        return "a matter is listed twice"
    return None


def _county_url(value: str) -> str | None:
    if value == "":
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"expected an address such as https://county.example.cn, found {value!r}"
    return None


def _county_key(value: str) -> str | None:
    if value == "":
        return None
    from protocol.signing import SignatureError, public_key_from_text  # only for a key given

    try:
        public_key_from_text(value)
    except SignatureError as error:
        return f"not a county public key ({error}); copy it from 'village-edge county key'"
    return None


PIN = Key(int, "a BCM pin number", required=True, check=_pin)
SECONDS = (int, float)

#: Every key of config.toml with its default, the one place a default is
#: stated. Where a lower layer's settings class already fixes a value (the
#: lock's timing, the printer's port) the key takes that class's default, so
#: the value is written once. docs/config.example.toml shows every default.
SCHEMA: Schema = {
    "device": Table(
        {
            "id": Key(str, "the device id", required=True, check=_device_id),
            "role": Key(str, "'kiosk', 'seal' or 'all'", required=True,
                        check=one_of("kiosk", "seal", "all")),
            "simulate": Key(bool, "true or false", default=False),
        },
        required=True,
    ),
    "village": Table(
        {
            "code": Key(str, "the 12-digit village code", required=True, check=village_code),
            "name": Key(str, "the village's name", required=True, check=not_blank),
        },
        required=True,
    ),
    "paths": Table({"state_dir": Key(str, "a directory path", check=not_blank,
                                     default=str(DEVICE_STATE_DIR))}),
    "gpio": Table(
        {"pin_factory": Key(str, "'' (automatic) or a gpiozero factory name",
                            check=one_of("", *REAL_FACTORIES), default="")}
    ),
    "lock": Table(
        {
            "pull_in_seconds": Key(
                SECONDS, "seconds",
                check=within(PULL_IN_MIN_SECONDS, PULL_IN_MAX_SECONDS, " s"),
                default=LockTiming.pull_in_seconds),
            "hold_duty": Key(SECONDS, f"a duty from {HOLD_DUTY_MIN:g} to {HOLD_DUTY_MAX:g}",
                             check=within(HOLD_DUTY_MIN, HOLD_DUTY_MAX),
                             default=LockTiming.hold_duty),
            "max_on_seconds": Key(SECONDS, "seconds",
                                  check=within(MAX_ON_MIN_SECONDS, MAX_ON_LIMIT_SECONDS, " s"),
                                  default=LockTiming.max_on_seconds),
            "pwm_hz": Key(int, "a PWM frequency in Hz",
                          check=within(PWM_HZ_MIN, PWM_HZ_MAX, " Hz"),
                          default=LockTiming.pwm_hz),
        }
    ),
    "sensors": Table({"settle_seconds": Key(SECONDS, "seconds", check=within(0, 2, " s"),
                                            default=StationSpec.settle_seconds)}),
    "lamp": Table(
        {
            "kind": Key(str, "'rgb' or 'tower'", check=one_of("rgb", "tower"),
                        default=StationSpec.lamp_kind),
            "pins": Key(list, "a list of three BCM pin numbers", required=True,
                        check=_lamp_pins, items=int),
        }
    ),
    "buzzer": Table({"pin": PIN}),
    "lid": Table({"pin": PIN}),
    "slots": TableArray(
        {
            "name": Key(str, "a short slot name such as 'committee'", required=True,
                        check=_slot_name),
            "label": Key(str, "the seal's name in Chinese", required=True, check=not_blank),
            "lock": PIN,
            "sleeve": PIN,
            "plunger": PIN,
        }
    ),
    "printer": Table(
        {
            "connection": Key(str, "'usb', 'serial', 'network', 'file' or 'none'",
                              required=True,
                              check=one_of("usb", "serial", "network", "file", "none")),
            "usb_vendor": Key(int, "a USB vendor id such as 0x0416", check=_usb_id),
            "usb_product": Key(int, "a USB product id such as 0x5011", check=_usb_id),
            "serial_device": Key(str, "a device path such as /dev/ttyUSB0", check=not_blank),
            "baudrate": Key(int, "a baud rate",
                            check=one_of(2400, 4800, 9600, 19200, 38400, 57600, 115200),
                            default=PrinterSettings.baudrate),
            "host": Key(str, "the printer's host name or address", check=not_blank),
            "port": Key(int, "a TCP port", check=within(1, 65535),
                        default=PrinterSettings.port),
            "file_path": Key(str, "a file path", check=not_blank),
            "paper_mm": Key(int, "58 or 80", check=one_of(58, 80),
                            default=PrinterSettings.paper_mm),
            "chinese": Key(str, "'gb18030' or 'raster'", check=one_of("gb18030", "raster"),
                           default=PrinterSettings.chinese),
            "font_path": Key(str, "a font file path (empty: the known Chinese fonts)",
                             default=PrinterSettings.font_path),
        }
    ),
    "camera": Table(
        {
            # No camera unless the file says so: a device without one still starts.
            "enabled": Key(bool, "true or false", default=False),
            "backend": Key(str, "'picamera2' or 'simulated'",
                           check=one_of("picamera2", "simulated"),
                           default=CameraSettings.backend),
        }
    ),
    "kiosk": Table(
        {
            # The touchscreen's physical size: text and touch targets are
            # sized in dp (1/160 inch) from it, to meet the age-friendly rules.
            "display_inches": Key(SECONDS, "the display's diagonal in inches, e.g. 7 or 21.5",
                                  check=within(3, 100, " in"),
                                  default=DEFAULT_DIAGONAL_INCHES),
        }
    ),
    "county": Table(
        {
            "url": Key(str, "the county server's address, https://... (empty: not set up yet)",
                       check=_county_url, default=""),
            "public_key": Key(str, "the county's public key (village-edge county key prints it)",
                              check=_county_key, default=""),
        }
    ),
    "sync": Table(
        {
            "quota_mb": Key(int, "megabytes the outbox may use", check=within(4, 1_000_000),
                            default=1024),
            "batch_events": Key(int, "events per upload", check=within(1, 1000),
                                default=SyncSettings.batch_events),
            "interval_seconds": Key(SECONDS, "seconds between rounds",
                                    check=within(1, 86_400, " s"),
                                    default=SyncSettings.interval_seconds),
        }
    ),
    "seal": Table(
        {
            # What a village seal is commonly used for (the smart-seal pilots
            # listed 176 kinds of matter; a county configures its own list).
            "matters": Key(list, "a list of the matters a seal is used for, in Chinese",
                           check=_matters, items=str,
                           default=["出具证明", "合同签订", "财务报销", "村务公开", "对外公函",
                                    "其他"]),
            "return_seconds": Key(SECONDS, "seconds to put a seal back after a session",
                                  check=within(10, 3600, " s"), default=60),
            "panel": Key(bool, "true to show the custodian's panel on the display",
                         default=False),
        }
    ),
}


@dataclass(frozen=True)
class Config:
    """Everything a device needs to start, already checked."""

    source: str  # the file read, or "built-in development default"
    device_id: str
    role: Role
    simulate: bool
    village_code: str
    village_name: str
    state_dir: Path
    pin_factory: str | None
    station: StationSpec
    printer: PrinterSettings
    camera: CameraSettings
    kiosk_display_inches: float
    county_url: str
    county_public_key: str
    sync: SyncSettings
    outbox_quota_bytes: int
    seal_matters: tuple[str, ...]
    seal_return_seconds: float
    seal_panel: bool

    @property
    def state(self) -> DeviceState:
        """Every path under :attr:`state_dir`."""
        return DeviceState(self.state_dir)

    @property
    def is_embedded_default(self) -> bool:
        return self.source == EMBEDDED_SOURCE


EMBEDDED_SOURCE = "built-in development default"


def embedded_default_text() -> str:
    from importlib import resources  # only here: it costs every start of every command

    return resources.files("device").joinpath(EMBEDDED_NAME).read_text("utf-8")


def load_config(
    path: Path | None,
    *,
    home: Path,
    simulate: bool = False,
) -> Config:
    """Read and check the file at *path*, or the embedded default when *path*
    is None. *simulate* forces simulated hardware whatever the file says.
    *home* is where ``~`` in paths points."""
    if path is None:
        source, text = EMBEDDED_SOURCE, embedded_default_text()
    else:
        source = str(path)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise ConfigError([f"{source}: no such file"]) from None
        except OSError as error:
            raise ConfigError([f"{source}: cannot be read ({error.strerror})"]) from None
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise ConfigError(
                [f"{source}: not UTF-8 text (byte {error.start}); save the file as UTF-8"]
            ) from None
    return parse_config(text, source=source, home=home, simulate=simulate)


def parse_config(text: str, *, source: str, home: Path, simulate: bool = False) -> Config:
    problems = Problems(source)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError([f"{source}: not valid TOML: {error}"]) from None
    check_document(data, SCHEMA, problems)
    if not problems.items:
        _check_combinations(data, problems)
    if problems.items:
        raise ConfigError(problems.items)
    return _build(data, source=source, home=home, simulate=simulate)


def _check_combinations(data: dict[str, Any], problems: Problems) -> None:
    """What single keys cannot tell: pins used twice, missing devices."""
    role = data["device"]["role"]
    slots = data.get("slots", [])
    if role in ROLES_WITH_SLOTS and not slots:
        problems.add("[[slots]]", f"role {role!r} needs at least one [[slots]] table (a seal)")
    if role == "kiosk" and slots:
        problems.add("[[slots]]", "a kiosk has no seal slots; remove them or set role = 'seal'")
    if len(slots) > MAX_SLOTS:
        problems.add("[[slots]]", f"a station holds at most {MAX_SLOTS} seals, found {len(slots)}")
    names = [slot["name"] for slot in slots]
    for name in sorted({n for n in names if names.count(n) > 1}):
        problems.add("[[slots]] name", f"{name!r} is used by more than one slot")
    for index, slot in enumerate(slots, start=1):
        if slot["lock"] not in PULLED_LOW_AT_BOOT:
            problems.add(
                f"[[slots]] #{index} lock",
                f"BCM {slot['lock']} is pulled high while the Pi boots, which would "
                "energise the solenoid and open the seal; use one of BCM 9 to 27",
            )
    try:
        spec = _station_spec(data)
    except ValueError as error:  # LockTiming's own cross-checks
        problems.add("[lock]", str(error))
        return
    users: dict[int, str] = {}
    for device, pin in spec.pin_uses():
        if pin in users:
            problems.add("pins", f"BCM {pin} is used by both {users[pin]} and {device}")
        else:
            users[pin] = device
    printer: dict[str, Any] = data.get("printer", {})
    needs = {
        "usb": ("usb_vendor", "usb_product"),
        "serial": ("serial_device",),
        "network": ("host",),
        "file": ("file_path",),
    }
    for key in needs.get(printer.get("connection", NO_PRINTER), ()):
        if key not in printer:
            problems.add(
                f"[printer] {key}", f"missing; connection = {printer['connection']!r} needs it"
            )


def _pin_of(data: dict[str, Any], table: str) -> int | None:
    """The pin of an optional one-pin device; None when its table is left out."""
    return data[table]["pin"] if table in data else None


def _station_spec(data: dict[str, Any]) -> StationSpec:
    lock = section(data, SCHEMA, "lock")
    lamp = section(data, SCHEMA, "lamp")
    return StationSpec(
        slots=tuple(
            SlotSpec(s["name"], s["label"], s["lock"], s["sleeve"], s["plunger"])
            for s in data.get("slots", [])
        ),
        lid=_pin_of(data, "lid"),
        lamp=tuple(lamp["pins"]) if "pins" in lamp else None,
        lamp_kind=lamp["kind"],
        buzzer=_pin_of(data, "buzzer"),
        lock_timing=LockTiming(
            pull_in_seconds=float(lock["pull_in_seconds"]),
            hold_duty=float(lock["hold_duty"]),
            max_on_seconds=float(lock["max_on_seconds"]),
            pwm_hz=lock["pwm_hz"],
        ),
        settle_seconds=float(section(data, SCHEMA, "sensors")["settle_seconds"]),
    )


def _expand(path: str, home: Path) -> Path:
    if path == "~" or path.startswith("~/"):
        return home / path[2:]
    return Path(path)


def _printer(data: dict[str, Any], *, simulated: bool, state_dir: Path,
             home: Path) -> PrinterSettings:
    printer = section(data, SCHEMA, "printer")
    if "printer" not in data:
        printer["connection"] = NO_PRINTER
    elif simulated and printer["connection"] not in ("file", NO_PRINTER):
        # A simulated device never talks to a real printer: its receipts go to a file.
        printer = {k: v for k, v in printer.items() if k in PRINTER_OUTPUT_KEYS}
        printer.update(connection="file",
                       file_path=str(DeviceState(state_dir).simulated_printer))
    if printer["connection"] == "file":
        file_path = _expand(printer["file_path"], home)
        printer["file_path"] = str(file_path if file_path.is_absolute() else state_dir / file_path)
    return PrinterSettings(**printer)


def _build(data: dict[str, Any], *, source: str, home: Path, simulate: bool) -> Config:
    device = section(data, SCHEMA, "device")
    simulated = simulate or device["simulate"]
    state_dir = _expand(section(data, SCHEMA, "paths")["state_dir"], home)
    camera = section(data, SCHEMA, "camera")
    county = section(data, SCHEMA, "county")
    sync = section(data, SCHEMA, "sync")
    seal = section(data, SCHEMA, "seal")
    return Config(
        source=source,
        device_id=device["id"],
        role=device["role"],
        simulate=simulated,
        village_code=data["village"]["code"],
        village_name=data["village"]["name"],
        state_dir=state_dir,
        pin_factory=section(data, SCHEMA, "gpio")["pin_factory"] or None,
        station=_station_spec(data),
        printer=_printer(data, simulated=simulated, state_dir=state_dir, home=home),
        camera=CameraSettings(
            enabled=camera["enabled"],
            backend="simulated" if simulated else camera["backend"],
        ),
        kiosk_display_inches=float(section(data, SCHEMA, "kiosk")["display_inches"]),
        county_url=county["url"],
        county_public_key=county["public_key"],
        sync=SyncSettings(
            batch_events=sync["batch_events"],
            interval_seconds=float(sync["interval_seconds"]),
        ),
        outbox_quota_bytes=sync["quota_mb"] * MIB,
        seal_matters=tuple(seal["matters"]),
        seal_return_seconds=float(seal["return_seconds"]),
        seal_panel=seal["panel"],
    )
