"""Outcome figures from count tables: level distributions and who was reviewed.

Inputs are counts already grouped by the database or a column frame; nothing here loops over
people's records.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from meaningful.analysis.statistics import Proportion, wilson


@dataclass(frozen=True)
class LevelShare:
    code: str
    label: str
    share: Proportion


@dataclass(frozen=True)
class Distribution:
    """How many records sit at each level of a scale, in the scale's order, out of `total`."""

    total: int
    levels: list[LevelShare]

    def count(self, code: str) -> int:
        return next((level.share.count for level in self.levels if level.code == code), 0)


def distribution(levels: Sequence[tuple[str, str]], counts: Mapping[str, int]) -> Distribution:
    """Shares of each level (code, label) with Wilson intervals; every level listed, zeros too."""
    unknown = set(counts) - {code for code, _ in levels}
    if unknown:
        raise ValueError(f"Counts for levels not on the scale: {sorted(unknown)}.")
    total = sum(counts.values())
    return Distribution(
        total,
        [LevelShare(code, label, wilson(counts.get(code, 0), total)) for code, label in levels],
    )


@dataclass(frozen=True)
class Completion:
    """Of the people with a baseline, how many were reviewed, and whether they differ at baseline."""

    with_baseline: int
    reviewed: Proportion
    reviewed_baseline: Distribution
    not_reviewed_baseline: Distribution
    difference_in_met: float | None  # share met at baseline: reviewed minus not reviewed


def review_completion(
    levels: Sequence[tuple[str, str]],
    met_levels: Sequence[str],
    people: tuple[int, int],
    reviewed: Mapping[str, int],
    not_reviewed: Mapping[str, int],
) -> Completion:
    """Share of people (reviewed, not reviewed) whose review happened, and their baseline levels.

    `reviewed` and `not_reviewed` count baseline ratings by level for each group, so the two
    distributions show whether the people lost to review started out differently.
    """
    seen = distribution(levels, reviewed)
    missing = distribution(levels, not_reviewed)

    def met_share(figures: Distribution) -> float | None:
        met = sum(figures.count(code) for code in met_levels)
        return met / figures.total if figures.total else None

    a, b = met_share(seen), met_share(missing)
    return Completion(
        sum(people),
        wilson(people[0], sum(people)),
        seen,
        missing,
        a - b if a is not None and b is not None else None,
    )
