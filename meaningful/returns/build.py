"""Build an organisation's aggregate return for a period (format "meaningful-return" 1.1).

The counts come from the reporting tables (`units.py`); each part is protected under the
organisation's policy and audited together with the figures of its earlier final releases whose
periods overlap (the register); the document carries the exact counts for the national body
beside the values the organisation may publish, and the audit's verdict. Sections are written
one by one from the protected parts: each framework's rating tables and change, the figures by
national outcome (version 1.1), reviews and recording quality.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

import meaningful
from meaningful.accounts.models import Organisation, ServiceKind, User
from meaningful.audit.services import record_event
from meaningful.disclosure.audit import CellRange, PublishedFigure
from meaningful.disclosure.policy import Policy
from meaningful.disclosure.protect import protect
from meaningful.disclosure.tables import Dimension, flat, tree
from meaningful.frameworks.models import Framework, Level, Outcome, Scale
from meaningful.frameworks.national import national_outcomes
from meaningful.people.models import ClientGroup, Sex
from meaningful.reports.builder import organisation_policy
from meaningful.reports.period import Period
from meaningful.returns import document as sections
from meaningful.returns import units
from meaningful.returns.document import Protected
from meaningful.returns.models import ReturnRelease
from meaningful.returns.national import NATIONAL, NATIONAL_TABLE, national_part
from meaningful.returns.parts import YES, Part, Unit, at, build_part
from meaningful.returns.schema import return_checksum
from meaningful.returns.services import ReturnRefused, check_may_build, record_release

FORMAT, FORMAT_VERSION = "meaningful-return", "1.1"
STAGES = ("baseline", "latest")
# The breakdowns of the rating tables: the return's name, the audit's name, the codes.
BREAKDOWNS = (
    ("service_type", "service type", tuple(ServiceKind.values)),
    ("client_group", "client group", tuple(ClientGroup.values)),
    ("age_band", "age band", units.AGE_BANDS),
    ("sex", "sex", tuple(Sex.values)),
)
TIMED = {"service type", "age band"}  # taken on the period's last day
CHANGE_PARTS = ("improved", "same", "worse")


@dataclass
class Scheme:
    """One framework version as the return names it, with the levels of the scales it used."""

    label: str  # SLUG@VERSION
    framework: Framework
    outcomes: list[Outcome]
    levels: dict[int, Level]  # level id -> level
    level_codes: dict[int, str]  # level id -> the code the return uses

    def as_json(self) -> dict[str, Any]:
        return {
            "slug": self.framework.slug,
            "version": self.framework.version,
            "name": self.framework.name,
            "outcomes": [{"code": o.code, "name": o.name} for o in self.outcomes],
            "levels": [
                {"code": self.level_codes[pk], "label": level.label, "rank": level.rank}
                for pk, level in self.levels.items()
            ],
        }


@dataclass
class Built:
    document: dict[str, Any]
    parts: list[Protected]
    policy: Policy

    @property
    def passed(self) -> bool:
        return all(p.release.passed for p in self.parts)

    def published(self) -> list[PublishedFigure]:
        return [f for p in self.parts for f in p.release.published()]

    def refusal(self) -> str:
        """Why the return may not be released, one line per reason (empty when it may)."""
        lines: list[str] = []
        for protected in self.parts:
            lines += protected.release.audit.problems
            lines += [describe(r) for r in protected.release.audit.failures]
        return "\n".join(lines)


def describe(found: CellRange) -> str:
    """A failed check in the return's words (the membership code that ends keys left out)."""
    where = f"an earlier release ({found.release}), " if found.release else ""
    cell = ", ".join(found.key[:-1] if found.key and found.key[-1] == YES else found.key)
    return f"{where}table {found.table!r}, cell {cell}: {found.reason}"


def build_return(
    actor: User, organisation: Organisation, period: Period, *, final: bool = False
) -> dict[str, Any]:
    """The organisation's return for the period, audited with its overlapping final releases.

    With `final` it is recorded in the register, or refused with ReturnRefused (saying which
    cell and why) when the audit does not pass. Every build is an audit event.
    """
    check_may_build(actor, organisation, final=final)
    built = assemble(organisation, period, final=final)
    record_event(
        actor,
        "return.build",
        detail={
            "organisation": organisation.slug,
            "period": period.label,
            "final": final,
            "passed": built.passed,
            "checksum": built.document["metadata"]["checksum"],
        },
    )
    if final:
        if not built.passed:
            raise ReturnRefused(built.document, built.refusal())
        record_release(actor, organisation, period, built.document, built.published(), built.policy)
    return built.document


