"""How a lock drives its solenoid, and the limits of that timing: the
settings of a :class:`~hardware.lock.SealLock`, importable without gpiozero
(the configuration checks its ``[lock]`` keys against them)."""

from __future__ import annotations

from dataclasses import dataclass

#: The limits of a lock's timing, checked by :class:`LockTiming` and by the
#: configuration's ``[lock]`` keys alike. Under 10 ms a solenoid does not pull
#: in, under 5 % duty it does not hold; longer or hotter than these it burns.
PULL_IN_MIN_SECONDS = 0.01
PULL_IN_MAX_SECONDS = 5.0
HOLD_DUTY_MIN = 0.05
HOLD_DUTY_MAX = 1.0
MAX_ON_LIMIT_SECONDS = 3600.0
PWM_HZ_MIN = 10
PWM_HZ_MAX = 20000


@dataclass(frozen=True)
class LockTiming:
    """How a lock drives its solenoid."""

    pull_in_seconds: float = 0.2
    hold_duty: float = 0.4
    max_on_seconds: float = 120.0
    pwm_hz: int = 1000

    def __post_init__(self) -> None:
        if not PULL_IN_MIN_SECONDS <= self.pull_in_seconds <= PULL_IN_MAX_SECONDS:
            raise ValueError(f"pull_in_seconds must be from {PULL_IN_MIN_SECONDS:g} "
                             f"to {PULL_IN_MAX_SECONDS:g}")
        if not HOLD_DUTY_MIN <= self.hold_duty <= HOLD_DUTY_MAX:
            raise ValueError(f"hold_duty must be from {HOLD_DUTY_MIN:g} to {HOLD_DUTY_MAX:g}")
        if not self.pull_in_seconds < self.max_on_seconds <= MAX_ON_LIMIT_SECONDS:
            raise ValueError("max_on_seconds must exceed pull_in_seconds and be at most "
                             f"{MAX_ON_LIMIT_SECONDS:g}")
        if not PWM_HZ_MIN <= self.pwm_hz <= PWM_HZ_MAX:
            raise ValueError(f"pwm_hz must be from {PWM_HZ_MIN} to {PWM_HZ_MAX}")
