"""Which catalog the kiosk shows: the county's signed catalog when it is
present and valid, else the last good one, else the built-in sample.

The kiosk never shows a half-valid catalog. A held document that no longer
verifies, has expired, or whose body is not a valid catalog is logged and
ignored; what was shown before stays on screen. A town's own list
(``based_on`` set) is shown merged onto the county's common list it extends.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from kiosk.viewmodels.feeds import FeedReader
from powerlist import Catalog, CatalogError, catalog_from_dict, load_sample, merge

if TYPE_CHECKING:  # a kiosk on the sample catalog verifies no document
    from protocol.documents import SignedDocument

log = logging.getLogger(__name__)

KIND = "catalog"


@dataclass(frozen=True)
class CatalogSnapshot:
    """The catalog on screen and where it came from."""

    catalog: Catalog
    from_county: bool
    received: datetime | None = None  # when the county signed the document in use

    @property
    def is_sample(self) -> bool:
        """True for the built-in sample, which the screen marks 示范样本."""
        return self.catalog.sample or not self.from_county

    @property
    def updated(self) -> date | datetime:
        return self.received or self.catalog.updated


@dataclass(frozen=True)
class _Held:
    version: int
    issued: int
    catalog: Catalog


class CatalogSource:
    """Reads catalogs from *feed* (or nothing, when *feed* is None) whenever
    its generation changes; :meth:`current` is cheap to call often."""

    def __init__(
        self,
        feed: FeedReader | None,
        clock: Callable[[], float],
        sample: Callable[[], Catalog] = load_sample,
    ) -> None:
        self._feed = feed
        self._clock = clock
        self._sample_loader = sample
        self._sample: Catalog | None = None
        self._held: dict[str, _Held] = {}
        self._generation: int | None = None
        self._snapshot: CatalogSnapshot | None = None
        self.problems: list[str] = []  # the last reasons a document was ignored

    def current(self) -> CatalogSnapshot:
        """The catalog to show now, re-read if the feed changed."""
        generation = self._feed.generation() if self._feed is not None else 0
        if self._snapshot is None or generation != self._generation:
            self._generation = generation
            self._read_feed()
            self._snapshot = self._choose()
        return self._snapshot

    def refresh(self) -> bool:
        """Re-read the feed now, even at the same generation (expiry is a matter
        of time, not of generation). True if what is shown changed."""
        before = self._snapshot
        self._generation = None
        return self.current() != before

    # -- reading ----------------------------------------------------------------

    def _read_feed(self) -> None:
        self.problems = []
        if self._feed is None:
            return
        names = self._feed.names(KIND)
        for gone in set(self._held) - set(names):
            log.warning("catalog/%s is no longer held; it is no longer shown", gone)
            del self._held[gone]
        for name in names:
            self._read_one(name, self._feed.get(KIND, name))

    def _read_one(self, name: str, signed: SignedDocument | None) -> None:
        keep = f"; still showing {self._describe_held(name)}"
        if signed is None:
            self._ignore(f"catalog/{name} on the device does not verify{keep}")
            return
        document = signed.document
        held = self._held.get(name)
        if held is not None and held.version == document.version:
            return
        label = f"catalog/{name} v{document.version}"
        if self._clock() >= document.expires:
            self._ignore(f"{label} has expired{keep}")
            return
        try:
            catalog = catalog_from_dict(document.body, f"feed {label}")
        except CatalogError as error:
            self._ignore(f"{label} is not a valid catalog ({len(error.problems)} problems: "
                         f"{error.problems[0]}){keep}")
            return
        self._held[name] = _Held(document.version, document.issued, catalog)
        log.info("showing %s: %s", label, catalog.title)

    def _describe_held(self, name: str) -> str:
        held = self._held.get(name)
        return f"v{held.version}" if held else "the catalog shown before"

    def _ignore(self, reason: str) -> None:
        self.problems.append(reason)
        log.warning("%s", reason)

    # -- choosing ---------------------------------------------------------------

    def _choose(self) -> CatalogSnapshot:
        if not self._held:
            if self._snapshot is not None and self.problems and self._snapshot.from_county:
                return self._snapshot  # every held document is bad: keep what was shown
            return CatalogSnapshot(self._load_sample(), from_county=False)
        commons = {h.catalog.id: h for h in self._held.values() if not h.catalog.based_on}
        for name in sorted(self._held):
            local = self._held[name]
            common = commons.get(local.catalog.based_on or "")
            if common is not None:
                try:
                    merged = merge(common.catalog, local.catalog)
                except CatalogError as error:
                    self._ignore(f"catalog/{name} cannot be merged: {error}")
                    continue
                return CatalogSnapshot(merged, True, _when(max(common.issued, local.issued)))
        if commons:
            chosen = max(commons.values(), key=lambda h: (h.issued, h.catalog.id))
        else:
            chosen = self._held[sorted(self._held)[0]]
        return CatalogSnapshot(chosen.catalog, True, _when(chosen.issued))

    def _load_sample(self) -> Catalog:
        if self._sample is None:
            self._sample = self._sample_loader()
        return self._sample


def _when(issued: int) -> datetime:
    return datetime.fromtimestamp(issued)
