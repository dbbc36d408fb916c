"""Drive a running kiosk from a script of simulated touches, one step per
frame, and report what happened: how ``village-edge kiosk screenshots``
visits every screen (the steps are in :mod:`kiosk.screenshots`).

Steps (dicts): ``{"tap": KEY}`` touches the visible widget whose ``key`` is
KEY; ``{"tap_at": [FX, FY]}`` touches the window at fractions of its size
(from the top left); ``{"expect": SCREEN}`` fails unless SCREEN is showing;
``{"call": METHOD, "args": [...]}`` calls an app method; ``{"screenshot":
PATH}`` saves the window as a PNG; ``{"wait": FRAMES}`` lets frames pass.
:class:`kiosk.testing.steps.ScriptRunnerForTests` adds the steps only tests
and the benchmark use.

This module imports Kivy: a composition root imports it after
:func:`kiosk.kivy_setup.prepare_kivy`.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from kivy.base import EventLoop
from kivy.clock import Clock
from kivy.graphics.opengl import GL_RGB, GL_UNSIGNED_BYTE, glReadPixels
from kivy.uix.scrollview import ScrollView
from PIL import Image

FRAMES_AFTER_TAP = 1

Step = dict[str, Any]
#: Runs one step, filling its record; yields how many frames to wait after each part.
StepHandler = Callable[[Step, dict[str, Any]], Iterator[int]]


class StepFailed(AssertionError):
    pass


def window() -> Any:
    """The app's window (it exists once the app is built)."""
    return EventLoop.window


def visible_keys(app: Any) -> dict[str, Any]:
    """Widgets with a ``key`` on the current screen that are on the window."""
    found: dict[str, Any] = {}
    width, height = window().size
    screen = app.manager.current_screen
    for widget in screen.walk(restrict=True):
        key = getattr(widget, "key", "")
        if not key or widget.disabled or widget.opacity == 0 or widget.height < 2:
            continue
        x, y = widget.to_window(*widget.center)
        if 0 <= x < width and 0 <= y < height and _reachable(widget, x, y):
            found.setdefault(key, widget)
    return found


def _reachable(widget: Any, x: float, y: float) -> bool:
    """Not scrolled out of a ScrollView or RecycleView."""
    parent = widget.parent
    while parent is not None and parent is not parent.parent:
        if isinstance(parent, ScrollView):
            px, py = parent.to_window(*parent.pos)
            if not (px <= x <= px + parent.width and py <= y <= py + parent.height):
                return False
        parent = parent.parent
    return True


def screen_texts(app: Any) -> list[str]:
    """The non-empty texts of the widgets on the current screen, in walk order
    (as given to them: without the line breaks put in for the width)."""
    texts = []
    for widget in app.manager.current_screen.walk(restrict=True):
        text = getattr(widget, "content", None) or getattr(widget, "text", None)
        if isinstance(text, str) and text.strip():
            texts.append(text)
    return texts


def frame_image() -> Image.Image:
    """The window's last drawn frame (on the UI thread: it reads from GL)."""
    width, height = window().size
    pixels = glReadPixels(0, 0, width, height, GL_RGB, GL_UNSIGNED_BYTE)
    image = Image.frombytes("RGB", (width, height), pixels)
    return image.transpose(Image.Transpose.FLIP_TOP_BOTTOM)


def save_frame(path: Path) -> None:
    """The window's last drawn frame as a PNG."""
    frame_image().save(path)


def touch(x: float, y: float, to: tuple[float, float] | None = None) -> None:
    """A finger down at window pixels (x, y), optionally dragged to *to*, and up."""
    from kivy.tests.common import UnitTestTouch  # imports pytest: only when a finger is needed

    finger = UnitTestTouch(x, y)
    finger.touch_down()
    if to is not None:
        finger.touch_move(*to)
    finger.touch_up()


