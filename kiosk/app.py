"""The Kivy shell of the kiosk: a ScreenManager holding one screen per ``.kv``
file, sized for 800x480 to 1920x1080 in either orientation, locked down.

This module imports Kivy, so a composition root imports it only after
:func:`kiosk.kivy_setup.prepare_kivy`. The window itself opens when the app
is built. Slow work (printing, filing, health checks) runs on a thread; its
result comes back to the UI through ``Clock.schedule_once`` here and nowhere
else.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.base import EventLoop
from kivy.clock import Clock
from kivy.factory import Factory
from kivy.lang import Builder
from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.screenmanager import NoTransition, ScreenManager

from kiosk.display_power import DisplayPower
from kiosk.ui import breaking, present
from kiosk.ui.sleep import ScreenSleep
from kiosk.viewmodels.home import HOME_TITLE
from kiosk.viewmodels.shell import SCREENS, KioskViewModel
from kiosk.viewmodels.sizes import DEFAULT_DIAGONAL_INCHES, sizes

log = logging.getLogger(__name__)

KV_DIR = Path(__file__).with_name("kv")
SCREEN_CLASSES = {name: f"{name.capitalize()}Screen" for name in SCREENS}
TICK_SECONDS = 1.0
PRINT_RETRY_SECONDS = 60.0  # receipts kept for later (paper out) are tried again this often


def _receipt_preview(receipt: Any) -> Any:
    """The receipt as printed (the printer's module is imported only when
    the first receipt is shown: the first frame does not need it)."""
    from hardware.printer import render_preview

    return render_preview(receipt)


class KioskApp(App):
    """The kiosk's app (not yet running). *receipt_image* renders a receipt to
    a PIL image (by default :func:`hardware.printer.render_preview`); receipts kept for
    later are tried again every *print_retry_seconds* (with the clock ticks).
    *diagonal_inches* is the display's, for sizes in dp. When the view-model's
    idle timer says so the screen sleeps, its light switched by
    *display_power* (:func:`kiosk.display_power.choose_display_power`).
    *after_first_frame* are called once the first frame is on the screen
    (work the first frame need not wait for, such as opening the printer);
    each must return at once."""

    fs = NumericProperty(22)
    fs_small = NumericProperty(19)
    tap = NumericProperty(64)
    pad = NumericProperty(12)
    px_per_dp = NumericProperty(1.0)
    home_title = StringProperty(HOME_TITLE)
    portrait = BooleanProperty(False)
    large_text = BooleanProperty(False)
    complaint_leave_phone = BooleanProperty(False)
    use_kivy_settings = False
    title = "村级小微权力清单"

    def __init__(
        self,
        vm: KioskViewModel,
        *,
        receipt_image: Callable[[Any], Any] | None = None,
        clock_ticks: bool = True,
        print_retry_seconds: float = PRINT_RETRY_SECONDS,
        diagonal_inches: float = DEFAULT_DIAGONAL_INCHES,
        display_power: DisplayPower | None = None,
        after_first_frame: Sequence[Callable[[], None]] = (),
    ) -> None:
        super().__init__()
        self._after_first_frame = list(after_first_frame)
        self._display_power = display_power
        self.sleep: ScreenSleep | None = None
        self.diagonal_inches = diagonal_inches
        self.vm = vm
        self.receipt_image = receipt_image or _receipt_preview
        self._clock_ticks = clock_ticks
        self._print_retry_seconds = print_retry_seconds
        self._retrying = False
        self.window: Any = None
        self.manager: Any = None
        self.errors: list[str] = []
        self._kv_loaded: set[str] = set()

    # -- building -----------------------------------------------------------

    def build(self) -> Any:
        EventLoop.ensure_window()  # the window opens here, not when this module is imported
        self.window = EventLoop.window
        self.sleep = ScreenSleep(self.window, self._display_power)
        if "FlowchartView" not in Factory.classes:  # imported when first drawn
            Factory.register("FlowchartView", module="kiosk.ui.flowchart_view")
        breaking.register()
        self._load_kv("common")  # the other screens' rules when first shown
        self._resize(self.window, self.window.size)
        self.window.bind(size=self._resize, on_request_close=lambda *a, **k: True,
                         on_keyboard=self._keyboard)
        self.window.bind(on_touch_down=self._window_touch)
        if self._after_first_frame:
            self.window.bind(on_flip=self._first_flip)
        self.manager = ScreenManager(transition=NoTransition())
        self.show(self.vm.screen)  # the other screens are built on first visit
        Clock.schedule_once(self._load_rest, 0.5)  # after the first frame
        if self._clock_ticks:
            Clock.schedule_interval(self._tick, TICK_SECONDS)
            Clock.schedule_interval(self._retry_tick, self._print_retry_seconds)
        return self.manager

    def _first_flip(self, window: Any) -> None:
        """The first frame is being put on the screen: the work that waited
        for it starts on the next frame."""
        window.unbind(on_flip=self._first_flip)
        waiting, self._after_first_frame = self._after_first_frame, []
        Clock.schedule_once(lambda dt: [start() for start in waiting], 0)

    def _load_kv(self, name: str) -> None:
        """The kv rules of *name* (a screen, or "common"), once."""
        if name not in self._kv_loaded:
            self._kv_loaded.add(name)
            Builder.load_file(str(KV_DIR / f"{name}.kv"))

    def _load_rest(self, dt: float) -> None:
        """The rules of the screens not shown yet, one per frame, so the
        first visit of each costs no parsing and no frame waits long."""
        waiting = [name for name in SCREENS if name not in self._kv_loaded]
        if waiting:
            self._load_kv(waiting[0])
            Clock.schedule_once(self._load_rest, 0)

    def open_settings(self, *args: Any) -> bool:
        return False  # no settings panel, whatever key is pressed

    def _keyboard(self, window: Any, key: int, *args: Any) -> bool:
        return key in (27, 282, 1001)  # Esc, F1 and Android back do nothing

    def _resize(self, window: Any, size: tuple[int, int]) -> None:
        width, height = size
        self.portrait = height > width
        chosen = sizes(width, height, self.diagonal_inches, self.large_text)
        self.px_per_dp = chosen.px_per_dp
        self.fs, self.fs_small = chosen.fs, chosen.fs_small
        self.tap, self.pad = chosen.tap, chosen.pad

    # -- showing ------------------------------------------------------------

    def show(self, name: str | None = None) -> None:
        name = name or self.vm.screen
        if not self.manager.has_screen(name):
            self._load_kv(name)
            self.manager.add_widget(getattr(Factory, SCREEN_CLASSES[name])(name=name))
        if self.large_text != self.vm.large_text:  # the attract screen, the idle timer
            self.large_text = self.vm.large_text
            self._resize(self.window, self.window.size)
        screen = self.manager.get_screen(name)
        present.present(self, screen)
        self.manager.current = name
        self._follow_sleep()

    def _follow_sleep(self) -> None:
        """Darken or light the screen as the view-model's idle timer says."""
        if self.sleep is None or self.sleep.asleep == self.vm.asleep:
            return
        if self.vm.asleep:
            self.sleep.sleep()
        else:
            self.sleep.wake()

    @property
    def asleep(self) -> bool:
        return self.sleep is not None and self.sleep.asleep

    def refresh(self) -> None:
        self.show(self.vm.screen)

    @property
    def screen(self) -> str:
        return str(self.manager.current)

    # -- navigation handlers (kv calls these) ------------------------------

    def home(self) -> None:
        self.show(self.vm.go_home())

    def back(self) -> None:
        self.show(self.vm.back())

    def open(self, key: str) -> None:
        self.show(self.vm.open(key))

    def open_item(self, item_id: str) -> None:
        if item_id:
            self.show(self.vm.open_item(item_id))

    def open_flowchart(self, index: int) -> None:
        self.show(self.vm.open_flowchart(index))

    def show_chart(self, index: int) -> None:
        if self.vm.flowchart is not None:
            self.vm.flowchart.show(index)
        self.refresh()

    def tap_flowchart(self, x: float, y: float) -> None:
        if self.vm.flowchart is not None:
            self.vm.flowchart.tap(x, y)
            self.refresh()

    def tap_flowchart_node(self, node_id: str) -> None:
        """Select a node as a tap on it would (for scripts)."""
        if self.vm.flowchart is not None:
            self.vm.flowchart.select(node_id)
            self.refresh()

    def show_attract(self) -> None:
        self.show(self.vm.show_attract())

    def open_receipt(self) -> None:
        self.show(self.vm.open_receipt())

    def toggle_material(self, index: int) -> None:
        if self.vm.detail is not None:
            self.vm.detail.toggle(index)
            self.refresh()

    def toggle_large_text(self) -> None:
        self.large_text = self.vm.toggle_large_text()
        self._resize(self.window, self.window.size)
        self.refresh()

    def search(self, query: str) -> None:
        self.show(self.vm.run_search(query))

    def choose_disclosures(self, category: str) -> None:
        self.vm.disclosures.choose(category)
        self.refresh()

    def read_aloud(self) -> None:
        self.vm.read_aloud()
        self.refresh()

    def print_receipt(self) -> None:
        self.vm.receipt.message = "正在打印，请稍候……"
        self.refresh()
        self.in_background(self.vm.receipt.print, lambda message: self.refresh())

    def retry_printing(self) -> None:
        """Print the receipts kept for later (paper out, printer offline)
        on a thread; the receipt screen then says it is printed."""
        if self._retrying:
            return
        self._retrying = True

        def done(changed: Any) -> None:
            self._retrying = False
            if changed and self.vm.screen == "receipt":
                self.refresh()

        self.in_background(self.vm.receipt.retry, done)

    # complaint
    def complaint_item(self, name: str) -> None:
        model = self.vm.complaint
        match = [(i, n) for i, n in model.item_choices(self.vm.catalog) if n == name]
        if match and match[0][1] != (model.item_name or ""):
            model.choose_item(*match[0])

    def complaint_problem(self, problem: str) -> None:
        self.vm.complaint.choose_problem(problem)
        self.refresh()

    def complaint_phone(self, leave: bool) -> None:
        self.vm.complaint.set_leave_phone(leave)
        self.refresh()

    def complaint_key(self, key: str) -> None:
        self.vm.complaint.phone.press(key)
        self.refresh()

    def complaint_submit(self) -> None:
        self.in_background(self.vm.submit_complaint, lambda screen: self.refresh())

    # progress
    def progress_key(self, key: str) -> None:
        self.vm.progress.code.press(key)
        self.refresh()

    def progress_query(self) -> None:
        self.in_background(self.vm.progress.query, lambda lines: self.refresh())

    # technician
    def pin_key(self, key: str) -> None:
        self.vm.pin.pad.press(key)
        self.refresh()

    def enter_pin(self) -> None:
        self.show(self.vm.enter_pin())

    def technician_refresh(self) -> None:
        self.vm.technician.result = "正在检查……"
        self.refresh()
        self.in_background(self.vm.technician.refresh, lambda lines: self.refresh())

    def technician_test(self, which: str) -> None:
        run = self.vm.technician.test_printer if which == "printer" \
            else self.vm.technician.test_camera
        self.in_background(run, lambda result: self.refresh())

    # -- threads, time and touches ------------------------------------------

    def in_background(self, work: Callable[[], Any], done: Callable[[Any], None]) -> None:
        """Run *work* on a thread; *done* gets its result on the UI thread."""

        def run() -> None:
            try:
                result = work()
            except Exception as error:  # shown to the technician in the log
                log.exception("background work failed")
                self.errors.append(repr(error))
                result = None
            Clock.schedule_once(lambda dt: done(result))

        threading.Thread(target=run, daemon=True, name="kiosk-work").start()

    def _window_touch(self, window: Any, touch: Any) -> bool:
        target = self.vm.touched(touch.x, window.height - touch.y, window.width,
                                 window.height)
        if self.asleep and not self.vm.asleep:
            self._follow_sleep()
            return True  # the touch only woke the screen: nothing under it acts
        if target is not None:
            self.show(target)
            return True  # the touch only left the attract screen or opened the PIN pad
        return False

    def _retry_tick(self, dt: float) -> None:
        self.retry_printing()

    def _tick(self, dt: float) -> None:
        target = self.vm.tick()
        if self.large_text != self.vm.large_text:
            self.large_text = self.vm.large_text
            self._resize(self.window, self.window.size)
        if target is not None:
            self.show(target)
        elif self.vm.screen in ("home", "list") and self.vm.catalog_changed():
            self.refresh()
        self._follow_sleep()
