from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from meaningful.audit.models import AuditEvent
from meaningful.audit.services import revisions_of
from meaningful.demo.factories import Personas, make_conversation
from meaningful.errors import InvalidInput, NotFound
from meaningful.people.models import Person
from meaningful.plans.models import Action, SupportPlan
from meaningful.plans.services import ActionInput, create_plan, update_action


def plan_for(personas: Personas, person: Person) -> SupportPlan:
    conversation = make_conversation(personas.owner, person, levels={"seeing-people": "not-met"})
    return create_plan(
        personas.owner,
        person,
        starts_on=timezone.localdate(),
        conversation=conversation,
        actions=[
            ActionInput(
                "Phone the lunch club about Tuesdays",
                "family-community",
                outcome="seeing-people",
                owner_name="Jean (sister)",
                due_on=date(2027, 1, 10),
            ),
            ActionInput("Arrange a bus pass", "service"),
        ],
    )


def test_a_plan_holds_actions_with_owners_and_due_dates_and_is_audited(
    personas: Personas, person: Person
) -> None:
    plan = plan_for(personas, person)
    first = plan.actions.get(owner="family-community")
    assert (first.owner_name, first.due_on, first.outcome.code) == (  # type: ignore[union-attr]
        "Jean (sister)",
        date(2027, 1, 10),
        "seeing-people",
    )
    assert AuditEvent.objects.get(action="plan.create").detail == {"actions": 2}


def test_a_new_plan_closes_the_previous_one(personas: Personas, person: Person) -> None:
    first = plan_for(personas, person)
    plan_for(personas, person)
    first.refresh_from_db()
    assert first.status == "closed"
    assert person.plans.filter(status="active").count() == 1


def test_actions_must_name_an_owner_and_an_outcome_that_was_discussed(
    personas: Personas, person: Person
) -> None:
    conversation = make_conversation(personas.owner, person, levels={"seeing-people": "met"})
    with pytest.raises(InvalidInput) as error:
        create_plan(
            personas.owner,
            person,
            starts_on=timezone.localdate(),
            conversation=conversation,
            actions=[ActionInput("", "somebody", outcome="reliability")],
        )
    assert set(error.value.errors) == {
        "actions[0].description",
        "actions[0].owner",
        "actions[0].outcome",
    }
    assert not SupportPlan.objects.exists()


def test_an_action_update_keeps_its_history(personas: Personas, person: Person) -> None:
    action = plan_for(personas, person).actions.get(owner="service")
    update_action(personas.colleague, action, {"status": "done"}, reason="Bus pass arrived")
    action.refresh_from_db()
    assert (action.status, action.version) == ("done", 2)
    assert revisions_of(action)[0].data["status"] == "planned"
    assert AuditEvent.objects.get(action="action.update").purpose == "Bus pass arrived"


def test_an_outsider_cannot_plan_or_update_actions(personas: Personas, person: Person) -> None:
    action = plan_for(personas, person).actions.first()
    assert action is not None
    with pytest.raises(NotFound):
        update_action(personas.outsider, action, {"status": "done"})
    with pytest.raises(NotFound):
        create_plan(personas.outsider, person, starts_on=timezone.localdate(), actions=[])
    assert Action.objects.get(pk=action.pk).status == "planned"


def test_an_unknown_action_status_is_refused(personas: Personas, person: Person) -> None:
    action = plan_for(personas, person).actions.first()
    assert action is not None
    with pytest.raises(InvalidInput, match="in-progress"):
        update_action(personas.owner, action, {"status": "finished"})


def test_open_actions_carry_forward_when_a_new_plan_is_agreed(
    personas: Personas, person: Person
) -> None:
    from meaningful.conversations.services import agree_conversation

    first = make_conversation(personas.owner, person, levels={"seeing-people": "not-met"})
    create_plan(
        personas.owner,
        person,
        starts_on=timezone.localdate(),
        conversation=first,
        draft=True,
        actions=[ActionInput("Open action", "person"), ActionInput("Finished action", "service")],
    )
    agree_conversation(personas.owner, first)
    first_plan = SupportPlan.objects.get(conversation=first)
    first_plan.actions.filter(description="Finished action").update(status="done")
    review = make_conversation(
        personas.owner, person, kind="review", levels={"seeing-people": "met"}
    )
    create_plan(
        personas.owner,
        person,
        starts_on=timezone.localdate(),
        conversation=review,
        draft=True,
        actions=[ActionInput("New action", "person")],
    )
    agree_conversation(personas.owner, review)
    current = SupportPlan.objects.get(status="active")
    assert current.conversation == review
    assert sorted(current.actions.values_list("description", flat=True)) == [
        "New action",
        "Open action",
    ]
    assert list(first_plan.actions.values_list("description", flat=True)) == ["Finished action"]
    assert AuditEvent.objects.filter(action="plan.activate").last().detail == {"carried_forward": 1}  # type: ignore[union-attr]


def test_an_agreed_exit_without_a_new_plan_closes_the_current_plan(
    personas: Personas, person: Person
) -> None:
    from meaningful.conversations.services import agree_conversation

    plan_for(personas, person)
    exit_conversation = make_conversation(personas.owner, person, kind="exit")
    agree_conversation(personas.owner, exit_conversation)
    plan = SupportPlan.objects.get()
    assert (plan.status, plan.ends_on) == ("closed", exit_conversation.held_on)
    assert AuditEvent.objects.filter(action="plan.close").count() == 1
