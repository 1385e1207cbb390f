"""Protection and audit of linked tables: what an attacker with a linear program can recover."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pytest
from scipy.optimize import linprog

from meaningful.disclosure.audit import PublishedFigure, audit
from meaningful.disclosure.policy import Policy
from meaningful.disclosure.protect import Release, protect
from meaningful.disclosure.tables import TableSpec, Universe, flat, tree

LEVELS = ("Met", "Partly", "Not met")
SERVICES = {"Homecare": ("A", "B"), "Reablement": ("C", "D")}
TEAMS = tuple(t for teams in SERVICES.values() for t in teams)
SUPPRESSION = Policy(threshold=5, rounding_base=1, minimum_n=5, method="suppression")
PRIMARY_ONLY = Policy(
    threshold=5, rounding_base=1, minimum_n=5, method="suppression", secondary_suppression=False
)
COUNTS = {
    "A": (20, 3, 12),
    "B": (15, 9, 2),
    "C": (30, 11, 14),
    "D": (9, 6, 1),
}


def universe(counts: Mapping[str, Sequence[int]] = COUNTS) -> Universe:
    return Universe(
        ("team", "level"),
        {"team": TEAMS, "level": LEVELS},
        {
            (team, level): n
            for team, row in counts.items()
            for level, n in zip(LEVELS, row, strict=True)
        },
    )


def organisation_tables() -> list[TableSpec]:
    """The same records published three ways: by team, by service and for the organisation."""
    levels = flat("level", LEVELS)
    return [
        TableSpec("By team", (flat("team", TEAMS, total=None), levels)),
        TableSpec("By service", (tree("team", SERVICES, total=None), levels)),
        TableSpec("Organisation", (tree("team", SERVICES, total="All services"), levels)),
    ]


def attack(release: Release, cell: tuple[str, tuple[str, ...]]) -> tuple[float, float]:
    """An attacker's own linear program over the 12 finest cells, from the published figures."""
    index = {(t, lv): i for i, (t, lv) in enumerate((t, lv) for t in TEAMS for lv in LEVELS)}
    rows, lows, highs = [], [], []
    target = None
    for figure in release.published():
        row = np.zeros(len(index))
        spec = dict(figure.spec)
        for (team, level), i in index.items():
            if team in spec.get("team", TEAMS) and level in spec.get("level", LEVELS):
                row[i] = 1
        if (figure.table, figure.key) == cell:
            target = row
        rows.append(row)
        lows.append(figure.low)
        highs.append(np.inf if figure.high is None else figure.high)
    assert target is not None
    a = np.array(rows)
    a_ub = np.vstack([a, -a])
    b_ub = np.concatenate([highs, -np.array(lows)])
    finite = np.isfinite(b_ub)
    least: Any = linprog(target, A_ub=a_ub[finite], b_ub=b_ub[finite], bounds=(0, None))
    most: Any = linprog(-target, A_ub=a_ub[finite], b_ub=b_ub[finite], bounds=(0, None))
    low, high = float(least.fun), -float(most.fun)
    return round(low, 6), round(high, 6)


def test_primary_suppression_alone_is_recovered_exactly_by_differencing() -> None:
    release = protect(universe(), organisation_tables(), PRIMARY_ONLY)
    assert attack(release, ("By team", ("A", "Partly"))) == (3, 3)
    assert not release.passed
    assert "table 'By team', cell A, Partly: it could be worked out as exactly 3" in (
        release.audit.refusal()
    )


def test_with_secondary_suppression_no_hidden_count_can_be_recovered() -> None:
    release = protect(universe(), organisation_tables(), SUPPRESSION)
    assert release.passed, release.audit.refusal()
    hidden = [f for f in release.figures if f.status == "primary"]
    assert {(f.table, f.key) for f in hidden} >= {
        ("By team", ("A", "Partly")),
        ("By team", ("B", "Not met")),
        ("By team", ("D", "Not met")),
    }
    for figure in hidden:
        low, high = attack(release, (figure.table, figure.key))
        assert high - low >= SUPPRESSION.protection_level and high >= SUPPRESSION.threshold
    for seen in release.published():
        assert seen.published is None or seen.published == 0 or seen.published >= 5


def test_rounding_leaves_every_small_count_a_wide_range() -> None:
    release = protect(universe(), organisation_tables(), Policy())
    assert release.passed, release.audit.refusal()
    assert release.table("By team")[("A", "Partly")] is None
    assert release.table("By team")[("A", "Met")] == 20
    assert release.table("Organisation")[("All services", "Total")] == 130  # 132 rounded
    found = {r.key: (r.low, r.high) for r in release.audit.ranges if r.table == "By team"}
    assert attack(release, ("By team", ("D", "Not met"))) == found["D", "Not met"] == (1, 4)


