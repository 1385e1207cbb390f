"""Which published figures an attacker's bound on a hidden count rests on.

When the audit finds a hidden count narrowed, the linear program's dual values say which
published figures hold the bound where it is: withholding one of those (if it is national)
loosens the bound, where withholding another figure would not.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from scipy.optimize import linprog

from meaningful.disclosure.audit import PublishedFigure
from meaningful.disclosure.tables import Spec

_TOLERANCE = 1e-9


def _variables(
    leaves: Mapping[str, Sequence[str]], figures: Sequence[PublishedFigure]
) -> dict[str, tuple[str, ...]]:
    known = {variable: list(codes) for variable, codes in leaves.items()}
    for figure in figures:
        for variable, codes in figure.spec:
            have = known.setdefault(variable, [])
            have.extend(c for c in codes if c not in have)
    return {variable: tuple(codes) for variable, codes in known.items()}


def _row(spec: Spec, variables: Mapping[str, tuple[str, ...]]) -> Any:
    restricted = dict(spec)
    masks = [
        np.isin(np.array(codes), np.array(restricted.get(v, codes))).astype(float)
        for v, codes in variables.items()
    ]
    return functools.reduce(np.multiply.outer, masks, np.ones(())).ravel()


def binding_figures(
    target: Spec,
    figures: Sequence[PublishedFigure],
    leaves: Mapping[str, Sequence[str]],
) -> list[PublishedFigure]:
    """The figures whose published ranges hold the least or greatest value of the target."""
    variables = _variables(leaves, figures)
    if np.prod([len(c) for c in variables.values()]) > 200_000:
        return []  # too many cells to look into; the caller falls back on its own choice
    rows = np.array([_row(f.spec, variables) for f in figures])
    low = np.array([f.low for f in figures], dtype=float)
    high = np.array([np.inf if f.high is None else f.high for f in figures], dtype=float)
    exact = low == high
    upper = ~exact & np.isfinite(high)
    lower = ~exact & (low > 0)
    a_ub = np.vstack([rows[upper], -rows[lower]])
    b_ub = np.concatenate([high[upper], -low[lower]])
    goal = _row(target, variables)
    found: list[PublishedFigure] = []
    for sign in (1.0, -1.0):
        result: Any = linprog(
            sign * goal,
            A_ub=a_ub if len(b_ub) else None,
            b_ub=b_ub if len(b_ub) else None,
            A_eq=rows[exact] if exact.any() else None,
            b_eq=low[exact] if exact.any() else None,
            bounds=(0, None),
            method="highs",
        )
        if result.status != 0:
            continue
        duals = itertools.chain(
            zip(np.flatnonzero(upper), result.ineqlin.marginals[: upper.sum()], strict=True),
            zip(np.flatnonzero(lower), result.ineqlin.marginals[upper.sum() :], strict=True),
            zip(np.flatnonzero(exact), result.eqlin.marginals if exact.any() else [], strict=True),
        )
        found += [figures[int(i)] for i, dual in duals if abs(dual) > _TOLERANCE]
    return found
