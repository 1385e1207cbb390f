"""Check a return document: its shape (the JSON Schema), checksum, sums and published values.

For the organisation before it sends a return and for the national hub when one arrives, so both
read the format the same way. Every message names the field it is about, as a path into the
document (`tables[3].cells[12].count: -1 is less than the minimum of 0`).
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

SCHEMA_PATH = Path(__file__).with_name("return.schema.json")
TOTAL = "Total"


@functools.cache
def _validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def return_checksum(doc: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON of the document without `metadata.checksum`."""
    unsealed = copy.deepcopy(doc)
    metadata = unsealed.get("metadata")
    if isinstance(metadata, dict):
        metadata.pop("checksum", None)
    canonical = json.dumps(unsealed, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def validate_return(doc: Any) -> list[str]:
    """Every problem with the document, each naming its field; an empty list for a sound one."""
    problems = [
        f"{_path(error.absolute_path) or '(document)'}: {error.message}"
        for error in sorted(_validator().iter_errors(doc), key=lambda e: list(e.absolute_path))
    ]
    if problems:  # the further checks need the shape right
        return problems
    claimed = doc["metadata"]["checksum"]
    if claimed != return_checksum(doc):
        problems.append(
            f"metadata.checksum: {claimed} does not match the document: it was changed after it "
            "was built, or damaged on the way"
        )
    problems += _unknown_frameworks(doc)
    problems += _sums(doc)
    problems += _published_values(doc)
    return problems


def _path(parts: Sequence[Any]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}" if out else str(part)
    return out


def _unknown_frameworks(doc: dict[str, Any]) -> list[str]:
    known = {f"{f['slug']}@{f['version']}": f for f in doc["frameworks"]}
    problems = []
    for where, framework in _framework_references(doc):
        if framework not in known:
            problems.append(f"{where}: framework {framework!r} is not in frameworks")
    for t, table in enumerate(doc["tables"]):
        scheme = known.get(table["framework"])
        if scheme is None:
            continue
        codes = {
            "outcome": {o["code"] for o in scheme["outcomes"]},
            "level": {level["code"] for level in scheme["levels"]},
        }
        for c, cell in enumerate(table["cells"]):
            for field, allowed in codes.items():
                if cell[field] != TOTAL and cell[field] not in allowed:
                    problems.append(
                        f"tables[{t}].cells[{c}].{field}: {cell[field]!r} is not a code of "
                        f"{table['framework']}"
                    )
    return problems


def _framework_references(doc: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for t, table in enumerate(doc["tables"]):
        yield f"tables[{t}].framework", table["framework"]
    for c, entry in enumerate(doc["change"]):
        yield f"change[{c}].framework", entry["framework"]


def _sums(doc: dict[str, Any]) -> list[str]:
    """Each table's totals are the sums of their parts; people = improved + same + worse."""
    problems = []
    for t, table in enumerate(doc["tables"]):
        problems += _table_sums(f"tables[{t}]", table)
    for c, entry in enumerate(doc["change"]):
        parts = sum(entry[p]["count"] for p in ("improved", "same", "worse"))
        if entry["people"]["count"] != parts:
            problems.append(
                f"change[{c}].people.count: {entry['people']['count']} is not improved + same + "
                f"worse ({parts})"
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


def numbers(doc: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every number of a return (a count and its published value), with where it is."""
    for t, table in enumerate(doc["tables"]):
        for c, cell in enumerate(table["cells"]):
            yield f"tables[{t}].cells[{c}]", cell
    for c, entry in enumerate(doc["change"]):
        for part in ("improved", "same", "worse", "people"):
            yield f"change[{c}].{part}", entry[part]
    for name, value in doc["reviews"].items():
        yield f"reviews.{name}", value
    for m, measure in enumerate(doc["recording_quality"]):
        yield f"recording_quality[{m}]", measure
        yield f"recording_quality[{m}].of", measure["of"]


def _published_values(doc: dict[str, Any]) -> list[str]:
    """No published value may be one the policy hides (1 to the largest unsafe count) or off its
    rounding base."""
    policy = doc["metadata"]["policy"]
    largest = policy["threshold"] - (1 if policy["comparison"] == "<" else 0)
    base = policy["rounding_base"]
    problems = []
    for where, number in numbers(doc):
        shown = number["published"]
        if shown is None or shown == 0:
            continue
        if shown <= largest:
            problems.append(
                f"{where}.published: {shown} is a count the policy hides (1 to {largest})"
            )
        elif shown % base:
            problems.append(f"{where}.published: {shown} is not a multiple of {base}")
    return problems
