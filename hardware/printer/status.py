"""What a printer connection can tell about itself, in words a technician can act on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

PaperState = Literal["ok", "near_end", "out", "unknown"]

_PAPER_CODES: dict[int, PaperState] = {2: "ok", 1: "near_end", 0: "out"}


def connection_errors() -> tuple[type[BaseException], ...]:
    """What a failing printer connection raises.

    Sockets, serial ports and pyusb raise OSError subclasses, python-escpos its
    own Error (e.g. DeviceNotFoundError). python-escpos is imported here, not at
    module import, because importing it reads and caches its printer database.
    """
    from escpos.exceptions import Error as EscposError

    return (OSError, EscposError)


@dataclass(frozen=True)
class PrinterStatus:
    """``online`` None and ``paper`` "unknown" mean the connection cannot tell."""

    online: bool | None
    paper: PaperState
    detail: str


def describe(connection: Any) -> str:
    """Where the printer is, e.g. "printer at 192.168.1.50:9100"."""
    from escpos.printer import Dummy, File, Network, Serial, Usb

    if isinstance(connection, Network):
        return f"printer at {connection.host}:{connection.port}"
    if isinstance(connection, Usb):
        ids = connection.usb_args
        return f"USB printer {ids.get('idVendor', 0):04x}:{ids.get('idProduct', 0):04x}"
    if isinstance(connection, Serial):
        return f"serial printer on {connection.devfile}"
    if isinstance(connection, File):
        return f"file {connection.devfile}"
    if isinstance(connection, Dummy):
        return "in-memory printer"
    return f"printer {type(connection).__name__}"


def offline_hint(connection: Any) -> str:
    """What to check when the printer does not answer."""
    from escpos.printer import File, Network, Serial, Usb

    if isinstance(connection, Network):
        return "check power, network cable and the printer's IP address"
    if isinstance(connection, Usb):
        return "check power and USB cable (lsusb should list the printer)"
    if isinstance(connection, Serial):
        return "check power, serial cable and baud rate"
    if isinstance(connection, File):
        return "check that the file can be written"
    return "check power and cable"


def can_report(connection: Any) -> bool:
    """True if ``connection`` can answer ``is_online()`` (it reads from the printer)."""
    return _answers(connection, "is_online")


def query_status(connection: Any) -> PrinterStatus:
    """Ask the printer; never raises for connection failures (they mean offline)."""
    where = describe(connection)
    if not can_report(connection):
        return PrinterStatus(None, "unknown", f"{where}: status not reported by this connection")
    offline = f"{where} does not answer: {offline_hint(connection)}"
    try:
        online = bool(connection.is_online())
    except connection_errors() as exc:
        return PrinterStatus(False, "unknown", f"{offline} ({exc})")
    if not online:
        return PrinterStatus(False, "unknown", offline)
    paper: PaperState = "unknown"
    if _answers(connection, "paper_status"):
        try:
            paper = _PAPER_CODES.get(connection.paper_status(), "unknown")
        except connection_errors() as exc:
            return PrinterStatus(False, "unknown", f"{offline} ({exc})")
    return PrinterStatus(True, paper, _paper_detail(where, paper))


def _paper_detail(where: str, paper: PaperState) -> str:
    if paper == "ok":
        return f"{where} is online, paper ok"
    if paper == "near_end":
        return f"{where} is online, paper roll nearly used up: replace it soon"
    if paper == "out":
        return f"{where} is out of paper: load a new roll and close the cover"
    return f"{where} is online, paper state not reported"


def _answers(connection: Any, query: str) -> bool:
    """A query works if the class overrides it or can read from the printer at all.

    The base Escpos queries write a request and then read the reply; a
    connection that cannot read (File, Dummy) would only get the request
    bytes mixed into its output, so those are never asked.
    """
    from escpos.escpos import Escpos

    cls = type(connection)
    overrides_query = getattr(cls, query, None) is not getattr(Escpos, query)
    can_read = getattr(cls, "_read", None) is not Escpos._read
    return overrides_query or can_read
