"""What a return counts, read from the reporting tables that reports keep (`reports/models.py`).

Ratings: each person and outcome with an agreed rating in the period, at their latest agreed
rating up to the period's end and their first agreed rating ever (the same rows and the same
"latest" and "change" rules as reports). National outcomes: each person counted under each of
the nine, by the reports' own query and definition. Reviews: each first conversation in the
period whose review fell due by its end. Recording: each outcome record written in the period.
A unit carries the codes it is counted under and what it takes to tell whether another period
counted it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import connection

from meaningful.analysis.national import people_by_national_outcome
from meaningful.frameworks.national import national_outcomes
from meaningful.reports.builder import LATEST
from meaningful.reports.national import latest_ratings
from meaningful.reports.period import Period
from meaningful.reports.refresh import DIRECTION, month

AGE_BANDS = ("0-17", "18-64", "65-74", "75-84", "85+", "not known")
CHANGES = {1: "improved", 0: "same", -1: "worse", None: "not-compared"}
# Recording standards: the code a return uses, and the column of reports_recordquality.
MEASURES = {
    "own-words": "own_words",
    "working-or-not": "working_or_not",
    "actions": "action",
    "agreed-level": "agreed_level",
    "service-led": "service_led",
}

RATINGS_SQL = """
SELECT s.person_id, s.framework_id, s.scale_id, s.outcome_id, s.level_id,
       (SELECT f.level_id FROM reports_ratingstep f
        WHERE f.person_id = s.person_id AND f.framework_id = s.framework_id
          AND f.scale_id = s.scale_id AND f.outcome_id = s.outcome_id
        ORDER BY f.held_on, f.record_id LIMIT 1),
       {direction}, sv.kind, p.client_group, p.sex, p.date_of_birth
FROM reports_ratingstep s
JOIN accounts_team t ON t.id = s.team_id
JOIN accounts_service sv ON sv.id = t.service_id
JOIN people_person p ON p.id = s.person_id
WHERE {latest} AND sv.organisation_id = %s
"""

RATING_DAYS_SQL = """
SELECT s.person_id, s.framework_id, s.scale_id, s.outcome_id, s.held_on
FROM reports_ratingstep s
JOIN accounts_team t ON t.id = s.team_id
JOIN accounts_service sv ON sv.id = t.service_id
WHERE s.held_on BETWEEN %s AND %s AND sv.organisation_id = %s
"""

DUE_SQL = """
SELECT d.baseline_month, d.due_month, d.review_month, SUM(d.count)
FROM reports_duecount d
JOIN accounts_team t ON t.id = d.team_id
JOIN accounts_service sv ON sv.id = t.service_id
WHERE d.level_id = 0 AND d.baseline_month BETWEEN %s AND %s AND d.due_month <= %s
  AND sv.organisation_id = %s
