"""The return's sections written from the protected parts: every number both true and published.

Each figure of a part's release becomes a cell with its exact `count` (for the national body)
and its `published` value under the organisation's policy (None when hidden). The membership
variable that ends every table's key is dropped: it is there for the audit only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from meaningful.disclosure.policy import Policy
from meaningful.disclosure.protect import Figure, Release
from meaningful.returns.parts import Part


@dataclass
class Protected:
    """A part with its release (figures as published, and the audit)."""

    part: Part
    release: Release

    def figures(self, name: str) -> list[Figure]:
        table = self.part.table_name(name)
        return [f for f in self.release.figures if f.table == table]


def number(figure: Figure) -> dict[str, int | None]:
    return {"count": figure.value, "published": figure.published}


def table(
    protected: Protected, name: str, framework: str, stage: str, fields: Mapping[str, str]
) -> dict[str, Any]:
    """One table of a framework and stage: `fields` names each variable as the return does."""
    by = [fields[variable] for variable in protected.part.shown[name]]
    cells = []
    for figure in protected.figures(name):
        cell: dict[str, Any] = dict(zip(by, figure.key[:-1], strict=True))
        cells.append(cell | number(figure))
    return {"name": name, "framework": framework, "stage": stage, "by": by, "cells": cells}


def change(protected: Protected, framework: str) -> list[dict[str, Any]]:
    """Improved, same, worse and people compared, per outcome."""
    by_outcome: dict[str, dict[str, Any]] = {}
    for figure in protected.figures("change"):
        outcome, direction = figure.key[0], figure.key[1]
        entry = by_outcome.setdefault(outcome, {"framework": framework, "outcome": outcome})
        entry[direction] = number(figure)
    return list(by_outcome.values())


def national_outcomes(
    protected: Protected, name: str, titles: Mapping[int, str]
) -> list[dict[str, Any]]:
    """People, met and not met under each national outcome, in the order of their numbers."""
    found: dict[str, dict[str, dict[str, int | None]]] = {}
    for figure in protected.figures(name):
        found.setdefault(figure.key[0], {})[figure.key[1]] = number(figure)
    return [
        {
            "number": int(code),
            "title": titles[int(code)],
            "people": parts["people"],
            "met": parts["met"],
            "not_met": parts["not-met"],
        }
        for code, parts in sorted(found.items(), key=lambda item: int(item[0]))
    ]


def reviews(protected: Protected) -> dict[str, Any]:
    found = {f.key[0]: number(f) for f in protected.figures("reviews")}
    return {"due": found["due"], "on_time": found["on-time"], "overdue": found["overdue"]}


def recording_quality(protected: Protected, measures: list[str]) -> list[dict[str, Any]]:
    records = protected.figures("records")[0]
    return [
        {
            "measure": measure,
            **number(protected.figures(f"meeting {measure}")[0]),
            "of": number(records),
        }
        for measure in measures
    ]


def policy_json(policy: Policy) -> dict[str, Any]:
    return {
        "threshold": policy.threshold,
        "comparison": policy.comparison,
        "rounding_base": policy.rounding_base,
        "method": policy.method,
        "minimum_n": policy.minimum_n,
        "protection_level": policy.protection_level,
        "secondary_suppression": bool(policy.secondary_suppression),
        "group_disclosure": policy.group_disclosure,
        "description": policy.describe(),
    }
