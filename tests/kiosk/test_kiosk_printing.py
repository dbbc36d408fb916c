"""The print flow under Xvfb with the real print queue: the printer is out of
paper, the villager is told so in plain words, and once the paper is loaded
the kept receipt prints by itself, exactly once."""

from __future__ import annotations

from pathlib import Path

from hardware.printer.testing import CUT
from kiosk.services.print_queue import MESSAGES
from kiosk.wiring import PRINTED
from powerlist import load_sample
from tests.kiosk.conftest import RunScript

ITEM = "GP-01"


def test_out_of_paper_the_villager_is_told_and_the_receipt_prints_once_paper_is_back(
    run_script: RunScript, tmp_path: Path
) -> None:
    flag = tmp_path / "paper-loaded"
    steps = [
        {"tap": "public_power"}, {"call": "open_item", "args": [ITEM]}, {"expect": "detail"},
        {"tap": "receipt"}, {"expect": "receipt"},
        {"tap": "print"},
        {"wait_for_text": "打印机没纸了", "frames": 300},
        {"wait": 20},  # a few retries with the paper still out: nothing prints
        {"texts": True},
        {"write_file": str(flag)},  # the paper is loaded
        {"wait_for_text": PRINTED, "frames": 600},
        {"wait": 20},  # more retries: the receipt is not printed again
        {"texts": True},
    ]
    report = run_script(steps, printer={"queue_dir": str(tmp_path / "print-queue"),
                                        "paper_flag": str(flag)},
                        print_retry_seconds=0.2)

    out_of_paper, printed = (s for s in report["steps"] if s.get("texts") and "wait_for_text"
                             not in s)
    assert out_of_paper["screen"] == "receipt"
    assert MESSAGES["paper_out"] in out_of_paper["texts"]
    assert PRINTED not in out_of_paper["texts"]
    assert PRINTED in printed["texts"] and MESSAGES["paper_out"] not in printed["texts"]

    output = bytes.fromhex(report["printer"]["output_hex"])
    assert report["printer"]["pending"] == 0
    assert output.count(CUT) == 1 and report["printer"]["jobs"] == 1
    name = load_sample().item(ITEM).name
    assert output.count(name.encode("gb18030")) == 1
