"""Sample data for the console's screenshots and browser tests: a county
with accounts, stations and what they sent, as if they had synced.

:data:`SEEDERS` is the list to extend: each role's pages add a function
that takes the :class:`SampleCounty` and puts in what its pages show (the
events a station would have sent, photos, answers), using its helpers.
Everything is made at :attr:`SampleCounty.now` with fixed ids, so a page's
address is known beforehand (:mod:`county.console.tour`).
"""

from __future__ import annotations

import hashlib
import io
import json
import random
import secrets
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from county.console.accounts import EVERYWHERE, Account, hash_password, save_account
from county.console.complaints_sample import seed_clerk, seed_complaints
from county.console.disclosures_sample import seed_disclosures
from county.datadir import CountyDir, init_county
from county.store import Store
from protocol.api import LEDGER_STREAM
from protocol.ledger_chain import GENESIS, record_hash

VILLAGE = "330226100201"  # 示范村
OTHER_VILLAGE = "330226100202"
STATION = f"ve-{VILLAGE}-seal1"
OTHER_STATION = f"ve-{OTHER_VILLAGE}-seal1"
KIOSK = f"ve-{VILLAGE}-k1"
SILENT_KIOSK = f"ve-{VILLAGE}-k2"  # silent for three days: on the missing list
NEW_STATION = f"ve-{OTHER_VILLAGE}-seal2"  # silent for 30 hours, no report yet
SCREENSHOT_COMMAND = f"screenshot.{KIOSK}"
#: The sample accounts: name -> (display name, roles, villages, level, custodian of).
ACCOUNTS: dict[str, tuple[str, tuple[str, ...], tuple[str, ...], str | None,
                          tuple[str, ...]]] = {
    "admin": ("县管理员", ("admin",), (EVERYWHERE,), None, ()),
    "wang": ("王书记", ("approver",), (VILLAGE,), "village", ()),
    "li": ("李站长", ("approver",), (EVERYWHERE,), "township", ()),
    "zhao": ("赵会计", ("approver",), (VILLAGE,), "village", (STATION,)),
}
OPEN_REQUEST = "R12-a1b2c3d4e5"  # 出具证明, open
LEVELS_REQUEST = "R13-b2c3d4e5f6"  # 资产处置: needs the township above 10,000 yuan
FOREIGN_REQUEST = "R7-c3d4e5f6a7"  # of another village: wang never sees it
DONE_REQUEST = "R10-d4e5f6a7b8"  # approved and used: two stamps with photos
APPROVED_REQUEST = "R9-f7a8b9c0d1"  # approved a moment ago, not yet taken: its QR code
REFUSED_REQUEST = "R11-e5f6a7b8c9"
LEVELS_CONFIG = """
[[console.levels]]
matter = "资产处置"
amount_at_least = 10000
levels = ["village", "township"]
"""


