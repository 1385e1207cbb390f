"""Valid returns for tests, made from people's ratings, protected as an organisation would.

Each `Rating` is one person's first and latest agreed level of one outcome, with the person's
breakdown codes; `make_return` counts them into every table the format asks for (Totals
included), protects the figures under the organisation's policy with the disclosure package,
and seals the document with its checksum. Every document it makes passes the format's validator
(`validate_return`), in version 1.1 (with figures by national outcome) or 1.0. Nothing here uses
the organisation-side builder.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from meaningful.disclosure.policy import NHS_STYLE, Policy
from meaningful.disclosure.protect import Release, protect
from meaningful.disclosure.tables import Dimension, TableSpec, Universe, flat
from meaningful.frameworks.national import national_outcomes
from meaningful.national.format import BREAKDOWNS
from meaningful.reports.period import parse_period
from meaningful.returns.schema import FORMAT, VERSIONS
from meaningful.returns.schema import return_checksum as checksum_of

OUTCOMES = (("feeling-safe", "Feeling safe"), ("seeing-people", "Seeing people"))
LEVELS = (("not-met", "Not met", 1), ("partly-met", "Partly met", 2), ("met", "Met", 3))
FRAMEWORK: dict[str, Any] = {
    "slug": "talking-points-service-users",
    "version": "1",
    "name": "Talking Points: people who use services",
    "outcomes": [{"code": c, "name": n} for c, n in OUTCOMES],
    "levels": [{"code": c, "label": label, "rank": r} for c, label, r in LEVELS],
}
RANK = {code: rank for code, _, rank in LEVELS}
# For these tests only: each rating counts one person under this national outcome, met when the
# latest level is met.
FEEDS = {"feeling-safe": 7, "seeing-people": 4}
AGE_BANDS = BREAKDOWNS["age_band"]


@dataclass(frozen=True)
class Rating:
    """One person's first and latest agreed level of one outcome."""

    outcome: str
    baseline: str
    latest: str
    sex: str = "female"
    age_band: str = "65-74"
    client_group: str = "older-people"
    service_type: str = "care-at-home"
    framework: str = "talking-points-service-users@1"


def many(n: int, **fields: str) -> list[Rating]:
    """n people alike: `latest` defaults to `baseline` and the reverse."""
    level = fields.get("latest", fields.get("baseline", "met"))
    fields.setdefault("baseline", level)
    fields.setdefault("latest", level)
    return [Rating(**fields) for _ in range(n)]


def random_ratings(seed: int, people: int, outcomes: Sequence[str]) -> list[Rating]:
    """Ratings of `people` people on a random subset of the outcomes, as demo data would be."""
    rng = random.Random(seed)
    levels = [code for code, _, _ in LEVELS]
    found = []
    for _ in range(people):
        person = {
            "sex": rng.choice(["female", "female", "male", "male", "not-known"]),
            "age_band": rng.choice(AGE_BANDS[1:5]),
            "client_group": rng.choice(["older-people", "dementia", "mental-health"]),
            "service_type": rng.choice(["care-at-home", "reablement", "mental-health"]),
        }
        for outcome in rng.sample(list(outcomes), k=rng.randint(1, min(5, len(outcomes)))):
            first = rng.choice(levels)
            latest = rng.choice(levels[levels.index(first) :] * 2 + levels)
            found.append(Rating(outcome, first, latest, **person))
    return found


def _policy_json(policy: Policy) -> dict[str, Any]:
    return asdict(policy)


def _protected(
    counts: Mapping[tuple[str, ...], int],
    variables: tuple[str, ...],
    tables: Sequence[TableSpec],
    policy: Policy,
) -> tuple[dict[str, dict[tuple[str, ...], tuple[int, int | None]]], Release]:
    """Each table's figures as (count, published) after the organisation's own protection
    (which, as a real organisation's may, can leave a count narrower than it should)."""
    leaves = {d.variable: d.leaves for t in tables for d in t.dimensions}
    universe = Universe(variables, leaves, {k: v for k, v in counts.items() if v})
    release = protect(universe, tables, policy)
    result = {}
    for table in tables:
        values = universe.tabulate(table)
        shown = release.table(table.name)
        result[table.name] = {key: (value, shown[key]) for key, value in values.items()}
    return result, release


