"""The kiosk asleep: a black layer over the whole window, and the display's
light off where it can be (:mod:`kiosk.display_power`). The layer swallows
every touch, so the touch that wakes the screen presses nothing under it;
:class:`kiosk.app.KioskApp` takes that touch away before any widget sees it
and the layer is only there in case one still does.

Imports Kivy: only :mod:`kiosk.app` imports this module."""

from __future__ import annotations

from typing import Any

from kivy.graphics import Color, Rectangle
from kivy.uix.widget import Widget

from kiosk.display_power import BlackOnly, DisplayPower


class BlackLayer(Widget):
    """Black over everything; takes every touch."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        with self.canvas:
            Color(0, 0, 0, 1)
            self._rect = Rectangle(pos=self.pos, size=self.size)
        self.bind(pos=self._follow, size=self._follow)

    def _follow(self, *args: Any) -> None:
        self._rect.pos, self._rect.size = self.pos, self.size

    def on_touch_down(self, touch: Any) -> bool:
        return True

    def on_touch_move(self, touch: Any) -> bool:
        return True

    def on_touch_up(self, touch: Any) -> bool:
        return True


class ScreenSleep:
    """Puts *window* to sleep and wakes it."""

    def __init__(self, window: Any, power: DisplayPower | None = None) -> None:
        self.window = window
        self.power = power or BlackOnly()
        self.layer: BlackLayer | None = None

    @property
    def asleep(self) -> bool:
        return self.layer is not None

    def sleep(self) -> None:
        if self.layer is not None:
            return
        self.layer = BlackLayer(size=self.window.size, pos=(0, 0))
        self.window.bind(size=self._fit)
        self.window.add_widget(self.layer)
        self.power.off()

    def wake(self) -> None:
        if self.layer is None:
            return
        self.power.on()
        self.window.unbind(size=self._fit)
        self.window.remove_widget(self.layer)
        self.layer = None

    def _fit(self, window: Any, size: tuple[int, int]) -> None:
        if self.layer is not None:
            self.layer.size = size
