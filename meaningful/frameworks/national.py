"""Scotland's nine National Health and Wellbeing Outcomes and the built-in outcomes that feed them.

The data file names the nine outcomes in their statutory wording and, for every outcome of
every built-in framework, the national outcomes it feeds with a one-line reason. The mapping
is an interpretation; reports show it beside the personal outcome figures, never instead.
Only the built-in frameworks are mapped: an organisation's own outcomes stay out of the
national view.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeGuard

from meaningful.frameworks.loading import BUILTIN_FRAMEWORKS, DATA_DIR, read_definition
from meaningful.frameworks.validation import DefinitionError

NATIONAL_FORMAT = "meaningful-national-outcomes/1"
NATIONAL_OUTCOMES_FILE = DATA_DIR / "national-outcomes.json"
NUMBERS = range(1, 10)
REASON_LIMIT = 200


@dataclass(frozen=True)
class NationalOutcome:
    number: int
    title: str
    wording: str
    source: str


@dataclass(frozen=True)
class Contribution:
    """One personal outcome feeding one national outcome, and why."""

    framework: str  # built-in framework slug
    outcome: str  # outcome code
    national: int
    reason: str


@dataclass(frozen=True)
class NationalOutcomes:
    outcomes: list[NationalOutcome]
    contributions: list[Contribution]

    def numbers_by_outcome(self) -> dict[tuple[str, str], tuple[int, ...]]:
        """(framework slug, outcome code) -> the national outcome numbers it feeds."""
        found: dict[tuple[str, str], list[int]] = {}
        for item in self.contributions:
            found.setdefault((item.framework, item.outcome), []).append(item.national)
        return {key: tuple(numbers) for key, numbers in found.items()}

    def mapped_numbers(self) -> set[int]:
        """The national outcomes at least one personal outcome feeds."""
        return {item.national for item in self.contributions}


def builtin_outcome_codes(paths: Iterable[Path] = BUILTIN_FRAMEWORKS) -> dict[str, list[str]]:
    """Every outcome code of every built-in framework file, by slug (all versions together)."""
    codes: dict[str, list[str]] = {}
    for path in paths:
        data = read_definition(path)
        known = codes.setdefault(data["slug"], [])
        known += [o["code"] for o in data["outcomes"] if o["code"] not in known]
    return codes


def _text(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and bool(value.strip())


def _outcome_problems(items: Any) -> list[str]:
    if not isinstance(items, list):
        return ["outcomes: must be a list of the nine national outcomes"]
    problems: list[str] = []
    numbers = []
    for index, item in enumerate(items):
        where = f"outcomes[{index}]"
        if not isinstance(item, dict):
            problems.append(f"{where}: must be an object")
            continue
        number = item.get("number")
        if not _is_number(number):
            problems.append(f"{where}.number: must be a whole number from 1 to 9")
        numbers.append(number)
        for key in ("title", "wording", "source"):
            if not _text(item.get(key)):
                problems.append(f"{where}.{key}: required text is missing")
    if sorted(n for n in numbers if _is_number(n)) != list(NUMBERS):
        problems.append("outcomes: must hold each of the numbers 1 to 9 exactly once")
    return problems


def _is_number(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and value in NUMBERS


def _entry_problems(entries: Any, where: str) -> list[str]:
    if not isinstance(entries, list) or not entries:
        return [f"{where}: must list at least one national outcome"]
    problems: list[str] = []
    seen: set[int] = set()
    for index, entry in enumerate(entries):
        place = f"{where}[{index}]"
        if not isinstance(entry, dict):
            problems.append(f"{place}: must be an object with national and reason")
            continue
        number = entry.get("national")
        if not _is_number(number):
            problems.append(f"{place}.national: {number!r} is not a whole number from 1 to 9")
        elif number in seen:
            problems.append(f"{place}.national: {number} is listed twice")
        else:
            seen.add(number)
        reason = entry.get("reason")
        if not _text(reason):
            problems.append(f"{place}.reason: required text is missing")
        elif len(reason) > REASON_LIMIT:
            problems.append(f"{place}.reason: longer than {REASON_LIMIT} characters")
    return problems


def national_outcomes_problems(data: Any, builtin: Mapping[str, Sequence[str]]) -> list[str]:
    """Every problem with a national outcomes file, given the built-in outcome codes by slug.

    Each built-in framework and each of its outcomes must be mapped to one or more national
    outcomes numbered 1 to 9, each with a reason; nothing else may be mapped.
    """
    if not isinstance(data, dict):
        return ["the file must hold one JSON object"]
    problems: list[str] = []
    if data.get("format") != NATIONAL_FORMAT:
        problems.append(f"format: must be {NATIONAL_FORMAT!r}, found {data.get('format')!r}")
    problems += _outcome_problems(data.get("outcomes"))
    mapping = data.get("mapping")
    if not isinstance(mapping, dict):
        return [*problems, "mapping: must map each built-in framework slug to its outcomes"]
    for slug in sorted(set(mapping) - set(builtin)):
        problems.append(f"mapping.{slug}: not a built-in framework")
    for slug, codes in builtin.items():
        outcomes = mapping.get(slug)
        if not isinstance(outcomes, dict):
            problems.append(f"mapping.{slug}: the built-in framework is not mapped")
            continue
        for code in codes:
            if code not in outcomes:
                problems.append(f"mapping.{slug}.{code}: the outcome is not mapped")
            else:
                problems += _entry_problems(outcomes[code], f"mapping.{slug}.{code}")
        for code in sorted(set(outcomes) - set(codes)):
            problems.append(f"mapping.{slug}.{code}: no such outcome in the framework")
    return problems


def read_national_outcomes(
    path: Path = NATIONAL_OUTCOMES_FILE, builtin: Mapping[str, Sequence[str]] | None = None
) -> NationalOutcomes:
    """Read and check the national outcomes file; a DefinitionError lists every problem."""
    data = read_definition(path)
    problems = national_outcomes_problems(
        data, builtin if builtin is not None else builtin_outcome_codes()
    )
    if problems:
        raise DefinitionError(path.name, problems)
    return NationalOutcomes(
        outcomes=sorted(
            (
                NationalOutcome(item["number"], item["title"], item["wording"], item["source"])
                for item in data["outcomes"]
            ),
            key=lambda outcome: outcome.number,
        ),
        contributions=[
            Contribution(slug, code, entry["national"], entry["reason"])
            for slug, outcomes in data["mapping"].items()
            for code, entries in outcomes.items()
            for entry in entries
        ],
    )


@lru_cache(maxsize=1)
def national_outcomes() -> NationalOutcomes:
    """The shipped national outcomes and mapping, read and checked once per process."""
    return read_national_outcomes()
