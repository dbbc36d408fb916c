"""The device's state directory, laid out in one place.

Everything a device keeps between starts lives under one directory
(``/var/lib/village-edge`` on a device, owned by the service user). Every
part that reads or writes there asks :class:`DeviceState` for the path, so
the layout is written here and nowhere else::

    keys/device.key         the device's Ed25519 key (0600; never leaves it)
    enrollment.json         the county it enrolled with, and that county's key
    commissioning.json      the outcome of the last first-boot commissioning
    outbox/                 events and photos waiting for the county
    feed/                   signed documents from the county
    sync-status.json        the sync agent's last success and last error
    ledger/                 the seal station's hash-chained ledger
    ledger-mark             the seq and hash of its last record (outside ledger/)
    trusted-time            the newest time the seal station had reason to trust
    print-queue/            receipts kept while the printer cannot print
    printer-status.json     the paper, as the printer last said (for the health report)
    kiosk/                  the kiosk's technician PIN, Kivy's home and fonts
    printer/                receipts of a simulated printer (ESC/POS bytes)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DEVICE_STATE_DIR = Path("/var/lib/village-edge")


@dataclass(frozen=True)
class DeviceState:
    """The paths under one device's state directory *root*. Making one
    touches nothing on disk."""

    root: Path

    @property
    def device_key(self) -> Path:
        return self.root / "keys" / "device.key"

    @property
    def enrollment(self) -> Path:
        return self.root / "enrollment.json"

    @property
    def commissioning(self) -> Path:
        return self.root / "commissioning.json"

    @property
    def outbox(self) -> Path:
        return self.root / "outbox"

    @property
    def feed(self) -> Path:
        return self.root / "feed"

    @property
    def sync_status(self) -> Path:
        return self.root / "sync-status.json"

    @property
    def ledger(self) -> Path:
        return self.root / "ledger"

    @property
    def ledger_mark(self) -> Path:
        """The ledger's high-water mark, kept outside ``ledger/`` so that what
        damages or replaces that directory does not take the mark with it."""
        return self.root / "ledger-mark"

    @property
    def trusted_time(self) -> Path:
        return self.root / "trusted-time"

    @property
    def print_queue(self) -> Path:
        return self.root / "print-queue"

    @property
    def printer_status(self) -> Path:
        """What the printer last said of its paper (sync.device_health.note_paper)."""
        return self.root / "printer-status.json"

    @property
    def kiosk(self) -> Path:
        return self.root / "kiosk"

    @property
    def screenshot_acted(self) -> Path:
        """The last screenshot command the kiosk acted on (kiosk.fleet_link)."""
        return self.kiosk / "screenshot-acted"

    @property
    def technician_pin(self) -> Path:
        return self.kiosk / "technician-pin"

    @property
    def simulated_printer(self) -> Path:
        return self.root / "printer" / "receipts.bin"
