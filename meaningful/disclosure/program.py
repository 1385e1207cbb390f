"""The attacker's linear program for one block of linked figures, solved as few times as it can be.

The program is reduced once (`reduce.py`), then minimised and maximised for each hidden count
with HiGHS (through scipy), falling back to the integer program when the linear optimum is not a
whole-number point. Every whole-number solution found is a table readers cannot rule out, so the
values it gives every hidden count are values that count could take. A count already seen to
take values far enough apart is therefore safe without being solved for: its true range is at
least as wide. To see many such values early, the program is first solved in whole numbers for
all hidden counts together, least and greatest, then for mixtures of the counts still open
(some pushed up, some down) for as long as each solution settles several of them. Counts that
are not safe are always solved both ways, so a refusal gives a range readers can work out (the
linear one when that is already too narrow, the whole-number range being no wider); a safe
count's range is at least what is reported.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from meaningful.disclosure.reduce import Reduced, reduce_program

_TOLERANCE = 1e-6
EXPLORE_FROM = 24  # hidden counts worth exploring for (with fewer, each is solved for)
# Exploring stops when a solution settles fewer hidden counts than this: solving for each of
# them costs about the same as one more exploring solution.
WORTH_EXPLORING = 2
MOST_EXPLORING = 200
ANY_GAP = 1e9  # an optimality gap that stops an exploring solution at its first good point

# (least, greatest) -> True when a range that wide is safe
Enough = Callable[[int, int | None], bool]
Range = tuple[int | None, int | None]


@dataclass
class Program:
    reduced: Reduced
    watched: Any  # the hidden counts' rows over the reduced unknowns
    index: dict[bytes, int]
    seen_low: Any
    seen_high: Any
    answers: dict[bytes, Range] = field(default_factory=dict)
    whole_numbers: bool = True  # False: linear bounds rounded inwards, no integer programs

    @classmethod
    def of(
        cls,
        figures: Any,
        coupling: Any,
        low: Any,
        high: Any,
        watch: Sequence[Any],
        enough: Enough | None = None,
        whole_numbers: bool = True,
    ) -> Program:
        """The program over the figures' rows and the coupling rows (each equal to 0), reading
        every solution for the counts in `watch`, explored first for the ranges `enough` wants."""
        zeros = np.zeros(coupling.shape[0])
        reduced = reduce_program(
            sparse.vstack([figures, coupling], format="csr"),
            np.concatenate([low, zeros]),
            np.concatenate([high, zeros]),
        )
        rows = [reduced.objective(row) for row in watch]
        width = reduced.matrix.shape[1]
        program = cls(
            reduced,
            sparse.csr_matrix(np.array(rows, dtype=float).reshape(len(rows), width)),
            {row.tobytes(): i for i, row in enumerate(rows)},
            np.full(len(rows), math.inf),
            np.full(len(rows), -math.inf),
            whole_numbers=whole_numbers,
        )
        if whole_numbers and enough is not None and len(rows) >= EXPLORE_FROM:
            program._explore(enough)
        return program

    def _unsettled(self, enough: Enough) -> Any:
        return np.array(
            [
                not (math.isfinite(low) and enough(int(low), int(high)))
                for low, high in zip(self.seen_low, self.seen_high, strict=True)
            ]
        )

    def _explore(self, enough: Enough) -> None:
        """Whole-number solutions far apart: every hidden count low, every one high, then the
        counts not yet seen far enough apart pushed some up and some down, while that pays."""
        chooser = np.random.default_rng(0)  # fixed, so that an audit repeats exactly
        open_ = np.ones(self.watched.shape[0], dtype=bool)
        for step in range(MOST_EXPLORING):
            if step < 2:
                weights = np.full(open_.size, 1.0 if step == 0 else -1.0)
            else:
                weights = chooser.choice([-1.0, 1.0], open_.size) * open_
            self._solve_whole(np.asarray(self.watched.T @ weights).ravel(), best=False)
            still = self._unsettled(enough)
            settled = int(open_.sum() - still.sum())
            open_ = still
            if not open_.any() or (step >= 2 and settled < WORTH_EXPLORING):
                return

    def range(self, objective: Any, enough: Enough | None = None) -> Range:
        """The least and greatest value of objective . x over whole numbers (None for no bound;
        (None, None) when the constraints cannot all hold), or a narrower range of values seen
        in solutions when `enough` already accepts it."""
        objective = self.reduced.objective(objective)
        key = objective.tobytes()
        if key in self.answers:
            return self.answers[key]
        if enough is not None and (seen := self._seen(key)) and enough(*seen):
            return seen
        least, whole_least = self._relaxed(objective)
        if least is None:
            self.answers[key] = (None, None)
            return None, None
        most, whole_most = self._relaxed(-objective)
        low, high = int(least), None if most is None else -int(most)
        if (whole_least and whole_most) or not self.whole_numbers:
            self.answers[key] = (low, high)
            return low, high
        if enough is not None and not enough(low, high):
            return low, high  # already too narrow: the whole-number range lies within it
        if enough is not None and key in self.index:
            # the linear bounds allow a safe range: do whole numbers reach one? First look for
            # good whole-number points near each bound, which is quicker than the best ones.
            if not whole_least:
                self._solve_whole(objective, best=False)
            if not whole_most and most is not None:
                self._solve_whole(-objective, best=False)
            seen = self._seen(key)
            if seen is not None:
                candidate = (low if whole_least else seen[0], high if whole_most else seen[1])
                if enough(*candidate):
                    return candidate
        if not whole_least:
            low = int(self._whole(objective, least))
        if not whole_most and most is not None:
            high = -int(self._whole(-objective, most))
        self.answers[key] = (low, high)
        return low, high

    def _seen(self, key: bytes) -> tuple[int, int] | None:
        i = self.index.get(key)
        if i is None or not math.isfinite(self.seen_low[i]):
            return None
        return int(self.seen_low[i]), int(self.seen_high[i])

    def _note(self, solution: Any) -> None:
        values = np.round(self.watched @ solution)
        self.seen_low = np.minimum(self.seen_low, values)
        self.seen_high = np.maximum(self.seen_high, values)

    @functools.cached_property
    def _inequalities(self) -> tuple[Any, Any, Any, Any]:
        matrix, low, high = self.reduced.matrix, self.reduced.low, self.reduced.high
        exact = low == high
        upper = ~exact & np.isfinite(high)
        lower = ~exact & (low > 0)
        a_ub = sparse.vstack([matrix[upper], -matrix[lower]]).tocsr()
        b_ub = np.concatenate([high[upper], -low[lower]])
        return a_ub, b_ub, matrix[exact], low[exact]

    def _relaxed(self, objective: Any) -> tuple[float | None, bool]:
        """The least value of objective . x over all points, rounded up to a whole number (None
        when unbounded below or infeasible: infeasible only for a positive objective), and
        whether a whole-number point reaches it."""
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
        if found.status != 0:
            return None, False
        whole = bool(np.all(np.abs(found.x - np.round(found.x)) < _TOLERANCE))
        if whole:
            self._note(np.round(found.x))
        return float(math.ceil(float(found.fun) - _TOLERANCE)), whole

    def _whole(self, objective: Any, relaxed: float) -> float:
        """The least value of objective . x over whole-number points (the relaxed bound when
        the integer program gives no answer)."""
        least = self._solve_whole(objective)
        return relaxed if least is None else least

    def _solve_whole(self, objective: Any, *, best: bool = True) -> float | None:
        """The least whole-number value of objective . x, or with `best` false the first good
        whole-number solution found (exploring needs values far apart, not the extreme)."""
        reduced = self.reduced
        found: Any = milp(
            objective,
            constraints=[LinearConstraint(reduced.matrix, reduced.low, reduced.high)],
            integrality=np.ones(len(objective), dtype=int),
            bounds=Bounds(0, np.inf),
            options={} if best else {"mip_rel_gap": ANY_GAP},
        )
        if found.x is None or (best and found.status != 0):
            return None
        self._note(np.round(found.x))
        return float(math.ceil(float(found.fun) - _TOLERANCE))
