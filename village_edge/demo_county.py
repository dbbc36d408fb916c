"""The demo's county: a reference county server on loopback, the simulated
device enrolled with it, and a sync agent between them."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import TextIO

from county import operator
from county.complaints import ensure_complaint_key
from county.server import CountyServer
from county.stamps import station_stamps
from device.config import Config
from device.runtime import county_client, open_sync_agent
from protocol.signing import key_fingerprint
from sync.agent import SyncAgent
from sync.enrollment import enroll
from sync.outbox import Outbox


class DemoCounty:
    def __init__(self, config: Config, out: TextIO) -> None:
        self.data_dir = config.state_dir / "demo-county"
        self.out = out
        self.server = CountyServer(self.data_dir)
        self.config = config

    def __enter__(self) -> DemoCounty:
        # The state directory is the demo's own and new (see play_demo): a
        # fresh county and a fresh station, one story, nobody else's state.
        self.server.start()
        ensure_complaint_key(self.data_dir)
        self.config = dataclasses.replace(
            self.config, county_url=self.server.url, county_public_key=self.server.public_key
        )
        code = operator.make_enroll_code(self.data_dir, self.config.device_id)
        client = county_client(self.config)
        try:
            enroll(client, code=code, role=self.config.role,
                   village_code=self.config.village_code,
                   pinned_key=self.server.public_key, path=self.config.state.enrollment)
        finally:
            client.close()
        self.out.write(
            f"local county at {self.server.url} (key {key_fingerprint(self.server.public_key)});"
            f" {self.config.device_id} enrolled with code {code}\n\n"
        )
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.stop()

    def agent(self, outbox: Outbox) -> SyncAgent:
        return open_sync_agent(self.config, outbox)

    def sync(self, agent: SyncAgent) -> None:
        """One round of the sync agent, told as it happens."""
        result = agent.run_once()
        stats = operator.stats(self.data_dir)
        device = stats["devices"].get(self.config.device_id, {})
        streams = ", ".join(f"{n} {s}" for s, n in sorted(device.get("events_by_stream",
                                                                        {}).items()))
        self.out.write(
            f"          sync: sent {result.events_sent} events, took {result.documents_taken} "
            f"documents, {agent.outbox.stats().pending} left on the device; the county holds "
            f"{stats['events_stored']} events ({streams})\n"
        )

    def show_ledger(self) -> None:
        device = operator.stats(self.data_dir)["devices"].get(self.config.device_id, {})
        ledger = device.get("ledger") or {}
        verdict = "chain verified" if ledger.get("ok") else f"chain BROKEN: {ledger}"
        self.out.write(f"county holds the station's ledger: {ledger.get('records', 0)} records, "
                       f"{verdict}\n")

    def show_stamps(self, slot: str, outbox: Outbox) -> None:
        """How many stamps of *slot* the county holds, their photos, and how
        many of those are still on the station."""
        [station] = station_stamps(self.data_dir, self.config.device_id)
        stamps = [s for s in station.stamps if s.slot == slot]
        photos = [s.photo for s in stamps if s.photo_held and s.photo is not None]
        left = sum(1 for digest in photos if outbox.blob_path(digest).exists())
        self.out.write(f"county holds {len(stamps)} stamps of {slot}, {len(photos)} photos "
                       f"(sha256 checked); {left} of them still on the station\n")

    def publish_disclosure(self) -> str:
        title = "村道硬化工程公示（演示）"
        body = {"title": title, "category": "工程项目", "date": date.today().isoformat(),
                "amount_yuan": 86000, "contractor": "示范建设公司",
                "text": "工程已按程序招标，欢迎村民监督。"}
        signed = operator.publish(self.data_dir, "disclosure", "works-demo", body)
        self.out.write(f"county publishes disclosure/works-demo v{signed.document.version}: "
                       f"{title}\n")
        return title

    def show_arrival(self, agent: SyncAgent) -> None:
        held = agent.feed.get("disclosure", "works-demo")
        if held is None:
            self.out.write("the disclosure did NOT arrive on the device\n")
            return
        self.out.write(
            f"device holds disclosure/works-demo v{held.document.version}, signature verified: "
            f"{held.document.body['title']}\n"
        )
