"""Composition: from a checked :class:`Config` to running devices.

This is where the choice between real and simulated pins is made, once, from
the configuration and the command line; the hardware layer only ever gets a
pin factory.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING

from device.config import DEFAULT_CONFIG_PATH, Config, ConfigError, load_config
from hardware.failsafe import PROCESS_FAILSAFE
from sync.outbox import Outbox

if TYPE_CHECKING:  # each imported where it is used: the kiosk needs none before its window
    from gpiozero import Factory

    from hardware.failsafe import FailSafe
    from hardware.printer import ReceiptPrinter
    from hardware.simulation import SimulatedWorld
    from hardware.station import Station
    from sync.agent import SyncAgent
    from sync.client import CountyClient

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
    from hardware.pins import mock_pin_factory, real_pin_factory

    if config.simulate:
        return mock_pin_factory()
    return real_pin_factory(config.pin_factory)


def simulated_world(config: Config, station: Station) -> SimulatedWorld | None:
    """For a station on simulated pins, the world around it; None for real pins."""
    from gpiozero.pins.mock import MockFactory

    from hardware.simulation import SimulatedWorld

    factory = station.pin_factory
    if not isinstance(factory, MockFactory):
        return None
    return SimulatedWorld(factory, config.station, station)


def make_printer(config: Config) -> ReceiptPrinter | None:
    from hardware.printer import open_printer

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
    from hardware.station import Station

    factory = pin_factory or make_pin_factory(config)
    config.state_dir.mkdir(parents=True, exist_ok=True)
    station = Station.build(config.station, pin_factory=factory, failsafe=failsafe)
    world = simulated_world(config, station)
    if world is not None:
        world.settle_normal(station)
    if with_printer:
        try:
            station.printer = make_printer(config)
        except BaseException:
            station.close()
            raise
    return station


def open_outbox(config: Config) -> Outbox:
    return Outbox(config.state.outbox, quota_bytes=config.outbox_quota_bytes)


def county_client(config: Config, url: str | None = None) -> CountyClient:
    """A client for the configured county, signing with this device's key and
    believing only answers signed by the pinned county key."""
    from sync.client import CountyClient
    from sync.identity import load_or_create_device_key

    key = load_or_create_device_key(config.state.device_key)
    return CountyClient(url or config.county_url, config.device_id, key,
                        config.county_public_key)


def open_sync_agent(config: Config, outbox: Outbox) -> SyncAgent:
    """The agent for an enrolled device; EnrollmentError says what is missing."""
    from protocol.signing import public_key_from_text
    from sync.agent import SyncAgent
    from sync.device_health import HealthSources, measure_health
    from sync.enrollment import Enrollment, EnrollmentError
    from sync.feed_store import FeedStore

    if not config.county_url:
        raise EnrollmentError(
            f"no county address: set [county] url in {config.source}"
        )
    enrollment = Enrollment.load(config.state.enrollment)
    if enrollment is None:
        raise EnrollmentError(
            "this device has not enrolled with the county: run "
            "'village-edge sync enroll --code CODE' with the code from the county"
        )
    if enrollment.county_public_key != config.county_public_key:
        raise EnrollmentError(
            f"the county key in {config.source} differs from the one this device enrolled "
            "with: enroll again"
        )
    feed = FeedStore(config.state.feed, public_key_from_text(enrollment.county_public_key),
                     config.device_id, time.time, village_code=config.village_code)
    sources = HealthSources(config.state.root, paper_note=config.state.printer_status)
    return SyncAgent(outbox, county_client(config), feed, config.state.sync_status, config.sync,
                     health=lambda now: measure_health(sources, now))
