"""The supervisors' alerts: each one a fact the county already holds,
noticed under a key that names that fact.

Where they come from (:func:`notice_alerts`):

- an **alarm a station sent** (the ``alarm`` stream: forced press, seal
  removed, lid opened, camera failed, ledger damaged or unwritable, a
  likely swap), with the photo it carries;
- the station's **ledger** as the county holds it: a record of a seal not
  returned (``alarm_not_returned``), a press past the approved count
  (``alarm_press_over``), a ``stamp`` beyond the stamps the county approved
  for that approval (or under an approval the county never issued), a chain
  that does not verify (:mod:`protocol.ledger_chain`: a record altered,
  missing, out of place); the alarms of the same moments lend their photos;
- a **stamp photo whose page differs** from the approved request's document
  photo (:mod:`county.console.page_hash`);
- a **device silent** longer than its role's limit
  (:mod:`county.console.supervision_settings`).

Noticing is repeated whenever a supervisor's page is opened; the key (for
example ``alarm:<device>:<event id>``) is the table's primary key, so a
fact is noticed once however often, by however many server processes, and
an alert, once noticed, stays (a device that speaks again does not take
back its silence). Alerts and their steps (acknowledged, closed) are only
ever added: county/schema/*/0004_supervision.sql.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from county.console import audit
from county.console.accounts import EVERYWHERE, Account
from county.console.format import device_time
from county.console.page_hash import PageHash, difference, differs
from county.console.supervision_settings import SupervisionSettings
from county.seal_requests import filed_requests
from county.store import Store
from protocol.api import LEDGER_STREAM, SHA256_HEX
from protocol.ledger_chain import ChainReport, check_chain

ALARM_STREAM = "alarm"
#: Every kind of alert, as the console names it.
KINDS = {
    "forced_press": "强行按压",
    "seal_removed": "印章被拿走",
    "lid": "机箱被打开",
    "camera": "摄像头故障",
    "not_returned": "印章没有放回",
    "over_stamps": "盖章超过审批次数",
    "doc_differs": "盖的文件和审批的不一样",
    "ledger": "用印记录损坏",
    "silent": "设备长时间没有联系",
    "other": "其他报警",
}
#: The kind of an alarm event, by the station's alarm code.
ALARM_KINDS = {
    "forced_press": "forced_press", "seal_removed": "seal_removed", "lid": "lid",
    "camera": "camera", "camera_missing": "camera", "ledger_damaged": "ledger",
    "storage": "ledger", "likely_swap": "doc_differs", "alarms_not_kept": "other",
}
#: Alarm codes whose alert comes from the ledger record of the same moment:
#: their alarm events only lend their photos.
LEDGER_CODES = {"not_returned": "alarm_not_returned", "press_over": "alarm_press_over"}
#: How far apart (station seconds) an alarm and its ledger record may be.
SAME_MOMENT = 300.0
STATES = {"new": "未处理", "acknowledged": "已知悉，处理中", "closed": "已关闭"}
MAX_NOTE = 500


@dataclass(frozen=True)
class Step:
    step: str  # acknowledged or closed
    actor: str
    at: float
    address: str
    note: str


@dataclass(frozen=True)
class Alert:
    key: str
    kind: str
    device_id: str
    village_code: str
    happened: float
    noticed: float
    detail: dict[str, Any]
    steps: tuple[Step, ...] = ()

    @property
    def name(self) -> str:
        return KINDS.get(self.kind, KINDS["other"])

    @property
    def state(self) -> str:
        done = {step.step for step in self.steps}
        return "closed" if "closed" in done else "acknowledged" if done else "new"

    @property
    def state_name(self) -> str:
        return STATES[self.state]

    @property
    def photos(self) -> list[str]:
        return [p for p in self.detail.get("photos", []) if SHA256_HEX.fullmatch(str(p))]


@dataclass(frozen=True)
class NewAlert:
    key: str
    kind: str
    device_id: str
    happened: float
    detail: dict[str, Any] = field(default_factory=dict)


class AlertRefused(Exception):
    """A step that cannot be taken (the reason, in Chinese)."""


def _number(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def _whole(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _text(value: Any) -> str:
    """A device's text field, or "" for anything else (a list, a number)."""
    return value if isinstance(value, str) else ""


def _digests(values: Any) -> list[str]:
    if not isinstance(values, list):
        return []
    return [v for v in values if isinstance(v, str) and SHA256_HEX.fullmatch(v)]


# -- the facts ------------------------------------------------------------------


@dataclass(frozen=True)
class AlarmEvent:
    device_id: str
    event_id: str
    created: float
    payload: dict[str, Any]

    @property
    def code(self) -> str:
        return str(self.payload.get("code", ""))

    @property
    def raised(self) -> float:
        return _number(self.payload.get("raised_at")) or self.created

    @property
    def photos(self) -> list[str]:
        return _digests(self.payload.get("blobs"))


