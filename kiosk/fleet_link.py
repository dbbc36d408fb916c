"""The kiosk's side of the county technicians' pages:

- **screenshots on demand**: the county publishes a signed command
  ``screenshot.<this kiosk>`` in the feed (:mod:`protocol.screenshot_command`);
  the feed store has already refused one signed by another key, addressed
  to another device, expired, or not newer than the one held (a replay).
  :class:`ScreenshotOrders` also refuses a body naming another device or a
  command past its expiry, and acts on each version once: it records the
  version before taking the picture, so a power cut costs a picture rather
  than sending two. The picture (a PNG of the kiosk's own window) goes in
  the outbox as a blob, with an event naming the command and its version;
  the sync agent delivers both.
- **the printer's paper**, noted now and then (:func:`sync.device_health.note_paper`)
  for the health report the sync agent sends.

:func:`attach` hooks both onto a running :class:`kiosk.app.KioskApp`: they
start with the app (never before its first frame) and look at the feed
every :data:`POLL_SECONDS` (one small file read while nothing changed).
"""

from __future__ import annotations

import io
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from durable.atomic import atomic_write
from protocol.commands import COMMAND_KIND, CommandRejected
from protocol.screenshot_command import (
    SCREENSHOT_STREAM,
    ScreenshotCommand,
    ScreenshotTaken,
    read_screenshot_command,
    screenshot_command_name,
)
from sync.device_health import note_paper

if TYPE_CHECKING:  # their modules (cryptography with them) load after the first frame
    from sync.feed_store import FeedStore
    from sync.outbox import Outbox

log = logging.getLogger(__name__)

POLL_SECONDS = 10.0
PAPER_SECONDS = 600.0
FIRST_FRAMES = 3  # frames shown before the first look at the feed

#: A picture of the screen: PNG bytes, width, height.
Picture = tuple[bytes, int, int]


@dataclass(frozen=True)
class Order:
    version: int
    command: ScreenshotCommand


class ScreenshotOrders:
    """The county's screenshot commands for *device_id*, each acted on once
    (*acted*: the file recording the last version acted on)."""

    def __init__(self, feed: FeedStore, outbox: Outbox, device_id: str, acted: Path, *,
                 clock: Callable[[], float] = time.time) -> None:
        self.feed = feed
        self.outbox = outbox
        self.device_id = device_id
        self.acted = acted
        self.clock = clock
        self.name = screenshot_command_name(device_id)

    def acted_version(self) -> int:
        try:
            return int(self.acted.read_text())
        except (FileNotFoundError, ValueError):
            return 0

    def _mark(self, version: int) -> None:
        atomic_write(self.acted, f"{version}\n".encode())

    def next_order(self) -> Order | None:
        """The command held in the feed not yet acted on, if it is one to act on."""
        signed = self.feed.get(COMMAND_KIND, self.name)  # verified again: signature, audience
        if signed is None:
            return None
        document = signed.document
        if document.version <= self.acted_version():
            return None
        try:
            if document.audience != self.device_id:
                raise CommandRejected("audience", f"addressed to {document.audience!r}")
            command = read_screenshot_command(document.body)
            if command.device != self.device_id:
                raise CommandRejected("device", f"for device {command.device}")
            if document.expires < self.clock():
                raise CommandRejected("expired", "asked too long ago")
        except CommandRejected as rejection:
            log.warning("screenshot command %s v%d refused: %s", self.name, document.version,
                        rejection)
            self._mark(document.version)
            return None
        return Order(document.version, command)

    def answer(self, order: Order, picture: Picture) -> ScreenshotTaken:
        """Send *picture* as the answer to *order* (once)."""
        png, width, height = picture
        self._mark(order.version)
        digest = self.outbox.put_blob(png)
        taken = ScreenshotTaken(self.name, order.version, self.clock(), width, height, digest)
        self.outbox.append(SCREENSHOT_STREAM, taken.payload())
        log.info("screenshot for %s v%d (asked by %s) is in the outbox", self.name,
                 order.version, order.command.operator)
        return taken


def window_picture() -> Picture:
    """A PNG of the kiosk's window as last drawn (on the UI thread)."""
    from kiosk.script_runner import frame_image

    image = frame_image()
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue(), image.width, image.height


class FleetLink:
    """Screenshot orders and the paper's note, on a running kiosk app."""

    def __init__(self, orders: ScreenshotOrders | None, *, paper: Callable[[], str] | None = None,
                 paper_note: Path | None = None, clock: Callable[[], float] = time.time,
                 capture: Callable[[], Picture] = window_picture) -> None:
        self.orders = orders
        self.paper = paper
        self.paper_note = paper_note
        self.clock = clock
        self.capture = capture
        self._generation = -1
        self._paper_at = float("-inf")

    def poll(self) -> ScreenshotTaken | None:
        """On the UI thread: act on a new order (the picture is taken here)."""
        if self.orders is not None:
            generation = self.orders.feed.generation()
            if generation != self._generation:
                self._generation = generation
                order = self.orders.next_order()
                if order is not None:
                    return self.orders.answer(order, self.capture())
        self._note_paper()
        return None

    def _note_paper(self) -> None:
        if self.paper is None or self.paper_note is None:
            return
        now = self.clock()
        if now - self._paper_at < PAPER_SECONDS:
            return
        self._paper_at = now
        paper, note = self.paper, self.paper_note

        def ask() -> None:  # the printer may be slow to answer: not on the UI thread
            try:
                note_paper(note, paper(), self.clock())
            except Exception as error:  # a printer that fails to answer: "unknown" next time
                log.warning("the printer's paper could not be noted: %s", error)

        threading.Thread(target=ask, daemon=True, name="kiosk-paper").start()


def attach(app: Any, link: FleetLink, every: float = POLL_SECONDS) -> None:
    """Poll *link* every *every* seconds once *app* has shown its first
    frame (a picture taken before would be black)."""

    flips: list[None] = []

    def first_frame(window: Any) -> None:
        from kivy.clock import Clock

        flips.append(None)
        if len(flips) == FIRST_FRAMES:  # a few: the first can be drawn before the screen is
            window.unbind(on_flip=first_frame)
            Clock.schedule_interval(lambda dt: _poll(link), every)

    def start(*_: Any) -> None:
        from kivy.base import EventLoop

        EventLoop.window.bind(on_flip=first_frame)

    app.bind(on_start=start)


def _poll(link: FleetLink) -> None:
    try:
        link.poll()
    except OSError as error:  # a full or failing disk: the next poll tries again
        log.error("screenshot order not answered: %s", error)
