"""Rebuild the reporting tables for some people, or for everyone, from their records.

Called by every service that changes what a report counts (recording, agreeing, correcting a
conversation or a record, plans and actions), and by the bulk loaders for the people they wrote.
The people's own rows (rating steps, recording quality, due reviews) are rebuilt; the counts
summed over everyone change by the difference between their old rows and their new ones.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from functools import lru_cache
from typing import Any

from django.db import connection, transaction

from meaningful.analysis import recording_quality as rq
from meaningful.bulk_insert import insert_rows
from meaningful.people.models import Person
from meaningful.reports.models import (
    DUE_KEY,
    LATEST_KEY,
    QUALITY_KEY,
    DueCount,
    DueStep,
    LatestCount,
    QualityCount,
    RatingStep,
    RecordQuality,
)

CHUNK = 2000
# PostgreSQL joins a chunk's people to the records by hashing whole tables, once a query, so
# fewer, larger chunks cost less there: 0.5 s off an import of 16,667 people for 26 MB more at
# the peak (16,000 saved little more for 76 MB). SQLite follows the indexes from each person
# either way.
POSTGRESQL_CHUNK = 5000
NO_MONTH = 1_000_000  # "no such month": after any real one
NOT_PAIRED = 9  # direction of a rating that is a person's first, or that has no rank


def month(day: date | str) -> int:
    """Months counted from year 0, so whole-month periods compare exactly."""
    if isinstance(day, str):  # SQLite hands dates back as text
        day = date.fromisoformat(day[:10])
    return day.year * 12 + day.month - 1


# A rating step's change against the person's first rating on the outcome: 1, 0 or -1; NULL for
# a first rating or one without a rank. Reports and the refresh share it.
DIRECTION = """CASE WHEN s.held_on > s.first_on AND s.rank IS NOT NULL AND s.first_rank IS NOT NULL
  THEN CASE WHEN s.rank > s.first_rank THEN 1 WHEN s.rank < s.first_rank THEN -1 ELSE 0 END
END"""

# How many records meet each recording standard, in QUALITY_VALUES' order after the count.
QUALITY_SUMS = """COUNT(*),
       SUM(CASE WHEN s.own_words THEN 1 ELSE 0 END),
       SUM(CASE WHEN s.working_or_not THEN 1 ELSE 0 END),
       SUM(CASE WHEN s.action THEN 1 ELSE 0 END),
       SUM(CASE WHEN s.agreed_level THEN 1 ELSE 0 END),
       SUM(CASE WHEN s.service_led THEN 1 ELSE 0 END)"""

STEP_KEYS_SQL = """
SELECT s.framework_id, s.scale_id, s.outcome_id, s.team_id, s.level_id,
       COALESCE({direction}, 9), s.held_on, s.next_on, COUNT(*)
FROM reports_ratingstep s WHERE s.person_id IN ({people})
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
"""

QUALITY_KEYS_SQL = """
SELECT s.team_id, s.framework_id, s.held_on, {sums}
FROM reports_recordquality s WHERE s.person_id IN ({people})
GROUP BY 1, 2, 3
"""

DUE_KEYS_SQL = """
SELECT framework_id, scale_id, team_id, baseline_month, due_month, review_month, level_id,
       SUM(count)
FROM reports_duestep WHERE person_id IN ({people})
GROUP BY 1, 2, 3, 4, 5, 6, 7
"""

QUALITY_VALUES = ("records", "own_words", "working_or_not", "action", "agreed_level", "service_led")

# Each agreed first conversation with a review date, when the first review or exit after it
# came, and how many of its records sit at each agreed level.
DUE_SQL = """
WITH base AS (
  SELECT c.id, c.person_id, c.framework_id, c.scale_id, c.team_id, c.held_on, c.next_review_due,
         (SELECT MIN(v.held_on) FROM conversations_conversation v
          WHERE v.person_id = c.person_id AND v.framework_id = c.framework_id
            AND v.status = 'agreed' AND v.kind IN ('review', 'exit') AND v.held_on > c.held_on
         ) AS reviewed_on
  FROM conversations_conversation c
  WHERE c.kind = 'baseline' AND c.status = 'agreed' AND c.next_review_due IS NOT NULL
    AND c.person_id IN ({people})
)
SELECT b.id, b.person_id, b.framework_id, b.scale_id, b.team_id, b.held_on, b.next_review_due,
       b.reviewed_on, r.agreed_level_id, COUNT(r.id)
