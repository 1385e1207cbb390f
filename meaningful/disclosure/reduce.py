"""Make the attacker's program small before solving it many times, without changing any answer.

Three exact steps, repeated until none applies: a published zero forces every unknown it counts
to zero, so those unknowns go; a row saying that two unknowns are equal (a core cell and the one
split of it left) makes them one unknown; rows that then say nothing go, and rows that say the
same thing are kept once, with the narrower bounds of each. The solver would do much of this in
its own presolve, but again on every solve, and an audit solves one program hundreds of times.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse


@dataclass(frozen=True)
class Reduced:
    """low <= matrix . y <= high, y >= 0, where the original unknowns are x = columns . y."""

    matrix: Any
    low: Any
    high: Any
    columns: Any

    def objective(self, row: Any) -> Any:
        """A row over the original unknowns, as a row over the reduced ones."""
        return np.asarray(self.columns.T @ row).ravel()


def reduce_program(matrix: Any, low: Any, high: Any) -> Reduced:
    """The same program over fewer unknowns and rows."""
    columns = sparse.identity(matrix.shape[1], format="csr")
    while True:
        reduced = (matrix @ columns).tocsr()
        reduced.eliminate_zeros()
        forcing = (high == 0) & ((reduced < 0).getnnz(axis=1) == 0)
        dead = np.asarray(abs(reduced[forcing]).sum(axis=0)).ravel() > 0
        if dead.any():
            columns = columns[:, ~dead]
            continue
        pairs = _equal_pairs(reduced, low, high)
        if not pairs:
            break
        columns = (columns @ _merge(pairs, reduced.shape[1])).tocsr()
    says = (reduced.getnnz(axis=1) > 0) | (low > 0) | (high < 0)
    return _distinct_rows(reduced[says], low[says], high[says], columns)


def _equal_pairs(matrix: Any, low: Any, high: Any) -> list[tuple[int, int]]:
    """Unknowns that a row says are equal: two entries of opposite sign, both bounds zero."""
    pairs = []
    candidates = np.flatnonzero((matrix.getnnz(axis=1) == 2) & (low == 0) & (high == 0))
    for row in candidates:
        start, end = matrix.indptr[row], matrix.indptr[row + 1]
        first, second = matrix.data[start:end]
        if first == -second:
            pairs.append((int(matrix.indices[start]), int(matrix.indices[start + 1])))
    return pairs


def _merge(pairs: list[tuple[int, int]], width: int) -> Any:
    """The 0/1 matrix that maps each unknown to the one it is merged into."""
    parent = list(range(width))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in pairs:
        parent[root(a)] = root(b)
    roots = np.array([root(i) for i in range(width)])
    _, group = np.unique(roots, return_inverse=True)
    return sparse.csr_matrix(
        (np.ones(width), (np.arange(width), group)), shape=(width, int(group.max()) + 1)
    )


def _distinct_rows(matrix: Any, low: Any, high: Any, columns: Any) -> Reduced:
    matrix = matrix.tocsr()
    matrix.sort_indices()
    first: dict[bytes, int] = {}
    keep: list[int] = []
    low, high = low.copy(), high.copy()
    for row in range(matrix.shape[0]):
        start, end = matrix.indptr[row], matrix.indptr[row + 1]
        key = matrix.indices[start:end].tobytes() + matrix.data[start:end].tobytes()
        if key in first:
            kept = first[key]
            low[kept], high[kept] = max(low[kept], low[row]), min(high[kept], high[row])
        else:
            first[key] = row
            keep.append(row)
    return Reduced(matrix[keep], low[keep], high[keep], columns)
