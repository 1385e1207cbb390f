"""One report as plain data: every format (HTML, JSON, CSV) renders this same object."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from meaningful.analysis.outcomes import Completion, Distribution
from meaningful.analysis.statistics import Change, Funnel, Proportion
from meaningful.disclosure.policy import HIDDEN, NHS_STYLE, Policy


@dataclass(frozen=True)
class Scope:
    kind: str  # "org", "service" or "team"
    id: int
    name: str


@dataclass(frozen=True)
class Filters:
    client_group: str = ""
    age_band: str = ""
    sex: str = ""
    population: str = ""  # "", "carers" or "people-using-services"
    framework: str = ""

    def described(self) -> list[str]:
        names = {
            "client_group": "client group",
            "age_band": "age band",
            "sex": "sex",
            "population": "who",
            "framework": "framework",
        }
        return [
            f"{names[key]}: {value}" for key, value in dataclasses.asdict(self).items() if value
        ]


@dataclass(frozen=True)
class Caveat:
    code: str
    title: str
    text: str


@dataclass
class OutcomeFigures:
    code: str
    name: str
    outcome_type: str
    latest: Distribution  # each person's latest agreed rating in the period
    change: Change  # first agreed rating -> latest, for people rated twice
    small: bool  # fewer people than the small-number line: read with care
    stories: dict[str, list[str]] = field(default_factory=dict)  # direction -> anonymised excerpts


@dataclass
class TeamShare:
    """A team's share of latest ratings that count as met, for the funnel plot."""

    team: str
    met: Proportion


@dataclass
class FrameworkSection:
    """Figures for one framework version on one scale; frameworks are never pooled."""

    slug: str
    version: str
    name: str
    scale: str
    levels: list[tuple[str, str]]  # (code, label) in the scale's order, lowest rank first
    met_levels: list[str]
    people: int
    outcomes: list[OutcomeFigures]
    completion: Completion
    teams: Funnel
    gas: GasFigures | None = None


@dataclass
class GasFigures:
    people: int
    mean_t: float | None
    at_or_above_expected: Proportion  # T-score of 50 or more


@dataclass
class TeamQuality:
    team: str
    records: int
    own_words: Proportion
    working_or_not: Proportion
    actions: Proportion
    agreed_level: Proportion
    service_led: Proportion


@dataclass
class NationalOutcomeFigures:
    """People counted under one of Scotland's nine National Health and Wellbeing Outcomes.

    `people` have a latest agreed rating in the period that says met or not on at least one
    personal outcome feeding it; `met` counts those for whom every such rating is met. Each
    person counts once, however many of their outcomes feed it.
    """

    number: int
    title: str
    wording: str
    fed: bool  # some built-in personal outcome feeds it (8 and 9 are about services, not lives)
    people: int
    met: Proportion
    small: bool


@dataclass
class Report:
    title: str
    scope: Scope
    period_label: str
    start: date
    end: date
    filters: Filters
    audience: str  # "internal" or "publication"
    generated_at: datetime
    small_number: int
    policy: Policy = NHS_STYLE  # the organisation's disclosure policy, for publication and quotes
    sections: list[FrameworkSection] = field(default_factory=list)
    quality: list[TeamQuality] = field(default_factory=list)
    caveats: list[Caveat] = field(default_factory=list)
    national: list[NationalOutcomeFigures] = field(default_factory=list)  # beside, never instead
    national_left_out: list[str] = field(default_factory=list)  # frameworks with no mapping


def published(count: int) -> int | str:
    """A published count as it is shown: '*' when it is hidden."""
    return "*" if count == HIDDEN else count


def shown(count: int) -> str:
    return str(published(count))


def count_and_share(value: Proportion | None) -> str:
    """'12 (30%)'; '*' for a hidden count; the count alone where no share may be given."""
    if value is None:
        return ""
    if value.suppressed:
        return "*"
    if value.share is None:
        return str(value.count)
    return f"{value.count} ({round(value.share * 100)}%)"


def as_plain(value: Any) -> Any:
    """The report as JSON-ready values: dataclasses to objects, dates to ISO text, floats rounded."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        data = {f.name: as_plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
        if isinstance(value, Funnel):
            data["points"] = [as_plain(p) for p in value.points]
        if isinstance(value, Proportion) and value.suppressed:
            data["count"] = None  # shown as * : too few to publish
        return data
    if isinstance(value, (list, tuple)):
        return [as_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): as_plain(item) for key, item in value.items()}
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, int) and not isinstance(value, bool) and value == HIDDEN:
        return None  # a hidden total (report counts are never negative otherwise)
    return value
