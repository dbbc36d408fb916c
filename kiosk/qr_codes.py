"""The QR codes the kiosk prints on its slips and reads back with its camera:
one format for each kind, in upper case, digits and ``-:`` only (QR
alphanumeric mode: the smallest code for the text, the easiest to read).

==================  =========================  ==============================
slip                QR text                    the kiosk opens
==================  =========================  ==============================
service guide       ``VE-ITEM:<item id>``      that item of the power list
                    e.g. ``VE-ITEM:BM-02``
complaint or        ``VE-REPORT:<10 digits>``  the progress of that tracking
report receipt      e.g. ``VE-REPORT:``        code (:mod:`protocol.tracking`
                    ``4830215769``             owns this format: the county
                                               knows the codes too)
==================  =========================  ==============================

The seal station's approval token (``VE1.`` and base64url,
:mod:`protocol.approval_token`) is the third kind; the kiosk never acts on
one. Any other text, a web address, a payment code, garbage, is no code of
ours: :func:`read_code` gives None and the kiosk does nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from powerlist.codec import ITEM_ID
from protocol import tracking

ITEM_PREFIX = "VE-ITEM:"
REPORT_PREFIX = tracking.QR_PREFIX

#: The caption under a slip's QR code: where to hold it, and what it opens.
#: "扫码" alone would send an elderly villager to the phone in their pocket,
#: which cannot open these codes.
GUIDE_QR_CAPTION = "把二维码对着村里触摸屏的摄像头，可以看完整流程"
RECEIPT_QR_CAPTION = "把二维码对着村里触摸屏的摄像头，可以查办理进度"


@dataclass(frozen=True)
class ItemCode:
    """A service-guide slip's code: open this item."""

    item_id: str


@dataclass(frozen=True)
class ReportCode:
    """A receipt's code: show the progress of this tracking code (10 digits)."""

    code: str


def item_content(item_id: str) -> str:
    """What a service-guide slip's QR code holds."""
    return ITEM_PREFIX + item_id


def report_content(code: str) -> str:
    """What a complaint receipt's QR code holds."""
    return tracking.qr_content(code)


def read_code(text: str) -> ItemCode | ReportCode | None:
    """The kiosk's code in a scanned *text*, or None if it holds none: only
    our two prefixes count (bare digits scanned from anything could be any
    number), and what follows must be a well-formed item id or a tracking
    code whose check digit is right."""
    text = text.strip()
    if text.startswith(ITEM_PREFIX):
        item_id = text[len(ITEM_PREFIX):]
        return ItemCode(item_id) if ITEM_ID.fullmatch(item_id) else None
    if text.upper().startswith(REPORT_PREFIX):
        code = tracking.code_from_qr(text)
        return ReportCode(code) if code is not None else None
    return None
