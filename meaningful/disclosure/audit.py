"""The attacker's linear program: how narrowly can each hidden count be worked out?

Everything published (this release's tables, their totals, every linked table and the earlier
releases in the register) is a set of linear constraints on the unknown finest cells: a shown
count fixes a sum, a rounded one bounds it, a hidden one is known to be small (rounding) or not
zero (suppression). The unknowns are laid out as few as the figures allow (`layout.py`), and
for each hidden count the program finds the least and greatest value its sum can take, in whole
numbers (`program.py`). A release passes when every hidden count's range is at least the
policy's protection level wide and, under suppression, could reach the threshold (so nobody can
prove the count small). A refusal names the table and cell and gives the exact range found; for
a safe count the range given is one readers cannot narrow, and may be narrower than the truth.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse

from meaningful.disclosure.layout import canonical, lay_out
from meaningful.disclosure.policy import Policy
from meaningful.disclosure.program import Program
from meaningful.disclosure.tables import Spec

Cell = tuple[str, tuple[str, ...]]  # (table, key)


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
    only: Collection[Spec] | None = None,
    whole_numbers: bool = True,
) -> Audit:
    """Audit a release: every hidden primary count, here and in earlier releases it links to
    (or, with `only`, the hidden counts with those reaches). With `whole_numbers` the attacker
    also knows that counts are whole; without, the linear bounds are rounded inwards, as most
    disclosure tools do, which is faster on large linked tables."""
    everything = [*figures, *earlier]
    all_leaves = _all_leaves(leaves, everything)
    by_cell = {(f.table, f.key): f for f in figures}
    group_pairs = [(by_cell[cell], by_cell[total]) for cell, total in groups]
    result = Audit([])
    for block in _blocks(everything, all_leaves):
        _audit_block(block, all_leaves, policy, group_pairs, result, only, whole_numbers)
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
    only: Collection[Spec] | None,
    whole_numbers: bool = True,
) -> None:
    def wanted(figure: PublishedFigure) -> bool:
        return only is None or figure.spec in only

    free = [v for v in leaves if v not in block.separate]
    specs: dict[Spec, tuple[int, float]] = {}
    for figure in block.figures:
        spec = canonical(figure.spec, leaves)
        low, high = specs.get(spec, (0, math.inf))
        specs[spec] = (
            max(low, figure.low),
            min(high, math.inf if figure.high is None else figure.high),
        )
    contradictions = [spec for spec, (low, high) in specs.items() if low > high]
    if contradictions:
        result.problems.append(_contradiction(block, contradictions[0]))
        return
    members = {id(f) for f in block.figures}
    pairs = [(c, t) for c, t in group_pairs if id(c) in members and wanted(c)]
    if not pairs and not any(f.status == "primary" and wanted(f) for f in block.figures):
        return
    layout = lay_out(specs, free, leaves)
    rows = {spec: layout.row(spec) for spec in specs}
    hidden = {
        canonical(f.spec, leaves): None
        for f in block.figures
        if f.status == "primary" and wanted(f)
    }
    program = Program.of(
        sparse.csr_matrix(np.array(list(rows.values()), dtype=float)),
        layout.coupling(),
        np.array([low for low, _ in specs.values()], dtype=float),
        np.array([high for _, high in specs.values()], dtype=float),
        watch=[rows[spec] for spec in hidden],
        enough=functools.partial(_enough, policy),
        whole_numbers=whole_numbers,
    )
    enough = functools.partial(_enough, policy)
    seen: set[tuple[Spec, str]] = set()
    for figure in block.figures:
        if figure.status != "primary" or (figure.spec, figure.release) in seen:
            continue
        if not wanted(figure):
            continue
        seen.add((figure.spec, figure.release))
        least, most = program.range(rows[canonical(figure.spec, leaves)], enough)
        if least is None:
            result.problems.append(
                "The published figures contradict each other; nothing was published."
            )
            return
        result.ranges.append(_judge(figure, least, most, policy))
    for cell, total in pairs:
        objective = rows[canonical(total.spec, leaves)] - rows[canonical(cell.spec, leaves)]
        _, spread = program.range(objective)
        safe = spread is None or spread >= 1
        reason = "readers could tell that everyone in its line is in this cell"
        result.ranges.append(
            CellRange(cell.table, cell.key, cell.spec, 0, spread, safe, "" if safe else reason)
        )


def _problems(low: int, high: int | None, policy: Policy) -> list[str]:
    problems = []
    if high is not None and high - low < policy.protection_level:
        span = "exactly " + str(low) if high == low else f"between {low} and {high}"
        problems.append(
            f"it could be worked out as {span} (a range of {high - low}; "
            f"the protection level is {policy.protection_level})"
        )
    if policy.method == "suppression" and high is not None and high <= policy.largest_unsafe:
        problems.append(f"readers could prove it is at most {high}, so a small number")
    return problems


def _enough(policy: Policy, low: int, high: int | None) -> bool:
    return not _problems(low, high, policy)


def _judge(figure: PublishedFigure, low: int, high: int | None, policy: Policy) -> CellRange:
    problems = _problems(low, high, policy)
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
