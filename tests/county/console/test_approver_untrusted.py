"""What a seal station sends cannot break the approver's pages nor skip a
level: the stamps asked are bounded before a page sees them, the numbers a
form sends are read as ASCII digits only, and a matter written a little
differently still needs its levels (atk13 findings 2, 5 and 9)."""

from __future__ import annotations

from county.console import sample_data as sample
from tests.county.console.conftest import Console


def request_path(req: str) -> str:
    return f"/approver/requests/{sample.STATION}/{req}"


def test_numbers_in_other_digits_are_refused_plainly(sqlite_console: Console) -> None:
    """``²`` and ``１`` pass ``str.isdigit`` but are not numbers: a 400 with
    the form again, never a 500."""
    console = sqlite_console
    wang = console.person()
    wang.log_in("wang")
    for uses in ("²", "１", "1" * 5000):
        refused = wang.post(request_path(sample.OPEN_REQUEST) + "/approve",
                            {"uses": uses, "minutes": "10"})
        assert refused.status_code == 400 and "请选择盖章次数和有效时间" in refused.text
    levels = request_path(sample.LEVELS_REQUEST) + "/approve"
    no_amount = wang.post(levels, {"uses": "1", "minutes": "10", "amount": "²"})
    assert no_amount.status_code == 409 and "请填写文件上的金额" in no_amount.text
    zhou = console.person()
    zhou.log_in("zhou")
    timeline = zhou.get(f"/supervisor/stations/{sample.STATION}?before=²")
    assert timeline.status_code == 200
