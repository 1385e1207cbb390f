"""One return, checked and read into plain values: what combining needs beyond the format.

`read_return` runs the format check (`check_return`), verifies the checksum, and then checks
what adding returns together relies on: every "Total" is the sum of its cells, tables of the
same framework and stage agree on their shared totals, and each published figure is one the
organisation's own policy could have given for its count.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from meaningful.disclosure.policy import Policy
from meaningful.national.format import (
    TOTAL,
    check_return,
    return_checksum,
    stated_checksum,
)
from meaningful.reports.period import Period, parse_period

Pair = tuple[int, int | None]  # (exact count, published value or None when hidden)
POLICY_FIELDS = (
    "threshold",
    "rounding_base",
    "minimum_n",
    "method",
    "comparison",
    "protection_level",
    "group_disclosure",
    "secondary_suppression",
)


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
    places: dict[tuple[str, ...], str]  # where each cell is in the document, for messages


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
    places: dict[str, str] = field(default_factory=dict)


def read_return(submitted: SubmittedReturn) -> tuple[ReadReturn | None, list[str]]:
    """The return read and checked, or None with every problem found (each names its place)."""
    document = submitted.document
    problems = check_return(document)
    if problems:
        return None, problems
    if document["metadata"].get("final") is False:
        return None, [
            "metadata.final: this is a draft, which the organisation has not released; ask for "
            "the final return."
        ]
    stated, actual = stated_checksum(document), return_checksum(document)
    if stated != actual:
        return None, [
            f"metadata.checksum: the return has been changed since it was made (it says "
            f"{stated[:19]}..., its contents give {actual[:19]}...). Ask the organisation to "
            "send it again; never edit a return by hand."
        ]
    try:
        policy = organisation_policy(document["metadata"]["policy"])
    except ValueError as error:
        return None, [f"metadata.policy: {error}"]
    read = ReadReturn(
        file=submitted.name,
        code=document["organisation"]["code"],
        name=document["organisation"]["name"],
        period=parse_period(document["period"]["label"]),
        checksum=stated,
        policy=policy,
        frameworks={info.key: info for info in map(_framework, document["frameworks"])},
        tables=[_table(entry, f"tables[{i}]") for i, entry in enumerate(document["tables"])],
        change={},
        reviews={name: _pair(document["reviews"][name]) for name in document["reviews"]},
        quality={
            entry["measure"]: {"count": _pair(entry), "of": _pair(entry["of"])}
            for entry in document["recording_quality"]
        },
    )
    for i, entry in enumerate(document["change"]):
        moves = {move: _pair(entry[move]) for move in ("improved", "same", "worse", "people")}
        read.change[entry["framework"], entry["outcome"]] = moves
        read.places[f"change:{entry['framework']}:{entry['outcome']}"] = f"change[{i}]"
    return read, _consistency(read)


def organisation_policy(settings: Mapping[str, Any]) -> Policy:
    """The organisation's disclosure policy from its return's metadata (ValueError if unusable)."""
    known = {name: settings[name] for name in POLICY_FIELDS if name in settings}
    known.setdefault("minimum_n", known.get("threshold", 8))
    return Policy(**known)


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


def _table(entry: Mapping[str, Any], where: str) -> ReturnTable:
    by = tuple(entry["by"])
    cells: dict[tuple[str, ...], Pair] = {}
    places: dict[tuple[str, ...], str] = {}
    for i, cell in enumerate(entry["cells"]):
        key = tuple(str(cell[variable]) for variable in by)
        cells[key] = _pair(cell)
        places[key] = f"{where}.cells[{i}]"
    return ReturnTable(
        name=entry["name"],
        framework=entry["framework"],
        stage=entry["stage"],
        breakdown=by[2] if len(by) == 3 else "",
        cells=cells,
        places=places,
    )


def is_leaf(key: tuple[str, ...]) -> bool:
    return TOTAL not in key


def _consistency(read: ReadReturn) -> list[str]:
    problems: list[str] = []
    seen: dict[tuple[str, str, str], str] = {}
    for i, table in enumerate(read.tables):
        family = (table.framework, table.stage, table.breakdown)
        if family in seen:
            problems.append(
                f"tables[{i}]: a second table of {table.framework}, {table.stage}"
                f"{', by ' + table.breakdown if table.breakdown else ''} ({seen[family]!r} is the "
                "first); send one table for each"
            )
        seen[family] = table.name
        problems += _totals(table)
        problems += _published(table, read.policy)
    problems += _shared_totals(read)
    problems += _summaries(read)
    return problems


def _sums(table: ReturnTable) -> dict[tuple[str, ...], int]:
    """Every total worked out from the table's own leaf cells."""
    sums: dict[tuple[str, ...], int] = defaultdict(int)
    for key, (count, _) in table.cells.items():
        if is_leaf(key):
            for mask in itertools.product((False, True), repeat=len(key)):
                sums[tuple(TOTAL if m else code for m, code in zip(mask, key, strict=True))] += (
                    count
                )
    return sums


