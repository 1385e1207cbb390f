"""The audit's smaller program finds the same ranges as the program over every finest cell."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest
from scipy import sparse
from scipy.optimize import linprog

from meaningful.disclosure.audit import PublishedFigure
from meaningful.disclosure.layout import Layout, canonical, lay_out
from meaningful.disclosure.policy import Policy
from meaningful.disclosure.program import Program
from meaningful.disclosure.protect import protect
from meaningful.disclosure.reduce import reduce_program
from meaningful.disclosure.tables import TableSpec, Universe, flat

LEAVES = {
    "outcome": ("o1", "o2"),
    "level": ("low", "mid", "high"),
    "sex": ("f", "m"),
    "group": ("a", "b", "c"),
    "age": ("young", "old"),
}
BREAKDOWNS = ("sex", "group", "age")


def linked_tables() -> list[TableSpec]:
    """Outcome by level, and by level and each breakdown: what a return publishes."""
    head = (flat("outcome", LEAVES["outcome"]), flat("level", LEAVES["level"]))
    return [TableSpec("by", head)] + [TableSpec(b, (*head, flat(b, LEAVES[b]))) for b in BREAKDOWNS]


def random_universe(seed: int) -> Universe:
    chooser = np.random.default_rng(seed)
    counts = {}
    for key in itertools.product(*LEAVES.values()):
        draw = chooser.random()
        counts[key] = 0 if draw < 0.6 else int(chooser.integers(1, 4 if draw < 0.85 else 12))
    return Universe(tuple(LEAVES), LEAVES, counts)


def program_for(
    figures: Sequence[PublishedFigure], layout: Layout
) -> tuple[Program, dict[Any, Any]]:
    specs: dict[Any, tuple[float, float]] = {}
    for figure in figures:
        spec = canonical(figure.spec, LEAVES)
        low, high = specs.get(spec, (0, np.inf))
        specs[spec] = (
            max(low, figure.low),
            min(high, np.inf if figure.high is None else figure.high),
        )
    rows = {spec: layout.row(spec) for spec in specs}
    program = Program.of(
        sparse.csr_matrix(np.array(list(rows.values()))),
        layout.coupling(),
        np.array([low for low, _ in specs.values()], dtype=float),
        np.array([high for _, high in specs.values()], dtype=float),
        watch=[],
    )
    return program, rows


@pytest.mark.parametrize("seed", range(6))
def test_the_star_layout_gives_every_hidden_count_the_range_every_cell_gives(seed: int) -> None:
    release = protect(random_universe(seed), linked_tables(), Policy(threshold=4, rounding_base=3))
    figures = release.published()
    specs = [canonical(f.spec, LEAVES) for f in figures]
    star = lay_out(specs, list(LEAVES), LEAVES)
    assert star.satellites and set(star.core) == {"outcome", "level"}
    every_cell = Layout(tuple(LEAVES), (), LEAVES)
    assert star.width < every_cell.width
    small, small_rows = program_for(figures, star)
    full, full_rows = program_for(figures, every_cell)
    hidden = {canonical(f.spec, LEAVES) for f in figures if f.published is None}
    assert hidden
    for spec in hidden:
        assert small.range(small_rows[spec]) == full.range(full_rows[spec])


def test_a_star_is_used_only_when_smaller_and_no_figure_may_narrow_two_satellites() -> None:
    specs = [(("level", ("low",)), ("sex", ("f",))), (("level", ("low",)), ("age", ("old",)))]
    assert lay_out(specs, list(LEAVES), LEAVES).satellites == ()  # 3 x 2 x 2 < 3 x (1 + 2 + 2)
    star = Layout(("level",), ("sex", "age"), LEAVES)
    assert star.width == 15
    with pytest.raises(ValueError, match="two satellite"):
        star.row((("sex", ("f",)), ("age", ("old",))))


def test_the_reduced_program_has_the_same_optimum() -> None:
    """x1 + x2 = 0 forces both to zero; x3 = x4 merges them; the bounds of copies combine."""
    matrix = sparse.csr_matrix(
        np.array(
            [
                [1, 1, 0, 0, 0],
                [0, 0, 1, -1, 0],
                [0, 0, 1, 0, 1],
                [0, 0, 1, 0, 1],
                [1, 0, 0, 1, 1],
            ],
            dtype=float,
        )
    )
    low = np.array([0, 0, 2, 3, 0], dtype=float)
    high = np.array([0, 0, 9, 6, np.inf])
    reduced = reduce_program(matrix, low, high)
    assert reduced.matrix.shape == (1, 2)  # y1 = x3 = x4, y2 = x5: 3 <= y1 + y2 <= 6
    assert (reduced.low[0], reduced.high[0]) == (3, 6)
    for objective in np.eye(5):
        bounds = []
        for program in (reduced.matrix, matrix):
            row = reduced.objective(objective) if program is reduced.matrix else objective
            lo, hi = (reduced.low, reduced.high) if program is reduced.matrix else (low, high)
            finite = np.isfinite(hi)
            a_ub = sparse.vstack([program[finite], -program]).tocsr()
            b_ub = np.concatenate([hi[finite], -lo])
            least: Any = linprog(row, A_ub=a_ub, b_ub=b_ub, bounds=(0, None))
            most: Any = linprog(-row, A_ub=a_ub, b_ub=b_ub, bounds=(0, None))
            bounds.append((round(float(least.fun), 6), round(-float(most.fun), 6)))
        assert bounds[0] == bounds[1]
