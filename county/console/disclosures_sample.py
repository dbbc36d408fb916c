"""Sample data for the clerks' disclosure pages
(:data:`county.console.sample_data.SEEDERS`): disclosures the sample clerk
published for the sample village (one of them withdrawn) and one for
another village; and their pages in the screenshots
(:data:`county.console.tour.PAGES`)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from county.console import audit
from county.console.complaints_sample import CLERK
from county.console.disclosure_form import Entry
from county.console.disclosure_store import find, publish_entry, withdraw
from county.console.format import BEIJING

if TYPE_CHECKING:  # sample_data lists the seeder: it imports this module
    from county.console.sample_data import SampleCounty
    from county.console.tour import TourPage

VILLAGE = "330226100201"  # sample_data.VILLAGE
OTHER_VILLAGE = "330226100202"  # sample_data.OTHER_VILLAGE
WORKS = f"{VILLAGE}-5a3c0e9d1b27"  # 村道硬化工程招标结果, shown on the kiosks
FINANCE = f"{VILLAGE}-0c41d2e8a9f3"
WITHDRAWN = f"{VILLAGE}-9e27b5c1d804"  # published with a mistake, withdrawn
FOREIGN = f"{OTHER_VILLAGE}-7d18a3f0c2b6"  # of another village

#: (name, village, days before now it was published, its entry, days_ago of its date)
_SAMPLES: tuple[tuple[str, str, float, Entry, int], ...] = (
    (FINANCE, VILLAGE, 9, Entry("财务收支", "第三季度村级财务收支", None, 153200, "",
                                "收入、支出明细张贴在村务公开栏，欢迎村民查阅。"), 10),
    (WITHDRAWN, VILLAGE, 4, Entry("物资采购", "防汛物资采购", None, 48000, "", ""), 5),
    (FOREIGN, OTHER_VILLAGE, 3, Entry("资产资源", "村集体仓库出租结果", None, 12000, "",
                                      "公开竞价，租期三年，年租金如上。"), 4),
    (WORKS, VILLAGE, 2, Entry("工程项目", "村道硬化工程招标结果", None, 86000,
                              "示范建设有限公司", "三家投标，按程序开标评标。"), 3),
)


def seed_disclosures(sample: SampleCounty) -> None:
    """The sample clerk's disclosures, published as the pages publish them."""
    today = datetime.fromtimestamp(sample.now, BEIJING).date()
    with sample.store() as store:
        for name, village, ago, entry, day_ago in _SAMPLES:
            at = sample.now - ago * 86400
            dated = replace(entry, day=today - timedelta(days=day_ago))
            with store.transaction():
                signed = publish_entry(store, sample.county.key, village, name, dated, at)
                assert signed is not None
                audit.record(store, at=at, actor=CLERK, action="disclosure_published",
                             address="127.0.0.1", object=f"disclosure:{name}", village=village,
                             version=1, title=dated.title, category=dated.category)
        at = sample.now - 3 * 86400
        with store.transaction():
            published = find(store, VILLAGE, WITHDRAWN)
            assert published is not None
            withdraw(store, sample.county.key, published, at)
            audit.record(store, at=at, actor=CLERK, action="disclosure_withdrawn",
                         address="127.0.0.1", object=f"disclosure:{WITHDRAWN}",
                         village=VILLAGE, version=2)


def tour_pages() -> list[TourPage]:
    from county.console.tour import TourPage

    typed = {"village": VILLAGE, "category": "工程项目", "title": "文化礼堂屋面维修验收",
             "date": date(2026, 11, 2).isoformat(), "amount": "23500", "contractor": "",
             "text": "村务监督委员会参加验收，质量合格。"}
    listed = f"/disclosures/villages/{VILLAGE}"
    return [
        TourPage("clerk-disclosure-form", "/disclosures", CLERK),
        TourPage("clerk-disclosure-preview", "/disclosures/check?" + urlencode(typed), CLERK),
        TourPage("clerk-disclosure-list", listed, CLERK),
        TourPage("clerk-disclosure", f"{listed}/{WORKS}", CLERK),
        TourPage("clerk-disclosure-withdrawn", f"{listed}/{WITHDRAWN}", CLERK),
    ]