def _totals(table: ReturnTable) -> Iterator[str]:
    sums = _sums(table)
    for key, (count, _) in table.cells.items():
        if not is_leaf(key) and sums.get(key, 0) != count:
            yield (
                f"{table.places[key]} ({', '.join(key)}): the count {count} is not the sum of its "
                f"cells ({sums.get(key, 0)}); every Total must add up its row or column"
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


def fits(policy: Policy, count: int, published: int | None) -> bool:
    """True when the published value is one the policy could have given for the count."""
    _, low, high = reader_range(policy, count, published)
    return published is None or (low <= count and (high is None or count <= high))


def _published(table: ReturnTable, policy: Policy) -> Iterator[str]:
    for key, (count, published) in table.cells.items():
        if not fits(policy, count, published):
            yield _misfit(table.places[key], count, published)


def _misfit(where: str, count: int, published: int | None) -> str:
    return (
        f"{where}.published: {published} cannot stand for the count {count} under the "
        "organisation's own policy (metadata.policy); the return was not made by the rules it states"
    )


def _shared_totals(read: ReadReturn) -> Iterator[str]:
    """Tables of one framework and stage count the same ratings: their outcome-by-level totals
    must agree."""
    plain = {(t.framework, t.stage): t for t in read.tables if not t.breakdown}
    for table in read.tables:
        base = plain.get((table.framework, table.stage))
        if not table.breakdown or base is None:
            continue
        sums = _sums(table)
        for key, (count, _) in base.cells.items():
            theirs = sums.get((*key, TOTAL), 0)
            if theirs != count:
                yield (
                    f"{table.places.get((*key, TOTAL), table.name)}: the table {table.name!r} "
                    f"counts {theirs} for {', '.join(key)}, but {base.name!r} counts {count}; "
                    "tables of the same framework and stage must agree"
                )


def _summaries(read: ReadReturn) -> Iterator[str]:
    for (framework, outcome), moves in read.change.items():
        where = read.places[f"change:{framework}:{outcome}"]
        parts = sum(moves[m][0] for m in ("improved", "same", "worse"))
        if parts != moves["people"][0]:
            yield (
                f"{where}: improved, same and worse add up to {parts}, not to people "
                f"({moves['people'][0]})"
            )
        for move, (count, published) in moves.items():
            if not fits(read.policy, count, published):
                yield _misfit(f"{where}.{move}", count, published)
    due = read.reviews["due"][0]
    if read.reviews["on_time"][0] + read.reviews["overdue"][0] > due:
        yield f"reviews: on time and overdue add up to more than the reviews due ({due})"
    for name, (count, published) in read.reviews.items():
        if not fits(read.policy, count, published):
            yield _misfit(f"reviews.{name}", count, published)
    for i, (measure, pairs) in enumerate(read.quality.items()):
        if pairs["count"][0] > pairs["of"][0]:
            yield f"recording_quality[{i}] ({measure}): the count is more than its 'of'"
        for part, (count, published) in pairs.items():
            if not fits(read.policy, count, published):
                where = f"recording_quality[{i}]" + (".of" if part == "of" else "")
                yield _misfit(where, count, published)
