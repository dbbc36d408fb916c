"""The supervisors' pages (督): the alerts of the villages the account
sees, newest first, each with its photos, acknowledged and closed with a
note (audited; an alert only moves forward); per seal station, its ledger
as a timeline with the photo of every stamp, the chain's verification and
its gaps; figures per village and month.

The alerts come from :mod:`county.console.alerts`, noticed again each time
a supervisor's page is opened; the timeline from
:mod:`county.console.timeline`; the figures from :mod:`county.console.figures`.
"""

from __future__ import annotations

from pathlib import Path

from starlette.responses import Response

from county.console.alerts import (
    KINDS,
    Alert,
    AlertRefused,
    LedgerMemo,
    PageHasher,
    find_alert,
    notice_alerts,
    take_step,
    visible_alerts,
)
from county.console.figures import WHAT, WHAT_NAMES, county_facts, tally
from county.console.page_hash import UNREADABLE, NotAPage, PageHash, page_hash
from county.console.paging import one_page
from county.console.photos import newest_held, photo_url, shown_photos
from county.console.registry import MenuEntry
from county.console.supervision_settings import read_supervision_settings
from county.console.timeline import station_timeline
from county.console.web import Call, NotFound, Refused, page
from county.errors import CountyError
from county.inputs import whole_or_none
from county.ledger_clearing import SEAL_ROLES
from county.objects import ObjectDamaged
from durable.atomic import atomic_write
from protocol.api import LEDGER_STREAM, SHA256_HEX

ROLE = "supervisor"
TIMELINE_PAGE = 100  # records a timeline page shows
HASHES_PER_PAGE = 8  # photos decoded for the document comparison during one page
#: What this process has checked of each county's ledgers (by data directory).
_MEMOS: dict[Path, LedgerMemo] = {}


def _page_hasher(call: Call) -> PageHasher:
    """The page hash of a photo the county holds, cached by its sha256. At
    most :data:`HASHES_PER_PAGE` photos are decoded for one page: the others
    are "not here yet" for this page (their stamps are compared on a later
    one), so no page waits for every photo of the county to be decoded."""
    cache: Path = call.console.cache / "page-hash"
    county = call.console.county
    budget = [HASHES_PER_PAGE]

    def hasher(digest: str) -> PageHash | None:
        if not SHA256_HEX.fullmatch(digest):
            return None
        kept = cache / f"{digest}.txt"
        try:
            return PageHash.parse(kept.read_text(encoding="ascii"))
        except (FileNotFoundError, ValueError):
            pass
        progress = call.store.blob(digest)
        if progress is None or not progress.complete or budget[0] <= 0:
            return None
        budget[0] -= 1
        try:
            found = page_hash(county.objects.read(digest))
        except (FileNotFoundError, ObjectDamaged):
            return None
        except NotAPage:  # never compared, and never decoded again
            found = UNREADABLE
        cache.mkdir(parents=True, exist_ok=True)
        atomic_write(kept, found.text().encode("ascii"))
        return found

    return hasher


def _notice(call: Call) -> None:
    try:
        settings = read_supervision_settings(call.console.county.root)
    except CountyError as error:
        raise Refused(500, f"县里的设置文件有错，请技术员改正：{error}") from None
    memo = _MEMOS.setdefault(call.console.county.root, LedgerMemo())
    notice_alerts(call.store, settings, call.now, _page_hasher(call), memo)


def _villages(call: Call) -> set[str] | None:
    account = call.account
    return None if "*" in account.villages else set(account.villages)


def alert_list(call: Call) -> Response:
    _notice(call)
    show = call.query("show")
    alerts = visible_alerts(call.store, call.account)
    open_count = sum(1 for alert in alerts if alert.state != "closed")
    if show != "all":
        alerts = [alert for alert in alerts if alert.state != "closed"]
    pager = one_page(call, alerts, "/supervisor/alerts")
    thumbs = {alert.key: newest_held(call, alert.photos) for alert in pager.items}
    return call.render("supervisor/alerts.html", title="报警", alerts=pager.items, pager=pager,
                       show_all=show == "all", open_count=open_count, photo_url=photo_url,
                       thumbs=thumbs)


