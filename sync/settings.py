"""How the sync agent paces itself: batch sizes, the interval between rounds
and the back-off after a failure. Importable without the agent and its HTTP
client (the configuration builds it)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SyncSettings:
    batch_events: int = 500
    batch_bytes: int = 512 * 1024
    blob_chunk_bytes: int = 256 * 1024
    interval_seconds: float = 30.0
    backoff_base_seconds: float = 2.0
    backoff_max_seconds: float = 300.0
    health_interval_seconds: float = 900.0  # how often the health report goes (and at start)
