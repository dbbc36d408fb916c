"""Reading text aloud in Mandarin, for villagers who see or read poorly.

espeak-ng (``espeak-ng -v cmn``, the Debian package ``espeak-ng``) speaks
where it is installed; where it is not, :meth:`Speaker.speak` returns
:data:`ABSENT_MESSAGE` for the screen to show, and the read-aloud button can
be greyed out with :meth:`Speaker.available`. Speaking runs in a separate
process and returns at once; only one utterance plays at a time, and a new
one stops the one playing (the villager tapped something else).
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import subprocess
import threading
from pathlib import Path

log = logging.getLogger(__name__)

PROGRAM = "espeak-ng"
VOICE = "cmn"  # Mandarin
WORDS_PER_MINUTE = 160  # a little slower than espeak-ng's 175, for elderly listeners
ABSENT_MESSAGE = "本机没有安装朗读功能"
STOP_WAIT_SECONDS = 2.0


def available(program: str = PROGRAM) -> bool:
    """True if *program* is on the PATH (looked up on every call: it may be installed later)."""
    return shutil.which(program) is not None


class Speaker:
    """One voice for the kiosk: at most one utterance at a time."""

    def __init__(
        self,
        *,
        program: str = PROGRAM,
        voice: str = VOICE,
        words_per_minute: int = WORDS_PER_MINUTE,
    ) -> None:
        self.program = program
        self.voice = voice
        self.words_per_minute = words_per_minute
        self._process: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()

    def available(self) -> bool:
        return available(self.program)

    def speak(self, text: str, *, to_file: Path | None = None) -> str | None:
        """Start reading *text* aloud (or into the WAV file *to_file*), stopping
        what is being read. None once started; :data:`ABSENT_MESSAGE` where
        espeak-ng is not installed or cannot be started."""
        executable = shutil.which(self.program)
        with self._lock:
            self._stop()
            if executable is None:
                return ABSENT_MESSAGE
            command = [executable, "-v", self.voice, "-s", str(self.words_per_minute)]
            if to_file is not None:
                command += ["-w", str(to_file)]
            try:
                self._process = subprocess.Popen(
                    [*command, "--", text], stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                )
            except OSError as error:
                log.error("cannot start %s: %s", executable, error)
                return ABSENT_MESSAGE
        return None

    def speaking(self) -> bool:
        with self._lock:
            return self._process is not None and self._process.poll() is None

    def wait(self, timeout: float | None = None) -> int | None:
        """Wait for the current utterance to end; its exit status, None if there is none.
        Raises :class:`subprocess.TimeoutExpired` after *timeout* seconds."""
        with self._lock:
            process = self._process
        if process is None:
            return None
        status = process.wait(timeout)
        if status and process.stderr is not None:
            log.warning("%s failed (%d): %s", self.program, status,
                        process.stderr.read().decode(errors="replace").strip())
        return status

    def stop(self) -> None:
        """Stop reading now; nothing happens if nothing is being read."""
        with self._lock:
            self._stop()

    def _stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(STOP_WAIT_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process.stderr is not None:
            with contextlib.suppress(OSError):
                process.stderr.close()
