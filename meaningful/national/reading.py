"""One return, checked and read into plain values for combining.

`read_return` checks the document with the format's own validator
(`meaningful.returns.schema.validate_return`: shape, version, checksum, codes, sums and
published values), so a return the organisation could validate is read the same way here. The
one check of the national side's own is that the return is final: a draft was never released.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from meaningful.disclosure.policy import Policy
from meaningful.reports.period import Period, parse_period
from meaningful.returns.schema import policy_from_json, validate_return

Pair = tuple[int, int | None]  # (exact count, published value or None when hidden)
NATIONAL_PARTS = ("people", "met", "not_met")


@dataclass(frozen=True)
class SubmittedReturn:
    """A return as received: the file's name (for messages) and its JSON document."""

    name: str
    document: dict[str, Any]


@dataclass(frozen=True)
class FrameworkInfo:
    slug: str
    version: str
    name: str
    outcomes: tuple[tuple[str, str], ...]  # (code, name)
    levels: tuple[tuple[str, str], ...]  # (code, label), in the return's order

    @property
    def key(self) -> str:
        return f"{self.slug}@{self.version}"


@dataclass
class ReturnTable:
    name: str
    framework: str
    stage: str
    breakdown: str  # "" when the table is by outcome and level only
    cells: dict[tuple[str, ...], Pair]


@dataclass
class ReadReturn:
    file: str
    code: str
    name: str
    period: Period
    checksum: str
    policy: Policy
    frameworks: dict[str, FrameworkInfo]
    tables: list[ReturnTable]
    change: dict[tuple[str, str], dict[str, Pair]]  # (framework, outcome) -> move -> pair
    reviews: dict[str, Pair]
    quality: dict[str, dict[str, Pair]]  # measure -> {"count": pair, "of": pair}
    version: str = "1.0"
    # from version 1.1: national outcome number -> {"people", "met", "not_met"} -> pair
    national: dict[str, dict[str, Pair]] | None = None
    national_titles: dict[str, str] = field(default_factory=dict)


def read_return(submitted: SubmittedReturn) -> tuple[ReadReturn | None, list[str]]:
    """The return read and checked, or None with every problem found (each names its place)."""
    document = submitted.document
    problems = validate_return(document)
    if problems:
        return None, problems
    if document["metadata"]["final"] is False:
        return None, [
            "metadata.final: this is a draft, which the organisation has not released; ask for "
            "the final return."
        ]
    read = ReadReturn(
        file=submitted.name,
        code=document["organisation"]["code"],
        name=document["organisation"]["name"],
        period=parse_period(document["period"]["label"]),
        checksum=document["metadata"]["checksum"],
        policy=policy_from_json(document["metadata"]["policy"]),
        frameworks={info.key: info for info in map(_framework, document["frameworks"])},
        tables=[_table(entry) for entry in document["tables"]],
        change={
            (entry["framework"], entry["outcome"]): {
                move: _pair(entry[move]) for move in ("improved", "same", "worse", "people")
            }
            for entry in document["change"]
        },
        reviews={name: _pair(document["reviews"][name]) for name in document["reviews"]},
        quality={
            entry["measure"]: {"count": _pair(entry), "of": _pair(entry["of"])}
            for entry in document["recording_quality"]
        },
        version=document["format_version"],
    )
    if "national_outcomes" in document:
        entries = document["national_outcomes"]
        read.national = {
            str(entry["number"]): {part: _pair(entry[part]) for part in NATIONAL_PARTS}
            for entry in entries
        }
        read.national_titles = {str(entry["number"]): entry["title"] for entry in entries}
    return read, []


def _framework(entry: Mapping[str, Any]) -> FrameworkInfo:
    return FrameworkInfo(
        slug=entry["slug"],
        version=entry["version"],
        name=entry["name"],
        outcomes=tuple((o["code"], o["name"]) for o in entry["outcomes"]),
        levels=tuple((level["code"], level["label"]) for level in entry["levels"]),
    )


def _pair(entry: Mapping[str, Any]) -> Pair:
    return int(entry["count"]), None if entry["published"] is None else int(entry["published"])


def _table(entry: Mapping[str, Any]) -> ReturnTable:
    by = tuple(entry["by"])
    return ReturnTable(
        name=entry["name"],
        framework=entry["framework"],
        stage=entry["stage"],
        breakdown=by[2] if len(by) == 3 else "",
        cells={tuple(str(cell[v]) for v in by): _pair(cell) for cell in entry["cells"]},
    )


def reader_range(policy: Policy, count: int, published: int | None) -> tuple[str, int, int | None]:
    """How a reader of the organisation's figure sees it: (status, lowest, highest or None).

    A hidden count that the policy would not itself have hidden tells readers nothing certain.
    """
    if published is None:
        low, high = policy.published_range(None)
        if count < low or (high is not None and count > high):
            return "secondary", 0, None
        return ("primary" if policy.is_unsafe(count) else "secondary"), low, high
    if policy.method == "suppression" or policy.rounding_base == 1:
        return "exact", published, published
    low, high = policy.published_range(published)
    return "rounded", low, high
