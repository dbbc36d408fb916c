"""Each kind of alert derived from its facts, and not raised without them:
the functions of :mod:`county.console.alerts` on alarm events and ledger
records as stations send them (chained with the protocol's rule), and the
figures of :mod:`county.console.figures` adding up over random facts."""

from __future__ import annotations

from collections import Counter
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from county.console.alerts import (
    AlarmEvent,
    chain_problem,
    differing_pages,
    from_alarms,
    from_ledger,
)
from county.console.figures import WHAT, Fact, month_of, tally
from county.console.page_hash import PageHash
from county.console.timeline import station_timeline
from protocol.ledger_chain import GENESIS, check_chain, record_hash

STATION = "ve-330226100201-seal1"
PHOTO = "a" * 64
OTHER_PHOTO = "b" * 64
T0 = 1796000000.0


def chained(*records: tuple[str, dict[str, Any]]) -> list[dict[str, Any]]:
    out, prev = [], GENESIS
    for seq, (kind, fields) in enumerate(records, start=1):
        record: dict[str, Any] = {"seq": seq, "prev": prev, "at": T0 + seq, "kind": kind,
                                  **fields}
        record["hash"] = prev = record_hash(record)
        out.append(record)
    return out


def alarm(code: str, event_id: str = "e1", *, photo: str | None = PHOTO,
          at: float = T0) -> AlarmEvent:
    return AlarmEvent(STATION, event_id, at, {"code": code, "text": "…", "raised_at": at,
                                              "blobs": [photo] if photo else []})


def test_each_alarm_code_is_its_kind_of_alert_with_its_photo() -> None:
    codes = {"forced_press": "forced_press", "seal_removed": "seal_removed", "lid": "lid",
             "camera": "camera", "camera_missing": "camera", "ledger_damaged": "ledger",
             "storage": "ledger", "likely_swap": "doc_differs", "no such code": "other"}
    for code, kind in codes.items():
        [alert] = from_alarms([alarm(code, f"e-{code}")], {})
        assert (alert.kind, alert.key, alert.detail["photos"]) == (
            kind, f"alarm:{STATION}:e-{code}", [PHOTO])
    assert from_alarms([], {}) == []
    # these two are the ledger's records: their alarms only lend photos
    assert from_alarms([alarm("not_returned"), alarm("press_over")], {}) == []
    # a likely swap seen on a stamp's photo is the same fact as the county's comparison
    [swap] = from_alarms([alarm("likely_swap")], {(STATION, PHOTO): 7})
    assert swap.key == f"doc_differs:{STATION}:7"


SESSION: list[tuple[str, dict[str, Any]]] = [
           ("requested", {"req": "R1-0a1b2c3d4e", "slot": "party"}),
           ("approved", {"aid": "A-1", "req": "R1-0a1b2c3d4e", "uses": 2, "slot": "party"}),
           ("stamp", {"aid": "A-1", "slot": "party", "n": 1, "remaining": 1, "photo": PHOTO}),
           ("stamp", {"aid": "A-1", "slot": "party", "n": 2, "remaining": 0})]


def test_a_ledger_without_anything_wrong_raises_nothing() -> None:
    records = chained(*SESSION, ("used_up", {"aid": "A-1"}), ("seal_returned", {}))
    assert from_ledger(STATION, records, [alarm("forced_press")], {"A-1": 2}, T0) == []


def test_stamps_past_the_approved_count_or_without_an_approval_are_alerts() -> None:
    third = ("stamp", {"aid": "A-1", "slot": "party", "n": 3, "remaining": -1,
                       "photo": OTHER_PHOTO})
    stray = ("stamp", {"aid": "A-forged", "slot": "party", "n": 1, "remaining": 0})
    over = from_ledger(STATION, chained(*SESSION, third, stray), [], {"A-1": 2}, T0)
    assert [(a.key, a.kind, a.detail["allowed"], a.detail["photos"]) for a in over] == [
        (f"over_stamps:{STATION}:5", "over_stamps", 2, [OTHER_PHOTO]),
        (f"over_stamps:{STATION}:6", "over_stamps", None, []),
    ]
    # a press past the count, as the station recorded it, with its alarm's photo
    pressed = from_ledger(STATION, chained(*SESSION, ("alarm_press_over", {"slot": "party"})),
                          [alarm("press_over", at=T0 + 5)], {"A-1": 2}, T0)
    assert [(a.key, a.detail["photos"]) for a in pressed] == [
        (f"over_stamps:{STATION}:5", [PHOTO])]


def test_a_seal_not_returned_comes_from_the_ledger_with_the_alarms_photo() -> None:
    records = chained(*SESSION, ("used_up", {"aid": "A-1"}),
                      ("alarm_not_returned", {"slot": "party"}))
    near, far = alarm("not_returned", "near", at=T0 + 30), alarm("not_returned", "far",
                                                                 photo=OTHER_PHOTO, at=T0 + 9000)
    [alert] = from_ledger(STATION, records, [near, far], {"A-1": 2}, T0)
    assert (alert.key, alert.kind, alert.detail["photos"]) == (
        f"not_returned:{STATION}:6", "not_returned", [PHOTO])


