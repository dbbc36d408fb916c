"""Progress lookup: type the tracking code from a receipt on a key pad."""

from __future__ import annotations

from kiosk.viewmodels.numpad import NumberPad
from kiosk.viewmodels.services import ProgressLookup

CODE_LENGTH = 12


class ProgressViewModel:
    def __init__(self, lookup: ProgressLookup | None) -> None:
        self._lookup = lookup
        self.code = NumberPad(max_length=CODE_LENGTH)
        self.lines: tuple[str, ...] = ("请输入回执上的查询码，然后点“查询”。",)

    def reset(self) -> None:
        self.code = NumberPad(max_length=CODE_LENGTH)
        self.lines = ("请输入回执上的查询码，然后点“查询”。",)

    def query(self) -> tuple[str, ...]:
        code = self.code.value
        if not code:
            self.lines = ("请先输入查询码。",)
        elif self._lookup is None:
            self.lines = ("这台机器暂时不能查询进度，请问村里的代办员。",)
        else:
            report = self._lookup.lookup(code)
            if report is None:
                self.lines = (f"没有找到查询码 {code}。", "请核对回执上的号码再试一次。")
            else:
                self.lines = (f"查询码 {report.tracking_code}", *report.lines)
        return self.lines
