"""The custodian's panel: a small Kivy screen drawing :class:`PanelModel`.

This module imports Kivy, so a composition root imports it only after
preparing Kivy (:func:`kiosk.kivy_setup.prepare_kivy`). The app also drives
the station: it calls *tick* on Kivy's clock, so the panel and the
controller share the main thread.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from importlib import resources
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.lang import Builder
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.image import Image

from seal_controller.messages import alarm_title
from seal_controller.panel_model import PanelModel

REFRESH_SECONDS = 0.2
KV_FILE = "panel.kv"


def load_kv() -> None:
    """The panel's look (``panel.kv``), read once, before the first panel is made."""
    if KV_FILE not in Builder.files:
        Builder.load_string(resources.files("seal_controller").joinpath(KV_FILE)
                            .read_text("utf-8"), filename=KV_FILE)


class SealPanel(BoxLayout):
    headline = StringProperty("")
    status = StringProperty("")
    alarms = StringProperty("")
    uses_text = StringProperty("")
    alarm = BooleanProperty(False)

    def __init__(self, model: PanelModel, **kwargs: Any) -> None:
        self.model = model
        super().__init__(**kwargs)
        self._photos: list[str] = []
        self.refresh()

    def tap(self, action: str) -> None:
        getattr(self.model, action)()
        self.refresh()

    def refresh(self, *_: Any) -> None:
        model = self.model
        self.headline = model.headline
        self.status = model.status
        self.uses_text = model.counter
        enabled = model.enabled()
        for name in ("fewer", "more", "request", "end", "cancel"):
            self.ids[name].disabled = not enabled[name]
        self.alarm = bool(model.alarms) and "警报" in model.headline
        self.alarms = "\n".join(f"•{alarm_title(a)}" for a in model.alarms[:3])
        self._fill(self.ids.slots, [
            (f"slot:{c.name}", c.label + ("（已解锁）" if c.unlocked else ""), c.chosen,
             partial(model.choose_slot, c.name))
            for c in model.slots()])
        self._fill(self.ids.matters, [
            (f"matter:{m}", m, m == model.matter, partial(model.choose_matter, m))
            for m in model.matters()])
        photos = [str(p) for p in model.photos()]
        if photos != self._photos:
            self._photos = photos
            self.ids.photos.clear_widgets()
            for path in photos:
                self.ids.photos.add_widget(Image(source=path, fit_mode="contain"))

    def _fill(self, box: Any, buttons: list[tuple[str, str, bool, Callable[[], None]]]) -> None:
        if len(box.children) != len(buttons):
            box.clear_widgets()
            for _ in buttons:
                button = Button(font_size="20sp", background_normal="")
                button.bind(on_release=self._pressed)
                box.add_widget(button)
        enabled = self.model.enabled()
        for button, (key, text, chosen, action) in zip(
                reversed(box.children), buttons, strict=True):
            button.text = text
            button.key = key
            button.action = action
            button.disabled = not enabled.get(key, False)
            button.background_disabled_normal = ""
            button.background_color = ((0.85, 0.45, 0.05, 1) if chosen
                                       else (0.35, 0.35, 0.38, 1))
            if button.disabled:  # what cannot act looks it: faded, the choice still shown
                button.background_color = ((0.93, 0.78, 0.6, 1) if chosen
                                           else (0.8, 0.8, 0.8, 1))
                button.disabled_color = (0.45, 0.45, 0.45, 1)

    def _pressed(self, button: Any) -> None:
        button.action()
        self.refresh()


class SealPanelApp(App):
    title = "用印机"

    def __init__(self, model: PanelModel, tick: Callable[[], None], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.model = model
        self.tick = tick

    def build(self) -> Any:
        load_kv()
        self.panel = SealPanel(self.model)
        Clock.schedule_interval(self._step, REFRESH_SECONDS)
        return self.panel

    def _step(self, _: float) -> None:
        self.tick()
        self.panel.refresh()

    def open_settings(self, *_: Any) -> bool:
        return False  # no settings panel at the station