@dataclass
class SampleCounty:
    """A county's data directory being filled with sample data."""

    county: CountyDir
    password: str  # every sample account's
    now: float
    made: dict[str, Any] = field(default_factory=dict)  # what a seeder wants others to find

    @property
    def root(self) -> Path:
        return self.county.root

    def store(self) -> Store:
        return Store.open(self.county.database)

    def account(self, name: str, display_name: str, roles: tuple[str, ...],
                villages: tuple[str, ...] = (EVERYWHERE,), level: str | None = None,
                custodian_of: tuple[str, ...] = ()) -> None:
        """One sample account; each role's seeder takes names of its own (a
        second seeder reusing a name would silently take the first's
        account away from its pages and tests)."""
        accounts: set[str] = self.made.setdefault("accounts", set())
        if name in accounts:
            raise ValueError(f"sample account {name!r} is made twice: give each seeder its own")
        accounts.add(name)
        account = Account(name, display_name, hash_password(self.password), roles, villages,
                          level, (EVERYWHERE,), custodian_of, None, self.now, self.now)
        with self.store() as store, store.transaction():
            save_account(store, account)

    def enroll(self, device_id: str, role: str, village: str, *, seen_ago: float = 60) -> None:
        with self.store() as store, store.transaction():
            store.enroll_device(device_id, "sample-" + secrets.token_hex(8), role, village,
                                self.now - 90 * 86400)
            store.touch_device(device_id, self.now - seen_ago)

    def photo(self, device_id: str, seed: int, *, stamped: bool = False) -> str:
        """A photo of a document (a stamp on it if *stamped*), held by the
        county as if *device_id* had uploaded it; its sha256."""
        data = document_photo(seed, stamped=stamped)
        digest = hashlib.sha256(data).hexdigest()
        with tempfile.NamedTemporaryFile(dir=self.county.blobs, delete=False) as file:
            file.write(data)
        self.county.objects.put_file(digest, Path(file.name))
        with self.store() as store, store.transaction():
            store.set_blob(digest, len(data), len(data), True, device_id, self.now)
        return digest

    def events(self, device_id: str, stream: str, payloads: list[dict[str, Any]],
               *, ago: float = 0) -> None:
        """Events of *device_id* as if it had just sent them, made *ago* seconds before now."""
        with self.store() as store, store.transaction():
            for payload in payloads:
                store.add_event(device_id, "sample-" + secrets.token_hex(8), stream,
                                self.now - ago,
                                json.dumps(payload, ensure_ascii=False), self.now - ago)

    def ledger(self, device_id: str, records: list[dict[str, Any]], *, ago: float = 0) -> None:
        """*records* (kind and fields) chained after the station's ledger so far."""
        with self.store() as store:
            held = store.payloads(device_id, LEDGER_STREAM)
        seq, prev = (held[-1]["seq"], held[-1]["hash"]) if held else (0, GENESIS)
        chained = []
        for record in records:
            seq += 1
            payload = {"seq": seq, "prev": prev, "at": self.now - ago, **record}
            payload["hash"] = prev = record_hash(payload)
            chained.append(payload)
        self.events(device_id, LEDGER_STREAM, chained, ago=ago)

    def request(self, device_id: str, req: str, slot: str, matter: str, uses: int, *,
                ago: float, photo_seed: int) -> None:
        photo = self.photo(device_id, photo_seed)
        self.events(device_id, "seal.request", [{
            "req": req, "slot": slot, "matter": matter, "uses": uses, "doc": None,
            "blobs": [photo]}], ago=ago)


def document_photo(seed: int, *, stamped: bool = False) -> bytes:
    """A photo of a printed page (lines of text as grey bars, a signature,
    a red seal if *stamped*) on a desk, as a JPEG."""
    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    image = Image.new("RGB", (1200, 900), (120, 92, 64))
    draw = ImageDraw.Draw(image)
    draw.rectangle((260, 40, 940, 880), fill=(248, 247, 242))
    draw.rectangle((400, 90, 800, 120), fill=(40, 40, 40))  # the title
    y = 170
    while y < 700:
        width = rng.randint(380, 600)
        draw.rectangle((310, y, 310 + width, y + 14), fill=(90, 90, 90))
        y += rng.choice((34, 34, 34, 60))
    draw.line((620, 780, 700, 760, 760, 790, 840, 770), fill=(20, 20, 90), width=4)
    if stamped:
        draw.ellipse((600, 680, 800, 880), outline=(200, 30, 30), width=10)
        draw.regular_polygon((700, 780, 36), 5, fill=(200, 30, 30))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def seed_accounts(sample: SampleCounty) -> None:
    for name, (display, roles, villages, level, keeps) in ACCOUNTS.items():
        sample.account(name, display, roles, villages, level, keeps)


def seed_stations(sample: SampleCounty) -> None:
    sample.enroll(STATION, "seal", VILLAGE, seen_ago=40)
    sample.enroll(OTHER_STATION, "seal", OTHER_VILLAGE, seen_ago=7200)
    sample.enroll(KIOSK, "kiosk", VILLAGE, seen_ago=90)


