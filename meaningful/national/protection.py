"""Protect one national table and audit it with every organisation's published figures.

The national default is the organisations' own: counts from 1 to the largest unsafe count
hidden, the rest rounded, with secondary suppression, so that a * stands for a hidden count,
small or not (`meaningful.disclosure.protect`, which sees the organisations' figures as an
earlier release). Suppression works the same way with exact counts. Rounding without secondary
suppression hides small counts only, and a * then tells readers the count is small: rounded
national totals can narrow an organisation's hidden count (three hidden counts of at most 7
under a national figure of 20 are each at least 4).

Either way, while the audit still finds a hidden count narrowed, the national figure its bound
rests on (here or in a linked table) is hidden and the count audited again: as a secondary
suppression, or, under rounding alone, withheld, shown as [c] and known to readers only as above
the largest small count; under suppression lines are then completed.

Before any of that, counts an organisation's own published figures already give away are
found: they are reported for the organisation and audited as known, not blamed on the national
tables.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

from meaningful.disclosure.audit import Audit, CellRange, PublishedFigure, audit
from meaningful.disclosure.policy import Policy
from meaningful.disclosure.protect import Figure, Release, protect
from meaningful.disclosure.tables import Spec
from meaningful.national.binding import binding_figures
from meaningful.national.families import Family, level_total, margins

WITHHELD = "withheld so that an organisation's hidden count cannot be worked out"
ORGANISATION_HIDDEN = "protects a figure an organisation hid"
MAX_HIDING_ROUNDS = 60


@dataclass
class Protected:
    """One national table as published, with its audit and what was found on the way."""

    release: Release
    given_away: list[CellRange]  # hidden organisation counts their own figures already narrow
    # hidden national counts that the organisations' figures alone already narrow
    given_away_nationally: list[CellRange] = dataclasses.field(default_factory=list)


def published_figures(release: Release) -> list[PublishedFigure]:
    """What readers see of the table; a withheld figure is known only to be above the
    largest count that is ever hidden as small."""
    policy = release.policy
    seen = []
    for f in release.figures:
        if f.reason == WITHHELD:
            seen.append(
                PublishedFigure(
                    f.table,
                    f.key,
                    f.spec,
                    None,
                    f.status,
                    policy.largest_unsafe + 1,
                    None,
                    "",
                    f.value,
                )
            )
        else:
            seen.append(
                PublishedFigure.of(f.table, f.key, f.spec, f.published, f.status, policy, f.value)
            )
    return seen


def _as_known(figures: Sequence[PublishedFigure]) -> list[PublishedFigure]:
    """Figures linked from another table: known to readers, but audited where they belong."""
    return [
        dataclasses.replace(f, status="secondary") if f.status == "primary" else f for f in figures
    ]


def _same_cells(one: Family, other: Family, variables: tuple[str, ...]) -> bool:
    """True when both tables count the same records once summed down to `variables`."""
    keep = set(variables)
    return one.organisations == other.organisations and margins(one, keep.__contains__) == margins(
        other, keep.__contains__
    )


@dataclass(frozen=True)
class Link:
    """An already protected table that counts some of the same people, and which of its
    figures count them."""

    release: Release
    counts_same: Callable[[Spec], bool]

    def figures(self) -> list[Figure]:
        return [f for f in self.release.figures if self.counts_same(f.spec)]


def _everything(spec: Spec) -> bool:
    return True


def links(
    family: Family, by_name: dict[str, Family], done: dict[str, Protected]
) -> tuple[list[Link], list[PublishedFigure]]:
    """Tables already protected that count the same people as this one, and the organisations'
    own figures for them.

    A table by a breakdown shares its outcome-by-level totals with the plain table; the latest
    levels share their per-outcome totals (people rated) with the first levels.
    """
    found: list[Link] = []
    own: list[PublishedFigure] = []
    if family.section != "levels":
        return found, own
    plain = by_name.get(f"{family.framework}/{family.stage}")
    if (
        family.breakdown
        and plain is not None
        and plain.name in done
        and _same_cells(family, plain, ("organisation", "outcome", "level"))
    ):
        found.append(Link(done[plain.name].release, _everything))
        own += plain.linked
    if family.stage == "latest":
        name = "/".join(filter(None, (family.framework, "baseline", family.breakdown)))
        first = by_name.get(name)
        shared = ("organisation", "outcome", family.breakdown or "outcome")
        if first is not None and first.name in done and _same_cells(family, first, shared):
            found.append(Link(done[first.name].release, partial(level_total, family=family)))
            own += [f for f in first.linked if level_total(f.spec, family)]
    return found, _as_known(own)


def _linked_figures(found: Sequence[Link]) -> list[PublishedFigure]:
    """What readers see of the linked tables' figures, as they stand now."""
    keys = {(f.table, f.key) for link in found for f in link.figures()}
    seen = [f for link in found for f in published_figures(link.release)]
    return _as_known([f for f in seen if (f.table, f.key) in keys])


