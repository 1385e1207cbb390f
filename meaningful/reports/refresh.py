"""Rebuild the reporting tables for some people, or for everyone, from their records.

Called by every service that changes what a report counts (recording, agreeing, correcting a
conversation or a record, plans and actions), and by the bulk loaders for the people they wrote.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any

from django.db import connection, transaction

from meaningful.analysis import recording_quality as rq
from meaningful.bulk_insert import insert_rows
from meaningful.people.models import Person
from meaningful.reports.models import RatingStep, RecordQuality

CHUNK = 2000

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
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _placeholders(ids: list[Any]) -> tuple[str, list[Any]]:
    values = [i.hex if connection.vendor == "sqlite" else i for i in ids]
    return ", ".join(["%s"] * len(values)), values


def refresh_people(person_ids: Iterable[uuid.UUID]) -> None:
    """Rebuild the reporting rows of these people from their conversations and records."""
    ids = sorted({uuid.UUID(str(pid)) for pid in person_ids})
    with transaction.atomic():
        for chunk in _chunks(ids):
            RatingStep.objects.filter(person_id__in=chunk).delete()
            RecordQuality.objects.filter(person_id__in=chunk).delete()
            marks, values = _placeholders(chunk)
            with connection.cursor() as cursor:
                cursor.execute(STEPS_SQL.format(people=marks), values)
                cursor.execute(TEXTS_SQL.format(people=marks), values)
                texts = cursor.fetchall()
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
    """Rebuild the reporting tables for everyone; return how many people were refreshed."""
    ids = list(Person.objects.order_by("pk").values_list("pk", flat=True))
    refresh_people(ids)
    return len(ids)
