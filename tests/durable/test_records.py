"""The record framing: whatever single damage a file takes (a flipped bit, a
write torn at any byte, garbage written into it), scanning it gives back
every undamaged record exactly once and in order, and reports the damaged
bytes where they are."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from durable.errors import RecordTooLarge
from durable.records import HEADER_SIZE, MAGIC, MAX_BODY, BadBytes, Record, frame, scan

# Bodies never hold the magic themselves: a body that carried a whole framed
# record inside it would rightly be found again once its own header is damaged.
bodies = st.lists(st.binary(max_size=80).filter(lambda body: MAGIC not in body),
                  min_size=1, max_size=8)
# Garbage without a "V" cannot start a magic of its own.
garbage = st.binary(min_size=1, max_size=40).map(lambda data: data.replace(b"V", b"v"))
bases = st.integers(min_value=0, max_value=2**40)


@dataclass(frozen=True)
class Layout:
    """Where each record of a freshly written file starts and ends."""

    data: bytes
    spans: list[tuple[int, int]]

    @classmethod
    def of(cls, records: list[bytes]) -> Layout:
        spans, data = [], b""
        for body in records:
            framed = frame(body)
            spans.append((len(data), len(data) + len(framed)))
            data += framed
        assume(data.count(MAGIC) == len(records))  # no magic by chance in a header
        return cls(data, spans)

    def records(self, bodies: list[bytes], indices: range | list[int], base: int,
                shift: int = 0) -> list[Record | BadBytes]:
        return [Record(base + self.spans[i][0] + shift, self.spans[i][1] - self.spans[i][0],
                       bodies[i]) for i in indices]

    def holding(self, position: int) -> int:
        """The index of the record that byte *position* belongs to."""
        return next(i for i, (start, end) in enumerate(self.spans) if start <= position < end)


def assert_tiles(items: list[Record | BadBytes], data: bytes, base: int) -> None:
    """Records and bad runs follow each other without gap or overlap over all
    of *data*, and a bad run is "at the end" exactly when no record follows it."""
    position = base
    for index, item in enumerate(items):
        assert item.offset == position
        position += item.size if isinstance(item, Record) else len(item.data)
        if isinstance(item, BadBytes):
            assert item.data
            assert item.at_end == (not any(isinstance(i, Record) for i in items[index + 1:]))
    assert position == base + len(data)


@given(bodies, bases)
def test_an_undamaged_file_gives_back_every_record(records: list[bytes], base: int) -> None:
    layout = Layout.of(records)
    found = list(scan(layout.data, base))
    assert found == layout.records(records, range(len(records)), base)
    assert_tiles(found, layout.data, base)


@given(bodies, bases, st.data())
def test_a_flipped_bit_costs_only_the_record_it_hit(records: list[bytes], base: int,
                                                     data: st.DataObject) -> None:
    layout = Layout.of(records)
    position = data.draw(st.integers(0, len(layout.data) - 1), label="byte")
    bit = data.draw(st.integers(0, 7), label="bit")
    damaged = bytearray(layout.data)
    damaged[position] ^= 1 << bit
    hit = layout.holding(position)
    start, end = layout.spans[hit]
    n = len(records)
    assert_tiles(list(scan(bytes(damaged), base)), bytes(damaged), base)
    assert list(scan(bytes(damaged), base)) == [
        *layout.records(records, range(hit), base),
        BadBytes(base + start, bytes(damaged[start:end]), at_end=hit == n - 1),
        *layout.records(records, range(hit + 1, n), base),
    ]


@given(bodies, bases, st.data())
def test_a_write_torn_anywhere_keeps_every_whole_record(records: list[bytes], base: int,
                                                        data: st.DataObject) -> None:
    layout = Layout.of(records)
    cut = data.draw(st.integers(0, len(layout.data)), label="cut")
    torn = layout.data[:cut]
    whole = [i for i, (_, end) in enumerate(layout.spans) if end <= cut]
    expected = layout.records(records, whole, base)
    if cut < len(layout.data) and cut not in [start for start, _ in layout.spans]:
        start = layout.spans[layout.holding(cut)][0]
        expected.append(BadBytes(base + start, torn[start:], at_end=True))
    assert list(scan(torn, base)) == expected
    assert_tiles(expected, torn, base)


@given(bodies, bases, garbage, st.data())
def test_garbage_written_into_a_file_costs_at_most_the_record_it_landed_in(
    records: list[bytes], base: int, junk: bytes, data: st.DataObject
) -> None:
    layout = Layout.of(records)
    position = data.draw(st.integers(0, len(layout.data)), label="where")
    spoilt = layout.data[:position] + junk + layout.data[position:]
    n = len(records)
    starts = [start for start, _ in layout.spans]
    found = list(scan(spoilt, base))
    assert_tiles(found, spoilt, base)
    if position in starts or position == len(layout.data):  # between two records
        after = starts.index(position) if position in starts else n
        assert found == [
            *layout.records(records, range(after), base),
            BadBytes(base + position, junk, at_end=after == n),
            *layout.records(records, range(after, n), base, shift=len(junk)),
        ]
        return
    # Inside a record: every other record comes back where it now is, and the
    # bad bytes all lie in the spoilt record's bytes. (That record itself may
    # still read whole if the garbage repeated bytes of its own header, as a
    # zero inserted among zeros does; then it is its true body, in its place.)
    hit = layout.holding(position)
    start, end = layout.spans[hit]
    before = layout.records(records, range(hit), base)
    after_hit = layout.records(records, range(hit + 1, n), base, shift=len(junk))
    recovered = [item for item in found if isinstance(item, Record)]
    survivor = recovered[len(before):len(recovered) - len(after_hit)]
    assert recovered[:len(before)] == before
    assert recovered[len(recovered) - len(after_hit):] == after_hit
    assert [record.body for record in survivor] in ([], [records[hit]])
    bad = [item for item in found if isinstance(item, BadBytes)]
    assert bad
    for run in bad:
        assert base + start <= run.offset
        assert run.offset + len(run.data) <= base + end + len(junk)


def test_an_empty_file_holds_nothing() -> None:
    assert list(scan(b"")) == []


def test_a_record_is_its_header_and_body() -> None:
    assert frame(b"")[:4] == MAGIC and len(frame(b"")) == HEADER_SIZE
    assert list(scan(frame("村务公开".encode()))) == [
        Record(0, HEADER_SIZE + 12, "村务公开".encode())
    ]


def test_a_body_too_large_is_refused_before_anything_is_written() -> None:
    with pytest.raises(RecordTooLarge, match=f"at most {MAX_BODY} bytes"):
        frame(b"\0" * (MAX_BODY + 1))
