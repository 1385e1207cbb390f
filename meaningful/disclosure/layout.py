"""The unknowns of the attacker's linear program: every finest cell, or far fewer in a star.

A figure narrows a variable when it counts only some of that variable's codes. Variables that
no figure narrows are summed out. When the rest split into a core and satellites such that no
figure narrows two satellites (outcome and level at the core; service type, client group, age
band and sex each a satellite of its own), the program needs, for each core cell, only its count
and its split by each satellite separately. Any such splits that agree on the core cell's count
come from some table of finest cells (for each core cell, line its people up in one split's
order and hand out the next split's codes in turn), in whole numbers too; so the ranges found
are the same as over every finest cell, from core x (1 + sum of satellite sizes) unknowns
instead of core x product of satellite sizes.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse

from meaningful.disclosure.tables import Spec


@dataclass(frozen=True)
class Layout:
    """Columns: the core cells, then for each satellite the core cells split by its codes."""

    core: tuple[str, ...]
    satellites: tuple[str, ...]
    leaves: Mapping[str, tuple[str, ...]]

    @functools.cached_property
    def core_size(self) -> int:
        return math.prod(len(self.leaves[v]) for v in self.core)

    @functools.cached_property
    def offsets(self) -> dict[str, int]:
        starts, at = {}, self.core_size
        for variable in self.satellites:
            starts[variable] = at
            at += self.core_size * len(self.leaves[variable])
        return starts

    @property
    def width(self) -> int:
        return self.core_size * (1 + sum(len(self.leaves[v]) for v in self.satellites))

    def row(self, spec: Spec) -> Any:
        """The figure as a row of 0s and 1s over the columns."""
        restricted = dict(spec)
        core = _mask(self.core, restricted, self.leaves)
        narrowed = [v for v in self.satellites if _narrows(restricted.get(v), self.leaves[v])]
        if len(narrowed) > 1:
            raise ValueError(f"A figure narrows two satellite variables: {narrowed}.")
        out = np.zeros(self.width)
        if not narrowed:
            out[: self.core_size] = core
            return out
        variable = narrowed[0]
        block = np.multiply.outer(core, _mask((variable,), restricted, self.leaves)).ravel()
        out[self.offsets[variable] : self.offsets[variable] + block.size] = block
        return out

    def coupling(self) -> Any:
        """Rows saying each satellite's split of a core cell adds up to the core cell (= 0)."""
        blocks = []
        identity = sparse.identity(self.core_size, format="csr")
        for variable in self.satellites:
            size = len(self.leaves[variable])
            before = self.offsets[variable] - self.core_size
            after = self.width - self.offsets[variable] - self.core_size * size
            split = sparse.kron(identity, np.ones((1, size)), format="csr")
            blocks.append(
                sparse.hstack(
                    [
                        -identity,
                        sparse.csr_matrix((self.core_size, before)),
                        split,
                        sparse.csr_matrix((self.core_size, after)),
                    ],
                    format="csr",
                )
            )
        if not blocks:
            return sparse.csr_matrix((0, self.width))
        return sparse.vstack(blocks, format="csr")


def lay_out(
    specs: Iterable[Spec], free: Sequence[str], leaves: Mapping[str, tuple[str, ...]]
) -> Layout:
    """The smallest layout that keeps the program exact for these figures."""
    narrowing = [
        {v for v, codes in spec if v in free and _narrows(codes, leaves[v])} for spec in specs
    ]
    used = [v for v in free if any(v in n for n in narrowing)]
    times = {v: sum(v in n for n in narrowing) for v in used}
    satellites: list[str] = []
    for variable in sorted(used, key=lambda v: (times[v], used.index(v))):
        if not any({variable, other} <= n for other in satellites for n in narrowing):
            satellites.append(variable)
    core = tuple(v for v in used if v not in satellites)
    star = Layout(core, tuple(satellites), leaves)
    every_cell = Layout(tuple(used), (), leaves)
    return star if star.width < every_cell.width else every_cell


def canonical(spec: Spec, leaves: Mapping[str, Sequence[str]]) -> Spec:
    """The figure's reach without the variables it does not narrow (so copies compare equal)."""
    return tuple((v, codes) for v, codes in spec if _narrows(codes, leaves[v]))


def _narrows(codes: Sequence[str] | None, leaves: Sequence[str]) -> bool:
    return codes is not None and not set(leaves) <= set(codes)


def _mask(
    variables: Sequence[str],
    restricted: Mapping[str, Sequence[str]],
    leaves: Mapping[str, tuple[str, ...]],
) -> Any:
    masks = [
        np.isin(np.array(leaves[v]), np.array(restricted.get(v, leaves[v]))).astype(float)
        for v in variables
    ]
    return functools.reduce(np.multiply.outer, masks, np.ones(())).ravel()
