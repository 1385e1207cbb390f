"""Large synthetic data for benchmarks: many people loaded fast with multi-row inserts.

Unlike the demo, rows are written straight to the tables (never through the per-record
services) because the point is volume; one audit event records the whole load.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from meaningful.accounts.models import Organisation, Team, User
from meaningful.accounts.services import (
    add_service,
    add_team,
    create_organisation,
    create_staff_user,
    grant_role,
    system_account,
)
from meaningful.audit.services import record_event
from meaningful.conversations.models import Conversation, OutcomeRecord
from meaningful.demo.identities import make_postcode
from meaningful.demo.journeys import LEVEL_BY_RANK, TRENDS, plan_dates
from meaningful.demo.phrases import outcome_phrases, phrasebook
from meaningful.frameworks.models import Framework
from meaningful.people.models import Allocation, Person
from meaningful.reports.refresh import refresh_people

SERVICES = 10
TEAMS_PER_SERVICE = 4


@dataclass(frozen=True)
class ScaleSummary:
    organisation: str
    people: int
    conversations: int
    outcome_records: int


_NEEDS_PREPARING = (models.UUIDField, models.DateTimeField, models.JSONField)


def _preparer(model: type[models.Model], column: str) -> Any:
    field = model._meta.get_field(column)
    target = getattr(field, "target_field", field)
    if isinstance(target, _NEEDS_PREPARING):
        return lambda value: target.get_db_prep_save(value, connection)
    return None


def insert_rows(
    model: type[models.Model], columns: Sequence[str], rows: list[tuple[Any, ...]]
) -> None:
    """Insert many rows into a model's table, turning values into what the database stores."""
    if not rows:
        return
    preparers = [
        (index, prepare)
        for index, column in enumerate(columns)
        if (prepare := _preparer(model, column)) is not None
    ]
    if preparers:
        prepared = []
        for row in rows:
            values = list(row)
            for index, prepare in preparers:
                values[index] = prepare(values[index])
            prepared.append(tuple(values))
        rows = prepared
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(column) for column in columns)
    placeholders = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY streams rows in one round trip: several times faster than INSERTs.
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({placeholders})", rows)  # noqa: S608 - names come from model metadata


def _structure(system: User, name: str) -> tuple[Organisation, list[tuple[Team, User]]]:
    organisation = create_organisation(system, name)
    teams = []
    for s in range(1, SERVICES + 1):
        service = add_service(system, organisation, f"Service {s:02d}", "care-at-home")
        for t in range(1, TEAMS_PER_SERVICE + 1):
            team = add_team(system, service, f"Team {s:02d}-{t}")
            worker = create_staff_user(
                system,
                organisation,
                username=f"{organisation.slug[:40]}-worker-{s:02d}-{t}",
                first_name="Worker",
                last_name=f"{s:02d}-{t}",
            )
            grant_role(system, worker, "practitioner", team=team)
            teams.append((team, worker))
    return organisation, teams


