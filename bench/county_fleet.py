"""The county under a fleet of devices, in one run, side by side: the stdlib
server of before issue 12 (the baseline), and the ASGI county on SQLite, on
PostgreSQL with one worker and with two.

    .venv/bin/python bench/county_fleet.py [--quick] [--profile] [--only NAME,...]

The baseline is not kept in the product: it is the county as it was at
the commit BASELINE_COMMIT names, taken out of git (``git archive``) into a scratch
directory and run from there as ``village-edge county serve``, exactly as
it shipped. Each county is its own process (``county serve``; two workers
are ``--workers 2``); PostgreSQL is a throwaway server of this run
(tests/postgres_server.py). The devices are a pool of client processes,
each many devices at once over asyncio, every request signed with the
device's own key (protocol.signing), as the sync agent signs them.

Scenarios (scaled to finish in a few minutes on a 2-core machine shared by
clients and county; the scale is printed with the results):

- catch-up after an outage: every device sends its backlog (batches of 500
  events, as the agent does, gzip'd) and its photos (256 KiB chunks) at
  once; time until everything is in, events/s, request latency, county CPU
  and RSS. Then the database is counted: nothing lost, nothing twice.
- steady state: 1,500 devices, a batch of a few events a minute each (25
  requests/s), each on a new connection: p99 latency and county CPU.
- many open connections: 1,000 devices each holding a keep-alive
  connection, each sending a request over it: county RSS and p99 latency.

"County CPU" is the CPU time of the county's processes (workers included);
for PostgreSQL it is also given with the database server's own CPU added
(``+db``), since SQLite's work is inside the county process. Events per
county CPU-second and RSS are the county's own cost, whatever the clients
take on the same cores. ``--profile`` records the new county (SQLite)
through one catch-up with py-spy and prints where its time goes.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import hashlib
import json
import multiprocessing
import os
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from protocol.api import (
    HEADER_BACKLOG,
    HEADER_OFFSET,
    HEADER_SIZE,
    PATH_EVENTS,
    blob_path,
    feed_path,
)
from protocol.signing import public_key_text, sign_request

REPO = Path(__file__).resolve().parent.parent
#: main just before issue 12: the county on http.server and one SQLite file
BASELINE_COMMIT = "c9fbe03dec2761e7c0a6005aa0ef014e5a685168"
VILLAGE = "330226100201"
BATCH = 500  # events per request, as the sync agent sends them
CHUNK = 256 * 1024  # bytes per blob chunk, as the sync agent sends them
CLIENTS = 2  # client processes
STUCK = 120.0  # a bound for one request that never answers
TICK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


# -- the counties ---------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    name: str
    engine: str  # sqlite or postgresql
    workers: int = 1
    baseline: bool = False


KINDS = (
    Kind("stdlib (baseline)", "sqlite", baseline=True),
    Kind("asgi sqlite", "sqlite"),
    Kind("asgi pg 1 worker", "postgresql"),
    Kind("asgi pg 2 workers", "postgresql", workers=2),
)


def baseline_tree(scratch: Path) -> Path:
    """The repository at the baseline commit, unpacked in *scratch*."""
    tree = scratch / "baseline"
    tree.mkdir()
    archive = subprocess.run(["git", "-C", str(REPO), "archive", BASELINE_COMMIT],
                             capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
    return tree


@dataclass
class County:
    kind: Kind
    url: str
    process: subprocess.Popen[str]
    data: Path
    database: str  # a PostgreSQL URL, or the SQLite file

    def sql(self, statement: str, rows: list[tuple[Any, ...]] | None = None) -> list[Any]:
        """Run *statement* (``?`` placeholders) in the county's database."""
        if self.kind.engine == "sqlite":
            with sqlite3.connect(self.database, timeout=60) as db:
                if rows is not None:
                    db.executemany(statement, rows)
                    return []
                return db.execute(statement).fetchall()
        import psycopg

        with psycopg.connect(self.database, autocommit=True) as db:
            statement = statement.replace("?", "%s")
            if rows is not None:
                with db.cursor() as cursor:
                    cursor.executemany(statement, rows)
                return []
            return db.execute(statement).fetchall()


