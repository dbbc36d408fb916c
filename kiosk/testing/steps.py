"""The script steps only tests and the benchmark use, on top of those of
:class:`kiosk.script_runner.ScriptRunner`:

``{"monkey": N, "seed": S}`` makes N random taps and drags;
``{"texts": true}`` records the text of every widget on the current screen;
``{"wait_for_text": TEXT, "frames": N}`` waits up to N frames for a widget on
the current screen whose text contains TEXT (background work, retries);
``{"write_file": PATH}`` creates PATH, as something outside the app would
(e.g. the paper loaded into the test printer of :mod:`hardware.printer.testing`);
``{"touch_node": NODE}`` touches the middle of a flowchart node's shape, as a
finger would; ``{"expect_selected": NODE}`` fails unless NODE is the
flowchart's selected step; ``{"touch_home": true}`` goes back to the home
screen by touching what a villager would; ``{"measure_search": [WORDS]}``
times the search for each word; ``{"audit": NAME}`` records what is on the
screen, measured (:mod:`kiosk.testing.audit`); ``{"wait_until_asleep": N}``
waits up to N frames for the screen to sleep; ``{"sleep_state": true}``
records whether it sleeps and the screen showing; ``{"redraws": SECONDS,
"opacity_of": ID}`` counts the window's redraws over SECONDS and the
opacities widget ID shows; ``{"classes": true}``
records the classes of every widget on the window (:mod:`kiosk.kivy_style`).

The report also gets the time of the first frame and, for each tap, the time
from the touch to the next frame (``switch_ms``), for the benchmark.

Imports Kivy (through the script runner): the test driver imports it after
preparing Kivy.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kiosk.script_runner import (
    ScriptRunner,
    Step,
    StepFailed,
    StepHandler,
    screen_texts,
    touch,
    visible_keys,
    window,
)
from kiosk.viewmodels.search import SearchIndex

MONKEY_FRAME_EVERY = 8
HOME_KEYS = ("home", "pin_cancel", "tech_exit")


class ScriptRunnerForTests(ScriptRunner):
    def __init__(self, app: Any, steps: list[Step], report: dict[str, Any]) -> None:
        super().__init__(app, steps, report)
        report.setdefault("switch_ms", [])
        self._pending_switch: float | None = None
        self._flips = 0

    def handlers(self) -> dict[str, StepHandler]:
        return {**super().handlers(), "monkey": self.monkey, "texts": self.texts,
                "wait_for_text": self.wait_for_text, "write_file": self.write_file,
                "touch_node": self.touch_node, "expect_selected": self.expect_selected,
                "touch_home": self.touch_home, "measure_search": self.measure_search,
                "audit": self.audit, "wait_until_asleep": self.wait_until_asleep,
                "sleep_state": self.sleep_state, "classes": self.classes,
                "redraws": self.redraws}

    # -- timing, for the benchmark -----------------------------------------------

    def start(self) -> None:
        window().bind(on_flip=self._flipped)
        super().start()

    def press(self, widget: Any) -> None:
        self._pending_switch = time.perf_counter()
        super().press(widget)

    def _flipped(self, *args: Any) -> None:
        self._flips += 1
        if "first_frame" not in self.report:
            self.report["first_frame"] = time.time()
        if self._pending_switch is not None:
            self.report["switch_ms"].append((time.perf_counter() - self._pending_switch) * 1000)
            self._pending_switch = None

    # -- the steps ---------------------------------------------------------------

    def monkey(self, step: Step, record: dict[str, Any]) -> Iterator[int]:
        chance = random.Random(step.get("seed", 1))
        width, height = window().size
        screens: dict[str, int] = {}
        for number in range(int(step["monkey"])):
            x, y = chance.uniform(0, width), chance.uniform(0, height)
            to = None
            if chance.random() < 0.1:
                to = (min(max(x + chance.uniform(-200, 200), 0), width - 1),
                      min(max(y + chance.uniform(-200, 200), 0), height - 1))
            touch(x, y, to)
            screens[self.app.screen] = screens.get(self.app.screen, 0) + 1
            if number % MONKEY_FRAME_EVERY == 0:
                yield 1
        record["screens_seen"] = screens

    def texts(self, step: Step, record: dict[str, Any]) -> Iterator[int]:
        record["texts"] = screen_texts(self.app)
        record["screen"] = self.app.screen
        yield 0

    def classes(self, step: Step, record: dict[str, Any]) -> Iterator[int]:
        """The names of the classes (with their bases) of every widget on
        the window, and of the spinners' drop-downs, open or not."""
        names: set[str] = set()
        waiting = list(window().children)
        while waiting:
            widget = waiting.pop()
            names.update(cls.__name__ for cls in type(widget).__mro__)
            waiting.extend(widget.children)
            dropdown = getattr(widget, "_dropdown", None)
            if dropdown is not None and dropdown.parent is None:
                waiting.append(dropdown)
        record["classes"] = sorted(names)
        record["screen"] = self.app.screen
        yield 0

    def wait_for_text(self, step: Step, record: dict[str, Any]) -> Iterator[int]:
        wanted = step["wait_for_text"]
        for _ in range(int(step.get("frames", 300))):
            if any(wanted in text for text in screen_texts(self.app)):
                break
            yield 1
        else:
            raise StepFailed(f"step {record['step']}: no {wanted!r} on {self.app.screen}; "
                             f"texts: {screen_texts(self.app)}")
        record["texts"] = screen_texts(self.app)
        yield 0

    def wait_until_asleep(self, step: Step, record: dict[str, Any]) -> Iterator[int]:
        for _ in range(int(step["wait_until_asleep"])):
            if self.app.asleep:
                break
            yield 1
        else:
            raise StepFailed(f"step {record['step']}: the screen did not go to sleep")
        record["asleep"] = True
        yield 0

    def sleep_state(self, step: Step, record: dict[str, Any]) -> Iterator[int]:
        record["asleep"] = self.app.asleep
        record["screen"] = self.app.screen
        yield 0

    def redraws(self, step: Step, record: dict[str, Any]) -> Iterator[int]:
        """``{"redraws": SECONDS, "opacity_of": ID}``: how many times the
        window was drawn in SECONDS left alone, and the opacities the widget
        ID of the current screen showed meanwhile."""
        widget = self.app.manager.current_screen.ids[step["opacity_of"]]
        flips, begun, seen = self._flips, time.monotonic(), set()
        while time.monotonic() - begun < float(step["redraws"]):
            seen.add(round(float(widget.opacity), 3))
            yield 1
        record["redraws"] = self._flips - flips
        record["seconds"] = time.monotonic() - begun
        record["opacities"] = sorted(seen)
        yield 0

    def write_file(self, step: Step, record: dict[str, Any]) -> Iterator[int]:
        Path(step["write_file"]).write_text("", "utf-8")
        yield 0

    def touch_node(self, step: Step, record: dict[str, Any]) -> Iterator[int]:
        view = self.app.manager.get_screen("flowchart").ids.chart
        box = view.layout.box(step["touch_node"])
        cx, cy = box.center
        touch(*view.scatter.to_parent(cx, view.layout.height - cy))
        record["screen"] = self.app.screen
        yield 1

    def expect_selected(self, step: Step, record: dict[str, Any]) -> Iterator[int]:
        flowchart = self.app.vm.flowchart
        selected = flowchart.selected if flowchart else None
        if selected != step["expect_selected"]:
            raise StepFailed(f"step {record['step']}: selected {selected!r}, "
                             f"expected {step['expect_selected']!r}")
        yield 0

    def touch_home(self, step: Step, record: dict[str, Any]) -> Iterator[int]:
        for _ in range(3):
            if self.app.screen == "home":
                break
            keys = visible_keys(self.app)
            for key in HOME_KEYS:
                if key in keys:
                    touch(*keys[key].to_window(*keys[key].center))
                    break
            else:
                width, height = window().size
                touch(width / 2, height / 2)  # the attract screen
        record["screen"] = self.app.screen
        yield 1

    def audit(self, step: Step, record: dict[str, Any]) -> Iterator[int]:
        from kiosk.testing.audit import audit_screen

        yield 2  # laid out and drawn
        record["audit"] = audit_screen(self.app)
        yield 0

    def measure_search(self, step: Step, record: dict[str, Any]) -> Iterator[int]:
        vm = self.app.vm
        timings = []
        for word in step["measure_search"]:
            vm.search.run(vm.catalog, word)
            timings.append(vm.search.seconds * 1000)
        record["search_ms"] = timings
        started = time.perf_counter()
        SearchIndex(vm.catalog)  # built once per catalog, on its first search
        record["search_index_ms"] = (time.perf_counter() - started) * 1000
        yield 0
