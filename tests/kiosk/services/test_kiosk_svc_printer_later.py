"""The kiosk's printer is opened on a thread once the window shows, not
before it: a villager and a technician notice nothing of it. A receipt
prints, the technician screen shows the printer's state as it did when the
printer was opened first, and where no printer can be opened the villager
gets the "no printer" message and the log says why."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from device.config import Config, parse_config
from hardware.printer import open_printer
from hardware.printer.testing import CUT
from kiosk.services.print_queue import PrintQueue
from kiosk.viewmodels.receipt import NO_PRINTER, ReceiptViewModel
from kiosk.viewmodels.roster import Roster
from kiosk.viewmodels.technician import printer_line
from kiosk.wiring import PRINTED, QueuedPrinting
from powerlist import load_sample
from village_edge.kiosk_commands import _technician_hooks, after_first_frame, real_services

ITEM = "GP-01"


def kiosk_config(tmp_path: Path, printer: str) -> Config:
    text = f"""
[device]
id = "ve-kiosk-0001"
role = "kiosk"
simulate = false
[village]
code = "330226100201"
name = "红星村"
[paths]
state_dir = "{tmp_path / 'state'}"
[printer]
{printer}
"""
    return parse_config(text, source="test", home=tmp_path)


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A network printer's port on loopback that counts who connects."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        server.settimeout(0)
        yield server


def print_item(services: object) -> str:
    """What the receipt screen says once 打印 is pressed for the sample item."""
    screen = ReceiptViewModel(services)  # type: ignore[arg-type]
    screen.prepare(load_sample().item(ITEM), Roster.empty())
    return screen.print()


def test_the_printer_is_not_opened_before_the_window_and_opens_after_its_first_frame(
    tmp_path: Path, listener: socket.socket,
) -> None:
    port = listener.getsockname()[1]
    config = kiosk_config(tmp_path, f'connection = "network"\nhost = "127.0.0.1"\nport = {port}')
    services = real_services(config, None, None)
    with pytest.raises(BlockingIOError):
        listener.accept()  # nobody has connected yet
    for start in after_first_frame(services):
        start()
    assert services.printer.queue is not None  # waits for the opening
    listener.settimeout(5)
    connection, _ = listener.accept()
    connection.close()


def test_a_printer_opened_later_prints_and_shows_the_state_it_showed_opened_first(
    tmp_path: Path,
) -> None:
    output = tmp_path / "receipts.bin"
    config = kiosk_config(tmp_path, f'connection = "file"\nfile_path = "{output}"')
    opened_first = QueuedPrinting(PrintQueue(tmp_path / "queue", open_printer(config.printer)))
    before = printer_line(_technician_hooks(config, False, opened_first).printer())

    services = real_services(config, None, None)
    hooks = _technician_hooks(config, False, services.printer)
    assert printer_line(hooks.printer()) == before  # asked before anything started it
    assert print_item(services) == PRINTED
    assert output.read_bytes().count(CUT) == 1  # one receipt on the paper
    assert services.printer.queue.pending() == 0


def test_a_printer_that_cannot_be_opened_means_no_printer_and_the_log_says_why(
    tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    with socket.socket() as closed:  # a port nobody listens on: the printer is off
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    config = kiosk_config(tmp_path, f'connection = "network"\nhost = "127.0.0.1"\nport = {port}')
    services = real_services(config, None, None)
    hooks = _technician_hooks(config, False, services.printer)
    with caplog.at_level(logging.ERROR):
        for start in after_first_frame(services):
            start()
        assert print_item(services) == NO_PRINTER
    assert printer_line(hooks.printer()) == "打印机：没有配置"
    assert services.printer.retry() is None
    logged = [r.getMessage() for r in caplog.records if r.getMessage().startswith("no receipts")]
    assert len(logged) == 1 and f"127.0.0.1:{port}" in logged[0], logged


def test_a_kiosk_configured_without_a_printer_has_none_to_open(tmp_path: Path) -> None:
    config = kiosk_config(tmp_path, 'connection = "none"')
    services = real_services(config, None, None)
    assert services.printer is None and after_first_frame(services) == []
    assert print_item(services) == NO_PRINTER
    assert printer_line(_technician_hooks(config, False, services.printer).printer()) == \
        "打印机：没有配置"
