"""National tables described for protection: each with its finest cells and the linked figures.

A family is one national table over its own finest cells (organisation x outcome x level x
breakdown code for a framework version and stage; organisation x outcome x direction for change;
and so on). The national table sums over organisations; each organisation's own published
figures for the same cells, from its return, become linked figures with the organisation as an
extra variable, so the attacker's linear program knows that the national figure is the sum of
the organisations' figures.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from meaningful.accounts.models import ServiceKind
from meaningful.disclosure.audit import PublishedFigure
from meaningful.disclosure.tables import Dimension, Spec, TableSpec, Universe, flat
from meaningful.national.format import BREAKDOWNS
from meaningful.national.reading import (
    FrameworkInfo,
    Pair,
    ReadReturn,
    ReturnTable,
    reader_range,
)
from meaningful.people.models import ClientGroup, Sex

MOVES = ("improved", "same", "worse")
REVIEW_PARTS = ("on_time", "overdue")
BREAKDOWN_NAMES = {
    "service_type": "service type",
    "client_group": "client group",
    "age_band": "age band",
    "sex": "sex",
}
CODE_LABELS: dict[str, dict[str, str]] = {
    "service_type": dict(ServiceKind.choices),
    "client_group": dict(ClientGroup.choices),
    "sex": dict(Sex.choices),
    "age_band": {code: code for code in BREAKDOWNS["age_band"]},
    "direction": {"improved": "Improved", "same": "Same", "worse": "Worse", "people": "People"},
    "review": {"due": "Due", "on_time": "On time", "overdue": "Overdue", "other": "Neither"},
    "recorded": {"yes": "With", "no": "Without", "of": "Of"},
    "status": {"met": "Met", "not_met": "Not met", "people": "People"},
}
NATIONAL_OUTCOMES = "national-outcomes"  # the family's name


@dataclass
class Family:
    name: str  # unique in the release, e.g. "talking-points-service-users@1/latest/sex"
    title: str
    section: str  # levels, change, reviews or recording_quality
    framework: str  # SLUG@VERSION, or "" for figures about the whole organisation
    stage: str
    breakdown: str
    across: str  # the variable shown across the columns
    universe: Universe
    table: TableSpec
    labels: dict[str, dict[str, str]]
    linked: list[PublishedFigure] = field(default_factory=list)
    organisations: tuple[str, ...] = ()

    @property
    def variables(self) -> tuple[str, ...]:
        return tuple(d.variable for d in self.table.dimensions)


def _organisation_figure(
    family: Family, read: ReadReturn, key: tuple[str, ...], pair: Pair
) -> PublishedFigure:
    count, published = pair
    status, low, high = reader_range(read.policy, count, published)
    spec = tuple(sorted((*family.table.spec(key), ("organisation", (read.code,)))))
    return PublishedFigure(
        family.name,
        (read.code, *key),
        spec,
        published,
        status,
        low,
        high,
        release=f"{read.name}'s return",
    )


def _family(
    name: str,
    title: str,
    section: str,
    dimensions: Sequence[Dimension],
    organisations: Sequence[str],
    labels: dict[str, dict[str, str]],
    *,
    framework: str = "",
    stage: str = "",
    breakdown: str = "",
    across: str = "",
) -> Family:
    table = TableSpec(name, tuple(dimensions))
    leaves = {"organisation": tuple(organisations)} | {d.variable: d.leaves for d in dimensions}
    universe = Universe(("organisation", *(d.variable for d in dimensions)), leaves)
    return Family(
        name,
        title,
        section,
        framework,
        stage,
        breakdown,
        across or dimensions[-1].variable,
        universe,
        table,
        labels,
        organisations=tuple(organisations),
    )


def _add(family: Family, read: ReadReturn, figures: Iterable[tuple[tuple[str, ...], Pair]]) -> None:
    """Add an organisation's cells: leaves to the finest counts, every cell as a linked figure."""
    for key, pair in figures:
        finest = all(code in d.leaves for d, code in zip(family.table.dimensions, key, strict=True))
        if finest and pair[0]:
            family.universe.counts[(read.code, *key)] = pair[0]
        family.linked.append(_organisation_figure(family, read, key, pair))


def level_families(framework: FrameworkInfo, returns: Sequence[ReadReturn]) -> list[Family]:
    """The national tables of levels for one framework version: per stage and breakdown."""
    found: dict[tuple[str, str], list[tuple[ReadReturn, ReturnTable]]] = {}
    for read in returns:
        for table in read.tables:
            if table.framework == framework.key:
                found.setdefault((table.stage, table.breakdown), []).append((read, table))
    families = []
    labels = {
        "outcome": dict(framework.outcomes),
        "level": dict(framework.levels),
        **{b: CODE_LABELS[b] for b in BREAKDOWNS},
    }
    for stage in ("baseline", "latest"):
        for breakdown in ("", *BREAKDOWNS):
            members = found.get((stage, breakdown))
            if not members:
                continue
            dimensions = [
                flat("outcome", [code for code, _ in framework.outcomes]),
                flat("level", [code for code, _ in framework.levels]),
            ]
            if breakdown:
                dimensions.append(flat(breakdown, BREAKDOWNS[breakdown]))
            family = _family(
                "/".join(filter(None, (framework.key, stage, breakdown))),
                _levels_title(framework, stage, breakdown),
                "levels",
                dimensions,
                sorted(read.code for read, _ in members),
                labels,
                framework=framework.key,
                stage=stage,
                breakdown=breakdown,
                across="level",
            )
            for read, table in members:
                _add(family, read, table.cells.items())
            families.append(family)
    return families


