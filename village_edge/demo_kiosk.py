"""The kiosk's part of the demo, against the same local county: a catalog
the county publishes replaces the built-in sample on the kiosk, and a
complaint filed through the kiosk's complaint screen reaches the county
sealed, readable only there. The screens themselves are the same view-models
``village-edge kiosk`` draws; this part runs without a window."""

from __future__ import annotations

import dataclasses
import time
from typing import TextIO

from county import operator
from county.complaints import list_reports
from kiosk.viewmodels.catalog_source import CatalogSource
from kiosk.viewmodels.services import ComplaintDraft
from kiosk.wiring import SealedComplaints
from powerlist import catalog_to_dict, load_sample
from sync.agent import SyncAgent
from village_edge.demo_county import DemoCounty


def run_kiosk_demo(county: DemoCounty, agent: SyncAgent, out: TextIO) -> None:
    kiosk_catalog = CatalogSource(agent.feed, time.time)
    before = kiosk_catalog.current()
    out.write(f"\nkiosk shows: {before.catalog.title} "
              f"({'built-in sample' if not before.from_county else 'from the county'})\n")

    sample = load_sample()
    county_list = dataclasses.replace(sample, id="county-demo", title="示范县村级小微权力清单",
                                      version=2, sample=False)
    operator.publish(county.data_dir, "catalog", "county-demo", catalog_to_dict(county_list))
    out.write("county publishes its own power list (catalog/county-demo v2)\n")
    county.sync(agent)
    kiosk_catalog.refresh()
    after = kiosk_catalog.current()
    out.write(f"kiosk now shows: {after.catalog.title} v{after.catalog.version}, "
              f"{len(after.catalog.items)} items, signed by the county\n")

    filer = SealedComplaints(agent.outbox, agent.feed, county.config.device_id)
    filed = filer.file(ComplaintDraft("GP-02", "村集体资产资源处置", "少数人说了算，没有按程序办",
                                      None))
    out.write(f"a villager files an anonymous complaint on the kiosk: tracking code "
              f"{filed.tracking_code}, reply due {filed.reply_due:%Y-%m-%d}; on the device it "
              "is sealed with the county's key\n")
    county.sync(agent)
    reports = list_reports(county.data_dir)
    mine = [r for r in reports if r.device_id == county.config.device_id]
    if mine:
        report = mine[-1]
        out.write(f"the county opens it: {report.code} about {report.item_id}, "
                  f"problem '{report.problem}', anonymous\n")
    else:
        out.write("the complaint did NOT reach the county\n")
    show_window(county, agent, out)


def show_window(county: DemoCounty, agent: SyncAgent, out: TextIO) -> None:
    """Open the kiosk on this county's data when someone is at a display;
    elsewhere say how to see it."""
    import os
    import sys

    from kiosk.xvfb import needs_own_display

    if needs_own_display(os.environ) or not sys.stdin.isatty():
        out.write("no display here (or nobody at the keyboard): the kiosk's window is not "
                  "opened; see its screens with 'village-edge kiosk screenshots DIR'\n")
        return
    from village_edge.kiosk_commands import open_window

    out.write("opening the kiosk on the county's catalog; close its window to finish\n")
    out.flush()
    open_window(county.config, agent.feed, agent.outbox, simulate=True)
