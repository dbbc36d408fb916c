"""The one view of the county's feed that the kiosk needs.

:class:`sync.feed_store.FeedStore` satisfies :class:`FeedReader`; so does the
in-memory :class:`kiosk.samples.SampleFeed` used for demonstrations.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # a kiosk on the sample catalog verifies no document
    from protocol.documents import SignedDocument


class FeedReader(Protocol):
    """Read-only access to the documents the county published to this device."""

    def generation(self) -> int:
        """A number that changes whenever any held document changes."""
        ...

    def names(self, kind: str) -> list[str]:
        """The names of the held documents of *kind*."""
        ...

    def get(self, kind: str, name: str) -> SignedDocument | None:
        """The held document, verified again; None if absent or tampered with."""
        ...