class ScaleLoader:
    """Generates one batch of people at a time so memory stays flat however many are asked for."""

    def __init__(
        self,
        rng: random.Random,
        today: date,
        organisation: Organisation,
        teams: list[tuple[Team, User]],
    ) -> None:
        self.rng, self.today, self.organisation, self.teams = rng, today, organisation, teams
        framework = Framework.objects.get(slug="talking-points-service-users", version="1")
        self.framework = framework
        self.scale_id = framework.default_scale_id
        self.levels = {level.code: level.pk for level in framework.default_scale.levels.all()}
        self.outcomes = [(o.pk, o.code, o.outcome_type) for o in framework.outcomes.all()]
        self.now = timezone.now()
        book = phrasebook()
        self.given, self.family = book["given_names"], book["family_names"]
        self.texts = {code: outcome_phrases(code) for _, code, _ in self.outcomes}
        self.conversations = 0
        self.records = 0

    def _uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def batch(self, size: int) -> None:
        rng, now = self.rng, self.now
        people, allocations, conversations, records = [], [], [], []
        for _ in range(size):
            team, worker = rng.choice(self.teams)
            sex = rng.choice(["female", "male"])
            born = self.today - timedelta(days=rng.randint(18 * 365, 99 * 365))
            person_id = self._uuid()
            people.append(
                (
                    person_id,
                    self.organisation.pk,
                    rng.choice(self.given[sex]),
                    rng.choice(self.family),
                    "",
                    born,
                    make_postcode(rng),
                    sex,
                    "older-people",
                    False,
                    "",
                    now,
                    now,
                    1,
                )
            )
            dates, _ = plan_dates(rng, self.today)
            allocations.append((person_id, team.pk, worker.pk, dates[0]))
            ranks = {pk: rng.choice([1, 2, 3]) for pk, _, _ in self.outcomes}
            trend = rng.choice(list(TRENDS))
            for step, held_on in enumerate(dates):
                conversation_id = self._uuid()
                kind = "baseline" if step == 0 else "review"
                conversations.append(
                    (
                        conversation_id,
                        person_id,
                        held_on,
                        kind,
                        self.framework.pk,
                        self.scale_id,
                        worker.pk,
                        team.pk,
                        "",
                        "",
                        "agreed",
                        held_on + timedelta(days=182),
                        _at(held_on),
                        now,
                        1,
                    )
                )
                for outcome_id, code, outcome_type in self.outcomes:
                    if step:
                        step_by = rng.choices([-1, 0, 1], weights=TRENDS[trend])[0]
                        ranks[outcome_id] = max(1, min(3, ranks[outcome_id] + step_by))
                    level = self.levels[LEVEL_BY_RANK[ranks[outcome_id]]]
                    texts = self.texts[code]
                    records.append(
                        (
                            conversation_id,
                            outcome_id,
                            rng.choice(texts["what_matters"]),
                            "",
                            rng.choice(texts["working"]),
                            rng.choice(texts["not_working"]),
                            outcome_type,
                            ["person"],
                            level,
                            level,
                            level,
                            now,
                            1,
                        )
                    )
        insert_rows(
            Person,
            [
                "id",
                "organisation_id",
                "given_name",
                "family_name",
                "preferred_name",
                "date_of_birth",
                "postcode",
                "sex",
                "client_group",
                "is_carer",
                "about_me",
                "created_at",
                "updated_at",
                "version",
            ],
            people,
        )
        insert_rows(Allocation, ["person_id", "team_id", "worker_id", "started_on"], allocations)
        insert_rows(
            Conversation,
            [
                "id",
                "person_id",
                "held_on",
                "kind",
                "framework_id",
                "scale_id",
                "practitioner_id",
                "team_id",
                "participants",
                "story",
                "status",
                "next_review_due",
                "created_at",
                "updated_at",
                "version",
            ],
            conversations,
        )
        insert_rows(
            OutcomeRecord,
            [
                "conversation_id",
                "outcome_id",
                "what_matters",
                "why_it_matters",
                "working",
                "not_working",
                "outcome_type",
                "contributions",
                "worker_level_id",
                "person_level_id",
                "agreed_level_id",
                "updated_at",
                "version",
            ],
            records,
        )
        refresh_people(person[0] for person in people)
        self.conversations += len(conversations)
        self.records += len(records)


def _at(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()).replace(hour=12))


def batches(total: int, size: int) -> Iterator[int]:
    """Yield batch sizes that add up to ``total``."""
    for start in range(0, total, size):
        yield min(size, total - start)


def seed_scale(
    *, people: int, seed: int = 1, batch_size: int = 2000, today: date | None = None
) -> ScaleSummary:
    """Load ``people`` synthetic people with all 15 outcomes recorded at every conversation."""
    rng = random.Random(seed)
    system = system_account()
    name = f"Scale test organisation {people} people seed {seed}"
    with transaction.atomic():
        organisation, teams = _structure(system, name)
    loader = ScaleLoader(rng, today or timezone.localdate(), organisation, teams)
    for size in batches(people, batch_size):
        with transaction.atomic():
            loader.batch(size)
    record_event(
        system,
        "seed-scale.load",
        organisation,
        detail={
            "people": people,
            "conversations": loader.conversations,
            "outcome_records": loader.records,
        },
    )
    return ScaleSummary(name, people, loader.conversations, loader.records)
