"""A QR code held up to the kiosk's camera: a service-guide slip opens its
item, a receipt opens the progress of its tracking code (formats in
:mod:`kiosk.qr_codes`). Anything else changes nothing and says nothing: a
phone's payment code or a parcel label near the camera is not an error of
the villager's.

Codes are followed only on the screens where a villager is looking things
up (:data:`FOLLOW_ON`). Typing a complaint or a PIN, looking at a receipt
about to be printed (the slip just printed is often still in the hand) or
servicing the kiosk, a code in view is let go.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kiosk.qr_codes import ItemCode, ReportCode, read_code

if TYPE_CHECKING:
    from kiosk.viewmodels.shell import KioskViewModel

FOLLOW_ON = frozenset({"home", "list", "detail", "flowchart", "disclosures", "search",
                       "progress", "attract"})


def follow_scanned_code(vm: KioskViewModel, now: float) -> str | None:
    """Take the code the camera saw, if any, and open what it names; the
    screen to switch to, or None when nothing changes. *now* is the
    view-model's clock: a scan counts as a touch for the idle timer."""
    source = vm.services.scanner
    text = source.take() if source is not None else None
    if text is None or vm.screen not in FOLLOW_ON:
        return None
    code = read_code(text)
    if isinstance(code, ItemCode):
        if all(item.id != code.item_id for item in vm.catalog.items):
            return None  # a slip of an item no longer in the list: nothing to open
        vm.idle.touched(now)
        return vm.open_item(code.item_id)
    if isinstance(code, ReportCode):
        vm.idle.touched(now)
        target = vm.open("progress")
        vm.progress.code.value = code.code
        vm.progress.query()
        return target
    return None