def _levels_title(framework: FrameworkInfo, stage: str, breakdown: str) -> str:
    which = "First" if stage == "baseline" else "Latest"
    by = f", by {BREAKDOWN_NAMES[breakdown]}" if breakdown else ""
    return f"{which} agreed level of each outcome{by}"


def change_family(framework: FrameworkInfo, returns: Sequence[ReadReturn]) -> Family | None:
    """Change from the first agreed rating to the latest, per outcome, with people as the total."""
    members = [r for r in returns if any(fw == framework.key for fw, _ in r.change)]
    if not members:
        return None
    family = _family(
        f"{framework.key}/change",
        "Change from the first agreed rating to the latest",
        "change",
        [
            flat("outcome", [code for code, _ in framework.outcomes], total=None),
            flat("direction", MOVES, total="people"),
        ],
        sorted(r.code for r in members),
        {"outcome": dict(framework.outcomes), "direction": CODE_LABELS["direction"]},
        framework=framework.key,
    )
    for read in members:
        _add(
            family,
            read,
            (
                ((outcome, move), pair)
                for (fw, outcome), moves in read.change.items()
                if fw == framework.key
                for move, pair in moves.items()
            ),
        )
    return family


def national_outcomes_family(returns: Sequence[ReadReturn]) -> Family | None:
    """People under each national outcome, met and not met, from the returns that have them
    (format version 1.1); no total across national outcomes, which count people more than once."""
    members = [(r, r.national) for r in returns if r.national is not None]
    if not members:
        return None
    titles: dict[str, str] = {}
    for read, _ in members:
        for number, title in read.national_titles.items():
            titles.setdefault(number, title)
    numbers = sorted(titles, key=int)
    family = _family(
        NATIONAL_OUTCOMES,
        "People under each national outcome, met and not met",
        "national_outcomes",
        [
            flat("national_outcome", numbers, total=None),
            flat("status", ("met", "not_met"), total="people"),
        ],
        sorted(read.code for read, _ in members),
        {
            "national_outcome": {n: f"{n}. {titles[n]}" for n in numbers},
            "status": CODE_LABELS["status"],
        },
    )
    for read, national in members:
        _add(
            family,
            read,
            (
                ((number, part), pair)
                for number, parts in national.items()
                for part, pair in parts.items()
            ),
        )
    return family


def reviews_family(returns: Sequence[ReadReturn]) -> Family:
    """Reviews due in the period: on time, overdue, and (where returns leave some) neither."""
    remainder = any(_other(r.reviews)[0] for r in returns)
    parts = (*REVIEW_PARTS, "other") if remainder else REVIEW_PARTS
    family = _family(
        "reviews",
        "Reviews due in the period",
        "reviews",
        [flat("review", parts, total="due")],
        sorted(r.code for r in returns),
        {"review": CODE_LABELS["review"]},
    )
    for read in returns:
        figures = [((part,), read.reviews[part]) for part in REVIEW_PARTS]
        figures.append((("due",), read.reviews["due"]))
        if remainder:
            count = _other(read.reviews)[0]
            if count:
                family.universe.counts[(read.code, "other")] = count
        _add(family, read, figures)
    return family


def _other(reviews: dict[str, Pair]) -> Pair:
    """Reviews due that are neither on time nor overdue (never published by the organisation)."""
    return reviews["due"][0] - reviews["on_time"][0] - reviews["overdue"][0], None


def quality_family(returns: Sequence[ReadReturn]) -> Family | None:
    """Recording quality: for each measure, records with it and without it, of all records."""
    measures = sorted({m for r in returns for m in r.quality})
    if not measures:
        return None
    family = _family(
        "recording-quality",
        "Recording quality",
        "recording_quality",
        [flat("measure", measures, total=None), flat("recorded", ("yes", "no"), total="of")],
        sorted(r.code for r in returns),
        {"measure": {m: m.replace("_", " ").replace("-", " ") for m in measures}}
        | {"recorded": CODE_LABELS["recorded"]},
    )
    for read in returns:
        for measure, pairs in read.quality.items():
            without = pairs["of"][0] - pairs["count"][0]
            if without:
                family.universe.counts[(read.code, measure, "no")] = without
        _add(
            family,
            read,
            (
                ((measure, "yes" if part == "count" else "of"), pair)
                for measure, pairs in read.quality.items()
                for part, pair in pairs.items()
            ),
        )
    return family


def margins(family: Family, keep: Callable[[str], bool]) -> dict[tuple[str, ...], int]:
    """The family's finest counts summed over every variable that `keep` leaves out."""
    positions = [i for i, v in enumerate(family.universe.variables) if keep(v)]
    sums: dict[tuple[str, ...], int] = {}
    for key, count in family.universe.counts.items():
        cut = tuple(key[i] for i in positions)
        sums[cut] = sums.get(cut, 0) + count
    return sums


def level_total(spec: Spec, family: Family) -> bool:
    """True for a figure over every level (a count of the people rated, whatever their level)."""
    levels = family.universe.leaves.get("level", ())
    return tuple(sorted(levels)) == dict(spec).get("level")
