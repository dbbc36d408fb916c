"""The Kivy kiosk against a Chromium kiosk, side by side in one run: process
start to first frame and total RSS; then the Kivy kiosk's screen-switch time
and search time; each for the 36-item sample and a synthetic 500-item catalog.

    .venv/bin/python bench/kiosk_start.py [--runs N] [--size 800x480] [--only switch]

``--only switch``: only the Kivy kiosk's screen-switch and search figures
(no Chromium, no start-up or memory figures); ``--only start``: only the
start-up and memory figures of both.

The kiosk is started twice over: through the test driver
(:mod:`kiosk.testing.driver`, stand-in services: ``kivy-N``), and as a village
hall starts it, ``village-edge kiosk --simulate`` (``command-36``: its
configuration, outbox, printer and services are made before the window opens;
the sample catalog only). All run under one private Xvfb (started here). First
frame: the root window is captured with ``xwd`` every few milliseconds from
the moment the process is started until the picture holds more than a handful
of colours (text has been drawn); the same test for both. CPU: user and system
seconds the process tree used until then, beside the wall clock, because on a
machine shared with other work a program of several busy processes (Chromium)
gets a larger share of the cores than a single-threaded one. RSS: VmRSS summed
over the process and all its descendants once the first frame is up (plus a
second to settle), and PSS from smaps_rollup beside it, since Chromium's
processes share pages. The kiosk reads its modules' bytecode as an installed
release does (pip compiles it when it installs the release): the bench's
Python programs run without ``PYTHONDONTWRITEBYTECODE`` and keep their
bytecode under the bench's own directory (``PYTHONPYCACHEPREFIX``), written by
the unmeasured first start, so a development shell that sets the variable
does not make every measured start compile the project's modules again.
Chromium is Debian's ``chromium`` in ``--kiosk`` mode showing a static HTML
page of the same catalog (home buttons, every item with whom to see,
materials, steps and legal basis). Screen switch: a touch on a button to the
next frame flipped, over repeated rounds of home -> list -> detail ->
flowchart -> back, disclosures, search; first visits are reported apart.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from kiosk.testing.bigcatalog import synthetic_catalog
from kiosk.viewmodels.detail import steps
from kiosk.xvfb import Xvfb
from powerlist import CATEGORIES, Catalog, load_sample

REPO = Path(__file__).resolve().parent.parent
DRIVER = [sys.executable, "-m", "kiosk.testing.driver"]  # the kiosk run through a script
#: The kiosk as a village hall starts it (sample data, stand-in services where
#: nothing is configured): the configuration, the outbox, the printer and the
#: services are made before the window opens, which the driver skips.
COMMAND = [sys.executable, "-m", "village_edge.cli", "kiosk", "--simulate"]
COLOURS_FOR_A_FRAME = 24
POLL = 0.01
TIMEOUT = 60.0
CHROMIUM_FLAGS = ["--kiosk", "--no-sandbox", "--disable-gpu", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--noerrdialogs", "--disable-features=Translate"]


def xwd_colours(display: str) -> int:
    """Distinct colours in a sample of the root window's pixels."""
    capture = subprocess.run(["xwd", "-root", "-silent", "-display", display],
                             capture_output=True)
    raw = capture.stdout
    if capture.returncode != 0 or len(raw) < 100:
        return 0  # a window was being mapped as we looked: look again
    header_size, = struct.unpack_from(">I", raw, 0)
    width, height = struct.unpack_from(">II", raw, 16)
    bits_per_pixel, = struct.unpack_from(">I", raw, 44)
    bytes_per_line, = struct.unpack_from(">I", raw, 48)
    colours_count, = struct.unpack_from(">I", raw, 76)
    start = header_size + 12 * colours_count
    step = bits_per_pixel // 8
    seen = set()
    for y in range(0, height, 3):
        row = start + y * bytes_per_line
        for x in range(0, width, 3):
            seen.add(raw[row + x * step: row + x * step + 3])
    return len(seen)


def _children() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    return children


