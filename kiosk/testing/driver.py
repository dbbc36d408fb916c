"""``python -m kiosk.testing.driver SCRIPT.json REPORT.json``: the real kiosk
app run through a script of touches (:mod:`kiosk.testing.steps`) on the
display in $DISPLAY, for the render tests and the benchmark; the report is
JSON.

A composition root of its own: it prepares Kivy before importing the app.
What only some scripts need is imported when they need it, so that the
benchmark's start-up figures count what the kiosk itself loads.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from kiosk.kivy_setup import prepare_kivy
from kiosk.kivy_style import KIOSK_RULES
from kiosk.launch import build_view_model
from kiosk.samples import SampleFeed, sample_technician_hooks
from kiosk.standins import GuideSlips, NoPrinter, PretendComplaints, PretendProgress
from kiosk.viewmodels.services import KioskServices
from kiosk.viewmodels.sizes import DEFAULT_DIAGONAL_INCHES


def main(argv: list[str] | None = None) -> int:
    """The script is ``{"state_dir", "size": [w, h], "pin", "catalog_items": N
    (optional), "printer": {"queue_dir", "paper_flag"} (optional),
    "print_retry_seconds" (optional), "diagonal_inches" (optional),
    "blank_seconds" (optional: the screen sleeps after so long untouched),
    "backlight_root" (optional: a stand-in for /sys/class/backlight),
    "sample_issued" (optional: when the sample roster and disclosures were
    published, Unix seconds; by default the start, so two runs show the same
    "updated" time only when given the same), "steps": [...]}``; the kiosk runs on the
    sample data and the stand-in services. With "printer", receipts go through
    the real print queue to :class:`hardware.printer.testing.InMemoryPrinter`
    (paper out until the flag file exists), and the report's "printer" holds
    what reached the paper."""
    args = sys.argv[1:] if argv is None else argv
    script = json.loads(Path(args[0]).read_text("utf-8"))
    report_path = Path(args[1])
    report: dict[str, Any] = {"started": time.time()}
    state = Path(script["state_dir"])
    prepare_kivy(state, os.environ, size=tuple(script.get("size", (800, 480))),
                 fullscreen=False, style_rules=KIOSK_RULES)
    from kiosk.app import PRINT_RETRY_SECONDS, KioskApp
    from kiosk.script_runner import run_app_with_script
    from kiosk.testing.steps import ScriptRunnerForTests

    sample = None
    if script.get("catalog_items"):
        from kiosk.testing.bigcatalog import synthetic_catalog

        count = int(script["catalog_items"])
        sample = lambda: synthetic_catalog(count)  # noqa: E731
    printing: Any = NoPrinter()
    printer: Any = None
    queue: Any = None
    if script.get("printer"):
        from hardware.printer import ReceiptPrinter
        from hardware.printer.testing import InMemoryPrinter
        from kiosk.services.print_queue import PrintQueue
        from kiosk.wiring import QueuedPrinting

        printer = InMemoryPrinter(paper_flag=script["printer"]["paper_flag"])
        queue = PrintQueue(script["printer"]["queue_dir"],
                           ReceiptPrinter(printer, chinese="gb18030"))
        printing = QueuedPrinting(queue)
    services = KioskServices(GuideSlips(), printing, PretendComplaints(), PretendProgress())
    hooks = sample_technician_hooks()
    feed = SampleFeed(script.get("sample_issued"))
    vm = build_view_model(catalog_feed=None, data_feed=feed, services=services,
                          technician=hooks, pin=str(script.get("pin", "")),
                          blank_seconds=float(script.get("blank_seconds") or 0),
                          **({"sample": sample} if sample else {}))
    retry = float(script.get("print_retry_seconds") or PRINT_RETRY_SECONDS)
    diagonal = float(script.get("diagonal_inches") or DEFAULT_DIAGONAL_INCHES)
    power = None
    if script.get("backlight_root"):
        from kiosk.display_power import choose_display_power

        power = choose_display_power({}, Path(script["backlight_root"]))
    app = KioskApp(vm, print_retry_seconds=retry,
                   diagonal_inches=diagonal, display_power=power)
    report.update(run_app_with_script(app, script["steps"], ScriptRunnerForTests))
    report["errors"] = app.errors
    if printer is not None and queue is not None:
        output = bytes(printer.output)
        report["printer"] = {"output_hex": output.hex(), "jobs": printer.jobs_printed(),
                             "pending": queue.pending()}
    report_path.write_text(json.dumps(report, ensure_ascii=False, indent=1), "utf-8")
    return 0 if report.get("ok") else 1


if __name__ == "__main__":
    raise SystemExit(main())
