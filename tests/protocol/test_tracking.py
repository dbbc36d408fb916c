"""Tracking codes: ten digits, a Damm check digit that catches the usual typing mistakes."""

from __future__ import annotations

from random import Random

import pytest

from protocol import tracking


def codes(count: int = 300) -> list[str]:
    rng = Random(5)
    return [tracking.new_code(rng) for _ in range(count)]


def test_new_codes_are_ten_digits_not_starting_with_zero_and_valid() -> None:
    made = codes()
    assert all(len(c) == 10 and c.isdigit() and c[0] != "0" for c in made)
    assert all(tracking.is_valid(c) for c in made)
    assert len(set(made)) == len(made)


def test_codes_from_the_system_random_source_are_valid_and_differ() -> None:
    made = {tracking.new_code() for _ in range(50)}
    assert len(made) == 50 and all(tracking.is_valid(c) for c in made)


def test_every_single_wrong_digit_is_caught() -> None:
    for code in codes():
        for position in range(10):
            for digit in "0123456789":
                if digit != code[position]:
                    wrong = code[:position] + digit + code[position + 1:]
                    assert not tracking.is_valid(wrong), (code, wrong)


def test_every_swap_of_neighbouring_digits_is_caught() -> None:
    for code in codes():
        for position in range(9):
            a, b = code[position], code[position + 1]
            if a != b:
                swapped = code[:position] + b + a + code[position + 2:]
                assert not tracking.is_valid(swapped), (code, swapped)


def test_the_damm_digit_catches_09_90_where_luhn_does_not() -> None:
    body = "123450912"
    code = body + tracking.check_digit(body)
    assert tracking.is_valid(code)
    assert not tracking.is_valid(code.replace("09", "90"))


@pytest.mark.parametrize("text", ["", "123", "12345678901", "abcdefghij", "１２３４５６７８９０"])
def test_wrong_lengths_and_non_digits_are_not_codes(text: str) -> None:
    assert not tracking.is_valid(text)


def test_display_groups_by_five_and_spaces_are_accepted_back() -> None:
    code = codes(1)[0]
    shown = tracking.display(code)
    assert shown == f"{code[:5]} {code[5:]}"
    assert tracking.is_valid(shown) and tracking.normalise(shown) == code
    assert tracking.is_valid(f" {code[:3]}-{code[3:7]} {code[7:]} ")


def test_qr_content_round_trips_and_foreign_qr_codes_give_none() -> None:
    code = codes(1)[0]
    assert tracking.code_from_qr(tracking.qr_content(code)) == code
    assert tracking.code_from_qr(code) == code
    assert tracking.code_from_qr("https://example.com/x") is None
    assert tracking.code_from_qr(tracking.QR_PREFIX + code[:-1] + "x") is None
