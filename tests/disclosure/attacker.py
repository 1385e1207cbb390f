"""The attacker's linear program over team x level cells, written apart from the audit module
so that tests can check the audit against it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.optimize import linprog

from meaningful.disclosure.audit import PublishedFigure
from meaningful.disclosure.tables import Spec


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
