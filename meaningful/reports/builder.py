"""Build a report for a scope, period and filters: the database counts, `analysis` does the rest.

Three grouped queries do the heavy lifting, whatever the number of records: each person's first
and latest agreed rating per outcome (window functions), the baselines whose review was due and
whether it happened, and the records written in the period for recording quality. Python then
works on count tables only.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import connection
from django.utils import timezone

from meaningful.accounts.access import reportable_teams
from meaningful.accounts.models import Organisation, Service, Team, User
from meaningful.analysis import recording_quality
from meaningful.analysis.outcomes import distribution, review_completion
from meaningful.analysis.statistics import funnel, gas_t_score, paired_change, wilson
from meaningful.audit.services import record_event
from meaningful.disclosure.policy import NHS_STYLE
from meaningful.errors import NotAllowed, NotFound
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
from meaningful.reports.period import Period
from meaningful.reports.publication import check_publication, for_publication

SMALL_NUMBER = 10  # below this many people a figure is flagged and read with care


@dataclass(frozen=True)
class ReportRequest:
    scope: str  # "org", "service" or "team"
    scope_id: int | None
    period: Period
    filters: Filters = field(default_factory=Filters)
    audience: str = "internal"


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


RATINGS_SQL = """
WITH rated AS (
  SELECT c.framework_id AS fw, c.scale_id AS sc, r.outcome_id AS outcome, c.team_id AS team,
         c.held_on AS held_on, r.agreed_level_id AS level, l.rank AS rank,
         ROW_NUMBER() OVER journey AS step,
         COUNT(*) OVER (PARTITION BY c.person_id, c.framework_id, c.scale_id, r.outcome_id) AS steps,
         FIRST_VALUE(l.rank) OVER journey AS first_rank,
         FIRST_VALUE(c.held_on) OVER journey AS first_on
  FROM conversations_outcomerecord r
  JOIN conversations_conversation c ON c.id = r.conversation_id
  JOIN frameworks_level l ON l.id = r.agreed_level_id
  {join}
  WHERE c.status = 'agreed' AND c.held_on <= %s AND c.team_id IN ({teams}){people}{frameworks}
  WINDOW journey AS (PARTITION BY c.person_id, c.framework_id, c.scale_id, r.outcome_id
                     ORDER BY c.held_on, c.created_at)
)
SELECT fw, sc, outcome, team, level,
       CASE WHEN held_on > first_on AND rank IS NOT NULL AND first_rank IS NOT NULL THEN
         CASE WHEN rank > first_rank THEN 1 WHEN rank < first_rank THEN -1 ELSE 0 END
       END AS direction,
       COUNT(*)
FROM rated WHERE step = steps AND held_on >= %s
GROUP BY fw, sc, outcome, team, level, direction
"""

PEOPLE_SQL = """
SELECT c.framework_id, c.scale_id, COUNT(DISTINCT c.person_id)
FROM conversations_outcomerecord r
JOIN conversations_conversation c ON c.id = r.conversation_id
{join}
WHERE c.status = 'agreed' AND r.agreed_level_id IS NOT NULL AND c.held_on BETWEEN %s AND %s
  AND c.team_id IN ({teams}){people}{frameworks}
GROUP BY c.framework_id, c.scale_id
"""

COMPLETION_SQL = """
WITH due AS (
  SELECT c.id, c.person_id, c.framework_id, c.scale_id, c.held_on,
         CASE WHEN EXISTS (
           SELECT 1 FROM conversations_conversation v
           WHERE v.person_id = c.person_id AND v.framework_id = c.framework_id
             AND v.status = 'agreed' AND v.kind IN ('review', 'exit')
             AND v.held_on > c.held_on AND v.held_on <= %s
         ) THEN 1 ELSE 0 END AS reviewed
  FROM conversations_conversation c
  {join}
  WHERE c.kind = 'baseline' AND c.status = 'agreed' AND c.held_on BETWEEN %s AND %s
    AND c.next_review_due <= %s AND c.team_id IN ({teams}){people}{frameworks}
)
SELECT d.framework_id, d.scale_id, d.reviewed, r.agreed_level_id, COUNT(*)
FROM due d JOIN conversations_outcomerecord r ON r.conversation_id = d.id
GROUP BY d.framework_id, d.scale_id, d.reviewed, r.agreed_level_id
"""

DUE_PEOPLE_SQL = """
SELECT c.framework_id, c.scale_id,
       CASE WHEN EXISTS (
         SELECT 1 FROM conversations_conversation v
         WHERE v.person_id = c.person_id AND v.framework_id = c.framework_id
           AND v.status = 'agreed' AND v.kind IN ('review', 'exit')
           AND v.held_on > c.held_on AND v.held_on <= %s
       ) THEN 1 ELSE 0 END AS reviewed,
       COUNT(DISTINCT c.person_id)
FROM conversations_conversation c
{join}
WHERE c.kind = 'baseline' AND c.status = 'agreed' AND c.held_on BETWEEN %s AND %s
  AND c.next_review_due <= %s AND c.team_id IN ({teams}){people}{frameworks}
