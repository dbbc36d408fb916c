"""Locking the kiosk's console, run by village-edge-kiosk.service as root
before the kiosk starts (``ExecStartPre=+``)::

    python -m provision.console --tty /dev/tty1

It forbids switching virtual terminals (Ctrl+Alt+F1..F12, Alt+arrows) until
the next boot, so a plugged-in keyboard cannot leave the kiosk's screen, and
turns the kernel console's own blanking and cursor off (the kiosk decides
when the screen blanks: a touch is not console input).
"""

from __future__ import annotations

import argparse
import fcntl
import os
import sys

VT_LOCKSWITCH = 0x560B  # linux/vt.h
VT_UNLOCKSWITCH = 0x560C
NO_BLANKING = "\033[9;0]\033[14;0]"  # blank after 0 min (never); VESA powerdown never
HIDE_CURSOR = "\033[?25l"
CLEAR = "\033[H\033[2J"


def lock_console(tty: str, *, lock: bool = True) -> None:
    """Set up *tty* for the kiosk; OSError if it cannot be opened or locked."""
    fd = os.open(tty, os.O_RDWR | os.O_NOCTTY | os.O_CLOEXEC)
    try:
        os.write(fd, (NO_BLANKING + HIDE_CURSOR + CLEAR).encode())
        fcntl.ioctl(fd, VT_LOCKSWITCH if lock else VT_UNLOCKSWITCH)
    finally:
        os.close(fd)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m provision.console", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tty", default="/dev/tty1", help="the kiosk's terminal")
    parser.add_argument("--unlock", action="store_true",
                        help="allow switching terminals again (service work)")
    args = parser.parse_args(argv)
    try:
        lock_console(args.tty, lock=not args.unlock)
    except OSError as error:
        # The kiosk still starts: a console that is not locked is worse than
        # none, but a kiosk that does not start is worse still.
        print(f"cannot set up {args.tty} for the kiosk: {error}; terminal switching is "
              "not locked (is this a Raspberry Pi console, and run as root?)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