def alarm_events(store: Store) -> list[AlarmEvent]:
    rows = store.execute("SELECT device_id, event_id, created, payload FROM events "
                         "WHERE stream = ?", (ALARM_STREAM,))
    found = []
    for row in rows:
        payload = json.loads(row["payload"])
        if isinstance(payload, dict):
            found.append(AlarmEvent(row["device_id"], row["event_id"], float(row["created"]),
                                    payload))
    return found


def from_alarms(alarms: Iterable[AlarmEvent],
                stamp_seqs: Mapping[tuple[str, str], int]) -> list[NewAlert]:
    """An alert for every alarm event but those whose ledger record is the
    alert. *stamp_seqs*: the seq of the stamp record naming each photo, by
    (device, photo): a likely swap the station saw on a stamp's photo is
    the same fact as the county's own comparison of that stamp."""
    found = []
    for alarm in alarms:
        if alarm.code in LEDGER_CODES:
            continue
        kind = ALARM_KINDS.get(alarm.code, "other")
        photos = alarm.photos
        stamp = stamp_seqs.get((alarm.device_id, photos[0])) if photos else None
        if kind == "doc_differs" and stamp is not None:
            key = f"doc_differs:{alarm.device_id}:{stamp}"
        else:
            key = f"alarm:{alarm.device_id}:{alarm.event_id}"
        detail = {"code": alarm.code, "photos": photos, "by": "station"}
        for name in ("text", "slot", "photo_missing", "damage_seq", "first_bad_seq", "delayed",
                     "counts"):
            if alarm.payload.get(name) is not None:
                detail[name] = alarm.payload[name]
        found.append(NewAlert(key, kind, alarm.device_id, alarm.raised, detail))
    return found


def ledger_records(records: Iterable[Any]) -> list[dict[str, Any]]:
    """The records with a seq, each seq once (the first copy), in seq order."""
    by_seq: dict[int, dict[str, Any]] = {}
    for record in records:
        if isinstance(record, dict):
            seq = _whole(record.get("seq"))
            if seq is not None and seq >= 1 and seq not in by_seq:
                by_seq[seq] = record
    return [by_seq[seq] for seq in sorted(by_seq)]


def chain_problem(chain: ChainReport) -> str:
    """What is wrong with a chain that does not verify, in plain Chinese."""
    problem, seq = chain.problem or "", chain.first_bad_seq
    if "are missing" in problem:
        return f"从第 {seq} 条起有记录缺失，记录不连续"
    if "altered" in problem:
        return f"第 {seq} 条记录被改动过"
    if "does not follow" in problem:
        return f"第 {seq} 条记录接不上前一条"
    if "two different records" in problem:
        return f"有两条内容不同的第 {seq} 条记录"
    if "lacks" in problem:
        return f"第 {seq} 条记录缺少校验值"
    return "记录的编号不对"


def _lent_photos(alarms: list[AlarmEvent], code: str, at: float | None) -> list[str]:
    if at is None:
        return []
    return [photo for alarm in alarms if alarm.code == code
            and abs(alarm.raised - at) <= SAME_MOMENT for photo in alarm.photos]


def from_ledger(device_id: str, payloads: list[Any], alarms: list[AlarmEvent],
                approved_uses: Mapping[str, int | None], now: float) -> list[NewAlert]:
    """Alerts the county finds in one station's ledger: a broken chain, a
    seal not returned, stamps past the approved count. *approved_uses*: the
    stamps the county approved, by approval id (None: not this county's)."""
    found = []
    records = ledger_records(payloads)
    chain = check_chain(payloads)
    if not chain.ok:
        seq = chain.first_bad_seq or 0
        near = [r for r in records if _whole(r.get("seq")) is not None and r["seq"] <= seq]
        at = _number(near[-1].get("at")) if near else None
        found.append(NewAlert(f"chain:{device_id}:{seq}", "ledger", device_id,
                              at if at is not None else now,
                              {"problem": chain_problem(chain), "first_bad_seq": seq,
                               "by": "county"}))
    code_of = {kind: code for code, kind in LEDGER_CODES.items()}
    stamps: dict[str, int] = {}
    for record in records:
        kind, seq, at = _text(record.get("kind")), record["seq"], _number(record.get("at"))
        if kind in code_of:
            alert_kind = "not_returned" if kind == "alarm_not_returned" else "over_stamps"
            found.append(NewAlert(
                f"{alert_kind}:{device_id}:{seq}", alert_kind, device_id,
                at if at is not None else now,
                {"seq": seq, "slot": record.get("slot"), "aid": record.get("aid"),
                 "code": code_of[kind], "by": "station",
                 "photos": _lent_photos(alarms, code_of[kind], at)}))
        elif kind == "stamp":
            aid = record.get("aid")
            aid = aid if isinstance(aid, str) else ""
            stamps[aid] = count = stamps.get(aid, 0) + 1
            allowed = approved_uses.get(aid)
            if allowed is None or count > allowed:
                found.append(NewAlert(
                    f"over_stamps:{device_id}:{seq}", "over_stamps", device_id,
                    at if at is not None else now,
                    {"seq": seq, "slot": record.get("slot"), "aid": aid or None,
                     "allowed": allowed, "count": count, "by": "county",
                     "photos": _digests([record.get("photo")])}))
    return found


