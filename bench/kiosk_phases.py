"""Where ``village-edge kiosk --simulate`` spends its CPU before its first
frame: CPU seconds (``time.process_time``) and wall seconds at each step,
from the interpreter to the flip of the home screen's first frame.

    .venv/bin/python bench/kiosk_phases.py [--runs N] [--size 800x480]

Each run is a fresh process (one unmeasured start first, which writes the
bytecode and the kiosk's caches, as ``bench/kiosk_start.py`` does) under a
private Xvfb. Nothing is imported ahead of the command: the steps are marked
by wrapping the command's own functions as their modules are imported, and
the kiosk is stopped once its first frame is flipped. On a shared machine
both figures grow with the load; read them as shares of the whole.
"""

from __future__ import annotations

import builtins
import sys
import time
from pathlib import Path
from typing import Any

# Only these before a measured start: the rest is imported by main().

REPO = Path(__file__).resolve().parent.parent
STEPS = ("the interpreter", "village_edge.cli imported", "the kiosk's parser, parsed",
         "the configuration", "the kiosk's modules", "outbox, services, view-model",
         "Kivy's imports, the font", "kiosk.app (Kivy's widgets)", "app.run until build",
         "the window", "build: kv rules, home screen", "the first frame flipped")


def one_start(report: Path, size: str) -> None:
    """Run the command in this process, marking each step; write the marks."""
    marks: list[tuple[str, float, float]] = []

    def mark(step: str) -> None:
        marks.append((step, time.process_time(), time.perf_counter()))

    mark(STEPS[0])
    done: set[str] = set()

    def patch_cli(module: Any) -> None:
        mark(STEPS[1])
        load, run = module.load_config, module.COMMANDS["kiosk"]

        def load_config(*args: Any, **kwargs: Any) -> Any:
            config = load(*args, **kwargs)
            mark(STEPS[3])
            return config

        def kiosk(*args: Any, **kwargs: Any) -> Any:
            mark(STEPS[2])
            return run(*args, **kwargs)

        module.load_config, module.COMMANDS["kiosk"] = load_config, kiosk

    def patch_commands(module: Any) -> None:
        feed = module._feed

        def first_of_run_live(*args: Any, **kwargs: Any) -> Any:
            mark(STEPS[4])  # _run_live's imports are done when it asks for the feed
            return feed(*args, **kwargs)

        module._feed = first_of_run_live

    def patch_setup(module: Any) -> None:
        prepare = module.prepare_kivy

        def prepare_kivy(*args: Any, **kwargs: Any) -> None:
            mark(STEPS[5])
            prepare(*args, **kwargs)
            mark(STEPS[6])

        module.prepare_kivy = prepare_kivy

    def patch_app(module: Any) -> None:
        mark(STEPS[7])
        from kivy.base import EventLoop
        from kivy.clock import Clock

        ensure, build = EventLoop.ensure_window, module.KioskApp.build

        def ensure_window() -> None:
            first = EventLoop.window is None
            ensure()
            if first:
                mark(STEPS[9])

        def built(app: Any) -> Any:
            mark(STEPS[8])
            root = build(app)
            mark(STEPS[10])

            def flipped(window: Any) -> None:
                window.unbind(on_flip=flipped)
                mark(STEPS[11])
                Clock.schedule_once(lambda dt: app.stop(), 0)

            app.window.bind(on_flip=flipped)
            return root

        EventLoop.ensure_window = ensure_window
        module.KioskApp.build = built

    patches = {"village_edge.cli": ("main", patch_cli),
               "village_edge.kiosk_commands": ("_run_live", patch_commands),
               "kiosk.kivy_setup": ("prepare_kivy", patch_setup),
               "kiosk.app": ("KioskApp", patch_app)}
    real_import = builtins.__import__

    def watching(name: str, *args: Any, **kwargs: Any) -> Any:
        module = real_import(name, *args, **kwargs)
        for wanted, (attribute, patch) in patches.items():
            if wanted not in done and hasattr(sys.modules.get(wanted), attribute):
                done.add(wanted)
                patch(sys.modules[wanted])
        return module

    builtins.__import__ = watching
    from village_edge.cli import main

    main(["kiosk", "--simulate", "--size", size])
    import json

    report.write_text(json.dumps(marks), "utf-8")


def main() -> int:
    if sys.argv[1:2] == ["--one-start"]:  # a measured start: REPORT SIZE
        one_start(Path(sys.argv[2]), sys.argv[3])
        return 0
    import argparse
    import json
    import os
    import subprocess
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--size", default="800x480")
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    from bench.kiosk_start import python_environment
    from kiosk.xvfb import Xvfb

    width, height = args.size.split("x")
    runs: list[list[tuple[str, float, float]]] = []
    with tempfile.TemporaryDirectory() as temporary, Xvfb(f"{width}x{height}x24") as display:
        work = Path(temporary)
        env = python_environment(work) | {"DISPLAY": display, "PYTHONPATH": str(REPO),
                                          "HOME": str(work / "home")}
        for run in range(args.runs + 1):
            report = work / "marks.json"
            subprocess.run([sys.executable, __file__, "--one-start", str(report), args.size],
                           env=env, cwd=REPO, check=True, capture_output=True, timeout=120)
            if run:  # the first start writes the bytecode and the caches
                runs.append([tuple(mark) for mark in json.loads(report.read_text("utf-8"))])
    load = os.getloadavg()[0]
    print(f"village-edge kiosk --simulate at {args.size}, {args.runs} starts, load {load:.1f}:"
          " CPU (wall) seconds per step")
    for index, step in enumerate(STEPS):
        cells = []
        for marks in runs:
            named = dict((name, (cpu, wall)) for name, cpu, wall in marks)
            if step not in named:
                cells.append("-")
                continue
            before = marks[[name for name, _, _ in marks].index(step) - 1] if index else \
                (step, 0.0, marks[0][2])
            cpu, wall = named[step]
            cells.append(f"{cpu - before[1]:.3f} ({wall - before[2]:.3f})")
        print(f"{step:>32}: " + "  ".join(cells))
    totals = [f"{marks[-1][1]:.3f} ({marks[-1][2] - marks[0][2]:.3f})" for marks in runs]
    print(f"{'total':>32}: " + "  ".join(totals))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
