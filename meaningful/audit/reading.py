"""Reading the audit trail: who may see which events, and the events as CSV or FHIR AuditEvent.

Auditors read the events of their own organisation: everything done to its people's records,
and everything its staff did. The installation's system account reads everything. Reading or
exporting the trail is itself an event on it.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Q, QuerySet

from meaningful.accounts.models import Membership, Role, User
from meaningful.audit.models import AuditEvent
from meaningful.audit.services import record_event
from meaningful.errors import NotAllowed
from meaningful.interop.fhir import systems as fs
from meaningful.interop.tabular.export import neutralise

COLUMNS = [
    "id",
    "at",
    "actor_username",
    "actor_roles",
    "action",
    "object_type",
    "object_id",
    "person_id",
    "purpose",
    "channel",
    "ip",
    "detail",
    "previous_hash",
    "hash",
]


@dataclass(frozen=True)
class EventFilter:
    since: date | None = None
    until: date | None = None
    action: str = ""  # an action (person.read), or its first part (person) for all of its kind
    person: str = ""  # a record id, or a CHI, NHS or local number
    username: str = ""  # a username, or part of a member of staff's name


def visible_events(user: User) -> QuerySet[AuditEvent]:
    """The events the user may read; NotAllowed for anyone who is not an auditor."""
    if user.is_system:
        return AuditEvent.objects.all()
    organisations = Membership.objects.filter(user=user, role=Role.AUDITOR).values("organisation")
    if not organisations.exists():
        raise NotAllowed("The audit trail is read by auditors.")
    from meaningful.people.models import Person

    people = Person.objects.filter(organisation__in=organisations).values("pk")
    # Every role but the national one names its organisation, team roles included.
    staff = Membership.objects.filter(organisation__in=organisations).values("user")
    return AuditEvent.objects.filter(Q(person_id__in=people) | Q(actor__in=staff))


def filtered(events: QuerySet[AuditEvent], chosen: EventFilter) -> QuerySet[AuditEvent]:
    if chosen.since:
        events = events.filter(at__date__gte=chosen.since)
    if chosen.until:
        events = events.filter(at__date__lte=chosen.until)
    if chosen.action:
        action = chosen.action.strip(".")
        of_its_kind = Q() if "." in action else Q(action__startswith=f"{action}.")
        events = events.filter(Q(action=action) | of_its_kind)
    if chosen.person:
        events = events.filter(person_id__in=_people_named(chosen.person))
    if chosen.username:
        events = events.filter(actor__in=_staff_named(chosen.username))
    return events.order_by("-id")


def _people_named(text: str) -> list[uuid.UUID]:
    """The people a record id, or a CHI, NHS or local number, names (the trail is filtered to
    what the reader may see already, so any organisation's match is safe to look for)."""
    from meaningful.people.models import Identifier

    try:
        return [uuid.UUID(text)]
    except ValueError:
        pass
    digits = text.replace(" ", "")
    return list(
        Identifier.objects.filter(Q(value=digits) | Q(system="local", value__iexact=text))
        .values_list("person_id", flat=True)
        .distinct()
    )


def _staff_named(text: str) -> Any:
    """Staff whose username is the text, or whose name holds every word of it."""
    names = Q()
    for word in text.split():
        names &= Q(first_name__icontains=word) | Q(last_name__icontains=word)
    return User.objects.filter(Q(username__iexact=text) | names).values("pk")


def read_events(user: User, chosen: EventFilter, *, purpose: str) -> QuerySet[AuditEvent]:
    """The user's events under the filter; the read is recorded on the trail."""
    events = filtered(visible_events(user), chosen)
    record_event(
        user,
        "audit.read" if purpose == "view" else "audit.export",
        detail={key: str(value) for key, value in chosen.__dict__.items() if value}
        | {"as": purpose},
    )
    return events


def as_csv(events: Iterable[AuditEvent]) -> Iterator[str]:
    """CSV text, a row at a time (large trails stream)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    yield _drain(buffer)
    for event in events:
        row = [getattr(event, name) for name in COLUMNS]
        row[COLUMNS.index("detail")] = json.dumps(event.detail, sort_keys=True)
        writer.writerow([neutralise(value) for value in row])
        yield _drain(buffer)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def _fhir_action(action: str) -> str:
    """C, R, U, D or E (FHIR's audit-event-action) for one of our action names."""
    verb = action.rsplit(".", 1)[-1]
    if verb in ("read", "view", "subject-access") or action.startswith(("export.", "audit.")):
        return "R"
    if verb in ("create", "record", "give", "add", "import"):
        return "C"
    if verb in ("update", "agree", "withdraw", "activate", "close", "correct"):
        return "U"
    if verb in ("delete", "erase"):
        return "D"
    return "E"


def as_fhir(event: AuditEvent) -> dict[str, Any]:
    """One event as a FHIR R4 AuditEvent; the chain's hashes travel in extensions."""
    entities: list[dict[str, Any]] = []
    if event.person_id:
        entities.append(
            {
                "what": {
                    "identifier": {
                        "system": fs.identifier_system("person-record"),
                        "value": str(event.person_id),
                    }
                },
                "role": {
                    "system": "http://terminology.hl7.org/CodeSystem/object-role",
                    "code": "1",
                    "display": "Patient",
                },
            }
        )
    if event.object_type:
        entities.append(
            {
                "what": {
                    "identifier": {
                        "system": fs.identifier_system(event.object_type),
                        "value": event.object_id,
                    }
                },
                "detail": [
                    {"type": "detail", "valueString": json.dumps(event.detail, sort_keys=True)}
                ]
                if event.detail
                else None,
            }
        )
    agent: dict[str, Any] = {
        "who": {
            "identifier": {
                "system": fs.identifier_system("staff-username"),
                "value": event.actor_username or "unknown",
            }
        },
        "requestor": True,
    }
    if event.actor_roles:
        agent["role"] = [{"text": role} for role in event.actor_roles.split(",")]
    if event.ip:
        agent["network"] = {"address": event.ip, "type": "2"}
    resource: dict[str, Any] = {
        "resourceType": "AuditEvent",
        "id": f"audit-{event.pk}",
        "extension": [
            {"url": fs.extension_url("audit-hash"), "valueString": event.hash},
            {"url": fs.extension_url("audit-previous-hash"), "valueString": event.previous_hash},
        ],
        "type": {
            "system": fs.code_system_url("audit-action"),
            "code": event.action,
        },
        "action": _fhir_action(event.action),
        "recorded": event.at.isoformat(),
        "outcome": "0",
        "agent": [agent],
        "source": {"observer": {"display": "Meaningful"}, "site": event.channel or "web"},
    }
    if event.purpose:
        resource["purposeOfEvent"] = [{"text": event.purpose}]
    cleaned = [
        {key: value for key, value in entity.items() if value is not None} for entity in entities
    ]
    if cleaned:
        resource["entity"] = cleaned
    return resource


def as_ndjson(events: Iterable[AuditEvent]) -> Iterator[str]:
    for event in events:
        yield json.dumps(as_fhir(event), ensure_ascii=False, separators=(",", ":")) + "\n"
