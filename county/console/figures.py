"""Figures per village and month, for supervisors: requests, approvals,
refusals, stamps and alerts, with totals.

:func:`tally` is a pure function of the facts (each a village, a time and
what it is), so what it adds up can be checked against the facts
themselves; :func:`county_facts` reads them from the county's database.
A fact counts in the month of when it happened, in Beijing time: a request
when the station made it, an answer when it was given, a stamp when the
station recorded it, an alert when what it is about happened.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from county.console.format import BEIJING
from county.seal_requests import filed_requests
from county.store import Store
from protocol.api import LEDGER_STREAM

WHAT = ("requests", "approvals", "refusals", "stamps", "alerts")
WHAT_NAMES = {"requests": "申请", "approvals": "同意", "refusals": "不同意", "stamps": "盖章",
              "alerts": "报警"}


@dataclass(frozen=True)
class Fact:
    village: str
    at: float
    what: str  # one of WHAT


@dataclass
class Row:
    month: str  # 2026-11
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(WHAT, 0))


@dataclass
class VillageFigures:
    village: str
    months: list[Row]  # newest first
    total: Row


UNKNOWN_MONTH = "时间不明"


def month_of(at: float) -> str:
    """The month of *at* in Beijing time (a station's clock may say anything)."""
    try:
        return datetime.fromtimestamp(at, BEIJING).strftime("%Y-%m")
    except (OverflowError, OSError, ValueError):
        return UNKNOWN_MONTH


def tally(facts: Iterable[Fact]) -> tuple[list[VillageFigures], Row]:
    """Per village (in code order), per month (newest first) and in total;
    and the total of every village."""
    by_village: dict[str, dict[str, Row]] = {}
    for fact in facts:
        months = by_village.setdefault(fact.village, {})
        month = month_of(fact.at)
        months.setdefault(month, Row(month)).counts[fact.what] += 1
    figures = []
    everything = Row("合计")
    for village in sorted(by_village):
        rows = [by_village[village][m] for m in sorted(by_village[village], reverse=True)]
        total = Row("合计")
        for row in rows:
            for what in WHAT:
                total.counts[what] += row.counts[what]
                everything.counts[what] += row.counts[what]
        figures.append(VillageFigures(village, rows, total))
    return figures, everything


def county_facts(store: Store, villages: set[str] | None) -> list[Fact]:
    """Every fact of the villages in *villages* (None: every village)."""
    village_of = {d.device_id: d.village_code for d in store.devices()}

    def wanted(device_id: str) -> str | None:
        village = village_of.get(device_id)
        return village if village is not None and (villages is None or village in villages) \
            else None

    facts = []
    for request in filed_requests(store).requests:
        if (village := wanted(request.device_id)) is not None:
            facts.append(Fact(village, request.created, "requests"))
    for answer in store.seal_answers().values():
        if (village := wanted(answer.device_id)) is not None:
            what = "approvals" if answer.answer == "approved" else "refusals"
            facts.append(Fact(village, answer.answered, what))
    for device_id in village_of:
        if (village := wanted(device_id)) is None:
            continue
        seen: set[int] = set()
        for record in store.payloads(device_id, LEDGER_STREAM):
            if not isinstance(record, dict) or record.get("kind") != "stamp":
                continue
            seq, at = record.get("seq"), record.get("at")
            if not isinstance(seq, int) or seq in seen or isinstance(at, bool) \
                    or not isinstance(at, int | float):
                continue
            seen.add(seq)
            facts.append(Fact(village, float(at), "stamps"))
    for row in store.execute("SELECT village_code, happened FROM console_alerts"):
        if villages is None or row["village_code"] in villages:
            facts.append(Fact(row["village_code"], float(row["happened"]), "alerts"))
    return facts