class ScriptRunner:
    """Runs *steps* inside *app*, one per frame, collecting a report."""

    def __init__(self, app: Any, steps: list[Step], report: dict[str, Any]) -> None:
        self.app = app
        self.steps = steps
        self.report = report
        report.setdefault("steps", [])

    def handlers(self) -> dict[str, StepHandler]:
        """The step kinds this runner knows, by the key that names them."""
        return {"tap": self.tap, "tap_at": self.tap_at, "expect": self.expect,
                "call": self.call, "screenshot": self.screenshot, "wait": self.wait}

    def start(self) -> None:
        self._run = self._steps()
        Clock.schedule_once(self._next, 0)

    def _next(self, dt: float) -> None:
        try:
            frames = next(self._run)
        except StopIteration:
            self.report["final_screen"] = self.app.screen
            self.report["ok"] = not self.report.get("error")
            self.app.stop()
            return
        except Exception as error:  # reported; the caller fails on it
            self.report["error"] = "".join(traceback.format_exception(error))
            self.report["final_screen"] = self.app.screen
            self.report["ok"] = False
            self.app.stop()
            return
        Clock.schedule_once(self._next, 0 if frames == 0 else 1 / 1000)

    def _steps(self) -> Iterator[int]:
        yield 1
        handlers = self.handlers()
        for number, step in enumerate(self.steps):
            record: dict[str, Any] = {"step": number, **step}
            self.report["steps"].append(record)
            kind = next((key for key in handlers if key in step), None)
            if kind is None:
                raise StepFailed(f"step {number}: no step of the kinds {sorted(handlers)} "
                                 f"in {step}")
            yield from handlers[kind](step, record)

    # -- the steps ------------------------------------------------------------

    def tap(self, step: Step, record: dict[str, Any]) -> Iterator[int]:
        widget = visible_keys(self.app).get(step["tap"])
        if widget is None and self._scroll_to(step["tap"]):
            record["scrolled"] = True  # a finger would have swiped it into view
            yield 1
            widget = visible_keys(self.app).get(step["tap"])
        if widget is None:
            raise StepFailed(
                f"step {record['step']}: no visible {step['tap']!r} on {self.app.screen}; "
                f"visible: {sorted(visible_keys(self.app))}")
        before = self.app.screen
        self.press(widget)
        record["screen"] = self.app.screen
        record["switched"] = before != self.app.screen
        yield FRAMES_AFTER_TAP

    def _scroll_to(self, key: str) -> bool:
        """Scroll the widget with *key* into view, if a scroll view holds it."""
        for widget in self.app.manager.current_screen.walk(restrict=True):
            if getattr(widget, "key", "") != key or widget.disabled or widget.opacity == 0:
                continue
            parent = widget.parent
            while parent is not None and parent is not parent.parent:
                if isinstance(parent, ScrollView):
                    parent.scroll_to(widget, animate=False)
                    return True
                parent = parent.parent
        return False

    def press(self, widget: Any) -> None:
        """A finger on the middle of *widget*."""
        touch(*widget.to_window(*widget.center))

    def tap_at(self, step: Step, record: dict[str, Any]) -> Iterator[int]:
        fx, fy = step["tap_at"]
        width, height = window().size
        touch(fx * width, (1 - fy) * height)
        record["screen"] = self.app.screen
        yield FRAMES_AFTER_TAP

    def expect(self, step: Step, record: dict[str, Any]) -> Iterator[int]:
        if self.app.screen != step["expect"]:
            raise StepFailed(f"step {record['step']}: expected {step['expect']}, "
                             f"on {self.app.screen}")
        yield 0

    def call(self, step: Step, record: dict[str, Any]) -> Iterator[int]:
        getattr(self.app, step["call"])(*step.get("args", []))
        record["screen"] = self.app.screen
        yield 1

    def screenshot(self, step: Step, record: dict[str, Any]) -> Iterator[int]:
        yield 2
        path = Path(step["screenshot"])
        path.parent.mkdir(parents=True, exist_ok=True)
        save_frame(path)
        record["file"] = str(path)
        yield 0

    def wait(self, step: Step, record: dict[str, Any]) -> Iterator[int]:
        for _ in range(int(step["wait"])):
            yield 1


def run_app_with_script(
    app: Any, steps: list[Step], runner: type[ScriptRunner] = ScriptRunner
) -> dict[str, Any]:
    """Run *app* until *steps* are done (by a *runner*); the report."""
    report: dict[str, Any] = {}
    running = runner(app, steps, report)  # held here: Kivy's Clock holds callbacks weakly
    Clock.schedule_once(lambda dt: running.start(), 0)
    app.run()
    return report
