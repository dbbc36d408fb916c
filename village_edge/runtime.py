"""Composition: from a checked :class:`Config` to running devices.

This is where the choice between real and simulated pins is made, once, from
the configuration and the command line; the hardware layer only ever gets a
pin factory.
"""

from __future__ import annotations

import logging
from pathlib import Path

from gpiozero import Factory
from gpiozero.pins.mock import MockFactory

from hardware.failsafe import PROCESS_FAILSAFE, FailSafe
from hardware.pins import mock_pin_factory, real_pin_factory
from hardware.printer import ReceiptPrinter, open_printer
from hardware.simulation import SimulatedWorld
from hardware.station import Station
from village_edge.config import DEFAULT_CONFIG_PATH, Config, ConfigError, load_config

log = logging.getLogger(__name__)

PI_MODEL_FILE = Path("/proc/device-tree/model")


def is_raspberry_pi(model_file: Path = PI_MODEL_FILE) -> bool:
    try:
        return "Raspberry Pi" in model_file.read_text(errors="replace")
    except OSError:
        return False


def resolve_config(
    path: Path | None,
    *,
    simulate: bool,
    home: Path,
    default_path: Path = DEFAULT_CONFIG_PATH,
    on_pi: bool | None = None,
) -> Config:
    """The configuration to run with: *path*, else the default file, else (on a
    development machine only) the embedded default."""
    if path is not None:
        return load_config(path, home=home, simulate=simulate)
    if default_path.exists():
        return load_config(default_path, home=home, simulate=simulate)
    if on_pi is None:
        on_pi = is_raspberry_pi()
    if on_pi and not simulate:
        raise ConfigError(
            [
                f"{default_path}: no such file. This is a Raspberry Pi, so the built-in "
                "development configuration is not used: run setup.sh for this device's "
                "role, or pass --config PATH (or --simulate to rehearse without hardware)"
            ]
        )
    return load_config(None, home=home, simulate=simulate)


def make_pin_factory(config: Config) -> Factory:
    if config.simulate:
        return mock_pin_factory()
    return real_pin_factory(config.pin_factory)


def simulated_world(config: Config, factory: Factory) -> SimulatedWorld | None:
    """For simulated pins, the world around them; None for real pins."""
    if not isinstance(factory, MockFactory):
        return None
    return SimulatedWorld(factory, config.station)


def make_printer(config: Config) -> ReceiptPrinter | None:
    return open_printer(config.printer)


def open_station(
    config: Config,
    *,
    pin_factory: Factory | None = None,
    failsafe: FailSafe | None = PROCESS_FAILSAFE,
    with_printer: bool = True,
) -> Station:
    """Every device of this configuration. The pins come first, so every lock
    is driven locked before anything else; if the printer then fails to open,
    the station is closed again and the error raised."""
    factory = pin_factory or make_pin_factory(config)
    config.state_dir.mkdir(parents=True, exist_ok=True)
    station = Station.build(config.station, pin_factory=factory, failsafe=failsafe)
    world = simulated_world(config, factory)
    if world is not None:
        world.settle_normal(station)
    if with_printer:
        try:
            station.printer = make_printer(config)
        except BaseException:
            station.close()
            raise
    return station
