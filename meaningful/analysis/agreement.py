"""Agreement between coders on nominal data: Cohen's kappa for two, Krippendorff's alpha for any.

Both take plain values (any hashable: a code, True/False, a category name) with None standing
for a missing value, a unit that coder did not code.

Cohen's kappa compares two coders over the units both coded: the share of units they agree on
(observed, p_o) against the share two coders with their own marginal frequencies would agree on
by chance (expected, p_e): kappa = (p_o - p_e) / (1 - p_e).

Krippendorff's alpha (nominal) counts pairs of values within each unit in a coincidence
matrix, each unit with m values adding its m(m - 1) ordered pairs weighted 1 / (m - 1); a unit
with fewer than two values holds no pair and drops out. With n the number of pairable values
and n_c of them in category c, alpha = 1 - (n - 1) * sum(o_ck, c != k) / sum(n_c * n_k, c != k).

Both are undefined when there is no variation to agree about (every value the same category,
so that chance agreement is certain): they are then reported as None with the reason, never as
a number that would read as perfect or as failed agreement.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from itertools import permutations

Value = Hashable | None

NO_VARIATION = "Every value is the same category, so agreement beyond chance cannot be measured."
TOO_FEW = "Fewer than two units were coded by both."


@dataclass(frozen=True)
class Kappa:
    """Cohen's kappa and what it was computed from; ``kappa`` is None when it is undefined."""

    kappa: float | None
    observed: float | None  # p_o, the share of units the two agree on
    expected: float | None  # p_e, the share they would agree on by chance
    units: int  # units coded by both
    why_undefined: str = ""


@dataclass(frozen=True)
class Alpha:
    """Krippendorff's alpha (nominal); ``alpha`` is None when it is undefined."""

    alpha: float | None
    observed_disagreement: float | None
    expected_disagreement: float | None
    pairable_values: int  # n: values in units with at least two values
    units: int  # units with at least two values
    why_undefined: str = ""


def cohens_kappa(first: Sequence[Value], second: Sequence[Value]) -> Kappa:
    """Cohen's kappa for two coders' values unit by unit; units either left missing drop out."""
    if len(first) != len(second):
        raise ValueError("Both coders need a value (or None) for every unit.")
    pairs = [(a, b) for a, b in zip(first, second, strict=True) if a is not None and b is not None]
    n = len(pairs)
    if n < 2:
        return Kappa(None, None, None, n, TOO_FEW)
    observed = sum(1 for a, b in pairs if a == b) / n
    first_counts = Counter(a for a, _ in pairs)
    second_counts = Counter(b for _, b in pairs)
    expected = sum(first_counts[c] * second_counts[c] for c in first_counts) / (n * n)
    if expected >= 1.0:
        return Kappa(None, observed, expected, n, NO_VARIATION)
    return Kappa((observed - expected) / (1.0 - expected), observed, expected, n)


def coincidences(data: Sequence[Sequence[Value]]) -> dict[tuple[Hashable, Hashable], float]:
    """The coincidence matrix o_ck of reliability data given as coders x units."""
    if not data:
        return {}
    width = len(data[0])
    if any(len(row) != width for row in data):
        raise ValueError("Every coder needs a value (or None) for every unit.")
    matrix: dict[tuple[Hashable, Hashable], float] = defaultdict(float)
    for unit in range(width):
        values = [row[unit] for row in data if row[unit] is not None]
        m = len(values)
        if m < 2:
            continue
        for a, b in permutations(values, 2):
            matrix[(a, b)] += 1.0 / (m - 1)
    return dict(matrix)


def krippendorff_alpha_nominal(data: Sequence[Sequence[Value]]) -> Alpha:
    """Krippendorff's alpha for nominal values; ``data`` is coders x units, None where missing."""
    matrix = coincidences(data)
    units = sum(
        1
        for unit in range(len(data[0]) if data else 0)
        if sum(row[unit] is not None for row in data) >= 2
    )
    totals: dict[Hashable, float] = defaultdict(float)
    for (category, _), weight in matrix.items():
        totals[category] += weight
    n = sum(totals.values())
    pairable = round(n)
    if pairable < 2:
        return Alpha(None, None, None, pairable, units, TOO_FEW)
    observed = sum(weight for (c, k), weight in matrix.items() if c != k)
    chance = sum(totals[c] * totals[k] for c in totals for k in totals if c != k)
    if chance == 0:
        return Alpha(None, observed / n, 0.0, pairable, units, NO_VARIATION)
    observed_disagreement = observed / n
    expected_disagreement = chance / (n * (n - 1))
    alpha = 1.0 - observed_disagreement / expected_disagreement
    return Alpha(alpha, observed_disagreement, expected_disagreement, pairable, units)
