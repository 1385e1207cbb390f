"""Reporting periods as people write them: a year, a quarter, or an inclusive month range."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

_YEAR = re.compile(r"^(\d{4})$")
_QUARTER = re.compile(r"^(\d{4})[- ]?Q([1-4])$", re.IGNORECASE)
_QUARTER_FIRST = re.compile(r"^Q([1-4])[- ]?(\d{4})$", re.IGNORECASE)  # "Q3 2026", as often written
_MONTHS = re.compile(r"^(\d{4})-(\d{2})\.\.(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    label: str


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def parse_period(text: str) -> Period:
    """Read '2026', '2026-Q3' or '2025-04..2026-03'; raise ValueError saying what to write."""
    text = text.strip()
    if match := _YEAR.match(text):
        year = int(match[1])
        return Period(date(year, 1, 1), date(year, 12, 31), text)
    if (match := _QUARTER.match(text)) or (match := _QUARTER_FIRST.match(text)):
        year, quarter = (
            (int(match[1]), int(match[2]))
            if match.re is _QUARTER
            else (int(match[2]), int(match[1]))
        )
        first = 3 * quarter - 2
        return Period(date(year, first, 1), _month_end(year, first + 2), f"{year}-Q{quarter}")
    if match := _MONTHS.match(text):
        y1, m1, y2, m2 = (int(part) for part in match.groups())
        if not (1 <= m1 <= 12 and 1 <= m2 <= 12):
            raise ValueError(f"{text!r}: months run from 01 to 12.")
        start, end = date(y1, m1, 1), _month_end(y2, m2)
        if end < start:
            raise ValueError(f"{text!r}: the range ends before it starts.")
        return Period(start, end, text)
    raise ValueError(
        f"{text!r} is not a period: write a year (2026), a quarter (2026-Q3 or Q3 2026) "
        "or a month range (2025-04..2026-03)."
    )


def last_twelve_months(today: date) -> Period:
    """The twelve whole months up to and including the current one."""
    start_year, start_month = (
        (today.year, today.month + 1) if today.month < 12 else (today.year + 1, 1)
    )
    start = date(start_year - 1, start_month, 1)
    end = _month_end(today.year, today.month)
    return Period(start, end, f"{start:%Y-%m}..{end:%Y-%m}")
