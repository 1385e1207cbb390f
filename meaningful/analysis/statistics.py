"""The statistics reports use, on counts (never on rows), each with the guarantee it keeps.

All take and return plain numbers and dataclasses, so they are tested against hand-checked
values and used the same way by team, organisation and national reports.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

Z95 = 1.959963984540054  # two-sided 95%
Z998 = 3.090232306167813  # two-sided 99.8%


@dataclass(frozen=True)
class Proportion:
    """`count` of `total`, with its Wilson score interval; share and interval are None when total is 0.

    A published figure whose count may not be shown has `suppressed` set, count 0 and no share.
    """

    count: int
    total: int
    share: float | None
    low: float | None
    high: float | None
    suppressed: bool = False


def wilson(count: int, total: int, z: float = Z95) -> Proportion:
    """Return count/total with its Wilson score interval (12 of 40 gives 0.181 to 0.454 at 95%)."""
    if total < 0 or count < 0 or count > total:
        raise ValueError(f"A count must lie between 0 and its total, not {count} of {total}.")
    if total == 0:
        return Proportion(count, total, None, None, None)
    share = count / total
    factor = 1 + z * z / total
    centre = (share + z * z / (2 * total)) / factor
    half = z / factor * math.sqrt(share * (1 - share) / total + z * z / (4 * total * total))
    return Proportion(count, total, share, max(0.0, centre - half), min(1.0, centre + half))


def sign_test(improved: int, worse: int) -> float | None:
    """Exact two-sided sign test p-value for improved vs worse (ties left out); None when both are 0."""
    changed = improved + worse
    if changed == 0:
        return None
    smaller = min(improved, worse)
    if 2 * smaller == changed:
        return 1.0
    return min(1.0, 2 * _binomial_half_tail(changed, smaller))


def _binomial_half_tail(n: int, k: int) -> float:
    """P(X <= k) for X ~ Binomial(n, 1/2), k below n/2, summed down from the largest term.

    Each term is the one above times i / (n - i + 1), so nothing underflows before it stops
    mattering, whatever n is.
    """
    log_term = math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1) - n * math.log(2)
    term = math.exp(log_term)
    total = 0.0
    for i in range(k, -1, -1):
        total += term
        if term < total * 1e-17:
            break
        term *= i / (n - i + 1)
    return total


@dataclass(frozen=True)
class Change:
    """Paired change baseline -> latest review for one outcome, over the people rated at both."""

    people: int
    improved: Proportion
    same: Proportion
    worse: Proportion
    net_improvement: float | None  # (improved - worse) / people
    p_value: float | None  # exact sign test
    maintained: Proportion | None  # held steady or better; only for maintenance outcomes


def paired_change(improved: int, same: int, worse: int, *, maintenance: bool = False) -> Change:
    """Summarise paired change; for maintenance outcomes also report 'maintained' (not worse)."""
    people = improved + same + worse
    return Change(
        people=people,
        improved=wilson(improved, people),
        same=wilson(same, people),
        worse=wilson(worse, people),
        net_improvement=(improved - worse) / people if people else None,
        p_value=sign_test(improved, worse),
        maintained=wilson(improved + same, people) if maintenance else None,
    )


@dataclass(frozen=True)
class FunnelPoint:
    """One unit (such as a team) on a funnel plot, and where it falls against the limits."""

    name: str
    count: int
    total: int
    share: float | None
    low95: float
    high95: float
    low998: float
    high998: float
    position: str  # "within", "above 95%", "below 95%", "above 99.8%", "below 99.8%", "no data"


@dataclass(frozen=True)
class Funnel:
    overall: float | None
    points: list[FunnelPoint]

    def curve(self, totals: Sequence[int]) -> list[tuple[int, float, float, float, float]]:
        """The control limits at each size in `totals`, for drawing the funnel's outline."""
        if self.overall is None:
            return []
        return [(n, *_limits(self.overall, n)) for n in totals if n > 0]


def _limits(p0: float, n: int) -> tuple[float, float, float, float]:
    spread = math.sqrt(p0 * (1 - p0) / n) if n else 0.0
    return (
        max(0.0, p0 - Z95 * spread),
        min(1.0, p0 + Z95 * spread),
        max(0.0, p0 - Z998 * spread),
        min(1.0, p0 + Z998 * spread),
    )


def funnel(units: Sequence[tuple[str, int, int]]) -> Funnel:
    """Place units (name, count, total) against 95% and 99.8% limits around the overall share.

    Units keep the order given: a funnel plot compares each with the whole, never ranks them.
    """
    total = sum(unit[2] for unit in units)
    overall = sum(unit[1] for unit in units) / total if total else None
    points = []
    for name, count, size in units:
        if overall is None or size == 0:
            points.append(FunnelPoint(name, count, size, None, 0, 0, 0, 0, "no data"))
            continue
        low95, high95, low998, high998 = _limits(overall, size)
        share = count / size
        if share > high998:
            position = "above 99.8%"
        elif share < low998:
            position = "below 99.8%"
        elif share > high95:
            position = "above 95%"
        elif share < low95:
            position = "below 95%"
        else:
            position = "within"
        points.append(
            FunnelPoint(name, count, size, share, low95, high95, low998, high998, position)
        )
    return Funnel(overall, points)


def gas_t_score(
    scores: Sequence[int], weights: Sequence[float] | None = None, rho: float = 0.3
) -> float:
    """Goal Attainment Scaling T-score (Kiresuk and Sherman); levels 0, 1, -1, 2 give 57.25."""
    if not scores:
        raise ValueError("A T-score needs at least one goal.")
    if any(score not in (-2, -1, 0, 1, 2) for score in scores):
        raise ValueError("Goal attainment levels run from -2 to +2.")
    weights = list(weights) if weights is not None else [1.0] * len(scores)
    if len(weights) != len(scores):
        raise ValueError("Give one weight for each goal.")
    weighted = sum(w * x for w, x in zip(weights, scores, strict=True))
    spread = (1 - rho) * sum(w * w for w in weights) + rho * sum(weights) ** 2
    return 50 + 10 * weighted / math.sqrt(spread)


def summed_score(values: Sequence[int | None]) -> int | None:
    """Unweighted sum of item scores; None when any item is missing (a part sum would mislead)."""
    if not values or any(value is None for value in values):
        return None
    return sum(value for value in values if value is not None)