GROUP BY d.baseline_month, d.due_month, d.review_month
HAVING SUM(d.count) <> 0
"""

# The organisation's teams, as a scope for the reports' own queries (rating rows aliased `s`).
ORGANISATION_SCOPE = (
    "s.team_id IN (SELECT t.id FROM accounts_team t JOIN accounts_service sv "
    "ON sv.id = t.service_id WHERE sv.organisation_id = %s)"
)

QUALITY_SQL = """
SELECT s.held_on, {columns}, COUNT(*)
FROM reports_recordquality s
JOIN accounts_team t ON t.id = s.team_id
JOIN accounts_service sv ON sv.id = t.service_id
WHERE s.held_on BETWEEN %s AND %s AND sv.organisation_id = %s
GROUP BY s.held_on, {columns}
"""


@dataclass(frozen=True)
class Rating:
    """One person and outcome rated in the period (the person's id only to look up dates)."""

    person: Any
    framework_id: int
    scale_id: int
    outcome_id: int
    baseline_level_id: int
    latest_level_id: int
    change: str
    service_type: str
    client_group: str
    sex: str
    age_band: str

    @property
    def journey(self) -> tuple[Any, int, int, int]:
        return (self.person, self.framework_id, self.scale_id, self.outcome_id)


@dataclass(frozen=True)
class DueReview:
    """First conversations whose review fell due: months counted as in reports (year * 12 + m)."""

    baseline_month: int
    due_month: int
    on_time: bool
    count: int

    def counted_in(self, period: Period) -> bool:
        last = month(period.end)
        return month(period.start) <= self.baseline_month <= last and self.due_month <= last


@dataclass(frozen=True)
class Records:
    """Outcome records written in one month that meet the same recording standards."""

    month: int
    meets: tuple[bool, ...]  # in the order of MEASURES
    count: int

    def counted_in(self, period: Period) -> bool:
        return month(period.start) <= self.month <= month(period.end)


def _rows(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def age_band(born: date | str | None, on: date) -> str:
    """The age band of someone born on `born` on the day `on` (not known without a birth date)."""
    if born is None:
        return "not known"
    if isinstance(born, str):  # SQLite hands dates back as text
        born = date.fromisoformat(born[:10])
    age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    for band, top in (("0-17", 17), ("18-64", 64), ("65-74", 74), ("75-84", 84)):
        if age <= top:
            return band
    return "85+"


def ratings(organisation_id: int, period: Period) -> list[Rating]:
    """Every person and outcome with an agreed rating in the period, as reports count them."""
    sql = RATINGS_SQL.format(direction=DIRECTION, latest=LATEST)
    rows = _rows(sql, [period.start, period.end, period.end, organisation_id])
    return [
        Rating(
            person=person,
            framework_id=framework,
            scale_id=scale,
            outcome_id=outcome,
            baseline_level_id=first,
            latest_level_id=latest,
            change=CHANGES[direction],
            service_type=service_type,
            client_group=client_group,
            sex=sex,
            age_band=age_band(born, period.end),
        )
        for (
            person,
            framework,
            scale,
            outcome,
            latest,
            first,
            direction,
            service_type,
            client_group,
            sex,
            born,
        ) in rows
    ]


def national_outcome_people(organisation_id: int, period: Period) -> dict[int, dict[Any, bool]]:
    """For each of the nine national outcomes, the people counted under it in the period and
    whether they count as met: the organisation report's "By national outcome", person by
    person (`meaningful.reports.national`)."""

    def run(sql: str, before: list[Any]) -> list[tuple[Any, ...]]:
        query = sql.format(join="", latest=LATEST, scope=ORGANISATION_SCOPE)
        return _rows(query, [*before, period.start, period.end, period.end, organisation_id])

    mapping = national_outcomes()
    return people_by_national_outcome(
        latest_ratings(run), mapping.numbers_by_outcome(), [o.number for o in mapping.outcomes]
    )


def rating_days(
    organisation_id: int, start: date, end: date
) -> dict[tuple[Any, int, int, int], list[date]]:
    """The days each person was rated on each outcome between two dates (inclusive)."""
    days: dict[tuple[Any, int, int, int], list[date]] = defaultdict(list)
    for person, framework, scale, outcome, held_on in _rows(
        RATING_DAYS_SQL, [start, end, organisation_id]
    ):
        day = date.fromisoformat(held_on[:10]) if isinstance(held_on, str) else held_on
        days[(person, framework, scale, outcome)].append(day)
    return days


def due_reviews(organisation_id: int, period: Period) -> list[DueReview]:
    """First conversations in the period whose review fell due by its end, with whether a
    review or exit conversation came by the end of the month it was due."""
    last = month(period.end)
    rows = _rows(DUE_SQL, [month(period.start), last, last, organisation_id])
    return [DueReview(first, due, reviewed <= due, int(n)) for first, due, reviewed, n in rows]


def records(organisation_id: int, period: Period) -> list[Records]:
    """Outcome records written in the period, by month and the standards they meet."""
    columns = ", ".join(f"s.{column}" for column in MEASURES.values())
    rows = _rows(QUALITY_SQL.format(columns=columns), [period.start, period.end, organisation_id])
    merged: dict[tuple[int, tuple[bool, ...]], int] = defaultdict(int)
    for held_on, *flags, count in rows:
        merged[(month(held_on), tuple(bool(flag) for flag in flags))] += int(count)
    return [Records(when, meets, count) for (when, meets), count in sorted(merged.items())]