def given_away_before(
    family: Family, own_links: Sequence[PublishedFigure], policy: Policy, whole_numbers: bool
) -> list[CellRange]:
    """Hidden organisation counts that the organisations' own published figures already narrow
    below the protection level, before any national figure is published.

    An organisation's own audit is not taken for this: the national audit links tables (first
    and latest levels, a breakdown and the plain table) that the organisation may have audited
    apart.
    """
    own = [*family.linked, *own_links]
    leaves = dict(family.universe.leaves)
    return audit([], policy, leaves, own, whole_numbers=whole_numbers).failures


def national_given_away(
    family: Family, own_links: Sequence[PublishedFigure], policy: Policy, whole_numbers: bool
) -> list[CellRange]:
    """Small national counts that the organisations' published figures alone already narrow
    below the protection level (a national cell that is one organisation's cell, say): no
    national figure can protect them, so they are reported rather than held against the tables."""
    targets = [
        PublishedFigure(f.table, f.key, f.spec, None, "primary", 0, None, "", f.value)
        for f in _figures(family, policy)
        if f.status == "primary"
    ]
    if not targets:
        return []
    own = _as_known([*family.linked, *own_links])
    leaves = dict(family.universe.leaves)
    return audit(targets, policy, leaves, own, whole_numbers=whole_numbers).failures


def _excuse(release: Release, excused: Sequence[CellRange]) -> None:
    """Leave out of the audit's verdict the national counts the organisations gave away."""
    keys = {r.key for r in excused}
    kept = [r for r in release.audit.ranges if r.release or r.safe or r.key not in keys]
    release.audit = Audit(kept, release.audit.problems)


def protect_family(
    family: Family,
    policy: Policy,
    by_name: dict[str, Family],
    done: dict[str, Protected],
    whole_numbers: bool = False,
) -> Protected:
    """The national table protected and audited with every linked figure."""
    found, own = links(family, by_name, done)
    before = given_away_before(family, own, policy, whole_numbers)
    lost = {(r.table, r.key, r.release) for r in before}
    linked = [
        dataclasses.replace(f, status="secondary") if (f.table, f.key, f.release) in lost else f
        for f in family.linked
    ]
    earlier = [*linked, *own]
    leaves = dict(family.universe.leaves)
    if policy.secondary_suppression:
        everything = [*earlier, *_linked_figures(found)]
        release = protect(
            family.universe, [family.table], policy, earlier=everything, whole_numbers=whole_numbers
        )
        reason = ORGANISATION_HIDDEN
    else:
        release = Release(policy, [family.table], _figures(family, policy), Audit([]))
        release.audit = audit(
            published_figures(release),
            policy,
            leaves,
            [*earlier, *_linked_figures(found)],
            whole_numbers=whole_numbers,
        )
        reason = WITHHELD if policy.method == "rounding" else ORGANISATION_HIDDEN
    excused = national_given_away(family, own, policy, whole_numbers)
    _excuse(release, excused)
    if policy.method == "rounding" or policy.secondary_suppression:
        _hide_until_safe(release, earlier, found, leaves, reason, whole_numbers)
        _excuse(release, excused)
    return Protected(release, before, excused)


def _hide_until_safe(
    release: Release,
    earlier: list[PublishedFigure],
    found: Sequence[Link],
    leaves: dict[str, tuple[str, ...]],
    reason: str,
    whole_numbers: bool,
) -> None:
    """Hide national figures (here or in a linked table) until no hidden count is narrowed.

    Hiding only ever loosens what readers know, so only the counts that failed need auditing
    again, and linked tables already audited stay safe.
    """
    ranges = {(r.table, r.key, r.release): r for r in release.audit.ranges}
    candidates = [*release.figures, *(f for link in found for f in link.figures())]
    # Under suppression an organisation's hidden figures hang together in lines, so their
    # national copies are hidden first; under rounding every small count is hidden and the
    # closest national figure is enough.
    suppression = release.policy.method == "suppression"
    hidden = [f for f in earlier if f.published is None and f.release] if suppression else []
    for _ in range(MAX_HIDING_ROUNDS):
        failures = release.audit.failures
        if release.passed:
            return
        known = [*published_figures(release), *earlier, *_linked_figures(found)]
        if not _hide(failures, candidates, hidden, known, release.policy, leaves, reason):
            return
        if suppression:
            for table in (release, *(link.release for link in found)):
                _complete_lines(table)
        failing = {(r.table, r.key, r.release) for r in failures}
        again = audit(
            _only(published_figures(release), failing),
            release.policy,
            leaves,
            _only([*earlier, *_linked_figures(found)], failing),
            whole_numbers=whole_numbers,
        )
        ranges.update({(r.table, r.key, r.release): r for r in again.ranges})
        release.audit = Audit(list(ranges.values()), again.problems)


