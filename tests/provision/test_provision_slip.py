"""The commissioning slip, printed by first boot on a receipt printer on
loopback that answers status queries like a real one: its GB18030 text and
native QR code, or its raster image and the QR code in it, for a device
commissioned and for each thing that stands in the way. A printer that is
absent or out of paper never fails commissioning, and a slip is printed
once for what it has to say, not at every retry."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from county import operator
from county.server import CountyServer
from tests.hardware.printer.conftest import StatusServer, _decode_qr, _read_raster
from tests.provision.conftest import (
    CONFIG_TEMPLATE,
    DEVICE,
    EXIT_BOOT_FILE,
    EXIT_UNREACHABLE,
    FINGERPRINT,
    Device,
    boot_text,
    refused,
)

CUT = b"\x1dV\x00"
QR_DATA = b"1P0"  # GS ( k, function 80: store the QR code's data, which follows


class Printers:
    """Printers on loopback, each taking one job, as the test starts them."""

    def __init__(self) -> None:
        self.started: list[StatusServer] = []

    def start(self, paper: str = "ok") -> StatusServer:
        server = StatusServer(paper)
        self.started.append(server)
        return server


@pytest.fixture
def printers() -> Iterator[Printers]:
    started = Printers()
    yield started
    for server in started.started:
        server.close()


def print_on(device: Device, port: int, chinese: str = "gb18030") -> None:
    """The device's configuration names a network printer on *port*."""
    text = CONFIG_TEMPLATE.read_text(encoding="utf-8")
    for old, new in (('connection = "usb"', 'connection = "network"'),
                     ('# host = "192.168.1.50"', 'host = "127.0.0.1"  #'),
                     ("port = 9100", f"port = {port}"),
                     ('chinese = "raster"', f'chinese = "{chinese}"')):
        assert old in text
        text = text.replace(old, new, 1)
    device.template = device.root.parent / f"config.example-{port}.toml"  # beside the device
    device.template.write_text(text, encoding="utf-8")


def printed_text(server: StatusServer) -> str:
    """The slip's text as the printer's Chinese font shows it, without the
    spaces and line breaks where it was wrapped to the paper (compare with
    :func:`squeezed`)."""
    received = server.wait_received(CUT)
    assert received.endswith(CUT), received[-40:]
    return squeezed(received.decode("gb18030", errors="replace"))


def squeezed(text: str) -> str:
    return "".join(text.split())


def status(device: Device) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((device.state / "commissioning.json").read_text())
    return document


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_a_commissioned_seal_prints_who_it_is_and_what_next(
    county: CountyServer, device: Device, printers: Printers
) -> None:
    printer = printers.start()
    print_on(device, printer.port)
    code = operator.make_enroll_code(county.data_dir, DEVICE)
    device.write_boot(boot_text(county.url, key_fingerprint=county.key_fingerprint,
                                enroll_code=code))

    status_code, out = device.provision()

    assert status_code == 0, out
    assert "printed the commissioning slip" in out
    text = printed_text(printer)
    fingerprint = county.key_fingerprint
    for line in ("设备开通单", "开通成功，可以用了", f"设备编号：{DEVICE}",
                 "村：示范村 (330226100201)", "设备用途：用印机", f"县里的平台：{county.url}",
                 f"平台指纹：{fingerprint[:4]} {fingerprint[4:8]} {fingerprint[8:12]} "
                 f"{fingerprint[12:]}", "登记：已在县里的平台登记",
                 "1. 指示灯常亮绿色，就可以用印了。", "开通码已经自动抹掉",
                 "核对设备编号和两个指纹", "扫码核对设备编号"):
        assert squeezed(line) in text, (line, text)
    assert "还没有开通" not in text
    assert QR_DATA + DEVICE.encode() in printer.received
    assert status(device)["slip_printed"]

    again, out = device.provision()  # the next boot: nothing new to say
    assert again == 0 and "slip" not in out, out


def test_the_raster_slip_carries_the_device_id_in_its_qr_code(
    county: CountyServer, device: Device, printers: Printers
) -> None:
    """On a printer without a Chinese font the slip is an image; its QR code
    reads back as the device id."""
    kiosk = "ve-330226100201-kiosk1"
    printer = printers.start()
    print_on(device, printer.port, chinese="raster")
    code = operator.make_enroll_code(county.data_dir, kiosk)
    device.write_boot(boot_text(county.url, role="kiosk", key_fingerprint=county.key_fingerprint,
                                enroll_code=code))
    status_code, out = device.provision()
    assert status_code == 0, out
    received = printer.wait_received(CUT)
    assert "设备开通单".encode("gb18030") not in received
    assert _decode_qr(_read_raster(received)) == [kiosk]


