"""The reference county's own choices, which no device needs to know."""

from __future__ import annotations

from protocol.api import CLOCK_SKEW_SECONDS

NONCE_WINDOW_SECONDS = 2 * CLOCK_SKEW_SECONDS  # a nonce is remembered this long: safe to forget
ENROLL_CODE_DAYS = 7
PUBLISHABLE_KINDS = ("catalog", "disclosure", "roster", "config")
