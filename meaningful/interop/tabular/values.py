"""Turning the text in a cell into dates, conversation kinds, outcome codes and levels."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Generic, TypeVar

from meaningful.interop.tabular.columns import normalise_heading

_MONTHS = {
    name: number
    for number, name in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
        start=1,
    )
}
_NUMERIC = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_NAMED = re.compile(r"(\d{1,2})[\s\-/]([A-Za-z]{3})[a-z]*[\s\-/](\d{2}|\d{4})")
_NO_RATING = {"", "n/a", "na", "n.a.", "not applicable", "-", "none", "not rated"}
KINDS = {
    "baseline": "baseline",
    "first": "baseline",
    "initial": "baseline",
    "assessment": "baseline",
    "first conversation": "baseline",
    "review": "review",
    "follow up": "review",
    "followup": "review",
    "reassessment": "review",
    "exit": "exit",
    "closing": "exit",
    "closure": "exit",
    "final": "exit",
    "end": "exit",
    "discharge": "exit",
}


def _year(text: str, today: date) -> int:
    if len(text) == 4:
        return int(text)
    two = int(text)
    return 2000 + two if two <= today.year % 100 else 1900 + two


def _common_date(text: str) -> date | None:
    """25/12/2023 or 2023-12-25, the forms almost every file uses, read without a regex."""
    if len(text) != 10:
        return None
    if text[2] == text[5] == "/" and (text[:2] + text[3:5] + text[6:]).isdigit():
        return date(int(text[6:]), int(text[3:5]), int(text[:2]))
    if text[4] == text[7] == "-" and (text[:4] + text[5:7] + text[8:]).isdigit():
        return date(int(text[:4]), int(text[5:7]), int(text[8:]))
    return None


def parse_uk_date(text: str, *, today: date) -> date:
    """Read a UK day-first date (25/12/2023, 2023-12-25, 25-Dec-23); raise ValueError if impossible."""
    text = text.strip()
    if not text.isascii():
        raise ValueError(f"{text!r} is not a date; write it as 25/12/2023")
    try:
        if common := _common_date(text):
            return common
        if match := _ISO.fullmatch(text):
            return date(int(match[1]), int(match[2]), int(match[3]))
        if match := _NUMERIC.fullmatch(text):
            return date(_year(match[3], today), int(match[2]), int(match[1]))
        if (match := _NAMED.fullmatch(text)) and match[2].lower() in _MONTHS:
            return date(_year(match[3], today), _MONTHS[match[2].lower()], int(match[1]))
    except ValueError as error:
        raise ValueError(f"{text!r} is not a real date") from error
    raise ValueError(f"{text!r} is not a date; write it as 25/12/2023")


def parse_kind(text: str) -> str:
    """Return baseline, review or exit for the words people use; blank means review."""
    key = normalise_heading(text)
    if not key:
        return "review"
    if key in KINDS:
        return KINDS[key]
    raise ValueError(f"unknown conversation type {text.strip()!r}; use baseline, review or exit")


T = TypeVar("T")


class ParsedOnce(Generic[T]):
    """A cell parser that reads each distinct text once: files repeat dates, types and outcomes."""

    def __init__(self, parse: Callable[[str], T]) -> None:
        self.parse = parse
        self.values: dict[str, T] = {}
        self.errors: dict[str, str] = {}

    def __call__(self, text: str) -> T:
        """Return what parse returns for the text, or raise the ValueError it raised."""
        try:
            return self.values[text]
        except KeyError:
            pass
        if text in self.errors:
            raise ValueError(self.errors[text])
        try:
            value = self.parse(text)
        except ValueError as error:
            self.errors[text] = str(error)
            raise
        self.values[text] = value
        return value


class OutcomeNames:
    """Matches outcome names as people type them to a framework's codes."""

    def __init__(self, outcomes: list[tuple[str, str, list[str]]]) -> None:
        self.codes: dict[str, str] = {}
        self.names = {code: name for code, name, _ in outcomes}
        for code, name, synonyms in outcomes:
            for text in (code, name, *synonyms):
                self.codes.setdefault(normalise_heading(text), code)
            # "Living where you want / as you want" is also typed as either half.
            for part in name.split("/"):
                self.codes.setdefault(normalise_heading(part), code)

    def code_for(self, text: str) -> str:
        """Return the outcome code, or raise ValueError naming the unknown outcome."""
        code = self.codes.get(normalise_heading(text))
        if code is None:
            raise ValueError(f"unknown outcome {text.strip()!r}")
        return code


@dataclass(frozen=True)
class Rating:
    """A level code, or None with the reason the rating was not stored."""

    level: str | None
    flag: str | None = None


_LEVEL_WORDS = {
    "partly": "partly-met",
    "partially": "partly-met",
    "partially met": "partly-met",
    "part met": "partly-met",
    "partly met": "partly-met",
    "unmet": "not-met",
    "not met": "not-met",
    "met": "met",
    "fully met": "met",
    "achieved": "met",
}


class Levels:
    """Matches ratings as people type them to a scale's level codes."""

    def __init__(
        self, levels: list[tuple[str, str, int | None]], *, numeric: bool, explicit: bool
    ) -> None:
        self.numeric = numeric
        self.explicit = explicit
        self.codes: dict[str, str] = {}
        for code, label, value in levels:
            self.codes[normalise_heading(code)] = code
            self.codes[normalise_heading(label)] = code
            if value is not None:
                self.codes[str(value)] = code
        for word, code in _LEVEL_WORDS.items():
            if code in self.codes.values():
                self.codes.setdefault(word, code)

    def read(self, text: str) -> Rating:
        """Return the level for a rating; ambiguous or unreadable ratings are flagged, not guessed."""
        if text.strip().lower() in _NO_RATING:
            return Rating(None)
        if re.fullmatch(r"-?\d+", text.strip()) and not (self.numeric and self.explicit):
            return Rating(None, "number rating with no scale chosen")
        code = self.codes.get(normalise_heading(text)) or self.codes.get(text.strip())
        if code is None:
            return Rating(None, "rating not on the scale")
        return Rating(code)
