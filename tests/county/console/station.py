"""A real seal station for the console's browser tests: the seal controller
on gpiozero MockFactory pins with a simulated camera, its ledger, outbox
and sync agent, enrolled with a real county on loopback (the demo's
composition: :mod:`village_edge.demo`). It syncs when the test says so,
as the station's sync agent would on its next round."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from camera.settings import CameraSettings
from camera.simulated import SimulatedCamera
from device.config import Config
from device.runtime import open_outbox, open_station, simulated_world
from hardware.simulation import SimulatedWorld
from hardware.station import SealSlot, Station
from seal_controller.camera_link import CameraLink
from seal_controller.controller import SealController
from seal_controller.feed_watch import FeedWatcher
from seal_controller.ledger import Ledger
from seal_controller.trusted_clock import TrustedClock
from sync.agent import SyncAgent
from village_edge.demo import demo_config
from village_edge.demo_county import DemoCounty


@dataclass
class LiveStation:
    config: Config
    station: Station
    world: SimulatedWorld
    county: DemoCounty
    controller: SealController
    agent: SyncAgent
    feed: FeedWatcher
    camera: SimulatedCamera

    @property
    def slot(self) -> SealSlot:
        return next(iter(self.station.slots.values()))

    @property
    def panel(self) -> str:
        return self.controller.view().message

    def sync(self) -> None:
        """One round of the station's sync agent, then what came through the
        feed handed to the controller."""
        self.agent.run_once()
        self.feed.deliver(self.controller)


@contextmanager
def live_station(directory: Path) -> Iterator[LiveStation]:
    """A station of its own in *directory*, with its own county."""
    config = demo_config(directory)
    with ExitStack() as stack:
        station = stack.enter_context(open_station(config))
        world = simulated_world(config, station)
        assert world is not None
        county = stack.enter_context(DemoCounty(config, io.StringIO()))
        outbox = stack.enter_context(open_outbox(county.config))
        camera = SimulatedCamera(CameraSettings(backend="simulated"), scene="document",
                                 document_seed=5)
        camera.start()
        stack.callback(camera.stop)
        ledger = Ledger(county.config.state.ledger, time.time)
        stack.callback(ledger.close)
        clock = TrustedClock(county.config.state.trusted_time)
        clock.trust(time.time(), "test")
        agent = county.agent(outbox)
        stack.callback(agent.client.close)
        controller = SealController(
            device_id=config.device_id, station=station, ledger=ledger, outbox=outbox,
            county_key=agent.feed.county_key, clock=clock, matters=config.seal_matters,
            return_seconds=config.seal_return_seconds,
            camera=CameraLink(camera, outbox, config.device_id))
        controller.recover()
        yield LiveStation(county.config, station, world, county, controller, agent,
                          FeedWatcher(agent.feed, clock), camera)