GROUP BY c.framework_id, c.scale_id, reviewed
"""

QUALITY_SQL = """
SELECT c.team_id, r.what_matters, r.why_it_matters, r.working, r.not_working, r.contributions,
       CASE WHEN r.agreed_level_id IS NULL THEN 0 ELSE 1 END,
       CASE WHEN EXISTS (
         SELECT 1 FROM plans_action a JOIN plans_supportplan s ON s.id = a.plan_id
         WHERE s.conversation_id = c.id AND a.outcome_id = r.outcome_id
       ) THEN 1 ELSE 0 END
FROM conversations_outcomerecord r
JOIN conversations_conversation c ON c.id = r.conversation_id
{join}
WHERE c.held_on BETWEEN %s AND %s AND c.team_id IN ({teams}){people}{frameworks}
"""

GAS_SQL = """
WITH rated AS (
  SELECT c.person_id AS person, c.framework_id AS fw, c.scale_id AS sc, l.value AS value,
         c.held_on AS held_on,
         ROW_NUMBER() OVER (PARTITION BY c.person_id, c.framework_id, c.scale_id, r.outcome_id
                            ORDER BY c.held_on DESC, c.created_at DESC) AS newest
  FROM conversations_outcomerecord r
  JOIN conversations_conversation c ON c.id = r.conversation_id
  JOIN frameworks_level l ON l.id = r.agreed_level_id
  {join}
  WHERE c.status = 'agreed' AND c.held_on <= %s AND c.scale_id = %s AND c.framework_id = %s
    AND l.value IS NOT NULL AND c.team_id IN ({teams}){people}
)
SELECT person, value FROM rated WHERE newest = 1 AND held_on >= %s ORDER BY person
"""


def _fetch_all(
    where: dict[str, str], tail: list[Any], period: Period
) -> tuple[list[tuple[Any, ...]], ...]:
    """Run the report's grouped queries; every one returns counts or a bounded set of rows."""
    return (
        _rows(RATINGS_SQL.format(**where), [period.end, *tail, period.start]),
        _rows(PEOPLE_SQL.format(**where), [period.start, period.end, *tail]),
        _rows(
            COMPLETION_SQL.format(**where),
            [period.end, period.start, period.end, period.end, *tail],
        ),
        _rows(
            DUE_PEOPLE_SQL.format(**where),
            [period.end, period.start, period.end, period.end, *tail],
        ),
        _rows(QUALITY_SQL.format(**where), [period.start, period.end, *tail]),
        _rows(
            stories.candidate_sql(where),
            [period.end, *tail, *stories.consent_params(), period.start],
        ),
    )


def build_report(actor: User, request: ReportRequest) -> Report:
    """Build the report the actor asked for, if they may see its scope; the build is audited."""
    if request.audience not in ("internal", "publication"):
        raise ValueError("The audience is internal or publication.")
    scope, teams = resolve_scope(actor, request.scope, request.scope_id)
    period, filters = request.period, request.filters
    team_ids = [team.pk for team in teams]
    people_sql, people_params = _person_filters(filters, period.end)
    frameworks_sql, framework_params = "", []
    if filters.framework:
        frameworks_sql = (
            " AND c.framework_id IN (SELECT id FROM frameworks_framework WHERE slug = %s)"
        )
        framework_params = [filters.framework]
    where = {
        "teams": _in(team_ids),
        "people": people_sql,
        "frameworks": frameworks_sql,
        # people's details are joined only when a filter needs them
        "join": "JOIN people_person p ON p.id = c.person_id" if people_sql else "",
    }
    tail = [*team_ids, *people_params, *framework_params]

    rows = _fetch_all(where, tail, period)
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
                    GAS_SQL.format(**where),
                    [period.end, sc, fw, *team_ids, *people_params, period.start],
                ),
            )
        )
    report.quality = _quality(quality_rows, team_names)
    _attach_stories(report, story_rows)
    if request.audience == "publication":
        report = for_publication(report, NHS_STYLE)
        check_publication(report, NHS_STYLE)
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
    for key, excerpts in stories.choose(rows, behind).items():
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
    """Recording quality per team: the standard checks run on the words themselves."""
    texts: dict[int, list[recording_quality.RecordText]] = defaultdict(list)
    actions: dict[int, int] = defaultdict(int)
    agreed: dict[int, int] = defaultdict(int)
    for team, what, why, working, not_working, contributions, has_level, has_action in rows:
        if isinstance(contributions, str):  # SQLite hands JSON back as text
            contributions = json.loads(contributions)
        texts[team].append(
            recording_quality.RecordText(what, why, working, not_working, tuple(contributions))
        )
        actions[team] += has_action
        agreed[team] += has_level
    quality = []
    for team, records in sorted(texts.items(), key=lambda item: team_names[item[0]]):
        summary = recording_quality.summarise(records)
        total = summary.records
        quality.append(
            TeamQuality(
                team=team_names[team],
                records=total,
                own_words=wilson(summary.with_own_words, total),
                working_or_not=wilson(summary.with_working_or_not, total),
                actions=wilson(actions[team], total),
                agreed_level=wilson(agreed[team], total),
                service_led=wilson(summary.service_led, total),
            )
        )
    return quality


def refuse_unless_reporting(actor: User) -> None:
    if not reportable_teams(actor).exists():
        raise NotAllowed("Reports are for staff who work with a team or an organisation's figures.")
