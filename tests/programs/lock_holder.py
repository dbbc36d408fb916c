"""A real process holding an unlocked SealLock on mock pins, for the tests of
what happens when it is ended. Every level its lock pin takes is appended to
the file named on the command line, so the parent can read what the pin did.

usage: lock_holder.py LEVELS_FILE {sleep|exit}
"""

from __future__ import annotations

import os
import signal
import sys
import time

from gpiozero.pins.mock import MockFactory, MockPWMPin

from hardware.lock import LockState, LockTiming, SealLock

LOCK_PIN = 17


def recording_pin_class(path: str) -> type[MockPWMPin]:
    log = open(path, "a", buffering=1)  # noqa: SIM115 - open for the process's life

    class RecordingPin(MockPWMPin):
        def _change_state(self, value):  # type: ignore[no-untyped-def]
            changed = super()._change_state(value)
            if changed and self.info.name == f"GPIO{LOCK_PIN}":
                log.write(f"{float(value)}\n")
                os.fsync(log.fileno())
            return changed

    return RecordingPin


def main() -> None:
    levels_file, ending = sys.argv[1], sys.argv[2]
    factory = MockFactory(pin_class=recording_pin_class(levels_file))
    lock = SealLock(
        LOCK_PIN,
        timing=LockTiming(pull_in_seconds=0.05, hold_duty=0.3, max_on_seconds=600),
        pin_factory=factory,
    )
    lock.unlock()
    deadline = time.monotonic() + 30
    while lock.state is not LockState.HOLDING and time.monotonic() < deadline:
        time.sleep(0.005)  # let it reach the hold duty, however busy the machine
    print("unlocked", flush=True)
    if ending == "exit":
        sys.exit(0)  # no close(): the exit hook must lock
    try:
        while True:
            signal.pause()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
