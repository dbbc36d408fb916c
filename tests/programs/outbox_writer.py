"""A real process using the outbox, for the crash tests.

usage: outbox_writer.py DIR append STREAM COUNT   append, printing each id once stored
       outbox_writer.py DIR ack                   ack pending events in small batches,
                                                  printing each acked id once ack returned
"""

from __future__ import annotations

import sys
from pathlib import Path

from sync.outbox import Outbox


def main() -> None:
    directory, action = Path(sys.argv[1]), sys.argv[2]
    outbox = Outbox(directory, segment_bytes=16 * 1024)
    if action == "append":
        stream, count = sys.argv[3], int(sys.argv[4])
        for n in range(count):
            event_id = outbox.append(stream, {"n": n, "text": "村务公开" * 8})
            print(event_id, flush=True)
    elif action == "ack":
        while True:
            events = outbox.pending(7)
            if not events:
                break
            ids = [e.id for e in events]
            outbox.ack(ids)
            print(" ".join(ids), flush=True)
    outbox.close()


if __name__ == "__main__":
    main()
