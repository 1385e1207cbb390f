"""Build a report for a scope, period and filters: the database counts, `analysis` does the rest.

Three grouped queries do the heavy lifting, whatever the number of records: each person's first
and latest agreed rating per outcome (window functions), the baselines whose review was due and
whether it happened, and the records written in the period for recording quality. Python then
works on count tables only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import connection
from django.utils import timezone

from meaningful.accounts.access import reportable_teams
from meaningful.accounts.models import Organisation, Service, Team, User
from meaningful.analysis.outcomes import distribution, review_completion
from meaningful.analysis.statistics import funnel, gas_t_score, paired_change, wilson
from meaningful.audit.services import record_event
from meaningful.disclosure.policy import Policy
from meaningful.errors import NotFound
from meaningful.frameworks.models import Framework, Outcome, OutcomeType, Scale, ScaleKind
from meaningful.interop.tabular.export import AGE_BANDS
from meaningful.reports import stories
from meaningful.reports.caveats import caveats_for
from meaningful.reports.model import (
    Filters,
    FrameworkSection,
    GasFigures,
    OutcomeFigures,
    Report,
    Scope,
    TeamQuality,
)
from meaningful.reports.national import national_view
from meaningful.reports.period import Period
from meaningful.reports.publication import check_publication, for_publication
from meaningful.reports.refresh import DIRECTION, QUALITY_SUMS, month

SMALL_NUMBER = 10  # below this many people a figure is flagged and read with care


@dataclass(frozen=True)
class ReportRequest:
    scope: str  # "org", "service" or "team"
    scope_id: int | None
    period: Period
    filters: Filters = field(default_factory=Filters)
    audience: str = "internal"
    # skip the month counts and count national outcomes person by person (tests compare the two)
    read_every_rating: bool = False


def organisation_policy(organisation: Organisation) -> Policy:
    """The organisation's disclosure policy; no derived figure from fewer than its threshold."""
    return Policy(
        threshold=organisation.disclosure_threshold,
        rounding_base=organisation.disclosure_rounding,
        minimum_n=organisation.disclosure_threshold,
    )


def resolve_scope(actor: User, kind: str, scope_id: int | None) -> tuple[Scope, list[Team]]:
    """Return the scope and its teams, if the actor may see every one of them; else NotFound.

    Without an id, an organisation scope means the one organisation the actor reports on.
    """
    allowed = set(reportable_teams(actor).values_list("pk", flat=True))
    teams: list[Team] = []
    name = ""
    if kind == "org":
        organisation = (
            Organisation.objects.filter(pk=scope_id).first()
            if scope_id is not None
            else _only_organisation(actor)
        )
        if organisation is not None:
            scope_id, name = organisation.pk, organisation.name
            teams = list(Team.objects.filter(service__organisation=organisation))
    elif kind == "service" and scope_id is not None:
        service = Service.objects.filter(pk=scope_id).first()
        if service is not None:
            name, teams = service.name, list(service.teams.all())
    elif kind == "team" and scope_id is not None:
        team = Team.objects.filter(pk=scope_id).first()
        if team is not None:
            name, teams = team.name, [team]
    elif kind not in ("org", "service", "team"):
        raise NotFound("The scope is org, service or team.")
    if scope_id is None or not teams or {team.pk for team in teams} - allowed:
        what = {"org": "organisation", "service": "service", "team": "team"}[kind]
        raise NotFound(f"No such {what} among those you report on; give its id with --id.")
    return Scope(kind, scope_id, name), teams


def _only_organisation(actor: User) -> Organisation | None:
    organisations = Organisation.objects.filter(
        services__teams__in=reportable_teams(actor)
    ).distinct()
    return organisations.first() if organisations.count() == 1 else None