def _pair(figure: tuple[int, int | None]) -> dict[str, int | None]:
    return {"count": figure[0], "published": figure[1]}


def _level_tables(
    ratings: Sequence[Rating],
    framework: Mapping[str, Any],
    breakdowns: Sequence[str],
    policy: Policy,
) -> tuple[list[dict[str, Any]], list[Release]]:
    key = f"{framework['slug']}@{framework['version']}"
    outcomes = flat("outcome", [o["code"] for o in framework["outcomes"]])
    levels = flat("level", [level["code"] for level in framework["levels"]])
    tables, releases = [], []
    for stage in ("baseline", "latest"):
        plain = TableSpec(stage, (outcomes, levels))
        figures: dict[str, dict[tuple[str, ...], tuple[int, int | None]]] = {}
        for breakdown in breakdowns or ("",):
            dimensions = (
                outcomes,
                levels,
                *([flat(breakdown, BREAKDOWNS[breakdown])] if breakdown else []),
            )
            variables = tuple(d.variable for d in dimensions)
            counts = Counter(
                (r.outcome, getattr(r, stage), *([getattr(r, breakdown)] if breakdown else []))
                for r in ratings
                if r.framework == key
            )
            specs = [plain] + (
                [TableSpec(f"{stage} by {breakdown}", dimensions)] if breakdown else []
            )
            found, release = _protected(counts, variables, specs, policy)
            releases.append(release)
            figures.setdefault(stage, found[stage])  # the first protection of the plain table
            figures.update({name: table for name, table in found.items() if name != stage})
        for spec_name, cells in figures.items():
            by = [
                "outcome",
                "level",
                *([spec_name.split(" by ")[1]] if " by " in spec_name else []),
            ]
            tables.append(
                {
                    "name": f"{key} {spec_name}",
                    "framework": key,
                    "stage": stage,
                    "by": by,
                    "cells": [
                        {**dict(zip(by, cell, strict=True)), **_pair(figure)}
                        for cell, figure in cells.items()
                    ],
                }
            )
    return tables, releases


def _change(
    ratings: Sequence[Rating], framework: Mapping[str, Any], policy: Policy
) -> tuple[list[dict[str, Any]], Release]:
    key = f"{framework['slug']}@{framework['version']}"
    moves: Counter[tuple[str, ...]] = Counter()
    for r in ratings:
        if r.framework == key:
            step = RANK.get(r.latest, 0) - RANK.get(r.baseline, 0)
            moves[r.outcome, "improved" if step > 0 else "worse" if step < 0 else "same"] += 1
    codes = [o["code"] for o in framework["outcomes"]]
    spec = TableSpec(
        "change",
        (
            flat("outcome", codes, total=None),
            flat("direction", ("improved", "same", "worse"), total="people"),
        ),
    )
    figures, release = _protected(moves, ("outcome", "direction"), [spec], policy)
    return [
        {
            "framework": key,
            "outcome": code,
            **{
                d: _pair(figures["change"][code, d])
                for d in ("improved", "same", "worse", "people")
            },
        }
        for code in codes
    ], release


def _split(
    name: str, parts: Mapping[str, int], total: str, policy: Policy
) -> tuple[dict[tuple[str, ...], tuple[int, int | None]], Release]:
    dimension = Dimension(name, tuple(parts), (), total)
    figures, release = _protected(
        {(k,): v for k, v in parts.items()}, (name,), [TableSpec(name, (dimension,))], policy
    )
    return figures[name], release


def national_counts(ratings: Sequence[Rating]) -> dict[int, tuple[int, int]]:
    """People and people met under each national outcome, as FEEDS has them."""
    people: Counter[int] = Counter()
    met: Counter[int] = Counter()
    for r in ratings:
        number = FEEDS.get(r.outcome)
        if number is not None:
            people[number] += 1
            met[number] += r.latest == "met"
    return {number: (people[number], met[number]) for number in range(1, 10)}


