"""Drive a running kiosk from a script of simulated touches, one step per
frame, and report what happened as JSON: for the render tests, the
screenshots and the benchmark.

Steps (dicts): ``{"tap": KEY}`` touches the visible widget whose ``key`` is
KEY; ``{"tap_at": [fx, fy]}`` touches a point given as fractions of the
window from the top left; ``{"expect": SCREEN}``; ``{"call": METHOD, "args":
[...]}`` calls an app method; ``{"screenshot": PATH}``; ``{"monkey": N,
"seed": S}`` makes N random taps and drags; ``{"wait": FRAMES}``;
``{"texts": true}`` records the text of every widget on the current screen;
``{"wait_for_text": TEXT, "frames": N}`` waits up to N frames for a widget on
the current screen whose text contains TEXT (background work, retries);
``{"write_file": PATH}`` creates PATH, as something outside the app would
(e.g. the paper loaded into the test printer of :mod:`hardware.printer.testing`).
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

FRAMES_AFTER_TAP = 1
MONKEY_FRAME_EVERY = 8


class StepFailed(AssertionError):
    pass


def visible_keys(app: Any) -> dict[str, Any]:
    """Widgets with a ``key`` on the current screen that are on the window."""
    from kivy.core.window import Window

    found: dict[str, Any] = {}
    screen = app.manager.current_screen
    for widget in screen.walk(restrict=True):
        key = getattr(widget, "key", "")
        if not key or widget.disabled or widget.opacity == 0 or widget.height < 2:
            continue
        x, y = widget.to_window(*widget.center)
        if 0 <= x < Window.width and 0 <= y < Window.height and _reachable(widget, x, y):
            found.setdefault(key, widget)
    return found


def _reachable(widget: Any, x: float, y: float) -> bool:
    """Not scrolled out of a ScrollView or RecycleView."""
    from kivy.uix.scrollview import ScrollView

    parent = widget.parent
    while parent is not None and parent is not parent.parent:
        if isinstance(parent, ScrollView):
            px, py = parent.to_window(*parent.pos)
            if not (px <= x <= px + parent.width and py <= y <= py + parent.height):
                return False
        parent = parent.parent
    return True


def screen_texts(app: Any) -> list[str]:
    """The non-empty texts of the widgets on the current screen, in walk order."""
    texts = []
    for widget in app.manager.current_screen.walk(restrict=True):
        text = getattr(widget, "text", None)
        if isinstance(text, str) and text.strip():
            texts.append(text)
    return texts


def save_frame(path: Path) -> None:
    """The window's last drawn frame as a PNG."""
    from kivy.core.window import Window
    from kivy.graphics.opengl import GL_RGB, GL_UNSIGNED_BYTE, glReadPixels
    from PIL import Image

    width, height = Window.size
    pixels = glReadPixels(0, 0, width, height, GL_RGB, GL_UNSIGNED_BYTE)
    image = Image.frombytes("RGB", (width, height), pixels)
    image.transpose(Image.Transpose.FLIP_TOP_BOTTOM).save(path)


def touch(x: float, y: float, to: tuple[float, float] | None = None) -> None:
    """A finger down at window pixels (x, y), optionally dragged to *to*, and up."""
    from kivy.tests.common import UnitTestTouch

    finger = UnitTestTouch(x, y)
    finger.touch_down()
    if to is not None:
        finger.touch_move(*to)
    finger.touch_up()


