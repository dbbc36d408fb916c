"""A tiny sd_notify client: tell systemd that a daemon is ready, alive or
stopping, over the datagram socket named by ``$NOTIFY_SOCKET``.

Outside systemd (no ``$NOTIFY_SOCKET``) every call does nothing, so the
daemons call it unconditionally::

    notify = Notifier.from_environment()
    notify.ready("seal station idle")
    while running:
        ...
        notify.watchdog()          # at least every watchdog_seconds() / 2
    notify.stopping()

A failure to send is logged and otherwise ignored: a daemon never dies
because systemd's socket was gone.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Mapping

log = logging.getLogger(__name__)


class Notifier:
    """Sends state changes to the socket at *address* (None: does nothing)."""

    def __init__(self, address: str | None) -> None:
        self.address = address or None

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Notifier:
        environ = os.environ if environ is None else environ
        return cls(environ.get("NOTIFY_SOCKET"))

    @property
    def enabled(self) -> bool:
        return self.address is not None

    def send(self, *assignments: str) -> bool:
        """Send ``KEY=VALUE`` lines; True when systemd got them."""
        if self.address is None:
            return False
        target = self.address
        if target.startswith("@"):  # an abstract socket
            target = "\0" + target[1:]
        message = "\n".join(assignments).encode("utf-8")
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
                sock.connect(target)
                sock.sendall(message)
        except OSError as error:
            log.warning("cannot notify systemd at %s: %s", self.address, error)
            return False
        return True

    def ready(self, status: str | None = None) -> bool:
        """Startup finished (Type=notify units count as started now)."""
        return self.send("READY=1", *_status(status))

    def watchdog(self) -> bool:
        """Still alive: resets the WatchdogSec= timer."""
        return self.send("WATCHDOG=1")

    def stopping(self, status: str | None = None) -> bool:
        return self.send("STOPPING=1", *_status(status))

    def status(self, text: str) -> bool:
        """A one-line status shown by ``systemctl status``."""
        return self.send(*_status(text))


def _status(text: str | None) -> list[str]:
    if text is None:
        return []
    return ["STATUS=" + " ".join(text.split())]  # one line, whatever was passed


def watchdog_seconds(environ: Mapping[str, str] | None = None) -> float | None:
    """The service's WatchdogSec= in seconds, when systemd expects pings from
    this process; None otherwise. Ping at least twice per period."""
    environ = os.environ if environ is None else environ
    usec = environ.get("WATCHDOG_USEC", "")
    pid = environ.get("WATCHDOG_PID", "")
    if not (usec.isascii() and usec.isdigit()) or int(usec) == 0:
        return None
    if pid and pid != str(os.getpid()):
        return None
    return int(usec) / 1_000_000
