"""The seal station booted for real: Debian bookworm with the suite installed
by ``setup.sh seal``, under ``qemu-system-x86_64 -accel tcg``, systemd as
PID 1, a simulated GPIO header (gpio-sim) wired as a seal station at rest,
and a county on loopback in the guest. Every check runs against the units
as shipped; the tests of this module share one boot and run in order.

What stands in for the Pi (see tests/boot/guest_files.py): the GPIO chip
(gpio-sim, the wiring written through its simulated pulls), the board's
/proc/cpuinfo, the camera (the simulated backend), python3-lgpio (the PyPI
wheel, where Raspberry Pi OS has a package). The custodian's panel needs a
display the seal unit is not given here, so the one request of the test is
made by the station's own code in a short process while the daemon is
stopped, as the panel's request button would make it.
"""

from __future__ import annotations

import json
import re
import time
import tomllib
from pathlib import Path

import pytest

from tests.boot.guest_files import COUNTY_DIR
from tests.boot.guests import Guest
from tests.boot.paper import slip_printed

pytestmark = [pytest.mark.slow, pytest.mark.timeout(3600)]

UNIT = "village-edge-seal.service"
VE = "/opt/village-edge/current/bin/village-edge"
PY = "/opt/village-edge/current/bin/python"
STATE = "/var/lib/village-edge"
LOCKS = {"party": 17, "committee": 27, "coop": 22}  # docs/config.example.toml
# Bounds for something stuck, never measured times (a TCG guest on a shared
# machine is slow).
START = 600.0
SETTLE = 180.0

REQUEST = f"""
import sys
from pathlib import Path
from device.config import load_config
from device.seal_runtime import SealRuntime
config = load_config(Path("/etc/village-edge/config.toml"), home=Path("{STATE}"), simulate=True)
with SealRuntime(config) as runtime:
    print(runtime.controller.request("committee", "出具证明", 1).req)
"""
LEDGER = f"""
import json
from pathlib import Path
from seal_controller.ledger import verify_ledger
print(json.dumps(verify_ledger(Path("{STATE}/ledger")).records, ensure_ascii=False))
"""


def county(command: str) -> str:
    """A county operator's command, against the county running in the guest."""
    return f"{VE} county {command} --data /{COUNTY_DIR}"


def show(guest: Guest, prop: str, unit: str = UNIT) -> str:
    return guest.machine.check(f"systemctl show -p {prop} --value {unit}").strip()


def level(guest: Guest, line: int) -> str:
    return guest.machine.check(f"cat /run/boot-test/gpio/sim_gpio{line}/value").strip()


def levels(guest: Guest, line: int, samples: int = 8) -> set[str]:
    """What the wiring sees on *line* over a few reads (a held lock is PWM)."""
    out = guest.machine.check(
        f"for i in $(seq {samples}); do cat /run/boot-test/gpio/sim_gpio{line}/value; "
        f"sleep 0.05; done")
    return set(out.split())


def wait_active(guest: Guest, restarts: int | None = None) -> None:
    condition = f"systemctl is-active -q {UNIT}"
    if restarts is not None:
        condition += f" && [ $(systemctl show -p NRestarts --value {UNIT}) -ge {restarts} ]"
    assert guest.machine.wait_until(condition, START), \
        f"{UNIT} is not active:\n{journal(guest)}"


def journal(guest: Guest, unit: str = UNIT) -> str:
    return guest.machine.run(f"journalctl -b -u {unit} --no-pager | tail -40").output


def ledger(guest: Guest) -> list[dict[str, object]]:
    out = guest.machine.check(f"runuser -u village-edge -- {PY} -c '{LEDGER}'")
    records: list[dict[str, object]] = json.loads(out)
    return records


def gpio_events(guest: Guest) -> list[dict[str, object]]:
    text = guest.machine.check("cat /run/boot-test/gpio-events.jsonl")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_systemd_is_pid_1_and_arms_the_hardware_watchdog(seal: Guest) -> None:
    machine = seal.machine
    assert machine.check("readlink /proc/1/exe").strip() == "/usr/lib/systemd/systemd"
    assert show(seal, "RuntimeWatchdogUSec", "") in ("15s", "15000000")  # the manager's own
    assert machine.check("cat /sys/class/watchdog/watchdog0/identity").strip() == "i6300ESB timer"
    assert machine.check("cat /sys/class/watchdog/watchdog0/state").strip() == "active"