def seed_approver(sample: SampleCounty) -> None:
    """Requests of the sample stations: one used (two stamps with photos),
    one refused, two open (one of them needing two levels), and one of
    another village."""
    from county.approvals import approve, refuse

    settings = sample.root / "county.toml"
    before = settings.read_text(encoding="utf-8") if settings.exists() else ""
    settings.write_text(before + LEVELS_CONFIG, encoding="utf-8")
    day = 86400.0
    sample.request(STATION, DONE_REQUEST, "committee", "出具证明", 2, ago=2 * day, photo_seed=1)
    issued = approve(sample.root, DONE_REQUEST, device_id=STATION, uses=2, minutes=10,
                     approver="wang", now=sample.now - 2 * day + 300)
    stamps = [sample.photo(STATION, 10 + n, stamped=True) for n in (1, 2)]
    sample.ledger(STATION, [
        {"kind": "requested", "req": DONE_REQUEST, "slot": "committee"},
        {"kind": "approved", "req": DONE_REQUEST, "aid": issued.approval.aid, "uses": 2,
         "slot": "committee"},
        {"kind": "stamp", "slot": "committee", "aid": issued.approval.aid, "n": 1,
         "remaining": 1, "photo": stamps[0]},
        {"kind": "stamp", "slot": "committee", "aid": issued.approval.aid, "n": 2,
         "remaining": 0, "photo": stamps[1]},
        {"kind": "used_up", "slot": "committee", "aid": issued.approval.aid},
    ], ago=2 * day - 600)
    sample.request(STATION, REFUSED_REQUEST, "committee", "合同签订", 1, ago=day, photo_seed=2)
    refuse(sample.root, REFUSED_REQUEST, device_id=STATION, reason="合同还没有经村民代表会议讨论",
           approver="li", now=sample.now - day + 600)
    sample.ledger(STATION, [{"kind": "requested", "req": REFUSED_REQUEST, "slot": "committee"},
                            {"kind": "refused_by_county", "req": REFUSED_REQUEST,
                             "slot": "committee"}], ago=day - 700)
    sample.request(STATION, LEVELS_REQUEST, "committee", "资产处置", 1, ago=1800, photo_seed=3)
    sample.request(STATION, OPEN_REQUEST, "committee", "出具证明", 2, ago=300, photo_seed=4)
    sample.request(OTHER_STATION, FOREIGN_REQUEST, "finance", "财务报销", 1, ago=600,
                   photo_seed=5)
    sample.request(OTHER_STATION, APPROVED_REQUEST, "finance", "财务报销", 2, ago=900,
                   photo_seed=6)
    approve(sample.root, APPROVED_REQUEST, device_id=OTHER_STATION, uses=2, minutes=240,
            approver="li", now=sample.now - 120)


SUPERVISORS = {"sun": ("孙主任", (VILLAGE,)), "zhou": ("周书记", (EVERYWHERE,))}
SILENT_KIOSK = f"ve-{VILLAGE}-k2"
OVER_REQUEST = "R30-f6a7b8c9d0"  # approved for one stamp, stamped twice
SWAP_REQUEST = "R33-a7b8c9d0e1"  # approved for one page, another page stamped
FORCED_PRESS_EVENT = "sample-alarm-forced-press"  # the alert the tour opens


