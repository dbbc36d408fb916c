"""The kiosk's camera, read for QR codes on a thread of its own.

A few frames a second are enough for a slip held up to the camera, and
leave the Pi's cores to the screen. A code is handed on once each time it
comes into view: held there, it is not handed on again (the villager who
went back to the home screen is not pulled back to it), and shown again
after :data:`GONE_SECONDS` out of view, it is. A camera that fails is
closed, reported once in the log, and tried again a while later: the kiosk
goes on without scanning meanwhile.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable

from camera.base import Camera
from camera.errors import CameraError
from camera.qr import MAX_QR_CHARS, scan_qr

log = logging.getLogger(__name__)

#: Frames read per second.
FRAMES_PER_SECOND = 3.0
#: A code out of view this long counts as shown again when it comes back.
GONE_SECONDS = 3.0
#: After a camera failure, the camera is opened again this much later.
RETRY_SECONDS = 30.0
#: Codes waiting to be taken, newest kept.
WAITING = 4


class CodeScanner:
    """Reads *camera* for QR codes; :meth:`take` gives each new one."""

    def __init__(
        self,
        camera: Camera,
        *,
        frames_per_second: float = FRAMES_PER_SECOND,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.camera = camera
        self.interval = 1.0 / frames_per_second
        self.clock = clock
        self._last_seen: dict[str, float] = {}
        self._waiting: deque[str] = deque(maxlen=WAITING)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._failure: str | None = None

    def take(self) -> str | None:
        """The oldest code not yet taken, or None."""
        with self._lock:
            return self._waiting.popleft() if self._waiting else None

    def scan_once(self) -> None:
        """Read one frame; raises :class:`CameraError` when the camera fails."""
        if not self.camera.running:
            self.camera.start()
        texts = [text for text in scan_qr(self.camera.scan_frame()) if len(text) <= MAX_QR_CHARS]
        now = self.clock()
        with self._lock:
            for text in texts:
                if now - self._last_seen.get(text, -GONE_SECONDS) >= GONE_SECONDS:
                    self._waiting.append(text)
                self._last_seen[text] = now
            for text in [t for t, seen in self._last_seen.items() if now - seen >= GONE_SECONDS]:
                del self._last_seen[text]

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.scan_once()
            except CameraError as error:
                if str(error) != self._failure:
                    self._failure = str(error)
                    log.error("QR scanning paused for %.0f s: %s", RETRY_SECONDS, error)
                self._close()
                self._stop.wait(RETRY_SECONDS)
                continue
            self._failure = None
            self._stop.wait(self.interval)

    def _close(self) -> None:
        try:
            self.camera.stop()
        except CameraError as error:
            log.warning("the camera did not close cleanly: %s", error)

    def start(self) -> None:
        """Start reading on a daemon thread (the camera is opened there)."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, daemon=True, name="kiosk-qr")
        self._thread.start()

    def stop(self) -> None:
        """Stop reading and close the camera."""
        thread, self._thread = self._thread, None
        self._stop.set()
        if thread is not None:
            thread.join(timeout=5)
        self._close()
