"""Protect a set of linked tables under a policy, then audit them together.

Rounding (the default, NHS England style): unsafe counts hidden, all others rounded; rounded
totals usually leave every hidden count a wide range, which the audit confirms. Where many
linked tables and their zeros narrow one all the same, a policy may ask for secondary
suppression under rounding too: figures are then hidden only where the audit asks. Suppression:
unsafe counts hidden (primary), then secondary suppression so that no line of a table (a total
and its parts) has a single hidden figure, copies of the same figure in different tables hidden
together, and further hiding wherever the audit can still narrow a hidden count, until it
cannot.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from meaningful.disclosure.audit import Audit, PublishedFigure, audit
from meaningful.disclosure.layout import canonical
from meaningful.disclosure.policy import Policy
from meaningful.disclosure.tables import Spec, TableSpec, Universe

Status = Literal["exact", "rounded", "primary", "secondary"]
HIDDEN_STATUSES = ("primary", "secondary")
MAX_AUDIT_ROUNDS = 40


@dataclass
class Figure:
    table: str
    key: tuple[str, ...]
    spec: Spec
    value: int  # the true count: never leaves the organisation
    status: Status = "exact"
    published: int | None = None
    reason: str = ""  # why a figure is hidden

    @property
    def hidden(self) -> bool:
        return self.status in HIDDEN_STATUSES


@dataclass
class Release:
    policy: Policy
    tables: list[TableSpec]
    figures: list[Figure]
    audit: Audit
    # (table, key of the cell holding everyone, key of its line's total): all-in-one-cell lines
    groups: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.audit.passed

    def table(self, name: str) -> dict[tuple[str, ...], int | None]:
        """The table as published: None for a hidden figure."""
        return {f.key: f.published for f in self.figures if f.table == name}

    def published(self) -> list[PublishedFigure]:
        """What a reader sees, for the release register (no true counts)."""
        return [
            PublishedFigure.of(f.table, f.key, f.spec, f.published, f.status, self.policy)
            for f in self.figures
        ]


def protect(
    universe: Universe,
    tables: Sequence[TableSpec],
    policy: Policy,
    earlier: Sequence[PublishedFigure] = (),
    whole_numbers: bool = True,
) -> Release:
    """Protect and audit the tables (and their links to earlier releases) under the policy
    (`whole_numbers`: see `audit`)."""
    if len({t.name for t in tables}) != len(tables):
        raise ValueError("Each table in a release needs its own name.")
    figures: list[Figure] = []
    for table in tables:
        for key, value in universe.tabulate(table).items():
            figures.append(Figure(table.name, key, table.spec(key), value))
    for figure in figures:
        if policy.is_unsafe(figure.value):
            figure.status, figure.reason = "primary", "small count"
    groups = _group_disclosures(tables, figures, policy)
    if policy.secondary_suppression:
        _secondary(tables, figures, universe.leaves, lines=policy.method == "suppression")
    _publish(figures, policy)
    published = _as_published(figures, policy)
    result = audit(
        published, policy, universe.leaves, earlier, _pairs(groups), whole_numbers=whole_numbers
    )
    if policy.secondary_suppression:
        result = _suppress_until_safe(
            universe, tables, figures, policy, earlier, result, groups, whole_numbers
        )
    return Release(policy, list(tables), figures, result, groups)


def _publish(figures: list[Figure], policy: Policy) -> None:
    for figure in figures:
        if figure.hidden:
            figure.published = None
        elif policy.method == "rounding":
            figure.published = policy.publish(figure.value)
            figure.status = "rounded" if policy.rounding_base > 1 else "exact"
        else:
            figure.published, figure.status = figure.value, "exact"


def _as_published(figures: list[Figure], policy: Policy) -> list[PublishedFigure]:
    return [
        PublishedFigure.of(f.table, f.key, f.spec, f.published, f.status, policy, f.value)
        for f in figures
    ]


def _pairs(
    groups: list[tuple[str, tuple[str, ...], tuple[str, ...]]],
) -> list[tuple[tuple[str, tuple[str, ...]], tuple[str, tuple[str, ...]]]]:
    return [((table, cell), (table, total)) for table, cell, total in groups]


def _index(figures: list[Figure]) -> dict[tuple[str, tuple[str, ...]], Figure]:
    return {(f.table, f.key): f for f in figures}


def _group_disclosures(
    tables: Sequence[TableSpec], figures: list[Figure], policy: Policy
) -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:
    """Under the all-in-one-cell rule, hide a part that holds its whole line (of two or more)."""
    if not policy.group_disclosure:
        return []
    by_key = _index(figures)
    found = []
    for table in tables:
        for total_key, part_keys in table.lines():
            total = by_key[table.name, total_key]
            if total.value == 0 or len(part_keys) < 2:
                continue
            for key in part_keys:
                part = by_key[table.name, key]
                if part.value == total.value:
                    if not part.hidden:
                        part.status, part.reason = "primary", "holds everyone in its line"
                    found.append((table.name, key, total_key))
                    for other in part_keys:
                        empty = by_key[table.name, other]
                        if other != key and not empty.hidden:
                            empty.status, empty.reason = "secondary", "hides who is not here"
    return found


def _secondary(
    tables: Sequence[TableSpec],
    figures: list[Figure],
    leaves: Mapping[str, Sequence[str]],
    *,
    lines: bool,
) -> None:
    """Hide more figures until copies of a figure agree and, with `lines`, no line has exactly
    one hidden figure (under rounding the other figures of a line are not exact, so the audit
    alone decides what more to hide)."""
    by_key = _index(figures)
    copies: dict[Spec, list[Figure]] = {}
    for figure in figures:
        copies.setdefault(canonical(figure.spec, leaves), []).append(figure)
    sums = [
        (by_key[t.name, total], [by_key[t.name, k] for k in parts])
        for t in tables
        for total, parts in t.lines()
        if lines
    ]
    lines_of: dict[Spec, list[list[Figure]]] = {}  # every line holding the figure or a copy
    for total, parts in sums:
        for figure in (total, *parts):
            lines_of.setdefault(canonical(figure.spec, leaves), []).append([total, *parts])

    def left_single(figure: Figure) -> int:
        """How many more lines hiding the figure leaves with a single hidden figure."""
        held = lines_of[canonical(figure.spec, leaves)]
        hidden = [sum(f.hidden for f in line) for line in held]
        return sum(1 for h in hidden if h == 0) - sum(1 for h in hidden if h == 1)

    changed = True
    while changed:
        changed = False
        for same in copies.values():
            if any(f.hidden for f in same) and not all(f.hidden for f in same):
                for figure in same:
                    if not figure.hidden:
                        figure.status, figure.reason = "secondary", "the same figure is hidden"
                changed = True
        for total, parts in sums:
            members = [total, *parts]
            if sum(f.hidden for f in members) == 1:
                _hide_partner(total, parts, left_single)
                changed = True


def _hide_partner(total: Figure, parts: list[Figure], left_single: Callable[[Figure], int]) -> None:
    """Hide a shown non-zero part of the line (the one leaving fewest other lines with a single
    hidden figure, then the smallest), or else its total (or else a zero)."""
    shown = [p for p in parts if not p.hidden and p.value > 0]
    if shown:
        choice = min(shown, key=lambda f: (left_single(f), f.value))
    elif not total.hidden:
        choice = total
    else:  # only zeros are left: the all-in-one-cell rule, where readers know a * may be 0
        choice = next(p for p in parts if not p.hidden)
    choice.status, choice.reason = "secondary", "protects another hidden figure"


def _suppress_until_safe(
    universe: Universe,
    tables: Sequence[TableSpec],
    figures: list[Figure],
    policy: Policy,
    earlier: Sequence[PublishedFigure],
    result: Audit,
    groups: list[tuple[str, tuple[str, ...], tuple[str, ...]]],
    whole_numbers: bool = True,
) -> Audit:
    """While the audit narrows a hidden figure, hide a neighbour of it and audit again.

    Hiding a figure only takes a constraint away from readers, so a hidden count found safe
    stays safe: each round checks again only the counts that were not."""
    by_key = _index(figures)
    leaves = universe.leaves
    lines_of: dict[Spec, list[list[Figure]]] = {}  # every line holding the figure or a copy
    for table in tables:
        for total, parts in table.lines():
            line = [by_key[table.name, total]] + [by_key[table.name, k] for k in parts]
            for figure in line:
                lines_of.setdefault(canonical(figure.spec, leaves), []).append(line)
    for _ in range(MAX_AUDIT_ROUNDS):
        if result.passed:
            return result
        progress = False
        for failure in result.failures:
            candidates = [
                f
                for line in lines_of.get(canonical(failure.spec, leaves), [])
                for f in line
                if _may_hide(f)
            ] or [f for f in figures if _may_hide(f) and _overlap(f.spec, failure.spec)]
            if candidates:
                choice = min(candidates, key=lambda f: f.value)
                choice.status, choice.reason = "secondary", "protects another hidden figure"
                progress = True
        if not progress:
            return result
        _secondary(tables, figures, leaves, lines=policy.method == "suppression")
        _publish(figures, policy)
        again = audit(
            _as_published(figures, policy),
            policy,
            universe.leaves,
            earlier,
            _pairs(groups),
            only={failure.spec for failure in result.failures},
            whole_numbers=whole_numbers,
        )
        result = Audit([r for r in result.ranges if r.safe] + again.ranges, again.problems)
    return result


def _may_hide(figure: Figure) -> bool:
    return not figure.hidden and figure.value > 0


def _overlap(one: Spec, other: Spec) -> bool:
    """True when two figures count some of the same records (a variable absent counts all)."""
    theirs = dict(other)
    return all(
        variable not in theirs or not set(codes).isdisjoint(theirs[variable])
        for variable, codes in one
    )
