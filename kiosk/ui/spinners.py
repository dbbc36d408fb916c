"""The complaint screen's drop-down of items, its lines broken by the
Chinese rules like every other label (:mod:`kiosk.ui.breaking`). Kivy's
Factory imports this module when the first spinner is made.

Imports Kivy: only Kivy's Factory imports this module, for :mod:`kiosk.app`."""

from __future__ import annotations

from typing import Any

from kivy.uix.spinner import Spinner, SpinnerOption

from kiosk.ui.breaking import BreakingText


class ChineseSpinnerOption(BreakingText, SpinnerOption):
    pass


class ChineseSpinner(BreakingText, Spinner):
    """A spinner whose chosen value is ``content`` (its ``text`` is that
    value with line breaks)."""

    def _on_dropdown_select(self, instance: Any, data: str, *largs: Any) -> None:
        shown = data.replace("\n", "")
        self.content = next((value for value in self.values
                             if value.replace(" ", "") == shown.replace(" ", "")), shown)
        self.is_open = False