def _figures(family: Family, policy: Policy) -> list[Figure]:
    """Every national figure, small counts hidden and the rest published by the policy."""
    figures = []
    for key, value in family.universe.tabulate(family.table).items():
        figure = Figure(family.table.name, key, family.table.spec(key), value)
        if policy.is_unsafe(value):
            figure.status, figure.reason = "primary", "small count"
        else:
            figure.published = policy.publish(value)
            exact = policy.method == "suppression" or policy.rounding_base == 1
            figure.status = "exact" if exact else "rounded"
        figures.append(figure)
    return figures


def _only(
    figures: Sequence[PublishedFigure], targets: set[tuple[str, tuple[str, ...], str]]
) -> list[PublishedFigure]:
    """The figures with only the given hidden counts left to audit (the rest still constrain)."""
    return [
        dataclasses.replace(f, status="secondary")
        if f.status == "primary" and (f.table, f.key, f.release) not in targets
        else f
        for f in figures
    ]


def _plain(spec: Spec, leaves: dict[str, tuple[str, ...]]) -> Spec:
    """The spec without the organisation and without variables it does not restrict."""
    return tuple(
        (v, codes)
        for v, codes in spec
        if v != "organisation" and codes != tuple(sorted(leaves.get(v, ())))
    )


def _neighbours(
    failure: CellRange, hidden: Sequence[PublishedFigure], leaves: dict[str, tuple[str, ...]]
) -> set[Spec]:
    """The narrowed count and every figure its organisation hid that is linked to it through
    lines (one code different at each step): their national copies minus the other
    organisations' figures would give them, and then it, away."""
    mine = [f for f in hidden if f.release == failure.release and len(f.key) == len(failure.key)]
    reached = {failure.key}
    frontier = [failure.key]
    while frontier:
        key = frontier.pop()
        for figure in mine:
            if figure.key not in reached and _one_apart(figure.key, key):
                reached.add(figure.key)
                frontier.append(figure.key)
    specs = {f.key: f.spec for f in mine}
    return {_plain(failure.spec, leaves)} | {
        _plain(specs[key], leaves) for key in reached if key in specs
    }


def _one_apart(one: tuple[str, ...], other: tuple[str, ...]) -> bool:
    return sum(a != b for a, b in zip(one, other, strict=True)) == 1


def _hide(
    failures: Sequence[CellRange],
    candidates: Sequence[Figure],
    hidden: Sequence[PublishedFigure],
    known: Sequence[PublishedFigure],
    policy: Policy,
    leaves: dict[str, tuple[str, ...]],
    reason: str,
) -> bool:
    """Hide, for each narrowed count, one shown national figure: one its bound rests on, else a
    copy of it or of a hidden figure on its lines, else the one closest to it (counting the
    fewest cells, then the smallest). False when there is none left to hide."""
    changed = False
    for failure in failures:
        shown = [f for f in candidates if not f.hidden and f.value > policy.largest_unsafe]
        holding = {(f.table, f.key) for f in binding_figures(failure.spec, known, leaves)}
        near = [f for f in shown if (f.table, f.key) in holding]
        if near:
            choice = min(near, key=lambda f: (_breadth(f.spec, leaves), f.value))
            choice.status, choice.published, choice.reason = "secondary", None, reason
            changed = True
            continue
        copies = _neighbours(failure, hidden, leaves)
        near = [
            f for f in shown if _plain(f.spec, leaves) in copies or _overlap(f.spec, failure.spec)
        ]
        if near:
            choice = min(
                near,
                key=lambda f: (
                    _plain(f.spec, leaves) not in copies,
                    _breadth(f.spec, leaves),
                    f.value,
                ),
            )
            choice.status, choice.published, choice.reason = "secondary", None, reason
            changed = True
    return changed


def _complete_lines(release: Release) -> None:
    """Under suppression: hide more until no line of a table (a total and its parts) has a
    single hidden figure, which its shown neighbours would give away exactly."""
    by_key = {(f.table, f.key): f for f in release.figures}
    lines = [
        (by_key[table.name, total], [by_key[table.name, key] for key in parts])
        for table in release.tables
        for total, parts in table.lines()
    ]
    changed = True
    while changed:
        changed = False
        for total, parts in lines:
            if sum(f.hidden for f in (total, *parts)) != 1:
                continue
            shown = [f for f in (*parts, total) if not f.hidden and f.value > 0]
            if shown:
                choice = min(shown, key=lambda f: f.value)
                choice.status, choice.published = "secondary", None
                choice.reason = ORGANISATION_HIDDEN
                changed = True


def _breadth(spec: Spec, leaves: dict[str, tuple[str, ...]]) -> int:
    """How many finest cells the figure counts."""
    restricted = dict(spec)
    return math.prod(len(restricted.get(v, codes)) for v, codes in leaves.items())


def _overlap(one: Spec, other: Spec) -> bool:
    """True when two figures count some of the same records (a variable absent counts all)."""
    theirs = dict(other)
    return all(
        variable not in theirs or not set(codes).isdisjoint(theirs[variable])
        for variable, codes in one
    )
