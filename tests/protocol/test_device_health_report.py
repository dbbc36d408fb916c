"""The health report's wire form, read back exactly; what is not one refused."""

from __future__ import annotations

import pytest

from protocol.device_health import HealthRejected, HealthReport, read_health


def test_a_report_reads_back_as_sent() -> None:
    report = HealthReport(1767000000, "0.9.0+g1a2b", 812, 1024, 51.5, "earlier", "near_end")
    header = report.to_header()
    assert header.isascii() and "\n" not in header
    assert read_health(header) == report
    bare = HealthReport(1767000000, "0.9.0")
    assert read_health(bare.to_header()) == bare


@pytest.mark.parametrize("header", [
    "[]", "{}", '{"v":1,"at":true,"version":"1"}', '{"v":1,"at":1767000000,"version":"一"}',
    '{"v":1,"at":1767000000,"version":"1","undervoltage":"maybe"}',
    '{"v":1,"at":1767000000,"version":"1","paper":"full"}',
    '{"v":1,"at":1767000000,"version":"1","temp_c":NaN}',
    '{"v":1,"at":1767000000,"version":"1","disk_free":-1}',
    '{"v":1,"at":1767000000,"version":"' + "9" * 2000 + '"}',
])
def test_what_is_not_a_report_is_refused(header: str) -> None:
    with pytest.raises(HealthRejected):
        read_health(header)
