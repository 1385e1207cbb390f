"""Concurrent edits at the service level: the version check cannot be raced past."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.models import F

from meaningful.audit import services as audit_services
from meaningful.audit.models import AuditEvent, Revision
from meaningful.audit.services import EditConflict, edit_with_history
from meaningful.conversations.models import OutcomeRecord
from meaningful.demo.factories import Personas, make_conversation
from meaningful.people.anonymisation import anonymise_person
from meaningful.people.models import Person
from meaningful.people.services import update_person


def test_an_edit_that_loses_a_race_between_read_and_write_saves_nothing(
    personas: Personas, person: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Even were another save to land after the row was read (the row lock on PostgreSQL and
    the IMMEDIATE transaction on SQLite prevent it), the UPDATE matches only the version read."""
    keep = audit_services.keep_revision

    def another_save_lands_first(instance: Any, **kwargs: Any) -> Revision:
        Person.objects.filter(pk=instance.pk).update(postcode="ZZ9 9ZZ", version=F("version") + 1)
        return keep(instance, **kwargs)

    monkeypatch.setattr(audit_services, "keep_revision", another_save_lands_first)
    with pytest.raises(EditConflict) as caught:
        update_person(
            personas.owner, person, {"postcode": "DD1 1AA"}, reason="moved", expected_version=1
        )
    assert caught.value.version == 2 and caught.value.expected == 1
    stored = Person.objects.get(pk=person.pk)
    assert stored.postcode != "DD1 1AA"  # the edit's own write never happened
    assert not Revision.objects.exists()  # nor was an earlier version kept for it
    assert AuditEvent.objects.filter(action="person.update.refused").count() == 1
    assert not AuditEvent.objects.filter(action="person.update").exists()


def test_an_edit_is_based_on_the_version_loaded_when_none_is_given(
    personas: Personas, person: Person
) -> None:
    stale = Person.objects.get(pk=person.pk)
    update_person(personas.owner, person, {"postcode": "DD1 1AA"}, reason="moved")
    with pytest.raises(EditConflict):
        edit_with_history(stale, {"postcode": "DD2 2BB"}, actor=personas.colleague, reason="x")
    assert Person.objects.get(pk=person.pk).postcode == "DD1 1AA"


def test_the_refusal_names_who_saved_first_and_when(personas: Personas, person: Person) -> None:
    update_person(personas.colleague, person, {"postcode": "DD1 1AA"}, reason="moved")
    with pytest.raises(EditConflict) as caught:
        update_person(personas.owner, person, {"about_me": "x"}, reason="y", expected_version=1)
    conflict = caught.value
    revision = Revision.objects.get()
    assert (conflict.saved_by, conflict.saved_at) == (personas.colleague, revision.changed_at)
    assert conflict.message.startswith("Test-Partnership-Colleague Tester saved a change")
    with pytest.raises(EditConflict) as again:
        update_person(personas.colleague, person, {"about_me": "x"}, reason="y", expected_version=1)
    assert again.value.message.startswith("You, in another tab or window, saved a change")


def test_sqlite_transactions_take_the_write_lock_when_they_begin() -> None:
    """On SQLite the version check relies on this: no other writer can start in between."""
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL locks the row with SELECT ... FOR UPDATE instead")
    assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_erasing_a_record_moves_its_versions_on(personas: Personas, person: Person) -> None:
    """An edit form opened before an erasure cannot put the erased text back."""
    conversation = make_conversation(personas.owner, person)
    record = conversation.records.first()
    assert record is not None and record.version == 1
    anonymise_person(personas.admin, person, cause="request")
    assert OutcomeRecord.objects.get(pk=record.pk).version == 2
    with pytest.raises(EditConflict):
        edit_with_history(record, {"working": "Jean"}, actor=personas.owner, reason="x")
