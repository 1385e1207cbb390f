"""The attacker's linear program: how narrowly can each hidden count be worked out?

Everything published (this release's tables, their totals, every linked table and the earlier
releases in the register) is a set of linear constraints on the unknown finest cells: a shown
count fixes a sum, a rounded one bounds it, a hidden one is known to be small (rounding) or not
zero (suppression). For each hidden count we minimise and maximise its sum under those
constraints with HiGHS (one model per block, re-solved from the last basis for each count).
Counts are whole, so a fractional linear bound can be wider than what whole counts allow: where
that could turn a refusal into a pass (the range passes by fewer than `MARGIN` counts), the
integer program decides. A release passes when every hidden count's range holds at least the
policy's protection level of possible counts and, under suppression, reaches the threshold (so
nobody can prove the count small). A refusal names the table and cell and gives the range found.
"""

from __future__ import annotations

import functools
import math
import os
import sys
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import highspy
import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from meaningful.disclosure.policy import Policy
from meaningful.disclosure.tables import Spec

Cell = tuple[str, tuple[str, ...]]  # (table, key)
_TOLERANCE = 1e-6
# A range safe by at least this many counts on its linear bounds needs no integer program.
MARGIN = 1
Judge = Callable[[int, int | None], bool]


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
        hides_to_protect: bool = False,
    ) -> PublishedFigure:
        low, high = (
            (published, published)
            if status == "exact" and published is not None
            else policy.published_range(published, hides_to_protect)
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
    only: Collection[tuple[Spec, str]] | None = None,
) -> Audit:
    """Audit a release: every hidden primary count, here and in earlier releases it links to
    (or only those named by spec and release, when the others are known to pass)."""
    everything = [*figures, *earlier]
    all_leaves = _all_leaves(leaves, everything)
    by_cell = {(f.table, f.key): f for f in figures}
    group_pairs = [(by_cell[cell], by_cell[total]) for cell, total in groups]
    result = Audit([])
    for block in _blocks(everything, all_leaves):
        if only is None or any((f.spec, f.release) in only for f in block.figures):
            _audit_block(block, all_leaves, policy, group_pairs, result, only)
    return result


def reaudit(
    before: Audit,
    figures: Sequence[PublishedFigure],
    policy: Policy,
    leaves: Mapping[str, Sequence[str]],
    earlier: Sequence[PublishedFigure] = (),
    groups: Iterable[tuple[Cell, Cell]] = (),
) -> Audit:
    """Audit again after hiding more (or saying less about what is hidden): that only widens
    what readers can work out, so only the counts that failed before need checking."""
    if before.problems:
        return audit(figures, policy, leaves, earlier, groups)
    failed = {(r.spec, r.release) for r in before.failures}
    again = audit(figures, policy, leaves, earlier, groups, only=failed)
    kept = [r for r in before.ranges if r.safe]
    return Audit(kept + again.ranges, again.problems)


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
    only: Collection[tuple[Spec, str]] | None = None,
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
    )
    seen: set[tuple[Spec, str]] = set()
    for figure in block.figures:
        mark = (figure.spec, figure.release)
        if figure.status != "primary" or mark in seen or (only is not None and mark not in only):
            continue
        seen.add(mark)
        least, most = program.range(rows[figure.spec], functools.partial(_safe, policy=policy))
        if least is None:
            result.problems.append(
                "The published figures contradict each other; nothing was published."
            )
            return
        result.ranges.append(_judge(figure, least, most, policy))
    members = {id(f) for f in block.figures}
    for cell, total in group_pairs:
        if id(cell) in members and (only is None or (cell.spec, cell.release) in only):
            _, spread = program.range(
                rows[total.spec] - rows[cell.spec], lambda _, high: high is None or high >= 1
            )
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


