"""Formatting for report figures: counts with shares, intervals, signed changes, p-values."""

from __future__ import annotations

from django import template

from meaningful.analysis.statistics import Change, Proportion
from meaningful.reports.model import FrameworkSection, count_and_share, shown
from meaningful.reports.national import NATIONAL_DEFINITION, NATIONAL_PRIMARY

register = template.Library()


@register.filter
def percent(value: float | None) -> str:
    return "" if value is None else f"{round(value * 100)}%"


register.filter("count_and_share", count_and_share)
register.filter("shown", shown)


@register.filter
def interval(value: Proportion) -> str:
    if value.low is None or value.high is None:
        return ""
    return f"{percent(value.low)} to {percent(value.high)}"


@register.filter
def signed_percent(value: float | None) -> str:
    if value is None:
        return "\N{EN DASH}"
    return f"{'+' if value > 0 else ''}{round(value * 100)}%"


@register.filter
def signed_points(value: float) -> str:
    points = round(value * 100)
    if points == 0:
        return "about the same share"
    return f"{abs(points)} percentage points {'more' if points > 0 else 'fewer'}"


@register.filter
def p_value(value: float | None) -> str:
    if value is None:
        return "\N{EN DASH}"
    return "below 0.001" if value < 0.001 else f"{value:.3f}"


@register.filter
def most_met(section: FrameworkSection) -> dict[str, object] | None:
    """The outcome with the largest share met at the latest rating (with 10 or more people)."""
    best = None
    for outcome in section.outcomes:
        if outcome.latest.total < 10:
            continue
        met = sum(
            level.share.count
            for level in outcome.latest.levels
            if level.code in section.met_levels and not level.share.suppressed
        )
        share = met / outcome.latest.total
        if best is None or share > best["share"]:  # type: ignore[operator]
            best = {"name": outcome.name, "share": share}
    return best


@register.filter
def directions(change: Change) -> list[tuple[str, Proportion]]:
    return [("improved", change.improved), ("same", change.same), ("worse", change.worse)]


@register.filter
def has_stories(section: FrameworkSection) -> bool:
    return any(outcome.stories for outcome in section.outcomes)


@register.simple_tag
def national_primary() -> str:
    return NATIONAL_PRIMARY


@register.simple_tag
def national_definition() -> str:
    return NATIONAL_DEFINITION
