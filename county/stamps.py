"""Every stamp a station recorded, with its photo: what a supervisor looks at
to see each stamped page.

A stamp is a ``stamp`` record of the station's ledger (``seq``, ``at``,
``slot``, ``aid``, ``n`` of ``n + remaining`` uses, ``photo``). The photo
travels as a blob before the record (:mod:`protocol.event_blobs`); the
county holds it once the blob arrived whole with the sha256 it is named by
(:mod:`county.blobs`). A record is *verified* when the station's chain
(:mod:`protocol.ledger_chain`) holds up to and including it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from county.datadir import CountyDir, existing_county
from county.errors import CountyError
from county.objects import ObjectDamaged
from county.request_states import STAMP
from county.store import Store
from durable.atomic import atomic_write
from protocol.api import LEDGER_STREAM, SHA256_HEX
from protocol.ledger_chain import ChainReport, check_chain


@dataclass(frozen=True)
class Stamp:
    device_id: str
    seq: int
    at: float | None
    slot: str
    aid: str | None
    n: int | None
    uses: int | None  # n + remaining: the stamps the approval allowed
    req: str | None  # the request the approval answered, if this county issued it
    photo: str | None  # sha256 of the photo the record names
    photo_held: bool  # the county holds that photo, its sha256 checked
    verified: bool  # the station's chain holds up to this record

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class StationStamps:
    device_id: str
    chain: ChainReport
    stamps: list[Stamp]

    @property
    def photos_held(self) -> int:
        return sum(1 for stamp in self.stamps if stamp.photo_held)

    def to_dict(self) -> dict[str, Any]:
        return {"device_id": self.device_id, "chain": self.chain.to_dict(),
                "photos_held": self.photos_held,
                "stamps": [stamp.to_dict() for stamp in self.stamps]}


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _whole(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _holds(county: CountyDir, store: Store, digest: str | None) -> bool:
    if digest is None:
        return False
    progress = store.blob(digest)
    return progress is not None and progress.complete and county.objects.has(digest)


def _station(county: CountyDir, store: Store, device_id: str,
             requests: dict[str, str]) -> StationStamps:
    records = store.payloads(device_id, LEDGER_STREAM)
    chain = check_chain(records)
    first_bad = None if chain.ok else (chain.first_bad_seq or 0)
    stamps: dict[int, Stamp] = {}
    for record in records:
        if not isinstance(record, dict) or record.get("kind") != STAMP:
            continue
        seq = _whole(record.get("seq"))
        if seq is None or seq in stamps:
            continue
        photo = record.get("photo")
        digest = photo if isinstance(photo, str) and SHA256_HEX.fullmatch(photo) else None
        n, remaining = _whole(record.get("n")), _whole(record.get("remaining"))
        aid = record.get("aid") if isinstance(record.get("aid"), str) else None
        stamps[seq] = Stamp(
            device_id=device_id, seq=seq, at=_number(record.get("at")),
            slot=str(record.get("slot", "")), aid=aid, n=n,
            uses=n + remaining if n is not None and remaining is not None else None,
            req=requests.get(aid) if aid else None, photo=digest,
            photo_held=_holds(county, store, digest),
            verified=first_bad is None or seq < first_bad,
        )
    return StationStamps(device_id, chain, [stamps[seq] for seq in sorted(stamps)])


def station_stamps(data_dir: Path | str, device_id: str | None = None) -> list[StationStamps]:
    """The stamps of every station that sent a ledger (or of *device_id*)."""
    county = existing_county(data_dir)
    with Store.open(county.database) as store:
        devices = [d.device_id for d in store.devices()
                   if LEDGER_STREAM in store.events_by_stream(d.device_id)]
        if device_id is not None:
            if store.device(device_id) is None:
                raise CountyError(f"no device {device_id!r} is enrolled with this county: see "
                                  "'village-edge county stats'")
            devices = [device_id]
        requests = {a.answer_id: a.req for a in store.seal_answers().values()}
        return [_station(county, store, device, requests) for device in devices]


def save_stamp_photo(data_dir: Path | str, device_id: str, seq: int, target: Path) -> Stamp:
    """Copy the photo of stamp *seq* of *device_id* to *target*, after
    checking its sha256 once more."""
    county = existing_county(data_dir)
    [station] = station_stamps(data_dir, device_id)
    stamp = next((s for s in station.stamps if s.seq == seq), None)
    if stamp is None:
        seqs = ", ".join(str(s.seq) for s in station.stamps) or "none yet"
        raise CountyError(f"{device_id} has no stamp record with seq {seq} at the county "
                          f"(its stamps: {seqs}); see 'village-edge county stamps'")
    if stamp.photo is None:
        raise CountyError(f"stamp {seq} of {device_id} names no photo (the camera failed; "
                          "the station raised its alarm then)")
    if not stamp.photo_held:
        raise CountyError(f"the photo of stamp {seq} of {device_id} ({stamp.photo[:12]}) has "
                          "not reached the county yet: it comes with the station's next sync")
    try:
        data = county.objects.read(stamp.photo)
    except ObjectDamaged:
        raise CountyError(f"the county's copy of {stamp.photo} is damaged (its sha256 no "
                          "longer matches): restore blobs/ from the backup") from None
    atomic_write(target, data)
    return stamp