class _Program:
    """One block's constraints in HiGHS, solved again for each objective from the last basis."""

    def __init__(self, matrix: Any, low: Any, high: Any) -> None:
        self.matrix, self.low, self.high = matrix, low, high
        self.columns = matrix.shape[1]
        self.highs = _quiet_highs()
        model = highspy.HighsLp()
        model.num_col_, model.num_row_ = self.columns, matrix.shape[0]
        model.col_cost_ = np.zeros(self.columns)
        model.col_lower_ = np.zeros(self.columns)
        model.col_upper_ = np.full(self.columns, highspy.kHighsInf)
        model.row_lower_ = np.where(low > 0, low, -highspy.kHighsInf)
        model.row_upper_ = np.where(np.isfinite(high), high, highspy.kHighsInf)
        model.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        model.a_matrix_.start_ = matrix.indptr
        model.a_matrix_.index_ = matrix.indices
        model.a_matrix_.value_ = matrix.data
        self.highs.passModel(model)
        self.everything = np.arange(self.columns, dtype=np.int32)

    def range(self, objective: Any, safe: Judge) -> tuple[int | None, int | None]:
        """The least and greatest value of objective . x (None for no bound; (None, None) when
        the constraints cannot all hold). Linear bounds, rounded inwards to whole counts; where
        one is fractional and the range is safe by less than `MARGIN`, the integer program's."""
        low, low_whole = self._optimum(objective)
        if low is None:
            return None, None
        negated, high_whole = self._optimum(-objective)
        high = None if negated is None else -negated
        comfortable = safe(low + MARGIN, None if high is None else high - MARGIN)
        if (low_whole and high_whole) or comfortable or not safe(low, high):
            return low, high
        if not low_whole:
            low = self._whole(objective, low)
        if not high_whole and high is not None:
            high = -self._whole(-objective, -high)
        return low, high

    def _optimum(self, objective: Any) -> tuple[int | None, bool]:
        """The least value of objective . x rounded up to a whole count (None when unbounded
        below or infeasible), and whether the optimum found is a whole-count point."""
        self.highs.changeColsCost(self.columns, self.everything, objective.astype(float))
        self.highs.run()
        if self.highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None, True
        best = float(self.highs.getInfo().objective_function_value)
        point = np.asarray(self.highs.getSolution().col_value)
        return math.ceil(best - _TOLERANCE), bool(
            np.all(np.abs(point - np.round(point)) < _TOLERANCE)
        )

    def _whole(self, objective: Any, bound: int) -> int:
        """The least value of objective . x over whole counts, given its linear bound: first
        whether a whole-count point reaches the bound (usually one does), else the optimum."""
        rows = sparse.vstack([self.matrix, sparse.csr_matrix(objective)])
        reach: Any = milp(
            np.zeros(self.columns),
            constraints=[
                LinearConstraint(rows, np.append(self.low, -np.inf), np.append(self.high, bound))
            ],
            integrality=np.ones(self.columns, dtype=int),
            bounds=Bounds(0, np.inf),
            options={"time_limit": 2},
        )
        if reach.x is not None:
            return bound
        found: Any = milp(
            objective,
            constraints=[LinearConstraint(self.matrix, self.low, self.high)],
            integrality=np.ones(self.columns, dtype=int),
            bounds=Bounds(0, np.inf),
            options={"time_limit": 2},
        )
        return bound if found.x is None else max(bound, math.ceil(float(found.fun) - _TOLERANCE))


def _quiet_highs() -> Any:
    """A HiGHS instance, without the banner it writes to standard output on its first start
    (commands may be writing a document there)."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as nowhere:
            os.dup2(nowhere.fileno(), 1)
            highs = highspy.Highs()  # type: ignore[no-untyped-call]
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    highs.setOptionValue("output_flag", False)
    # A new objective leaves the last basis feasible: primal simplex goes on from there.
    highs.setOptionValue("presolve", "off")
    highs.setOptionValue("simplex_strategy", 4)
    return highs


def _safe(low: int, high: int | None, policy: Policy) -> bool:
    return high is None or (
        high - low + 1 >= policy.protection_level
        and (policy.method != "suppression" or high > policy.largest_unsafe)
    )


def _judge(figure: PublishedFigure, low: int, high: int | None, policy: Policy) -> CellRange:
    problems = []
    if high is not None and high - low + 1 < policy.protection_level:
        span = f"exactly {low}" if high == low else f"between {low} and {high}"
        problems.append(
            f"it could be worked out as {span} ({high - low + 1} possible "
            f"{'count' if high == low else 'counts'}; the policy needs at least "
            f"{policy.protection_level})"
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
