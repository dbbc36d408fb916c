"""Putting the kiosk's view-model together from its parts. Only composition
roots (the ``village-edge kiosk`` command, the test driver, the benchmark)
call this; Kivy is prepared apart, by :func:`kiosk.kivy_setup.prepare_kivy`."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from kiosk.viewmodels.catalog_source import CatalogSource
from kiosk.viewmodels.idle import IdleTimer
from kiosk.viewmodels.shell import KioskViewModel
from powerlist import Catalog, load_sample

if TYPE_CHECKING:
    from kiosk.viewmodels.feeds import FeedReader
    from kiosk.viewmodels.services import KioskServices
    from kiosk.viewmodels.technician import TechnicianHooks


def build_view_model(
    *,
    catalog_feed: FeedReader | None,
    data_feed: FeedReader | None,
    services: KioskServices,
    technician: TechnicianHooks,
    pin: str,
    sample: Callable[[], Catalog] = load_sample,
    blank_seconds: float = 0.0,
) -> KioskViewModel:
    """The kiosk's view-model: catalogs from *catalog_feed*, roster and
    disclosures from *data_feed* (usually the same FeedStore); the screen
    goes dark after *blank_seconds* without a touch (0: never)."""
    catalogs = CatalogSource(catalog_feed, time.time, sample)
    idle = IdleTimer(last_touch=time.monotonic(), blank_after=blank_seconds)
    return KioskViewModel(catalogs, data_feed, services, technician=technician, pin=pin,
                          clock=time.monotonic, idle=idle)