def _person_filters(filters: Filters, on: date) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    if filters.client_group:
        clauses.append("p.client_group = %s")
        params.append(filters.client_group)
    if filters.sex:
        clauses.append("p.sex = %s")
        params.append(filters.sex)
    if filters.population:
        clauses.append("p.is_carer = %s")
        params.append(filters.population == "carers")
    if filters.age_band:
        low, high = _band(filters.age_band)
        # born after (on - high - 1 years) and on or before (on - low years)
        clauses.append("p.date_of_birth > %s AND p.date_of_birth <= %s")
        params += [_years_before(on, high + 1), _years_before(on, low)]
    return "".join(f" AND {clause}" for clause in clauses), params


def _band(text: str) -> tuple[int, int]:
    if text == "85+":
        return 85, 200
    for low, high in AGE_BANDS:
        if text == f"{low}-{high}":
            return low, high
    raise ValueError(f"Unknown age band {text!r}.")


def _years_before(on: date, years: int) -> date:
    try:
        return on.replace(year=on.year - years)
    except ValueError:  # 29 February
        return on.replace(year=on.year - years, day=28)


def _in(values: Sequence[int]) -> str:
    return ", ".join(["%s"] * len(values))


def _rows(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


# Each person's latest agreed rating per outcome as of the period's end, if it fell in the period,
# and its direction against their first rating.
LATEST = "s.held_on BETWEEN %s AND %s AND (s.next_on IS NULL OR s.next_on > %s)"

RATINGS_SQL = """
SELECT s.framework_id, s.scale_id, s.outcome_id, s.team_id, s.level_id,
       {direction} AS direction, COUNT(*)
FROM reports_ratingstep s {join}
WHERE {latest} AND {scope}
GROUP BY s.framework_id, s.scale_id, s.outcome_id, s.team_id, s.level_id, direction
"""

FRAMEWORK_SCOPE = (
    " AND {alias}.framework_id IN (SELECT id FROM frameworks_framework WHERE slug = %s)"
)

# Anyone rated in the period has their latest rating on some outcome in it, so counting people
# among the latest ratings (one per person and outcome) gives the same number from fewer rows.
# People with an agreed conversation in the period (the conversations table is small).
PEOPLE_SQL = """
SELECT c.framework_id, c.scale_id, COUNT(DISTINCT c.person_id)
FROM conversations_conversation c {join}
WHERE c.status = 'agreed' AND c.held_on BETWEEN %s AND %s AND {scope}
GROUP BY c.framework_id, c.scale_id
"""

DUE_SQL = """
WITH later AS (
  SELECT person_id, framework_id, MAX(held_on) AS last_on
  FROM conversations_conversation
  WHERE status = 'agreed' AND kind IN ('review', 'exit') AND held_on <= %s
  GROUP BY person_id, framework_id
), due AS (
  SELECT c.id, c.person_id, c.framework_id, c.scale_id,
         CASE WHEN later.last_on > c.held_on THEN 1 ELSE 0 END AS reviewed
  FROM conversations_conversation c {join}
  LEFT JOIN later ON later.person_id = c.person_id AND later.framework_id = c.framework_id
  WHERE c.kind = 'baseline' AND c.status = 'agreed' AND c.held_on BETWEEN %s AND %s
    AND c.next_review_due <= %s AND {scope}
)
"""

COMPLETION_SQL = (
    DUE_SQL
    + """
SELECT d.framework_id, d.scale_id, d.reviewed, r.agreed_level_id, COUNT(*)
FROM due d JOIN conversations_outcomerecord r ON r.conversation_id = d.id
GROUP BY d.framework_id, d.scale_id, d.reviewed, r.agreed_level_id
"""
)

DUE_PEOPLE_SQL = (
    DUE_SQL
    + """
SELECT framework_id, scale_id, reviewed, COUNT(*)
FROM due GROUP BY framework_id, scale_id, reviewed
"""
)

QUALITY_SQL = """
SELECT s.team_id, {sums}
FROM reports_recordquality s {join}
WHERE s.held_on BETWEEN %s AND %s AND {scope}
GROUP BY s.team_id
"""

GAS_SQL = """
SELECT s.person_id, l.value
FROM reports_ratingstep s JOIN frameworks_level l ON l.id = s.level_id {join}
WHERE {latest} AND s.framework_id = %s AND s.scale_id = %s AND l.value IS NOT NULL AND {scope}
ORDER BY s.person_id
"""


@dataclass(frozen=True)
class Where:
    """The scope's teams and the filters, as SQL for a table aliased `alias` and its values."""

    team_ids: list[int]
    people_sql: str
    people_params: list[Any]
    framework: str

    def sql(self, template: str, alias: str = "s") -> str:
        scope = f"{alias}.team_id IN ({_in(self.team_ids)}){self.people_sql}"
        if self.framework:
            scope += FRAMEWORK_SCOPE.replace("{alias}", alias)
        # people's details are joined only when a filter needs them
        join = f"JOIN people_person p ON p.id = {alias}.person_id" if self.people_sql else ""
        return template.format(
            scope=scope, join=join, latest=LATEST, direction=DIRECTION, sums=QUALITY_SUMS
        )

    @property
    def params(self) -> list[Any]:
        return [*self.team_ids, *self.people_params, *([self.framework] if self.framework else [])]


# Without filters on people's details, the month-by-month counts answer the same questions as
# the rows above without reading every rating (periods are whole months; see refresh.py).
LATEST_COUNTS_SQL = """
SELECT s.framework_id, s.scale_id, s.outcome_id, s.team_id, s.level_id,
       CASE WHEN s.direction = 9 THEN NULL ELSE s.direction END, SUM(s.count)
FROM reports_latestcount s
WHERE s.held_month BETWEEN %s AND %s AND s.next_month > %s AND {scope}
GROUP BY s.framework_id, s.scale_id, s.outcome_id, s.team_id, s.level_id, s.direction
HAVING SUM(s.count) <> 0
"""

DUE_COUNTS_SQL = """
SELECT s.framework_id, s.scale_id, CASE WHEN s.review_month <= %s THEN 1 ELSE 0 END AS reviewed,
       s.level_id, SUM(s.count)
FROM reports_duecount s
WHERE s.baseline_month BETWEEN %s AND %s AND s.due_month <= %s AND {scope}
GROUP BY s.framework_id, s.scale_id, reviewed, s.level_id
HAVING SUM(s.count) <> 0
"""

QUALITY_COUNTS_SQL = """
SELECT s.team_id, SUM(s.records), SUM(s.own_words), SUM(s.working_or_not), SUM(s.action),
       SUM(s.agreed_level), SUM(s.service_led)
FROM reports_qualitycount s
WHERE s.month BETWEEN %s AND %s AND {scope}
GROUP BY s.team_id
HAVING SUM(s.records) > 0
"""


def _fetch_all(where: Where, period: Period, *, counts: bool) -> tuple[list[tuple[Any, ...]], ...]:
    """Run the report's grouped queries; every one returns counts or a bounded set of rows."""
    latest = [period.start, period.end, period.end]
    due = [period.end, period.start, period.end, period.end]
    people = _rows(where.sql(PEOPLE_SQL, "c"), [period.start, period.end, *where.params])
    if counts:
        first, last = month(period.start), month(period.end)
        due_rows = _rows(where.sql(DUE_COUNTS_SQL), [last, first, last, last, *where.params])
        ratings = _rows(where.sql(LATEST_COUNTS_SQL), [first, last, last, *where.params])
        completion = [row for row in due_rows if row[3] != 0]
        due_people = [row[:3] + row[4:] for row in due_rows if row[3] == 0]
        quality = _rows(where.sql(QUALITY_COUNTS_SQL), [first, last, *where.params])
    else:
        ratings = _rows(where.sql(RATINGS_SQL), [*latest, *where.params])
        completion = _rows(where.sql(COMPLETION_SQL, "c"), [*due, *where.params])
        due_people = _rows(where.sql(DUE_PEOPLE_SQL, "c"), [*due, *where.params])
        quality = _rows(where.sql(QUALITY_SQL), [period.start, period.end, *where.params])
    return (
        ratings,
        people,
        completion,
        due_people,
        quality,
        _rows(
            where.sql(stories.CANDIDATES_SQL),
            [*latest, *stories.consent_params(), *where.params],
        ),
    )


def build_report(actor: User, request: ReportRequest) -> Report:
    """Build the report the actor asked for, if they may see its scope; the build is audited."""
    if request.audience not in ("internal", "publication"):
        raise ValueError("The audience is internal or publication.")
    scope, teams = resolve_scope(actor, request.scope, request.scope_id)
    period, filters = request.period, request.filters
    people_sql, people_params = _person_filters(filters, period.end)
    where = Where([team.pk for team in teams], people_sql, people_params, filters.framework)
    rows = _fetch_all(where, period, counts=not people_sql and not request.read_every_rating)
    ratings, people_rows, completion_rows, due_people, quality_rows, story_rows = rows
    people = {(fw, sc): n for fw, sc, n in people_rows}
    report = Report(
        title=f"Personal outcomes: {scope.name}",
        scope=scope,
        period_label=period.label,
        start=period.start,
        end=period.end,
        filters=filters,
        audience=request.audience,
        generated_at=timezone.now(),
        small_number=SMALL_NUMBER,
        policy=organisation_policy(teams[0].service.organisation),
    )
    keys = sorted(
        {(row[0], row[1]) for row in ratings} | {(row[0], row[1]) for row in completion_rows}
    )
    team_names = {team.pk: team.name for team in teams}
    for fw_id, scale_id in keys:
        report.sections.append(
            _section(
                fw_id,
                scale_id,
                [row[2:] for row in ratings if (row[0], row[1]) == (fw_id, scale_id)],
                people.get((fw_id, scale_id), 0),
                [row[2:] for row in completion_rows if (row[0], row[1]) == (fw_id, scale_id)],
                {row[2]: row[3] for row in due_people if (row[0], row[1]) == (fw_id, scale_id)},
                team_names,
                gas_values=lambda fw=fw_id, sc=scale_id: _rows(
                    where.sql(GAS_SQL),
                    [period.start, period.end, period.end, fw, sc, *where.params],
                ),
            )
        )
    report.quality = _quality(quality_rows, team_names)
    _attach_stories(report, story_rows)
    if report.sections:
        latest = [period.start, period.end, period.end]
        report.national, report.national_left_out = national_view(
            {fw_id for fw_id, _ in keys},
            lambda sql, before: _rows(where.sql(sql), [*before, *latest, *where.params]),
            person_by_person=request.read_every_rating,
            small_number=SMALL_NUMBER,
        )
    if request.audience == "publication":
        report = for_publication(report, report.policy)
        check_publication(report, report.policy)
    report.caveats = caveats_for(report)
    record_event(
        actor,
        "report.build",
        detail={
            "scope": scope.kind,
            "id": scope.id,
            "period": period.label,
            "audience": request.audience,
            "filters": filters.described(),
        },
    )
    return report


def _section(
    fw_id: int,
    scale_id: int,
    ratings: list[tuple[Any, ...]],
    people: int,
    completion_rows: list[tuple[Any, ...]],
    due_people: dict[int, int],
    team_names: dict[int, str],
    gas_values: Any,
) -> FrameworkSection:
    framework = Framework.objects.get(pk=fw_id)
    scale = Scale.objects.get(pk=scale_id)
    levels = list(scale.levels.all())
    codes = {level.pk: level.code for level in levels}
    order = [(level.code, level.label) for level in levels]
    met = [level.code for level in levels if level.counts_as_met]
    latest: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    moves: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])  # improved, same, worse
    by_team: dict[int, list[int]] = defaultdict(lambda: [0, 0])  # met, rated
    for outcome_id, team_id, level_id, direction, count in ratings:
        latest[outcome_id][codes[level_id]] += count
        if direction is not None:
            moves[outcome_id][{1: 0, 0: 1, -1: 2}[direction]] += count
        if level_id in codes and codes[level_id] in met:
            by_team[team_id][0] += count
        by_team[team_id][1] += count
    outcomes = []
    for outcome in framework.outcomes.all():
        if outcome.pk not in latest and outcome.pk not in moves:
            continue
        improved, same, worse = moves[outcome.pk]
        figures = distribution(order, latest[outcome.pk])
        outcomes.append(
            OutcomeFigures(
                code=outcome.code,
                name=outcome.name,
                outcome_type=outcome.outcome_type,
                latest=figures,
                change=paired_change(
                    improved, same, worse, maintenance=outcome.outcome_type == OutcomeType.MAINTAIN
                ),
                small=figures.total < SMALL_NUMBER,
            )
        )
    reviewed: dict[str, int] = defaultdict(int)
    not_reviewed: dict[str, int] = defaultdict(int)
    for was_reviewed, level_id, count in completion_rows:
        if level_id is None:
            continue
        (reviewed if was_reviewed else not_reviewed)[codes[level_id]] += count
    completion = review_completion(
        order, met, (due_people.get(1, 0), due_people.get(0, 0)), reviewed, not_reviewed
    )
    teams = funnel(
        [(team_names[team], counts[0], counts[1]) for team, counts in sorted(by_team.items())]
        if met
        else []
    )
    gas = None
    if scale.kind == ScaleKind.GOAL_ATTAINMENT:
        gas = _gas(gas_values())
    return FrameworkSection(
        slug=framework.slug,
        version=framework.version,
        name=framework.name,
        scale=scale.name,
        levels=order,
        met_levels=met,
        people=people,
        outcomes=outcomes,
        completion=completion,
        teams=teams,
        gas=gas,
    )


