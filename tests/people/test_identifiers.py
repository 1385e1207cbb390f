from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from meaningful.people.identifiers import (
    InvalidIdentifier,
    chi_birth_date_matches,
    mod11_check_digit,
    normalise_chi,
    normalise_nhs_number,
)


def test_it_accepts_a_valid_chi_number() -> None:
    # 1*10 + 2*9 + 0*8 + 4*7 + 7*6 + 5*5 + 1*4 + 2*3 + 3*2 = 139; 11 - (139 % 11) = 4
    assert normalise_chi("1204751234") == "1204751234"


def test_it_accepts_spaces_in_a_chi_number() -> None:
    assert normalise_chi(" 120475 1234 ") == "1204751234"


def test_it_rejects_a_chi_number_with_the_wrong_check_digit() -> None:
    with pytest.raises(InvalidIdentifier, match="check digit"):
        normalise_chi("1204751235")


def test_it_rejects_a_chi_number_whose_prefix_is_not_a_date() -> None:
    with pytest.raises(InvalidIdentifier, match="date of birth"):
        normalise_chi("3213751234")


def test_it_accepts_29_february_only_in_a_year_that_can_be_a_leap_year() -> None:
    assert normalise_chi("2902001231") == "2902001231"  # 2000 was a leap year
    with pytest.raises(InvalidIdentifier, match="date of birth"):
        normalise_chi("2902011237")  # neither 1901 nor 2001 was


@pytest.mark.parametrize(
    "raw",
    ["١٢٠٤٧٥١٢٣٤", "12047５1234", "120475123", "12047512345", "12O4751234"],  # noqa: RUF001
)
def test_it_rejects_chi_numbers_that_are_not_ten_ascii_digits(raw: str) -> None:
    with pytest.raises(InvalidIdentifier, match="10 digits"):
        normalise_chi(raw)


def test_it_accepts_a_valid_nhs_number() -> None:
    assert normalise_nhs_number("943 476 5919") == "9434765919"


def test_it_rejects_an_nhs_number_with_the_wrong_check_digit() -> None:
    with pytest.raises(InvalidIdentifier, match="check digit"):
        normalise_nhs_number("9434765918")


def test_it_rejects_an_nhs_number_whose_check_would_be_ten() -> None:
    nine = next(
        f"{n:09d}" for n in range(100_000_000, 100_001_000) if mod11_check_digit(f"{n:09d}") is None
    )
    for last in "0123456789":
        with pytest.raises(InvalidIdentifier):
            normalise_nhs_number(nine + last)


def test_it_rejects_an_nhs_number_in_non_ascii_digits() -> None:
    with pytest.raises(InvalidIdentifier, match="10 digits"):
        normalise_nhs_number("૯૪૩૪૭૬૫૯૧૯")


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_any_nine_digits_with_their_check_digit_make_a_valid_nhs_number(nine: str) -> None:
    check = mod11_check_digit(nine)
    if check is None:
        with pytest.raises(InvalidIdentifier):
            normalise_nhs_number(nine + "0")
    else:
        assert normalise_nhs_number(nine + str(check)) == nine + str(check)
        with pytest.raises(InvalidIdentifier):
            normalise_nhs_number(nine + str((check + 1) % 10))


def test_it_compares_a_chi_prefix_with_a_date_of_birth() -> None:
    from datetime import date

    assert chi_birth_date_matches("1204751234", date(1975, 4, 12))
    assert not chi_birth_date_matches("1204751234", date(1975, 4, 13))