def test_a_chain_that_does_not_verify_is_an_alert_saying_where() -> None:
    records = chained(*SESSION, ("used_up", {"aid": "A-1"}))
    altered = [dict(r) for r in records]
    altered[2]["n"] = 9
    missing = records[:2] + records[4:]
    for payloads, seq, words in ((altered, 3, "第 3 条记录被改动过"),
                                 (missing, 3, "从第 3 条起有记录缺失")):
        [alert] = [a for a in from_ledger(STATION, payloads, [], {"A-1": 2}, T0)
                   if a.kind == "ledger"]
        assert alert.key == f"chain:{STATION}:{seq}" and words in alert.detail["problem"]
    assert chain_problem(check_chain(missing)).startswith("从第 3 条起")
    timeline = station_timeline(STATION, missing)
    assert [g.text for g in timeline.gaps] == ["缺第 3 到 4 条记录（共 2 条）"]
    assert [e.verified for e in timeline.entries] == [True, True, False]
    assert timeline.status.startswith("校验不通过")


def test_a_stamped_page_is_compared_with_the_approved_document() -> None:
    records = chained(*SESSION)
    page = PageHash(0b1111, (1 << 4096) - 1)
    same, other = PageHash(0b1111, page.mask), PageHash(0b110000, page.mask)
    documents = {"A-1": ("R1-0a1b2c3d4e", OTHER_PHOTO)}

    def hashes(stamped: PageHash | None) -> Any:
        return lambda digest: {PHOTO: stamped, OTHER_PHOTO: page}.get(digest)

    assert differing_pages(STATION, records, documents, hashes(same), set()) == ([], True)
    # the stamp's photo not here yet: nothing, and to be looked at again
    assert differing_pages(STATION, records, documents, hashes(None), set()) == ([], False)
    [alert], _ = differing_pages(STATION, records, documents, hashes(other), set())
    assert alert.key == f"doc_differs:{STATION}:3"
    assert alert.detail["photos"] == [OTHER_PHOTO, PHOTO]
    assert differing_pages(STATION, records, documents, hashes(other), {alert.key})[0] == []
    assert differing_pages(STATION, records, {}, hashes(other), set())[0] == []  # no approval


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["A-1", "A-2", "A-3"]), st.booleans()),
                max_size=30),
       st.dictionaries(st.sampled_from(["A-1", "A-2"]), st.integers(0, 5)))
def test_every_stamp_past_its_approval_is_one_alert(stamps: list[tuple[str, bool]],
                                                    approved: dict[str, int]) -> None:
    records = chained(*[("stamp", {"aid": aid, "slot": "party",
                                   **({"photo": PHOTO} if photo else {})})
                        for aid, photo in stamps])
    alerts = from_ledger(STATION, records, [], approved, T0)
    counts = Counter(aid for aid, _ in stamps)
    expected = sum(max(0, n - approved[aid]) if aid in approved else n
                   for aid, n in counts.items())
    assert len(alerts) == expected == len({a.key for a in alerts})
    assert all(a.kind == "over_stamps" for a in alerts)


FACTS = st.builds(Fact, st.sampled_from(["330226100201", "330226100202", "330226100203"]),
                  st.floats(T0 - 400 * 86400, T0 + 400 * 86400), st.sampled_from(WHAT))


@settings(max_examples=200, deadline=None)
@given(st.lists(FACTS, max_size=80))
def test_the_figures_add_up(facts: list[Fact]) -> None:
    villages, everything = tally(facts)
    for figures in villages:
        mine = [f for f in facts if f.village == figures.village]
        for what in WHAT:
            assert figures.total.counts[what] == sum(r.counts[what] for r in figures.months) \
                == sum(1 for f in mine if f.what == what)
        for row in figures.months:
            assert all(row.counts[w] == sum(1 for f in mine if f.what == w
                                            and month_of(f.at) == row.month) for w in WHAT)
        assert [r.month for r in figures.months] == sorted(
            {month_of(f.at) for f in mine}, reverse=True)
    assert sorted(v.village for v in villages) == sorted({f.village for f in facts})
    assert everything.counts == {w: sum(1 for f in facts if f.what == w) for w in WHAT}


MAX_WIRE = 2**53 - 1  # the largest number a device's JSON may carry (protocol.wire_json)
wire_values = st.recursive(
    st.none() | st.booleans() | st.integers(-MAX_WIRE, MAX_WIRE)
    | st.floats(-MAX_WIRE, MAX_WIRE, allow_nan=False) | st.text(max_size=8)
    | st.sampled_from(["stamp", "approved", "alarm_not_returned", "alarm_press_over", PHOTO]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner,
                                                                max_size=3),
    max_leaves=6)
FIELDS = ("seq", "kind", "at", "aid", "photo", "slot", "n", "remaining", "reason", "uses",
          "req", "prev", "hash")
wire_records = st.lists(
    st.builds(lambda seq, fields: {"seq": seq, **fields}, st.integers(1, 6),
              st.dictionaries(st.sampled_from(FIELDS), wire_values, max_size=8))
    | wire_values, max_size=6)


@settings(max_examples=300, deadline=None)
@given(records=wire_records, alarm_payload=st.dictionaries(
    st.sampled_from(("code", "raised_at", "blobs", "text", "slot", "counts")), wire_values))
def test_no_record_or_alarm_a_station_may_send_breaks_the_alerts(
        records: list[Any], alarm_payload: dict[str, Any]) -> None:
    # any value the wire lets through, in any field: an alert or none, never an error
    alarms = [AlarmEvent(STATION, "e1", T0, alarm_payload)]
    from_alarms(alarms, {})
    from_ledger(STATION, records, alarms, {"x": 1}, T0)
    station_timeline(STATION, records)
    differing_pages(STATION, [r for r in records if isinstance(r, dict) and "seq" in r],
                    {"x": ("R1", PHOTO)}, lambda digest: PageHash(1, 1), set())
