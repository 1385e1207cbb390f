"""Dates written the UK way in words, the same whatever language the server is set to."""

from __future__ import annotations

from datetime import date

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def short_date(day: date) -> str:
    """Return a compact label, e.g. '3 Mar 25'."""
    return f"{day.day} {MONTHS[day.month - 1][:3]} {day.year % 100:02d}"


def long_date(day: date) -> str:
    """Return a date in words, e.g. '3 March 2025'."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def date_in_words(day: date) -> str:
    """Return a date as people say it, e.g. 'Tuesday 3 March 2027'."""
    return f"{DAYS[day.weekday()]} {long_date(day)}"