def test_first_boot_enrolls_with_the_county_and_erases_the_code(seal: Guest) -> None:
    machine = seal.machine
    unit = "village-edge-firstboot.service"
    assert machine.wait_until(
        f"systemctl show -p ConditionResult -p ActiveState -p Result -p ExecMainStatus {unit} "
        "| sort | tr '\\n' ' ' | grep -qx 'ActiveState=inactive ConditionResult=yes "
        "ExecMainStatus=0 Result=success '", START), journal(seal, unit)
    config = machine.check("cat /etc/village-edge/config.toml")
    assert re.search(r'^public_key = "[^"]+"', config, re.MULTILINE), config
    assert 'url = "http://127.0.0.1:8470"' in config
    boot_file = machine.check("cat /boot/firmware/village-edge.toml")
    assert seal.commissioning.enroll_code not in boot_file
    assert re.search(r'^enroll_code = ""', boot_file, re.MULTILINE), boot_file


def test_first_boot_prints_the_commissioning_slip_on_the_usb_printer(seal: Guest) -> None:
    """The slip reaches the USB receipt printer (a printer gadget in the
    guest, its paper relayed to this machine): a raster of the Chinese text
    and a QR code that reads this device's id."""
    unit = "village-edge-firstboot.service"
    paper = slip_printed(seal.machine, seal.commissioning.device_id, SETTLE)
    assert paper.qr == [seal.commissioning.device_id], \
        f"{paper}\n{journal(seal, unit)}\n{journal(seal, 'boot-test-printer-relay.service')}"
    assert paper.lines_of_ink >= 10, paper  # the slip's text, not only the code


def test_the_station_starts_on_the_gpio_chip_with_every_lock_driven_low_first(
    seal: Guest,
) -> None:
    wait_active(seal)
    assert show(seal, "NRestarts") == "0", journal(seal)
    # lgpio holds the lines: each lock line is an output, driven low (it reads 0
    # against the wiring's pull-up).
    for slot, line in LOCKS.items():
        assert levels(seal, line) == {"0"}, f"{slot} lock (GPIO{line}) is not held low"
    # The order in which the station took the lines of the chip: the locks
    # first, each one driven low whenever it was an output (gpiozero's lgpio
    # pins are claimed as inputs, then made outputs).
    events = [e for e in gpio_events(seal) if e["event"] in ("requested", "config")]
    order: list[int] = []
    for event in events:
        if int(str(event["line"])) not in order:
            order.append(int(str(event["line"])))
    assert sorted(order[:len(LOCKS)]) == sorted(LOCKS.values()), order
    for event in events:
        if int(str(event["line"])) in LOCKS.values() and "output" in str(event["flags"]):
            assert event["level"] == "0", event
    said = seal.machine.check(f"journalctl -b -u {UNIT} -o cat --no-pager")
    assert "running: party, committee, coop locked" in said, said[-3000:]


def test_the_doctor_leaves_the_running_stations_lines_to_it(seal: Guest) -> None:
    """A technician's ``village-edge doctor`` (and the health check after an
    update) while the station runs: the lines are the station's, not a
    fault, and the station goes on with every lock low."""
    pid = show(seal, "MainPID")
    ran = seal.machine.run(f"{VE} doctor")
    assert "internal error" not in ran.stderr and "Traceback" not in ran.stderr, ran.output
    devices = [line for line in ran.stdout.splitlines() if "  devices  " in line]
    assert devices and "held by the running seal station" in devices[0], ran.output
    assert show(seal, "MainPID") == pid and show(seal, "ActiveState") == "active"
    for slot, line in LOCKS.items():
        assert levels(seal, line) == {"0"}, f"{slot} lock (GPIO{line}) is not held low"


def test_the_sandbox_holds_at_run_time(seal: Guest) -> None:
    machine = seal.machine
    pid = show(seal, "MainPID")
    status = machine.check(f"cat /proc/{pid}/status")
    fields = dict(re.findall(r"^(\w+):\s*(.*)$", status, re.MULTILINE))
    assert fields["CapEff"] == fields["CapBnd"] == "0000000000000000"
    assert fields["NoNewPrivs"] == "1" and fields["Seccomp"] == "2"
    uid = machine.check("id -u village-edge").strip()
    assert fields["Uid"].split()[0] == uid
    # The service's own mount namespace: the system read-only, no home.
    inside = f"nsenter -t {pid} -m"
    assert "Read-only file system" in machine.run(f"{inside} touch /usr/probe").output
    assert "Read-only file system" in machine.run(f"{inside} touch /etc/probe").output
    for home in ("/home", "/root"):  # ProtectHome=yes: made inaccessible, mode 000
        assert machine.check(f"{inside} stat -c %a {home}").strip() == "0", home
    # The unit's device policy, for any process of its cgroup: the GPIO chip
    # opens, the disk and a device not in the allow-list do not.
    cgroup = machine.check(f"cat /proc/{pid}/cgroup").strip().split("::")[-1]
    probe = (f"sh -c 'echo $$ > /sys/fs/cgroup{cgroup}/cgroup.procs && "
             "for d in /dev/gpiochip0 /dev/vda /dev/fuse /dev/ttyS0; do "
             "if (: < $d) 2>/dev/null; then echo $d ok; else echo $d refused; fi; done'")
    opened = machine.check(probe)
    assert "/dev/gpiochip0 ok" in opened, opened
    for device in ("/dev/vda", "/dev/fuse", "/dev/ttyS0"):
        assert f"{device} refused" in opened, opened
    score = machine.check(f"systemd-analyze security {UNIT} --no-pager | tail -1")
    found = re.search(r"exposure level for \S+: (\d+\.\d)", score)
    assert found and float(found.group(1)) <= 0.4, score


