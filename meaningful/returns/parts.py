"""The parts of a return as the disclosure package sees them: finest cells and tables over them.

Each part (one framework's baseline tables, its latest tables, its change, reviews, recording)
is protected and audited on its own, since no figure of one adds up figures of another. Its
tables are named with the part's prefix, which is also how figures of earlier releases in the
register find the part they link to.

Linking periods. Every figure of a return counts only the units of its own period, so each
table carries one more variable, "in START..END", fixed to "yes". A unit of this return also
says, for each earlier release it is checked against, whether that release counted it. Where one
period lies within the other, a unit counted by the shorter one is always counted by the longer
(a rating, due review or record in a quarter is one in its year), so the part publishes, for the
audit only, that there are no such units outside: a zero that readers can work out themselves.
Variables that change with the period's end (the latest level, service type and age band "at"
that day) are named with the day, so that figures of periods ending on different days are linked
only where they count the same thing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from meaningful.disclosure.tables import Dimension, TableSpec, Universe, flat
from meaningful.reports.period import Period

YES, NO = "yes", "no"


def counted_in(period: Period) -> str:
    """The variable saying whether a unit is counted in that period's return."""
    return f"in {period.start:%Y-%m-%d}..{period.end:%Y-%m-%d}"


def at(name: str, period: Period) -> str:
    """A variable whose value depends on the day it is taken (the period's end)."""
    return f"{name} at {period.end:%Y-%m-%d}"


@dataclass(frozen=True)
class Unit:
    """Codes, one per variable of the part, how many units share them, and membership."""

    codes: tuple[str, ...]
    count: int
    counted_in: Callable[[Period], bool]


@dataclass
class Part:
    prefix: str
    universe: Universe
    tables: list[TableSpec]
    # each published table's name (without the prefix) and its dimensions' variables
    shown: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def table_name(self, name: str) -> str:
        return self.prefix + name


def _same_days(one: Period, other: Period) -> bool:
    return (one.start, one.end) == (other.start, other.end)


def _within(inner: Period, outer: Period) -> bool:
    return outer.start <= inner.start and inner.end <= outer.end


def build_part(
    prefix: str,
    leaves: Mapping[str, Sequence[str]],
    tables: Mapping[str, tuple[Dimension, ...]],
    units: Sequence[Unit],
    period: Period,
    earlier: Sequence[Period],
    *,
    nested: bool = True,
) -> Part:
    """The part's universe (with the membership variables) and its tables, all named.

    `nested`: a unit counted in a period is always counted in any period holding it, so the
    audit may be told that none is counted in the shorter and not in the longer. Not so for
    figures whose membership itself depends on the period's last day.
    """
    by_days = {(e.start, e.end): e for e in earlier if not _same_days(e, period)}
    others = list(by_days.values())
    here = counted_in(period)
    variables = (*leaves, here, *(counted_in(e) for e in others))
    counts: Counter[tuple[str, ...]] = Counter()
    for unit in units:
        member = tuple(YES if unit.counted_in(e) else NO for e in others)
        counts[(*unit.codes, YES, *member)] += unit.count
    all_leaves = {name: tuple(codes) for name, codes in leaves.items()}
    all_leaves |= {name: (YES, NO) for name in variables[len(leaves) :]}
    part = Part(prefix, Universe(variables, all_leaves, dict(counts)), [])
    own = flat(here, (YES,), total=None)
    for name, dimensions in tables.items():
        part.tables.append(TableSpec(part.table_name(name), (*dimensions, own)))
        part.shown[name] = tuple(d.variable for d in dimensions)
    for other in others if nested else ():
        if _within(other, period):
            part.tables.append(_nothing_outside(part, other, period))
        elif _within(period, other):
            part.tables.append(_nothing_outside(part, period, other))
    return part


def _nothing_outside(part: Part, inner: Period, outer: Period) -> TableSpec:
    """Units counted in the inner period but not in the outer one: none, by definition."""
    return TableSpec(
        part.table_name(f"{counted_in(inner)} within {counted_in(outer)}"),
        (flat(counted_in(inner), (YES,), total=None), flat(counted_in(outer), (NO,), total=None)),
    )
