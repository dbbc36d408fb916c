"""Every console page the screenshots show (``village-edge county
screenshots``), on the sample data of :mod:`county.console.sample_data`:
:data:`PAGES` is the list to extend, one entry per page (or per state of a
page worth seeing)."""

from __future__ import annotations

from dataclasses import dataclass

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
