"""Combine organisations' returns into national tables, protected and audited as one release.

Every return is read and checked first; if any is refused (malformed, tampered, a duplicate,
another period, a framework version described differently) nothing is combined and every
reason is given, each naming its file. National counts are the sums of the organisations'
exact counts over the finest cells, kept apart by framework version and stage. Each national
table is protected under the national policy and audited together with every organisation's
own published figures for the same cells (linked figures, the organisation an extra variable),
so that the national total minus the other organisations' published figures cannot give away a
count an organisation hid.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils import timezone

from meaningful.disclosure.audit import CellRange
from meaningful.disclosure.policy import Policy
from meaningful.disclosure.protect import Release
from meaningful.national.families import (
    Family,
    change_family,
    level_families,
    national_outcomes_family,
    quality_family,
    reviews_family,
)
from meaningful.national.protection import WITHHELD, Protected, protect_family
from meaningful.national.reading import FrameworkInfo, ReadReturn, SubmittedReturn, read_return
from meaningful.reports.period import Period

RELEASE_FORMAT = "meaningful-national-release"


class ReturnsRefused(Exception):
    """One or more returns cannot be combined; `problems` says which and why, one per line."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


def read_returns(returns: Sequence[SubmittedReturn]) -> list[ReadReturn]:
    """Every return read and checked, alone and against the others; else ReturnsRefused."""
    if not returns:
        raise ReturnsRefused(["Give at least one return to combine."])
    problems: list[str] = []
    accepted: list[ReadReturn] = []
    for submitted in returns:
        read, found = read_return(submitted)
        problems += [f"{submitted.name}: {problem}" for problem in found]
        if read is not None and not found:
            accepted.append(read)
    problems += duplicates(accepted) + mixed_periods(accepted) + framework_conflicts(accepted)
    if problems:
        raise ReturnsRefused(problems)
    return accepted


def duplicates(returns: Sequence[ReadReturn]) -> list[str]:
    """A return given twice, or two returns from one organisation for one period."""
    problems = []
    by_checksum: dict[str, ReadReturn] = {}
    by_organisation: dict[tuple[str, str], ReadReturn] = {}
    for read in returns:
        first = by_checksum.get(read.checksum)
        same = by_organisation.get((read.code, read.period.label))
        if first is not None:
            problems.append(
                f"{read.file}: the same return as {first.file} (checksum {read.checksum[:19]}...); "
                "each return counts once, so leave one of them out."
            )
        elif same is not None:
            problems.append(
                f"{read.file}: a second return from {read.name} ({read.code}) for "
                f"{read.period.label}; {same.file} is the first. Ask the organisation which one "
                "stands and combine that one only."
            )
        by_checksum.setdefault(read.checksum, read)
        by_organisation.setdefault((read.code, read.period.label), read)
    return problems


def mixed_periods(returns: Sequence[ReadReturn]) -> list[str]:
    periods: dict[str, list[str]] = {}
    for read in returns:
        periods.setdefault(read.period.label, []).append(read.file)
    if len(periods) < 2:
        return []
    listed = "; ".join(f"{label} ({', '.join(files)})" for label, files in sorted(periods.items()))
    return [
        f"The returns are for different periods: {listed}. Combine the returns of one period "
        "at a time."
    ]


def framework_conflicts(returns: Sequence[ReadReturn]) -> list[str]:
    """Returns that describe one framework version with different outcomes or levels."""
    problems = []
    first: dict[str, tuple[ReadReturn, FrameworkInfo]] = {}
    for read in returns:
        for key, info in read.frameworks.items():
            if key not in first:
                first[key] = (read, info)
                continue
            other, theirs = first[key]
            if _codes(info) != _codes(theirs):
                problems.append(
                    f"{read.file}: {key} has other outcomes or levels than in {other.file}; "
                    "one framework version must have the same outcomes and levels everywhere. "
                    "Ask the organisations which definition they used."
                )
    return problems


def _codes(info: FrameworkInfo) -> tuple[tuple[str, ...], tuple[str, ...]]:
    return tuple(sorted(c for c, _ in info.outcomes)), tuple(sorted(c for c, _ in info.levels))


def build_families(returns: Sequence[ReadReturn]) -> list[Family]:
    """Every national table, framework versions apart, in the order they are protected: each
    framework's, then by national outcome (beside them, never instead), then those about the
    whole organisation."""
    frameworks: dict[str, FrameworkInfo] = {}
    for read in returns:
        for key, info in read.frameworks.items():
            frameworks.setdefault(key, info)
    families: list[Family] = []
    for key in sorted(frameworks):
        users = [r for r in returns if key in r.frameworks]
        families += level_families(frameworks[key], users)
        change = change_family(frameworks[key], users)
        if change is not None:
            families.append(change)
    national = national_outcomes_family(returns)
    if national is not None:
        families.append(national)
    families.append(reviews_family(returns))
    quality = quality_family(returns)
    if quality is not None:
        families.append(quality)
    return families


@dataclass
class NationalRelease:
    """The national tables as published, their audit, and what went into them."""

    period: Period
    policy: Policy
    returns: list[ReadReturn]
    families: list[Family]
    protected: dict[str, Protected]
    notes: list[str]
    warnings: list[str]
    generated_at: datetime
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def releases(self) -> dict[str, Release]:
        return {name: done.release for name, done in self.protected.items()}

    @property
    def passed(self) -> bool:
        return all(release.passed for release in self.releases.values())

    def refusal(self) -> str:
        """Why the national tables may not be published, one line per cell (empty when they may)."""
        return "\n".join(
            release.audit.refusal() for release in self.releases.values() if not release.passed
        )

    def audit_summary(self) -> dict[str, Any]:
        """The audit in figures: hidden and withheld national figures, hidden counts checked
        by the attacker's linear program, the narrowest range found, and any problems."""
        ranges = [r for release in self.releases.values() for r in release.audit.ranges]
        widths = [r.high - r.low for r in ranges if r.high is not None]
        figures = [f for release in self.releases.values() for f in release.figures]
        return {
            "passed": self.passed,
            "hidden": sum(f.hidden and f.reason != WITHHELD for f in figures),
            "withheld": sum(f.reason == WITHHELD for f in figures),
            "checked": len(ranges),
            "narrowest_range": min(widths) if widths else None,
            "linked_figures": sum(len(f.linked) for f in self.families),
            "problems": [line for line in self.refusal().splitlines() if line],
        }