def silent_devices(store: Store, settings: SupervisionSettings, now: float) -> list[NewAlert]:
    """A device silent past its role's limit: one alert per silence, the
    silences of a device numbered 1, 2, 3... (a silence is known by when the
    device was last seen; it stays an alert after the device speaks again)."""
    noticed: dict[str, list[float]] = {}
    for row in store.execute("SELECT device_id, detail FROM console_alerts WHERE kind = ?",
                             ("silent",)):
        noticed.setdefault(row["device_id"], []).append(
            float(json.loads(row["detail"]).get("last_seen", 0.0)))
    found = []
    for device in store.devices():
        last = device.last_seen if device.last_seen is not None else device.enrolled
        limit = settings.silent_seconds(device.role)
        before = noticed.get(device.device_id, [])
        if now - last > limit and last not in before:
            found.append(NewAlert(f"silent:{device.device_id}:{len(before) + 1}", "silent",
                                  device.device_id, last + limit,
                                  {"last_seen": last, "hours": limit / 3600, "by": "county"}))
    return found


#: The page hash of a photo the county holds (None: not held, or not a photo).
PageHasher = Callable[[str], PageHash | None]


def differing_pages(device_id: str, records: list[dict[str, Any]],
                    documents: Mapping[str, tuple[str, str]], page_hash: PageHasher,
                    known: set[str]) -> tuple[list[NewAlert], bool]:
    """Stamps whose photo shows another page than the approved request's
    document photo. *documents*: by approval id, (request id, document
    photo). And whether every stamp was compared (False: a photo is not
    here yet)."""
    found, complete = [], True
    for record in records:
        photo = record.get("photo")
        aid = record.get("aid")
        if (record.get("kind") != "stamp" or not isinstance(photo, str)
                or not SHA256_HEX.fullmatch(photo) or not isinstance(aid, str)
                or aid not in documents):
            continue
        key = f"doc_differs:{device_id}:{record['seq']}"
        if key in known:
            continue
        req, document = documents[aid]
        stamped_hash, document_hash = page_hash(photo), page_hash(document)
        if stamped_hash is None or document_hash is None:
            complete = False  # not here yet: looked at again next time
            continue
        if differs(document_hash, stamped_hash):
            at = _number(record.get("at"))
            share = difference(document_hash, stamped_hash)
            found.append(NewAlert(key, "doc_differs", device_id, at or 0.0, {
                "seq": record["seq"], "req": req, "aid": aid, "document": document,
                "stamp": photo, "photos": [document, photo],
                "difference": round(share or 0.0, 3), "by": "county"}))
    return found, complete


# -- noticing and reading -----------------------------------------------------------


@dataclass
class LedgerMemo:
    """What noticing learnt of each station's ledger, kept between looks by
    one server process: a ledger with as many records at the county as last
    time (records are only ever added) is not read and checked again."""

    records: dict[str, int] = field(default_factory=dict)  # by station
    stamp_photos: dict[str, dict[str, int]] = field(default_factory=dict)  # photo -> seq