@contextmanager
def county(kind: Kind, scratch: Path, baseline: Path, postgres: Any) -> Iterator[County]:
    """A county of *kind* serving a new data directory, until the ``with`` ends."""
    data = Path(tempfile.mkdtemp(prefix="county-", dir=scratch))
    command = [sys.executable, "-m", "village_edge", "county", "serve", "--port", "0",
               "--data", str(data)]
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    cwd = REPO
    database = str(data / "county.db")
    if kind.baseline:
        env["PYTHONPATH"] = str(baseline)  # its own county, protocol, village_edge...
        cwd = baseline
    if kind.engine == "postgresql":
        database = postgres.new_database()
        (data / "county.toml").write_text(f'[database]\nurl = "{database}"\n')
    if kind.workers > 1:
        command += ["--workers", str(kind.workers)]
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    assert process.stdout is not None
    line = process.stdout.readline()
    found = re.search(r"listening on (http://\S+)", line)
    if not found:
        process.kill()
        raise RuntimeError(f"{kind.name} did not start: {line!r}")
    try:
        settle(process.pid)
        yield County(kind, found.group(1), process, data, database)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def settle(pid: int) -> None:
    """Wait until the county (its workers too) has finished starting: idle."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        before = cpu_seconds(pid)
        time.sleep(0.5)
        if cpu_seconds(pid) - before < 0.03:
            return


def device_key(device_id: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(device_id.encode()).digest())


def device_ids(count: int) -> list[str]:
    return [f"ve-{VILLAGE}-dev{n:04d}" for n in range(count)]


def enroll_all(county: County, devices: list[str]) -> None:
    """Enroll *devices* straight in the database (both schemas have this table):
    enrollment is not what is measured."""
    now = time.time()
    county.sql("INSERT INTO devices (device_id, public_key, role, village_code, enrolled) "
               "VALUES (?, ?, ?, ?, ?)",
               [(d, public_key_text(device_key(d)), "kiosk", VILLAGE, now) for d in devices])


# -- what the county costs: CPU and memory of its processes ------------------------------


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            tree.setdefault(int(fields[1]), []).append(int(entry))
    return tree


def _tree(root: int) -> list[int]:
    children = _children()
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def cpu_seconds(root: int) -> float:
    """CPU time of *root* and every process under it, the finished ones included."""
    total = 0
    for pid in _tree(root):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])
    return total / TICK


def rss_bytes(root: int) -> int:
    total = 0
    for pid in _tree(root):
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
        except OSError:
            continue
    return total


class Meter:
    """The county's CPU over a scenario (and PostgreSQL's, if *db_pid*), its peak RSS."""

    def __init__(self, pid: int, db_pid: int | None) -> None:
        self.pid, self.db_pid = pid, db_pid
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.2):
            self.peak = max(self.peak, rss_bytes(self.pid))

    def __enter__(self) -> Meter:
        self.cpu0 = cpu_seconds(self.pid)
        self.db0 = cpu_seconds(self.db_pid) if self.db_pid else 0.0
        self.t0 = time.monotonic()
        self.peak = rss_bytes(self.pid)
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_bytes(self.pid))
        self.wall = time.monotonic() - self.t0
        self.cpu = cpu_seconds(self.pid) - self.cpu0
        self.db_cpu = (cpu_seconds(self.db_pid) - self.db0) if self.db_pid else 0.0


# -- the devices: signed HTTP/1.1 over asyncio ---------------------------------------


class Connection:
    """One keep-alive HTTP/1.1 connection to the county."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def request(self, method: str, target: str, body: bytes,
                      headers: dict[str, str]) -> tuple[int, bytes]:
        if self.writer is None:
            await self.open()
        assert self.reader is not None and self.writer is not None
        head = [f"{method} {target} HTTP/1.1", f"Host: {self.host}:{self.port}",
                f"Content-Length: {len(body)}"]
        head += [f"{name}: {value}" for name, value in headers.items()]
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
        status_line = await self.reader.readuntil(b"\r\n")
        answer_head = await self.reader.readuntil(b"\r\n\r\n")
        length, close = 0, False
        for line in answer_head.decode("latin-1").split("\r\n"):
            name, _, value = line.partition(":")
            if name.lower() == "content-length":
                length = int(value)
            elif name.lower() == "connection" and value.strip().lower() == "close":
                close = True
        data = await self.reader.readexactly(length)
        if close:
            self.close()
        return int(status_line.split()[1]), data


