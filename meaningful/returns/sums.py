"""The sums a return's numbers must keep: each table's totals, the tables of one framework and
stage among themselves, change, national outcomes, reviews and recording quality.

Every check here takes a document whose shape the JSON Schema has passed, and names each problem
by its place in it (`tables[0].cells[5].count: 12 is not the sum of its level parts (11)`).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

TOTAL = "Total"


def sums(doc: dict[str, Any]) -> list[str]:
    """Totals are the sums of their parts, within each table and across the tables of one
    framework and stage; people = improved + same + worse, and = met + not met under each
    national outcome; due = on time + overdue."""
    problems = []
    for t, table in enumerate(doc["tables"]):
        problems += _table_sums(f"tables[{t}]", table)
    problems += _shared_totals(doc)
    for c, entry in enumerate(doc["change"]):
        parts = sum(entry[p]["count"] for p in ("improved", "same", "worse"))
        if entry["people"]["count"] != parts:
            problems.append(
                f"change[{c}].people.count: {entry['people']['count']} is not improved + same + "
                f"worse ({parts})"
            )
    for n, entry in enumerate(doc.get("national_outcomes", [])):
        parts = entry["met"]["count"] + entry["not_met"]["count"]
        if entry["people"]["count"] != parts:
            problems.append(
                f"national_outcomes[{n}].people.count: {entry['people']['count']} is not met + "
                f"not_met ({parts})"
            )
    reviews = doc["reviews"]
    if reviews["due"]["count"] != reviews["on_time"]["count"] + reviews["overdue"]["count"]:
        problems.append("reviews.due.count: is not on_time + overdue")
    for m, measure in enumerate(doc["recording_quality"]):
        if measure["count"] > measure["of"]["count"]:
            problems.append(f"recording_quality[{m}].count: is more than the records it is of")
    return problems


def _table_sums(where: str, table: dict[str, Any]) -> list[str]:
    by = table["by"]
    counts: dict[tuple[str, ...], int] = {}
    places: dict[tuple[str, ...], int] = {}
    for c, cell in enumerate(table["cells"]):
        key = tuple(str(cell[field]) for field in by)
        if key in counts:
            return [f"{where}.cells[{c}]: the same cell appears twice"]
        counts[key], places[key] = cell["count"], c
    parts: dict[tuple[int, tuple[str, ...]], int] = defaultdict(int)
    for key, count in counts.items():
        for i, code in enumerate(key):
            if code != TOTAL:
                parts[(i, (*key[:i], TOTAL, *key[i + 1 :]))] += count
    problems = []
    for key, count in counts.items():
        for i, code in enumerate(key):
            if code == TOTAL and count != parts.get((i, key), 0):
                problems.append(
                    f"{where}.cells[{places[key]}].count: {count} is not the sum of its "
                    f"{by[i]} parts ({parts.get((i, key), 0)})"
                )
    return problems


def _shared_totals(doc: dict[str, Any]) -> list[str]:
    """The tables of one framework and stage count the same ratings, so a table by a breakdown
    has, over all its codes, the counts of the table by outcome and level."""
    plain: dict[tuple[str, str], tuple[int, dict[tuple[str, str], int]]] = {}
    for t, table in enumerate(doc["tables"]):
        if len(table["by"]) == 2:
            cells = {(c["outcome"], c["level"]): c["count"] for c in table["cells"]}
            plain.setdefault((table["framework"], table["stage"]), (t, cells))
    problems = []
    for t, table in enumerate(doc["tables"]):
        found = plain.get((table["framework"], table["stage"]))
        if len(table["by"]) == 2 or found is None:
            continue
        first, counts = found
        field = table["by"][2]
        for c, cell in enumerate(table["cells"]):
            theirs = counts.get((cell["outcome"], cell["level"]))
            if cell[field] == TOTAL and theirs is not None and theirs != cell["count"]:
                problems.append(
                    f"tables[{t}].cells[{c}].count: {cell['count']} people for {cell['outcome']}, "
                    f"{cell['level']} where tables[{first}] counts {theirs}: the tables of one "
                    "framework and stage count the same ratings"
                )
    return problems