def return_policy(organisation: Organisation) -> Policy:
    """The organisation's policy for linked tables: with a rounding base of 1 counts are exact,
    which is suppression; otherwise rounding, with secondary suppression where the audit asks."""
    policy = organisation_policy(organisation)
    if policy.rounding_base == 1:
        return dataclasses.replace(policy, method="suppression", secondary_suppression=True)
    return dataclasses.replace(policy, secondary_suppression=True)


def overlapping_releases(organisation: Organisation, period: Period) -> list[ReturnRelease]:
    """The organisation's final releases whose periods share at least a day with this one."""
    return list(
        ReturnRelease.objects.filter(
            organisation=organisation,
            final=True,
            period_start__lte=period.end,
            period_end__gte=period.start,
        ).order_by("period_start", "built_at")
    )


def assemble(organisation: Organisation, period: Period, *, final: bool = False) -> Built:
    """Count, protect, audit and write the return (nothing is recorded)."""
    policy = return_policy(organisation)
    releases = overlapping_releases(organisation, period)
    earlier = [Period(r.period_start, r.period_end, r.period_label) for r in releases]
    register = [
        PublishedFigure.from_json(figure, release.period_label)
        for release in releases
        for figure in release.figures
    ]
    rated = units.ratings(organisation.pk, period)
    schemes = _schemes(rated)
    parts = _rating_parts(organisation, period, earlier, rated, schemes)
    parts.append(national_part(organisation.pk, period, earlier))
    parts.append(_review_part(organisation, period, earlier))
    parts.append(_quality_part(organisation, period, earlier))
    protected = [
        Protected(
            part,
            protect(
                part.universe,
                part.tables,
                policy,
                earlier=[f for f in register if f.table.startswith(part.prefix)],
            ),
        )
        for part in parts
    ]
    built = Built({}, protected, policy)
    built.document = _document(organisation, period, schemes, built, final=final)
    return built


def _schemes(rated: Sequence[units.Rating]) -> dict[int, Scheme]:
    scales_used: dict[int, set[int]] = defaultdict(set)
    for rating in rated:
        scales_used[rating.framework_id].add(rating.scale_id)
    schemes = {}
    for framework in Framework.objects.filter(pk__in=scales_used).order_by("slug", "version"):
        scales = Scale.objects.filter(pk__in=scales_used[framework.pk]).order_by("code")
        levels: dict[int, Level] = {}
        codes: dict[int, str] = {}
        for scale in scales:
            for level in scale.levels.all():
                levels[level.pk] = level
                codes[level.pk] = level.code if len(scales) == 1 else f"{scale.code}:{level.code}"
        schemes[framework.pk] = Scheme(
            f"{framework.slug}@{framework.version}",
            framework,
            list(framework.outcomes.all()),
            levels,
            codes,
        )
    return schemes


def _rating_parts(
    organisation: Organisation,
    period: Period,
    earlier: Sequence[Period],
    rated: Sequence[units.Rating],
    schemes: dict[int, Scheme],
) -> list[Part]:
    days = (
        units.rating_days(
            organisation.pk, min(e.start for e in earlier), max(e.end for e in earlier)
        )
        if earlier
        else {}
    )

    def member(rating: units.Rating) -> Any:
        rated_on = days.get(rating.journey, [])
        return lambda other: any(other.start <= day <= other.end for day in rated_on)

    parts = []
    for framework_id, scheme in schemes.items():
        mine = [r for r in rated if r.framework_id == framework_id]
        for stage in STAGES:
            parts.append(_stage_part(scheme, stage, mine, member, period, earlier))
        parts.append(_change_part(scheme, mine, member, period, earlier))
    return parts


def _variable(name: str, period: Period) -> str:
    return at(name, period) if name in TIMED else name


def _stage_part(
    scheme: Scheme,
    stage: str,
    rated: Sequence[units.Rating],
    member: Any,
    period: Period,
    earlier: Sequence[Period],
) -> Part:
    level = "baseline level" if stage == "baseline" else at("latest level", period)
    outcome_codes = {o.pk: o.code for o in scheme.outcomes}
    leaves: dict[str, Sequence[str]] = {
        "outcome": list(outcome_codes.values()),
        level: list(scheme.level_codes.values()),
    }
    leaves |= {_variable(name, period): codes for _, name, codes in BREAKDOWNS}
    head = (flat("outcome", leaves["outcome"]), flat(level, leaves[level]))
    tables: dict[str, tuple[Dimension, ...]] = {f"{stage} by outcome and level": head}
    for field, name, codes in BREAKDOWNS:
        words = field.replace("_", " ")
        tables[f"{stage} by outcome, level and {words}"] = (
            *head,
            flat(_variable(name, period), codes),
        )
    found = [
        Unit(
            (
                outcome_codes[r.outcome_id],
                scheme.level_codes[
                    r.baseline_level_id if stage == "baseline" else r.latest_level_id
                ],
                r.service_type,
                r.client_group,
                r.age_band,
                r.sex,
            ),
            1,
            member(r),
        )
        for r in rated
    ]
    return build_part(f"{scheme.label} {stage} ", leaves, tables, found, period, earlier)


