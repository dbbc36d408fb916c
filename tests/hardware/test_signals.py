"""Lamp and buzzer patterns, read back from the mock pins' histories of
driven levels. Blinking and beeping run in gpiozero's background threads:
the tests wait for the edges to happen, never for a time to pass."""

from __future__ import annotations

import itertools
import threading

import pytest
from gpiozero.pins.mock import MockFactory

from hardware.buzzer import StatusBuzzer
from hardware.lamp import RGB_MIX, StatusLamp
from hardware.patterns import Signal
from tests.conftest import wait_until
from tests.hardware.recorders import STUCK

RED, GREEN, BLUE = 16, 20, 21


def level(factory: MockFactory, pin: int) -> float:
    return float(factory.pin(pin).state)


def changes(factory: MockFactory, pin: int) -> int:
    return len(factory.pin(pin).states) - 1


def test_rgb_idle_is_steady_green(factory: MockFactory) -> None:
    with StatusLamp((RED, GREEN, BLUE), kind="rgb", pin_factory=factory) as lamp:
        lamp.show(Signal.IDLE)
        assert [level(factory, p) for p in (RED, GREEN, BLUE)] == [0.0, 1.0, 0.0]


def test_rgb_waiting_blinks_yellow(factory: MockFactory) -> None:
    with StatusLamp((RED, GREEN, BLUE), kind="rgb", pin_factory=factory) as lamp:
        lamp.show(Signal.WAITING)
        assert wait_until(lambda: changes(factory, RED) >= 3, timeout=STUCK)
        red_levels = {float(s.state) for s in factory.pin(RED).states}
        green_levels = {float(s.state) for s in factory.pin(GREEN).states}
        assert red_levels == {0.0, RGB_MIX["yellow"][0]}
        assert green_levels == {0.0, RGB_MIX["yellow"][1]}
        assert changes(factory, BLUE) == 0


def test_tower_alarm_blinks_only_the_red_lamp(factory: MockFactory) -> None:
    with StatusLamp((RED, GREEN, BLUE), kind="tower", pin_factory=factory) as lamp:
        lamp.show(Signal.ALARM)
        assert wait_until(lambda: changes(factory, RED) >= 4, timeout=STUCK)
        states = [bool(s.state) for s in factory.pin(RED).states]
        assert all(a != b for a, b in itertools.pairwise(states))  # on, off, on...
        assert changes(factory, GREEN) == 0  # yellow LED
        assert changes(factory, BLUE) == 0  # green LED


def test_lamp_off_goes_dark(factory: MockFactory) -> None:
    with StatusLamp((RED, GREEN, BLUE), kind="tower", pin_factory=factory) as lamp:
        lamp.show(Signal.IDLE)
        assert level(factory, BLUE) == 1.0  # the green LED of the tower
        lamp.show(Signal.OFF)
        assert [level(factory, p) for p in (RED, GREEN, BLUE)] == [0.0, 0.0, 0.0]


def test_unknown_lamp_kind_is_refused(factory: MockFactory) -> None:
    with pytest.raises(ValueError, match="rgb"):
        StatusLamp((RED, GREEN, BLUE), kind="disco", pin_factory=factory)  # type: ignore[arg-type]


def test_buzzer_unlocked_is_two_beeps_then_quiet(factory: MockFactory) -> None:
    with StatusBuzzer(12, pin_factory=factory) as buzzer:
        buzzer.sound(Signal.UNLOCKED)
        assert wait_until(lambda: changes(factory, 12) == 4, timeout=STUCK)
        assert wait_until(lambda: not buzzer.is_sounding, timeout=STUCK)
        assert [bool(s.state) for s in factory.pin(12).states] == [False, True, False, True, False]


def test_buzzer_alarm_sounds_until_the_signal_changes(factory: MockFactory) -> None:
    with StatusBuzzer(12, pin_factory=factory) as buzzer:
        before = set(threading.enumerate())
        buzzer.sound(Signal.ALARM)
        beeper = set(threading.enumerate()) - before  # the thread that beeps
        assert beeper
        assert wait_until(lambda: changes(factory, 12) >= 6, timeout=STUCK)
        buzzer.sound(Signal.IDLE)
        assert not buzzer.is_sounding
        settled = [bool(s.state) for s in factory.pin(12).states]
        assert settled[-1] is False
        # nothing is left that could sound it again: the beeping thread has ended
        assert not any(thread.is_alive() for thread in beeper)
        assert [bool(s.state) for s in factory.pin(12).states] == settled
