"""Tracking codes: ten digits a villager can type on a number pad and read
back over the phone, the last one a check digit.

Why ten digits: the county keeps every code it ever received, from every
kiosk, and kiosks cannot ask each other which codes are taken. With nine
random digits (the first not 0) two of 10,000 complaints share a code with a
chance of about 5%; with the seven of an eight-digit code it would be close
to certain. A phone number has eleven digits, so ten is still familiar.

Why the Damm algorithm for the check digit: it catches every single wrong
digit and every swap of two neighbouring digits — the two mistakes people
make most when copying a number — where the Luhn digit misses 09 <-> 90.
"""

from __future__ import annotations

import re
import secrets
from random import Random

CODE_DIGITS = 10
QR_PREFIX = "VE-REPORT:"

# A totally anti-symmetric quasigroup of order 10 with zeros on the diagonal
# (H. M. Damm, 2004): row = interim digit, column = next digit.
_DAMM = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)
# Unicode spaces on purpose (an ideographic space typed with a Chinese input
# method separates groups too); the digits themselves must be ASCII (is_valid).
_SEPARATORS = re.compile(r"[\s\-]+")


def check_digit(digits: str) -> str:
    """The Damm check digit of *digits* (a string of 0-9)."""
    interim = 0
    for char in digits:
        interim = _DAMM[interim][int(char)]
    return str(interim)


def new_code(rng: Random | None = None) -> str:
    """A fresh random code: nine digits, the first not 0, then the check digit."""
    below = rng.randrange if rng is not None else secrets.randbelow
    body = str(1 + below(9)) + "".join(str(below(10)) for _ in range(CODE_DIGITS - 2))
    return body + check_digit(body)


def normalise(text: str) -> str:
    """*text* without the spaces and dashes people type or print between groups."""
    return _SEPARATORS.sub("", text.strip())


def is_valid(text: str) -> bool:
    """True if *text* (spaces allowed) is ten digits whose check digit is right."""
    code = normalise(text)
    return (len(code) == CODE_DIGITS and code.isascii() and code.isdigit()
            and check_digit(code) == "0")


def is_canonical(code: object) -> bool:
    """True if *code* is a code exactly as a kiosk makes and sends it: ten
    ASCII digits, nothing around or between them, check digit right."""
    return (isinstance(code, str) and len(code) == CODE_DIGITS and code.isascii()
            and code.isdigit() and check_digit(code) == "0")


def display(code: str) -> str:
    """The code as printed and shown: two groups of five, ``12345 67890``."""
    code = normalise(code)
    return f"{code[:5]} {code[5:]}"


def qr_content(code: str) -> str:
    """What the receipt's QR code holds (upper case and digits: QR alphanumeric mode)."""
    return QR_PREFIX + normalise(code)


def code_from_qr(text: str) -> str | None:
    """The code in a scanned QR text (ours, or bare digits); None if it holds none."""
    text = text.strip()
    if text.upper().startswith(QR_PREFIX):
        text = text[len(QR_PREFIX):]
    code = normalise(text)
    return code if is_valid(code) else None