@dataclass
class Tally:
    """What one client process saw."""

    latencies: list[float] = field(default_factory=list)  # seconds
    accepted: Counter[str] = field(default_factory=Counter)  # "DEVICE/EVENT-ID": times accepted
    failures: Counter[str] = field(default_factory=Counter)
    retries: int = 0


class Device:
    def __init__(self, device_id: str, url: str, tally: Tally) -> None:
        self.device_id = device_id
        self.key = device_key(device_id)
        host, port = url.removeprefix("http://").rsplit(":", 1)
        self.connection = Connection(host, int(port))
        self.tally = tally

    async def send(self, method: str, target: str, body: bytes = b"",
                   headers: dict[str, str] | None = None) -> dict[str, Any]:
        """Send a signed request until the county answers 200 (as the agent
        retries); its answer."""
        headers = headers or {}
        for attempt in range(20):
            signed = {**headers, **sign_request(self.key, self.device_id, method, target, body,
                                                time.time(), headers=headers)}
            started = time.perf_counter()
            try:
                status, data = await asyncio.wait_for(
                    self.connection.request(method, target, body, signed), STUCK)
            except (TimeoutError, OSError, asyncio.IncompleteReadError) as error:
                self.connection.close()
                self.tally.failures[type(error).__name__] += 1
            else:
                self.tally.latencies.append(time.perf_counter() - started)
                if status == 200:
                    answer: dict[str, Any] = json.loads(data)
                    return answer
                self.tally.failures[f"http {status}"] += 1
            self.tally.retries += 1
            await asyncio.sleep(0.2 * (attempt + 1))
        raise RuntimeError(f"{self.device_id}: {method} {target} never succeeded")

    async def post_events(self, events: list[dict[str, Any]], backlog: int) -> None:
        body = gzip.compress(json.dumps({"events": events}).encode(), compresslevel=6, mtime=0)
        answer = await self.send("POST", PATH_EVENTS, body, {
            "Content-Type": "application/json", "Content-Encoding": "gzip",
            HEADER_BACKLOG: str(backlog)})
        for event_id in answer["accepted"]:
            self.tally.accepted[f"{self.device_id}/{event_id}"] += 1

    async def put_blob(self, data: bytes) -> None:
        digest = hashlib.sha256(data).hexdigest()
        offset = 0
        while offset < len(data):
            chunk = data[offset:offset + CHUNK]
            answer = await self.send("PUT", blob_path(digest), chunk, {
                "Content-Type": "application/octet-stream",
                HEADER_OFFSET: str(offset), HEADER_SIZE: str(len(data))})
            offset = int(answer["received"])
            if answer["complete"]:
                return


def backlog(device_id: str, count: int) -> list[dict[str, Any]]:
    created = time.time() - 86400
    return [{"id": f"e{n:06d}", "stream": "kiosk.view", "created": created + n,
             "payload": {"screen": "item", "item": f"BM-{n % 40:02d}", "village": VILLAGE,
                         "dwell_seconds": 12.5, "text": "村道路灯坏了三盏，请尽快修理。"}}
            for n in range(count)]


