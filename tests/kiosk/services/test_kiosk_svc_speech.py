"""Read aloud: Mandarin speech from espeak-ng where installed, a plain absence where not."""

from __future__ import annotations

import os
import shutil
import signal
import threading
import wave
from pathlib import Path

import pytest

from kiosk.services.speech import ABSENT_MESSAGE, Speaker, available
from tests.conftest import wait_until

STUCK = 30.0  # a bound for a stuck test, never an expected time

needs_espeak = pytest.mark.skipif(
    shutil.which("espeak-ng") is None,
    reason="espeak-ng is not installed (apt-get install espeak-ng; setup.sh dev installs it)",
)
SENTENCE = "您好，请保管好这张回执。答复期限是二零二四年六月二十八日。"


def seconds_of(path: Path) -> float:
    with wave.open(str(path)) as audio:
        assert audio.getnchannels() == 1 and audio.getsampwidth() == 2
        frames = audio.readframes(audio.getnframes())
        assert any(frames), "the file is silent"
        return audio.getnframes() / audio.getframerate()


@needs_espeak
def test_mandarin_is_spoken_into_a_wav_file_of_plausible_length(tmp_path: Path) -> None:
    speaker = Speaker()
    assert speaker.available()
    short, long = tmp_path / "short.wav", tmp_path / "long.wav"
    assert speaker.speak("您好", to_file=short) is None
    assert speaker.wait(10) == 0
    assert speaker.speak(SENTENCE, to_file=long) is None
    assert speaker.wait(10) == 0
    # 28 syllables and two pauses, at 1.5 to 6 syllables a second
    assert 28 / 6 < seconds_of(long) < 28 / 1.5
    assert seconds_of(short) < seconds_of(long) / 4


class FakeSpeaker:
    """A speaker program that logs its arguments and then "speaks" until the
    test opens its gate: while the gate is shut it cannot have finished."""

    def __init__(self, directory: Path) -> None:
        self.gate = directory / "gate"
        os.mkfifo(self.gate)
        self.log = directory / "spoken.log"
        self.program = directory / "fake-espeak-ng"
        self.program.write_text(
            f'#!/bin/sh\necho "$*" >> "{self.log}"\nexec cat "{self.gate}" > /dev/null\n',
            encoding="utf-8",
        )
        self.program.chmod(0o755)

    def started(self) -> list[str]:
        return self.log.read_text(encoding="utf-8").splitlines() if self.log.exists() else []

    def finish(self) -> None:
        """Let the utterance being spoken end (blocks until it is listening)."""
        with open(self.gate, "w"):
            pass


@pytest.fixture
def fake(tmp_path: Path) -> FakeSpeaker:
    return FakeSpeaker(tmp_path)


def test_speaking_returns_while_the_speaker_is_still_speaking(fake: FakeSpeaker) -> None:
    speaker = Speaker(program=str(fake.program), words_per_minute=80)
    answers: list[str | None] = []
    returned = threading.Event()

    def tap() -> None:  # the villager taps "read aloud" on the UI thread
        answers.append(speaker.speak(SENTENCE))
        returned.set()

    threading.Thread(target=tap, daemon=True).start()
    assert returned.wait(STUCK), "speak() waited for the utterance to end"
    assert answers == [None]
    assert speaker.speaking()  # it cannot have finished: its gate is still shut
    fake.finish()
    assert speaker.wait(STUCK) == 0
    assert not speaker.speaking()
    assert fake.started() == [f"-v cmn -s 80 -- {SENTENCE}"]


def test_a_new_utterance_stops_the_old(fake: FakeSpeaker, tmp_path: Path) -> None:
    speaker = Speaker(program=str(fake.program))
    first_file, second_file = tmp_path / "first.wav", tmp_path / "second.wav"
    assert speaker.speak(SENTENCE * 20, to_file=first_file) is None
    assert wait_until(lambda: len(fake.started()) == 1, timeout=STUCK)  # it is speaking
    process = speaker._process
    assert process is not None
    assert speaker.speak("好", to_file=second_file) is None
    assert process.poll() == -signal.SIGTERM  # the first one was stopped, not finished
    assert wait_until(lambda: len(fake.started()) == 2, timeout=STUCK)
    fake.finish()
    assert speaker.wait(STUCK) == 0
    speaker.stop()
    assert not speaker.speaking()
    assert fake.started() == [f"-v cmn -s 160 -w {first_file} -- {SENTENCE * 20}",
                              f"-v cmn -s 160 -w {second_file} -- 好"]


def test_without_espeak_ng_the_absence_is_said_plainly(monkeypatch: pytest.MonkeyPatch,
                                                       tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", "")
    speaker = Speaker()
    assert not available() and not speaker.available()
    assert ABSENT_MESSAGE == "本机没有安装朗读功能"
    assert speaker.speak("您好", to_file=tmp_path / "x.wav") == ABSENT_MESSAGE
    assert not (tmp_path / "x.wav").exists() and not speaker.speaking()
    assert speaker.wait(1) is None