def _attach_stories(report: Report, rows: list[tuple[Any, ...]]) -> None:
    """Add anonymised excerpts to each change figure that enough people stand behind."""
    outcomes = {
        o.pk: (o.framework.slug, o.framework.version, o.code)
        for o in Outcome.objects.filter(pk__in={row[2] for row in rows}).select_related("framework")
    }
    scales = dict(Scale.objects.filter(pk__in={row[1] for row in rows}).values_list("pk", "name"))
    behind: dict[tuple[int, int, int, str], int] = {}
    figures: dict[tuple[int, int, int, str], OutcomeFigures] = {}
    by_name = {
        (section.slug, section.version, section.scale, outcome.code): outcome
        for section in report.sections
        for outcome in section.outcomes
    }
    for fw, sc, outcome_id, *_ in rows:
        slug, version, code = outcomes[outcome_id]
        outcome = by_name.get((slug, version, scales[sc], code))
        if outcome is None:
            continue
        for direction in ("improved", "same", "worse"):
            behind[(fw, sc, outcome_id, direction)] = getattr(outcome.change, direction).count
            figures[(fw, sc, outcome_id, direction)] = outcome
    for key, excerpts in stories.choose(rows, behind, report.policy.threshold).items():
        figures[key].stories[key[3]] = excerpts


def _gas(rows: list[tuple[Any, ...]]) -> GasFigures:
    scores: dict[Any, list[int]] = defaultdict(list)
    for person, value in rows:
        scores[person].append(int(value))
    t_scores = [gas_t_score(values) for values in scores.values()]
    return GasFigures(
        people=len(t_scores),
        mean_t=sum(t_scores) / len(t_scores) if t_scores else None,
        at_or_above_expected=wilson(sum(1 for t in t_scores if t >= 50), len(t_scores)),
    )


def _quality(rows: list[tuple[Any, ...]], team_names: dict[int, str]) -> list[TeamQuality]:
    """Recording quality per team, from counts of the standards each record meets."""
    quality = []
    for team, total, own, working, action, agreed, service_led in sorted(
        rows, key=lambda row: team_names[row[0]]
    ):
        quality.append(
            TeamQuality(
                team=team_names[team],
                records=total,
                own_words=wilson(own, total),
                working_or_not=wilson(working, total),
                actions=wilson(action, total),
                agreed_level=wilson(agreed, total),
                service_led=wilson(service_led, total),
            )
        )
    return quality
