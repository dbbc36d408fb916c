"""The test's fixtures in the guest, added to the root after ``setup.sh``
and before the image is made; all under their own names, so nothing the
suite installed is changed:

- the simulated hardware of ``tests/boot/guest/``: the GPIO header
  (gpio-sim, with the wiring of a seal station at rest from
  docs/config.example.toml), a Raspberry Pi's /proc/cpuinfo, a USB receipt
  printer and its relay to the test, a watch on the GPIO lines;
- a county server on loopback with its data directory (a key and an
  enrollment code for this station, made here with the suite's own tools);
- what a Pi's image has and debootstrap does not: the root and the boot
  partition in /etc/fstab, a host name;
- the boot partition itself: a FAT file system labelled ``bootfs`` holding
  ``village-edge.toml``, made with mkfs.vfat and mtools (no mount).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

from county.datadir import init_county
from provision.device_config import set_value
from tests.boot.gpio_sim import kernel_version
from tests.debian_root import Root

GUEST = Path(__file__).resolve().parent / "guest"
REPO = Path(__file__).resolve().parents[2]
LIB = "usr/local/lib/boot-test"
UNITS = "etc/systemd/system"
COUNTY_DIR = "var/lib/boot-test/county"
COUNTY_URL = "http://127.0.0.1:8470"
VILLAGE_CODE = "330226100201"
SCRIPTS = ("gpio-sim-pi.sh", "pi-board.sh", "usb-printer.sh", "wait-for-county.sh",
           "gpio-watch.py", "printer-relay.py")
COMMON_UNITS = ("boot-test-usb-printer.service", "boot-test-printer-relay.service",
                "boot-test-county.service")
SEAL_UNITS = ("boot-test-gpio-sim.service", "boot-test-pi-board.service",
              "boot-test-gpio-watch.service")


@dataclass(frozen=True)
class Wiring:
    """The seal station's pins (BCM) in docs/config.example.toml."""

    locks: dict[str, int]
    sleeves: dict[str, int]
    plungers: dict[str, int]
    lid: int | None

    @classmethod
    def of_template(cls) -> Wiring:
        data = tomllib.loads((REPO / "docs/config.example.toml").read_text(encoding="utf-8"))
        slots = data["slots"]
        return cls({s["name"]: s["lock"] for s in slots}, {s["name"]: s["sleeve"] for s in slots},
                   {s["name"]: s["plunger"] for s in slots}, data.get("lid", {}).get("pin"))

    def at_rest(self) -> str:
        """``line pull`` per line: seals home (closed to ground), plungers up
        (open: pulled up), the lid shut, the locks' lines pulled up."""
        pulls = {pin: "pull-up" for pin in self.locks.values()}
        pulls |= {pin: "pull-down" for pin in self.sleeves.values()}
        pulls |= {pin: "pull-up" for pin in self.plungers.values()}
        if self.lid is not None:
            pulls[self.lid] = "pull-down"
        return "".join(f"{pin} {pull}\n" for pin, pull in sorted(pulls.items()))


@dataclass(frozen=True)
class Commissioning:
    """What the county operator gives the technician for this device."""

    device_id: str
    enroll_code: str
    fingerprint: str


def prepare_county(directory: Path, device_id: str, role: str) -> Commissioning:
    """A county data directory with a key and one enrollment code for
    *device_id* as *role*, made with the suite's own command (as the operator
    would)."""
    init_county(directory)

    def county(*args: str) -> str:
        result = subprocess.run([sys.executable, "-m", "village_edge", "county", *args,
                                 "--data", str(directory)], capture_output=True, text=True,
                                timeout=120, cwd=REPO)
        assert result.returncode == 0, result.stderr
        return result.stdout

    made = county("enroll-code", "--device", device_id, "--role", role)
    code = re.search(r"enrollment code for \S+(?: \(\w+\))?: (\S+)", made)
    assert code, made
    fingerprint = _fingerprint(county("key"))
    return Commissioning(device_id, code.group(1), fingerprint)


def _fingerprint(key_output: str) -> str:
    for line in key_output.splitlines():
        if line.startswith("fingerprint:"):
            return line.split()[-1]
    raise AssertionError(f"no fingerprint in 'village-edge county key':\n{key_output}")


