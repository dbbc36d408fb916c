"""Render the custodian's panel in each phase to PNG, driven through the
harness (mock pins, simulated camera, the harness's own county): idle with
choices made, waiting for approval, unlocked after a stamp with its photo, a
refused forged approval, an alarm, and halted (the card has gone read-only).
For the README and for review (``village-edge seal screenshots DIR``).

This module imports Kivy: a composition root imports it after preparing Kivy.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kivy.base import EventLoop
from kivy.clock import Clock

from hardware.station import StationSpec
from seal_controller.harness import Harness
from seal_controller.panel_app import SealPanelApp
from seal_controller.panel_model import PanelModel

SHOTS = ("idle", "waiting", "unlocked", "refused", "alarm", "halted")


def script(harness: Harness, model: PanelModel) -> list[tuple[str, Callable[[], None]]]:
    """(name, what to do before the picture) in order."""
    slot = harness.spec.slots[min(1, len(harness.spec.slots) - 1)].name

    def choose() -> None:
        model.choose_slot(slot)
        model.choose_matter(model.matters()[0])
        model.more()

    def approve_and_stamp() -> None:
        harness._step_approve({"via": "feed"})
        harness.camera.show("document_and_hand")
        harness._step_press({"slot": slot})

    def forged() -> None:
        harness._step_press({"slot": slot})  # the last stamp: locked again
        harness.camera.show("document")
        model.request()
        harness._step_approve({"forge": "other-key"})

    def alarm() -> None:
        model.cancel()
        harness._step_press({"slot": harness.spec.slots[0].name})

    def halted() -> None:
        harness._step_disk({"state": "read-only"})
        model.request()  # its record cannot be written: every seal locked, the station halted

    return [("idle", choose), ("waiting", model.request), ("unlocked", approve_and_stamp),
            ("refused", forged), ("alarm", alarm), ("halted", halted)]


def render_panel(directory: Path, spec: StationSpec, size: tuple[int, int]) -> list[Path]:
    """Run the panel app once and save one PNG per phase in *directory*."""
    directory.mkdir(parents=True, exist_ok=True)
    saved: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="seal-panel-") as scratch:
        harness = Harness(Path(scratch), spec)
        model = PanelModel(harness.controller, harness.outbox.blob_path)
        steps = script(harness, model)
        app = SealPanelApp(model, harness.controller.tick)

        def run(index: int) -> None:
            if index == len(steps):
                app.stop()
                return
            name, action = steps[index]
            action()
            app.panel.refresh()

            def shoot(_: Any) -> None:
                path = directory / f"seal-panel-{name}.png"
                app.panel.export_to_png(str(path))
                saved.append(path)
                Clock.schedule_once(lambda _: run(index + 1), 0.1)

            Clock.schedule_once(shoot, 0.4)

        EventLoop.ensure_window()  # the window opens here
        EventLoop.window.size = size
        Clock.schedule_once(lambda _: run(0), 0.5)
        try:
            app.run()
        finally:
            harness.close()
    return saved
