"""People counted by national outcome from their latest ratings on the personal outcomes.

A person counts once for a national outcome when at least one of their latest ratings on a
personal outcome that feeds it says whether the outcome is met; they count as met when every
such rating is met. Ratings at a level that says neither (a numbered point, "not discussed")
are left out, and so are ratings on outcomes the mapping does not hold.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Iterable, Mapping
from dataclasses import dataclass

# (framework slug, outcome code) -> the numbers of the national outcomes it feeds
NationalMapping = Mapping[tuple[str, str], Collection[int]]


@dataclass(frozen=True)
class LatestRating:
    """A person's latest agreed rating on one personal outcome."""

    person: Hashable
    framework: str  # framework slug
    outcome: str  # outcome code
    met: bool | None  # the level counts as met; None where the level says neither


@dataclass(frozen=True)
class NationalCount:
    number: int
    people: int  # people with at least one rating that says met or not on a feeding outcome
    met: int  # of them, the people whose every such rating is met


def people_by_national_outcome(
    ratings: Iterable[LatestRating], mapping: NationalMapping, numbers: Iterable[int] = range(1, 10)
) -> dict[int, dict[Hashable, bool]]:
    """For each national outcome in `numbers`, every person counted under it and whether they
    count as met.

    Two personal outcomes feeding the same national outcome count their person once, who is
    met only if both are met; one personal outcome feeding two national outcomes counts its
    person under each.
    """
    all_met: dict[int, dict[Hashable, bool]] = {number: {} for number in numbers}
    for rating in ratings:
        if rating.met is None:
            continue
        for number in mapping.get((rating.framework, rating.outcome), ()):
            people = all_met.get(number)
            if people is not None:
                people[rating.person] = people.get(rating.person, True) and rating.met
    return all_met


def count_by_national_outcome(
    ratings: Iterable[LatestRating], mapping: NationalMapping, numbers: Iterable[int] = range(1, 10)
) -> list[NationalCount]:
    """People and people met for each national outcome in `numbers`, each person counted once
    (see `people_by_national_outcome`)."""
    return [
        NationalCount(number, len(people), sum(people.values()))
        for number, people in people_by_national_outcome(ratings, mapping, numbers).items()
    ]
