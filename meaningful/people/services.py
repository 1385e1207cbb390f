"""Reads and writes of people's records: each checks need-to-know, writes, and audits."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from operator import attrgetter
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from meaningful.accounts.access import (
    break_glass_grants,
    can_administer,
    can_reach_person,
    can_work_in_team,
    care_teams,
    reachable_people,
)
from meaningful.accounts.models import Team, User
from meaningful.audit.services import (
    EventInput,
    RecordRef,
    edit_and_audit,
    edit_with_history,
    record_event,
    record_events,
    refusals_audited,
)
from meaningful.bulk_insert import insert_rows
from meaningful.errors import InvalidInput, NotAllowed, NotFound
from meaningful.people.identifiers import (
    InvalidIdentifier,
    normalise_chi,
    normalise_local_id,
    normalise_nhs_number,
)
from meaningful.people.models import (
    Allocation,
    BreakGlass,
    ClientGroup,
    Consent,
    ConsentMethod,
    ConsentPurpose,
    Identifier,
    IdentifierSystem,
    Person,
    Relationship,
    Sex,
)
from meaningful.text import LONG_TEXT, text_problem

EDITABLE_FIELDS = {
    "given_name",
    "family_name",
    "preferred_name",
    "date_of_birth",
    "postcode",
    "sex",
    "client_group",
    "is_carer",
    "about_me",
}
NOT_YOUR_TEAM = "You can only add people to your own team's caseload."
_TEXT_LIMITS = {"given_name": 100, "family_name": 100, "preferred_name": 100, "postcode": 10}
_CHOICES = {"sex": Sex.values, "client_group": ClientGroup.values}
_IN_CHUNKS = 900  # stays under SQLite's limit on query parameters
_NORMALISERS = {
    IdentifierSystem.CHI: normalise_chi,
    IdentifierSystem.NHS: normalise_nhs_number,
    IdentifierSystem.LOCAL: normalise_local_id,
}


def check_person_fields(fields: dict[str, Any], today: date | None = None) -> None:
    """Raise InvalidInput naming each of a person's details that cannot be stored as given."""
    errors: dict[str, str] = {}
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise InvalidInput({name: "This field cannot be set here." for name in sorted(unknown)})
    for name in ("given_name", "family_name"):
        if name in fields and not str(fields[name]).strip():
            errors[name] = "Enter the person's " + name.replace("_", " ") + "."
    born = fields.get("date_of_birth")
    if born is not None and born > (today or timezone.localdate()):
        errors["date_of_birth"] = "The date of birth must be today or in the past."
    texts = {name: value for name, value in fields.items() if isinstance(value, str)}
    for name, text in texts.items():
        limit = _TEXT_LIMITS.get(name, LONG_TEXT)
        problem = text_problem(text, limit=limit)
        if problem:
            errors[name] = problem
    for name, allowed in _CHOICES.items():
        if name in fields and fields[name] not in allowed:
            errors[name] = f"Choose one of: {', '.join(allowed)}."
    if errors:
        raise InvalidInput(errors)


def read_person(actor: User, person_id: uuid.UUID | str, *, purpose: str = "direct care") -> Person:
    """Return a person's record if the actor may open it, and log the read; else NotFound."""
    try:
        person = reachable_people(actor).get(pk=person_id)
    except (Person.DoesNotExist, ValueError, ValidationError) as error:  # the last two: not a UUID
        raise NotFound("No such person on your caseload.") from error
    grant = break_glass_grants(actor).filter(person=person).order_by("-expires_at").first()
    detail = None
    if grant is not None:
        purpose = f"break glass: {grant.reason}"[:200]
        detail = {"break_glass": True, "until": grant.expires_at.isoformat()}
    record_event(actor, "person.read", person, person_id=person.id, purpose=purpose, detail=detail)
    return person


def open_break_glass(actor: User, person: Person, reason: str) -> BreakGlass:
    """Let an administrator of the person's organisation open their record for a while, saying why.

    The access ends by itself after MEANINGFUL_BREAK_GLASS_MINUTES; opening it and every read
    made under it are flagged in the audit trail for review.
    """
    if actor.is_system or not can_administer(actor, person.organisation):
        raise NotFound("No such person in an organisation you administer.")
    reason = reason.strip()
    if len(reason) < 10:
        raise InvalidInput(
            {"reason": "Say why you need to see this record now (at least 10 characters)."}
        )
    if "\x00" in reason:
        raise InvalidInput({"reason": "Remove the invisible NUL character from the reason."})
    grant = BreakGlass.objects.create(
        user=actor,
        person=person,
        reason=reason,
        expires_at=timezone.now() + timedelta(minutes=settings.BREAK_GLASS_MINUTES),
    )
    record_event(
        actor,
        "break-glass.open",
        grant,
        person_id=person.id,
        purpose=f"break glass: {reason}"[:200],
        detail={"break_glass": True, "until": grant.expires_at.isoformat()},
    )
    return grant


