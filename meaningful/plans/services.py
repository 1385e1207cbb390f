"""Support plans and their actions: permission, write, audit; edits keep earlier versions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction

from meaningful.accounts.access import can_reach_person
from meaningful.accounts.models import User
from meaningful.audit.services import edit_and_audit, edit_with_history, record_event
from meaningful.conversations.models import Conversation
from meaningful.errors import InvalidInput, NotFound
from meaningful.people.models import Person
from meaningful.plans.models import Action, ActionOwner, ActionStatus, PlanStatus, SupportPlan


@dataclass
class ActionInput:
    """An action to agree: what, who does it (person, family-community, service), by when."""

    description: str
    owner: str
    outcome: str | None = None
    owner_name: str = ""
    due_on: date | None = None


def _action_errors(item: ActionInput, where: str, outcome_codes: set[str]) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not item.description.strip():
        errors[f"{where}.description"] = "Describe the action."
    if item.owner not in ActionOwner.values:
        errors[f"{where}.owner"] = f"Choose who does it: {', '.join(ActionOwner.values)}."
    if item.outcome is not None and item.outcome not in outcome_codes:
        errors[f"{where}.outcome"] = f"{item.outcome!r} was not discussed in this conversation."
    return errors


def create_plan(
    actor: User,
    person: Person,
    *,
    starts_on: date,
    actions: list[ActionInput],
    conversation: Conversation | None = None,
    review_due: date | None = None,
    draft: bool = False,
) -> SupportPlan:
    """Start a support plan; an active plan closes the previous one, a draft waits for agreement."""
    if not can_reach_person(actor, person):
        raise NotFound("No such person on your caseload.")
    if conversation is not None and conversation.person_id != person.pk:
        raise InvalidInput({"conversation": "That conversation is about someone else."})
    outcomes = (
        {
            record.outcome.code: record.outcome
            for record in conversation.records.select_related("outcome")
        }
        if conversation is not None
        else {}
    )
    errors: dict[str, str] = {}
    for index, item in enumerate(actions):
        errors.update(_action_errors(item, f"actions[{index}]", set(outcomes)))
    if review_due is not None and review_due < starts_on:
        errors["review_due"] = "The review must be after the plan starts."
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        if not draft:
            _close_active_plans(person, starts_on)
        plan = SupportPlan.objects.create(
            person=person,
            conversation=conversation,
            starts_on=starts_on,
            review_due=review_due,
            created_by=actor,
            status=PlanStatus.DRAFT if draft else PlanStatus.ACTIVE,
        )
        Action.objects.bulk_create(
            Action(
                plan=plan,
                outcome=outcomes.get(item.outcome) if item.outcome else None,
                description=item.description.strip(),
                owner=item.owner,
                owner_name=item.owner_name.strip(),
                due_on=item.due_on,
            )
            for item in actions
        )
        record_event(
            actor, "plan.create", plan, person_id=person.id, detail={"actions": len(actions)}
        )
    return plan


def update_action(
    actor: User,
    action: Action,
    changes: dict[str, Any],
    *,
    reason: str = "",
    expected_version: int | None = None,
) -> list[str]:
    """Change an action (often its status), keeping the earlier version; return changed fields."""
    person = action.plan.person
    if not can_reach_person(actor, person):
        raise NotFound("No such action.")
    allowed = {"description", "owner", "owner_name", "due_on", "status"}
    errors = {name: "This field cannot be changed." for name in sorted(set(changes) - allowed)}
    if "status" in changes and changes["status"] not in ActionStatus.values:
        errors["status"] = f"Choose one of: {', '.join(ActionStatus.values)}."
    if "owner" in changes and changes["owner"] not in ActionOwner.values:
        errors["owner"] = f"Choose one of: {', '.join(ActionOwner.values)}."
    if "description" in changes and not str(changes["description"]).strip():
        errors["description"] = "Describe the action."
    if errors:
        raise InvalidInput(errors)
    return edit_and_audit(
        actor,
        action,
        changes,
        action="action.update",
        person_id=person.id,
        reason=reason or "action updated",
        purpose=reason,
        expected_version=expected_version,
    )


def _close_active_plans(person: Person, on: date) -> None:
    person.plans.filter(status=PlanStatus.ACTIVE).update(status=PlanStatus.CLOSED, ends_on=on)


def activate_draft_plan(
    actor: User, conversation: Conversation, *, carry_forward: bool = True
) -> SupportPlan | None:
    """When a conversation is agreed, its draft plan becomes the person's active plan.

    Actions still open in the previous plan move into the new one, so nothing agreed earlier
    drops out of sight; finished ones stay with the plan they belonged to.
    """
    plan = conversation.plans.filter(status=PlanStatus.DRAFT).first()
    if plan is None:
        return None
    with transaction.atomic():
        previous = conversation.person.plans.filter(status=PlanStatus.ACTIVE)
        carried = (
            Action.objects.filter(
                plan__in=previous, status__in=[ActionStatus.PLANNED, ActionStatus.IN_PROGRESS]
            ).update(plan=plan)
            if carry_forward
            else 0
        )
        _close_active_plans(conversation.person, plan.starts_on)
        edit_with_history(
            plan, {"status": PlanStatus.ACTIVE}, actor=actor, reason="conversation agreed"
        )
        record_event(
            actor,
            "plan.activate",
            plan,
            person_id=conversation.person_id,
            detail={"carried_forward": carried},
        )
    return plan


def end_support(actor: User, conversation: Conversation) -> int:
    """At an agreed exit conversation with no new plan, close the person's active plan."""
    with transaction.atomic():
        closed = 0
        for plan in conversation.person.plans.filter(status=PlanStatus.ACTIVE):
            edit_with_history(
                plan,
                {"status": PlanStatus.CLOSED, "ends_on": conversation.held_on},
                actor=actor,
                reason="support ended (exit conversation)",
            )
            record_event(actor, "plan.close", plan, person_id=conversation.person_id)
            closed += 1
    return closed