def _national_outcomes(
    counts: Mapping[int, tuple[int, int]], policy: Policy
) -> tuple[list[dict[str, Any]], Release]:
    numbers = [str(n) for n in range(1, 10)]
    spec = TableSpec(
        "national",
        (
            flat("national_outcome", numbers, total=None),
            flat("status", ("met", "not_met"), total="people"),
        ),
    )
    split: Counter[tuple[str, ...]] = Counter()
    for number, (people, met) in counts.items():
        split[str(number), "met"] = met
        split[str(number), "not_met"] = people - met
    figures, release = _protected(split, ("national_outcome", "status"), [spec], policy)
    titles = {o.number: o.title for o in national_outcomes().outcomes}
    return [
        {
            "number": int(n),
            "title": titles[int(n)],
            **{part: _pair(figures["national"][n, part]) for part in ("people", "met", "not_met")},
        }
        for n in numbers
    ], release


def make_return(
    code: str,
    ratings: Iterable[Rating],
    *,
    name: str | None = None,
    period: str = "2026",
    policy: Policy = NHS_STYLE,
    breakdowns: Sequence[str] = ("sex",),
    frameworks: Sequence[Mapping[str, Any]] = (FRAMEWORK,),
    reviews: tuple[int, int, int] = (40, 32, 8),
    quality: Mapping[str, tuple[int, int]] | None = None,
    version: str = VERSIONS[-1],
    national: Mapping[int, tuple[int, int]] | None = None,
) -> dict[str, Any]:
    """A sealed, valid return for the organisation from the ratings; from version 1.1 with
    `national` (people and met per national outcome; by default counted from the ratings)."""
    ratings = list(ratings)
    tables: list[dict[str, Any]] = []
    change: list[dict[str, Any]] = []
    releases: list[Release] = []
    for framework in frameworks:
        made, protected = _level_tables(ratings, framework, breakdowns, policy)
        tables += made
        releases += protected
        moves, release = _change(ratings, framework, policy)
        change += moves
        releases.append(release)
    due, on_time, overdue = reviews
    review_figures, release = _split(
        "review",
        {"on_time": on_time, "overdue": overdue, "other": due - on_time - overdue},
        "due",
        policy,
    )
    releases.append(release)
    measures = []
    for measure, (count, of) in (
        quality or {"own_words": (50, 60), "agreed_level": (58, 60)}
    ).items():
        figures, release = _split("recorded", {"yes": count, "no": of - count}, "of", policy)
        releases.append(release)
        measures.append({"measure": measure, **_pair(figures["yes",]), "of": _pair(figures["of",])})
    sections: dict[str, Any] = {}
    if version != "1.0":
        entries, release = _national_outcomes(national or national_counts(ratings), policy)
        sections["national_outcomes"] = entries
        releases.append(release)
    span = parse_period(period)
    ranges = [r for release in releases for r in release.audit.ranges]
    widths = [r.high - r.low for r in ranges if r.high is not None]
    document: dict[str, Any] = {
        "format": FORMAT,
        "format_version": version,
        "organisation": {"name": name or f"{code.title()} Partnership", "code": code},
        "period": {
            "label": span.label,
            "start": span.start.isoformat(),
            "end": span.end.isoformat(),
        },
        "frameworks": [dict(f) for f in frameworks],
        "tables": tables,
        "change": change,
        **sections,
        "reviews": {
            "due": _pair(review_figures["due",]),
            "on_time": _pair(review_figures["on_time",]),
            "overdue": _pair(review_figures["overdue",]),
        },
        "recording_quality": measures,
        "metadata": {
            "policy": _policy_json(policy),
            "audit": {
                "passed": all(r.passed for r in releases),
                "hidden": sum(f.hidden for r in releases for f in r.figures),
                "checked": len(ranges),
                "narrowest_range": min(widths) if widths else None,
                "problems": [],
            },
            "final": True,
            "software_version": "test",
            "generated_at": "2027-01-05T09:00:00+00:00",
            "checksum": "",
        },
    }
    return seal(document)


def seal(document: dict[str, Any]) -> dict[str, Any]:
    """Set the document's checksum to match its contents (after a deliberate change)."""
    document["metadata"]["checksum"] = checksum_of(document)
    return document
