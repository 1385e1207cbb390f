"""Checks for national health and care identifiers: Scotland's CHI number and the NHS number."""

from __future__ import annotations

import re
from datetime import date

_TEN_ASCII_DIGITS = re.compile(r"[0-9]{10}")
_SEPARATORS = re.compile(r"[ \-]")


class InvalidIdentifier(ValueError):
    """The identifier breaks a rule; the message says which and what to do."""


def _ten_digits(raw: str, label: str) -> str:
    value = _SEPARATORS.sub("", raw.strip())
    # str.isdigit and int() accept non-ASCII digits such as "૨"; identifiers never contain them.
    if not _TEN_ASCII_DIGITS.fullmatch(value):
        raise InvalidIdentifier(f"A {label} is 10 digits (0-9); {raw!r} is not.")
    return value


def mod11_check_digit(first_nine: str) -> int | None:
    """Return the modulus 11 check digit for nine digits, or None when no digit is valid (10)."""
    total = sum(
        int(digit) * weight for digit, weight in zip(first_nine, range(10, 1, -1), strict=True)
    )
    check = 11 - (total % 11)
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def _check_mod11(value: str, label: str) -> None:
    expected = mod11_check_digit(value[:9])
    if expected is None or expected != int(value[9]):
        raise InvalidIdentifier(
            f"{value} fails the {label} check digit: check it against the source record."
        )


def _valid_ddmmyy(value: str) -> bool:
    day, month, year = int(value[0:2]), int(value[2:4]), int(value[4:6])
    for century in (1900, 2000):
        try:
            date(century + year, month, day)
        except ValueError:
            continue
        return True
    return False


def normalise_chi(raw: str) -> str:
    """Return a CHI number as 10 digits, or raise: it must start with a real DDMMYY date of birth."""
    value = _ten_digits(raw, "CHI number")
    if not _valid_ddmmyy(value):
        raise InvalidIdentifier(
            f"{value} does not start with a real date of birth (DDMMYY), so it is not a CHI number."
        )
    _check_mod11(value, "CHI number")
    return value


def normalise_nhs_number(raw: str) -> str:
    """Return an NHS number as 10 digits, or raise if its modulus 11 check digit is wrong."""
    value = _ten_digits(raw, "NHS number")
    _check_mod11(value, "NHS number")
    return value


def normalise_local_id(raw: str) -> str:
    """Return a local identifier trimmed; it must be 1 to 40 printable characters."""
    value = raw.strip()
    if not value or len(value) > 40 or not value.isprintable():
        raise InvalidIdentifier("A local id is 1 to 40 printable characters.")
    return value


def chi_birth_date_matches(chi: str, born: date) -> bool:
    """True when the CHI number's DDMMYY prefix agrees with the recorded date of birth."""
    return chi[:6] == born.strftime("%d%m%y")