def test_a_hung_station_is_restarted_by_the_watchdog_with_the_locks_low(seal: Guest) -> None:
    machine = seal.machine
    pid = show(seal, "MainPID")
    restarts = int(show(seal, "NRestarts"))
    machine.check(f"kill -STOP {pid}")
    wait_active(seal, restarts=restarts + 1)
    assert show(seal, "MainPID") != pid
    assert "Failed with result 'watchdog'" in journal(seal), journal(seal)
    for slot, line in LOCKS.items():
        assert levels(seal, line) == {"0"}, f"{slot} lock (GPIO{line}) is not held low"


def unlocked(guest: Guest, slot: str = "committee") -> bool:
    """Whether *slot*'s lock line is driven (a held lock is PWM: some reads 1)."""
    return "1" in levels(guest, LOCKS[slot], 20)


def unlock(guest: Guest) -> str:
    """A session of its own for the committee seal: the station asks, the
    county approves, the lock line moves; the request's id. A session ends by
    itself (the lock's 120 s hardware limit, the approval's minutes): a test
    that needs one open makes its own rather than trust an earlier test's
    (under emulation on a loaded machine, a test can take minutes)."""
    machine = guest.machine
    machine.check(f"systemctl stop {UNIT}")
    req = machine.check(f"cd {STATE} && runuser -u village-edge -- {PY} -c '{REQUEST}'",
                        timeout=300).strip().splitlines()[-1]
    machine.check(f"systemctl start {UNIT}", timeout=600)
    wait_active(guest)
    # The sync agent takes the request to the county, which the approver answers.
    assert machine.wait_until(f"{county('requests')} | grep -q {req}", SETTLE), \
        journal(guest, "village-edge-sync.service")
    machine.check(county(f"approve --request {req} --uses 1 --qr /tmp"))
    line = LOCKS["committee"]
    assert machine.wait_until(
        f"for i in $(seq 20); do [ $(cat /run/boot-test/gpio/sim_gpio{line}/value) = 1 ] "
        "&& exit 0; sleep 0.05; done; exit 1", SETTLE), journal(guest)
    return req


def test_an_approval_from_the_county_unlocks_exactly_the_approved_seal(seal: Guest) -> None:
    unlock(seal)
    assert unlocked(seal, "committee")
    for slot in ("party", "coop"):
        assert levels(seal, LOCKS[slot], 20) == {"0"}, f"{slot} was not approved yet moved"
    kinds = [str(record.get("event", record.get("kind", ""))) for record in ledger(seal)]
    assert any("unlock" in kind or "approv" in kind for kind in kinds), kinds


def test_an_update_is_refused_while_an_approved_session_is_open(seal: Guest) -> None:
    """The session the county approved is still open (the seal is out): the
    technician's ``village-edge update apply`` changes nothing and says why."""
    machine = seal.machine
    if not unlocked(seal):
        unlock(seal)
    current = machine.check("readlink /opt/village-edge/current").strip()
    ran = machine.run(f"{VE} update apply --from /usr/src/village-edge", timeout=600)
    assert ran.returncode == 75, ran.output  # try again later
    assert "approved session open" in ran.stderr and "nothing was changed" in ran.stderr, \
        ran.output
    assert "Traceback" not in ran.stderr, ran.stderr
    assert machine.check("readlink /opt/village-edge/current").strip() == current
    assert machine.check("ls /opt/village-edge/releases").split() == [current.split("/")[-1]]
    assert show(seal, "ActiveState") == "active"  # the session goes on


def test_a_station_killed_while_unlocked_comes_back_locked_and_says_so(seal: Guest) -> None:
    machine = seal.machine
    unlock(seal)  # a session of its own: killed seconds after the lock line moved
    restarts = int(show(seal, "NRestarts"))
    machine.check(f"systemctl kill -s KILL {UNIT}")
    wait_active(seal, restarts=restarts + 1)
    time.sleep(2)
    for slot, line in LOCKS.items():
        assert levels(seal, line) == {"0"}, f"{slot} lock (GPIO{line}) is not held low"
    records = ledger(seal)
    assert any("interrupted" in json.dumps(record) for record in records), records[-5:]


