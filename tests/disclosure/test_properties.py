"""Property tests on random linked tables, and a cross-check against the Tau-Argus engine."""

from __future__ import annotations

import contextlib
import math
import tempfile
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from meaningful.disclosure.audit import PublishedFigure, audit
from meaningful.disclosure.policy import Policy
from meaningful.disclosure.protect import protect
from meaningful.disclosure.tables import Spec, TableSpec, Universe, flat, tree

LEVELS = ("Met", "Partly", "Not met")
SUPPRESSION = Policy(threshold=5, rounding_base=1, minimum_n=5, method="suppression")

# Small counts on purpose: most random tables then need primary and secondary suppression.
count = st.integers(min_value=0, max_value=25) | st.integers(min_value=0, max_value=6)


@st.composite
def organisations(draw: st.DrawFn) -> tuple[Universe, list[TableSpec]]:
    """Teams within services within the organisation, by level: three linked tables."""
    services = draw(st.integers(min_value=1, max_value=3))
    nested = {
        f"S{s}": tuple(f"S{s}T{t}" for t in range(draw(st.integers(min_value=1, max_value=3))))
        for s in range(services)
    }
    teams = tuple(team for members in nested.values() for team in members)
    counts: dict[tuple[str, ...], int] = {
        (team, level): draw(count) for team in teams for level in LEVELS
    }
    levels = flat("level", LEVELS)
    tables = [
        TableSpec("Team", (flat("team", teams, total=None), levels)),
        TableSpec("Service", (tree("team", nested, total=None), levels)),
        TableSpec("Organisation", (tree("team", nested), levels)),
    ]
    return Universe(("team", "level"), {"team": teams, "level": LEVELS}, counts), tables


def attacker_range(
    figures: Sequence[PublishedFigure], leaves: dict[str, tuple[str, ...]], target: Spec
) -> tuple[float, float]:
    """The attacker's linear program written independently of the audit module."""
    cells = [(t, lv) for t in leaves["team"] for lv in leaves["level"]]

    def row(spec: Spec) -> Any:
        wanted = dict(spec)
        return np.array(
            [
                float(t in wanted.get("team", (t,)) and lv in wanted.get("level", (lv,)))
                for t, lv in cells
            ]
        )

    a = np.array([row(f.spec) for f in figures])
    high = np.array([np.inf if f.high is None else f.high for f in figures])
    low = np.array([f.low for f in figures], dtype=float)
    a_ub, b_ub = np.vstack([a, -a]), np.concatenate([high, -low])
    keep = np.isfinite(b_ub)
    least: Any = linprog(row(target), A_ub=a_ub[keep], b_ub=b_ub[keep], bounds=(0, None))
    most: Any = linprog(-row(target), A_ub=a_ub[keep], b_ub=b_ub[keep], bounds=(0, None))
    assert least.status == 0
    return float(least.fun), (np.inf if most.status == 3 else -float(most.fun))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(organisations())
def test_suppression_always_reaches_a_release_that_passes_its_audit(
    case: tuple[Universe, list[TableSpec]],
) -> None:
    universe, tables = case
    release = protect(universe, tables, SUPPRESSION)
    assert release.passed, release.audit.refusal()
    published = release.published()
    for seen in published:
        assert seen.published is None or not SUPPRESSION.is_unsafe(seen.published)
    for figure in release.figures:
        if figure.status == "primary":
            low, high = attacker_range(published, universe.leaves, figure.spec)
            assert high - low >= SUPPRESSION.protection_level - 1e-6
            assert high >= SUPPRESSION.threshold


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    organisations(),
    st.sampled_from(
        [Policy(), Policy(threshold=10, minimum_n=10), Policy(secondary_suppression=True)]
    ),
)
def test_rounding_publishes_no_small_count_and_its_audit_never_overstates_protection(
    case: tuple[Universe, list[TableSpec]], policy: Policy
) -> None:
    universe, tables = case
    release = protect(universe, tables, policy)
    published = release.published()
    for figure in published:
        assert figure.published is None or policy.may_show(figure.published)
    for found in release.audit.ranges:
        low, high = attacker_range(published, universe.leaves, found.spec)
        # The audit never claims more room than readers have: its range lies within the
        # attacker's (narrower where whole counts or an earlier, stricter round settled it).
        assert found.low >= math.ceil(low - 1e-6)
        if high != np.inf:
            assert found.high is not None and found.high <= math.floor(high + 1e-6)
        if found.safe:
            assert high - low >= policy.protection_level
        else:  # a refusal is never a false alarm: readers really can narrow the count
            assert high - low < policy.protection_level
    if policy.secondary_suppression:  # hiding neighbours as well always reaches a safe release
        assert release.passed, release.audit.refusal()


