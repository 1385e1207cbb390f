"""A disclosure policy for published counts, NHS England style by default: 1-7 hidden, rest to 5.

Pure Python (no Django), so the rules are tested on their own and applied the same way to every
output. Counts below the threshold and above zero are unsafe (`count < threshold`, or
`count <= threshold` when the comparison says so); zero is published as zero. Two methods protect a
table: rounding (every other count rounded to the nearest multiple of the base, halves up) and
suppression (the other counts exact, with secondary suppression so that totals do not give the
hidden ones away). Rounding may ask for secondary suppression too, for linked tables that
rounding alone does not protect; a * then stands for any count, not only a small one. Either way
the audit (`audit.py`) checks the release before it leaves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Method = Literal["rounding", "suppression"]
Comparison = Literal["<", "<="]


@dataclass(frozen=True)
class Policy:
    threshold: int = 8  # a count c with 0 < c < threshold is suppressed (so 1-7 by default)
    rounding_base: int = 5
    minimum_n: int = 8  # no derived figure (share, mean, test) from fewer published people
    method: Method = "rounding"
    comparison: Comparison = "<"
    # The narrowest range an attacker may work out for a hidden count: hi - lo must reach this.
    protection_level: int = 3
    # Suppression only: hide a count that holds everyone in its line (all in one cell).
    group_disclosure: bool = False
    # Add secondary suppressions until the audit passes. None: the method's usual practice
    # (yes for suppression; no for rounding, as NHS England publishes).
    secondary_suppression: bool | None = None

    def __post_init__(self) -> None:
        if self.secondary_suppression is None:
            object.__setattr__(self, "secondary_suppression", self.method == "suppression")
        if self.threshold < 1 or self.rounding_base < 1 or self.minimum_n < 1:
            raise ValueError("Threshold, rounding base and minimum n must each be at least 1.")
        if self.method not in ("rounding", "suppression"):
            raise ValueError("The method is either 'rounding' or 'suppression'.")
        if self.comparison not in ("<", "<="):
            raise ValueError("The comparison is either '<' or '<='.")
        if self.protection_level < 1:
            raise ValueError("The protection level must be at least 1.")
        if self.method == "suppression" and self.rounding_base != 1:
            raise ValueError("Suppression publishes exact counts: set the rounding base to 1.")
        if self.method == "rounding" and self.group_disclosure:
            raise ValueError(
                "The all-in-one-cell rule needs the suppression method: under rounding a hidden "
                "count is known to be small, so hiding a large one would tell readers the opposite."
            )

    @property
    def largest_unsafe(self) -> int:
        return self.threshold if self.comparison == "<=" else self.threshold - 1

    def is_unsafe(self, count: int) -> bool:
        """True for a count that must not be published (0 < count < threshold, or <=)."""
        return 0 < count <= self.largest_unsafe

    def publish(self, count: int) -> int | None:
        """The count as published: None when suppressed, else rounded to the base (halves up)."""
        if count < 0:
            raise ValueError("Counts are never negative.")
        if self.is_unsafe(count):
            return None
        base = self.rounding_base
        return (count + base // 2) // base * base if base > 1 else count

    @property
    def smallest_shown(self) -> int:
        """The smallest count above zero that can be published (the threshold, rounded)."""
        first_safe = self.largest_unsafe + 1
        shown = self.publish(first_safe)
        return shown if shown is not None else first_safe

    def published_range(self, published: int | None) -> tuple[int, int | None]:
        """What a reader knows of a count from its published form: (lowest, highest or None).

        A hidden count under rounding alone is known to be small (1 to the largest unsafe
        count); with secondary suppression only that it is not zero (zeros are shown), unless the
        all-in-one-cell rule can hide a line's zeros too.
        """
        if published is None:
            if self.method == "rounding" and not self.secondary_suppression:
                return 1, self.largest_unsafe
            return (0 if self.group_disclosure else 1), None
        if published == 0:
            return 0, 0
        base = self.rounding_base
        low = max(published - base // 2, self.largest_unsafe + 1)
        return low, published + base - 1 - base // 2

    def may_show(self, published: int) -> bool:
        """True for a number that can stand in a published table under this policy."""
        return published in (0, -1) or (
            published >= self.smallest_shown and published % self.rounding_base == 0
        )

    def describe(self) -> str:
        if self.method == "suppression":
            return (
                f"Counts from 1 to {self.largest_unsafe} are hidden (*), and further counts are "
                "hidden where totals would give them away; shown counts are exact, and no "
                f"percentage, mean or test is given for fewer than {self.minimum_n}."
            )
        further = (
            ", and so are further counts where totals would give them away;"
            if self.secondary_suppression
            else " and"
        )
        return (
            f"Counts from 1 to {self.largest_unsafe} are shown as *{further} all others are "
            f"rounded to the nearest {self.rounding_base}; percentages are worked out from the "
            "published counts, and no percentage, mean or test is given for fewer than "
            f"{self.minimum_n}."
        )


NHS_STYLE = Policy()

# A published total that is itself hidden: shown as * and written as null in JSON.
HIDDEN = -1


def shown_or_hidden(policy: Policy, count: int) -> int:
    """The count as published, or HIDDEN."""
    published = policy.publish(count)
    return HIDDEN if published is None else published