class ScriptRunner:
    """Runs *steps* inside *app*, one per frame, collecting a report."""

    def __init__(self, app: Any, steps: list[dict[str, Any]], report: dict[str, Any]) -> None:
        self.app = app
        self.steps = steps
        self.report = report
        report.setdefault("steps", [])
        report.setdefault("switch_ms", [])
        self._pending_switch: float | None = None

    def start(self) -> None:
        from kivy.clock import Clock
        from kivy.core.window import Window

        Window.bind(on_flip=self._flipped)
        self._run = self._steps()
        Clock.schedule_once(self._next, 0)

    def _flipped(self, *args: Any) -> None:
        if "first_frame" not in self.report:
            self.report["first_frame"] = time.time()
        if self._pending_switch is not None:
            self.report["switch_ms"].append((time.perf_counter() - self._pending_switch) * 1000)
            self._pending_switch = None

    def _next(self, dt: float) -> None:
        from kivy.clock import Clock

        try:
            frames = next(self._run)
        except StopIteration:
            self.report["final_screen"] = self.app.screen
            self.report["ok"] = not self.report.get("error")
            self.app.stop()
            return
        except Exception as error:  # reported; the test fails on it
            import traceback

            self.report["error"] = "".join(traceback.format_exception(error))
            self.report["final_screen"] = self.app.screen
            self.report["ok"] = False
            self.app.stop()
            return
        Clock.schedule_once(self._next, 0 if frames == 0 else 1 / 1000)

    def _steps(self) -> Iterator[int]:
        from kivy.core.window import Window

        yield 1
        for number, step in enumerate(self.steps):
            record: dict[str, Any] = {"step": number, **step}
            self.report["steps"].append(record)
            if "tap" in step:
                widget = visible_keys(self.app).get(step["tap"])
                if widget is None:
                    raise StepFailed(
                        f"step {number}: no visible {step['tap']!r} on {self.app.screen}; "
                        f"visible: {sorted(visible_keys(self.app))}")
                before = self.app.screen
                self._pending_switch = time.perf_counter()
                touch(*widget.to_window(*widget.center))
                record["screen"] = self.app.screen
                record["switched"] = before != self.app.screen
                yield FRAMES_AFTER_TAP
            elif "tap_at" in step:
                fx, fy = step["tap_at"]
                touch(fx * Window.width, (1 - fy) * Window.height)
                record["screen"] = self.app.screen
                yield FRAMES_AFTER_TAP
            elif "expect" in step:
                if self.app.screen != step["expect"]:
                    raise StepFailed(f"step {number}: expected {step['expect']}, "
                                     f"on {self.app.screen}")
                yield 0
            elif "call" in step:
                getattr(self.app, step["call"])(*step.get("args", []))
                record["screen"] = self.app.screen
                yield 1
            elif "screenshot" in step:
                yield 2
                path = Path(step["screenshot"])
                path.parent.mkdir(parents=True, exist_ok=True)
                save_frame(path)
                record["file"] = str(path)
                yield 0
            elif "monkey" in step:
                yield from self._monkey(step["monkey"], step.get("seed", 1), record)
            elif "texts" in step:
                record["texts"] = screen_texts(self.app)
                record["screen"] = self.app.screen
                yield 0
            elif "wait_for_text" in step:
                wanted = step["wait_for_text"]
                for _ in range(int(step.get("frames", 300))):
                    if any(wanted in text for text in screen_texts(self.app)):
                        break
                    yield 1
                else:
                    raise StepFailed(f"step {number}: no {wanted!r} on {self.app.screen}; "
                                     f"texts: {screen_texts(self.app)}")
                record["texts"] = screen_texts(self.app)
                yield 0
            elif "write_file" in step:
                Path(step["write_file"]).write_text("", "utf-8")
                yield 0
            elif "wait" in step:
                for _ in range(int(step["wait"])):
                    yield 1
            elif "measure_search" in step:
                vm = self.app.vm
                timings = []
                for word in step["measure_search"]:
                    vm.search.run(vm.catalog, word)
                    timings.append(vm.search.seconds * 1000)
                record["search_ms"] = timings
                from kiosk.viewmodels.search import SearchIndex

                started = time.perf_counter()
                SearchIndex(vm.catalog)  # built once per catalog, on its first search
                record["search_index_ms"] = (time.perf_counter() - started) * 1000
                yield 0

    def _monkey(self, count: int, seed: int, record: dict[str, Any]) -> Iterator[int]:
        from kivy.core.window import Window

        chance = random.Random(seed)
        screens: dict[str, int] = {}
        for number in range(count):
            x, y = chance.uniform(0, Window.width), chance.uniform(0, Window.height)
            to = None
            if chance.random() < 0.1:
                to = (min(max(x + chance.uniform(-200, 200), 0), Window.width - 1),
                      min(max(y + chance.uniform(-200, 200), 0), Window.height - 1))
            touch(x, y, to)
            screens[self.app.screen] = screens.get(self.app.screen, 0) + 1
            if number % MONKEY_FRAME_EVERY == 0:
                yield 1
        record["screens_seen"] = screens