def photo(device_id: str, number: int, size: int) -> bytes:
    seed = hashlib.sha256(f"{device_id}/{number}".encode()).digest()
    return (seed * (size // len(seed) + 1))[:size - 8] + os.urandom(8)


@dataclass(frozen=True)
class Plan:
    scenario: str
    url: str
    devices: list[str]
    start: float  # wall clock: when every client process begins
    events: int = 0
    photos: int = 0
    photo_bytes: int = 0
    period: float = 60.0  # steady: each device sends once per period...
    duration: float = 0.0  # ...for this long
    total_devices: int = 0  # steady / connections: across every client process
    first_index: int = 0


async def _catch_up(plan: Plan, tally: Tally) -> None:
    async def one(device_id: str) -> None:
        device = Device(device_id, plan.url, tally)
        events = backlog(device_id, plan.events)
        for start in range(0, len(events), BATCH):
            await device.post_events(events[start:start + BATCH],
                                     max(0, len(events) - start - BATCH))
        for number in range(plan.photos):
            await device.put_blob(photo(device_id, number, plan.photo_bytes))
        device.connection.close()

    await asyncio.gather(*(one(device_id) for device_id in plan.devices))


async def _steady(plan: Plan, tally: Tally) -> None:
    """Each device sends a few events once per period, at its own moment, on a
    new connection (a device's keep-alive does not last a minute)."""
    step = plan.period / plan.total_devices

    async def one(index: int, device_id: str) -> None:
        moment = plan.start + (plan.first_index + index) * step
        if moment - plan.start >= plan.duration:
            return
        await asyncio.sleep(max(0.0, moment - time.time()))
        device = Device(device_id, plan.url, tally)
        await device.post_events(backlog(device_id, plan.events), 0)
        device.connection.close()

    await asyncio.gather(*(one(i, d) for i, d in enumerate(plan.devices)))


async def _connections(plan: Plan, tally: Tally) -> None:
    """Every device opens a connection and keeps it; once all are open, each
    asks for its feed over it, spread over *duration*; then all are held a
    moment more and closed."""
    devices = [Device(device_id, plan.url, tally) for device_id in plan.devices]
    for device in devices:
        await device.connection.open()
    step = plan.duration / plan.total_devices

    async def one(index: int, device: Device) -> None:
        await asyncio.sleep(max(0.0, plan.start + (plan.first_index + index) * step
                                - time.time()))
        await device.send("GET", feed_path(0))

    await asyncio.sleep(max(0.0, plan.start - time.time()))
    await asyncio.gather(*(one(i, d) for i, d in enumerate(devices)))
    await asyncio.sleep(max(0.0, plan.start + plan.duration + 2.0 - time.time()))
    for device in devices:
        device.connection.close()


SCENARIOS: dict[str, Callable[[Plan, Tally], Any]] = {
    "catch-up": _catch_up, "steady": _steady, "connections": _connections}


def run_client(plan: Plan) -> Tally:
    """One client process: its share of the devices."""
    tally = Tally()

    async def main() -> None:
        if plan.scenario != "connections":
            await asyncio.sleep(max(0.0, plan.start - time.time()))
        await SCENARIOS[plan.scenario](plan, tally)

    asyncio.run(main())
    return tally


def run_fleet(plans: list[Plan]) -> Tally:
    pool = multiprocessing.get_context("fork").Pool(len(plans))
    try:
        tallies = pool.map(run_client, plans)
    finally:  # close and join: terminate() can leave a worker waiting on the queue's lock
        pool.close()
        pool.join()
    total = Tally()
    for tally in tallies:
        total.latencies += tally.latencies
        total.accepted.update(tally.accepted)
        total.failures.update(tally.failures)
        total.retries += tally.retries
    return total


def split(devices: list[str], parts: int) -> list[tuple[int, list[str]]]:
    size = -(-len(devices) // parts)
    return [(n * size, devices[n * size:(n + 1) * size]) for n in range(parts)
            if devices[n * size:(n + 1) * size]]


# -- one scenario on one county -------------------------------------------------------


@dataclass
class Result:
    kind: Kind
    wall: float
    cpu: float
    db_cpu: float
    rss: int
    requests: int
    p50: float
    p99: float
    events: int = 0
    lost: int = 0
    duplicated: int = 0
    failures: str = ""

    @property
    def events_per_cpu(self) -> float:
        return self.events / self.cpu if self.cpu else 0.0

    @property
    def events_per_cpu_db(self) -> float:
        return self.events / (self.cpu + self.db_cpu) if self.cpu else 0.0


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


def measure(kind: Kind, scenario: str, scale: dict[str, Any], scratch: Path, baseline: Path,
            postgres: Any, profile: Path | None = None) -> Result:
    devices = device_ids(scale["devices"])
    with county(kind, scratch, baseline, postgres) as served:
        enroll_all(served, devices)
        db_pid = (int((postgres.data / "postmaster.pid").read_text().split()[0])
                  if kind.engine == "postgresql" else None)
        start = time.time() + 1.5 + len(devices) / 2000
        plans = [Plan(scenario, served.url, part, start, first_index=first,
                      total_devices=len(devices),
                      **{k: v for k, v in scale.items() if k != "devices"})
                 for first, part in split(devices, CLIENTS)]
        spy = None
        if profile is not None:
            spy = subprocess.Popen([str(Path(sys.executable).parent / "py-spy"), "record",
                                    "--pid", str(served.process.pid), "--format", "raw",
                                    "--output", str(profile), "--rate", "200", "--nonblocking"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with Meter(served.process.pid, db_pid) as meter:
            tally = run_fleet(plans)
        if spy is not None:
            spy.send_signal(signal.SIGINT)
            spy.wait(timeout=120)
        result = Result(kind, meter.wall, meter.cpu, meter.db_cpu, meter.peak,
                        len(tally.latencies), percentile(tally.latencies, 0.5),
                        percentile(tally.latencies, 0.99),
                        failures=", ".join(f"{n} {what}" for what, n in tally.failures.items()))
        if scenario != "connections":
            accepted = set(tally.accepted)
            expected = accepted  # steady: what the county said it took
            if scenario == "catch-up":  # every event of every backlog
                expected = {f"{d}/e{n:06d}" for d in devices for n in range(scale["events"])}
            stored = {f"{d}/{e}" for d, e in served.sql("SELECT device_id, event_id FROM events")}
            rows = served.sql("SELECT count(*) FROM events")[0][0]
            result.events = len(accepted)
            result.lost = len(expected - stored) + len(expected - accepted)
            result.duplicated = (sum(n - 1 for n in tally.accepted.values() if n > 1)
                                 + rows - len(stored))
            if scenario == "catch-up":
                blobs = served.sql("SELECT count(*) FROM blobs WHERE complete = 1")[0][0]
                result.lost += scale["devices"] * scale["photos"] - int(blobs)
        return result


# -- the report --------------------------------------------------------------------


def ratio(value: float, base: float) -> str:
    return f"{value / base:5.2f}x" if base else "   -  "


def report(title: str, results: list[Result], events: bool) -> None:
    print(f"\n## {title}\n")
    base = next((r for r in results if r.kind.baseline), results[0])
    print("| county | wall s | requests | p50 ms | p99 ms | county CPU s | +db CPU s | RSS MB |"
          + (" events/s | events/county CPU-s | events/(county+db) CPU-s |" if events else "")
          + (" lost | duplicated |" if events else "") + " ratios to the baseline |")
    print("|---" * (8 + (5 if events else 0) + 1) + "|")
    for r in results:
        ratios = [f"p99 {ratio(r.p99, base.p99)}", f"RSS {ratio(r.rss, base.rss)}",
                  f"CPU {ratio(r.cpu + r.db_cpu, base.cpu + base.db_cpu)}"]
        if events:
            ratios.append(f"events/CPU-s {ratio(r.events_per_cpu, base.events_per_cpu)} "
                          f"(with db {ratio(r.events_per_cpu_db, base.events_per_cpu_db)})")
        line = (f"| {r.kind.name} | {r.wall:.1f} | {r.requests} | {r.p50 * 1000:.1f} | "
                f"{r.p99 * 1000:.1f} | {r.cpu:.2f} | {r.db_cpu:.2f} | {r.rss / 2**20:.0f} |")
        if events:
            line += (f" {r.events / r.wall:.0f} | {r.events_per_cpu:.0f} | "
                     f"{r.events_per_cpu_db:.0f} | {r.lost} | {r.duplicated} |")
        print(line + " " + "; ".join(ratios) + " |")
        if r.failures:
            print(f"|   ({r.kind.name}: retried after {r.failures}) |")


def summarize_profile(path: Path, kind: Kind, top: int = 25) -> None:
    """Where the county's time went, from py-spy's collapsed stacks: the share
    of samples (all threads, idle excluded) in which each function was on
    the stack."""
    inclusive: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        if any(idle in stack for idle in ("select (selectors", "_worker (concurrent",
                                          "wait (threading", "_bootstrap_inner (threading")) \
                and not any("county/" in frame for frame in frames):
            continue
        n = int(count)
        total += n
        for frame in set(re.sub(r":\d+\)", ")", f) for f in frames):
            inclusive[frame] += n
    print(f"\n## Where the catch-up time goes: {kind.name} (py-spy, {total} busy samples)\n")
    for frame, n in inclusive.most_common(top):
        print(f"- {100 * n / total:5.1f}%  {frame}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a much smaller run (a check)")
    parser.add_argument("--profile", action="store_true",
                        help="also profile the new county (SQLite, PostgreSQL) through one "
                        "catch-up with py-spy (pip install py-spy: not a dependency)")
    parser.add_argument("--only", default="", help="only these scenarios (comma-separated: "
                        "catch-up-100,catch-up-1000,steady,connections)")
    args = parser.parse_args()
    q = 10 if args.quick else 1
    scales = {
        "catch-up-100": {"devices": 100 // q, "events": 500, "photos": 2,
                         "photo_bytes": 300 * 1024},
        "catch-up-1000": {"devices": 1000 // q, "events": 50, "photos": 2,
                          "photo_bytes": 30 * 1024},
        "steady": {"devices": 1500 // q, "events": 5, "period": 60.0, "duration": 30.0 / q},
        "connections": {"devices": 1000 // q, "duration": 10.0},
    }
    titles = {
        "catch-up-100": "Catch-up after an outage: {devices} devices x {events} events + "
                        "{photos} photos of {photo_bytes} bytes",
        "catch-up-1000": "Catch-up after an outage: {devices} devices x {events} events + "
                         "{photos} photos of {photo_bytes} bytes (scaled: 1/10 of the backlog "
                         "and photo size)",
        "steady": "Steady state: {devices} devices, {events} events a minute each, "
                  "{duration:.0f} s of it",
        "connections": "Many open connections: {devices} keep-alive connections, one signed "
                       "request on each over {duration:.0f} s",
    }
    chosen = [name for name in scales if not args.only or name in args.only.split(",")]
    sys.path.insert(0, str(REPO))
    from tests.postgres_server import start_cluster

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop PostgreSQL on the way out
    postgres, stop_postgres = start_cluster(max_connections=300)
    try:
        with tempfile.TemporaryDirectory(prefix="county-fleet-") as scratch_name:
            scratch = Path(scratch_name)
            baseline = baseline_tree(scratch)
            print(f"# County fleet benchmark ({time.strftime('%Y-%m-%d %H:%M')}, "
                  f"{os.cpu_count()} cores shared by the clients ({CLIENTS} processes) and the "
                  f"county; baseline {BASELINE_COMMIT[:10]})")
            for name in chosen:
                scale = scales[name]
                scenario = name.rsplit("-", 1)[0] if name.startswith("catch-up") else name
                results = [measure(kind, scenario, scale, scratch, baseline, postgres)
                           for kind in KINDS]
                report(titles[name].format(**scale), results, scenario != "connections")
                sys.stdout.flush()
            if args.profile:
                for kind in KINDS[1:3]:
                    profile = scratch / "profile.txt"
                    measure(kind, "catch-up", scales["catch-up-100"], scratch, baseline,
                            postgres, profile=profile)
                    summarize_profile(profile, kind)
    finally:
        stop_postgres()
    return 0


if __name__ == "__main__":
    sys.exit(main())
