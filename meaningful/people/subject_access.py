"""Everything held about one person, for a subject access request: a readable record, the FHIR
Bundle and one CSV per table, in a zip, with what must be checked for third parties listed.

Only the installation's system account and the administrators of the person's organisation may
produce it; each pack is an audit event. Third-party entries are marked, never removed: the
person who answers the request decides what to redact (a carer's name and relationship, other
people named in the words recorded, who took part in a conversation).
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.template.loader import render_to_string
from django.utils import timezone

from meaningful.accounts.access import can_administer
from meaningful.accounts.models import User
from meaningful.audit.models import AuditEvent, Revision
from meaningful.audit.services import record_event
from meaningful.coding.models import CodedSegment, CodingCompletion, Memo
from meaningful.conversations.models import Conversation, OutcomeRecord
from meaningful.errors import NotFound
from meaningful.interop.fhir.export import Exporter, bundle, people_for_export
from meaningful.interop.tabular.export import Extract, as_csv, neutralise
from meaningful.people.models import (
    Allocation,
    BreakGlass,
    Consent,
    ErasureRequest,
    Identifier,
    Person,
    Relationship,
    related_names,
)
from meaningful.plans.models import Action, SupportPlan

THIRD_PARTY_TEXT = (
    "what_matters",
    "why_it_matters",
    "working",
    "not_working",
    "story",
    "about_me",
    "description",
    "owner_name",
    "what_was_asked",
    "decision_reason",
    "data",  # earlier versions hold the same words as they were
    "text",  # memos on coded passages of the person's words
)


@dataclass
class Table:
    name: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)


@dataclass
class Mark:
    """An entry to check for third parties before the pack is released."""

    table: str
    row: int  # 1-based data row in the table's CSV
    column: str
    reason: str


def _rows(queryset: models.QuerySet[Any], columns: list[str]) -> list[list[Any]]:
    return [list(values) for values in queryset.values_list(*columns)]


def tables_about(person: Person) -> list[Table]:
    """One table per kind of record held about the person, every column kept."""
    conversations = Conversation.objects.filter(person=person).order_by("held_on", "created_at")
    records = OutcomeRecord.objects.filter(conversation__person=person).order_by(
        "conversation__held_on", "outcome__position"
    )
    plans = SupportPlan.objects.filter(person=person).order_by("starts_on", "created_at")
    actions = Action.objects.filter(plan__person=person).order_by("plan__starts_on", "id")
    objects = (
        [("people.person", str(person.pk))]
        + [
            ("conversations.conversation", str(pk))
            for pk in conversations.values_list("pk", flat=True)
        ]
        + [("conversations.outcomerecord", str(pk)) for pk in records.values_list("pk", flat=True)]
        + [("plans.supportplan", str(pk)) for pk in plans.values_list("pk", flat=True)]
        + [("plans.action", str(pk)) for pk in actions.values_list("pk", flat=True)]
    )
    revisions = Revision.objects.none()
    for object_type in {kind for kind, _ in objects}:
        ids = [pk for kind, pk in objects if kind == object_type]
        revisions = revisions | Revision.objects.filter(object_type=object_type, object_id__in=ids)
    specs: list[tuple[str, models.QuerySet[Any], list[str]]] = [
        (
            "person",
            Person.objects.filter(pk=person.pk),
            [f.attname for f in Person._meta.concrete_fields],
        ),
        ("identifiers", Identifier.objects.filter(person=person), ["id", "system", "value"]),
        (
            "caseload_places",
            Allocation.objects.filter(person=person),
            ["id", "team__name", "worker__username", "started_on", "ended_on"],
        ),
        (
            "cares_for",
            Relationship.objects.filter(carer=person),
            [
                "id",
                "cared_for__given_name",
                "cared_for__family_name",
                "description",
                "started_on",
                "ended_on",
            ],
        ),
        (
            "cared_for_by",
            Relationship.objects.filter(cared_for=person),
            [
                "id",
                "carer__given_name",
                "carer__family_name",
                "description",
                "started_on",
                "ended_on",
            ],
        ),
        (
            "consents",
            Consent.objects.filter(person=person),
            [
                "id",
                "purpose",
                "agency",
                "given_on",
                "how_given",
                "withdrawn_on",
                "recorded_by__username",
                "recorded_at",
                "withdrawal_recorded_by__username",
                "withdrawal_recorded_at",
            ],
        ),
        (
            "conversations",
            conversations,
            [
                "id",
                "held_on",
                "kind",
                "framework__slug",
                "framework__version",
                "scale__code",
                "practitioner__username",
                "team__name",
                "participants",
                "story",
                "status",
                "next_review_due",
                "created_at",
                "updated_at",
                "version",
            ],
        ),
        (
            "outcome_records",
            records,
            [
                "id",
                "conversation_id",
                "outcome__code",
                "outcome__name",
                "what_matters",
                "why_it_matters",
                "working",
                "not_working",
                "outcome_type",
                "contributions",
                "worker_level__code",
                "person_level__code",
                "agreed_level__code",
                "updated_at",
                "version",
            ],
        ),
        (
            "support_plans",
            plans,
            [
                "id",
                "conversation_id",
                "starts_on",
                "ends_on",
                "review_due",
                "status",
                "created_by__username",
                "created_at",
                "version",
            ],
        ),
        (
            "actions",
            actions,
            [
                "id",
                "plan_id",
                "outcome__code",
                "description",
                "owner",
                "owner_name",
                "due_on",
                "status",
                "updated_at",
                "version",
            ],
        ),
        (
            "coded_passages",
            CodedSegment.objects.filter(conversation__person=person).order_by(
                "conversation__held_on", "id"
            ),
            [
                "id",
                "conversation_id",
                "record_id",
                "field",
                "start",
                "end",
                "code__name",
                "coder__username",
                "origin",
                "confidence",
                "accepted",
                "created_at",
                "decided_at",
            ],
        ),
        (
            "coding_memos",
            Memo.objects.filter(segment__conversation__person=person).order_by("created_at", "id"),
            ["id", "segment_id", "text", "author__username", "created_at"],
        ),
        (
            "coding_finished",
            CodingCompletion.objects.filter(conversation__person=person).order_by("finished_at"),
            ["id", "conversation_id", "coder__username", "finished_at"],
        ),
        (
            "break_glass_access",
            BreakGlass.objects.filter(person=person).order_by("opened_at"),
            ["id", "user__username", "reason", "opened_at", "expires_at"],
        ),
        (
            "erasure_requests",
            ErasureRequest.objects.filter(person=person).order_by("requested_at"),
            [
                "id",
                "asked_on",
                "what_was_asked",
                "requested_by__username",
                "requested_at",
                "status",
                "decided_by__username",
                "decided_at",
                "decision_reason",
            ],
        ),
        (
            "earlier_versions",
            revisions.order_by("changed_at", "id"),
            [
                "id",
                "object_type",
                "object_id",
                "version",
                "data",
                "changed_by__username",
                "changed_at",
                "reason",
            ],
        ),
        (
            "audit_trail",
            AuditEvent.objects.filter(person_id=person.pk).order_by("id"),
            [
                "id",
                "at",
                "actor_username",
                "actor_roles",
                "action",
                "object_type",
                "object_id",
                "purpose",
                "channel",
            ],
        ),
    ]
    return [Table(name, columns, _rows(queryset, columns)) for name, queryset, columns in specs]


def third_parties(person: Person) -> list[str]:
    """Names of other people linked to the person, to look for in what was written."""
    return [name for name in related_names(person) if len(name) > 1]


def marks_for(tables: Iterable[Table], names: list[str]) -> list[Mark]:
    """The entries to check before release, with why."""
    marks = []
    lowered = [name.lower() for name in names]
    for table in tables:
        for number, row in enumerate(table.rows, start=1):
            values = dict(zip(table.columns, row, strict=True))
            if table.name in ("cares_for", "cared_for_by"):
                marks.append(
                    Mark(
                        table.name,
                        number,
                        "name",
                        "third party: another person's name and relationship",
                    )
                )
            if table.name == "conversations" and values.get("participants"):
                marks.append(
                    Mark(table.name, number, "participants", "third party: may name other people")
                )
            if table.name == "consents" and values.get("agency"):
                marks.append(Mark(table.name, number, "agency", "third party: an agency"))
            for column in THIRD_PARTY_TEXT:
                text = json.dumps(values.get(column) or "", default=str).lower()
                named = [name for name, low in zip(names, lowered, strict=True) if low in text]
                if named:
                    marks.append(
                        Mark(
                            table.name,
                            number,
                            column,
                            f"third party named: {', '.join(sorted(set(named)))}",
                        )
                    )
    return marks


def _csv(table: Table) -> bytes:
    cells = [
        [neutralise(json.dumps(v) if isinstance(v, (dict, list)) else v) for v in row]
        for row in table.rows
    ]
    return as_csv(Extract(table.columns, cells))


def subject_access_pack(actor: User, person_id: str) -> tuple[Person, bytes]:
    """The zip for a subject access request, if the actor administers the person's organisation."""
    try:
        person = Person.objects.select_related("organisation").filter(pk=person_id).first()
    except (ValueError, ValidationError):  # not a UUID
        person = None
    if person is None or not can_administer(actor, person.organisation):
        raise NotFound("No such person in an organisation you administer.")
    record_event(
        actor,
        "person.subject-access",
        person,
        person_id=person.pk,
        purpose="subject access request",
    )
    tables = tables_about(person)
    marks = marks_for(tables, third_parties(person))
    exporter = Exporter()
    loaded = people_for_export(Person.objects.filter(pk=person.pk)).get()
    own = exporter.person(loaded)
    fhir = bundle(exporter.shared_resources() + own)
    made = timezone.now()
    flagged = {(m.table, m.row, m.column): m.reason for m in marks}
    readable = [
        {
            "name": table.name.replace("_", " ").capitalize(),
            "columns": table.columns,
            "rows": [
                [
                    (value, flagged.get((table.name, number, column), ""))
                    for column, value in zip(table.columns, row, strict=True)
                ]
                for number, row in enumerate(table.rows, start=1)
            ],
        }
        for table in tables
    ]
    html = render_to_string(
        "people/subject_access.html",
        {"person": person, "tables": readable, "marks": marks, "made": made, "actor": actor},
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as pack:
        pack.writestr("record.html", html)
        pack.writestr("record.fhir.json", json.dumps(fhir, indent=1, ensure_ascii=False))
        for table in tables:
            pack.writestr(f"tables/{table.name}.csv", _csv(table))
        redactions = Table(
            "check_before_release",
            ["table", "row", "column", "reason"],
            [[m.table, m.row, m.column, m.reason] for m in marks],
        )
        pack.writestr("check_before_release.csv", _csv(redactions))
    return person, buffer.getvalue()