FROM base b LEFT JOIN conversations_outcomerecord r ON r.conversation_id = b.id
GROUP BY b.id, b.person_id, b.framework_id, b.scale_id, b.team_id, b.held_on,
         b.next_review_due, b.reviewed_on, r.agreed_level_id
"""


STEPS_SQL = """
INSERT INTO reports_ratingstep
  (record_id, person_id, framework_id, scale_id, outcome_id, team_id, held_on, level_id, rank,
   first_rank, first_on, next_on)
SELECT r.id, c.person_id, c.framework_id, c.scale_id, r.outcome_id, c.team_id, c.held_on,
       r.agreed_level_id, l.rank,
       FIRST_VALUE(l.rank) OVER journey, FIRST_VALUE(c.held_on) OVER journey,
       LEAD(c.held_on) OVER journey
FROM conversations_outcomerecord r
JOIN conversations_conversation c ON c.id = r.conversation_id
JOIN frameworks_level l ON l.id = r.agreed_level_id
WHERE c.status = 'agreed' AND c.person_id IN ({people})
WINDOW journey AS (PARTITION BY c.person_id, c.framework_id, c.scale_id, r.outcome_id
                   ORDER BY c.held_on, c.created_at)
"""

TEXTS_SQL = """
SELECT r.id, c.person_id, c.framework_id, c.team_id, c.held_on, r.what_matters,
       r.why_it_matters, r.working, r.not_working, r.contributions,
       CASE WHEN r.agreed_level_id IS NULL THEN 0 ELSE 1 END,
       CASE WHEN EXISTS (
         SELECT 1 FROM plans_action a JOIN plans_supportplan s ON s.id = a.plan_id
         WHERE s.conversation_id = c.id AND a.outcome_id = r.outcome_id
       ) THEN 1 ELSE 0 END
FROM conversations_outcomerecord r
JOIN conversations_conversation c ON c.id = r.conversation_id
WHERE c.person_id IN ({people})
"""


@lru_cache(maxsize=65536)
def _standards(
    what: str, why: str, working: str, not_working: str, contributions: str | tuple[str, ...]
) -> tuple[bool, bool, bool]:
    """(own words, working or not working, service-led) for one record's words."""
    if isinstance(contributions, str):  # SQLite hands JSON back as text
        contributions = tuple(json.loads(contributions))
    text = rq.RecordText(what, why, working, not_working, contributions)
    codes = {prompt.code for prompt in rq.check_record(text)}
    return (
        rq.MISSING_OWN_WORDS not in codes,
        rq.MISSING_WORKING_OR_NOT not in codes,
        rq.SERVICE_LED in codes,
    )


def _chunks(ids: list[Any]) -> Iterator[list[Any]]:
    size = POSTGRESQL_CHUNK if connection.vendor == "postgresql" else CHUNK
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _placeholders(ids: list[Any]) -> tuple[str, list[Any]]:
    values = [i.hex if connection.vendor == "sqlite" else i for i in ids]
    return ", ".join(["%s"] * len(values)), values


def refresh_people(person_ids: Iterable[uuid.UUID]) -> None:
    """Rebuild the reporting rows of these people from their conversations and records."""
    ids = sorted({uuid.UUID(str(pid)) for pid in person_ids})
    with transaction.atomic(), _compiled_plans_off():
        for chunk in _chunks(ids):
            marks, values = _placeholders(chunk)
            with connection.cursor() as cursor:
                before = _keys(cursor, marks, values)
            if any(before):  # else none of them has a row yet: new people, as in an import
                RatingStep.objects.filter(person_id__in=chunk).delete()
                RecordQuality.objects.filter(person_id__in=chunk).delete()
                DueStep.objects.filter(person_id__in=chunk).delete()
            with connection.cursor() as cursor:
                cursor.execute(STEPS_SQL.format(people=marks), values)
                cursor.execute(TEXTS_SQL.format(people=marks), values)
                texts = cursor.fetchall()
                cursor.execute(DUE_SQL.format(people=marks), values)
                due = cursor.fetchall()
            insert_rows(
                RecordQuality,
                [
                    "record_id",
                    "person_id",
                    "framework_id",
                    "team_id",
                    "held_on",
                    "own_words",
                    "working_or_not",
                    "service_led",
                    "agreed_level",
                    "action",
                ],
                (_quality_row(row) for row in texts),
            )
            insert_rows(DueStep, ["person_id", *DUE_KEY, "count"], _due_rows(due))
            with connection.cursor() as cursor:
                after = _keys(cursor, marks, values)
                for table, key, value_names, old, new in zip(
                    ("reports_latestcount", "reports_qualitycount", "reports_duecount"),
                    (LATEST_KEY, QUALITY_KEY, DUE_KEY),
                    (("count",), QUALITY_VALUES, ("count",)),
                    before,
                    after,
                    strict=True,
                ):
                    _add(cursor, table, key, value_names, _difference(old, new))


