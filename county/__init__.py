"""The reference county server: the executable form of the device <-> county
contract (``county/openapi.yaml``), the peer of the sync tests and the demo's
county.

- :mod:`county.server` -- ``CountyServer``: HTTP on the standard library
- :mod:`county.app` -- the answers, independent of HTTP
- :mod:`county.auth` -- signed requests: forged, stale, replayed
- :mod:`county.enrollment` -- one-time enrollment codes
- :mod:`county.batches` -- event batches: gzip, limits, validation
- :mod:`county.blobs` -- resumable uploads checked by sha256
- :mod:`county.feed` -- signed documents and the signed clock
- ledger chains are checked with :mod:`protocol.ledger_chain`, the station's own rule
- :mod:`county.operator` -- the operator's functions (codes, publish, stats, key)
- :mod:`county.seal_requests` -- the seal requests stations filed, per station
- :mod:`county.request_states` -- where each request stands (open, approved, used, ...)
- :mod:`county.approvals` -- approving or refusing a request, once
- :mod:`county.stamps` -- every stamp a station recorded, with its photo
- :mod:`county.store`, :mod:`county.datadir`, :mod:`county.keyfile` -- state on disk
"""
