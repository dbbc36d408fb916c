"""Test fixture: the receipt printer's side of the USB printer gadget. What
the guest's USB host sends the printer (ESC/POS) is passed on, byte for
byte, to the emulator's virtio port "boot-test.printer", a file the test
reads on the machine running the emulator. Like an ESC/POS printer's
firmware, it answers each real-time status request (DLE EOT n) with one
status byte: 0x12, online and paper present."""

import os
import time

GADGET = "/dev/g_printer0"
PAPER = "/dev/virtio-ports/boot-test.printer"
STATUS_REQUEST = b"\x10\x04"
ONLINE_WITH_PAPER = b"\x12"


def main() -> None:
    printer = os.open(GADGET, os.O_RDWR)
    with open(PAPER, "wb", buffering=0) as paper:
        tail = b""
        while True:
            data = os.read(printer, 4096)
            if not data:
                time.sleep(0.1)
                continue
            paper.write(data)
            seen = tail + data
            at = seen.find(STATUS_REQUEST)
            while at != -1 and at + 2 < len(seen):
                if at + 2 >= len(tail):  # not answered with the previous chunk
                    os.write(printer, ONLINE_WITH_PAPER)
                at = seen.find(STATUS_REQUEST, at + 1)
            tail = seen[-2:]


main()