def test_rounding_alone_can_leave_a_small_count_narrow_and_secondary_hiding_protects_it() -> None:
    """Zeros in finer linked tables pin down counts that rounding alone would blur."""
    levels, sexes, groups = ("low", "mid", "high"), ("f", "m"), ("a", "b")
    nonzero: dict[tuple[str, ...], int] = {
        ("low", "f", "a"): 6,
        ("low", "f", "b"): 5,
        ("high", "f", "a"): 7,
        ("high", "m", "b"): 12,
    }
    records = Universe(
        ("level", "sex", "group"), {"level": levels, "sex": sexes, "group": groups}, nonzero
    )
    tables = [
        TableSpec("Levels", (flat("level", levels),)),
        TableSpec("By sex", (flat("level", levels), flat("sex", sexes))),
        TableSpec("By group", (flat("level", levels), flat("group", groups))),
    ]
    alone = protect(records, tables, Policy())
    assert not alone.passed
    assert "table 'By sex', cell high, f: it could be worked out as between 6 and 7" in (
        alone.audit.refusal()
    )
    policy = Policy(secondary_suppression=True)
    protected = protect(records, tables, policy)
    assert protected.passed, protected.audit.refusal()
    found = {(r.table, r.key): r for r in protected.audit.ranges}
    narrow = found["By sex", ("high", "f")]
    assert narrow.high is None or narrow.high - narrow.low >= policy.protection_level
    for seen in protected.published():
        assert seen.published is None or policy.may_show(seen.published)
        if seen.published is None:
            assert (seen.low, seen.high) == (1, None)


def test_a_linked_locality_table_is_audited_and_protected_too() -> None:
    locality = TableSpec("By locality", (tree("team", {"North": ("A", "C")}, total=None),))
    tables = [
        *organisation_tables(),
        TableSpec(
            "Localities",
            (
                tree("team", {"North": ("A", "C"), "South": ("B", "D")}, total=None),
                flat("level", LEVELS),
            ),
        ),
    ]
    release = protect(universe(), tables, SUPPRESSION)
    assert release.passed, release.audit.refusal()
    for figure in release.figures:
        if figure.status == "primary":
            low, high = attack(release, (figure.table, figure.key))
            assert high - low >= 3
    assert locality.name  # the one-way table below needs no levels to link


def test_an_earlier_release_is_part_of_what_readers_know() -> None:
    """Quarter within year: the year's table would give away the quarter's hidden count."""
    quarters = ("Q1", "Q2")
    records = Universe(
        ("quarter", "level"),
        {"quarter": quarters, "level": ("Met", "Not met")},
        {("Q1", "Met"): 20, ("Q1", "Not met"): 3, ("Q2", "Met"): 30, ("Q2", "Not met"): 15},
    )
    first = TableSpec(
        "Quarter", (flat("quarter", ("Q1",), total=None), flat("level", ("Met", "Not met")))
    )
    q1_only = Universe(
        ("quarter", "level"),
        {"quarter": ("Q1",), "level": ("Met", "Not met")},
        {k: v for k, v in records.counts.items() if k[0] == "Q1"},
    )
    earlier_release = protect(q1_only, [first], SUPPRESSION)
    assert earlier_release.passed
    register = [
        PublishedFigure.from_json(f.to_json(), "Q1 return") for f in earlier_release.published()
    ]
    year = TableSpec("Year", (flat("level", ("Met", "Not met")),))
    q2 = TableSpec(
        "Quarter", (flat("quarter", ("Q2",), total=None), flat("level", ("Met", "Not met")))
    )
    alone = protect(records, [year, q2], PRIMARY_ONLY)
    assert alone.passed  # nothing small in the year or in Q2 on their own
    linked = protect(records, [year, q2], PRIMARY_ONLY, earlier=register)
    assert not linked.passed
    assert "an earlier release (Q1 return), table 'Quarter', cell Q1, Not met" in (
        linked.audit.refusal()
    )
    protected = protect(records, [year, q2], SUPPRESSION, earlier=register)
    assert protected.passed, protected.audit.refusal()


def test_the_threshold_comparison_is_pinned() -> None:
    strict = Policy(threshold=5, rounding_base=1, minimum_n=5, method="suppression")
    inclusive = Policy(
        threshold=5, rounding_base=1, minimum_n=5, method="suppression", comparison="<="
    )
    assert [strict.is_unsafe(n) for n in (0, 1, 4, 5, 6)] == [False, True, True, False, False]
    assert [inclusive.is_unsafe(n) for n in (0, 1, 4, 5, 6)] == [False, True, True, True, False]
    assert Policy().largest_unsafe == 7 and not Policy().is_unsafe(8)


def test_all_in_one_cell_is_hidden_under_the_group_rule() -> None:
    policy = Policy(
        threshold=3, rounding_base=1, minimum_n=3, method="suppression", group_disclosure=True
    )
    counts = {"A": (12, 0, 0), "B": (10, 8, 9), "C": (20, 9, 11), "D": (9, 6, 10)}
    release = protect(universe(counts), organisation_tables()[:1], policy)
    assert release.passed, release.audit.refusal()
    assert release.table("By team")[("A", "Met")] is None
    assert any(r.key == ("A", "Met") and r.safe for r in release.audit.ranges)


def test_a_policy_refuses_combinations_that_make_no_sense() -> None:
    with pytest.raises(ValueError, match="rounding base to 1"):
        Policy(method="suppression")
    with pytest.raises(ValueError, match="needs the suppression method"):
        Policy(group_disclosure=True)


def test_audit_names_contradictions_with_an_earlier_release() -> None:
    release = protect(universe(), organisation_tables()[:1], SUPPRESSION)
    changed = {**COUNTS, "C": (31, 11, 14)}
    register = [PublishedFigure.from_json(f.to_json(), "June") for f in release.published()]
    again = protect(universe(changed), organisation_tables()[:1], SUPPRESSION, earlier=register)
    assert not again.passed and "differ from an earlier release" in again.audit.refusal()
    assert audit([], SUPPRESSION, {"team": TEAMS}).passed
