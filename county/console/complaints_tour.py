"""The complaint handlers' and the clerks' pages in the screenshots
(:data:`county.console.tour.PAGES`), on the sample data of
:mod:`county.console.complaints_sample`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from county.console import complaints_sample as sample

if TYPE_CHECKING:
    from county.console.tour import TourPage


def pages() -> list[TourPage]:
    from county.console.tour import TourPage

    return [
        TourPage("complaints-list", "/complaints", sample.HANDLER),
        TourPage("complaints-new", f"/complaints/{sample.NEW_COMPLAINT}", sample.HANDLER),
        TourPage("complaints-overdue", f"/complaints/{sample.OVERDUE_COMPLAINT}",
                 sample.HANDLER),
        TourPage("complaints-replied", f"/complaints/{sample.REPLIED_COMPLAINT}",
                 sample.HANDLER),
        TourPage("complaints-list-county", "/complaints", "admin"),
        TourPage("clerk-upload", "/clerk", sample.CLERK),
        TourPage("clerk-preview", f"/clerk/drafts/{sample.SAMPLE_DRAFT}", sample.CLERK),
    ]
