"""Every console page the screenshots show (``village-edge county
screenshots``), on the sample data of :mod:`county.console.sample_data`:
:data:`PAGES` is the list to extend, one entry per page (or per state of a
page worth seeing)."""

from __future__ import annotations

from dataclasses import dataclass

from county.console import complaints_tour, disclosures_sample
from county.console import sample_data as sample


@dataclass(frozen=True)
class TourPage:
    name: str  # the screenshot's file name, before -phone.png / -pc.png
    path: str  # under /console
    account: str | None  # who is logged in (a sample account), None: nobody


def _request(device: str, req: str) -> str:
    return f"/approver/requests/{device}/{req}"


PAGES: list[TourPage] = [
    TourPage("login", "/login", None),
    TourPage("home-admin", "/", "admin"),
    TourPage("approver-list", "/approver", "wang"),
    TourPage("approver-request", _request(sample.STATION, sample.OPEN_REQUEST), "wang"),
    TourPage("approver-request-amount", _request(sample.STATION, sample.LEVELS_REQUEST), "wang"),
    TourPage("approver-request-own", _request(sample.STATION, sample.OPEN_REQUEST), "zhao"),
    TourPage("approver-request-used", _request(sample.STATION, sample.DONE_REQUEST), "wang"),
    TourPage("approver-request-refused", _request(sample.STATION, sample.REFUSED_REQUEST),
             "wang"),
    TourPage("approver-list-township", "/approver", "li"),
    TourPage("approver-request-qr", _request(sample.OTHER_STATION, sample.APPROVED_REQUEST),
             "li"),
    TourPage("not-found", _request(sample.OTHER_STATION, sample.FOREIGN_REQUEST), "wang"),
    TourPage("technician-fleet", "/technician", "zhang"),
    TourPage("technician-kiosk", f"/technician/devices/{sample.KIOSK}", "zhang"),
    TourPage("technician-station", f"/technician/devices/{sample.STATION}", "zhang"),
    TourPage("technician-silent", f"/technician/devices/{sample.SILENT_KIOSK}", "zhang"),
    TourPage("technician-enroll", f"/technician/enroll?device={sample.SILENT_KIOSK}", "zhang"),
    TourPage("technician-fleet-village", "/technician", "chen"),
]

_ALERT = "/supervisor/alerts/"
#: The supervisors' pages: sun sees one village, zhou the whole county.
PAGES += [
    TourPage("supervisor-alerts", "/supervisor/alerts", "sun"),
    TourPage("supervisor-alert-forced-press",
             f"{_ALERT}alarm:{sample.STATION}:{sample.FORCED_PRESS_EVENT}", "sun"),
    TourPage("supervisor-alert-not-returned", f"{_ALERT}not_returned:{sample.STATION}:13",
             "sun"),
    TourPage("supervisor-alert-camera", f"{_ALERT}alarm:{sample.STATION}:sample-alarm-camera",
             "sun"),
    TourPage("supervisor-alert-over-stamps", f"{_ALERT}over_stamps:{sample.STATION}:11", "sun"),
    TourPage("supervisor-alerts-all", "/supervisor/alerts?show=all", "zhou"),
    TourPage("supervisor-alert-closed", f"{_ALERT}alarm:{sample.STATION}:sample-alarm-removed",
             "zhou"),
    TourPage("supervisor-alert-ledger", f"{_ALERT}chain:{sample.OTHER_STATION}:6", "zhou"),
    TourPage("supervisor-alert-silent", f"{_ALERT}silent:{sample.SILENT_KIOSK}:1", "zhou"),
    TourPage("supervisor-alert-doc-differs", f"{_ALERT}doc_differs:{sample.OTHER_STATION}:3",
             "zhou"),
    TourPage("supervisor-stations", "/supervisor/stations", "zhou"),
    TourPage("supervisor-station", f"/supervisor/stations/{sample.STATION}", "sun"),
    TourPage("supervisor-station-gap", f"/supervisor/stations/{sample.OTHER_STATION}", "zhou"),
    TourPage("supervisor-figures", "/supervisor/figures", "zhou"),
]
PAGES += complaints_tour.pages()
PAGES += disclosures_sample.tour_pages()