@settings(max_examples=40, deadline=None)
@given(st.lists(count, min_size=2, max_size=6))
def test_a_hidden_count_alone_in_its_line_is_always_caught(row: list[int]) -> None:
    """Primary suppression only: the audit refuses exactly when some line gives a count away."""
    policy = Policy(
        threshold=5, rounding_base=1, minimum_n=5, method="suppression", secondary_suppression=False
    )
    codes = tuple(f"L{i}" for i in range(len(row)))
    universe = Universe(
        ("level",), {"level": codes}, {(c,): n for c, n in zip(codes, row, strict=True)}
    )
    release = protect(universe, [TableSpec("Row", (flat("level", codes),))], policy)
    small = sum(policy.is_unsafe(n) for n in [*row, sum(row)])
    if small == 0:
        assert release.passed
    elif small == 1:
        assert not release.passed  # total minus the shown parts
    assert not any(
        f.published is not None and policy.is_unsafe(f.published) for f in release.figures
    )


def _tau_argus_pattern(
    counts: dict[tuple[str, ...], int], threshold: int
) -> dict[tuple[str, str], str]:
    pandas = pytest.importorskip("pandas")
    tau = pytest.importorskip("pytauargus")
    rows = [{"team": t, "level": lv, "n": 1} for (t, lv), n in counts.items() for _ in range(n)]
    frame = pandas.DataFrame(rows)
    with tempfile.TemporaryDirectory() as workdir, contextlib.chdir(workdir):
        result = tau.protect(
            frame,
            ["team", "level"],
            "n",
            safety_rules=f"FREQ({threshold},0)",
            suppress="OPT(1)",
            workdir=workdir,
        )
        table = result.tables[0].dataframe()
    return {(str(r.team).strip(), str(r.level).strip()): str(r.status) for r in table.itertuples()}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(min_value=2, max_value=5).flatmap(
        lambda teams: st.lists(
            st.integers(min_value=1, max_value=20), min_size=teams * 3, max_size=teams * 3
        )
    )
)
def test_cross_check_with_the_tau_argus_engine(values: list[int]) -> None:
    """On random team x level tables (no zeros: Tau-Argus leaves empty cells out of a table),
    both engines find the same unsafe cells; wherever Tau-Argus's pattern passes our audit, ours
    passes too and hides no more than twice as many cells."""
    teams = tuple(f"T{i}" for i in range(len(values) // 3))
    counts: dict[tuple[str, ...], int] = {
        (t, lv): values[i * 3 + j] for i, t in enumerate(teams) for j, lv in enumerate(LEVELS)
    }
    universe = Universe(("team", "level"), {"team": teams, "level": LEVELS}, counts)
    table = TableSpec("T", (flat("team", teams), flat("level", LEVELS)))
    ours = protect(universe, [table], SUPPRESSION)
    assert ours.passed, ours.audit.refusal()
    theirs = _tau_argus_pattern(counts, SUPPRESSION.threshold)
    ours_status = {f.key: f.status for f in ours.figures}
    primary_theirs = {k for k, s in theirs.items() if s == "U"}
    assert primary_theirs == {k for k, s in ours_status.items() if s == "primary"}
    hidden_theirs = {k for k, s in theirs.items() if s in ("U", "M")}
    their_release = [
        PublishedFigure.of(
            "T",
            f.key,
            f.spec,
            None if f.key in hidden_theirs else f.value,
            "primary"
            if f.key in primary_theirs
            else ("secondary" if f.key in hidden_theirs else "exact"),
            SUPPRESSION,
        )
        for f in ours.figures
    ]
    if audit(their_release, SUPPRESSION, universe.leaves).passed:
        assert sum(f.hidden for f in ours.figures) <= 2 * len(hidden_theirs)
