"""Writing an import's conversations in bulk, each decided first by the per-record rules.

The one-by-one path asks the database, for every conversation, whether its service and team
exist, whether the person is known, whether the conversation was imported before and whether
the actor may record there. Here those answers are read once for the whole file, every
conversation is decided in file order exactly as the one-by-one path would decide it, and only
then are the accepted ones written through the services' bulk functions. A refused conversation
therefore never needs a savepoint: it is simply left out.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import TYPE_CHECKING

from django.db import transaction

from meaningful.accounts.access import can_administer, care_teams
from meaningful.accounts.models import Service, Team
from meaningful.accounts.services import add_service, add_team
from meaningful.conversations.batches import (
    AgreedConversation,
    CheckedContent,
    check_content,
    record_agreed_conversations,
    recording_refusals,
)
from meaningful.conversations.models import Conversation, ConversationKind
from meaningful.conversations.services import TEAM_WITHOUT_PERSON, RecordRules
from meaningful.errors import InvalidInput, NotAllowed, NotFound
from meaningful.people.models import Identifier
from meaningful.people.services import (
    NOT_YOUR_TEAM,
    NewPerson,
    check_person_fields,
    checked_identifier,
    register_people,
)
from meaningful.plans.models import PlanStatus, SupportPlan

if TYPE_CHECKING:
    from meaningful.interop.tabular.importer import Importer, Row

_IN_CHUNKS = 900  # stays under SQLite's limit on query parameters
_NOT_CREATED = 0  # the team id of a team this import has yet to create: no one is allocated to it


@dataclass
class _Place:
    """The service and team a conversation is recorded under, found or still to be created."""

    service_name: str
    team_name: str
    team: Team | None = None
    service: Service | None = None


@dataclass
class _Newcomer:
    """A person this import registers, on the caseload of the team of their first conversation."""

    place: _Place
    first: Row
    person_id: uuid.UUID = field(default_factory=uuid.uuid4)


@dataclass
class _Accepted:
    rows: list[Row]
    place: _Place
    person: uuid.UUID | _Newcomer
    content: CheckedContent


class _Known:
    """What the database says before the import: services, teams, people and their conversations."""

    def __init__(self, importer: Importer, groups: list[list[Row]]) -> None:
        organisation = importer.organisation
        self.services: dict[str, Service] = {}
        for service in Service.objects.filter(organisation=organisation).order_by("name"):
            self.services.setdefault(service.name.lower(), service)
        self.teams: dict[tuple[int, str], Team] = {}
        teams = Team.objects.filter(service__organisation=organisation).select_related("service")
        for team in teams.order_by("name"):
            self.teams.setdefault((team.service_id, team.name.lower()), team)
        self.care_teams = set(care_teams(importer.actor).values_list("pk", flat=True))
        self.is_admin = can_administer(importer.actor, organisation)
        ids = sorted({rows[0].cells["person_id"].strip() for rows in groups})
        self.people: dict[str, uuid.UUID] = {}
        for start in range(0, len(ids), _IN_CHUNKS):
            self.people.update(
                Identifier.objects.filter(
                    organisation=organisation,
                    system="local",
                    value__in=ids[start : start + _IN_CHUNKS],
                ).values_list("value", "person_id")
            )
        people = sorted(set(self.people.values()))
        self.imported: set[tuple[uuid.UUID, date, str]] = set()
        self.planned: set[uuid.UUID] = set()
        for start in range(0, len(people), _IN_CHUNKS):
            chunk = people[start : start + _IN_CHUNKS]
            self.imported.update(
                Conversation.objects.filter(
                    person_id__in=chunk, framework__slug=importer.framework.slug
                ).values_list("person_id", "held_on", "kind")
            )
            self.planned.update(
                SupportPlan.objects.filter(
                    person_id__in=chunk, status=PlanStatus.ACTIVE
                ).values_list("person_id", flat=True)
            )


class BulkWriter:
    """Decides each conversation as Importer.write would, then writes the accepted ones at once."""

    def __init__(self, importer: Importer, groups: list[list[Row]]) -> None:
        self.importer, self.report = importer, importer.report
        self.known = _Known(importer, groups)
        self.rules = RecordRules(importer.framework, importer.scale)
        self.places: dict[tuple[str, str], _Place] = {}
        self.newcomers: dict[str, _Newcomer] = {}
        self.refusals = self._recording_refusals(groups)
        self.accepted: list[_Accepted] = []
        self.one_by_one: list[list[Row]] = []

    def _place(self, cells: dict[str, str]) -> _Place:
        service_name = cells.get("service", "").strip() or "Imported records"
        team_name = cells.get("team", "").strip() or service_name
        key = (service_name.lower(), team_name.lower())
        if key not in self.places:
            service = self.known.services.get(key[0])
            team = self.known.teams.get((service.pk, key[1])) if service else None
            self.places[key] = _Place(service_name, team_name, team, service)
        return self.places[key]

    def _recording_refusals(
        self, groups: list[list[Row]]
    ) -> dict[tuple[uuid.UUID, int], NotFound | NotAllowed | None]:
        places = sorted(
            {
                (self.known.people[person], _team_id(place))
                for rows in groups
                for person, place in [
                    (rows[0].cells["person_id"].strip(), self._place(rows[0].cells))
                ]
                if person in self.known.people
            }
        )
        return dict(zip(places, recording_refusals(self.importer.actor, places), strict=True))

    def decide(self, rows: list[Row]) -> None:
        """Accept, skip as already imported, or refuse one conversation, in file order."""
        first = rows[0]
        person_id = first.cells["person_id"].strip()
        known = self.known.people.get(person_id)
        if known in self.known.planned and (
            _has_actions(rows) or first.kind == ConversationKind.EXIT
        ):
            self.one_by_one.append(rows)  # their active plan changes: agree_conversation does it
            return
        place = self._place(first.cells)
        if (place.service is None or place.team is None) and not self.known.is_admin:
            self._refuse(rows, NotAllowed(self._no_such_team(place)))
            return
        if known is not None:
            self.report.people_matched += 1
            refusal = self.refusals[(known, _team_id(place))]
            if (known, first.held_on, first.kind) in self.known.imported:
                self._use(place)
                self.report.rows_already_imported += len(rows)
            elif refusal is not None:
                self.report.people_matched -= 1
                self._refuse(rows, refusal)
            elif not self._accept(rows, place, known):
                self.report.people_matched -= 1
            return
        newcomer = self.newcomers.get(person_id)
        if newcomer is not None:
            self.report.people_matched += 1
            if newcomer.place is not place:
                self.report.people_matched -= 1
                self._refuse(rows, NotAllowed(TEAM_WITHOUT_PERSON))
            elif not self._accept(rows, place, newcomer):
                self.report.people_matched -= 1
            return
        try:
            self._check_newcomer(first, place)
        except (InvalidInput, NotAllowed) as error:
            self._refuse(rows, error)
            return
        newcomer = _Newcomer(place, first)
        if self._accept(rows, place, newcomer):
            self.newcomers[person_id] = newcomer
            self.report.people_created += 1

    @cached_property
    def _your_teams(self) -> list[str]:
        return [
            team.with_service
            for team in self.known.teams.values()
            if team.pk in self.known.care_teams
        ]

    def _no_such_team(self, place: _Place) -> str:
        return no_such_team(
            place.service_name,
            place.team_name,
            service_exists=place.service is not None,
            yours=self._your_teams,
        )

    def _check_newcomer(self, first: Row, place: _Place) -> None:
        """The checks of Importer._person and register_person, in their order."""
        person_id = first.cells["person_id"].strip()
        if (
            not first.cells.get("given_name", "").strip()
            or not first.cells.get("family_name", "").strip()
        ):
            raise InvalidInput(
                {"person": f"person {person_id} is new: give their forename and surname"}
            )
        if _team_id(place) not in self.known.care_teams | {_NOT_CREATED}:
            raise NotAllowed(NOT_YOUR_TEAM)  # only administrators create teams, and they reach them
        check_person_fields(self.importer.person_fields(first), self.importer.today)
        checked_identifier("local", person_id)

    def _refuse(self, rows: list[Row], error: InvalidInput | NotAllowed | NotFound) -> None:
        reason = "; ".join(getattr(error, "errors", {}).values()) or str(error)
        for row in rows:
            self.report.reject(row.number, "", reason, "refused by the rules")

    def _use(self, place: _Place) -> None:
        """Count a service and team this import creates, when the first conversation keeps it."""
        service = place.service
        if service is None:
            key = place.service_name.lower()
            service = self.known.services[key] = Service(name=place.service_name)
            self.report.services_created.append(place.service_name)
            for other in self.places.values():
                if other.service_name.lower() == key:
                    other.service = service
        if place.team is None:
            self.report.teams_created.append(f"{service.name} / {place.team_name}")
            place.team = Team(name=place.team_name)

    def _accept(self, rows: list[Row], place: _Place, person: uuid.UUID | _Newcomer) -> bool:
        """Accept a conversation whose content passes record_conversation's checks; else refuse it."""
        first = rows[0]
        try:
            content = check_content(
                self.rules,
                held_on=first.held_on,
                kind=first.kind,
                records=self.importer.records(rows),
                participants=first.cells.get("worker", "").strip()[:300],
            )
        except InvalidInput as error:
            self._refuse(rows, error)
            return False
        self._use(place)
        self.accepted.append(_Accepted(rows, place, person, content))
        self.report.conversations_created += 1
        self.report.ratings_stored += sum(1 for row in rows if row.level)
        self.report.rows_accepted += len(rows)
        return True

    def write(self) -> None:
        """Create the services and teams, register the newcomers, then record every conversation."""
        importer = self.importer
        actor = importer.actor
        for place in self.places.values():
            service, team = place.service, place.team
            if service is None or team is None or team.pk is not None:
                continue  # not needed, or there already
            if service.pk is None:
                service = self._create_service(service)
            place.team = add_team(actor, service, team.name)
        newcomers = list(self.newcomers.values())
        people = register_people(
            actor,
            [
                NewPerson(
                    team=_team(newcomer.place),
                    allocated_on=newcomer.first.held_on,
                    identifiers=[("local", newcomer.first.cells["person_id"].strip())],
                    fields=importer.person_fields(newcomer.first),
                )
                for newcomer in newcomers
            ],
        )
        for newcomer, person_id in zip(newcomers, people, strict=True):
            newcomer.person_id = person_id
        record_agreed_conversations(
            actor,
            [
                AgreedConversation(
                    person_id=item.person
                    if isinstance(item.person, uuid.UUID)
                    else item.person.person_id,
                    team=_team(item.place),
                    content=item.content,
                    actions=importer.actions(item.rows),
                )
                for item in self.accepted
            ],
        )
        for rows in self.one_by_one:
            importer.write_one(rows)

    def _create_service(self, pending: Service) -> Service:
        service = add_service(
            self.importer.actor, self.importer.organisation, pending.name, "other"
        )
        for place in self.places.values():
            if place.service is pending:
                place.service = service
        return service


