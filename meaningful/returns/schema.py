"""Check a return document: its version and shape (the JSON Schema), checksum, codes, sums and
published values.

For the organisation before it sends a return and for the national hub when one arrives, so both
read the format the same way. Every message names the field it is about, as a path into the
document (`tables[3].cells[12].count: -1 is less than the minimum of 0`).
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from meaningful.disclosure.policy import Policy
from meaningful.reports.period import parse_period
from meaningful.returns.sums import TOTAL, sums

SCHEMA_PATH = Path(__file__).with_name("return.schema.json")
FORMAT = "meaningful-return"
VERSIONS = ("1.0", "1.1")  # every version this installation reads; it writes the last
# The sections each version added to the one before (a reader of a version reads those before).
ADDED_IN = {"national_outcomes": "1.1"}
BREAKDOWNS = ("service_type", "client_group", "age_band", "sex")
POLICY_FIELDS = (
    "threshold",
    "comparison",
    "rounding_base",
    "method",
    "minimum_n",
    "protection_level",
    "secondary_suppression",
    "group_disclosure",
)


@functools.cache
def _schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return schema


@functools.cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(_schema())


def breakdown_codes() -> dict[str, tuple[str, ...]]:
    """Each breakdown of the rating tables with its codes, as the schema lists them."""
    cell = _schema()["$defs"]["cell"]["properties"]
    return {name: tuple(c for c in cell[name]["enum"] if c != TOTAL) for name in BREAKDOWNS}


def return_checksum(doc: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON of the document without `metadata.checksum`."""
    unsealed = copy.deepcopy(doc)
    metadata = unsealed.get("metadata")
    if isinstance(metadata, dict):
        metadata.pop("checksum", None)
    canonical = json.dumps(unsealed, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def policy_from_json(settings: Mapping[str, Any]) -> Policy:
    """The disclosure policy a return states (ValueError when no policy can be as stated)."""
    return Policy(**{name: settings[name] for name in POLICY_FIELDS if name in settings})


def validate_return(doc: Any) -> list[str]:
    """Every problem with the document, each naming its field; an empty list for a sound one.

    A version this installation does not read, a shape the schema refuses or a checksum that
    does not match stops the checks there: what follows would only repeat the same problem.
    """
    unknown = _unknown_version(doc)
    if unknown:
        return [unknown]
    problems = [
        f"{_path(error.absolute_path) or '(document)'}: {error.message}"
        for error in sorted(_validator().iter_errors(doc), key=lambda e: list(e.absolute_path))
    ]
    if problems:
        return problems
    claimed, actual = doc["metadata"]["checksum"], return_checksum(doc)
    if claimed != actual:
        return [
            f"metadata.checksum: the return has been changed since it was made (it says "
            f"{claimed[:19]}..., its contents give {actual[:19]}...): it was edited or damaged "
            "on the way. Ask the organisation to send it again (or build it again); never edit "
            "a return by hand."
        ]
    problems += _period(doc)
    problems += _framework_codes(doc)
    problems += _unknown_codes(doc)
    problems += _repeated(doc)
    problems += sums(doc)
    try:
        policy = policy_from_json(doc["metadata"]["policy"])
    except ValueError as error:
        return [*problems, f"metadata.policy: {error}"]
    return problems + _published_values(doc, policy)


def _unknown_version(doc: Any) -> str:
    """Why the document is not of a version this installation reads ('' when it is)."""
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or "format_version" not in doc:
        return ""
    version = doc["format_version"]
    if version not in VERSIONS:
        readable = " and ".join([", ".join(VERSIONS[:-1]), VERSIONS[-1]])
        return (
            f"format_version: {json.dumps(version)} is not a version this installation reads (it "
            f"reads {readable}): ask for the return in one of those, or update Meaningful"
        )
    for section, since in ADDED_IN.items():
        if section in doc and VERSIONS.index(version) < VERSIONS.index(since):
            return (
                f"{section}: a section of format version {since}, in a document that says it is "
                f"{version}: ask the organisation to build the return again"
            )
    return ""


def _path(parts: Sequence[Any]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}" if out else str(part)
    return out


def _period(doc: dict[str, Any]) -> list[str]:
    """The first and last day are those of the period's label."""
    period = doc["period"]
    try:
        expected = parse_period(period["label"])
    except ValueError as error:
        return [f"period.label: {error}"]
    problems = []
    for name, day in (("start", expected.start), ("end", expected.end)):
        if period[name] != day.isoformat():
            problems.append(
                f"period.{name}: {json.dumps(period[name])} should be {day.isoformat()} for the "
                f"period {period['label']!r}"
            )
    return problems


def _framework_codes(doc: dict[str, Any]) -> list[str]:
    """Each framework version listed once; its outcome and level codes each once, none 'Total'."""
    problems = []
    seen: set[str] = set()
    for f, framework in enumerate(doc["frameworks"]):
        key = f"{framework['slug']}@{framework['version']}"
        if key in seen:
            problems.append(f"frameworks[{f}]: {key} is listed twice")
        seen.add(key)
        for part in ("outcomes", "levels"):
            codes: set[str] = set()
            for i, entry in enumerate(framework[part]):
                where = f"frameworks[{f}].{part}[{i}].code"
                if entry["code"] == TOTAL:
                    problems.append(f"{where}: {TOTAL!r} is kept for totals")
                elif entry["code"] in codes:
                    problems.append(f"{where}: {entry['code']!r} appears twice")
                codes.add(entry["code"])
    return problems


def _unknown_codes(doc: dict[str, Any]) -> list[str]:
    """Every framework a table or change names is listed, with the outcome and level codes used."""
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
    for c, entry in enumerate(doc["change"]):
        scheme = known.get(entry["framework"])
        if scheme is not None and entry["outcome"] not in {o["code"] for o in scheme["outcomes"]}:
            problems.append(
                f"change[{c}].outcome: {entry['outcome']!r} is not an outcome of "
                f"{entry['framework']}"
            )
    return problems


def _framework_references(doc: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for t, table in enumerate(doc["tables"]):
        yield f"tables[{t}].framework", table["framework"]
    for c, entry in enumerate(doc["change"]):
        yield f"change[{c}].framework", entry["framework"]


def _repeated(doc: dict[str, Any]) -> list[str]:
    """One table per framework, stage and breakdown; one change entry per outcome; one entry per
    recording standard and per national outcome."""
    problems = []
    tables: dict[tuple[str, ...], int] = {}
    for t, table in enumerate(doc["tables"]):
        key = (table["framework"], table["stage"], *table["by"])
        if key in tables:
            problems.append(
                f"tables[{t}]: a second table of {table['framework']}, {table['stage']}, by "
                f"{', '.join(table['by'])} (tables[{tables[key]}] is the first); a return has "
                "one of each"
            )
        tables.setdefault(key, t)
    outcomes: set[tuple[str, str]] = set()
    for c, entry in enumerate(doc["change"]):
        if (entry["framework"], entry["outcome"]) in outcomes:
            problems.append(
                f"change[{c}]: a second entry for {entry['framework']}, outcome "
                f"{entry['outcome']!r}"
            )
        outcomes.add((entry["framework"], entry["outcome"]))
    measures: set[str] = set()
    for m, measure in enumerate(doc["recording_quality"]):
        if measure["measure"] in measures:
            problems.append(f"recording_quality[{m}].measure: {measure['measure']!r} appears twice")
        measures.add(measure["measure"])
    national: set[int] = set()
    for n, entry in enumerate(doc.get("national_outcomes", [])):
        if entry["number"] in national:
            problems.append(f"national_outcomes[{n}].number: {entry['number']} appears twice")
        national.add(entry["number"])
    return problems


def numbers(doc: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every number of a return (a count and its published value), with where it is."""
    for t, table in enumerate(doc["tables"]):
        for c, cell in enumerate(table["cells"]):
            yield f"tables[{t}].cells[{c}]", cell
    for c, entry in enumerate(doc["change"]):
        for part in ("improved", "same", "worse", "people"):
            yield f"change[{c}].{part}", entry[part]
    for n, entry in enumerate(doc.get("national_outcomes", [])):
        for part in ("people", "met", "not_met"):
            yield f"national_outcomes[{n}].{part}", entry[part]
    for name, value in doc["reviews"].items():
        yield f"reviews.{name}", value
    for m, measure in enumerate(doc["recording_quality"]):
        yield f"recording_quality[{m}]", measure
        yield f"recording_quality[{m}].of", measure["of"]


def stands_for(policy: Policy, count: int, published: int) -> bool:
    """True when the policy could publish the count as this value."""
    if policy.method == "suppression" or policy.rounding_base == 1:
        return published == count
    low, high = policy.published_range(published)
    return low <= count and (high is None or count <= high)


def _published_values(doc: dict[str, Any], policy: Policy) -> list[str]:
    """No published value may be one the policy hides (1 to the largest unsafe count), be off its
    rounding base, or be one the policy could not give for its count."""
    largest, base = policy.largest_unsafe, policy.rounding_base
    problems = []
    for where, number in numbers(doc):
        shown = number["published"]
        if shown is None:
            continue
        if 0 < shown <= largest:
            problems.append(
                f"{where}.published: {shown} is a count the policy hides (1 to {largest})"
            )
        elif shown % base:
            problems.append(f"{where}.published: {shown} is not a multiple of {base}")
        elif not stands_for(policy, number["count"], shown):
            problems.append(
                f"{where}.published: {shown} cannot stand for the count {number['count']} under "
                "the return's own policy (metadata.policy): the return was not made by the rules "
                "it states"
            )
    return problems
