"""Commissioning: from the boot file to an enrolled, configured device.

:func:`commission` does, in this order, stopping at the first failure:

1. read and check the boot file (every problem named by section and key);
2. make the device configuration from the template and check it;
3. enroll with the county, pinning its key by the boot file's fingerprint
   (skipped when this device already enrolled there with that key): the
   one-time code is shown only to a server that has first proved it holds
   that key, so a mistyped fingerprint or address never uses it up;
4. write ``config.toml`` (and, on a kiosk, ``kiosk.env``; with ``[wifi]``, a
   NetworkManager profile), each atomically and only if it changed;
5. empty the used enrollment code in the boot file;
6. print the commissioning slip (:mod:`provision.slip`), commissioned or
   not, when it has something new to say.

Nothing is written before enrollment succeeded except the device's own key
(which the county must see twice if a power cut interrupts the first try), so
a refused code or a wrong fingerprint leaves the device as it was. The
outcome is kept in ``commissioning.json`` in the state directory, where the
kiosk and the seal station can show it.
"""

from __future__ import annotations

import errno
import json
import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from device.config import Config, ConfigError, parse_config
from device.state import DeviceState
from durable.atomic import atomic_write
from hardware.printer import Receipt
from protocol.signing import SignatureError, key_fingerprint, public_key_text
from provision import slip
from provision.bootfile import BootConfig, BootFileError, read_boot_file
from provision.device_config import TemplateError, render
from provision.display import kiosk_env
from provision.errors import ProvisionError
from provision.used_code import remove_code
from provision.wifi import FILE_NAME, nm_keyfile
from sync.client import CountyClient, CountyRefused, CountyUnreachable
from sync.enrollment import CountyKeyMismatch, Enrollment, EnrollmentError, enroll
from sync.identity import load_or_create_device_key

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_SOFTWARE = 70  # the installed template or state is broken: not the technician's doing
EXIT_CANT_CREATE = 73  # a file to write is in the way or not writable (EX_CANTCREAT)
EXIT_IO = 74  # the disk is read-only, full or failing (EX_IOERR)
EXIT_UNREACHABLE = 75  # try again later (EX_TEMPFAIL); the unit retries every minute
EXIT_BOOT_FILE = 78  # the boot file must be fixed (EX_CONFIG); the unit waits

SLIP_REASON_CHARS = 200  # of why the slip was not printed, in the summary

ClientFactory = Callable[[Config], CountyClient]


@dataclass(frozen=True)
class Paths:
    """Where commissioning reads and writes."""

    boot_file: Path
    template: Path
    config_out: Path
    state_dir: Path
    kiosk_env: Path
    wifi_dir: Path

    @property
    def state(self) -> DeviceState:
        return DeviceState(self.state_dir)


@dataclass
class Outcome:
    """What happened, for the summary, the status file and the exit code."""

    exit_code: int
    problems: list[str] = field(default_factory=list)
    problem: str = ""  # what stands in the way, one of provision.slip's kinds
    summary: dict[str, str] = field(default_factory=dict)
    actions: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.exit_code == EXIT_OK


class Failed(ProvisionError):
    """Commissioning stopped: *exit_code*, what stands in the way (*kind*,
    one of :mod:`provision.slip`'s) and every problem."""

    def __init__(self, exit_code: int, *problems: str, kind: str) -> None:
        super().__init__("\n".join(problems))
        self.exit_code = exit_code
        self.kind = kind
        self.problems = list(problems)


class SlipPrinter(Protocol):
    def print_slip(self, receipt: Receipt) -> None:
        """Print *receipt*, or raise saying why not."""


def commission(
    paths: Paths,
    *,
    dry_run: bool = False,
    client_factory: ClientFactory | None = None,
    clock: Callable[[], float] = time.time,
    printer: SlipPrinter | None = None,
    slip_always: bool = False,
) -> Outcome:
    """Commission this device from *paths.boot_file*; never raises for bad
    input, the :class:`Outcome` says what is wrong. With a *printer*, the
    commissioning slip is printed when it has something new to say (or
    *slip_always*); a printer that fails never fails commissioning."""
    outcome = Outcome(EXIT_OK)
    try:
        _commission(paths, outcome, dry_run=dry_run, clock=clock,
                    client_factory=client_factory or _county_client)
    except Failed as failure:
        outcome.exit_code = failure.exit_code
        outcome.problem = failure.kind
        outcome.problems = failure.problems
    if not dry_run:
        printed = _last_slip(paths)
        if printer is not None:
            printed = _offer_slip(outcome, printer, printed, clock(), always=slip_always)
        _save_status(paths, outcome, clock(), printed)
    return outcome


