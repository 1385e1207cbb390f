from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import pairwise
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from meaningful.audit.models import AppendOnlyError, AuditEvent
from meaningful.audit.services import GENESIS_HASH, record_event, verify_chain
from meaningful.demo.factories import Personas
from meaningful.people.models import Person
from meaningful.people.services import read_person


def test_events_are_chained_from_the_genesis_hash(personas: Personas, person: Person) -> None:
    events = list(AuditEvent.objects.order_by("id"))
    assert events[0].previous_hash == GENESIS_HASH
    for before, after in pairwise(events):
        assert after.previous_hash == before.hash
    assert verify_chain() is None


def test_an_event_cannot_be_changed_or_deleted_through_the_application(personas: Personas) -> None:
    event = AuditEvent.objects.first()
    assert event is not None
    event.action = "nothing.happened"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(action="x")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()


@contextmanager
def guard_removed() -> Iterator[None]:
    """Act as someone with the rights to drop the database's guard: what verify-audit is for."""
    guard = importlib.import_module("meaningful.audit.migrations.0002_append_only_triggers")
    sqlite = connection.vendor == "sqlite"
    down = guard.SQLITE_DOWN if sqlite else [guard.POSTGRESQL_DOWN]
    up = guard.SQLITE_UP if sqlite else [guard.POSTGRESQL_UP]
    with connection.cursor() as cursor:
        for statement in down:
            cursor.execute(statement)
    yield
    with connection.cursor() as cursor:
        for statement in up:
            cursor.execute(statement)


def test_the_database_itself_refuses_to_change_or_delete_events(personas: Personas) -> None:
    event = AuditEvent.objects.first()
    assert event is not None
    for statement in (
        "UPDATE audit_auditevent SET purpose = 'x' WHERE id = %s",
        "DELETE FROM audit_auditevent WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="cannot be changed or deleted"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement, [event.id])
    assert AuditEvent.objects.get(pk=event.pk).purpose == event.purpose


def test_verification_names_the_first_altered_event(personas: Personas, person: Person) -> None:
    read_person(personas.owner, person.id)
    target = AuditEvent.objects.get(action="person.read")
    with guard_removed(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditevent SET purpose = %s WHERE id = %s", ["curiosity", target.id]
        )
    assert verify_chain() == target.id
    with pytest.raises(CommandError, match=f"broken at event {target.id}"):
        call_command("verify_audit")


def test_verification_notices_a_removed_event(personas: Personas) -> None:
    events = list(AuditEvent.objects.order_by("id"))
    with guard_removed(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [events[2].id])
    assert verify_chain() == events[3].id


def test_the_command_reports_a_sound_chain(
    personas: Personas, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("verify_audit")
    count = AuditEvent.objects.count()
    assert f"The audit chain holds: {count} events checked." in capsys.readouterr().out


def test_events_record_their_channel(personas: Personas) -> None:
    from meaningful.audit.context import Origin, current_origin

    token = current_origin.set(Origin(channel="cli"))
    try:
        event = record_event(personas.system, "test.event")
    finally:
        current_origin.reset(token)
    assert (event.channel, event.actor_roles) == ("cli", "system")


def test_events_recorded_together_are_sealed_as_events_recorded_alone(
    personas: Personas, person: Person
) -> None:
    from meaningful.audit.context import Origin, current_origin
    from meaningful.audit.sealing import event_hash
    from meaningful.audit.services import EventInput, RecordRef, record_events

    awkward: list[Any] = [
        None,
        {},
        {"team": 3, "note": 'Zoë said "no" \\ then left\x00', "ratio": 0.1},
        {10: "ten", 9: "nine"},  # number keys: sorted as numbers, stored as text
        {"nested": {"b": [1, None, True], "a": "\u2603"}},
        {"n": 1},
        {"n": True},
        {"n": 1.0},
        {"n": 0.5},
    ]
    token = current_origin.set(Origin(channel="web", ip="203.0.113.9"))
    try:
        record_events(
            personas.owner,
            [
                EventInput("test.batch", person, person_id=person.id, detail=detail)
                for detail in awkward
            ]
            + [EventInput("test.batch", RecordRef("people.person", str(person.pk)))],
        )
    finally:
        current_origin.reset(token)
    events = list(AuditEvent.objects.filter(action="test.batch").order_by("id"))
    assert len(events) == len(awkward) + 1
    assert all(event.hash == event_hash(event) for event in events)
    assert events[2].detail["note"] == 'Zoë said "no" \\ then left'
    assert events[3].detail == {"10": "ten", "9": "nine"}
    assert [event.detail["n"] for event in events[5:9]] == [1, True, 1.0, 0.5]
    assert [type(event.detail["n"]) for event in events[5:9]] == [int, bool, float, float]
    assert {event.object_id for event in events} == {str(person.pk)}
    assert verify_chain() is None


def test_a_negative_zero_in_a_detail_does_not_break_the_chain(personas: Personas) -> None:
    """PostgreSQL keeps -0.0 as 0; the audit stores and seals what it will read back."""
    from meaningful.audit.services import record_event

    record_event(personas.owner, "example.event", detail={"change": -0.0, "nested": [-0.0, 1.5]})
    event = AuditEvent.objects.order_by("-id").first()
    assert event is not None
    event.refresh_from_db()
    assert event.detail == {"change": 0.0, "nested": [0.0, 1.5]}
    assert verify_chain() is None
