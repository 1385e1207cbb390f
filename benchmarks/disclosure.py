"""Protect and audit a three-level hierarchical table, against the Tau-Argus engine on the same table.

The table: organisation > services > teams, by outcome and by level, every total included
(about 5,000 cells with the defaults: 20 services of 5 teams, 8 outcomes, 4 levels). Counts are
drawn so that small cells are common, as they are in a real team's outcome table. Baseline in the
same run: `pytauargus` (the Tau-Argus engine with HiGHS) protecting the same microdata with
FREQ(threshold, range) for several safety ranges and its optimal secondary suppression
(OPT). Both patterns are then audited
by our linear program, so the figures say what each costs and whether each holds.

    .venv/bin/python benchmarks/disclosure.py [--services 20] [--teams 5] [--seed 1] [--memory]
"""

from __future__ import annotations

import argparse
import contextlib
import random
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from meaningful.disclosure.audit import PublishedFigure, audit
from meaningful.disclosure.policy import Policy
from meaningful.disclosure.protect import Release, protect
from meaningful.disclosure.tables import TableSpec, Universe, flat, tree

LEVELS = ("Met", "Partly", "NotMet", "NotRated")


def records(services: int, teams: int, outcomes: int, seed: int) -> tuple[Universe, TableSpec]:
    rng = random.Random(seed)
    nested = {f"S{s:02d}": tuple(f"S{s:02d}T{t}" for t in range(teams)) for s in range(services)}
    leaves = [team for members in nested.values() for team in members]
    codes = tuple(f"O{o}" for o in range(outcomes))
    counts: dict[tuple[str, ...], int] = {}
    for team in leaves:
        size = rng.randint(10, 60)
        for outcome in codes:
            weights = [rng.random() + 0.2 for _ in LEVELS]
            for level, weight in zip(LEVELS, weights, strict=True):
                counts[team, outcome, level] = round(size * weight / sum(weights))
    universe = Universe(
        ("team", "outcome", "level"),
        {"team": tuple(leaves), "outcome": codes, "level": LEVELS},
        counts,
    )
    table = TableSpec(
        "Teams within services",
        (tree("team", nested), flat("outcome", codes), flat("level", LEVELS)),
    )
    return universe, table


def tau_argus(
    universe: Universe, table: TableSpec, threshold: int, safety_range: int
) -> tuple[set[Any], set[Any], float]:
    import pandas  # type: ignore[import-untyped]
    import pytauargus

    rows = [
        {"service": team[:3], "team": team, "outcome": outcome, "level": level, "n": 1}
        for (team, outcome, level), n in universe.counts.items()
        for _ in range(n)
    ]
    frame = pandas.DataFrame(rows)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as workdir, contextlib.chdir(workdir):
        result = pytauargus.protect(
            frame,
            ["team", "outcome", "level"],
            "n",
            safety_rules=f"FREQ({threshold},{safety_range})",
            suppress="OPT(1)",
            hrc={"team": "team > service"},
            workdir=workdir,
        )
        cells = result.tables[0].dataframe()
    seconds = time.perf_counter() - started
    total = {"Total", ""}
    primary, hidden = set(), set()
    dimension = table.dimensions[0]
    for row in cells.itertuples():
        team = str(row.team).strip()
        key = (
            "Total" if team in total else team,
            "Total" if str(row.outcome).strip() in total else str(row.outcome).strip(),
            "Total" if str(row.level).strip() in total else str(row.level).strip(),
        )
        if key[0] not in dimension.codes:
            continue
        if row.status == "U":
            primary.add(key)
        if row.status in ("U", "M"):
            hidden.add(key)
    return primary, hidden, seconds


def audit_pattern(
    release: Release, primary: set[Any], hidden: set[Any], policy: Policy
) -> tuple[bool, float]:
    figures = [
        PublishedFigure.of(
            f.table,
            f.key,
            f.spec,
            None if f.key in hidden else f.value,
            "primary" if f.key in primary else ("secondary" if f.key in hidden else "exact"),
            policy,
        )
        for f in release.figures
    ]
    started = time.perf_counter()
    result = audit(figures, policy, {"team": (), "outcome": (), "level": ()})
    return result.passed, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=20)
    parser.add_argument("--teams", type=int, default=5)
    parser.add_argument("--outcomes", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threshold", type=int, default=5)
    parser.add_argument(
        "--memory",
        action="store_true",
        help="also run each protection again under tracemalloc and print its peak",
    )
    options = parser.parse_args()
    universe, table = records(options.services, options.teams, options.outcomes, options.seed)
    cells = sum(1 for _ in table.keys())  # noqa: SIM118 (a generator of keys, not a dict)
    print(f"table: {cells} cells, {len(universe.counts)} finest cells, seed {options.seed}")

    for policy in (
        Policy(),
        Policy(secondary_suppression=True),
        Policy(
            threshold=options.threshold,
            rounding_base=1,
            minimum_n=options.threshold,
            method="suppression",
        ),
    ):
        started = time.perf_counter()
        release = protect(universe, [table], policy)
        seconds = time.perf_counter() - started
        memory = ""
        if options.memory:  # traced apart: tracing slows Python's allocations several times
            tracemalloc.start()
            protect(universe, [table], policy)
            memory = f", peak {tracemalloc.get_traced_memory()[1] / 2**20:.0f} MB traced"
            tracemalloc.stop()
        statuses = [f.status for f in release.figures]
        hiding = " + hiding" if policy.method == "rounding" and policy.secondary_suppression else ""
        print(
            f"ours, {policy.method}{hiding}: {seconds:.2f} s{memory}, "
            f"primary {statuses.count('primary')}, secondary {statuses.count('secondary')}, "
            f"audit {'passed' if release.passed else 'FAILED'} over "
            f"{len(release.audit.ranges)} hidden counts"
        )
    suppression = release
    ours_primary = {f.key for f in suppression.figures if f.status == "primary"}
    for safety_range in (0, 30, 60, 100):
        primary, hidden, seconds = tau_argus(universe, table, options.threshold, safety_range)
        passed, audit_seconds = audit_pattern(suppression, primary, hidden, suppression.policy)
        print(
            f"pytauargus FREQ({options.threshold},{safety_range}) OPT (baseline): {seconds:.2f} s, "
            f"primary {len(primary)} (same cells as ours: {primary == ours_primary}), "
            f"secondary {len(hidden) - len(primary)}; its pattern under our audit: "
            f"{'passed' if passed else 'FAILED'} ({audit_seconds:.2f} s)"
        )


if __name__ == "__main__":
    main()
