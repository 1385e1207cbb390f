"""A disclosure policy for published counts, NHS England style by default: 1-7 hidden, rest to 5.

Pure Python (no Django), so the rules are tested on their own and applied the same way to every
output. Counts below the threshold and above zero are unsafe (`count < threshold`); zero is
published as zero; every other count is rounded to the nearest multiple of the base, halves up.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Policy:
    threshold: int = 8  # a count c with 0 < c < threshold is suppressed (so 1-7 by default)
    rounding_base: int = 5
    minimum_n: int = 8  # no derived figure (share, mean, test) from fewer published people

    def __post_init__(self) -> None:
        if self.threshold < 1 or self.rounding_base < 1 or self.minimum_n < 1:
            raise ValueError("Threshold, rounding base and minimum n must each be at least 1.")

    def is_unsafe(self, count: int) -> bool:
        """True for a count that must not be published (0 < count < threshold)."""
        return 0 < count < self.threshold

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
        shown = self.publish(self.threshold)
        return shown if shown is not None else self.threshold

    def may_show(self, published: int) -> bool:
        """True for a number that can stand in a published table under this policy."""
        return published in (0, -1) or (
            published >= self.smallest_shown and published % self.rounding_base == 0
        )

    def describe(self) -> str:
        return (
            f"Counts from 1 to {self.threshold - 1} are shown as * and all others are rounded to "
            f"the nearest {self.rounding_base}; percentages are worked out from the published "
            f"counts, and no percentage, mean or test is given for fewer than {self.minimum_n}."
        )


NHS_STYLE = Policy()

# A published total that is itself hidden: shown as * and written as null in JSON.
HIDDEN = -1


def shown_or_hidden(policy: Policy, count: int) -> int:
    """The count as published, or HIDDEN."""
    published = policy.publish(count)
    return HIDDEN if published is None else published