def _change_part(
    scheme: Scheme,
    rated: Sequence[units.Rating],
    member: Any,
    period: Period,
    earlier: Sequence[Period],
) -> Part:
    change = at("change", period)
    outcome_codes = {o.pk: o.code for o in scheme.outcomes}
    leaves = {"outcome": list(outcome_codes.values()), change: [*units.CHANGES.values()]}
    dimensions = (
        flat("outcome", leaves["outcome"], total=None),
        tree(change, {"people": CHANGE_PARTS}, total=None),
    )
    found = [Unit((outcome_codes[r.outcome_id], r.change), 1, member(r)) for r in rated]
    return build_part(
        f"{scheme.label} change ", leaves, {"change": dimensions}, found, period, earlier
    )


def _review_part(organisation: Organisation, period: Period, earlier: Sequence[Period]) -> Part:
    found = [
        Unit(("on-time" if r.on_time else "overdue",), r.count, r.counted_in)
        for r in units.due_reviews(organisation.pk, period)
    ]
    dimensions = (tree("review", {"due": ("on-time", "overdue")}, total=None),)
    leaves = {"review": ("on-time", "overdue")}
    return build_part("reviews ", leaves, {"reviews": dimensions}, found, period, earlier)


def _quality_part(organisation: Organisation, period: Period, earlier: Sequence[Period]) -> Part:
    found = [
        Unit(tuple(YES if meets else "no" for meets in r.meets), r.count, r.counted_in)
        for r in units.records(organisation.pk, period)
    ]
    leaves = {measure: (YES, "no") for measure in units.MEASURES}
    tables = {"records": ()} | {
        f"meeting {measure}": (flat(measure, (YES,), total=None),) for measure in units.MEASURES
    }
    return build_part("recording ", leaves, tables, found, period, earlier)


def _document(
    organisation: Organisation,
    period: Period,
    schemes: dict[int, Scheme],
    built: Built,
    *,
    final: bool,
) -> dict[str, Any]:
    by_prefix = {p.part.prefix: p for p in built.parts}
    names = {"outcome": "outcome"} | {
        _variable(name, period): field for field, name, _ in BREAKDOWNS
    }
    tables, change = [], []
    for scheme in schemes.values():
        for stage in STAGES:
            protected = by_prefix[f"{scheme.label} {stage} "]
            level = "baseline level" if stage == "baseline" else at("latest level", period)
            for name in protected.part.shown:
                tables.append(
                    sections.table(protected, name, scheme.label, stage, names | {level: "level"})
                )
        change += sections.change(by_prefix[f"{scheme.label} change "], scheme.label)
    doc: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "organisation": {"name": organisation.name, "code": organisation.slug},
        "period": {
            "label": period.label,
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
        },
        "frameworks": [scheme.as_json() for scheme in schemes.values()],
        "tables": tables,
        "change": change,
        "national_outcomes": sections.national_outcomes(
            by_prefix[NATIONAL],
            NATIONAL_TABLE,
            {o.number: o.title for o in national_outcomes().outcomes},
        ),
        "reviews": sections.reviews(by_prefix["reviews "]),
        "recording_quality": sections.recording_quality(
            by_prefix["recording "], list(units.MEASURES)
        ),
        "metadata": {
            "policy": sections.policy_json(built.policy),
            "audit": _audit_summary(built),
            "final": final and built.passed,
            "software_version": meaningful.__version__,
            "generated_at": timezone.now().isoformat(timespec="seconds"),
        },
    }
    doc["metadata"]["checksum"] = return_checksum(doc)
    return doc


def _audit_summary(built: Built) -> dict[str, Any]:
    ranges = [r for p in built.parts for r in p.release.audit.ranges]
    widths = [r.high - r.low for r in ranges if r.high is not None]
    hidden = sum(f.hidden for p in built.parts for f in p.release.figures)
    return {
        "passed": built.passed,
        "hidden": hidden,
        "checked": len(ranges),
        "narrowest_range": min(widths) if widths else None,
        "problems": [line for line in built.refusal().splitlines() if line],
    }