def run_app_with_script(app: Any, steps: list[dict[str, Any]]) -> dict[str, Any]:
    """Run *app* until *steps* are done; the report."""
    from kivy.clock import Clock

    report: dict[str, Any] = {}
    runner = ScriptRunner(app, steps, report)  # held here: Kivy's Clock holds callbacks weakly
    Clock.schedule_once(lambda dt: runner.start(), 0)
    app.run()
    return report


def main(argv: list[str] | None = None) -> int:
    """``python -m kiosk.driver SCRIPT.json REPORT.json``: the script is
    ``{"state_dir", "size": [w, h], "pin", "catalog_items": N (optional),
    "printer": {"queue_dir", "paper_flag"} (optional), "print_retry_seconds"
    (optional), "steps": [...]}``; the kiosk runs on the sample data and the
    stand-in services, on the display in $DISPLAY. With "printer", receipts go
    through the real print queue to :class:`hardware.printer.testing.InMemoryPrinter`
    (paper out until the flag file exists), and the report's "printer" holds
    what reached the paper."""
    import json
    import os
    import sys

    from kiosk.kivy_setup import prepare_kivy
    from kiosk.launch import build_view_model
    from kiosk.samples import SampleFeed
    from kiosk.standins import GuideSlips, NoPrinter, PretendComplaints, PretendProgress
    from kiosk.viewmodels.services import KioskServices
    from kiosk.viewmodels.technician import TechnicianHooks

    args = sys.argv[1:] if argv is None else argv
    script = json.loads(Path(args[0]).read_text("utf-8"))
    report_path = Path(args[1])
    report: dict[str, Any] = {"started": time.time()}
    state = Path(script["state_dir"])
    prepare_kivy(state, os.environ, size=tuple(script.get("size", (800, 480))),
                 fullscreen=False)
    sample = None
    if script.get("catalog_items"):
        from kiosk.bigcatalog import synthetic_catalog

        count = int(script["catalog_items"])
        sample = lambda: synthetic_catalog(count)  # noqa: E731
    feed = SampleFeed()
    printing: Any = NoPrinter()
    printer: Any = None
    queue: Any = None
    if script.get("printer"):
        from hardware.printer import ReceiptPrinter
        from hardware.printer.testing import InMemoryPrinter
        from kiosk.services.print_queue import PrintQueue
        from kiosk.wiring import QueuedPrinting

        printer = InMemoryPrinter(paper_flag=script["printer"]["paper_flag"])
        queue = PrintQueue(script["printer"]["queue_dir"],
                           ReceiptPrinter(printer, chinese="gb18030"))
        printing = QueuedPrinting(queue)
    services = KioskServices(GuideSlips(), printing, PretendComplaints(), PretendProgress())
    hooks = TechnicianHooks(
        health=lambda: [], backlog=lambda: "0 pending", last_sync=lambda: "never",
        printer_test=lambda: "OK (stand-in)", camera_test=lambda: "no camera (stand-in)")
    vm = build_view_model(catalog_feed=None, data_feed=feed, services=services,
                          technician=hooks, pin=str(script.get("pin", "")),
                          **({"sample": sample} if sample else {}))
    from hardware.printer import render_preview
    from kiosk.app import PRINT_RETRY_SECONDS, build_app

    retry = float(script.get("print_retry_seconds") or PRINT_RETRY_SECONDS)
    app = build_app(vm, receipt_image=render_preview, print_retry_seconds=retry)
    report.update(run_app_with_script(app, script["steps"]))
    report["errors"] = app.errors
    if printer is not None and queue is not None:
        output = bytes(printer.output)
        report["printer"] = {"output_hex": output.hex(), "jobs": printer.jobs_printed(),
                             "pending": queue.pending()}
    report_path.write_text(json.dumps(report, ensure_ascii=False, indent=1), "utf-8")
    return 0 if report.get("ok") else 1


if __name__ == "__main__":
    raise SystemExit(main())
