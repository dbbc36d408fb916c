"""The county's refusal of a seal request, as a station reads it from an
``approval`` feed document: exactly the documented fields, a reason fit
for the panel, and nothing mistaken for an approval or the other way round."""

from __future__ import annotations

from typing import Any

import pytest

from protocol.seal_refusal import Refusal, RefusalMalformed, read_refusal, reason_problem

REFUSAL = Refusal(rid="F-3fa9c2d18e07", dev="ve-330226100201-seal1", req="R7-a1b2c3d4e5",
                  slot="committee", reason="材料不全，请补齐后重新申请", by="town.approver",
                  at=1714550000)


def test_a_refusal_reads_back_as_itself() -> None:
    body = REFUSAL.body()
    assert set(body["refusal"]) == {"rid", "dev", "req", "slot", "reason", "by", "at"}
    assert read_refusal(body) == REFUSAL
    assert REFUSAL.document_name == "refusal-3fa9c2d18e07"


def test_an_approval_is_not_a_refusal() -> None:
    assert read_refusal({"token": "VE1.abc.def"}) is None


@pytest.mark.parametrize("change", [
    {"rid": "X-3fa9c2d18e07"}, {"at": "1714550000"}, {"at": True}, {"dev": None},
    {"reason": ""}, {"reason": "太长" * 101}, {"reason": "第一行\n第二行"}, {"extra": 1},
])
def test_anything_else_claiming_to_be_a_refusal_is_refused(change: dict[str, Any]) -> None:
    body = REFUSAL.body()["refusal"] | change
    with pytest.raises(RefusalMalformed):
        read_refusal({"refusal": body})
    with pytest.raises(RefusalMalformed):
        read_refusal({"refusal": "材料不全"})


def test_a_reason_says_what_is_wrong_with_it() -> None:
    assert reason_problem("材料不全") is None
    assert "empty" in (reason_problem("   ") or "")
    assert "one line" in (reason_problem("a\u2028b") or "")