def seed_supervisor(sample: SampleCounty) -> None:
    """What supervisors look at: alarms with photos (a forced press, a seal
    taken out and already closed, a camera that failed, an opened lid in
    the other village), a seal not returned, one stamp more than approved,
    a stamped page that is not the approved one, a ledger with a gap, and
    a kiosk silent for three days."""
    from county.approvals import approve
    from county.console.alerts import Alert, find_alert, notice_alerts, take_step
    from county.console.page_hash import page_hash
    from county.console.supervision_settings import read_supervision_settings

    for name, (display, villages) in SUPERVISORS.items():
        sample.account(name, display, ("supervisor",), villages)
    sample.enroll(SILENT_KIOSK, "kiosk", VILLAGE, seen_ago=3 * 86400)
    hour, day = 3600.0, 86400.0

    def alarm(device_id: str, event_id: str, code: str, text: str, ago: float,
              photo_seed: int | None) -> None:
        photos = [sample.photo(device_id, photo_seed)] if photo_seed is not None else []
        payload = {"code": code, "text": text, "phase": "idle", "slot": "committee",
                   "blobs": photos, "raised_at": sample.now - ago}
        if not photos:
            payload["photo_missing"] = "the camera failed"
        with sample.store() as store, store.transaction():
            store.add_event(device_id, event_id, "alarm", sample.now - ago,
                            json.dumps(payload, ensure_ascii=False), sample.now - ago)

    alarm(STATION, FORCED_PRESS_EVENT, "forced_press", "印章锁着的时候有人强行按压", 20 * 60, 21)
    alarm(STATION, "sample-alarm-removed", "seal_removed", "印章锁着的时候被从原位拿走",
          3 * day, 22)
    alarm(STATION, "sample-alarm-camera", "camera", "不能拍照，摄像头坏了、被挡住或者存储卡满了，"
          "印章已锁上", 5 * hour, None)
    alarm(OTHER_STATION, "sample-alarm-lid", "lid", "机箱盖被打开", 2 * hour, 23)

    # one stamp more than approved, then the seal kept out past its time
    sample.request(STATION, OVER_REQUEST, "committee", "出具证明", 1, ago=6 * hour,
                   photo_seed=30)
    over = approve(sample.root, OVER_REQUEST, device_id=STATION, uses=1, minutes=10,
                   approver="wang", now=sample.now - 6 * hour + 120)
    aid = over.approval.aid
    stamps = [sample.photo(STATION, 30, stamped=True), sample.photo(STATION, 31, stamped=True)]
    sample.ledger(STATION, [
        {"kind": "requested", "req": OVER_REQUEST, "slot": "committee", "photo": None},
        {"kind": "approved", "req": OVER_REQUEST, "aid": aid, "uses": 1, "slot": "committee"},
        {"kind": "stamp", "slot": "committee", "aid": aid, "n": 1, "remaining": 0,
         "photo": stamps[0]},
        {"kind": "stamp", "slot": "committee", "aid": aid, "n": 2, "remaining": -1,
         "photo": stamps[1]},
        {"kind": "used_up", "slot": "committee", "aid": aid},
        {"kind": "alarm_not_returned", "slot": "committee"},
    ], ago=6 * hour - 300)
    alarm(STATION, "sample-alarm-not-returned", "not_returned", "印章用完后没有按时放回原位",
          6 * hour - 300, 24)
    sample.ledger(STATION, [{"kind": "seal_returned", "slot": "committee"}], ago=5 * hour)

    # a page stamped that is not the page approved
    sample.request(OTHER_STATION, SWAP_REQUEST, "finance", "财务报销", 1, ago=30 * hour,
                   photo_seed=40)
    swap = approve(sample.root, SWAP_REQUEST, device_id=OTHER_STATION, uses=1, minutes=10,
                   approver="li", now=sample.now - 30 * hour + 120)
    other = sample.photo(OTHER_STATION, 41, stamped=True)
    sample.ledger(OTHER_STATION, [
        {"kind": "requested", "req": SWAP_REQUEST, "slot": "finance"},
        {"kind": "approved", "req": SWAP_REQUEST, "aid": swap.approval.aid, "uses": 1,
         "slot": "finance"},
        {"kind": "stamp", "slot": "finance", "aid": swap.approval.aid, "n": 1, "remaining": 0,
         "photo": other},
        {"kind": "used_up", "slot": "finance", "aid": swap.approval.aid},
        {"kind": "seal_returned", "slot": "finance"},
    ], ago=30 * hour - 300)
    # ...and two records of it that never reached the county: a gap
    with sample.store() as store, store.transaction():
        held = store.payloads(OTHER_STATION, LEDGER_STREAM)
        seq, prev = held[-1]["seq"] + 2, "f" * 64
        for kind in ("requested", "cancelled"):
            seq += 1
            record = {"seq": seq, "prev": prev, "at": sample.now - 4 * hour, "kind": kind,
                      "slot": "finance"}
            record["hash"] = prev = record_hash(record)
            store.add_event(OTHER_STATION, f"sample-ledger-{seq}", LEDGER_STREAM,
                            sample.now - 4 * hour, json.dumps(record), sample.now - 4 * hour)

    # the alerts as a supervisor's first look finds them; the seal taken out is closed
    def hasher(digest: str) -> Any:
        return page_hash(sample.county.objects.read(digest))

    with sample.store() as store:
        notice_alerts(store, read_supervision_settings(sample.root), sample.now, hasher)
        zhou = Account("zhou", "周书记", "", ("supervisor",), (EVERYWHERE,), None, (EVERYWHERE,),
                       (), None, sample.now, sample.now)
        removed: Alert | None = find_alert(store, zhou, f"alarm:{STATION}:sample-alarm-removed")
        assert removed is not None
        take_step(store, zhou, removed, "acknowledged", "", address="127.0.0.1",
                  now=sample.now - 3 * day + 1800)
        removed = find_alert(store, zhou, removed.key)
        assert removed is not None
        take_step(store, zhou, removed, "closed",
                  "问了保管人：是清洁时碰掉的，已放回，监控录像对得上。",
                  address="127.0.0.1", now=sample.now - 2 * day)