def combine(
    returns: Sequence[SubmittedReturn], policy: Policy, whole_numbers: bool = False
) -> NationalRelease:
    """National tables from the returns, protected and audited with every organisation's
    published figures; ReturnsRefused (naming each file) when any return cannot be used.

    The audit rounds the attacker's linear bounds inwards; `whole_numbers` also solves the
    integer program wherever a bound is fractional (exact, and much slower on large returns).
    """
    started = time.perf_counter()
    accepted = read_returns(returns)
    families = build_families(accepted)
    read_at = time.perf_counter()
    by_name = {family.name: family for family in families}
    done: dict[str, Protected] = {}
    for family in families:
        done[family.name] = protect_family(family, policy, by_name, done, whole_numbers)
    given_away = [
        r for family in families for r in done[family.name].given_away if r.table == family.name
    ]
    finished = time.perf_counter()
    return NationalRelease(
        period=accepted[0].period,
        policy=policy,
        returns=sorted(accepted, key=lambda r: r.code),
        families=families,
        protected=done,
        notes=release_notes(accepted, families),
        warnings=warnings(accepted, given_away)
        + national_warnings([r for done_ in done.values() for r in done_.given_away_nationally]),
        generated_at=timezone.now(),
        seconds={
            "read": round(read_at - started, 3),
            "protect_and_audit": round(finished - read_at, 3),
        },
    )


def release_notes(returns: Sequence[ReadReturn], families: Sequence[Family]) -> list[str]:
    """What readers must know about what was added together and what was kept apart."""
    notes = [
        "Each framework version is reported on its own: counts are never added across "
        "frameworks or versions of a framework."
    ]
    versions: dict[str, dict[str, list[str]]] = {}
    names: dict[str, str] = {}
    for read in returns:
        for info in read.frameworks.values():
            versions.setdefault(info.slug, {}).setdefault(info.version, []).append(read.code)
            names[info.slug] = info.name
    for slug, found in sorted(versions.items()):
        if len(found) > 1:
            listed = " and ".join(
                f"version {v} ({', '.join(sorted(codes))})" for v, codes in sorted(found.items())
            )
            notes.append(
                f"{names[slug]} ({slug}) was used in {listed}: these are reported separately."
            )
    notes += _national_outcome_notes(returns, families)
    for family in families:
        if not family.framework:
            continue
        using = sorted(r.code for r in returns if family.framework in r.frameworks)
        missing = sorted(set(using) - set(family.organisations))
        if missing:
            notes.append(
                f"{family.framework}, {family.title.lower()}: from {len(family.organisations)} "
                f"of {len(using)} organisations ({', '.join(missing)} sent no such table)."
            )
    return notes


def _national_outcome_notes(returns: Sequence[ReadReturn], families: Sequence[Family]) -> list[str]:
    """How figures by national outcome stand beside the rest, and whose returns had none."""
    family = next((f for f in families if f.section == "national_outcomes"), None)
    if family is None:
        return [
            "No figures by national outcome: the returns are of format version 1.0, which has none."
        ]
    notes = [
        "Figures by national outcome regroup the personal outcome figures, which are the primary "
        "ones, under Scotland's nine National Health and Wellbeing Outcomes, through a mapping "
        "that is an interpretation. A person counts once under each national outcome and may "
        "count under several, so they are never added up across national outcomes."
    ]
    missing = sorted(r.code for r in returns if r.national is None)
    if missing:
        notes.append(
            f"By national outcome: from {len(family.organisations)} of {len(returns)} "
            f"organisations ({', '.join(missing)} sent returns of format version 1.0, which "
            "have no figures by national outcome)."
        )
    return notes


def warnings(returns: Sequence[ReadReturn], given_away: Sequence[CellRange]) -> list[str]:
    """One line per organisation whose own published figures narrow some of its hidden counts."""
    found: dict[str, list[CellRange]] = {}
    for cell in given_away:
        found.setdefault(cell.release, []).append(cell)
    lines = []
    for read in returns:
        cells = found.get(f"{read.name}'s return", [])
        if cells:
            example = cells[0]
            lines.append(
                f"{read.file}: {read.name}'s own published figures already narrow "
                f"{len(cells)} of its hidden counts below the protection level (for example "
                f"table {example.table!r}, cell {', '.join(example.key)}: {example.reason}). "
                "The national tables add nothing to that, but cannot undo it: tell the "
                "organisation."
            )
    return lines


def national_warnings(given_away: Sequence[CellRange]) -> list[str]:
    """One line for the national hidden counts the organisations' own figures give away."""
    if not given_away:
        return []
    example = given_away[0]
    return [
        f"The organisations' own published figures, taken together, already narrow "
        f"{len(given_away)} hidden national counts below the protection level (for example "
        f"table {example.table!r}, cell {', '.join(example.key)}: {example.reason}); typically "
        "a national cell that only one organisation's people fall in. The national tables add "
        "nothing to that, but cannot undo it: tell the organisations concerned."
    ]
