"""The script that renders every screen of the kiosk to PNG, for the README
and for review: home, list, detail, flowchart (with a step tapped),
disclosures, search, complaint, progress, receipt preview, PIN pad and the
technician screen."""

from __future__ import annotations

from pathlib import Path
from typing import Any

DETAIL_ITEM = "GP-02"  # collective asset disposal: a decision with two branches
SCREENS = ("home", "list", "detail", "flowchart", "disclosures", "search", "complaint",
           "progress", "receipt", "pin", "technician", "attract")


def screenshot_steps(directory: Path, pin: str, prefix: str = "") -> list[dict[str, Any]]:
    """Script steps (:mod:`kiosk.script_runner`) visiting every screen by touch."""

    def shot(name: str) -> dict[str, Any]:
        return {"screenshot": str(directory / f"{prefix}{name}.png")}

    return [
        {"expect": "home"}, shot("home"),
        {"tap": "public_power"}, {"expect": "list"}, shot("list"),
        {"call": "open_item", "args": [DETAIL_ITEM]}, {"expect": "detail"}, shot("detail"),
        {"tap": "flowchart:0"}, {"expect": "flowchart"},
        {"call": "tap_flowchart_node", "args": ["d1"]}, shot("flowchart"),
        {"tap": "back"}, {"tap": "receipt"}, {"expect": "receipt"}, shot("receipt"),
        {"tap": "home"}, {"tap": "disclosures"}, {"expect": "disclosures"}, shot("disclosures"),
        {"tap": "home"}, {"tap": "search"}, {"tap": "word:低保"}, {"expect": "search"},
        shot("search"),
        {"tap": "home"}, {"tap": "complaint"}, {"expect": "complaint"},
        {"tap": "problem:办事拖延，没有按时答复"}, shot("complaint"),
        {"tap": "home"}, {"tap": "progress"}, {"expect": "progress"}, shot("progress"),
        {"tap": "home"},
        *[{"tap_at": [0.02, 0.02]} for _ in range(5)], {"expect": "pin"}, shot("pin"),
        *[{"tap": f"pin:{digit}"} for digit in pin], {"tap": "pin_ok"},
        {"expect": "technician"}, {"wait": 3}, shot("technician"),
        {"tap": "tech_exit"}, {"expect": "home"},
        {"call": "show_attract"}, {"expect": "attract"}, shot("attract"),
        {"tap_at": [0.5, 0.5]}, {"expect": "home"},
    ]