@pytest.mark.parametrize(("change", "expected"), [
    ({"key_fingerprint": "0123456789abcdeg", "rotation": "45"},
     ["有要改的地方", "· [county] key_fingerprint（平台密钥指纹）",
      "· [display] rotation（屏幕方向）", "expected the 16 hex digits",
      "另存为、编码选 UTF-8", "插回存储卡，重新开机", "设备编号：还不知道"]),
    ({"enroll_code": ""},
     ["启动文件里还没有开通码", f"请县里的管理员为设备编号 {DEVICE} 做一个新的开通码",
      "[county] enroll_code"]),
    ({"enroll_code": "AAAA-BBBB-CCCC"},
     ["没有接受这个开通码", "先核对开通码有没有抄错", f"设备编号：{DEVICE}"]),
    ({"key_fingerprint": FINGERPRINT},
     ["密钥指纹和启动文件里的对不上。开通码没有用掉，还能用。",
      "核对平台地址 [county] url 和密钥指纹", "可能有人冒充县里的平台"]),
], ids=["boot-file", "no-code", "code-refused", "wrong-fingerprint"])
def test_what_stands_in_the_way_is_printed_with_what_to_do(
    county: CountyServer, device: Device, printers: Printers, change: dict[str, str],
    expected: list[str],
) -> None:
    printer = printers.start()
    print_on(device, printer.port)
    values = {"key_fingerprint": county.key_fingerprint,
              "enroll_code": operator.make_enroll_code(county.data_dir, DEVICE), **change}
    device.write_boot(boot_text(county.url, **values))

    refused(device)  # one line or the listed problems on stderr; nothing written

    text = printed_text(printer)
    assert "设备开通单" in text and "还没有开通" in text
    assert "用印机开通以前，印章一直锁着，不能用印。" in text
    for line in expected:
        assert squeezed(line) in text, (line, text)
    assert (QR_DATA + DEVICE.encode() in printer.received) == ("设备编号：还不知道" not in text)


def test_an_unreachable_county_prints_one_slip_not_one_a_minute(
    device: Device, printers: Printers
) -> None:
    printer = printers.start()
    print_on(device, printer.port)
    device.write_boot(boot_text(f"http://127.0.0.1:{closed_port()}",
                                key_fingerprint=FINGERPRINT, enroll_code="K7QM-3XPA-9TRW"))
    refused(device, "cannot reach the county", status=EXIT_UNREACHABLE)
    text = printed_text(printer)
    assert "连不上县里的平台" in text and "设备每分钟自己重试，连上以后会再打一张开通单" in text
    assert squeezed("检查网线；用无线网的，核对启动文件里的无线网名称和密码 [wifi]。") in text

    for _ in range(2):  # the unit's retries, a minute apart
        refused(device, "cannot reach the county", status=EXIT_UNREACHABLE)
        assert not [a for a in status(device)["actions"] if "slip" in a]
    assert printer.received.count(CUT) == 1


@pytest.mark.parametrize("printer_state", ["out of paper", "absent"])
def test_a_printer_out_of_paper_or_absent_never_fails_commissioning(
    county: CountyServer, device: Device, printers: Printers, printer_state: str
) -> None:
    """Commissioned all the same; the slip is printed at the next run, once
    the paper is in."""
    empty = printers.start(paper="out")
    print_on(device, empty.port if printer_state == "out of paper" else closed_port())
    code = operator.make_enroll_code(county.data_dir, DEVICE)
    device.write_boot(boot_text(county.url, key_fingerprint=county.key_fingerprint,
                                enroll_code=code))

    status_code, out = device.provision()

    assert status_code == 0, out
    assert "the commissioning slip was not printed: " in out
    assert ("out of paper" if printer_state == "out of paper" else "cannot open") in out
    assert (device.state / "enrollment.json").exists() and device.config.exists()
    assert status(device)["ok"] and status(device)["slip_printed"] is None
    assert CUT not in empty.received

    loaded = printers.start()
    print_on(device, loaded.port)
    status_code, out = device.provision()
    assert status_code == 0 and "printed the commissioning slip" in out, out
    assert "开通成功，可以用了" in printed_text(loaded)


def test_never_and_always(county: CountyServer, device: Device, printers: Printers) -> None:
    """--slip never prints nothing; --slip always prints again what was printed."""
    printer = printers.start()
    print_on(device, printer.port)
    code = operator.make_enroll_code(county.data_dir, DEVICE)
    device.write_boot(boot_text(county.url, key_fingerprint=county.key_fingerprint,
                                enroll_code=code))
    status_code, out = device.provision("--slip", "never")
    assert status_code == 0 and "slip" not in out
    assert device.provision()[1].count("printed the commissioning slip") == 1
    assert printed_text(printer)
    again = printers.start()
    print_on(device, again.port)
    status_code, out = device.provision("--slip", "always")
    assert "printed the commissioning slip" in out
    assert "开通成功，可以用了" in printed_text(again)


def test_a_dry_run_prints_nothing(device: Device, printers: Printers, tmp_path: Path) -> None:
    printer = printers.start()
    print_on(device, printer.port)
    device.write_boot(boot_text("https://county.example.cn", key_fingerprint=FINGERPRINT,
                                enroll_code="K7QM-3XPA-9TRW", role="seal2"))
    ran = device.run("--dry-run")
    assert ran.status == EXIT_BOOT_FILE
    assert printer.received == bytearray()
    assert not (device.state / "commissioning.json").exists()
