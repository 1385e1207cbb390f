"""The attacker's linear program: how narrowly can each hidden count be worked out?

Everything published (this release's tables, their totals, every linked table and the earlier
releases in the register) is a set of linear constraints on the unknown finest cells: a shown
count fixes a sum, a rounded one bounds it, a hidden one is known to be small (rounding) or not
zero (suppression). For each hidden count we minimise and maximise its sum under those
constraints with HiGHS (through scipy), falling back to the integer program when the linear
bound is fractional (or, when asked, rounding the linear bounds inwards instead). A release passes
when every hidden count's range is at least the policy's protection level wide and, under
suppression, could reach the threshold (so nobody can prove the count small). Every solution
found is kept: a hidden count that already takes values far enough apart among them passes
without an optimisation of its own, its range then being the one those solutions show (the
true one is at least as wide). A refusal names the table and cell and gives the range found.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from meaningful.disclosure.policy import Policy
from meaningful.disclosure.tables import Spec

Cell = tuple[str, tuple[str, ...]]  # (table, key)
_TOLERANCE = 1e-6


@dataclass(frozen=True)
class PublishedFigure:
    """A figure as readers see it, with the range a reader can deduce from it alone."""

    table: str
    key: tuple[str, ...]
    spec: Spec
    published: int | None
    status: str  # exact, rounded, primary, secondary
    low: int
    high: int | None
    release: str = ""  # empty for the release being audited; else the earlier release's name
    value: int | None = field(default=None, compare=False)  # the true count, never stored

    @classmethod
    def of(
        cls,
        table: str,
        key: tuple[str, ...],
        spec: Spec,
        published: int | None,
        status: str,
        policy: Policy,
        value: int | None = None,
    ) -> PublishedFigure:
        low, high = (
            (published, published)
            if status == "exact" and published is not None
            else policy.published_range(published)
        )
        return cls(table, key, spec, published, status, low, high, "", value)

    def to_json(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "key": list(self.key),
            "spec": {variable: list(codes) for variable, codes in self.spec},
            "published": self.published,
            "status": self.status,
            "low": self.low,
            "high": self.high,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any], release: str) -> PublishedFigure:
        spec = tuple(
            sorted((str(v), tuple(str(c) for c in codes)) for v, codes in data["spec"].items())
        )
        return cls(
            str(data["table"]),
            tuple(str(k) for k in data["key"]),
            spec,
            None if data["published"] is None else int(data["published"]),
            str(data["status"]),
            int(data["low"]),
            None if data["high"] is None else int(data["high"]),
            release,
        )


@dataclass(frozen=True)
class CellRange:
    table: str
    key: tuple[str, ...]
    spec: Spec
    low: int
    high: int | None
    safe: bool
    reason: str
    release: str = ""

    def describe(self) -> str:
        where = f"an earlier release ({self.release}), " if self.release else ""
        cell = ", ".join(self.key)
        return f"{where}table {self.table!r}, cell {cell}: {self.reason}"


@dataclass
class Audit:
    ranges: list[CellRange]
    problems: list[str] = field(default_factory=list)

    @property
    def failures(self) -> list[CellRange]:
        return [r for r in self.ranges if not r.safe]

    @property
    def passed(self) -> bool:
        return not self.problems and not self.failures

    def refusal(self) -> str:
        """Why the release may not leave, one line per reason (empty when it may)."""
        lines = list(self.problems) + [r.describe() for r in self.failures]
        return "\n".join(lines)


def audit(
    figures: Sequence[PublishedFigure],
    policy: Policy,
    leaves: Mapping[str, Sequence[str]],
    earlier: Sequence[PublishedFigure] = (),
    groups: Iterable[tuple[Cell, Cell]] = (),
    whole_numbers: bool = True,
) -> Audit:
    """Audit a release: every hidden primary count, here and in earlier releases it links to.

    With `whole_numbers` the attacker also knows that counts are whole numbers (an integer
    program wherever the linear bound is fractional); without, the linear bounds are rounded
    inwards, as most disclosure tools do, which is much faster on large linked tables.
    """
    everything = [*figures, *earlier]
    all_leaves = _all_leaves(leaves, everything)
    by_cell = {(f.table, f.key): f for f in figures}
    group_pairs = [(by_cell[cell], by_cell[total]) for cell, total in groups]
    result = Audit([])
    for block in _blocks(everything, all_leaves):
        _audit_block(block, all_leaves, policy, group_pairs, result, whole_numbers)
    return result


def _all_leaves(
    leaves: Mapping[str, Sequence[str]], figures: Sequence[PublishedFigure]
) -> dict[str, tuple[str, ...]]:
    known = {variable: list(codes) for variable, codes in leaves.items()}
    for figure in figures:
        for variable, codes in figure.spec:
            have = known.setdefault(variable, [])
            have.extend(c for c in codes if c not in have)
    return {variable: tuple(codes) for variable, codes in known.items()}


@dataclass
class _Block:
    separate: dict[str, str]  # variables every figure fixes to one code, with this block's code
    figures: list[PublishedFigure]


def _blocks(
    figures: Sequence[PublishedFigure], leaves: Mapping[str, tuple[str, ...]]
) -> list[_Block]:
    """Split the problem where no figure adds across a variable (outcome, stage...)."""
    separating = [
        variable
        for variable, codes in leaves.items()
        if len(codes) > 1 and all(len(dict(f.spec).get(variable, codes)) == 1 for f in figures)
    ]
    blocks: dict[tuple[str, ...], _Block] = {}
    for figure in figures:
        spec = dict(figure.spec)
        key = tuple(spec[v][0] for v in separating)
        block = blocks.setdefault(key, _Block(dict(zip(separating, key, strict=True)), []))
        block.figures.append(figure)
    return list(blocks.values())


def _audit_block(
    block: _Block,
    leaves: Mapping[str, tuple[str, ...]],
    policy: Policy,
    group_pairs: list[tuple[PublishedFigure, PublishedFigure]],
    result: Audit,
    whole_numbers: bool = True,
) -> None:
    free = [v for v in leaves if v not in block.separate]
    row = functools.partial(_row, free=free, leaves=leaves)
    specs: dict[Spec, tuple[int, float]] = {}
    for figure in block.figures:
        low, high = specs.get(figure.spec, (0, math.inf))
        specs[figure.spec] = (
            max(low, figure.low),
            min(high, math.inf if figure.high is None else figure.high),
        )
    rows = {spec: row(spec) for spec in specs}
    contradictions = [spec for spec, (low, high) in specs.items() if low > high]
    if contradictions:
        result.problems.append(_contradiction(block, contradictions[0]))
        return
    program = _Program(
        sparse.csr_matrix(np.array([rows[s] for s in specs], dtype=float)),
        np.array([low for low, _ in specs.values()], dtype=float),
        np.array([high for _, high in specs.values()], dtype=float),
        whole_numbers,
    )
    seen: set[tuple[Spec, str]] = set()
    for figure in block.figures:
        if figure.status != "primary" or (figure.spec, figure.release) in seen:
            continue
        seen.add((figure.spec, figure.release))
        shown_wide = program.known_range(rows[figure.spec])
        if shown_wide is not None and _wide_enough(*shown_wide, policy):
            result.ranges.append(_judge(figure, *shown_wide, policy))
            continue
        least, most = program.range(rows[figure.spec])
        if least is None:
            result.problems.append(
                "The published figures contradict each other; nothing was published."
            )
            return
        result.ranges.append(_judge(figure, least, most, policy))
    members = {id(f) for f in block.figures}
    for cell, total in group_pairs:
        if id(cell) in members:
            _, spread = program.range(rows[total.spec] - rows[cell.spec])
            safe = spread is None or spread >= 1
            reason = "readers could tell that everyone in its line is in this cell"
            result.ranges.append(
                CellRange(cell.table, cell.key, cell.spec, 0, spread, safe, "" if safe else reason)
            )


def _row(spec: Spec, free: list[str], leaves: Mapping[str, tuple[str, ...]]) -> Any:
    restricted = dict(spec)
    masks = [
        np.isin(np.array(leaves[v]), np.array(restricted.get(v, leaves[v]))).astype(float)
        for v in free
    ]
    return functools.reduce(np.multiply.outer, masks, np.ones(())).ravel()


@dataclass
class _Program:
    matrix: Any
    low: Any
    high: Any
    whole_numbers: bool = True
    # Solutions found so far: points that satisfy every published figure (whole numbers when
    # the attacker uses them). A hidden count whose value already varies enough among them
    # cannot be narrowed further by anyone, so it needs no optimisation of its own.
    _points: list[Any] = field(default_factory=list)

    def known_range(self, objective: Any) -> tuple[int, int] | None:
        """A range of objective . x that readers certainly cannot narrow, from the solutions
        found so far (None before there are two)."""
        if len(self._points) < 2:
            return None
        values = np.asarray(self._points) @ objective
        return math.ceil(float(values.min()) - _TOLERANCE), math.floor(
            float(values.max()) + _TOLERANCE
        )

    @functools.cached_property
    def _inequalities(self) -> tuple[Any, Any, Any, Any]:
        exact = self.low == self.high
        upper = ~exact & np.isfinite(self.high)
        lower = ~exact & (self.low > 0)
        a_ub = sparse.vstack([self.matrix[upper], -self.matrix[lower]]).tocsr()
        b_ub = np.concatenate([self.high[upper], -self.low[lower]])
        return a_ub, b_ub, self.matrix[exact], self.low[exact]

    def range(self, objective: Any) -> tuple[int | None, int | None]:
        """The least and greatest value of objective . x (None for no bound; (None, None) when
        the constraints cannot all hold)."""
        lowest = self._optimum(objective)
        if lowest is None:
            return None, None
        highest = self._optimum(-objective)
        return (
            None if lowest is math.inf else int(lowest),
            None if highest is None or highest is math.inf else -int(highest),
        )

    def _optimum(self, objective: Any) -> float | None:
        """The least value of objective . x over the integer points (inf when unbounded below,
        None when infeasible), rounded up to the integer it must be."""
        a_ub, b_ub, a_eq, b_eq = self._inequalities
        found: Any = linprog(
            objective,
            A_ub=a_ub if a_ub.shape[0] else None,
            b_ub=b_ub if a_ub.shape[0] else None,
            A_eq=a_eq if a_eq.shape[0] else None,
            b_eq=b_eq if a_eq.shape[0] else None,
            bounds=(0, None),
            method="highs",
        )
        if found.status == 3:
            return math.inf
        if found.status != 0:
            return None
        if not self.whole_numbers or np.all(np.abs(found.x - np.round(found.x)) < _TOLERANCE):
            self._points.append(found.x)
            return math.ceil(float(found.fun) - _TOLERANCE)
        whole: Any = milp(
            objective,
            constraints=[LinearConstraint(self.matrix, self.low, self.high)],
            integrality=np.ones(len(objective), dtype=int),
            bounds=Bounds(0, np.inf),
        )
        if whole.status != 0:
            return None if whole.status == 2 else math.ceil(float(found.fun) - _TOLERANCE)
        self._points.append(np.round(whole.x))
        return math.ceil(float(whole.fun) - _TOLERANCE)


def _wide_enough(low: int, high: int, policy: Policy) -> bool:
    """True when a hidden count known to reach both low and high passes the audit."""
    large = policy.method != "suppression" or high > policy.largest_unsafe
    return high - low >= policy.protection_level and large


def _judge(figure: PublishedFigure, low: int, high: int | None, policy: Policy) -> CellRange:
    problems = []
    if high is not None and high - low < policy.protection_level:
        span = "exactly " + str(low) if high == low else f"between {low} and {high}"
        problems.append(
            f"it could be worked out as {span} (a range of {high - low}; "
            f"the protection level is {policy.protection_level})"
        )
    if policy.method == "suppression" and high is not None and high <= policy.largest_unsafe:
        problems.append(f"readers could prove it is at most {high}, so a small number")
    return CellRange(
        figure.table,
        figure.key,
        figure.spec,
        low,
        high,
        not problems,
        "; ".join(problems),
        figure.release,
    )


def _contradiction(block: _Block, spec: Spec) -> str:
    where = ", ".join(f"{v}={','.join(c)}" for v, c in spec)
    return (
        f"Figures for {where} differ from an earlier release of the same records: the data "
        "has changed since. Publish a revision only after checking it with the earlier release "
        "withdrawn from the register."
    )