def register_person(
    actor: User,
    team: Team,
    *,
    worker: User | None = None,
    allocated_on: date | None = None,
    identifiers: Iterable[tuple[str, str]] = (),
    **fields: Any,
) -> Person:
    """Add a person to a team's caseload, with their checked identifiers."""
    if not can_work_in_team(actor, team):
        raise NotAllowed(NOT_YOUR_TEAM)
    check_person_fields(fields)
    with transaction.atomic():
        person = Person.objects.create(organisation=team.organisation, **fields)
        Allocation.objects.create(
            person=person,
            team=team,
            worker=worker,
            started_on=allocated_on or timezone.localdate(),
        )
        for system, value in identifiers:
            _add_identifier(person, system, value)
        record_event(actor, "person.create", person, person_id=person.id, detail={"team": team.pk})
    return person


@dataclass
class NewPerson:
    """One person for register_people: the team whose caseload they join, from when, and who they are."""

    team: Team
    allocated_on: date
    identifiers: list[tuple[str, str]]
    fields: dict[str, Any] = field(default_factory=dict)


def register_people(actor: User, people: Sequence[NewPerson]) -> list[uuid.UUID]:
    """Add many people to teams' caseloads at once, checked as register_person checks each; all or none.

    Returns the new people's ids, in the order given.
    """
    allowed = set(care_teams(actor).values_list("pk", flat=True))
    if any(item.team.pk not in allowed for item in people):
        raise NotAllowed(NOT_YOUR_TEAM)
    identifiers = []
    today = timezone.localdate()
    for item in people:
        check_person_fields(item.fields, today)
        identifiers.append(
            [(system, checked_identifier(system, v)) for system, v in item.identifiers]
        )
    _refuse_identifiers_in_use(people, identifiers)
    # Random ids as ever, handed out in ascending order: the indexes that hold them then grow
    # in one place instead of everywhere at once, a fifth off the inserts of a large batch.
    # (Sorted by number: UUID's own comparison is written in Python.)
    ids = sorted((uuid.uuid4() for _ in people), key=attrgetter("int"))
    organisations = [item.team.organisation.pk for item in people]
    by_fields: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
    for pk, organisation, item in zip(ids, organisations, people, strict=True):
        by_fields.setdefault(tuple(item.fields), []).append(
            (pk, organisation, *item.fields.values())
        )
    kind = Person._meta.label_lower
    with transaction.atomic():
        for names, rows in by_fields.items():
            insert_rows(Person, ("id", "organisation_id", *names), rows)
        insert_rows(
            Allocation,
            ("person_id", "team_id", "started_on"),
            ((pk, item.team.pk, item.allocated_on) for pk, item in zip(ids, people, strict=True)),
        )
        insert_rows(
            Identifier,
            ("organisation_id", "person_id", "system", "value"),
            (
                (organisation, pk, system, value)
                for pk, organisation, pairs in zip(ids, organisations, identifiers, strict=True)
                for system, value in pairs
            ),
        )
        record_events(
            actor,
            [
                EventInput(
                    "person.create",
                    RecordRef(kind, str(pk)),
                    person_id=pk,
                    detail={"team": item.team.pk},
                )
                for pk, item in zip(ids, people, strict=True)
            ],
        )
    return ids


def _refuse_identifiers_in_use(
    people: Sequence[NewPerson], identifiers: list[list[tuple[str, str]]]
) -> None:
    by_organisation: dict[int, set[tuple[str, str]]] = {}
    for item, pairs in zip(people, identifiers, strict=True):
        taken = by_organisation.setdefault(item.team.organisation.pk, set())
        for pair in pairs:
            if pair in taken:
                raise InvalidInput({"identifier": f"{pair[1]} is given to two people here."})
            taken.add(pair)
    for organisation, wanted in by_organisation.items():
        values = sorted({value for _, value in wanted})
        for start in range(0, len(values), _IN_CHUNKS):
            for pair in Identifier.objects.filter(
                organisation_id=organisation, value__in=values[start : start + _IN_CHUNKS]
            ).values_list("system", "value"):
                if pair in wanted:
                    raise InvalidInput(
                        {
                            "identifier": f"{pair[1]} is already recorded for someone in this organisation."
                        }
                    )


def checked_identifier(system: str, value: str) -> str:
    """Return an identifier in its stored form, or raise InvalidInput saying what is wrong with it."""
    if system not in _NORMALISERS:
        raise InvalidInput({"identifier": f"Unknown identifier type {system!r}."})
    try:
        return _NORMALISERS[IdentifierSystem(system)](value)
    except InvalidIdentifier as error:
        raise InvalidInput({"identifier": str(error)}) from error


def _add_identifier(person: Person, system: str, value: str) -> Identifier:
    normalised = checked_identifier(system, value)
    try:
        with transaction.atomic():
            return Identifier.objects.create(
                organisation=person.organisation, person=person, system=system, value=normalised
            )
    except IntegrityError as error:
        raise InvalidInput(
            {"identifier": f"{normalised} is already recorded for someone in this organisation."}
        ) from error


