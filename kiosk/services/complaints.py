"""Complaints and whistle-blower reports, as a villager files them by tapping.

What is chosen: the power-list item (or none), the kind of problem from a
short fixed list, complaint or whistle-blower report, and optionally a
mobile number for a call back. There is no name field: a report is anonymous
unless the villager leaves a number.

:func:`file_complaint` seals the report to the county's key
(:mod:`protocol.complaint_envelope`) and appends it to the outbox — stream
``complaint`` or ``whistle``, both in the critical lane that is never
dropped. The event holds the tracking code and the sealed envelope only;
the item, the problem and the phone number exist on the device only inside
the envelope, padded so that its length does not tell whether a number was
left.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from random import Random
from typing import TYPE_CHECKING, Literal

from kiosk.errors import KioskError
from kiosk.services.workdays import REPLY_WORKING_DAYS, reply_due
from protocol import complaint_envelope, tracking
from sync.outbox import Outbox, OutboxError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

    from sync.feed_store import FeedStore

log = logging.getLogger(__name__)

COMPLAINT_STREAM = "complaint"
WHISTLE_STREAM = "whistle"
PAYLOAD_VERSION = 1
PAD_TO = 512  # sealed plaintexts are padded to a multiple of this many bytes


@dataclass(frozen=True)
class ProblemKind:
    """One kind of problem on the complaint screen: a short label and a plain hint."""

    key: str
    label: str
    hint: str


PROBLEM_KINDS: tuple[ProblemKind, ...] = (
    ProblemKind("delay", "办事拖延", "该办的事一拖再拖，超过了规定的时间"),
    ProblemKind("fees", "乱收费", "收了不该收的钱，或者多收了钱"),
    ProblemKind("bribes", "吃拿卡要", "办事要吃要拿，故意刁难人"),
    ProblemKind("secrecy", "信息不公开", "该公开的事情没有公开"),
    ProblemKind("attitude", "态度不好", "办事人员态度生硬、不耐烦"),
    ProblemKind("favouritism", "优亲厚友", "照顾亲友，办事不公平"),
    ProblemKind("procedure", "不按程序", "少数人说了算，没有按规定的程序办"),
    ProblemKind("other", "其他", "其他方面的问题"),
)


def problem_kind(key: str) -> ProblemKind:
    for kind in PROBLEM_KINDS:
        if kind.key == key:
            return kind
    known = ", ".join(kind.key for kind in PROBLEM_KINDS)
    raise ComplaintFormError(f"unknown kind of problem {key!r}: choose one of {known}")


# -- phone numbers -------------------------------------------------------------

MOBILE_NUMBER = re.compile(r"1[3-9]\d{9}")
PHONE_WRONG_LENGTH = "手机号码是11位数字，请再核对一下。"
PHONE_WRONG_START = "手机号码的前两位应该是13到19，请再核对一下。"
PHONE_NOT_DIGITS = "手机号码只能是数字，请再核对一下。"


@dataclass(frozen=True)
class PhoneCheck:
    """The result of checking a typed number: *number* (digits only) when *ok*,
    else *message*, a sentence to show the villager."""

    ok: bool
    number: str | None = None
    message: str | None = None


def check_phone(text: str) -> PhoneCheck:
    """Check a mainland mobile number: 11 digits, starting 13 to 19.

    Spaces and dashes between digits are allowed; a leading +86 or 86 is dropped.
    """
    digits = re.sub(r"[\s\-]", "", text)
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if digits and not (digits.isascii() and digits.isdigit()):
        return PhoneCheck(False, message=PHONE_NOT_DIGITS)
    if len(digits) != 11:
        return PhoneCheck(False, message=PHONE_WRONG_LENGTH)
    if not MOBILE_NUMBER.fullmatch(digits):
        return PhoneCheck(False, message=PHONE_WRONG_START)
    return PhoneCheck(True, number=digits)


# -- the form ------------------------------------------------------------------


class ComplaintFormError(KioskError, ValueError):
    """A report that cannot be filed as chosen; ``message`` is for the villager
    when there is one, ``str(error)`` for the log."""

    def __init__(self, detail: str, message: str | None = None) -> None:
        super().__init__(detail)
        self.message = message


@dataclass(frozen=True)
class ComplaintForm:
    """What the villager chose. *item_id* None: not about one item on the list.
    *item_name* travels (sealed) with the report so the county reads it even
    after the catalog changes."""

    problem: str
    item_id: str | None = None
    item_name: str | None = None
    whistle: bool = False
    phone: str | None = None

    @property
    def anonymous(self) -> bool:
        return self.phone is None

    @property
    def stream(self) -> str:
        return WHISTLE_STREAM if self.whistle else COMPLAINT_STREAM

    def checked(self) -> ComplaintForm:
        """This form with the phone number normalised; :class:`ComplaintFormError` if wrong."""
        problem_kind(self.problem)
        if self.phone is None:
            return self
        check = check_phone(self.phone)
        if not check.ok:
            raise ComplaintFormError(f"phone number {self.phone!r} is not a mainland mobile "
                                     "number", check.message)
        return ComplaintForm(self.problem, self.item_id, self.item_name, self.whistle,
                             check.number)


# -- filing --------------------------------------------------------------------

NO_KEY_MESSAGE = "这台机器暂时还不能接收书面投诉和举报。请拨打下面的监督电话反映问题，谢谢您。"
STORAGE_MESSAGE = "这台机器暂时保存不了您反映的问题。请拨打下面的监督电话反映，或者请工作人员看看。"


@dataclass(frozen=True)
class Unavailable:
    """Why a report cannot be taken here. The screen shows *message* and the
    county's supervision phone number instead of the form; *detail* is for the
    technician's log."""

    reason: Literal["no_key", "storage"]
    message: str
    detail: str


