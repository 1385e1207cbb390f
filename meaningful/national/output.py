"""The national release as plain JSON, and the same figures as rows for tables on any page.

Every format (the web page, CSV, XLSX, PDF, standalone HTML) is drawn from `release_json`, so
a figure reads the same everywhere; it holds published values only, never an exact count.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from meaningful.national.combine import RELEASE_FORMAT, NationalRelease
from meaningful.national.families import Family
from meaningful.national.protection import WITHHELD, Protected

HIDDEN_MARK = "*"
WITHHELD_MARK = "[c]"
NATIONAL_LABEL = "All organisations"


def release_title(period_label: str, organisations: int) -> str:
    return f"Personal outcomes across {organisations} organisations, {period_label}"


def _table_json(family: Family, done: Protected, names: Mapping[str, str]) -> dict[str, Any]:
    variables = list(family.variables)
    labels = {variable: dict(family.labels.get(variable, {})) for variable in variables}
    for dimension in family.table.dimensions:
        if dimension.total is not None:
            labels[dimension.variable].setdefault(dimension.total, dimension.total.capitalize())
    return {
        "name": family.name,
        "title": family.title,
        "section": family.section,
        "framework": family.framework,
        "stage": family.stage,
        "breakdown": family.breakdown,
        "variables": variables,
        "totals": {d.variable: d.total for d in family.table.dimensions if d.total is not None},
        "across": family.across,
        "labels": labels,
        "rows": [
            {
                "key": dict(zip(variables, f.key, strict=True)),
                "published": f.published,
                "withheld": f.reason == WITHHELD,
            }
            for f in done.release.figures
        ],
        "organisations": [
            {
                "organisation": figure.key[0],
                "organisation_name": names.get(figure.key[0], figure.key[0]),
                "key": dict(zip(variables, figure.key[1:], strict=True)),
                "published": figure.published,
            }
            for figure in family.linked
        ],
    }


def release_json(release: NationalRelease) -> dict[str, Any]:
    """The release as JSON-ready values: published figures, notes, policy and audit."""
    names = {read.code: read.name for read in release.returns}
    frameworks: dict[str, dict[str, Any]] = {}
    for read in release.returns:
        for key, info in read.frameworks.items():
            entry = frameworks.setdefault(
                key,
                {"key": key, "slug": info.slug, "version": info.version, "name": info.name},
            )
            entry.setdefault("organisations", []).append(read.code)
    return {
        "format": RELEASE_FORMAT,
        "format_version": "1.1",  # 1.1: the table by national outcome
        "title": release_title(release.period.label, len(release.returns)),
        "period": {
            "label": release.period.label,
            "start": release.period.start.isoformat(),
            "end": release.period.end.isoformat(),
        },
        "generated_at": release.generated_at.isoformat(),
        "policy": dataclasses.asdict(release.policy),
        "policy_text": policy_text(release),
        "organisations": [
            {
                "code": read.code,
                "name": read.name,
                "file": read.file,
                "checksum": read.checksum,
                "format_version": read.version,
                "frameworks": sorted(read.frameworks),
            }
            for read in release.returns
        ],
        "frameworks": [frameworks[key] for key in sorted(frameworks)],
        "notes": release.notes,
        "warnings": release.warnings,
        "tables": [
            _table_json(family, release.protected[family.name], names)
            for family in release.families
        ],
        "audit": release.audit_summary(),
        "seconds": release.seconds,
    }


def policy_text(release: NationalRelease) -> str:
    text = release.policy.describe()
    if any(f.reason == WITHHELD for r in release.releases.values() for f in r.figures):
        text += (
            f" Figures shown as {WITHHELD_MARK} are withheld, although not small, so that a count "
            "an organisation hid cannot be worked out from the national totals; each stands "
            f"for {release.policy.largest_unsafe + 1} or more."
        )
    return text


def shown(row: Mapping[str, Any]) -> str:
    """A published value as printed: the number, * for hidden, [c] for withheld."""
    if row["published"] is not None:
        return str(row["published"])
    return WITHHELD_MARK if row.get("withheld") else HIDDEN_MARK


@dataclass
class Grid:
    """A table laid out for reading: row labels down the side, the `across` codes as columns."""

    heads: list[str]  # the names of the row-label columns
    columns: list[str]  # the labels across
    rows: list[tuple[list[str], list[str]]]  # (row labels, shown values)


def _label(table: Mapping[str, Any], variable: str, code: str) -> str:
    return str(table["labels"].get(variable, {}).get(code, code))


def grid(table: Mapping[str, Any], organisations: bool = False) -> Grid:
    """The national figures (or each organisation's, as it published them) as a grid, totals
    last in both directions."""
    across = table["across"]
    down = [v for v in table["variables"] if v != across]
    totals = table.get("totals", {})
    entries = table["organisations"] if organisations else table["rows"]
    columns: list[str] = []
    cells: dict[tuple[str, ...], dict[str, str]] = {}
    for entry in entries:
        key = entry["key"]
        place = (entry["organisation_name"],) if organisations else ()
        if key[across] not in columns:
            columns.append(key[across])
        cells.setdefault((*place, *(key[v] for v in down)), {})[key[across]] = shown(entry)
    columns.sort(key=lambda code: totals.get(across) == code)
    skip = 1 if organisations else 0

    seen: dict[str, list[str]] = {v: [] for v in down}
    for row in cells:
        for v, c in zip(down, row[skip:], strict=True):
            if c not in seen[v]:
                seen[v].append(c)

    def order(row: tuple[str, ...]) -> list[Any]:
        place = [
            (totals.get(v) == c, seen[v].index(c)) for v, c in zip(down, row[skip:], strict=True)
        ]
        return [row[:skip], *place]

    rows = [
        (
            [*row[:skip], *(_label(table, v, c) for v, c in zip(down, row[skip:], strict=True))],
            [cells[row].get(code, "") for code in columns],
        )
        for row in sorted(cells, key=order)
    ]
    heads = (["Organisation"] if organisations else []) + [
        v.replace("_", " ").capitalize() for v in down
    ]
    return Grid(heads, [_label(table, across, c) for c in columns], rows)


def long_rows(table: Mapping[str, Any]) -> Iterator[list[str | int | None]]:
    """Every figure of the table, national first, one row each: who, codes, value shown."""
    for entry in table["rows"]:
        yield [NATIONAL_LABEL, *entry["key"].values(), _value(entry)]
    for entry in table["organisations"]:
        yield [entry["organisation"], *entry["key"].values(), _value(entry)]


def _value(entry: Mapping[str, Any]) -> str | int:
    published = entry["published"]
    return int(published) if published is not None else shown(entry)