def _team_id(place: _Place) -> int:
    return place.team.pk if place.team is not None and place.team.pk is not None else _NOT_CREATED


def _team(place: _Place) -> Team:
    if place.team is None or place.team.pk is None:
        raise RuntimeError(f"The team {place.team_name!r} should have been created by now.")
    return place.team


def _has_actions(rows: list[Row]) -> bool:
    return any(text.strip() for row in rows for text in row.cells.get("actions", "").split(";"))


def no_such_team(
    service_name: str, team_name: str, *, service_exists: bool, yours: list[str]
) -> str:
    """Why someone who is not an administrator cannot import into a team that does not exist."""
    missing = (
        f"There is no team {team_name!r} in the service {service_name!r}"
        if service_exists
        else f"There is no service {service_name!r}"
    )
    teams = f" ({'; '.join(sorted(yours))})" if yours else ""
    return (
        f"{missing}, and only the organisation's administrators can add one: put the service "
        f"and team you work in{teams} in the Service and Team columns, or ask an administrator "
        "to import the file."
    )


def write_in_bulk(importer: Importer, groups: list[list[Row]]) -> None:
    """Decide every conversation, then write the accepted ones; refused ones leave no trace."""
    writer = BulkWriter(importer, groups)
    for rows in groups:
        writer.decide(rows)
    with transaction.atomic():
        writer.write()
