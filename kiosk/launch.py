"""Putting the kiosk together: the view-model from its parts, and Kivy
prepared before it is imported. Only composition roots (the ``village-edge
kiosk`` command, the test driver, the benchmark) call these."""

from __future__ import annotations

import time
from collections.abc import Callable, MutableMapping
from pathlib import Path

from kiosk.viewmodels.catalog_source import CatalogSource
from kiosk.viewmodels.feeds import FeedReader
from kiosk.viewmodels.services import KioskServices
from kiosk.viewmodels.shell import KioskViewModel
from kiosk.viewmodels.technician import TechnicianHooks
from powerlist import Catalog, load_sample


def build_view_model(
    *,
    catalog_feed: FeedReader | None,
    data_feed: FeedReader | None,
    services: KioskServices,
    technician: TechnicianHooks,
    pin: str,
    sample: Callable[[], Catalog] = load_sample,
) -> KioskViewModel:
    """The kiosk's view-model: catalogs from *catalog_feed*, roster and
    disclosures from *data_feed* (usually the same FeedStore)."""
    catalogs = CatalogSource(catalog_feed, time.time, sample)
    return KioskViewModel(catalogs, data_feed, services, technician=technician, pin=pin,
                          clock=time.monotonic)


def prepare_kivy(
    state_dir: Path,
    environ: MutableMapping[str, str],
    *,
    size: tuple[int, int],
    fullscreen: bool,
) -> None:
    """Set Kivy's environment in *environ*, configure it, register the font.
    After this, Kivy may be imported."""
    from kiosk.app import WindowOptions, configure_kivy, kivy_environment, register_fonts
    from kiosk.fonts import NOTO_CJK, NOTO_CJK_BOLD, screen_font

    for name, value in kivy_environment(state_dir).items():
        environ.setdefault(name, value)
    (state_dir / "kivy").mkdir(parents=True, exist_ok=True)
    configure_kivy(WindowOptions(size=size, fullscreen=fullscreen))
    fonts = state_dir / "fonts"
    regular = screen_font(fonts, NOTO_CJK)
    bold = screen_font(fonts, NOTO_CJK_BOLD) if NOTO_CJK_BOLD.is_file() else None
    register_fonts(regular, bold)
