"""An on-screen number pad's state: what has been typed, within a length."""

from __future__ import annotations

from dataclasses import dataclass

KEYS = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "清空", "0", "删除")


@dataclass
class NumberPad:
    max_length: int = 12
    value: str = ""
    masked: bool = False

    def press(self, key: str) -> None:
        if key == "删除":
            self.value = self.value[:-1]
        elif key == "清空":
            self.value = ""
        elif key.isdigit() and len(key) == 1 and len(self.value) < self.max_length:
            self.value += key

    @property
    def shown(self) -> str:
        if self.masked:
            return "●" * len(self.value)
        if len(self.value) == 11:  # a mobile number: 138 1234 5678
            return f"{self.value[:3]} {self.value[3:7]} {self.value[7:]}"
        return self.value