def boot_file(role: str, commissioning: Commissioning) -> str:
    """village-edge.toml as the technician fills it in from the template."""
    text = (REPO / "provision/boot-template.toml").read_text(encoding="utf-8")
    for table, key, value in (("village", "code", VILLAGE_CODE), ("device", "role", role),
                              ("device", "id", commissioning.device_id),
                              ("county", "url", COUNTY_URL),
                              ("county", "key_fingerprint", commissioning.fingerprint),
                              ("county", "enroll_code", commissioning.enroll_code)):
        text = set_value(text, table, key, value)
    return text


def make_boot_partition(image: Path, boot_text: str) -> None:
    """A FAT file system labelled bootfs (as on a Pi's SD card) holding
    village-edge.toml, written without mounting it."""
    image.unlink(missing_ok=True)
    subprocess.run(["mkfs.vfat", "-C", "-n", "bootfs", str(image), str(32 * 1024)],
                   check=True, capture_output=True, timeout=60)
    source = image.with_name("village-edge.toml")
    source.write_text(boot_text, encoding="utf-8")
    subprocess.run(["mcopy", "-i", str(image), str(source), "::/village-edge.toml"],
                   check=True, capture_output=True, timeout=60)


def read_boot_partition(image: Path) -> str:
    """village-edge.toml as it is now on the boot partition."""
    result = subprocess.run(["mtype", "-i", str(image), "::/village-edge.toml"],
                            capture_output=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.decode("utf-8", "replace").replace("\r\n", "\n")


def install(root: Path, role: str, gpio_sim: Path | None, county: Path) -> None:
    """The fixtures of *role* into *root*, replacing those of an earlier run."""
    _remove_earlier(root)
    lib = root / LIB
    lib.mkdir(parents=True)
    for name in SCRIPTS:
        shutil.copy(GUEST / name, lib / name)
        (lib / name).chmod(0o755)
    units = [*COMMON_UNITS, *(SEAL_UNITS if role == "seal" else ())]
    for unit in units:
        shutil.copy(GUEST / unit, root / UNITS / unit)
    if role == "seal":
        # The guest has no Pi camera: the simulated one stands in for it, in
        # the installed template first boot makes the configuration from.
        current = root / "opt/village-edge/current"
        release = current.parent / os.readlink(current)
        for config in (release / "share/config.example.toml",
                       root / "etc/village-edge/config.toml"):
            config.write_text(set_value(config.read_text(encoding="utf-8"), "camera", "backend",
                                        "simulated"), encoding="utf-8")
        (lib / "wiring").write_text(Wiring.of_template().at_rest())
        dropin = root / UNITS / "village-edge-seal.service.d"
        dropin.mkdir(exist_ok=True)
        shutil.copy(GUEST / "boot-test-board.conf", dropin / "boot-test-board.conf")
        assert gpio_sim is not None, "a seal station's guest needs the gpio-sim module"
        kver = kernel_version(root)
        updates = root / "lib/modules" / kver / "updates"
        updates.mkdir(parents=True, exist_ok=True)
        shutil.copy(gpio_sim, updates / "gpio-sim.ko")
    shutil.copytree(county, root / COUNTY_DIR)
    (root / "etc/fstab").write_text(
        "# the root and the boot partition, as on a Raspberry Pi's SD card\n"
        "/dev/vda / ext4 rw,errors=remount-ro 0 1\n"
        # A loaded machine's emulator can take more than systemd's 90 s to
        # show the disk; past that, local-fs.target fails and the guest boots
        # into emergency mode with nothing of the suite started.
        "LABEL=bootfs /boot/firmware vfat defaults,x-systemd.device-timeout=15min 0 0\n")
    (root / "boot/firmware").mkdir(parents=True, exist_ok=True)
    (root / "etc/hostname").write_text(f"village-edge-{role}\n")
    Root(root).check(f"depmod -a {kernel_version(root)} && systemctl enable {' '.join(units)}")


def _remove_earlier(root: Path) -> None:
    shutil.rmtree(root / LIB, ignore_errors=True)
    shutil.rmtree(root / "var/lib/boot-test", ignore_errors=True)
    for path in (root / UNITS).rglob("boot-test-*"):
        if path.is_symlink() or path.is_file():
            path.unlink()
    (root / "lib/modules" / kernel_version(root) / "updates/gpio-sim.ko").unlink(missing_ok=True)