def add_identifier(actor: User, person: Person, system: str, value: str) -> Identifier:
    """Record a CHI number, NHS number or local id after checking it."""
    if not can_reach_person(actor, person):
        raise NotFound("No such person on your caseload.")
    identifier = _add_identifier(person, system, value)
    record_event(
        actor, "identifier.add", identifier, person_id=person.id, detail={"system": system}
    )
    return identifier


def update_person(
    actor: User,
    person: Person,
    changes: dict[str, Any],
    *,
    reason: str,
    expected_version: int | None = None,
) -> list[str]:
    """Change a person's details, keeping what they said before; return the changed fields."""
    if not can_reach_person(actor, person):
        raise NotFound("No such person on your caseload.")
    check_person_fields(changes)
    with refusals_audited(actor, "person.update", person.id):
        return edit_and_audit(
            actor,
            person,
            changes,
            action="person.update",
            person_id=person.id,
            reason=reason,
            expected_version=expected_version,
        )


def link_carer(
    actor: User,
    carer: Person,
    cared_for: Person,
    *,
    description: str = "",
    started_on: date | None = None,
) -> Relationship:
    """Record that one person is the unpaid carer of another; the actor must reach both."""
    if not (can_reach_person(actor, carer) and can_reach_person(actor, cared_for)):
        raise NotFound("No such person on your caseload.")
    if carer.pk == cared_for.pk:
        raise InvalidInput({"cared_for": "A person cannot be recorded as their own carer."})
    with transaction.atomic():
        relationship, created = Relationship.objects.get_or_create(
            carer=carer,
            cared_for=cared_for,
            defaults={"description": description, "started_on": started_on},
        )
        if not carer.is_carer:
            stored = Person.objects.get(pk=carer.pk)
            edit_with_history(
                stored, {"is_carer": True}, actor=actor, reason="recorded as an unpaid carer"
            )
            carer.is_carer, carer.version = True, stored.version
        if created:
            record_event(
                actor,
                "relationship.create",
                relationship,
                person_id=carer.id,
                detail={"cared_for": str(cared_for.id)},
            )
    return relationship


def record_consent(
    actor: User,
    person: Person,
    purpose: str,
    *,
    given_on: date,
    agency: str = "",
    how_given: str = ConsentMethod.NOT_RECORDED,
) -> Consent:
    """Record a person's agreement to a purpose, such as sharing anonymised quotes, as a new row."""
    if not can_reach_person(actor, person):
        raise NotFound("No such person on your caseload.")
    errors: dict[str, str] = {}
    if purpose not in ConsentPurpose.values:
        errors["purpose"] = f"Choose one of: {', '.join(ConsentPurpose.values)}."
    agency = agency.strip()
    if purpose == ConsentPurpose.SHARE_WITH_AGENCY and not agency:
        errors["agency"] = "Name the agency the person agrees to share with."
    if len(agency) > 200 or "\x00" in agency:
        errors["agency"] = "Write the agency's name in at most 200 characters."
    if given_on > timezone.localdate():
        errors["given_on"] = "The date consent was given must be today or in the past."
    if how_given not in ConsentMethod.values:
        errors["how_given"] = "Choose how the person gave their consent."
    if errors:
        raise InvalidInput(errors)
    consent = Consent.objects.create(
        person=person,
        purpose=purpose,
        agency=agency if purpose == ConsentPurpose.SHARE_WITH_AGENCY else "",
        given_on=given_on,
        how_given=how_given,
        recorded_by=actor,
    )
    record_event(
        actor,
        "consent.give",
        consent,
        person_id=person.id,
        detail={"purpose": purpose, "how_given": how_given},
    )
    return consent


def withdraw_consent(actor: User, consent: Consent, *, withdrawn_on: date) -> Consent:
    """Mark consent as withdrawn from a date, saying who recorded it; it is never deleted.

    Everything produced after the date leaves out what the consent allowed.
    """
    if not can_reach_person(actor, consent.person):
        raise NotFound("No such person on your caseload.")
    if consent.withdrawn_on is not None:
        raise InvalidInput({"withdrawn_on": "This consent was already withdrawn."})
    if withdrawn_on < consent.given_on:
        raise InvalidInput({"withdrawn_on": "Withdrawal cannot be before consent was given."})
    if withdrawn_on > timezone.localdate():
        raise InvalidInput(
            {"withdrawn_on": "The date consent was withdrawn must be today or in the past."}
        )
    with transaction.atomic():
        updated = Consent.objects.filter(pk=consent.pk, withdrawn_on__isnull=True).update(
            withdrawn_on=withdrawn_on,
            withdrawal_recorded_by=actor,
            withdrawal_recorded_at=timezone.now(),
        )
        if not updated:
            raise InvalidInput({"withdrawn_on": "This consent was already withdrawn."})
        record_event(
            actor,
            "consent.withdraw",
            consent,
            person_id=consent.person_id,
            detail={"purpose": consent.purpose},
        )
    consent.refresh_from_db()
    return consent