def seed_technician(sample: SampleCounty) -> None:
    """A technician of the whole county, another of one village; the
    stations' and the kiosk's health reports, a silent kiosk and a kiosk
    screenshot."""
    from county.console.fleet import note_screenshot_asked
    from county.device_health import note_clock_offset, take_report
    from county.feed import add_document
    from county.keyfile import load_key
    from protocol.device_health import HealthReport
    from protocol.screenshot_command import (
        COMMAND_DAYS,
        SCREENSHOT_STREAM,
        ScreenshotCommand,
        ScreenshotTaken,
    )

    sample.account("zhang", "张工", ("technician",))
    sample.account("chen", "陈工", ("technician",), (OTHER_VILLAGE,))
    sample.enroll(SILENT_KIOSK, "kiosk", VILLAGE, seen_ago=3 * 86400)
    sample.enroll(NEW_STATION, "seal", OTHER_VILLAGE, seen_ago=30 * 3600)
    reports = {
        STATION: (HealthReport(int(sample.now - 60), "0.9.0", 9_800_000_000, 15_500_000_000,
                               48.2, "no", None), 0.4),
        KIOSK: (HealthReport(int(sample.now - 100), "0.9.0", 420_000_000, 7_800_000_000,
                             77.5, "earlier", "near_end"), -95.0),
        OTHER_STATION: (HealthReport(int(sample.now - 7300), "0.8.2", 3_100_000_000,
                                     15_500_000_000, 55.0, None, None), 3.0),
    }
    with sample.store() as store:
        for device_id, (report, offset) in reports.items():
            take_report(store, device_id, report.to_header(), report.at + 5)
            with store.transaction():
                note_clock_offset(store, device_id, offset, report.at + 5)
                store.report_backlog(device_id, 3 if device_id == KIOSK else 0, report.at + 5)
        command = ScreenshotCommand(KIOSK, sample.now - 400, "zhang")
        with store.transaction():
            _, signed = add_document(store, load_key(sample.county.key), "command", command.name,
                                     command.body(), audience=KIOSK, days_valid=COMMAND_DAYS,
                                     now=sample.now - 400)
            note_screenshot_asked(store, KIOSK, signed.document.version, "zhang",
                                  sample.now - 400)
    picture = kiosk_screen_png()
    digest = hashlib.sha256(picture).hexdigest()
    with tempfile.NamedTemporaryFile(dir=sample.county.blobs, delete=False) as file:
        file.write(picture)
    sample.county.objects.put_file(digest, Path(file.name))
    with sample.store() as store, store.transaction():
        store.set_blob(digest, len(picture), len(picture), True, KIOSK, sample.now - 300)
    taken = ScreenshotTaken(SCREENSHOT_COMMAND, 1, sample.now - 330, 800, 480, digest)
    sample.events(KIOSK, SCREENSHOT_STREAM, [taken.payload()], ago=300)


def kiosk_screen_png() -> bytes:
    """A picture of a kiosk's home screen (800x480): a title bar and big buttons."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (800, 480), (246, 241, 232))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 800, 70), fill=(166, 27, 27))
    colours = ((11, 87, 208), (30, 142, 62), (249, 168, 37), (179, 38, 30))
    for n, colour in enumerate(colours):
        left = 40 + (n % 2) * 370
        top = 110 + (n // 2) * 170
        draw.rounded_rectangle((left, top, left + 340, top + 140), 16, fill=colour)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


#: Every seeder, in order: each role's pages add theirs here.
SEEDERS: list[Callable[[SampleCounty], None]] = [seed_accounts, seed_stations, seed_approver,
                                                 seed_supervisor]
SEEDERS += [seed_complaints, seed_clerk, seed_disclosures, seed_technician]


def sample_county(data_dir: Path, *, password: str | None = None,
                  now: float | None = None) -> SampleCounty:
    """A new county in *data_dir* with every seeder's sample data."""
    county = init_county(data_dir)
    sample = SampleCounty(county, password or secrets.token_urlsafe(12),
                          time.time() if now is None else now)
    for seed in SEEDERS:
        seed(sample)
    return sample