@dataclass(frozen=True)
class ComplaintReceipt:
    """What the villager takes away: the tracking code, the dates, the QR content."""

    code: str
    kind: Literal["complaint", "whistle"]
    filed: date
    reply_due: date
    qr: str
    event_id: str
    anonymous: bool

    @property
    def display_code(self) -> str:
        """``12345 67890``: how the code is printed and shown."""
        return tracking.display(self.code)


def readiness(feed: FeedStore) -> Unavailable | None:
    """None if this kiosk can take written reports; else why not. Call it
    before showing the form, so that nobody fills it in for nothing."""
    if county_report_key(feed) is None:
        return Unavailable(
            "no_key", NO_KEY_MESSAGE,
            "no valid config/complaint-key document in the feed: run "
            "`village-edge county complaint-key` at the county, then let the kiosk sync",
        )
    return None


def sealed_plaintext(form: ComplaintForm, code: str, device_id: str, filed: datetime,
                     due: date) -> bytes:
    """The report as sealed: JSON, padded with spaces to a multiple of :data:`PAD_TO`."""
    kind = problem_kind(form.problem)
    report = {
        "v": PAYLOAD_VERSION, "kind": form.stream, "code": code, "device": device_id,
        "item_id": form.item_id, "item_name": form.item_name,
        "problem": kind.key, "problem_text": kind.label, "phone": form.phone,
        "filed": filed.isoformat(timespec="seconds"), "reply_due": due.isoformat(),
    }
    data = json.dumps(report, ensure_ascii=False, separators=(",", ":")).encode()
    return data + b" " * (-len(data) % PAD_TO)


def file_complaint(
    outbox: Outbox,
    feed: FeedStore,
    device_id: str,
    form: ComplaintForm,
    *,
    now: datetime,
    reply_working_days: int = REPLY_WORKING_DAYS,
    holidays: Collection[date] = (),
    rng: Random | None = None,
) -> ComplaintReceipt | Unavailable:
    """Seal *form* to the county's key and store it in *outbox*.

    Returns the receipt, or :class:`Unavailable` when the county's key has not
    arrived or the outbox cannot store the report (nothing is stored then).
    Raises :class:`ComplaintFormError` for a form the screen should not have
    let through (unknown problem kind, a wrong phone number).
    """
    form = form.checked()
    recipient = county_report_key(feed)
    if recipient is None:
        unavailable = readiness(feed)
        assert unavailable is not None
        return unavailable
    code = tracking.new_code(rng)
    due = reply_due(now.date(), reply_working_days, holidays=holidays)
    envelope = complaint_envelope.seal(recipient, sealed_plaintext(form, code, device_id, now, due),
                            complaint_envelope.report_context(device_id, code))
    try:
        event_id = outbox.append(form.stream, {"code": code, "sealed": envelope})
    except OutboxError as error:
        log.error("a %s could not be stored: %s", form.stream, error)
        return Unavailable("storage", STORAGE_MESSAGE, str(error))
    log.info("%s %s sealed and stored as event %s", form.stream, code, event_id)
    return ComplaintReceipt(
        code=code, kind=form.stream, filed=now.date(), reply_due=due,  # type: ignore[arg-type]
        qr=tracking.qr_content(code), event_id=event_id, anonymous=form.anonymous,
    )


def county_report_key(feed: FeedStore) -> X25519PublicKey | None:
    """The county's report key from the kiosk's feed store (whose signature the
    store has checked); None if the county has not published one, or it is malformed."""
    signed = feed.get(*complaint_envelope.KEY_DOCUMENT)
    if signed is None:
        return None
    text = signed.document.body.get(complaint_envelope.KEY_FIELD)
    if not isinstance(text, str):
        return None
    try:
        return complaint_envelope.public_key_from_text(text)
    except complaint_envelope.EnvelopeError:
        return None
