"""The county approver's and supervisor's seal commands: ``county requests``,
``approve``, ``refuse``, ``stamps`` and ``stamp-photo`` (see
:mod:`county.approvals` and :mod:`county.stamps`).

:mod:`village_edge.county_commands` adds them to ``county`` with
:func:`add_seal_parsers` and runs them with :func:`run_seal_command`.
"""

from __future__ import annotations

import argparse
import json
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from village_edge.arguments import OUTPUT_FILE, FloatRange, IntRange, PathArg

if TYPE_CHECKING:
    from county.request_states import RequestReport, RequestStatus
    from county.stamps import StationStamps

#: The stamps an approval may allow: :data:`protocol.approval_token.MIN_USES` and
#: ``MAX_USES`` (a test keeps them equal; importing that module here would load
#: the cryptography library for every usage error).
MIN_USES, MAX_USES = 1, 50
MAX_APPROVAL_MINUTES = 24 * 60
MAX_SEQ = 2 ** 53
#: Where the QR code goes: a PNG file, or a directory for approval-AID.png.
QR_OUTPUT = PathArg("output", "any")


def add_seal_parsers(
    sub: argparse._SubParsersAction,  # type: ignore[type-arg]
    data_option: Callable[[argparse.ArgumentParser], None],
) -> None:
    requests = sub.add_parser("requests", help="the seal requests stations have sent, and "
                                               "where each stands")
    requests.add_argument("--json", action="store_true", help="print them as JSON")
    data_option(requests)

    def which(parser: argparse.ArgumentParser, verb: str) -> None:
        parser.add_argument("--request", required=True, metavar="ID",
                            help="the request id shown on the station's panel")
        parser.add_argument("--device", metavar="ID",
                            help=f"the station that asked (needed only when two stations "
                                 f"sent that id; a request is {verb} once)")
        parser.add_argument("--approver", default="county.approver", metavar="ID",
                            help="who answers (recorded and shown to the station)")

    approve = sub.add_parser("approve", help="approve a seal request: a signed token, sent to "
                                             "the station and shown as a QR code")
    which(approve, "approved")
    approve.add_argument("--uses", type=IntRange(MIN_USES, MAX_USES), required=True,
                         help=f"stamps allowed ({MIN_USES} to {MAX_USES}, at most what the "
                         "station asked for)")
    approve.add_argument("--minutes", type=FloatRange(above=0, high=MAX_APPROVAL_MINUTES),
                         default=10, help="how long the approval lasts (default 10, at "
                         "most a day)")
    approve.add_argument("--qr", type=QR_OUTPUT, metavar="PATH", default=Path("."),
                         help="the QR code's PNG file, or a directory to save "
                              "approval-AID.png in (default: the current directory)")
    data_option(approve)

    refuse = sub.add_parser("refuse", help="refuse a seal request: the station shows the "
                                           "reason to the custodian")
    which(refuse, "answered")
    refuse.add_argument("--reason", required=True, metavar="TEXT",
                        help="why, in plain words for the custodian (one line, at most "
                             "200 characters)")
    data_option(refuse)

    stamps = sub.add_parser("stamps", help="every stamp the stations recorded, with its photo")
    stamps.add_argument("--device", metavar="ID", help="one station only")
    stamps.add_argument("--json", action="store_true", help="print them as JSON")
    data_option(stamps)

    photo = sub.add_parser("stamp-photo", help="save the photo of one stamp to a file")
    photo.add_argument("--device", required=True, metavar="ID", help="the station")
    photo.add_argument("--seq", type=IntRange(1, MAX_SEQ), required=True,
                       help="the stamp's ledger seq ('county stamps' lists them)")
    photo.add_argument("--out", type=OUTPUT_FILE, required=True, metavar="FILE",
                       help="where to save the photo (JPEG)")
    data_option(photo)


def run_seal_command(args: argparse.Namespace, out: TextIO) -> int:
    commands: dict[str, Callable[[argparse.Namespace, TextIO], int]] = {
        "requests": _requests, "approve": _approve, "refuse": _refuse, "stamps": _stamps,
        "stamp-photo": _stamp_photo,
    }
    return commands[args.county_command](args, out)


def printable(text: str) -> str:
    """*text* from a device, safe to print: control characters escaped."""
    return "".join(c if unicodedata.category(c)[0] != "C" else f"\\u{ord(c):04x}"
                   for c in text)


def _when(timestamp: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(timestamp))


def _detail(status: RequestStatus) -> str:
    answer, session = status.answer, status.session
    if session is not None:
        of = f" of {session.uses}" if session.uses is not None else ""
        return f"{session.stamps}{of} stamps with {session.aid}"
    if answer is None:
        return ""
    if answer.answer == "refused":
        return f"refused by {printable(answer.approver)}: {printable(answer.reason or '')}"
    sent = "" if answer.published else ", NOT YET SENT: approve again to send it"
    until = _when(answer.expires) if answer.expires is not None else "?"
    return f"{answer.answer_id}, {answer.uses} stamps until {until}{sent}"


