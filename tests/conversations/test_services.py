from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from meaningful.audit.models import AuditEvent
from meaningful.audit.services import EditConflict, revisions_of
from meaningful.conversations.models import Conversation, ConversationStatus, OutcomeRecord
from meaningful.conversations.services import (
    OutcomeInput,
    agree_conversation,
    conversations_of,
    record_conversation,
    update_outcome_record,
)
from meaningful.demo.factories import Personas, make_conversation
from meaningful.errors import InvalidInput, NotAllowed, NotFound
from meaningful.frameworks.models import Framework
from meaningful.people.models import Person


def service_users() -> Framework:
    return Framework.objects.get(slug="talking-points-service-users", version="1")


def test_the_owner_records_a_conversation_with_its_outcomes_and_it_is_audited(
    personas: Personas, person: Person
) -> None:
    conversation = make_conversation(personas.owner, person, levels={"seeing-people": "not-met"})
    record = conversation.records.get()
    assert record.outcome.code == "seeing-people"
    assert record.agreed_level is not None and record.agreed_level.code == "not-met"
    assert record.outcome_type == "maintain"  # the outcome's own type when none is given
    assert conversation.framework.version == "1" and conversation.scale.code == "met-partly-not"
    assert conversation.status == ConversationStatus.DRAFT
    event = AuditEvent.objects.get(action="conversation.record")
    assert (event.actor, event.person_id, event.detail["outcomes"]) == (
        personas.owner,
        person.id,
        1,
    )


def test_a_colleague_on_the_team_can_record_too(personas: Personas, person: Person) -> None:
    assert make_conversation(personas.colleague, person).team == personas.team


@pytest.mark.parametrize("who", ["outsider", "analyst", "admin"])
def test_others_cannot_record_for_the_person(personas: Personas, person: Person, who: str) -> None:
    with pytest.raises(NotFound):
        make_conversation(getattr(personas, who), person)
    assert not Conversation.objects.exists()


def test_worker_person_and_agreed_levels_are_kept_apart(personas: Personas, person: Person) -> None:
    conversation = record_conversation(
        personas.owner,
        person,
        framework=service_users(),
        kind="baseline",
        held_on=timezone.localdate(),
        records=[
            OutcomeInput(
                outcome="feeling-safe",
                what_matters="I want to feel safe at night",
                worker_level="partly-met",
                person_level="not-met",
                agreed_level=None,
            )
        ],
    )
    record = conversation.records.get()
    assert (record.worker_level.code, record.person_level.code, record.agreed_level) == (  # type: ignore[union-attr]
        "partly-met",
        "not-met",
        None,
    )


def test_every_problem_is_reported_and_nothing_is_saved(personas: Personas, person: Person) -> None:
    with pytest.raises(InvalidInput) as error:
        record_conversation(
            personas.owner,
            person,
            framework=service_users(),
            kind="chat",
            held_on=timezone.localdate() + timedelta(days=2),
            records=[
                OutcomeInput(outcome="flying", agreed_level="met"),
                OutcomeInput(
                    outcome="feeling-safe", agreed_level="brilliant", contributions=["aliens"]
                ),
            ],
        )
    assert set(error.value.errors) == {
        "kind",
        "held_on",
        "records[0].outcome",
        "records[1].agreed_level",
        "records[1].contributions",
    }
    assert error.value.errors["records[1].agreed_level"] == (
        "'brilliant' is not a level on this scale; use one of not-met, partly-met, met."
    )
    assert not Conversation.objects.exists()


def test_an_outcome_from_another_framework_is_refused(personas: Personas, person: Person) -> None:
    with pytest.raises(InvalidInput, match="carer-financial"):
        record_conversation(
            personas.owner,
            person,
            framework=service_users(),
            kind="baseline",
            held_on=timezone.localdate(),
            records=[OutcomeInput(outcome="carer-financial")],
        )


def test_editing_a_record_keeps_the_earlier_words_and_levels(
    personas: Personas, person: Person
) -> None:
    conversation = make_conversation(personas.owner, person, levels={"seeing-people": "not-met"})
    record = conversation.records.get()
    update_outcome_record(
        personas.colleague,
        record,
        {
            "what_matters": "I want to get back to the bowling club on Thursdays",
            "agreed_level": "partly-met",
        },
        reason="Person's own words added",
    )
    record.refresh_from_db()
    assert record.agreed_level is not None and record.agreed_level.code == "partly-met"
    [revision] = revisions_of(record)
    assert revision.data["what_matters"] == "In my words: seeing-people"
    assert revision.data["agreed_level_id"] != record.agreed_level_id
    assert revision.changed_by == personas.colleague
    assert AuditEvent.objects.get(action="outcome-record.update").detail == {
        "fields": ["what_matters", "agreed_level"]
    }


def test_a_stale_edit_of_a_record_is_refused(personas: Personas, person: Person) -> None:
    record = make_conversation(personas.owner, person).records.first()
    assert record is not None
    update_outcome_record(personas.owner, record, {"working": "New bus pass"}, reason="update")
    with pytest.raises(EditConflict):
        update_outcome_record(
            personas.colleague, record, {"working": "Other"}, reason="x", expected_version=1
        )


def test_an_outsider_cannot_edit_a_record(personas: Personas, person: Person) -> None:
    record = make_conversation(personas.owner, person).records.first()
    assert record is not None
    with pytest.raises(NotFound):
        update_outcome_record(personas.outsider, record, {"working": "x"}, reason="x")
    assert OutcomeRecord.objects.get(pk=record.pk).version == 1


def test_agreeing_a_conversation_is_versioned_and_audited(
    personas: Personas, person: Person
) -> None:
    conversation = make_conversation(personas.owner, person)
    agree_conversation(personas.owner, conversation)
    conversation.refresh_from_db()
    assert (conversation.status, conversation.version) == ("agreed", 2)
    assert revisions_of(conversation)[0].data["status"] == "draft"
    assert AuditEvent.objects.filter(action="conversation.agree").count() == 1
    with pytest.raises(InvalidInput, match="already agreed"):
        agree_conversation(personas.owner, conversation)


def test_an_outsider_cannot_agree_or_list_conversations(personas: Personas, person: Person) -> None:
    conversation = make_conversation(personas.owner, person)
    with pytest.raises(NotFound):
        agree_conversation(personas.outsider, conversation)
    with pytest.raises(NotFound):
        conversations_of(personas.outsider, person)
    assert conversations_of(personas.colleague, person, purpose="review") == [conversation]
    read = AuditEvent.objects.get(action="conversations.read")
    assert (read.actor, read.person_id, read.purpose) == (personas.colleague, person.id, "review")


def test_a_person_who_leaves_the_caseload_can_no_longer_be_recorded_for(
    personas: Personas, person: Person
) -> None:
    person.allocations.update(ended_on=timezone.localdate())
    with pytest.raises(NotFound):
        make_conversation(personas.owner, person)


def test_a_conversation_cannot_be_filed_under_a_team_the_person_is_not_with(
    personas: Personas, person: Person
) -> None:
    with pytest.raises(NotAllowed):
        record_conversation(
            personas.owner,
            person,
            framework=service_users(),
            kind="baseline",
            held_on=timezone.localdate(),
            team=personas.other_team,
            records=[OutcomeInput(outcome="feeling-safe")],
        )