def _alert(call: Call) -> Alert:
    alert = find_alert(call.store, call.account, call.params["key"])
    if alert is None:
        raise NotFound
    return alert


def alert_page(call: Call, *, problem: str | None = None, status: int = 200) -> Response:
    alert = _alert(call)
    device = call.store.device(alert.device_id)
    return call.render("supervisor/alert.html", status=status, title=alert.name, alert=alert,
                       problem=problem, photo_url=photo_url, kinds=KINDS,
                       alert_photos=shown_photos(call, alert.photos),
                       last_seen=device.last_seen if device else None,
                       base=f"/supervisor/alerts/{alert.key}")


def _step(call: Call, step: str) -> Response:
    alert = _alert(call)
    try:
        take_step(call.store, call.account, alert, step, call.form.get("note", ""),
                  address=call.address, now=call.now)
    except AlertRefused as refused:
        return alert_page(call, problem=str(refused), status=409)
    return call.redirect(f"/supervisor/alerts/{alert.key}")


def acknowledge(call: Call) -> Response:
    return _step(call, "acknowledged")


def close(call: Call) -> Response:
    return _step(call, "closed")


def _stations(call: Call) -> list[tuple[str, str, float | None]]:
    return [(d.device_id, d.village_code, d.last_seen) for d in call.store.devices()
            if d.role in SEAL_ROLES and call.account.sees_village(d.village_code)]


def station_list(call: Call) -> Response:
    _notice(call)
    open_alerts: dict[str, int] = {}
    for alert in visible_alerts(call.store, call.account):
        if alert.state != "closed":
            open_alerts[alert.device_id] = open_alerts.get(alert.device_id, 0) + 1
    pager = one_page(call, _stations(call), "/supervisor/stations")
    stations = []
    for device_id, village, last_seen in pager.items:
        timeline = station_timeline(device_id, call.store.payloads(device_id, LEDGER_STREAM))
        stations.append((device_id, village, last_seen, timeline,
                         open_alerts.get(device_id, 0)))
    return call.render("supervisor/stations.html", title="用印记录", stations=stations,
                       pager=pager)


def station_page(call: Call) -> Response:
    device_id = call.params["device"]
    device = call.store.device(device_id)
    if device is None or device.role not in SEAL_ROLES \
            or not call.account.sees_village(device.village_code):
        raise NotFound
    timeline = station_timeline(device_id, call.store.payloads(device_id, LEDGER_STREAM))
    newest_first = list(reversed(timeline.entries))
    before = whole_or_none(call.query("before") or "")
    if before is not None:
        newest_first = [entry for entry in newest_first if entry.seq < before]
    shown = newest_first[:TIMELINE_PAGE]
    earlier = shown[-1].seq if len(newest_first) > TIMELINE_PAGE else None
    alerts = [a for a in visible_alerts(call.store, call.account) if a.device_id == device_id]
    return call.render("supervisor/station.html", title="用印记录", device=device,
                       timeline=timeline, entries=shown, earlier=earlier, photo_url=photo_url,
                       alerts=alerts[:5])


def figures(call: Call) -> Response:
    _notice(call)
    per_village, total = tally(county_facts(call.store, _villages(call)))
    return call.render("supervisor/figures.html", title="统计", villages=per_village,
                       total=total, what=WHAT, what_names=WHAT_NAMES)


_ALERT = "/supervisor/alerts/{key}"
ROUTES = [
    page("/supervisor/alerts", alert_list, role=ROLE, name="supervisor"),
    page(_ALERT, alert_page, role=ROLE, name="supervisor_alert"),
    page(_ALERT + "/acknowledge", acknowledge, role=ROLE, methods=("POST",)),
    page(_ALERT + "/close", close, role=ROLE, methods=("POST",)),
    page("/supervisor/stations", station_list, role=ROLE, name="supervisor_stations"),
    page("/supervisor/stations/{device}", station_page, role=ROLE, name="supervisor_station"),
    page("/supervisor/figures", figures, role=ROLE, name="supervisor_figures"),
]
MENU = (MenuEntry(ROLE, "报警", "/supervisor/alerts"),
        MenuEntry(ROLE, "用印记录", "/supervisor/stations"),
        MenuEntry(ROLE, "统计", "/supervisor/figures"))
