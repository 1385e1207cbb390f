"""Checks that a framework or scales file is well formed, naming each problem by its place."""

from __future__ import annotations

import re
from typing import Any

FRAMEWORK_FORMAT = "meaningful-framework/1"
SCALES_FORMAT = "meaningful-scales/1"
POPULATIONS = {"service-users", "carers", "care-home-residents", "other"}
OUTCOME_TYPES = {"maintain", "change", "process"}
SCALE_KINDS = {"ordinal", "numeric", "importance", "goal-attainment"}
_CODE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_VERSION = re.compile(r"[0-9A-Za-z][0-9A-Za-z.\-]{0,19}")


class DefinitionError(ValueError):
    """A framework or scales file has problems; ``problems`` lists each with its place."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        listed = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"{source} cannot be loaded:\n{listed}")


def _text(data: dict[str, Any], key: str, where: str, problems: list[str], limit: int) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{where}.{key}: required text is missing")
        return ""
    if len(value) > limit:
        problems.append(f"{where}.{key}: longer than {limit} characters")
    return value


def _code(data: dict[str, Any], key: str, where: str, problems: list[str]) -> str:
    value = _text(data, key, where, problems, 80)
    if value and not _CODE.fullmatch(value):
        problems.append(
            f"{where}.{key}: {value!r} must be lower-case letters, digits and single hyphens"
        )
    return value


def framework_problems(data: Any, known_scales: set[str]) -> list[str]:
    """Return every problem with a framework definition; an empty list means it can be loaded."""
    if not isinstance(data, dict):
        return ["the file must hold one JSON object"]
    problems: list[str] = []
    if data.get("format") != FRAMEWORK_FORMAT:
        problems.append(f"format: must be {FRAMEWORK_FORMAT!r}, found {data.get('format')!r}")
    _code(data, "slug", "framework", problems)
    version = _text(data, "version", "framework", problems, 20)
    if version and not _VERSION.fullmatch(version):
        problems.append(f"framework.version: {version!r} must be letters, digits, dots or hyphens")
    _text(data, "name", "framework", problems, 200)
    source = data.get("source", "")
    if not isinstance(source, str) or len(source) > 500:
        problems.append("framework.source: must be text of at most 500 characters")
    if data.get("population") not in POPULATIONS:
        problems.append(f"framework.population: must be one of {sorted(POPULATIONS)}")
    scale = data.get("default_scale")
    if scale not in known_scales:
        problems.append(
            f"framework.default_scale: unknown scale {scale!r}; known: {sorted(known_scales)}"
        )
    categories = data.get("categories")
    category_codes: set[str] = set()
    if not isinstance(categories, list) or not categories:
        problems.append("framework.categories: must be a non-empty list of {code, name}")
    else:
        for index, category in enumerate(categories):
            where = f"categories[{index}]"
            if not isinstance(category, dict):
                problems.append(f"{where}: must be an object with code and name")
                continue
            code = _code(category, "code", where, problems)
            _text(category, "name", where, problems, 200)
            if code in category_codes:
                problems.append(f"{where}.code: duplicate category {code!r}")
            category_codes.add(code)
    problems.extend(_outcome_problems(data.get("outcomes"), category_codes))
    return problems


def _outcome_problems(outcomes: Any, category_codes: set[str]) -> list[str]:
    if not isinstance(outcomes, list) or not outcomes:
        return ["framework.outcomes: must be a non-empty list"]
    problems: list[str] = []
    seen: set[str] = set()
    for index, outcome in enumerate(outcomes):
        where = f"outcomes[{index}]"
        if not isinstance(outcome, dict):
            problems.append(f"{where}: must be an object")
            continue
        code = _code(outcome, "code", where, problems)
        if code in seen:
            problems.append(f"{where}.code: duplicate outcome code {code!r}")
        seen.add(code)
        _text(outcome, "name", where, problems, 200)
        _text(outcome, "description", where, problems, 300)
        if outcome.get("category") not in category_codes:
            problems.append(
                f"{where}.category: {outcome.get('category')!r} is not a listed category"
            )
        if outcome.get("type") not in OUTCOME_TYPES:
            problems.append(f"{where}.type: must be one of {sorted(OUTCOME_TYPES)}")
        for key in ("prompts", "synonyms"):
            values = outcome.get(key, [])
            if not isinstance(values, list) or not all(
                isinstance(v, str) and v.strip() for v in values
            ):
                problems.append(f"{where}.{key}: must be a list of non-empty texts")
        if not outcome.get("prompts"):
            problems.append(f"{where}.prompts: give at least one conversation prompt")
    return problems


def scales_problems(data: Any) -> list[str]:
    """Return every problem with a scales definition; an empty list means it can be loaded."""
    if not isinstance(data, dict):
        return ["the file must hold one JSON object"]
    problems: list[str] = []
    if data.get("format") != SCALES_FORMAT:
        problems.append(f"format: must be {SCALES_FORMAT!r}, found {data.get('format')!r}")
    scales = data.get("scales")
    if not isinstance(scales, list) or not scales:
        return [*problems, "scales: must be a non-empty list"]
    seen: set[str] = set()
    for index, scale in enumerate(scales):
        where = f"scales[{index}]"
        if not isinstance(scale, dict):
            problems.append(f"{where}: must be an object")
            continue
        code = _code(scale, "code", where, problems)
        if code in seen:
            problems.append(f"{where}.code: duplicate scale {code!r}")
        seen.add(code)
        _text(scale, "name", where, problems, 200)
        if scale.get("kind") not in SCALE_KINDS:
            problems.append(f"{where}.kind: must be one of {sorted(SCALE_KINDS)}")
        problems.extend(_level_problems(scale.get("levels"), where))
    return problems


def _level_problems(levels: Any, where: str) -> list[str]:
    if not isinstance(levels, list) or len(levels) < 2:
        return [f"{where}.levels: a scale needs at least two levels"]
    problems: list[str] = []
    codes: set[str] = set()
    ranks: set[int] = set()
    for index, level in enumerate(levels):
        at = f"{where}.levels[{index}]"
        if not isinstance(level, dict):
            problems.append(f"{at}: must be an object")
            continue
        code = _code(level, "code", at, problems)
        if code in codes:
            problems.append(f"{at}.code: duplicate level {code!r}")
        codes.add(code)
        _text(level, "label", at, problems, 100)
        rank = level.get("rank")
        if rank is not None:
            if not isinstance(rank, int) or isinstance(rank, bool) or rank < 1:
                problems.append(f"{at}.rank: must be a whole number from 1, or null for no rating")
            elif rank in ranks:
                problems.append(f"{at}.rank: rank {rank} is used twice")
            else:
                ranks.add(rank)
        value = level.get("value")
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            problems.append(f"{at}.value: must be a whole number or null")
        if level.get("counts_as_met") not in (True, False, None):
            problems.append(f"{at}.counts_as_met: must be true, false or null")
    if ranks and ranks != set(range(1, len(ranks) + 1)):
        problems.append(
            f"{where}.levels: ranks must run 1, 2, 3 ... without gaps; found {sorted(ranks)}"
        )
    return problems
