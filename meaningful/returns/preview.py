"""A return as people read it on the page: its tables as grids of the values it may publish."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from meaningful.accounts.models import ServiceKind
from meaningful.people.models import ClientGroup, Sex
from meaningful.returns.schema import numbers
from meaningful.returns.sums import TOTAL

BREAKDOWN_LABELS: dict[str, dict[str, str]] = {
    "service_type": dict(ServiceKind.choices),
    "client_group": dict(ClientGroup.choices),
    "age_band": {},
    "sex": dict(Sex.choices),
}
MEASURE_LABELS = {
    "own-words": "What matters, in the person's own words",
    "working-or-not": "What is working or not working",
    "actions": "An action with an owner",
    "agreed-level": "An agreed level",
    "service-led": "Service-led wording (fewer is better)",
}


def shown(number: Mapping[str, Any]) -> str:
    """A published value as it reads: * when hidden."""
    return "*" if number["published"] is None else str(number["published"])


@dataclass
class Grid:
    caption: str
    heads: list[str]  # the row label columns, then the value columns
    rows: list[tuple[list[str], list[str]]] = field(default_factory=list)
    numeric_from: int = 1


@dataclass
class Stage:
    name: str
    main: Grid
    breakdowns: list[Grid]


@dataclass
class FrameworkPreview:
    name: str
    label: str
    stages: list[Stage]
    change: Grid


@dataclass
class Preview:
    document: dict[str, Any]
    frameworks: list[FrameworkPreview]
    reviews: Grid
    quality: Grid
    national: Grid | None = None  # from format version 1.1

    @property
    def audit(self) -> dict[str, Any]:
        return dict(self.document["metadata"]["audit"])

    @property
    def policy(self) -> str:
        return str(self.document["metadata"]["policy"]["description"])

    @property
    def numbers(self) -> int:
        return sum(1 for _ in numbers(self.document))


def preview(document: dict[str, Any]) -> Preview:
    """The grids of a return document, by framework and stage."""
    frameworks = []
    for scheme in document["frameworks"]:
        label = f"{scheme['slug']}@{scheme['version']}"
        names = {o["code"]: o["name"] for o in scheme["outcomes"]} | {TOTAL: "All outcomes"}
        levels = {lv["code"]: lv["label"] for lv in scheme["levels"]} | {TOTAL: "All levels"}
        stages = []
        for stage in ("baseline", "latest"):
            tables = [
                t for t in document["tables"] if t["framework"] == label and t["stage"] == stage
            ]
            main = next(t for t in tables if len(t["by"]) == 2)
            stages.append(
                Stage(
                    "First agreed rating (baseline)" if stage == "baseline" else "Latest rating",
                    _levels_grid(main, names, levels),
                    [_breakdown_grid(t, names, levels) for t in tables if len(t["by"]) == 3],
                )
            )
        change = [c for c in document["change"] if c["framework"] == label]
        frameworks.append(
            FrameworkPreview(scheme["name"], label, stages, _change_grid(change, names))
        )
    return Preview(
        document,
        frameworks,
        _reviews_grid(document),
        _quality_grid(document),
        _national_grid(document["national_outcomes"]) if "national_outcomes" in document else None,
    )


def _levels_grid(table: dict[str, Any], names: dict[str, str], levels: dict[str, str]) -> Grid:
    columns = list(dict.fromkeys(cell["level"] for cell in table["cells"]))
    columns = [c for c in columns if c != TOTAL] + [TOTAL]
    values = {(c["outcome"], c["level"]): shown(c) for c in table["cells"]}
    outcomes = list(dict.fromkeys(cell["outcome"] for cell in table["cells"]))
    grid = Grid(table["name"].capitalize(), ["Outcome", *(levels[c] for c in columns)])
    for outcome in [o for o in outcomes if o != TOTAL] + [TOTAL]:
        grid.rows.append(([names[outcome]], [values[(outcome, c)] for c in columns]))
    return grid


def _breakdown_grid(table: dict[str, Any], names: dict[str, str], levels: dict[str, str]) -> Grid:
    field_name = table["by"][2]
    labels = BREAKDOWN_LABELS[field_name]
    columns = list(dict.fromkeys(cell[field_name] for cell in table["cells"]))
    columns = [c for c in columns if c != TOTAL] + [TOTAL]
    values = {(c["outcome"], c["level"], c[field_name]): c for c in table["cells"]}
    heads = ["Outcome", "Level", *(labels.get(c, c) if c != TOTAL else "All" for c in columns)]
    grid = Grid(table["name"].capitalize(), heads, numeric_from=2)
    pairs = list(dict.fromkeys((c["outcome"], c["level"]) for c in table["cells"]))
    for outcome, level in pairs:
        total = values[(outcome, level, TOTAL)]
        if total["published"] == 0:
            continue  # nobody counted in the row
        row = [shown(values[(outcome, level, c)]) for c in columns]
        grid.rows.append(([names[outcome], levels[level]], row))
    return grid


def _change_grid(entries: list[dict[str, Any]], names: dict[str, str]) -> Grid:
    grid = Grid(
        "Change from the first agreed rating to the latest",
        ["Outcome", "People", "Improved", "Same", "Worse"],
    )
    for entry in entries:
        values = [shown(entry[part]) for part in ("people", "improved", "same", "worse")]
        grid.rows.append(([names[entry["outcome"]]], values))
    return grid


def _national_grid(entries: list[dict[str, Any]]) -> Grid:
    grid = Grid("By national outcome", ["National outcome", "People", "Met", "Not met"])
    for entry in entries:
        values = [shown(entry[part]) for part in ("people", "met", "not_met")]
        grid.rows.append(([f"{entry['number']}. {entry['title']}"], values))
    return grid


def _reviews_grid(document: dict[str, Any]) -> Grid:
    reviews = document["reviews"]
    grid = Grid("Reviews that fell due", ["Reviews", "Number"])
    for key, label in (("due", "Fell due"), ("on_time", "Held on time"), ("overdue", "Overdue")):
        grid.rows.append(([label], [shown(reviews[key])]))
    return grid


def _quality_grid(document: dict[str, Any]) -> Grid:
    grid = Grid("Recording quality", ["Records with", "Records", "Of"])
    for measure in document["recording_quality"]:
        label = MEASURE_LABELS.get(measure["measure"], measure["measure"])
        grid.rows.append(([label], [shown(measure), shown(measure["of"])]))
    return grid
