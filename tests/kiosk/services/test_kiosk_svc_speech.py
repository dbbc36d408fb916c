"""Read aloud: Mandarin speech from espeak-ng where installed, a plain absence where not."""

from __future__ import annotations

import shutil
import time
import wave
from pathlib import Path

import pytest

from kiosk.services.speech import ABSENT_MESSAGE, Speaker, available

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


@needs_espeak
def test_speaking_returns_at_once_and_a_new_utterance_stops_the_old(tmp_path: Path) -> None:
    speaker = Speaker(words_per_minute=80)
    first = tmp_path / "first.wav"
    started = time.monotonic()
    assert speaker.speak(SENTENCE * 20, to_file=first) is None
    assert time.monotonic() - started < 0.5
    process = speaker._process
    assert process is not None
    speaker.speak("好", to_file=tmp_path / "second.wav")
    assert process.poll() is not None  # the first one was stopped
    assert speaker.wait(10) == 0
    speaker.stop()
    assert not speaker.speaking()


def test_without_espeak_ng_the_absence_is_said_plainly(monkeypatch: pytest.MonkeyPatch,
                                                       tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", "")
    speaker = Speaker()
    assert not available() and not speaker.available()
    assert ABSENT_MESSAGE == "本机没有安装朗读功能"
    assert speaker.speak("您好", to_file=tmp_path / "x.wav") == ABSENT_MESSAGE
    assert not (tmp_path / "x.wav").exists() and not speaker.speaking()
    assert speaker.wait(1) is None