@contextmanager
def _compiled_plans_off() -> Iterator[None]:
    """On PostgreSQL, run the block without JIT compilation, then restore the setting.

    Inside a large import the tables the refresh reads have grown since they were last
    analysed, so the planner's costs pass the JIT thresholds and each query is compiled to
    machine code: 300 ms a chunk of people, several times what running it takes.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('jit')")
        (previous,) = cursor.fetchone()
        cursor.execute("SELECT set_config('jit', 'off', true)")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('jit', %s, true)", [previous])


Counts = dict[tuple[Any, ...], tuple[int, ...]]


def _keys(cursor: Any, marks: str, values: list[Any]) -> tuple[Counts, Counts, Counts]:
    """The people's current contributions to each of the three count tables."""
    latest: Counts = {}
    cursor.execute(STEP_KEYS_SQL.format(people=marks, direction=DIRECTION), values)
    for *key, held_on, next_on, count in cursor.fetchall():
        full = (*key, month(held_on), month(next_on) if next_on else NO_MONTH)
        latest[full] = (latest.get(full, (0,))[0] + count,)
    quality: Counts = {}
    cursor.execute(QUALITY_KEYS_SQL.format(people=marks, sums=QUALITY_SUMS), values)
    for team, framework, held_on, *sums in cursor.fetchall():
        full = (team, framework, month(held_on))
        old = quality.get(full, (0,) * len(sums))
        quality[full] = tuple(a + int(b) for a, b in zip(old, sums, strict=True))
    cursor.execute(DUE_KEYS_SQL.format(people=marks), values)
    due: Counts = {tuple(row[:-1]): (int(row[-1]),) for row in cursor.fetchall()}
    return latest, quality, due


def _difference(old: Counts, new: Counts) -> list[tuple[Any, ...]]:
    changes = []
    for key in sorted(set(old) | set(new)):
        width = len(new.get(key, old.get(key, ())))
        delta = tuple(
            a - b
            for a, b in zip(new.get(key, (0,) * width), old.get(key, (0,) * width), strict=True)
        )
        if any(delta):
            changes.append((*key, *delta))
    return changes


def _add(
    cursor: Any,
    table: str,
    key: Sequence[str],
    value_names: Sequence[str],
    rows: list[tuple[Any, ...]],
) -> None:
    """Add each row's values to the count table, creating the row when its key is new."""
    if not rows:
        return
    columns = [*key, *value_names]
    updates = ", ".join(f"{name} = {table}.{name} + excluded.{name}" for name in value_names)
    cursor.executemany(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))}) "  # noqa: S608 (table and column names are ours)
        f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {updates}",
        rows,
    )


def _due_rows(rows: list[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
    """A DueStep row counting each first conversation, and one per agreed level of its records."""
    counted = set()
    for conversation, person, framework, scale, team, held_on, due, reviewed, level, count in rows:
        person_id = person if isinstance(person, uuid.UUID) else uuid.UUID(str(person))
        place = (
            framework,
            scale,
            team,
            month(held_on),
            month(due),
            month(reviewed) if reviewed else NO_MONTH,
        )
        if conversation not in counted:
            counted.add(conversation)
            yield (person_id, *place, 0, 1)
        if level is not None:
            yield (person_id, *place, level, count)


def _quality_row(row: tuple[Any, ...]) -> tuple[Any, ...]:
    record, person, framework, team, held_on, what, why, working, not_working, contributions = row[
        :10
    ]
    words = contributions if isinstance(contributions, str) else tuple(contributions)
    own, working_or_not, service_led = _standards(what, why, working, not_working, words)
    if not isinstance(person, uuid.UUID):
        person = uuid.UUID(person)
    return (
        record,
        person,
        framework,
        team,
        held_on,
        own,
        working_or_not,
        service_led,
        bool(row[10]),
        bool(row[11]),
    )


def refresh_all() -> int:
    """Rebuild every reporting table from nothing; return how many people were refreshed."""
    with transaction.atomic():
        for model in (RatingStep, RecordQuality, DueStep, LatestCount, QualityCount, DueCount):
            model.objects.all().delete()
        ids = list(Person.objects.order_by("pk").values_list("pk", flat=True))
        refresh_people(ids)
    return len(ids)