def notice_alerts(store: Store, settings: SupervisionSettings, now: float,
                  page_hash: PageHasher, memo: LedgerMemo | None = None) -> int:
    """Notice every alert the county's facts hold; the number new. With
    *memo*, the ledgers unchanged since the last look are not read again."""
    devices = {d.device_id: d for d in store.devices()}
    known = {row["key"] for row in store.execute("SELECT key FROM console_alerts")}
    alarms = alarm_events(store)
    answers = store.seal_answers()
    approved_uses = {a.answer_id: a.uses for a in answers.values() if a.answer == "approved"}
    requests = {r.key: r for r in filed_requests(store).requests}
    documents = {a.answer_id: (a.req, requests[key].photos[0]) for key, a in answers.items()
                 if a.answer == "approved" and key in requests and requests[key].photos}
    found = silent_devices(store, settings, now)
    counts = {row["device_id"]: int(row["n"]) for row in store.execute(
        "SELECT device_id, count(*) AS n FROM events WHERE stream = ? GROUP BY device_id",
        (LEDGER_STREAM,))}
    stamp_seqs: dict[tuple[str, str], int] = {}
    checked: dict[str, tuple[int, dict[str, int]]] = {}
    for device_id in devices:
        count = counts.get(device_id, 0)
        if memo is not None and count and memo.records.get(device_id) == count:
            stamp_seqs.update({(device_id, photo): seq for photo, seq
                               in memo.stamp_photos.get(device_id, {}).items()})
            continue
        payloads = store.payloads(device_id, LEDGER_STREAM)
        if not payloads:
            continue
        records = ledger_records(payloads)
        photos = {r["photo"]: r["seq"] for r in records
                  if r.get("kind") == "stamp" and isinstance(r.get("photo"), str)}
        stamp_seqs.update({(device_id, photo): seq for photo, seq in photos.items()})
        mine = [a for a in alarms if a.device_id == device_id]
        found += from_ledger(device_id, payloads, mine, approved_uses, now)
        differing, complete = differing_pages(device_id, records, documents, page_hash, known)
        found += differing
        if complete:
            checked[device_id] = (count, photos)
    found += from_alarms(alarms, stamp_seqs)
    new = 0
    with store.transaction():
        for alert in found:
            device = devices.get(alert.device_id)
            if alert.key in known or device is None:
                continue
            happened, detail = device_time(alert.happened, now), alert.detail
            if happened is None:  # the station's clock is wrong: when the county noticed it
                happened, detail = now, {**detail, "station_time": alert.happened}
            stored = store.execute(
                "INSERT INTO console_alerts (key, kind, device_id, village_code, happened, "
                "noticed, detail) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING "
                "RETURNING key",
                (alert.key, alert.kind, alert.device_id, device.village_code, happened,
                 now, json.dumps(detail, ensure_ascii=False, sort_keys=True)))
            known.add(alert.key)
            new += len(stored)
    if memo is not None:  # only once what was found is stored
        for device_id, (count, photos) in checked.items():
            memo.records[device_id], memo.stamp_photos[device_id] = count, photos
    return new


_COLUMNS = "key, kind, device_id, village_code, happened, noticed, detail"


def _alerts(store: Store, rows: list[dict[str, Any]]) -> list[Alert]:
    steps: dict[str, list[Step]] = {}
    if rows:
        for row in store.execute("SELECT alert, step, actor, at, address, note "
                                 "FROM console_alert_steps ORDER BY at"):
            steps.setdefault(row["alert"], []).append(
                Step(row["step"], row["actor"], float(row["at"]), row["address"], row["note"]))
    return [Alert(row["key"], row["kind"], row["device_id"], row["village_code"],
                  float(row["happened"]), float(row["noticed"]), json.loads(row["detail"]),
                  tuple(steps.get(row["key"], ()))) for row in rows]


def visible_alerts(store: Store, account: Account) -> list[Alert]:
    """The alerts of the villages *account* sees, newest first."""
    rows = store.execute(f"SELECT {_COLUMNS} FROM console_alerts "
                         "ORDER BY happened DESC, noticed DESC, key")
    if EVERYWHERE not in account.villages:
        rows = [row for row in rows if account.sees_village(row["village_code"])]
    return _alerts(store, rows)


def find_alert(store: Store, account: Account, key: str) -> Alert | None:
    rows = store.execute(f"SELECT {_COLUMNS} FROM console_alerts WHERE key = ?", (key,))
    if not rows or not account.sees_village(rows[0]["village_code"]):
        return None
    return _alerts(store, rows)[0]


def take_step(store: Store, account: Account, alert: Alert, step: str, note: str, *,
              address: str, now: float) -> None:
    """Acknowledge or close *alert* with *note*, audited in the same
    transaction; :class:`AlertRefused` if it has gone past that step."""
    note = note.strip()
    if step == "closed" and not note:
        raise AlertRefused("关闭报警要写一句说明：查了什么，结果怎样。")
    if len(note) > MAX_NOTE:
        raise AlertRefused(f"说明太长了，请写在 {MAX_NOTE} 个字以内。")
    with store.transaction():
        done = {row["step"] for row in store.execute(
            "SELECT step FROM console_alert_steps WHERE alert = ?", (alert.key,))}
        if "closed" in done:
            raise AlertRefused("这条报警已经关闭了，不能再改。有新情况会是一条新的报警。")
        if step in done:
            raise AlertRefused("这条报警已经标记为知悉了。")
        stored = store.execute(
            "INSERT INTO console_alert_steps (alert, step, actor, at, address, note) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (alert, step) DO NOTHING RETURNING alert",
            (alert.key, step, account.name, now, address, note))
        if not stored:
            raise AlertRefused("这条报警刚刚已经有人处理过了，请刷新页面看看。")
        audit.record(store, at=now, actor=account.name,
                     action="alert_closed" if step == "closed" else "alert_acknowledged",
                     address=address, object=f"alert:{alert.key}", kind=alert.kind,
                     device=alert.device_id, note=note)
