"""A report made fit to publish: the disclosure policy applied to every count, then checked.

Every count goes through the policy (1-7 hidden, the rest rounded to 5 by default); every share,
interval, net figure and test is worked out again from the published counts only, and left out
where a count it needs is hidden or fewer than the minimum number of people stand behind it.
`check_publication` then walks the result and refuses it if any unsafe number got through.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

from meaningful.analysis.outcomes import Completion, Distribution, LevelShare
from meaningful.analysis.statistics import (
    Change,
    Funnel,
    FunnelPoint,
    Proportion,
    funnel,
    sign_test,
    wilson,
)
from meaningful.disclosure.policy import HIDDEN, Policy, shown_or_hidden
from meaningful.reports.model import (
    FrameworkSection,
    GasFigures,
    NationalOutcomeFigures,
    OutcomeFigures,
    Report,
    TeamQuality,
)


class UnsafeRelease(Exception):
    """A figure in a report for publication breaks the disclosure policy; nothing is rendered."""


def _hidden(total: int | None = None) -> Proportion:
    return Proportion(0, HIDDEN if total is None else total, None, None, None, suppressed=True)


def _share(policy: Policy, count: int, total: int | None) -> Proportion:
    """A published count, with a share only where both counts are shown and n is large enough."""
    shown = policy.publish(count)
    if shown is None:
        return _hidden(total)
    if total is None or total < policy.minimum_n:
        return Proportion(shown, HIDDEN if total is None else total, None, None, None)
    return wilson(min(shown, total), total)


def _distribution(policy: Policy, figures: Distribution) -> Distribution:
    total = policy.publish(figures.total)
    return Distribution(
        HIDDEN if total is None else total,
        [
            LevelShare(level.code, level.label, _share(policy, level.share.count, total))
            for level in figures.levels
        ],
    )


def _change(policy: Policy, change: Change) -> Change:
    people = policy.publish(change.people)
    parts = [_share(policy, p.count, people) for p in (change.improved, change.same, change.worse)]
    improved, same, worse = parts
    usable = (
        people is not None and people >= policy.minimum_n and not any(p.suppressed for p in parts)
    )
    maintained = None
    if change.maintained is not None:
        maintained = _share(policy, change.maintained.count, people)
    return Change(
        people=HIDDEN if people is None else people,
        improved=improved,
        same=same,
        worse=worse,
        net_improvement=(improved.count - worse.count) / people if usable and people else None,
        p_value=sign_test(improved.count, worse.count) if usable else None,
        maintained=maintained,
    )


def _funnel(policy: Policy, teams: Funnel) -> Funnel:
    published = []
    for point in teams.points:
        count, total = policy.publish(point.count), policy.publish(point.total)
        if count is None or total is None or total < policy.minimum_n:
            continue
        published.append((point.name, min(count, total), total))
    result = funnel(published)
    hidden = [
        FunnelPoint(p.name, 0, 0, None, 0, 0, 0, 0, "not shown: too few people")
        for p in teams.points
        if p.name not in {name for name, _, _ in published}
    ]
    return Funnel(result.overall, result.points + hidden)


def _completion(policy: Policy, done: Completion) -> Completion:
    people = policy.publish(done.with_baseline)
    reviewed = _share(policy, done.reviewed.count, people)
    return Completion(
        HIDDEN if people is None else people,
        reviewed,
        _distribution(policy, done.reviewed_baseline),
        _distribution(policy, done.not_reviewed_baseline),
        None,  # a difference of two shares from small groups is not published
    )


def _gas(policy: Policy, gas: GasFigures | None) -> GasFigures | None:
    if gas is None:
        return None
    people = policy.publish(gas.people)
    enough = people is not None and people >= policy.minimum_n
    return GasFigures(
        HIDDEN if people is None else people,
        gas.mean_t if enough else None,
        _share(policy, gas.at_or_above_expected.count, people),
    )


def _national(policy: Policy, figures: NationalOutcomeFigures) -> NationalOutcomeFigures:
    people = policy.publish(figures.people)
    return dataclasses.replace(
        figures,
        people=HIDDEN if people is None else people,
        met=_share(policy, figures.met.count, people),
        small=False,
    )


def for_publication(report: Report, policy: Policy) -> Report:
    """Return a copy of the report with the policy applied to every figure."""
    sections = []
    for section in report.sections:
        outcomes = [
            OutcomeFigures(
                o.code,
                o.name,
                o.outcome_type,
                _distribution(policy, o.latest),
                _change(policy, o.change),
                small=False,
                stories=o.stories,  # only ever attached where the threshold of people stand behind
            )
            for o in section.outcomes
        ]
        sections.append(
            dataclasses.replace(
                section,
                people=shown_or_hidden(policy, section.people),
                outcomes=outcomes,
                completion=_completion(policy, section.completion),
                teams=_funnel(policy, section.teams),
                gas=_gas(policy, section.gas),
            )
        )
    quality = []
    for row in report.quality:
        total = policy.publish(row.records)
        quality.append(
            TeamQuality(
                row.team,
                HIDDEN if total is None else total,
                *(
                    _share(policy, getattr(row, name).count, total)
                    for name in (
                        "own_words",
                        "working_or_not",
                        "actions",
                        "agreed_level",
                        "service_led",
                    )
                ),
            )
        )
    return dataclasses.replace(
        report,
        audience="publication",
        sections=sections,
        quality=quality,
        national=[_national(policy, figures) for figures in report.national],
        small_number=policy.threshold,
    )


def _counts(value: Any) -> Iterator[tuple[str, int]]:
    """Every count in the report, with where it is, for the check."""
    if isinstance(value, Proportion):
        if not value.suppressed:
            yield "count", value.count
        yield "total", value.total
    elif isinstance(value, FunnelPoint):
        yield "team count", value.count
        yield "team total", value.total
    elif isinstance(
        value,
        (
            FrameworkSection,
            Completion,
            Distribution,
            Change,
            OutcomeFigures,
            Funnel,
            GasFigures,
            TeamQuality,
            LevelShare,
            NationalOutcomeFigures,
        ),
    ):
        for field in dataclasses.fields(value):
            if field.name in ("people", "with_baseline", "total", "records"):
                yield field.name, getattr(value, field.name)
            yield from _counts(getattr(value, field.name))
    elif isinstance(value, list):
        for item in value:
            yield from _counts(item)


def check_publication(report: Report, policy: Policy) -> None:
    """Refuse a report for publication if any count it shows is unsafe or not on the rounding base."""
    for section in report.sections:
        for where, count in _counts(section):
            if not policy.may_show(count):
                raise UnsafeRelease(f"{section.name}: a {where} of {count} breaks the policy.")
    for where, count in _counts(report.quality):
        if not policy.may_show(count):
            raise UnsafeRelease(f"Recording quality: a {where} of {count} breaks the policy.")
    for figures in report.national:
        for where, count in _counts(figures):
            if not policy.may_show(count):
                raise UnsafeRelease(
                    f"National outcome {figures.number}: a {where} of {count} breaks the policy."
                )
