"""Support plans and their actions: permission, write, audit; edits keep earlier versions."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction

from meaningful.accounts.access import can_reach_person, reachable_people
from meaningful.accounts.models import User
from meaningful.audit.services import (
    EventInput,
    edit_and_audit,
    edit_with_history,
    keep_revisions,
    record_event,
    record_events,
    refusals_audited,
)
from meaningful.conversations.models import Conversation, ConversationKind
from meaningful.errors import InvalidInput, NotFound
from meaningful.frameworks.models import Outcome
from meaningful.people.models import Person
from meaningful.plans.models import Action, ActionOwner, ActionStatus, PlanStatus, SupportPlan
from meaningful.reports.refresh import refresh_people
from meaningful.text import text_problems, too_long_message


@dataclass
class ActionInput:
    """An action to agree: what, who does it (person, family-community, service), by when."""

    description: str
    owner: str
    outcome: str | None = None
    owner_name: str = ""
    due_on: date | None = None


OWNER_NAME_LENGTH = 100


def _text_errors(texts: dict[str, str], where: str) -> dict[str, str]:
    errors = {f"{where}{name}": problem for name, problem in text_problems(texts).items()}
    if len(texts.get("owner_name", "")) > OWNER_NAME_LENGTH:
        errors[f"{where}owner_name"] = too_long_message(OWNER_NAME_LENGTH, len(texts["owner_name"]))
    return errors


def _action_errors(item: ActionInput, where: str, outcome_codes: set[str]) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not item.description.strip():
        errors[f"{where}.description"] = "Describe the action."
    texts = {"description": item.description.strip(), "owner_name": item.owner_name.strip()}
    errors.update(_text_errors(texts, f"{where}."))
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
        refresh_people([person.pk])  # records with actions count towards recording quality
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
    texts = {name: changes[name] for name in ("description", "owner_name") if name in changes}
    errors.update(_text_errors({name: str(text) for name, text in texts.items()}, ""))
    if errors:
        raise InvalidInput(errors)
    with refusals_audited(actor, "action.update", person.id):
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


@dataclass
class AgreedPlanInput:
    """A conversation being agreed, the outcomes it recorded, and the actions of its draft plan."""

    conversation: Conversation
    outcomes: dict[str, Outcome]
    actions: list[ActionInput]


@dataclass
class _PlanState:
    plan: SupportPlan
    actions: list[Action]


def start_agreed_plans(actor: User, items: Sequence[AgreedPlanInput]) -> list[SupportPlan]:
    """Give conversations agreed at once, in order, the plans create_plan and agree_conversation would.

    A conversation with actions gets a plan that becomes the person's active plan, carrying
    forward the open actions of the one before and closing it; an exit with no actions ends the
    active plan. Revisions and audit events are those of the one-by-one path. People who had an
    active plan before the batch are refused: agree their conversations one by one.
    """
    people = sorted(
        {item.conversation.person_id for item in items if item.actions or _is_exit(item)}
    )
    _refuse_unreachable_or_planned(actor, people)
    errors: dict[str, str] = {}
    for number, item in enumerate(items):
        for index, action in enumerate(item.actions):
            errors.update(
                _action_errors(action, f"plans[{number}].actions[{index}]", set(item.outcomes))
            )
    if errors:
        raise InvalidInput(errors)
    active: dict[uuid.UUID, _PlanState] = {}
    states: list[_PlanState] = []
    created: list[EventInput] = []
    settled: list[EventInput] = []
    ended: list[SupportPlan] = []
    for item in items:
        conversation = item.conversation
        before = active.pop(conversation.person_id, None)
        if item.actions:
            state = _agreed_plan(actor, item, before)
            states.append(state)
            active[conversation.person_id] = state
            created.append(_plan_event("plan.create", state.plan, actions=len(item.actions)))
            carried = len(state.actions) - len(item.actions)
            settled.append(_plan_event("plan.activate", state.plan, carried_forward=carried))
        elif before is not None and _is_exit(item):
            before.plan.status, before.plan.ends_on = PlanStatus.CLOSED, conversation.held_on
            before.plan.version = 3
            ended.append(before.plan)
            settled.append(_plan_event("plan.close", before.plan))
        elif before is not None:
            active[conversation.person_id] = before
    plans = [state.plan for state in states]
    with transaction.atomic():
        SupportPlan.objects.bulk_create(plans, batch_size=2000)
        Action.objects.bulk_create(
            (action for state in states for action in state.actions), batch_size=2000
        )
        drafted = {"status": PlanStatus.DRAFT, "ends_on": None, "version": 1}
        keep_revisions(
            [(plan, drafted) for plan in plans], actor=actor, reason="conversation agreed"
        )
        was_active = {"status": PlanStatus.ACTIVE, "ends_on": None, "version": 2}
        keep_revisions(
            [(plan, was_active) for plan in ended],
            actor=actor,
            reason="support ended (exit conversation)",
        )
        record_events(actor, created + settled)
    return plans


def _is_exit(item: AgreedPlanInput) -> bool:
    return item.conversation.kind == ConversationKind.EXIT


def _plan_event(action: str, plan: SupportPlan, **detail: int) -> EventInput:
    return EventInput(action, plan, person_id=plan.person_id, detail=detail or None)


def _agreed_plan(actor: User, item: AgreedPlanInput, before: _PlanState | None) -> _PlanState:
    conversation = item.conversation
    plan = SupportPlan(
        person_id=conversation.person_id,
        conversation=conversation,
        starts_on=conversation.held_on,
        created_by=actor,
        status=PlanStatus.ACTIVE,
        version=2,
    )
    actions = [
        Action(
            plan=plan,
            outcome=item.outcomes.get(action.outcome) if action.outcome else None,
            description=action.description.strip(),
            owner=action.owner,
            owner_name=action.owner_name.strip(),
            due_on=action.due_on,
        )
        for action in item.actions
    ]
    if before is not None:  # every action of a plan made in this batch is still open
        before.plan.status, before.plan.ends_on = PlanStatus.CLOSED, plan.starts_on
        for action in before.actions:
            action.plan = plan
        actions = before.actions + actions
        before.actions = []
    return _PlanState(plan, actions)


def _refuse_unreachable_or_planned(actor: User, people: list[uuid.UUID]) -> None:
    for start in range(0, len(people), 900):
        chunk = people[start : start + 900]
        if reachable_people(actor).filter(pk__in=chunk).count() != len(chunk):
            raise NotFound("No such person on your caseload.")
        if SupportPlan.objects.filter(person_id__in=chunk, status=PlanStatus.ACTIVE).exists():
            raise InvalidInput(
                {
                    "plans": "Someone here already has an active plan: agree their conversations one by one."
                }
            )