def _offer_slip(outcome: Outcome, printer: SlipPrinter, printed: str | None, now: float,
                *, always: bool) -> str | None:
    """Print the slip unless the last one printed said the same; the key of
    the last slip printed."""
    key = slip.slip_key(outcome)
    if key == printed and not always:
        return printed
    try:
        printer.print_slip(slip.commissioning_slip(outcome, datetime.fromtimestamp(now)))
    except Exception as error:  # whatever the printer does, commissioning stands
        log.info("the commissioning slip was not printed: %s", error)
        reason = " ".join(str(error).split())
        if len(reason) > SLIP_REASON_CHARS:
            reason = reason[:SLIP_REASON_CHARS] + "..."
        outcome.actions.append(f"the commissioning slip was not printed: {reason}; it is "
                               "tried again at the next run")
        return printed
    outcome.actions.append("printed the commissioning slip")
    return key


def _last_slip(paths: Paths) -> str | None:
    """The key of the last slip printed, from the status file."""
    try:
        document = json.loads(paths.state.commissioning.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    key = document.get("slip_printed") if isinstance(document, dict) else None
    return key if isinstance(key, str) else None


def _county_client(config: Config) -> CountyClient:
    from device.runtime import county_client

    return county_client(config)


def _commission(
    paths: Paths, outcome: Outcome, *, dry_run: bool, clock: Callable[[], float],
    client_factory: ClientFactory,
) -> None:
    try:
        boot = read_boot_file(paths.boot_file)
    except BootFileError as error:
        raise Failed(EXIT_BOOT_FILE, *error.problems, kind=slip.BOOT_FILE) from None
    template = _read_template(paths.template)
    known = _already_enrolled(paths, boot)
    pinned = known.county_public_key if known else boot.county_public_key
    config = _device_config(template, boot, paths, pinned)
    outcome.summary = {
        "device": boot.device_id, "village": f"{boot.village_name} ({boot.village_code})",
        "role": boot.role, "county": boot.county_url, "county key": boot.key_fingerprint,
    }
    if dry_run:
        _plan(paths, boot, known, outcome)
        return
    if known is None:
        if not boot.enroll_code:
            raise Failed(EXIT_BOOT_FILE, f"{boot.source}: [county] enroll_code: missing; this "
                         "device has not enrolled yet: ask the county operator for a code "
                         f"('village-edge county enroll-code --device {boot.device_id} "
                         f"--role {boot.role}')",
                         kind=slip.CODE_MISSING)
        known = _enroll(config, boot, paths, client_factory)
        outcome.actions.append(f"enrolled {boot.device_id} with {boot.county_url}")
    else:
        outcome.actions.append(f"already enrolled with {boot.county_url}")
    config_text = render(template, boot, state_dir=paths.state_dir,
                         county_public_key=known.county_public_key)
    _device_config_check(config_text, paths)
    _write(paths.config_out, config_text, outcome, mode=0o644)
    if boot.role == "kiosk":
        _write(paths.kiosk_env, kiosk_env(boot.display), outcome, mode=0o644)
    if boot.wifi is not None:
        _write(paths.wifi_dir / FILE_NAME, nm_keyfile(boot.wifi), outcome, mode=0o600)
    if boot.enroll_code and remove_code(paths.boot_file, clock()):
        outcome.actions.append(f"removed the used enrollment code from {paths.boot_file}")
    device_key = public_key_text(_device_key(config))
    outcome.summary["device key"] = key_fingerprint(device_key)


def _read_template(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise Failed(EXIT_SOFTWARE, f"{path}: the configuration template cannot be read "
                     f"({error}); reinstall with setup.sh or pass --template",
                     kind=slip.SOFTWARE) from None


def _device_config(template: str, boot: BootConfig, paths: Paths, pinned: str) -> Config:
    try:
        text = render(template, boot, state_dir=paths.state_dir, county_public_key=pinned)
    except TemplateError as error:
        raise Failed(EXIT_SOFTWARE, f"{paths.template}: {error}; reinstall with setup.sh "
                     "or pass --template", kind=slip.SOFTWARE) from None
    return _device_config_check(text, paths)


def _device_config_check(text: str, paths: Paths) -> Config:
    try:
        return parse_config(text, source=str(paths.config_out), home=Path.home())
    except ConfigError as error:
        raise Failed(EXIT_SOFTWARE, f"the configuration made from {paths.template} is not "
                     "valid; fix the template:", *error.problems, kind=slip.SOFTWARE) from None


def _already_enrolled(paths: Paths, boot: BootConfig) -> Enrollment | None:
    """The enrollment kept from an earlier run, if it is with this county,
    as this device, with the key the boot file pins."""
    try:
        known = Enrollment.load(paths.state.enrollment)
    except EnrollmentError:
        return None  # damaged: enrolling again replaces it
    if known is None or known.device_id != boot.device_id:
        return None
    if known.county_url.rstrip("/") != boot.county_url:
        return None
    try:
        if key_fingerprint(known.county_public_key) != boot.key_fingerprint:
            return None
    except SignatureError:
        return None
    return known


def _enroll(
    config: Config, boot: BootConfig, paths: Paths, client_factory: ClientFactory
) -> Enrollment:
    client = client_factory(config)
    field_code = f"{boot.source}: [county] enroll_code"
    try:
        return enroll(client, code=boot.enroll_code, role=boot.role,
                      village_code=boot.village_code, pinned_key=boot.county_public_key,
                      pinned_fingerprint=boot.key_fingerprint, path=paths.state.enrollment)
    except CountyUnreachable as error:
        raise Failed(EXIT_UNREACHABLE, f"cannot reach the county at {boot.county_url} "
                     f"({error}); check the network and [county] url in {boot.source}; "
                     "trying again in a minute", kind=slip.UNREACHABLE) from None
    except CountyRefused as error:
        if error.status == 403:
            raise Failed(EXIT_BOOT_FILE, f"{field_code}: the county refused the code: "
                         f"{error.detail}", kind=slip.CODE_REFUSED) from None
        raise Failed(EXIT_BOOT_FILE, f"{boot.source}: the county at {boot.county_url} "
                     f"refused to enroll {boot.device_id}: {error.detail}",
                     kind=slip.COUNTY_REFUSED) from None
    except CountyKeyMismatch as error:
        raise Failed(EXIT_BOOT_FILE, _mismatch(boot, error), kind=slip.COUNTY_KEY_CODE_SENT
                     if error.code_sent else slip.COUNTY_KEY) from None
    except EnrollmentError as error:
        raise Failed(EXIT_BOOT_FILE, f"{boot.source}: [county] public_key: {error}",
                     kind=slip.BOOT_FILE) from None
    finally:
        client.close()


def _mismatch(boot: BootConfig, error: CountyKeyMismatch) -> str:
    """The server at the boot file's address holds another key than the one pinned."""
    key = "public_key" if boot.county_public_key else "key_fingerprint"
    outcome = ("nothing was kept, but the code was shown to that server: ask the county for "
               "a new one" if error.code_sent else
               "the enrollment code was not used and nothing was kept")
    return (f"{boot.source}: [county] {key}: the server at {boot.county_url} has key "
            f"{error.offered}, not {error.pinned}: a mistyped {key.replace('_', ' ')} or "
            f"address, or someone in between; {outcome}")


def _device_key(config: Config) -> Ed25519PrivateKey:
    return load_or_create_device_key(config.state.device_key)


def _write(path: Path, text: str, outcome: Outcome, *, mode: int) -> None:
    data = text.encode("utf-8")
    try:
        if path.exists() and path.read_bytes() == data:
            return
        atomic_write(path, data, mode=mode)
    except OSError as error:
        disk = error.errno in (errno.EROFS, errno.ENOSPC, errno.EDQUOT, errno.EIO)
        raise Failed(EXIT_IO if disk else EXIT_CANT_CREATE, f"cannot write {path}: "
                     f"{error.strerror or error}; is the file system read-only or full?",
                     kind=slip.DISK if disk else slip.SOFTWARE) from None
    outcome.actions.append(f"wrote {path}")
    outcome.changed.append(str(path))


def _plan(paths: Paths, boot: BootConfig, known: Enrollment | None, outcome: Outcome) -> None:
    """What a real run would do, without a device key, network or writes."""
    plan = outcome.actions
    if known is not None:
        plan.append(f"already enrolled with {boot.county_url}: would not enroll again")
    elif not boot.enroll_code:
        raise Failed(EXIT_BOOT_FILE, f"{boot.source}: [county] enroll_code: missing; this "
                     "device has not enrolled yet: ask the county operator for a code",
                     kind=slip.CODE_MISSING)
    else:
        plan.append(f"would enroll {boot.device_id} with {boot.county_url}, accepting only "
                    f"the county key {boot.key_fingerprint}")
    plan.append(f"would write {paths.config_out} from {paths.template}")
    if boot.role == "kiosk":
        plan.append(f"would write {paths.kiosk_env} (rotation {boot.display.rotation}, "
                    f"cursor {'on' if boot.display.cursor else 'off'}, blank after "
                    f"{boot.display.blank_minutes or 'never'} min)")
    if boot.wifi is not None:
        plan.append(f"would write {paths.wifi_dir / FILE_NAME} (Wi-Fi {boot.wifi.ssid!r})")
    if boot.enroll_code:
        plan.append(f"would remove the enrollment code from {paths.boot_file}")


def _save_status(paths: Paths, outcome: Outcome, now: float, slip_printed: str | None) -> None:
    document = {"at": now, **asdict(outcome), "ok": outcome.ok, "slip_printed": slip_printed}
    try:
        atomic_write(paths.state.commissioning,
                     json.dumps(document, ensure_ascii=False, indent=1).encode())
    except OSError as error:
        log.warning("cannot keep the commissioning status in %s: %s",
                    paths.state.commissioning, error)
