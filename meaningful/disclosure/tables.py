"""Linked tables of counts over one set of records, described so they can be protected and audited.

A `Universe` holds the counts of the finest cells: one leaf code per variable (team, outcome,
level, quarter...). A `TableSpec` is one published table: a `Dimension` per variable it breaks
down by, each a hierarchy over that variable's leaves (organisation > service > team, or simply
the levels with a total). Variables a table does not mention are summed over. Every figure of
every table is therefore a sum of finest cells, which is what lets the audit see how tables
published together (team, service and organisation; quarter and year) constrain each other.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

# A figure's reach: for each variable it restricts, the leaf codes it covers (sorted).
Spec = tuple[tuple[str, tuple[str, ...]], ...]


@dataclass(frozen=True)
class Dimension:
    """One variable of a table as a tree of codes; the root is the total (None: no total)."""

    variable: str
    leaves: tuple[str, ...]
    groups: tuple[tuple[str, tuple[str, ...]], ...] = ()  # parent code -> its children, top first
    total: str | None = "Total"

    def __post_init__(self) -> None:
        if len(set(self.leaves)) != len(self.leaves):
            raise ValueError(f"{self.variable}: a code appears twice.")
        known = set(self.leaves)
        for parent, children in reversed(self.groups):
            if parent in known:
                raise ValueError(f"{self.variable}: {parent!r} is used twice.")
            unknown = [c for c in children if c not in known]
            if unknown:
                raise ValueError(f"{self.variable}: {parent!r} groups unknown codes {unknown}.")
            known.add(parent)
        if self.total is not None and self.total in known:
            raise ValueError(f"{self.variable}: the total's name {self.total!r} is also a code.")

    @property
    def codes(self) -> tuple[str, ...]:
        """Every code shown in the table: the total, then groups, then leaves."""
        head = (self.total,) if self.total is not None else ()
        return head + tuple(parent for parent, _ in self.groups) + self.leaves

    def children(self) -> dict[str, tuple[str, ...]]:
        """Each code that is a sum, with the codes it sums (the total over the top level)."""
        out = dict(self.groups)
        if self.total is not None:
            grouped = {child for _, children in self.groups for child in children}
            out[self.total] = tuple(
                code for code in (*(p for p, _ in self.groups), *self.leaves) if code not in grouped
            )
        return out

    def leaves_under(self, code: str) -> tuple[str, ...]:
        try:
            return self._under[code]
        except KeyError:
            raise KeyError(f"{self.variable} has no code {code!r}.") from None

    @functools.cached_property
    def _under(self) -> dict[str, tuple[str, ...]]:
        sums = self.children()

        def under(code: str) -> tuple[str, ...]:
            if code not in sums:
                return (code,)
            return tuple(leaf for child in sums[code] for leaf in under(child))

        return {code: under(code) for code in self.codes}


def flat(variable: str, leaves: Sequence[str], total: str | None = "Total") -> Dimension:
    return Dimension(variable, tuple(leaves), (), total)


def tree(
    variable: str, nested: Mapping[str, Sequence[str]], total: str | None = "Total"
) -> Dimension:
    """A two-level hierarchy: each group with its leaves (service -> teams)."""
    leaves = tuple(leaf for children in nested.values() for leaf in children)
    groups = tuple((group, tuple(children)) for group, children in nested.items())
    return Dimension(variable, leaves, groups, total)


@dataclass(frozen=True)
class TableSpec:
    name: str
    dimensions: tuple[Dimension, ...]

    def keys(self) -> Iterator[tuple[str, ...]]:
        return itertools.product(*(d.codes for d in self.dimensions))

    def spec(self, key: Sequence[str]) -> Spec:
        return tuple(
            sorted(
                (d.variable, tuple(sorted(d.leaves_under(code))))
                for d, code in zip(self.dimensions, key, strict=True)
            )
        )

    def lines(self) -> Iterator[tuple[tuple[str, ...], list[tuple[str, ...]]]]:
        """Every sum in the table: (key of the total, keys of its parts)."""
        for position, dimension in enumerate(self.dimensions):
            others = [d.codes for d in self.dimensions]
            for parent, children in dimension.children().items():
                others[position] = (parent,)
                for key in itertools.product(*others):
                    parts = [(*key[:position], c, *key[position + 1 :]) for c in children]
                    yield key, parts


@dataclass
class Universe:
    """The counts of the finest cells: a leaf code for each variable, in `variables` order."""

    variables: tuple[str, ...]
    leaves: dict[str, tuple[str, ...]]
    counts: dict[tuple[str, ...], int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for key, count in self.counts.items():
            if count < 0:
                raise ValueError("Counts are never negative.")
            for variable, code in zip(self.variables, key, strict=True):
                if code not in self.leaves[variable]:
                    raise ValueError(f"{variable} has no code {code!r}.")

    def check(self, table: TableSpec) -> None:
        for dimension in table.dimensions:
            if dimension.variable not in self.leaves:
                raise ValueError(f"Table {table.name!r}: no variable {dimension.variable!r}.")
            unknown = set(dimension.leaves) - set(self.leaves[dimension.variable])
            if unknown:
                raise ValueError(
                    f"Table {table.name!r}: {dimension.variable} has no codes {sorted(unknown)}."
                )

    def tabulate(self, table: TableSpec) -> dict[tuple[str, ...], int]:
        """Every figure of the table (zeros included), summed from the finest cells."""
        self.check(table)
        values = dict.fromkeys(table.keys(), 0)
        positions = [self.variables.index(d.variable) for d in table.dimensions]
        above = [_codes_above(d) for d in table.dimensions]
        for key, count in self.counts.items():
            if count:
                reach = [up.get(key[i], ()) for i, up in zip(positions, above, strict=True)]
                for cell in itertools.product(*reach):  # nothing when a code is not in the table
                    values[cell] += count
        return values


def _codes_above(dimension: Dimension) -> dict[str, tuple[str, ...]]:
    """For each leaf, the codes whose figures include it (itself, its groups, the total)."""
    above: dict[str, list[str]] = {leaf: [] for leaf in dimension.leaves}
    for code in dimension.codes:
        for leaf in dimension.leaves_under(code):
            above[leaf].append(code)
    return {leaf: tuple(codes) for leaf, codes in above.items()}