def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by *pid* and its descendants,
    those still running and those already waited for: a figure that does
    not grow when other programs share the CPU, unlike the wall clock."""
    children = _children()
    ticks = 0
    waiting = [pid]
    while waiting:
        current = waiting.pop()
        waiting.extend(children.get(current, []))
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
    return ticks / os.sysconf("SC_CLK_TCK")


def tree_memory(pid: int) -> tuple[int, int]:
    """(RSS, PSS) in bytes summed over *pid* and its descendants."""
    children = _children()
    rss = pss = 0
    waiting = [pid]
    while waiting:
        current = waiting.pop()
        waiting.extend(children.get(current, []))
        try:
            for line in Path(f"/proc/{current}/smaps_rollup").read_text().splitlines():
                if line.startswith("Rss:"):
                    rss += int(line.split()[1]) * 1024
                elif line.startswith("Pss:"):
                    pss += int(line.split()[1]) * 1024
        except OSError:
            continue
    return rss, pss


class NoFrame(RuntimeError):
    """A program did not draw its first frame; the message says what was seen."""


def _why_no_frame(name: str, process: subprocess.Popen[bytes], colours: int,
                  log: Path) -> str:
    """What went wrong, in one line a reader can act on, then the program's
    last lines of output."""
    status = process.poll()
    if status is not None:
        cause = f"{name} exited with status {status} before drawing its first frame"
    elif colours <= 1:
        cause = (f"{name} is running but the screen stayed black for {TIMEOUT:.0f} s "
                 "(no window drawn, or the screen asleep: a blanking time, or a frame "
                 "that waits for something)")
    else:
        cause = (f"{name} is running but its picture has only {colours} colours after "
                 f"{TIMEOUT:.0f} s, fewer than the {COLOURS_FOR_A_FRAME} that mean text "
                 "was drawn (a window without its text, or a screen other than the first)")
    tail = log.read_text("utf-8", "replace").strip().splitlines()[-15:] if log.exists() else []
    return cause + (f"; its last lines ({log}):\n  " + "\n  ".join(tail) if tail else
                    "; it wrote nothing")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop *process* and its group: TERM, then KILL if it lingers."""
    for signal_number in (15, 9):
        try:
            os.killpg(process.pid, signal_number)
        except ProcessLookupError:
            break  # the whole group is gone already
        try:
            process.wait(timeout=10)
            break
        except subprocess.TimeoutExpired:
            continue
    process.wait()


def first_frame(command: list[str], env: dict[str, str], display: str,
                log: Path) -> dict[str, float]:
    """Start *command*, time its first drawn frame, measure its memory, stop
    it. Its output goes to *log*; ``NoFrame``, naming the cause, when it
    draws nothing within ``TIMEOUT``."""
    name = ("the kiosk" if "kiosk.testing.driver" in command else
            "the village-edge kiosk command" if "village_edge.cli" in command else
            Path(command[0]).name)
    with log.open("wb") as output:
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=output, stderr=output,
                                   start_new_session=True)
    colours = 0
    try:
        while (colours := xwd_colours(display)) < COLOURS_FOR_A_FRAME:
            if time.perf_counter() - started > TIMEOUT or process.poll() is not None:
                raise NoFrame(_why_no_frame(name, process, colours, log))
            time.sleep(POLL)
        seconds = time.perf_counter() - started
        cpu = tree_cpu(process.pid)
        time.sleep(1.0)
        rss, pss = tree_memory(process.pid)
    finally:
        _stop(process)
    time.sleep(0.3)
    return {"first_frame_s": seconds, "cpu_s": cpu, "rss_mb": rss / 2**20,
            "pss_mb": pss / 2**20}


def catalog_page(catalog: Catalog) -> str:
    """A static HTML page with the same content as the kiosk's screens."""
    parts = [f"<h1>{html.escape(catalog.title)}</h1>",
             "<nav><a href='#c'>公共权力事项</a><a href='#c'>便民服务事项</a>"
             "<a>查找事项</a><a>阳光村务</a><a>投诉举报</a><a>办理进度查询</a></nav>"]
    for key, name in CATEGORIES.items():
        parts.append(f"<h2 id='c'>{name}</h2>")
        for item in catalog.in_category(key):
            step_list = "".join(f"<li>{html.escape(n.action)}（{html.escape(n.actor)}）</li>"
                                for n in steps(item.flowcharts[0]))
            materials = "".join(f"<li>□ {html.escape(m)}</li>" for m in item.materials)
            laws = "".join(f"<li>《{html.escape(b.law)}》</li>" for b in item.legal_basis)
            parts.append(
                f"<section><h3>{html.escape(item.name)}</h3><p>办理时限："
                f"{html.escape(item.time_limit)}</p><p>经办：{html.escape(item.handler)}</p>"
                f"<ul>{materials}</ul><ol>{step_list}</ol><ul>{laws}</ul>"
                f"<p>{html.escape(item.accountability)}</p></section>")
    style = ("body{font-family:'Noto Sans CJK SC',sans-serif;background:#f7f5ee;margin:0;"
             "padding:12px;font-size:22px}nav a{display:inline-block;padding:20px;margin:4px;"
             "background:#9b2a21;color:#fff}section{background:#fff;margin:8px 0;padding:8px}")
    return (f"<!doctype html><html lang='zh-CN'><meta charset='utf-8'><style>{style}</style>"
            f"<body>{''.join(parts)}</body></html>")


