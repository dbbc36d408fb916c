"""The technicians' pages: every device of the villages the account sees,
with its health (role, village, software version, last seen, backlog,
free disk, temperature, undervoltage, clock offset, printer paper); the
devices silent longer than ``[fleet] missing_hours``, most silent first; a
kiosk's screen on demand (a signed command through its feed, the kiosk
sends a PNG back); and enrollment codes, made by
:func:`county.operator.issue_enroll_code` (as ``village-edge county
enroll-code``), shown once. Every command and code is audited."""

from __future__ import annotations

from starlette.responses import Response

from county.console import audit
from county.console.fleet import (
    KIOSK_ROLES,
    FleetDevice,
    FleetSettings,
    find_device,
    missing_devices,
    note_screenshot_asked,
    read_fleet_settings,
    screenshot_state,
    visible_fleet,
)
from county.console.fleet_text import ROLE_NAMES, health_lines
from county.console.paging import PAGE_SIZE, one_page
from county.console.photos import photo_url
from county.console.registry import MenuEntry
from county.console.web import Call, NotFound, Refused, page
from county.enrollment import role_for_device, village_of_device_id
from county.errors import CountyError
from county.feed import add_document
from county.keyfile import load_key
from county.operator import issue_enroll_code
from protocol.api import DEVICE_ID, DEVICE_ROLES
from protocol.screenshot_command import COMMAND_DAYS, ScreenshotCommand

ROLE = "technician"


def _settings(call: Call) -> FleetSettings:
    try:
        return read_fleet_settings(call.console.county.root)
    except CountyError as error:
        raise Refused(500, f"县里的设置文件有错，请管理员修改：{error}") from None


def fleet(call: Call) -> Response:
    """Every device, a page at a time; the most silent of the missing ones
    above, at most a page of them (the rest are in the list below)."""
    settings = _settings(call)
    devices = visible_fleet(call.store, call.account, call.now, settings)
    missing = missing_devices(devices)
    pager = one_page(call, devices, "/technician")
    return call.render("technician/fleet.html", title="设备", devices=pager.items, pager=pager,
                       missing=missing[:PAGE_SIZE], more_missing=max(0, len(missing) - PAGE_SIZE),
                       hours=settings.missing_seconds / 3600,
                       role_names=ROLE_NAMES, lines=lambda d: health_lines(d, call.now))


def _device(call: Call) -> FleetDevice:
    found = find_device(call.store, call.account, call.params["device"], call.now,
                        _settings(call))
    if found is None:
        raise NotFound
    return found


def device_page(call: Call, *, problem: str | None = None, status: int = 200) -> Response:
    entry = _device(call)
    shot = screenshot_state(call.store, entry.device.device_id) if entry.is_kiosk else None
    return call.render("technician/device.html", status=status, title="设备情况", entry=entry,
                       device=entry.device, lines=health_lines(entry, call.now), shot=shot,
                       role_names=ROLE_NAMES, photo_url=photo_url, problem=problem,
                       base=f"/technician/devices/{entry.device.device_id}")


def ask_screenshot(call: Call) -> Response:
    """Publish the command asking this kiosk for its screen, audited."""
    entry = _device(call)
    device = entry.device
    if device.role not in KIOSK_ROLES:
        raise Refused(400, "只有查询机能截屏。")
    command = ScreenshotCommand(device.device_id, call.now, call.account.name)
    key = load_key(call.console.county.key)
    with call.store.transaction():
        _, signed = add_document(call.store, key, "command", command.name, command.body(),
                                 audience=device.device_id, days_valid=COMMAND_DAYS,
                                 now=call.now)
        version = signed.document.version
        note_screenshot_asked(call.store, device.device_id, version, call.account.name,
                              call.now)
        audit.record(call.store, at=call.now, actor=call.account.name,
                     action="screenshot_asked", address=call.address,
                     object=f"device:{device.device_id}", version=version)
    return call.redirect(f"/technician/devices/{device.device_id}")


def _enroll_village(call: Call, device_id: str) -> str | None:
    """The village a code for *device_id* is made for: the device's, or, not
    enrolled yet, the one its id names (``ve-<village>-...``); None unless
    the account sees it."""
    device = call.store.device(device_id)
    village = device.village_code if device is not None else village_of_device_id(device_id)
    return village if village is not None and call.account.sees_village(village) else None


def enroll_form(call: Call) -> Response:
    device_id = (call.query("device") or "").strip().lower()
    role = ""
    if DEVICE_ID.fullmatch(device_id):  # the role it has, or the one its id names
        known = call.store.device(device_id)  # (a device the account does not see: as
        seen = known is not None and call.account.sees_village(known.village_code)  # unknown)
        role = known.role if known is not None and seen else role_for_device(device_id)
    return call.render("technician/enroll.html", title="设备登记码", device=device_id,
                       role=role, roles=DEVICE_ROLES, role_names=ROLE_NAMES, code=None,
                       problem=None)


def enroll(call: Call) -> Response:
    device_id = call.form.get("device", "").strip().lower()
    role = call.form.get("role", "")

    def again(problem: str, status: int) -> Response:
        return call.render("technician/enroll.html", status=status, title="设备登记码",
                           device=device_id, role=role, roles=DEVICE_ROLES,
                           role_names=ROLE_NAMES, code=None, problem=problem)

    if not DEVICE_ID.fullmatch(device_id):
        return again("设备编号不对：只能用小写字母、数字和“-”，3 到 40 个字，"
                     "例如 ve-330226100201-kiosk1。", 400)
    if role not in DEVICE_ROLES:
        return again("请选择设备的用途。", 400)
    village = _enroll_village(call, device_id)
    if village is None:
        return again("这台设备不属于你负责的村，不能给它登记码。设备编号应写成 "
                     "ve-村代码-名称，例如 ve-330226100201-kiosk1。", 403)
    with call.store.transaction():
        code = issue_enroll_code(call.store, device_id, role=role, village=village,
                                 now=call.now)
        audit.record(call.store, at=call.now, actor=call.account.name, action="enroll_code",
                     address=call.address, object=f"device:{device_id}", role=role,
                     village=village)
    return call.render("technician/enroll.html", title="设备登记码", device=device_id,
                       role=role, roles=DEVICE_ROLES, role_names=ROLE_NAMES, code=code,
                       problem=None)


_DEVICE = "/technician/devices/{device}"
ROUTES = [
    page("/technician", fleet, role=ROLE, name="technician"),
    page(_DEVICE, device_page, role=ROLE, name="technician_device"),
    page(_DEVICE + "/screenshot", ask_screenshot, role=ROLE, methods=("POST",)),
    page("/technician/enroll", enroll_form, role=ROLE, name="technician_enroll"),
    page("/technician/enroll", enroll, role=ROLE, methods=("POST",)),
]
MENU = (MenuEntry(ROLE, "设备", "/technician"),)
