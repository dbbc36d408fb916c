"""What the first-boot tests share: a real county on loopback, the shipped
boot-file template filled in, and a device's file system that
``village-edge provision`` commissions."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from county.server import CountyServer
from tests.village_edge.inprocess import Ran, error_shape, village_edge

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "provision" / "boot-template.toml"
CONFIG_TEMPLATE = REPO / "docs" / "config.example.toml"
DEVICE = "ve-330226100201-seal1"
EXIT_BOOT_FILE, EXIT_UNREACHABLE = 78, 75


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CountyServer]:
    with CountyServer(tmp_path_factory.mktemp("county")) as server:
        yield server


def boot_text(county_url: str, **values: str) -> str:
    """The shipped template with *values* filled in (key = value, by name)."""
    text = TEMPLATE.read_text(encoding="utf-8")
    values.setdefault("url", county_url)
    lines = []
    for line in text.split("\n"):
        key = line.split("=")[0].strip()
        if key in values and "=" in line:
            value = values[key]
            line = f"{key} = {value}" if value.startswith(("[", "true", "false")) or \
                value.isdigit() else f'{key} = "{value}"'
        lines.append(line)
    return "\n".join(lines)


class Device:
    """A device's file system: the boot partition, /etc and /var/lib."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.boot = root / "boot" / "village-edge.toml"
        self.config = root / "etc" / "config.toml"
        self.state = root / "state"
        self.kiosk_env = root / "etc" / "kiosk.env"
        self.wifi = root / "nm"
        self.template = CONFIG_TEMPLATE  # the device configuration's template
        self.boot.parent.mkdir(parents=True)

    def write_boot(self, text: str, *, bom: bool = False, crlf: bool = False,
                   encoding: str = "utf-8") -> None:
        if crlf:
            text = text.replace("\n", "\r\n")
        self.boot.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding))

    def run(self, *options: str) -> Ran:
        return village_edge(
            "provision", "--boot-config", str(self.boot), "--config-out", str(self.config),
            "--state-dir", str(self.state), "--template", str(self.template),
            "--kiosk-env", str(self.kiosk_env), "--wifi-dir", str(self.wifi), *options)

    def provision(self, *options: str) -> tuple[int, str]:
        """The status, and the summary on stdout (or, failed, what stderr says)."""
        ran = self.run(*options)
        if ran.status == 0:
            assert ran.err == "", ran.err
            return ran.status, ran.out
        assert ran.out == ""
        return ran.status, ran.err

    def written(self) -> list[str]:
        """Everything outside the boot partition, except the status report."""
        return sorted(str(p.relative_to(self.root)) for p in self.root.rglob("*")
                      if p.is_file() and p != self.boot and p.name != "commissioning.json")


@pytest.fixture
def device(tmp_path: Path) -> Device:
    return Device(tmp_path / "device")


def refused(device: Device, *fields: str, status: int = EXIT_BOOT_FILE) -> str:
    """Every problem on stderr, in the documented shape; nothing written."""
    before = device.boot.read_bytes()
    ran = device.run()
    assert ran.status == status, ran.err
    assert ran.out == ""
    assert ran.err.startswith("village-edge provision: commissioning failed; the device "
                              "configuration was not changed")
    error_shape(ran.err, "village-edge provision")
    out = ran.err
    for field in fields:
        assert field in out, out
    assert device.written() in ([], ["state/keys/device.key"]), device.written()
    assert not device.config.exists()
    assert device.boot.read_bytes() == before
    return out


URL = "https://county.example.cn"
FINGERPRINT = "0123456789abcdef"
