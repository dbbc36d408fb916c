"""Test fixture: the receipt printer's side of the USB printer gadget. What
the guest's USB host sends the printer (ESC/POS) is passed on, byte for
byte, to the emulator's virtio port "boot-test.printer", a file the test
reads on the machine running the emulator. Like an ESC/POS printer's
firmware, it answers each real-time status request (DLE EOT n) with one
status byte: 0x12, online and paper present.

The gadget's driver (f_printer) queues its OUT transfers only when its file
is read or polled. A USB reset (python-escpos resets the printer after
setting its configuration) takes the queued transfers back, and a reader
blocked in read() then sleeps with none queued: the host's writes time out
(Errno 110) although the printer "is there". A real printer's firmware
keeps receiving after a reset; so does this one, by polling the file a few
times a second (each poll queues the transfers again) and reading it
without blocking."""

import errno
import os
import select
import time

GADGET = "/dev/g_printer0"
PAPER = "/dev/virtio-ports/boot-test.printer"
STATUS_REQUEST = b"\x10\x04"
ONLINE_WITH_PAPER = b"\x12"
POLL_MS = 100
# The interface is being reset or is not configured yet: wait, then go on.
AWAY = {errno.EAGAIN, errno.ENODEV, errno.ESHUTDOWN, errno.ECONNRESET, errno.EIO}


def main() -> None:
    printer = os.open(GADGET, os.O_RDWR | os.O_NONBLOCK)
    poller = select.poll()
    poller.register(printer, select.POLLIN)
    with open(PAPER, "wb", buffering=0) as paper:
        tail = b""
        while True:
            poller.poll(POLL_MS)
            try:
                data = os.read(printer, 4096)
            except OSError as error:
                if error.errno not in AWAY:
                    raise
                if error.errno != errno.EAGAIN:
                    time.sleep(POLL_MS / 1000)
                continue
            if not data:
                time.sleep(POLL_MS / 1000)
                continue
            paper.write(data)
            seen = tail + data
            at = seen.find(STATUS_REQUEST)
            while at != -1 and at + 2 < len(seen):
                if at + 2 >= len(tail):  # not answered with the previous chunk
                    answer(printer)
                at = seen.find(STATUS_REQUEST, at + 1)
            tail = seen[-2:]


def answer(printer: int) -> None:
    """The status byte, written even while the host is slow to read it."""
    for _ in range(50):
        try:
            os.write(printer, ONLINE_WITH_PAPER)
            return
        except OSError as error:
            if error.errno not in AWAY:
                raise
            time.sleep(POLL_MS / 1000)


main()