def test_the_sync_agent_delivers_the_stations_events_and_photos_to_the_county(
    seal: Guest,
) -> None:
    machine = seal.machine
    assert show(seal, "ActiveState", "village-edge-sync.service") == "active"
    device = seal.commissioning.device_id

    def delivered() -> dict[str, object]:
        stats: dict[str, object] = json.loads(machine.check(county("stats --json")))
        return stats

    deadline = time.monotonic() + SETTLE
    while True:
        stats = delivered()
        streams = stats["devices"][device]["events_by_stream"]  # type: ignore[index]
        if ("seal.ledger" in streams and "seal.request" in streams
                and stats["blobs"]["complete"] >= 1) or time.monotonic() > deadline:  # type: ignore[index]
            break
        time.sleep(5)
    assert "seal.request" in streams and "seal.ledger" in streams, stats
    assert stats["blobs"]["complete"] >= 1, stats  # type: ignore[index]


UPDATES = "/usr/src/updates"  # tests/boot/guest/make-updates.sh: a wheel in good/ and bad/
EVENTS = f"""
import json, sqlite3
rows = sqlite3.connect("/{COUNTY_DIR}/county.db").execute(
    "SELECT payload FROM events WHERE stream = ? ORDER BY received", ("update",))
print(json.dumps([json.loads(payload) for (payload,) in rows]))
"""


def update_events(guest: Guest) -> list[dict[str, object]]:
    """The station's ``update`` events as the county holds them."""
    events: list[dict[str, object]] = json.loads(guest.machine.check(f"{PY} -c '{EVENTS}'"))
    return events


def county_told(guest: Guest, event: str) -> list[dict[str, object]]:
    """The county's ``update`` events named *event*, once the sync agent has
    brought one (or nothing, after a while)."""
    deadline = time.monotonic() + SETTLE
    while True:
        found = [e for e in update_events(guest) if e.get("event") == event]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(5)


def version() -> str:
    """The suite's version, which make-updates.sh's releases carry on."""
    project = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    return str(project["project"]["version"])


def release(guest: Guest) -> str:
    return guest.machine.check("readlink /opt/village-edge/current").strip().rsplit("/", 1)[-1]


def test_a_good_release_is_applied_under_systemd_and_kept(seal: Guest) -> None:
    """A technician applies the next release (a wheel from a USB stick): the
    role's units restart on it under systemd, pass the health check (active,
    no restart, the watchdog pinged, the doctor), and it stays; the county
    is told."""
    machine = seal.machine
    before, pid = release(seal), show(seal, "MainPID")
    ran = machine.run(f"{VE} update apply --from {UPDATES}/good --deadline {START:.0f}",
                      timeout=2 * START)
    assert ran.returncode == 0, ran.output + journal(seal)
    after = release(seal)
    assert after != before and after.startswith(f"{version()}.post1-"), (before, after)
    # started again after the switch, so from the new release, and kept running
    assert show(seal, "ActiveState") == "active" and show(seal, "MainPID") != pid
    for slot, line in LOCKS.items():
        assert levels(seal, line) == {"0"}, f"{slot} lock (GPIO{line}) is not held low"
    told = county_told(seal, "updated")
    assert told and told[-1]["to"] == after, update_events(seal)


def test_a_release_whose_station_does_not_start_is_rolled_back_and_the_county_told(
    seal: Guest,
) -> None:
    """The next release's station exits at every start: within the deadline
    the health check sees it restarting, ``current`` goes back, the station
    runs again on the release before with every lock low, and the county
    hears why."""
    machine = seal.machine
    before = release(seal)
    ran = machine.run(f"{VE} update apply --from {UPDATES}/bad --deadline {START:.0f}",
                      timeout=3 * START)
    assert ran.returncode == 1, ran.output
    assert "Traceback" not in ran.stderr, ran.stderr
    # judged on its crash loop, not at the deadline; the release put back
    # starts although systemd had given up on the unit's crashes
    assert "not waiting for the deadline" in ran.stdout, ran.output
    assert f"{before} after the rollback: healthy" in ran.stdout, ran.output + journal(seal)
    assert release(seal) == before
    assert show(seal, "ActiveState") == "active"
    for slot, line in LOCKS.items():
        assert levels(seal, line) == {"0"}, f"{slot} lock (GPIO{line}) is not held low"
    told = county_told(seal, "rolled_back")
    assert told, update_events(seal)
    assert told[-1]["to"] == before and str(told[-1]["from"]).startswith(f"{version()}.post2-")
    assert UNIT in json.dumps(told[-1], ensure_ascii=False), told[-1]
