"""A village's documents (audience ``village:<code>``) are taken only by the
devices of that village: another village's device refuses them, and so
does a device that does not know its village."""

from __future__ import annotations

import time

import pytest

from protocol.documents import (
    DocumentRejected,
    FeedDocument,
    SignedDocument,
    addressed_to,
    village_audience,
)
from protocol.signing import new_private_key

COUNTY = new_private_key()
DEVICE = "ve-330226100201-k1"
VILLAGE = "330226100201"
OTHER_VILLAGE = "330226100202"


def signed(audience: str) -> SignedDocument:
    now = int(time.time())
    return SignedDocument.sign(COUNTY, FeedDocument(
        "disclosure", "works-2026-11", 1, now - 10, now + 3600, audience,
        {"title": "村道硬化工程公示", "category": "工程项目", "date": "2026-11-02"}))


def check(document: SignedDocument, village_code: str | None) -> None:
    document.check(COUNTY.public_key(), device_id=DEVICE, now=time.time(), held_version=None,
                   village_code=village_code)


def test_a_village_document_is_taken_by_a_device_of_that_village() -> None:
    check(signed(village_audience(VILLAGE)), VILLAGE)
    check(signed("*"), VILLAGE)
    check(signed(DEVICE), VILLAGE)
    check(signed("*"), None)  # documents for every device need no village


@pytest.mark.parametrize("device_village", [OTHER_VILLAGE, None, "", "33022610020",
                                            "３３０２２６１００２０１"])
def test_a_village_document_is_refused_by_any_other_device(device_village: str | None) -> None:
    with pytest.raises(DocumentRejected) as caught:
        check(signed(village_audience(VILLAGE)), device_village)
    assert caught.value.reason == "audience"


@pytest.mark.parametrize("audience", ["village:", "village:*", f"village: {VILLAGE}",
                                      f"village:{VILLAGE}x", f"Village:{VILLAGE}", VILLAGE])
def test_only_the_exact_village_audience_names_a_village(audience: str) -> None:
    assert not addressed_to(audience, DEVICE, VILLAGE)


@pytest.mark.parametrize("code", ["", "33022610020", "3302261002011", "village", "*",
                                  "３３０２２６１００２０１"])
def test_a_village_audience_needs_a_village_code(code: str) -> None:
    with pytest.raises(ValueError):
        village_audience(code)