def kiosk_script(directory: Path, state: Path, size: tuple[int, int], items: int,
                 steps_: list[dict[str, object]]) -> Path:
    script = directory / f"script-{items}-{len(steps_)}.json"
    script.write_text(json.dumps({"state_dir": str(state), "size": list(size), "pin": "",
                                  "catalog_items": items if items != 36 else 0,
                                  "steps": steps_}, ensure_ascii=False), "utf-8")
    return script


def switch_rounds(rounds: int, item_id: str) -> list[dict[str, object]]:
    one = [{"tap": "public_power"}, {"call": "open_item", "args": [item_id]},
           {"tap": "flowchart:0"}, {"tap": "back"}, {"tap": "back"}, {"tap": "home"},
           {"tap": "disclosures"}, {"tap": "home"}, {"tap": "search"}, {"tap": "word:低保"},
           {"tap": "home"}, {"tap": "convenience_service"}, {"tap": "home"}]
    words = ["低保", "宅基地", "盖章", "工程", "残疾 证明", "采购", "没有这个词"]
    return [step for _ in range(rounds) for step in one] + [{"measure_search": words * 20}]


def python_environment(work: Path) -> dict[str, str]:
    """os.environ without Kivy's variables, for the Python programs measured:
    bytecode written once, to *work*'s ``pycache``, and read from then on,
    as an installed release reads its own."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("KIVY_") and k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    return env


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def run_switches(env: dict[str, str], script: Path, report: Path) -> dict[str, float]:
    subprocess.run([*DRIVER, str(script), str(report)],
                   env=env, cwd=REPO, timeout=300, capture_output=True)
    data = json.loads(report.read_text("utf-8"))
    if not data.get("ok"):
        raise RuntimeError(f"the switch script failed: {data.get('error')}")
    taps = [s for s in data["steps"] if "tap" in s]
    switches = data["switch_ms"]
    taps_per_round = sum(1 for step in switch_rounds(1, "") if "tap" in step)
    per_round = len(switches) // max(1, len(taps) // taps_per_round)
    warm = switches[per_round:]
    measured = next(s for s in data["steps"] if "search_ms" in s)
    search = measured["search_ms"]
    return {"first_visits_max_ms": max(switches[:per_round]),
            "switch_p50_ms": statistics.median(warm), "switch_p95_ms": percentile(warm, 0.95),
            "switch_p95_all_ms": percentile(switches, 0.95),
            "search_median_ms": statistics.median(search), "search_max_ms": max(search),
            "search_index_ms": measured.get("search_index_ms", 0.0)}


def switches_only(width: int, height: int, rounds: int) -> int:
    """The Kivy kiosk's screen-switch and search figures, for 36 and 500 items."""
    with tempfile.TemporaryDirectory() as temporary, Xvfb(f"{width}x{height}x24") as display:
        work = Path(temporary)
        env = python_environment(work) | {"DISPLAY": display, "PYTHONPATH": str(REPO)}
        results = {}
        for items in (36, 500):
            script = kiosk_script(work, work / "kiosk-state", (width, height), items,
                                  switch_rounds(rounds, "GP-02" if items == 36 else "GP-02-0"))
            results[items] = run_switches(env, script, work / "switch.json")
    print(f"screen {width}x{height}, Xvfb + Mesa (llvmpipe), {rounds} rounds")
    for items, figures in results.items():
        print(f"kivy-{items:>3}: " + ", ".join(f"{k} {v:.3g}" for k, v in figures.items()))
    for key in ("switch_p95_ms", "search_median_ms", "search_max_ms"):
        print(f"500 vs 36 items, {key}: {results[500][key] / results[36][key]:.2f}x"
              " (target <= 2)")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--size", default="800x480")
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--only", choices=("all", "switch", "start"), default="all",
                        help="switch: only the screen-switch and search figures; "
                             "start: only start-up and memory")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if args.only == "switch":
        return switches_only(width, height, args.rounds)
    if chromium is None:
        print("chromium is not installed: run ./setup.sh dev (or sudo apt-get install "
              "chromium)", file=sys.stderr)
        return 2
    if shutil.which("xwd") is None:
        print("xwd is not installed: run ./setup.sh dev (or sudo apt-get install x11-apps)",
              file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as temporary, Xvfb(f"{width}x{height}x24") as display:
        work = Path(temporary)
        state = work / "kiosk-state"
        env = python_environment(work) | {"DISPLAY": display}
        results: dict[str, dict[str, float]] = {}
        for items in (36, 500):
            catalog = load_sample() if items == 36 else synthetic_catalog(items)
            page = work / f"catalog-{items}.html"
            page.write_text(catalog_page(catalog), "utf-8")
            hold = kiosk_script(work, state, (width, height), items, [{"wait": 100000}])
            kivy_runs, chrome_runs, command_runs = [], [], []
            command = [*COMMAND, "--size", f"{width}x{height}"]
            command_env = env | {"PYTHONPATH": str(REPO), "HOME": str(work / "home")}
            # one unmeasured start each: the font extraction, caches on disk
            first_frame([*DRIVER, str(hold), str(work / "r.json")],
                        env | {"PYTHONPATH": str(REPO)}, display, work / "kiosk.log")
            if items == 36:
                first_frame(command, command_env, display, work / "command.log")
            for run in range(args.runs):
                kivy_runs.append(first_frame(
                    [*DRIVER, str(hold), str(work / "r.json")],
                    env | {"PYTHONPATH": str(REPO)}, display, work / "kiosk.log"))
                if items == 36:  # the command has no way to show the synthetic catalog
                    command_runs.append(first_frame(command, command_env, display,
                                                    work / "command.log"))
                profile = work / f"chromium-{items}-{run}"
                chrome_runs.append(first_frame(
                    [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                     f"--window-size={width},{height}", page.as_uri()], env, display,
                    work / "chromium.log"))
            for name, runs in (("kivy", kivy_runs), ("chromium", chrome_runs),
                               ("command", command_runs)):
                if not runs:
                    continue
                results[f"{name}-{items}"] = {
                    key: statistics.median(r[key] for r in runs) for key in runs[0]}
            if args.only == "start":
                continue
            script = kiosk_script(work, state, (width, height), items,
                                  switch_rounds(args.rounds,
                                                "GP-02" if items == 36 else "GP-02-0"))
            results[f"kivy-{items}"].update(
                run_switches(env | {"PYTHONPATH": str(REPO)}, script, work / "switch.json"))
    print(f"screen {width}x{height}, median of {args.runs} starts, Xvfb + Mesa (llvmpipe)")
    for name, figures in results.items():
        print(f"{name:>14}: " + ", ".join(f"{k} {v:.3g}" for k, v in figures.items()))
    for items in (36, 500):
        kivy, chrome = results[f"kivy-{items}"], results[f"chromium-{items}"]
        print(f"{items} items: start ratio {kivy['first_frame_s'] / chrome['first_frame_s']:.2f}"
              f" (target <= 0.5), CPU to first frame {kivy['cpu_s'] / chrome['cpu_s']:.2f}"
              f", RSS ratio {kivy['rss_mb'] / chrome['rss_mb']:.2f}"
              f" (target <= 0.3), PSS ratio {kivy['pss_mb'] / chrome['pss_mb']:.2f}")
    command, chrome = results["command-36"], results["chromium-36"]
    print(f"36 items, the village-edge kiosk command: start ratio "
          f"{command['first_frame_s'] / chrome['first_frame_s']:.2f} (target <= 0.5), "
          f"CPU to first frame {command['cpu_s'] / chrome['cpu_s']:.2f}, RSS ratio "
          f"{command['rss_mb'] / chrome['rss_mb']:.2f} (target <= 0.3)")
    small, big = results["kivy-36"], results["kivy-500"]
    compared = ("first_frame_s", "rss_mb") if args.only == "start" else \
        ("first_frame_s", "rss_mb", "switch_p95_ms", "search_median_ms")
    for key in compared:
        print(f"500 vs 36 items, {key}: {big[key] / small[key]:.2f}x (target <= 2)")
    return 0


if __name__ == "__main__":
    try:
        raise SystemExit(main())
    except NoFrame as failure:
        print(f"kiosk_start: {failure}", file=sys.stderr)
        raise SystemExit(1) from None