def request_lines(report: RequestReport) -> list[str]:
    """``county requests`` for a person."""
    lines = []
    for status in report.statuses:
        request = status.request
        lines.append(f"{status.state.value:<9}  {request.req}  {request.device_id}  "
                     f"{request.slot}  {request.uses} stamps  {_when(request.received)}  "
                     f"{printable(request.matter)}")
        detail = _detail(status)
        if detail:
            lines.append(f"           {detail}")
    if not report.statuses:
        lines.append("no seal requests yet")
    for device_id, count in sorted(report.filed.foreign.items()):
        lines.append(f"IGNORED: {count} seal request(s) from {device_id}, which is not enrolled "
                     "as a seal station: never listed nor approvable; ask who set it up")
    for device_id, count in sorted(report.filed.malformed.items()):
        lines.append(f"IGNORED: {count} seal request event(s) from {device_id} that are not "
                     "requests (fields missing or wrong)")
    return lines


def _status_dict(status: RequestStatus) -> dict[str, Any]:
    from dataclasses import asdict

    answer = asdict(status.answer) if status.answer is not None else None
    if answer is not None:
        answer.pop("token")
    return {"state": status.state.value, "request": asdict(status.request), "answer": answer,
            "session": asdict(status.session) if status.session is not None else None}


def _requests(args: argparse.Namespace, out: TextIO) -> int:
    from county.approvals import requests_now

    report = requests_now(args.data)
    if args.json:
        json.dump({"requests": [_status_dict(s) for s in report.statuses],
                   "ignored_from_devices_not_seal_stations": report.filed.foreign,
                   "malformed": report.filed.malformed}, out, ensure_ascii=False, indent=2)
        out.write("\n")
    else:
        out.writelines(line + "\n" for line in request_lines(report))
    return 0


def _approve(args: argparse.Namespace, out: TextIO) -> int:
    from county.approvals import approve

    issued = approve(args.data, args.request, device_id=args.device, uses=args.uses,
                     minutes=args.minutes, approver=args.approver, qr=args.qr)
    approval = issued.approval
    if issued.resumed:
        out.write(f"approval {approval.aid} was recorded before but never sent (the last "
                  "'county approve' was cut off); it is sent now as it was written\n")
    out.write(f"approved {approval.req} on {approval.dev}, seal {approval.slot}: "
              f"{approval.uses} stamps until "
              f"{time.strftime('%H:%M', time.localtime(approval.exp))}\n"
              f"sent to the station through its feed; for an offline station show "
              f"{issued.qr_path}\n"
              f"{issued.token}\n")
    return 0


def _refuse(args: argparse.Namespace, out: TextIO) -> int:
    from county.approvals import refuse

    refusal = refuse(args.data, args.request, device_id=args.device, reason=args.reason,
                     approver=args.approver)
    out.write(f"refused {refusal.req} on {refusal.dev} ({refusal.rid}): {refusal.reason}\n"
              "sent to the station through its feed; its panel shows the reason\n")
    return 0


def stamp_lines(stations: list[StationStamps]) -> list[str]:
    """``county stamps`` for a person."""
    lines = []
    for station in stations:
        chain = station.chain
        verdict = ("chain OK" if chain.ok else
                   f"chain BROKEN at seq {chain.first_bad_seq}: {chain.problem}")
        lines.append(f"{station.device_id}: {len(station.stamps)} stamps, "
                     f"{station.photos_held} photos held; {verdict}")
        for stamp in station.stamps:
            when = _when(stamp.at) if stamp.at is not None else "?"
            of = f"{stamp.n} of {stamp.uses}" if stamp.uses is not None else f"{stamp.n}"
            held = "held" if stamp.photo_held else "NOT YET HERE"
            photo = "no photo" if stamp.photo is None else f"photo {stamp.photo[:16]} {held}"
            unverified = "" if stamp.verified else "  UNVERIFIED (after the break)"
            lines.append(f"  seq {stamp.seq}  {when}  {printable(stamp.slot)}  "
                         f"{printable(stamp.aid or '?')}  stamp {of}  "
                         f"request {printable(stamp.req or '?')}  {photo}{unverified}")
    if not stations:
        lines.append("no station has sent its ledger yet")
    return lines


def _stamps(args: argparse.Namespace, out: TextIO) -> int:
    from county.stamps import station_stamps

    stations = station_stamps(args.data, args.device)
    if args.json:
        json.dump([s.to_dict() for s in stations], out, ensure_ascii=False, indent=2)
        out.write("\n")
    else:
        out.writelines(line + "\n" for line in stamp_lines(stations))
    return 0


def _stamp_photo(args: argparse.Namespace, out: TextIO) -> int:
    from county.stamps import save_stamp_photo

    stamp = save_stamp_photo(args.data, args.device, args.seq, args.out)
    out.write(f"saved the photo of stamp {stamp.seq} of {stamp.device_id} "
              f"(sha256 {stamp.photo}, checked) to {args.out}\n")
    return 0
