"""The whole kiosk as one view-model: which screen is showing, what each
screen shows, and where every tap leads. The Kivy app only draws this.

Only the home screen's parts are made with it. Each other screen's
view-model (search, disclosures, complaint, progress, receipt, the
technician's corner) is made, and its module imported, when it is first
used: the kiosk's first frame waits for none of them, and each is the same
object from then on, as if it had been made at the start.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING

from kiosk.viewmodels.catalog_source import CatalogSnapshot, CatalogSource
from kiosk.viewmodels.freshness import updated_line
from kiosk.viewmodels.home import HomeButton, home_buttons
from kiosk.viewmodels.idle import IdleTimer
from kiosk.viewmodels.items import ListRow, group_rows, group_title
from kiosk.viewmodels.services import KioskServices
from powerlist import Catalog

if TYPE_CHECKING:
    from kiosk.viewmodels.complaint import ComplaintViewModel
    from kiosk.viewmodels.detail import ItemDetailViewModel
    from kiosk.viewmodels.disclosures import DisclosuresViewModel
    from kiosk.viewmodels.feeds import FeedReader
    from kiosk.viewmodels.flowchart import FlowchartViewModel
    from kiosk.viewmodels.progress import ProgressViewModel
    from kiosk.viewmodels.receipt import ReceiptViewModel
    from kiosk.viewmodels.roster import Roster
    from kiosk.viewmodels.search import SearchViewModel
    from kiosk.viewmodels.technician import (
        CornerTaps,
        PinPad,
        TechnicianHooks,
        TechnicianViewModel,
    )

SCREENS = ("home", "list", "detail", "flowchart", "disclosures", "search", "complaint",
           "progress", "receipt", "pin", "technician", "attract")
SAMPLE_MARK = "示范样本"


class KioskViewModel:
    """Navigation and state of every screen. *clock* gives monotonic seconds
    for timers; *now* gives the wall-clock time for "updated at" lines."""

    def __init__(
        self,
        catalogs: CatalogSource,
        feed: FeedReader | None,
        services: KioskServices,
        *,
        technician: TechnicianHooks,
        pin: str,
        clock: Callable[[], float],
        now: Callable[[], datetime] = datetime.now,
        idle: IdleTimer | None = None,
    ) -> None:
        self._catalogs = catalogs
        self._feed = feed
        self.services = services
        self._clock = clock
        self._now = now
        self.screen = "home"
        self._history: list[str] = []
        self.large_text = False
        self.idle = idle or IdleTimer(last_touch=clock())
        self._pin = pin
        self._technician_hooks = technician
        self.group = "public_power"
        self.detail: ItemDetailViewModel | None = None
        self.flowchart: FlowchartViewModel | None = None
        self.message = ""  # a one-line notice, e.g. after read-aloud
        self._roster: tuple[int, Roster] | None = None
        self._shown: CatalogSnapshot | None = None

    # -- the other screens' view-models, made when first used ---------------------

    @cached_property
    def corner(self) -> CornerTaps:
        from kiosk.viewmodels.technician import CornerTaps

        return CornerTaps()

    @cached_property
    def pin(self) -> PinPad:
        from kiosk.viewmodels.technician import PinPad

        return PinPad(self._pin, self._clock)

    @cached_property
    def search(self) -> SearchViewModel:
        from kiosk.viewmodels.search import SearchViewModel

        return SearchViewModel()

    @cached_property
    def disclosures(self) -> DisclosuresViewModel:
        from kiosk.viewmodels.disclosures import DisclosuresViewModel

        return DisclosuresViewModel(self._feed)

    @cached_property
    def complaint(self) -> ComplaintViewModel:
        from kiosk.viewmodels.complaint import ComplaintViewModel

        return ComplaintViewModel(self.services.complaints)

    @cached_property
    def progress(self) -> ProgressViewModel:
        from kiosk.viewmodels.progress import ProgressViewModel

        return ProgressViewModel(self.services.progress)

    @cached_property
    def receipt(self) -> ReceiptViewModel:
        from kiosk.viewmodels.receipt import ReceiptViewModel

        return ReceiptViewModel(self.services)

    @cached_property
    def technician(self) -> TechnicianViewModel:
        from kiosk.viewmodels.technician import TechnicianViewModel

        return TechnicianViewModel(self._technician_hooks, self.catalog_line)

    def _made(self, name: str) -> bool:
        """Whether the view-model *name* has been made (used) yet."""
        return name in self.__dict__

    # -- data -------------------------------------------------------------------

    @property
    def snapshot(self) -> CatalogSnapshot:
        return self._catalogs.current()

    def catalog_changed(self) -> bool:
        """True once after the catalog on screen was replaced (a county update)."""
        current = self.snapshot
        changed = self._shown is not None and current is not self._shown
        self._shown = current
        return changed

    @property
    def catalog(self) -> Catalog:
        return self.snapshot.catalog

    @property
    def roster(self) -> Roster:
        generation = self._feed.generation() if self._feed is not None else 0
        if self._roster is None or self._roster[0] != generation:
            from kiosk.viewmodels.roster import Roster

            self._roster = (generation, Roster.from_feed(self._feed))
        return self._roster[1]

    def catalog_line(self) -> str:
        snapshot = self.snapshot
        mark = f"（{SAMPLE_MARK}）" if snapshot.is_sample and SAMPLE_MARK not in \
            snapshot.catalog.title else ""
        updated = updated_line("清单", snapshot.updated, self._now())
        return f"{snapshot.catalog.title}{mark} 第{snapshot.catalog.version}版 · {updated}"

    def roster_line(self) -> str:
        return updated_line("联系人名单", self.roster.updated, self._now())

    def disclosures_line(self) -> str:
        self.disclosures.tabs  # noqa: B018 - loads the entries and their date
        return updated_line("公开内容", self.disclosures.updated, self._now())

    @property
    def is_sample(self) -> bool:
        return self.snapshot.is_sample

    def home_buttons(self) -> list[HomeButton]:
        return home_buttons(self.catalog)

    def list_rows(self) -> list[ListRow]:
        return group_rows(self.catalog, self.group)

    @property
    def list_title(self) -> str:
        return group_title(self.group)

    # -- navigation -------------------------------------------------------------

    def _go(self, screen: str, *, remember: bool = True) -> str:
        if screen not in SCREENS:
            raise ValueError(f"no screen {screen!r}")
        if remember and self.screen not in ("attract", "pin") and screen != self.screen:
            self._history.append(self.screen)
            del self._history[:-20]
        self.screen = screen
        return screen

    def go_home(self) -> str:
        self._history.clear()
        self.message = ""
        self.detail = None
        self.flowchart = None
        if self._made("complaint"):  # one not made yet has nothing to forget
            self.complaint.reset()
        if self._made("progress"):
            self.progress.reset()
        return self._go("home", remember=False)

    def back(self) -> str:
        if self.screen == "technician":
            return self.go_home()
        while self._history:
            screen = self._history.pop()
            if screen in ("detail", "flowchart") and self.detail is None:
                continue
            return self._go(screen, remember=False)
        return self.go_home()

    def open(self, key: str) -> str:
        """A home-screen button."""
        if key in ("public_power", "convenience_service"):
            return self.open_group(key)
        if key == "complaint":
            self.complaint.reset()
        if key == "progress":
            self.progress.reset()
        return self._go(key)

    def open_group(self, group: str) -> str:
        self.group = group
        return self._go("list")

    def open_item(self, item_id: str) -> str:
        from kiosk.viewmodels.detail import ItemDetailViewModel

        item = self.catalog.item(item_id)
        self.detail = ItemDetailViewModel(item, self.roster)
        self.flowchart = None
        self.message = ""
        return self._go("detail")

    def open_flowchart(self, index: int = 0) -> str:
        if self.detail is None:
            return self.screen
        from kiosk.viewmodels.flowchart import FlowchartViewModel

        self.flowchart = FlowchartViewModel(self.detail.item, index)
        return self._go("flowchart")

    def open_receipt(self) -> str:
        if self.detail is not None:
            self.receipt.prepare(self.detail.item, self.roster)
        return self._go("receipt")

    def run_search(self, query: str) -> str:
        self.search.run(self.catalog, query)
        return self._go("search")

    def toggle_large_text(self) -> bool:
        self.large_text = not self.large_text
        return self.large_text

    def read_aloud(self) -> str:
        speaker = self.services.speaker
        if speaker is None or not speaker.available:
            self.message = "这台机器没有安装朗读功能。"
        elif self.detail is not None:
            speaker.say(self.detail.read_aloud_text())
            self.message = "正在朗读……"
        return self.message

    def submit_complaint(self) -> str:
        result = self.complaint.submit()
        if result.ok and result.filed is not None and result.filed.receipt is not None:
            self.receipt.show_receipt(result.filed.receipt)
        return self.screen

    # -- touches and time ---------------------------------------------------------

    def touched(self, x: float, y_from_top: float, width: float, height: float) -> str | None:
        """Every touch: resets the idle timer; wakes a dark screen (and does
        nothing else); leaves the attract screen; five taps in the corner open
        the PIN pad. The screen to switch to, if any."""
        now = self._clock()
        if self.idle.touched(now):
            return self.screen  # the touch only woke the screen
        if self.screen == "attract":
            return self.go_home()
        if self.corner.tap(now, self.corner.in_corner(x, y_from_top, width, height)):
            self.pin.clear()
            return self._go("pin")
        return None

    def enter_pin(self) -> str:
        if self.pin.enter():
            self.technician.refresh()
            return self._go("technician", remember=False)
        return self.screen

    def show_attract(self) -> str:
        self.go_home()
        self.large_text = False
        return self._go("attract", remember=False)

    @property
    def asleep(self) -> bool:
        """The screen is dark (idle for the configured blanking time)."""
        return self.idle.asleep

    def tick(self) -> str | None:
        """Called every second or so: the screen to switch to, if any."""
        if self.services.scanner is not None:
            from kiosk.viewmodels.scanning import follow_scanned_code

            if (scanned := follow_scanned_code(self, self._clock())) is not None:
                return scanned
        due = self.idle.tick(self._clock())
        if due == "home" and self.screen not in ("home", "attract"):
            self.large_text = False
            return self.go_home()
        if due == "attract":
            return self.show_attract()
        return None
