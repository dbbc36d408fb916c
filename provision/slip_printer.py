"""The receipt printer the device's configuration names, for the
commissioning slip: the configuration commissioning just wrote, else the one
setup.sh installed, else the template (a device whose boot file could not
be read has no other). Opened for each slip and closed after it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from device.config import ConfigError, load_config
from hardware.errors import PrinterError
from hardware.printer import PrinterSettings, Receipt, open_printer
from provision.errors import ProvisionError


class SlipNotPrinted(ProvisionError):
    """The slip could not be printed; the message says why."""


class ConfiguredPrinter:
    """Prints on the printer of the first of *configs* that loads."""

    def __init__(self, configs: Sequence[Path], home: Path) -> None:
        self.configs = list(configs)
        self.home = home

    def settings(self) -> PrinterSettings:
        problems = []
        for path in self.configs:
            try:
                return load_config(path, home=self.home).printer
            except ConfigError as error:
                problems.append(error.problems[0] if error.problems else str(path))
        raise SlipNotPrinted("no configuration names a printer: " + "; ".join(problems))

    def print_slip(self, receipt: Receipt) -> None:
        settings = self.settings()
        if settings.connection == "none":
            raise SlipNotPrinted("the configuration has no receipt printer "
                                 "([printer] connection = \"none\")")
        try:
            printer = open_printer(settings)
            if printer is None:
                raise SlipNotPrinted("the configuration has no receipt printer")
            with printer:
                printer.print(receipt)
        except (PrinterError, ValueError) as error:
            raise SlipNotPrinted(str(error)) from error
